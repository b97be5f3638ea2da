"""EmoDB, KSUEmotions and Mandarin Affective Speech readers on generated trees in each release's layout:
counts, label policies, bad names and codes, 8 kHz audio resampled (or relabelled) into the cache, pinyin units."""
import os
import shutil

import numpy as np
import pytest
import soundfile

from conftest import require_tool, run_script
from fairseq_emo.data.audio_cache import convert
from fairseq_emo.core.emotions import POLICIES, UnknownLabelError
from fairseq_emo.data.folds import make_folds
from fairseq_emo.data.pinyin import words_and_phones
from fairseq_emo.data.table import read_table
from fairseq_emo.units import UnitSpec, emotion_units


@pytest.fixture(scope="module")
def trees(tmp_path_factory):
    require_tool("espeak-ng", "apt-get install espeak-ng")
    from fairseq_emo.data.demo_corpora import make_emodb_tree, make_ksu_tree, make_mandarin_tree

    out = tmp_path_factory.mktemp("trees")
    return {"emodb": make_emodb_tree(str(out), per_emotion=2, speakers=("03", "08")),
            "ksu": make_ksu_tree(str(out), per_emotion=2, speakers=("001", "101")),
            "mas": make_mandarin_tree(str(out), per_emotion=2, speakers=("f01", "m01"), takes=2)}


def copy_tree(src, dst):
    shutil.copytree(src, dst)
    return str(dst)


def test_label_policies():
    assert [POLICIES["emodb"].emotion(x) for x in "NFWT"] == ["neu", "hap", "ang", "sad"]
    assert all(POLICIES["emodb"].emotion(x) is None for x in "LEA")
    assert [POLICIES["ksu"].emotion(x) for x in ("E00", "E01", "E02", "E05")] == ["neu", "hap", "sad", "ang"]
    assert POLICIES["ksu"].emotion("E03") is None and POLICIES["ksu"].emotion("E04") is None
    assert POLICIES["mandarin"].emotion("Elation") == "hap" and POLICIES["mandarin"].emotion("panic") is None
    with pytest.raises(UnknownLabelError, match="unknown EmoDB emotion label 'X'"):
        POLICIES["emodb"].emotion("X")


def test_emodb_reader_counts_and_errors(trees, tmp_path):
    proc = run_script("prepare.py", "--corpus", "emodb", "--data", trees["emodb"], "--out", tmp_path / "out")
    assert "per class: neu=4  hap=4  ang=4  sad=4" in proc.stdout and "L=4" in proc.stdout
    assert "counts for the full EmoDB: neu=79  hap=71  ang=127  sad=62" in proc.stdout
    table = read_table(str(tmp_path / "out" / "utterances.tsv"))
    assert {u.speaker for u in table} == {"emodb03", "emodb08"}
    assert {u.gender for u in table if u.speaker == "emodb08"} == {"F"}
    assert all(u.wav == u.source_wav and u.source_rate == 16000 for u in table)  # 16 kHz: used in place

    bad = copy_tree(trees["emodb"], tmp_path / "bad")
    shutil.copy(os.path.join(bad, "wav", "03a01Fa.wav"), os.path.join(bad, "wav", "recording1.wav"))
    proc = run_script("prepare.py", "--corpus", "emodb", "--data", bad, "--out", tmp_path / "bad_out", check=False)
    assert proc.returncode == 2 and "recording1.wav" in proc.stderr and "--skip-bad" in proc.stderr
    proc = run_script("prepare.py", "--corpus", "emodb", "--data", bad, "--out", tmp_path / "bad_out", "--skip-bad")
    assert "skipped 1 unusable file(s)" in proc.stdout and "neu=4  hap=4" in proc.stdout
    assert "recording1" in open(tmp_path / "bad_out" / "skipped.tsv").read()

    shutil.copy(os.path.join(bad, "wav", "03a01Fa.wav"), os.path.join(bad, "wav", "03a01Xa.wav"))
    proc = run_script("prepare.py", "--corpus", "emodb", "--data", bad, "--out", tmp_path / "bad_out", "--skip-bad", check=False)
    assert proc.returncode == 2 and "03a01Xa.wav" in proc.stderr and "'X'" in proc.stderr

    proc = run_script("prepare.py", "--corpus", "emodb", "--data", tmp_path / "nothing", "--out", tmp_path / "o", check=False)
    assert proc.returncode == 2 and "wav/<name>.wav" in proc.stderr


def test_ksu_reader_counts_flac_and_errors(trees, tmp_path):
    proc = run_script("prepare.py", "--corpus", "ksu", "--data", trees["ksu"], "--out", tmp_path / "out")
    assert "per class: neu=4  hap=4  ang=4  sad=4" in proc.stdout and "E03=4, E04=4" in proc.stdout
    table = read_table(str(tmp_path / "out" / "utterances.tsv"))
    assert {u.speaker: u.gender for u in table} == {"P001": "M", "P101": "F"}
    assert any(u.source_wav.endswith(".flac") for u in table)  # Phase_2 is FLAC in the generated tree
    flac = next(u for u in table if u.source_wav.endswith(".flac"))
    assert flac.wav == flac.source_wav and soundfile.info(flac.wav).samplerate == 16000
    assert all(u.utt_id.startswith("Phase_") for u in table)

    bad = copy_tree(trees["ksu"], tmp_path / "bad")
    src = os.path.join(bad, "data", "SPEECH", "Phase_1", "E00", "D01E00P001S01T01.wav")
    shutil.copy(src, os.path.join(bad, "data", "SPEECH", "Phase_1", "E00", "D01E05P001S09T01.wav"))
    proc = run_script("prepare.py", "--corpus", "ksu", "--data", bad, "--out", tmp_path / "b", check=False)
    assert proc.returncode == 2 and "says emotion E05 but it is in folder E00" in proc.stderr
    os.makedirs(os.path.join(bad, "data", "SPEECH", "Phase_1", "E07"))
    proc = run_script("prepare.py", "--corpus", "ksu", "--data", bad, "--out", tmp_path / "b", "--skip-bad", check=False)
    assert proc.returncode == 2 and "E07" in proc.stderr and "unknown KSUEmotions emotion label" in proc.stderr
    proc = run_script("prepare.py", "--corpus", "ksu", "--data", tmp_path, "--out", tmp_path / "b", check=False)
    assert proc.returncode == 2 and "data/SPEECH/Phase_1/E00" in proc.stderr


def test_mandarin_8k_resampled_once_and_relabelled(trees, tmp_path):
    out = tmp_path / "out"
    proc = run_script("prepare.py", "--corpus", "mandarin", "--data", trees["mas"], "--out", out)
    assert "per class: neu=8  hap=8  ang=8  sad=8" in proc.stdout and "panic=8" in proc.stdout
    assert "8000 Hz -> 16 kHz mono by 'resample'" in proc.stdout
    table = read_table(str(out / "utterances.tsv"))
    for u in table:
        assert u.source_rate == 8000 and u.sample_rate == 16000 and u.wav.startswith(str(out / "wav16k"))
        info, src = soundfile.info(u.wav), soundfile.info(u.source_wav)
        assert (info.samplerate, info.channels, info.frames) == (16000, 1, u.frames)
        assert abs(info.frames - 2 * src.frames) <= 2  # twice the samples for the same duration
    # the cache is written once: a second run reuses the files
    mtimes = {u.wav: os.stat(u.wav).st_mtime_ns for u in table}
    run_script("prepare.py", "--corpus", "mandarin", "--data", trees["mas"], "--out", out)
    assert all(os.stat(p).st_mtime_ns == t for p, t in mtimes.items())
    # transcripts -> pinyin words and initial/final phones
    u = next(u for u in table if u.dialog == "s01")
    assert u.text == "今天天气很好" and u.words == "jin1 tian1 tian1 qi4 hen3 hao3"
    assert u.phones.startswith("j in1 | t ian1")

    relabel = tmp_path / "relabel"
    proc = run_script("prepare.py", "--corpus", "mandarin", "--data", trees["mas"], "--out", relabel, "--rate-policy", "relabel",
                      "--set", "transcripts=none")
    rows = read_table(str(relabel / "utterances.tsv"))
    assert {r.corpus for r in rows} == {"mandarin-relabel"} and all(not r.words for r in rows)
    for r in rows:
        data, rate = soundfile.read(r.wav, dtype="int16")
        original, _ = soundfile.read(r.source_wav, dtype="int16")
        assert rate == 16000 and np.array_equal(data, original)  # the same samples, declared 16 kHz


def test_mandarin_layout_errors(trees, tmp_path):
    bad = copy_tree(trees["mas"], tmp_path / "bad")
    with open(os.path.join(bad, "docs", "transcripts.txt"), "a", encoding="utf-8") as f:
        f.write("s50 ……！\n")
    shutil.copy(os.path.join(bad, "data", "f01", "anger", "s01_1.wav"), os.path.join(bad, "data", "f01", "anger",
                                                                                     "s50_1.wav"))
    with open(os.path.join(bad, "data", "f01", "notes.txt"), "w") as f:
        f.write("a document among the audio\n")
    shutil.copy(os.path.join(bad, "data", "f01", "anger", "s01_1.wav"), os.path.join(bad, "data", "f01", "anger",
                                                                                     "s99_1.wav"))
    shutil.copy(os.path.join(bad, "data", "f01", "anger", "s01_1.wav"), os.path.join(bad, "data", "f01", "x.wav"))
    proc = run_script("prepare.py", "--corpus", "mandarin", "--data", bad, "--out", tmp_path / "o", check=False)
    assert proc.returncode == 2 and "item s99 has no line" in proc.stderr
    assert "does not match the layout pattern" in proc.stderr and "f01/x.wav" in proc.stderr
    assert "item s50 has no Chinese characters" in proc.stderr
    proc = run_script("prepare.py", "--corpus", "mandarin", "--data", bad, "--out", tmp_path / "o", "--skip-bad")
    assert "skipped 3 unusable file(s)" in proc.stdout and "not read: 1 non-audio file(s)" in proc.stdout
    os.makedirs(os.path.join(bad, "data", "f01", "boredom"))
    shutil.copy(os.path.join(bad, "data", "f01", "anger", "s01_1.wav"),
                os.path.join(bad, "data", "f01", "boredom", "s01_1.wav"))
    proc = run_script("prepare.py", "--corpus", "mandarin", "--data", bad, "--out", tmp_path / "o", "--skip-bad", check=False)
    assert proc.returncode == 2 and "boredom" in proc.stderr
    os.remove(os.path.join(bad, "docs", "transcripts.txt"))
    proc = run_script("prepare.py", "--corpus", "mandarin", "--data", bad, "--out", tmp_path / "o", check=False)
    assert proc.returncode == 2 and "transcripts.txt not found" in proc.stderr and "--set transcripts=none" in proc.stderr


def test_pinyin_initials_finals():
    assert words_and_phones("二〇〇八") == (["er4", "ling2", "ling2", "ba1"], [["er4"], ["l", "ing2"], ["l", "ing2"],
                                                                           ["b", "a1"]])
    words, phones = words_and_phones("我爱绿色的一天。")
    assert words == ["wo3", "ai4", "lv4", "se4", "de5", "yi1", "tian1"]  # dictionary tones, no sandhi
    # zero-initial syllables (wo, ai, yi) are their final alone
    assert phones == [["uo3"], ["ai4"], ["l", "v4"], ["s", "e4"], ["d", "e5"], ["i1"], ["t", "ian1"]]
    assert emotion_units(UnitSpec("initfinal"), words, phones, "sad")[:4] == ["uo_sad", "ai_sad", "l_sad", "v_sad"]
    with pytest.raises(ValueError, match="'A' in"):
        words_and_phones("我有A计划")
    with pytest.raises(ValueError, match="initfinal units need Mandarin pinyin phones, these are arpabet"):
        emotion_units(UnitSpec("initfinal"), ["hello"], [["HH", "AH0"]], "sad")


def test_resampler_mixes_channels_and_changes_rate():
    t = np.arange(44100) / 44100
    stereo = np.stack([np.sin(2 * np.pi * 440 * t), np.zeros_like(t)], axis=1).astype(np.float32)
    mono = convert(stereo, 44100, "resample")
    assert mono.ndim == 1 and abs(len(mono) - 16000) <= 1 and abs(np.abs(mono).max() - 0.5) < 0.02
    assert len(convert(stereo, 44100, "relabel")) == 44100


def test_speaker_groups_and_all_scheme(trees, tmp_path):
    run_script("prepare.py", "--corpus", "mandarin", "--data", trees["mas"], "--out", tmp_path / "t")
    table = read_table(str(tmp_path / "t" / "utterances.tsv"))
    folds = make_folds(table, "speaker", num_folds=2)
    assert [sorted({u.speaker for u in f.test}) for f in folds] == [["f01"], ["m01"]]
    with pytest.raises(ValueError, match="3 speaker folds asked for, the table has 2 speakers"):
        make_folds(table, "speaker", num_folds=3)
    (everything,) = make_folds(table, "all")
    assert not everything.test and len(everything.train) == len(table)  # monitor: every utterance trains
    assert everything.valid and {u.utt_id for u in everything.valid} <= {u.utt_id for u in everything.train}
    proc = run_script("make_manifests.py", "--table", tmp_path / "t" / "utterances.tsv", "--unit", "initfinal",
                      "--num-folds", "2", "--manifest-root", tmp_path / "m")
    fold1 = tmp_path / "m" / "mandarin" / "initfinal" / "speaker-k2" / "fold1"
    assert "fold2" in proc.stdout and "paper, IEMOCAP" not in proc.stdout
    # fold 1 tests f01 (dealt first), so train starts with m01's first utterance by id: anger, item s01
    first = next(u for u in table if u.speaker == "m01")
    assert (first.utt_id, first.text) == ("m01_anger_s01_1", "今天天气很好")
    words, phones = words_and_phones(first.text)
    assert open(fold1 / "train.initfinal").readline().split() == emotion_units(UnitSpec("initfinal"), words,
                                                                             phones, "ang")
    assert open(fold1 / "test.utt").readline().split("\t")[1] == "f01"
    # beside its initials/finals, Mandarin takes IPA BPC units (pinyin -> IPA -> the same class names as English)
    run_script("make_manifests.py", "--table", tmp_path / "t" / "utterances.tsv", "--unit", "bpc", "--num-folds",
               "2", "--manifest-root", tmp_path / "m")
    bpc = open(tmp_path / "m" / "mandarin" / "bpc" / "speaker-k2" / "fold1" / "train.bpc").readline().split()
    # 今天天气很好 jin1 tian1 tian1 qi4 hen3 hao3: tɕ i n | tʰ j ɛ n | tʰ j ɛ n | tɕʰ i | x ə n | x au, the
    # affricates tɕ tɕʰ written t ɕ by the cross-language convention (units/ipa.py: one token only for tʃ dʒ)
    assert bpc == [f"{c}_ang" for c in
                   "STOP FRIC V NAS STOP APPR V NAS STOP APPR V NAS STOP FRIC V FRIC V NAS FRIC V".split()]


def test_shared_audio_cache_never_serves_another_policy_or_a_replaced_recording(trees, tmp_path):
    cache = tmp_path / "cache"
    run_script("prepare.py", "--corpus", "mandarin", "--data", trees["mas"], "--out", tmp_path / "o1", "--audio-cache", cache)
    run_script("prepare.py", "--corpus", "mandarin", "--data", trees["mas"], "--out", tmp_path / "o2", "--audio-cache", cache,
               "--rate-policy", "relabel")
    relabelled = read_table(str(tmp_path / "o2" / "utterances.tsv"))
    assert {r.corpus for r in relabelled} == {"mandarin-relabel"}
    for r in relabelled:  # the relabelled table holds the original samples, not the resampled cache entry
        data, _ = soundfile.read(r.wav, dtype="int16")
        assert np.array_equal(data, soundfile.read(r.source_wav, dtype="int16")[0])
    # ... and the first table still points at its own (resampled) audio: one folder per policy in the cache
    resampled = read_table(str(tmp_path / "o1" / "utterances.tsv"))
    assert all(soundfile.info(r.wav).frames == r.frames for r in resampled)
    assert not {r.wav for r in resampled} & {r.wav for r in relabelled}
    # a recording replaced in the corpus is converted again
    mas = copy_tree(trees["mas"], tmp_path / "mas")
    run_script("prepare.py", "--corpus", "mandarin", "--data", mas, "--out", tmp_path / "o3", "--audio-cache", tmp_path / "c3")
    first = read_table(str(tmp_path / "o3" / "utterances.tsv"))[0]
    samples, rate = soundfile.read(first.source_wav)
    soundfile.write(first.source_wav, samples[: len(samples) // 2], rate)
    run_script("prepare.py", "--corpus", "mandarin", "--data", mas, "--out", tmp_path / "o3", "--audio-cache", tmp_path / "c3")
    again = {u.utt_id: u for u in read_table(str(tmp_path / "o3" / "utterances.tsv"))}[first.utt_id]
    assert abs(again.frames - first.frames / 2) <= 2 and soundfile.info(again.wav).frames == again.frames
