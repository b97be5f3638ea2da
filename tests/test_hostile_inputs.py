"""Round three of the silently-wrong and hostile cases: each one a clear error, a counted skip or correct
behaviour, never a silent result or code run from data (fast tier)."""
import os

import pytest


def tiny_export(directory):
    """A tiny model folder in the shape `fairseq-emo export` writes (this package's FairseqEmoForCTC)."""
    from fairseq_emo.serving.hf_export import shipped_module

    modeling = shipped_module()
    config = modeling.FairseqEmoConfig(
        vocab_size=8, hidden_size=16, num_hidden_layers=1, num_attention_heads=2, intermediate_size=32,
        conv_dim=(16, 16), conv_kernel=(10, 3), conv_stride=(5, 2), num_conv_pos_embeddings=16,
        num_conv_pos_embedding_groups=2, unit_emotion=[-1, -1, -1, -1, 0, 1, 2, 3], nspecial=4)
    modeling.FairseqEmoForCTC(config).save_pretrained(str(directory))
    return directory


def test_loading_a_model_folder_never_runs_the_python_file_inside_it(tmp_path):
    """An edited export's modeling_fairseq_emo.py is not imported by predict/info (no trust flag there); the
    package's own copy of the model class is used."""
    from fairseq_emo.serving.hf_export import MODELING, ExportedCtc

    folder = tiny_export(tmp_path / "export")
    marker = tmp_path / "payload_ran"
    (folder / f"{MODELING}.py").write_text(f"open({str(marker)!r}, 'w').write('x')\nraise SystemExit(3)\n")
    model = ExportedCtc(str(folder))
    assert not marker.exists()
    assert type(model.hf).__module__.startswith("fairseq_emo_shipped_")


def test_a_label_table_naming_a_file_outside_the_corpus_is_refused_and_nothing_is_written(tmp_path):
    """MSP-Podcast's labels_consensus.csv naming ../../x/src.wav: never read from outside the corpus tree, and its
    16 kHz conversion never written through the same relative path (onto the source recording)."""
    from corpus_trees import msppodcast, tone
    from fairseq_emo.data.corpora import registry
    from fairseq_emo.data.corpora.common import AudioOptions

    root, _ = msppodcast(str(tmp_path / "msp"))
    victim = tmp_path / "x" / "src.wav"
    tone(str(victim), 44100)                       # would be converted (not 16 kHz)
    before = victim.read_bytes()
    labels = tmp_path / "msp" / "Labels" / "labels_consensus.csv"
    with open(labels, "a") as f:
        f.write("../../x/src.wav,A,3.0,4.0,4.5,100,Male,Train\n")
    cache = tmp_path / "msp" / "cache" / "audio"
    with pytest.raises(ValueError, match=r"labels_consensus.csv:12: .*src.wav is outside the corpus folder"):
        registry.read("msppodcast", root, AudioOptions(cache_dir=str(cache)))
    assert victim.read_bytes() == before and not (tmp_path / "x" / "src.wav.key").exists()


def test_the_audio_cache_never_writes_outside_itself(tmp_path):
    from corpus_trees import tone
    from fairseq_emo.core.audio import read_header
    from fairseq_emo.data.audio_cache import fairseq_audio

    source = tmp_path / "corpus" / "a.wav"
    tone(str(source), 44100)
    with pytest.raises(ValueError, match="outside the audio cache"):
        fairseq_audio(str(source), read_header(str(source)), str(tmp_path / "cache"), "../../elsewhere/a.wav",
                      "resample")
    assert not (tmp_path / "elsewhere").exists()


def test_a_corpus_root_named_like_a_pattern_reads_itself_only_and_skips_are_counted_by_reason(tmp_path):
    """RAVDESS under 'data[1]' beside 'data1': the root is a name, not a glob pattern. A dangling link, a folder
    named like a wav and a misspelled actor folder (Actor_2) are reported by reason, never dropped silently."""
    from corpus_trees import ravdess, tone
    from fairseq_emo.data.corpora import registry
    from fairseq_emo.data.corpora.common import AudioOptions

    ours, counts = ravdess(str(tmp_path / "data[1]"), actors=(1,))
    ravdess(str(tmp_path / "data1"), actors=(1, 2, 3))          # what the pattern data[1] would also match
    actor = os.path.join(ours, "Actor_01")
    os.symlink(os.path.join(actor, "gone.wav"), os.path.join(actor, "03-01-05-01-01-02-01.wav"))
    os.makedirs(os.path.join(actor, "03-01-05-01-02-02-01.wav"))
    tone(os.path.join(ours, "Actor_2", "03-01-05-01-01-01-02.wav"), 48000)
    read = registry.read("ravdess", ours, AudioOptions(cache_dir=str(tmp_path / "cache")))
    assert len({u.speaker for u in read.utterances}) == 1 and len(read.utterances) == sum(counts)
    assert set(read.skipped) == {"dangling links (their target is missing)", "folders named like audio files",
                                 "folders not named Actor_NN (two digits: Actor_02, not Actor_2)"}
    assert all(len(paths) == 1 for paths in read.skipped.values())


def test_decision_rules_use_the_bpc_classes_the_fold_recorded_not_the_edited_set_file(tmp_path, monkeypatch):
    """A user set file edited (or deleted) after training must not change an old run's vowel/consonant rules."""
    from fairseq_emo.evaluation.decision_rules import decide_all, vowel_test
    from fairseq_emo.units.bpc import USER_SETS_ENV

    monkeypatch.setenv(USER_SETS_ENV, str(tmp_path))
    recorded = {"V": "AA AE AH AO AW AY EH ER EY IH IY OW OY UH UW".split(),
                "SON": "M N NG L R W Y".split(), "OBS": "B D G K P T CH JH DH F HH S SH TH V Z ZH".split()}
    # today's file puts the sonorants into V: by it, V is no longer a vowel-only class
    (tmp_path / "vc3.tsv").write_text("V AA AE AH AO AW AY EH ER EY IH IY OW OY UH UW\nSON M N NG L R W Y\n"
                                      "OBS B D G K P T CH JH DH F HH S SH TH V Z ZH\n".replace("SON M", "V M"))
    assert vowel_test("bpc-vc3")("V") is False
    assert vowel_test("bpc-vc3", recorded)("V") is True and vowel_test("bpc-vc3", recorded)("SON") is False
    line = {"utt_id": "u1", "emotion_mass": {"neu": 1.0, "hap": 1.0, "ang": 1.0, "sad": 1.0},
            "units": [{"unit": "V_hap", "start": 0.0, "end": 0.1, "posterior": 0.9},
                      {"unit": "SON_sad", "start": 0.1, "end": 0.2, "posterior": 0.9},
                      {"unit": "SON_sad", "start": 0.2, "end": 0.3, "posterior": 0.9}]}
    decided = decide_all([line], "bpc-vc3", recorded)
    assert decided["vowels_only"]["u1"] == "hap" and decided["consonants_only"]["u1"] == "sad"
    (tmp_path / "vc3.tsv").unlink()              # the file gone: the recorded definition still decides
    assert decide_all([line], "bpc-vc3", recorded)["vowels_only"]["u1"] == "hap"


def test_predict_refuses_any_output_that_is_a_file_it_reads_under_any_name(tmp_path):
    """--out onto the @list file, the checkpoint, its dictionary or an export's model.safetensors (also through a
    link or a '..' spelling) is refused before anything is loaded or written."""
    import numpy as np
    import soundfile
    from test_silent_failures import predict_cli

    talk = tmp_path / "talk.wav"
    soundfile.write(str(talk), np.zeros(16000, dtype=np.float32), 16000)
    listing = tmp_path / "inputs.lst"
    listing.write_text(f"{talk}\n")
    fold = tmp_path / "fold" / "checkpoints"
    fold.mkdir(parents=True)
    ckpt = fold / "checkpoint_last.pt"
    ckpt.write_bytes(b"never loaded: each refusal comes first")
    (fold / "dict.bpc.txt").write_text("V_hap 3\n")
    export = tmp_path / "export"
    export.mkdir()
    (export / "config.json").write_text("{}")
    (export / "model.safetensors").write_bytes(b"weights")
    os.symlink(ckpt, tmp_path / "alias.pt")
    cases = [(ckpt, f"@{listing}", listing, "the list of inputs"),
             (ckpt, str(talk), tmp_path / "alias.pt", "the checkpoint"),
             (ckpt, str(talk), tmp_path / "fold" / "x" / ".." / "checkpoints" / "dict.bpc.txt",
              "the model's dictionary"),
             (export, str(talk), export / "model.safetensors", "a file of the model folder")]
    (tmp_path / "fold" / "x").mkdir()
    for checkpoint, audio, out, says in cases:
        before = {p: p.read_bytes() for p in (listing, ckpt, export / "model.safetensors")}
        code, err = predict_cli("--checkpoint", checkpoint, audio, "--out", out)
        assert code == 2 and f"is {says}; writing it would destroy it" in err, err
        assert {p: p.read_bytes() for p in before} == before


def test_a_refused_command_stops_run_sh_before_any_old_model_is_decoded_or_reported(tmp_path):
    """run_folds.sh refusing an override (exit 2) is not 'some folds failed': run.sh stops, so no RESULT line of
    folds trained earlier is printed as this command's."""
    from test_silent_failures import run_sh

    (tmp_path / "w2v.pt").write_bytes(b"")
    (tmp_path / "data").mkdir()
    proc = run_sh("--corpus", "iemocap", "--data", tmp_path / "data", "--w2v", tmp_path / "w2v.pt", "--work",
                  tmp_path / "work", "--stage", "4", "--stop-stage", "9", "--", "task.data=/x")
    assert proc.returncode == 2 and "the fold loop refused this command" in proc.stderr
    assert "stage 5" not in proc.stdout + proc.stderr and "RESULT" not in proc.stdout


@pytest.fixture()
def emodb_tree(tmp_path):
    from fairseq_emo.data.demo_corpora import make_emodb_tree
    return make_emodb_tree(str(tmp_path / "emodb_src"), per_emotion=1, speakers=("03",))


def _fake_tool(folder, name, body):
    folder.mkdir(exist_ok=True)
    (folder / name).write_text(f"#!/bin/sh\n{body}\n")
    (folder / name).chmod(0o755)


def test_a_hanging_or_missing_espeak_stops_prepare_with_a_message(emodb_tree, tmp_path, monkeypatch):
    from conftest import run_script
    from fairseq_emo.data import ipa_g2p

    bin_dir = tmp_path / "bin"
    _fake_tool(bin_dir, "espeak-ng", "sleep 30")
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("FAIRSEQ_EMO_ESPEAK_TIMEOUT", "0.5")
    ipa_g2p.espeak_word.cache_clear()
    proc = run_script("prepare.py", "--corpus", "emodb", "--data", emodb_tree, "--out", tmp_path / "t1", check=False)
    assert proc.returncode == 2 and "gave no answer within 0.5 s" in proc.stderr, proc.stderr
    monkeypatch.setenv("PATH", f"{tmp_path / 'empty'}")   # no espeak-ng at all
    ipa_g2p.espeak_word.cache_clear()
    proc = run_script("prepare.py", "--corpus", "emodb", "--data", emodb_tree, "--out", tmp_path / "t2", check=False)
    assert proc.returncode == 2 and "espeak-ng is not installed" in proc.stderr, proc.stderr
    ipa_g2p.espeak_word.cache_clear()


def test_a_copied_work_dir_reads_its_own_model_and_folds_not_the_originals(tmp_path):
    """DONE keeps the fold's data and test checkpoint relative to the fold too: a work dir copied elsewhere
    decodes and reports its own copy, the original still there or not."""
    import shutil

    from fairseq_emo.core import layout
    from fairseq_emo.training.fold_run import done_facts, write_done

    work = tmp_path / "work"
    fold = work / "exp" / "demo" / "bpc" / "fold1"
    data = work / "manifests" / "demo" / "bpc" / "speaker" / "fold1"
    fold.mkdir(parents=True)
    data.mkdir(parents=True)
    write_done(str(fold), done_facts(str(fold), {"config": "tiny", "data": str(data), "command": "train ..."}))
    assert f"data_relative={os.path.relpath(data, fold)}" in (fold / "DONE").read_text()
    copy = tmp_path / "copy"
    shutil.copytree(work, copy)
    done = layout.read_done(str(copy / "exp" / "demo" / "bpc" / "fold1"))   # the original is still there
    assert done["data"] == str(copy / "manifests" / "demo" / "bpc" / "speaker" / "fold1")
    shutil.rmtree(work)
    done = layout.read_done(str(copy / "exp" / "demo" / "bpc" / "fold1"))
    assert done["data"] == str(copy / "manifests" / "demo" / "bpc" / "speaker" / "fold1")
    assert done["test_checkpoint"] == layout.test_checkpoint(str(copy / "exp" / "demo" / "bpc" / "fold1"))
    # a DONE written before (absolute paths) is still read as it says
    (fold.parent).mkdir(parents=True)
    (fold).mkdir()
    (fold / "DONE").write_text(f"config=tiny\ndata={data}\n")
    assert layout.read_done(str(fold))["data"] == str(data)


def test_esd_and_crema_d_label_files_that_contradict_themselves_or_are_misencoded_are_named(tmp_path):
    from corpus_trees import cremad, esd
    from fairseq_emo.data.corpora import registry
    from fairseq_emo.data.corpora.common import AudioOptions

    audio = AudioOptions(cache_dir=str(tmp_path / "cache"))
    root, _ = esd(str(tmp_path / "esd"), speakers=("0011",))
    listing = tmp_path / "esd" / "0011" / "0011.txt"
    good = listing.read_text(encoding="utf-8")
    first = good.splitlines()[0].split("\t")
    listing.write_text(good + f"{first[0]}\tAnother text entirely.\t{first[2]}\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"0011.txt:\d+: 0011_\d+ again, with another text"):
        registry.read("esd", root, audio)
    # an English file in Latin-1 is read as cp1252 (never as GB18030 into Chinese characters), counted
    listing.write_bytes(good.replace(first[1], first[1] + " caf\u00e9").encode("latin-1"))
    read = registry.read("esd", root, audio)
    assert "caf\u00e9" in " ".join(u.text for u in read.utterances)
    assert any("read as cp1252" in k for k in read.tolerated)
    listing.write_bytes(good.encode("utf-16"))                 # UTF-16 with its byte-order mark: read, counted
    assert len(registry.read("esd", root, audio).utterances) == len(read.utterances)
    root, _ = cremad(str(tmp_path / "crema"))
    demo = tmp_path / "crema" / "VideoDemographics.csv"
    text = demo.read_text(encoding="utf-8")
    row = text.splitlines()[1].split(",")
    flipped = row[:]
    flipped[2] = "Female" if row[2].strip() == "Male" else "Male"
    demo.write_text(text + ",".join(flipped) + "\n", encoding="utf-8")
    with pytest.raises(ValueError, match=rf"VideoDemographics.csv:\d+: actor {row[0]} again"):
        registry.read("cremad", root, audio)
    demo.write_bytes((text.replace("Male", "M\u00e4le", 1)).encode("latin-1"))
    with pytest.raises(ValueError, match="VideoDemographics.csv: not UTF-8"):
        registry.read("cremad", root, audio)


def test_an_edited_unit_emotion_table_in_an_export_is_refused_at_load(tmp_path):
    """config.json's unit_emotion must agree with vocab.json, or predict and the transformers pipeline would vote
    differently on one folder."""
    import json

    from fairseq_emo.serving.hf_export import ExportedCtc

    folder = tiny_export(tmp_path / "export")
    vocab = {t: i for i, t in enumerate(["<s>", "<pad>", "</s>", "<unk>", "V_neu", "V_hap", "V_ang", "V_sad"])}
    (folder / "vocab.json").write_text(json.dumps(vocab))
    ExportedCtc(str(folder))                       # as exported: loads
    config = json.loads((folder / "config.json").read_text())
    config["unit_emotion"][5] = 3                  # V_hap voted as sad
    (folder / "config.json").write_text(json.dumps(config))
    with pytest.raises(ValueError, match=r"unit_emotion\[5\] = 3, but vocab.json's token 'V_hap' carries hap"):
        ExportedCtc(str(folder))


def _disk_full(*args, **kwargs):
    target = args[0] if args else kwargs.get("file") or kwargs.get("fname")
    with open(target, "wb") as f:    # a partial file, as a full disk leaves it
        f.write(b"RIFF")
    raise OSError(28, "No space left on device")


def test_a_full_disk_in_the_audio_cache_and_the_figures_leaves_no_half_file_and_names_it(tmp_path, monkeypatch):
    import soundfile
    from corpus_trees import tone
    from fairseq_emo.core.audio import read_header
    from fairseq_emo.data.audio_cache import fairseq_audio

    source = tmp_path / "corpus" / "a.wav"
    tone(str(source), 44100)
    monkeypatch.setattr(soundfile, "write", _disk_full)
    with pytest.raises(RuntimeError, match="the disk is full.*converting .*a.wav into the audio cache"):
        fairseq_audio(str(source), read_header(str(source)), str(tmp_path / "cache"), "a.wav", "resample")
    assert [p.name for p in (tmp_path / "cache").iterdir()] == []
    monkeypatch.undo()

    from matplotlib.figure import Figure

    from fairseq_emo.core.atomic import WriteError
    from fairseq_emo.reporting.figures import confusion_figure

    monkeypatch.setattr(Figure, "savefig", lambda self, *a, **k: _disk_full(*a, **k))
    out = tmp_path / "report"
    out.mkdir()
    with pytest.raises(WriteError, match="confusion.png.*the disk is full"):
        confusion_figure({"run": "bpc", "confusion": [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]],
                          "accuracy": {"WA": 100.0, "UA": 100.0}}, str(out / "confusion.png"))
    assert list(out.iterdir()) == []


def test_the_reference_floor_scores_the_g2p_references_against_emodbs_hand_labels(emodb_tree, tmp_path):
    """EmoDB's lablaut/ hand labels (ESPS xlabel, SAMPA) against the espeak-ng references in manner6 classes: the
    hand count of differences for 'Der Lappen liegt auf dem Eisschrank' is 3 of 26 (two glottal stops the G2P
    does not write, and the labellers' uvular R, a fricative, for espeak-ng's trill r, an approximant)."""
    from conftest import run_script
    from fairseq_emo.evaluation.cross_scoring import reference_floor
    from fairseq_emo.data.table import read_table

    run_script("prepare.py", "--corpus", "emodb", "--data", emodb_tree, "--out", tmp_path / "t")
    rows = read_table(str(tmp_path / "t" / "utterances.tsv"))
    hand = "<p:> d e: 6 l a p @ n l i: k t ? aU f d e: m ? aI s S R a N k <p:> x_marker".split()
    lablaut = os.path.join(emodb_tree, "lablaut")
    os.makedirs(lablaut)
    stems = sorted(os.path.splitext(os.path.basename(u.source_wav))[0] for u in rows)
    for stem in stems[:-1]:                     # the last recording has no label file
        with open(os.path.join(lablaut, f"{stem}.lablaut"), "w", encoding="latin-1") as f:
            f.write("signal " + stem + "\ntype 0\ncolor 121\n#\n")
            f.write("".join(f"    {0.1 * (k + 1):.6f}  121 {label}\n" for k, label in enumerate(hand)))
    with open(os.path.join(lablaut, "README.txt"), "w") as f:   # not a label file: counted, not read
        f.write("notes\n")
    floor = reference_floor(str(tmp_path / "t" / "utterances.tsv"), "bpc", [u.utt_id for u in rows])
    assert floor["other_files"] == 1
    n = len(stems) - 1
    assert floor["utterances"] == n and floor["hand_units"] == 26 * n and floor["errors"] == 3 * n
    assert floor["rate"] == 11.5 and floor["pauses"] == 2 * n and floor["no_label_file"] == 1
    assert floor["unknown_labels"] == {"x_marker": n}


def test_ctrl_c_ends_a_stage_with_one_line_and_no_traceback(emodb_tree, tmp_path):
    """prepare.py waiting on espeak-ng, interrupted as a terminal's Ctrl-C does (SIGINT to the process group):
    one line saying the same command resumes, exit 130, no KeyboardInterrupt traceback."""
    import signal
    import subprocess
    import sys
    import time

    from conftest import REPO

    bin_dir, started = tmp_path / "bin", tmp_path / "espeak_started"
    _fake_tool(bin_dir, "espeak-ng", f"touch {started}; sleep 30")
    env = dict(os.environ, PATH=f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    proc = subprocess.Popen([sys.executable, os.path.join(REPO, "scripts", "prepare.py"), "--corpus", "emodb",
                             "--data", emodb_tree, "--out", str(tmp_path / "t")], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env, start_new_session=True)
    deadline = time.time() + 60
    while not started.exists() and time.time() < deadline and proc.poll() is None:
        time.sleep(0.1)
    assert started.exists(), proc.communicate()[1]
    os.killpg(proc.pid, signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "prepare.py: interrupted" in err and "run the same command again" in err and "Traceback" not in err


def test_force_checks_the_new_training_can_start_before_moving_a_trained_fold_aside(tmp_path):
    """run_folds.sh --force over a fold trained with another command: when the fold's data fails check_fold (a
    moved work dir's table naming audio that is gone), the trained fold is left in place, not moved aside."""
    from conftest import run_folds

    data = tmp_path / "m" / "demo" / "bpc" / "speaker" / "fold1"
    data.mkdir(parents=True)
    for split in ("train", "valid", "test"):
        (data / f"{split}.tsv").write_text("/gone/audio\nSes01F_impro01_F000.wav\t16000\n")
        (data / f"{split}.bpc").write_text("V_hap\n")
        (data / f"{split}.utt").write_text("Ses01F_impro01_F000\tSes01F\thap\n")
    (data / "dict.bpc.txt").write_text("V_hap 1\n")
    fold = tmp_path / "exp" / "bpc" / "fold1"
    (fold / "checkpoints").mkdir(parents=True)
    (fold / "DONE").write_text(f"config=tiny\ndata={data}\ncommand=fairseq-hydra-train --config-name other\n")
    (tmp_path / "w2v.pt").write_bytes(b"")
    proc = run_folds("--corpus", "demo", "--units", "bpc", "--config", "tiny", "--w2v", tmp_path / "w2v.pt",
                     "--manifests", tmp_path / "m", "--exp", tmp_path / "exp", "--force")
    assert proc.returncode == 3, proc.stderr
    assert "the trained fold stays where it is" in proc.stderr
    assert (fold / "DONE").exists() and not list((tmp_path / "exp" / "bpc").glob("fold1.replaced-*"))
