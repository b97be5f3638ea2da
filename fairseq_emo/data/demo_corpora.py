"""Synthetic stand-ins for the cross-corpus test sets, in each release's layout (espeak-ng, like demo_corpus.py).

Input: an output folder and a size. Output, one tree per corpus, read by the real readers:
  make_emodb_tree    <out>/EmoDB/wav/03a01Fa.wav ...                       German voices, 16 kHz
  make_ksu_tree      <out>/KSUEmotions/data/SPEECH/Phase_1/E00/D01E00P001S01T01.wav ...
                                                                           Arabic voices, 16 kHz, some .flac
  make_mandarin_tree <out>/MandarinAffectiveSpeech/data/<spk>/<emotion>/<item>_<take>.wav + docs/
                                                                           Mandarin (numbered pinyin), 8 kHz
Each corpus also gets classes its label policy drops (boredom; surprise/questioning; panic). Emotions are the
same prosody caricatures as the demo corpus (demo_corpus.PROSODY), so a demo model's cross-corpus figures show
that the pipeline carries over, nothing about the real corpora. Deterministic for the same arguments.
"""
import os
import shutil
from concurrent.futures import ThreadPoolExecutor
from typing import Callable, List, Tuple

import soundfile
from pypinyin import Style, lazy_pinyin

from fairseq_emo.core.audio import FAIRSEQ_SAMPLE_RATE
from fairseq_emo.data.corpora.emodb import SENTENCES as EMODB_SENTENCES
from fairseq_emo.data.demo_corpus import _rng, espeak, jittered, PROSODY

ARABIC = ["ذهبت إلى السوق في الصباح", "الطقس جميل اليوم في المدينة", "سوف نسافر غدا إلى البحر",
          "وضعت الكتاب على الطاولة", "وصل القطار متأخرا هذا المساء", "نلتقي بعد العمل في المقهى"]
CHINESE = ["今天天气很好", "我们明天去公园散步", "他把书放在桌子上了", "火车晚上八点到站",
           "请你把窗户打开一下", "我已经吃过晚饭了"]
# Prosody of classes the label policies drop: a variant of neutral, so they are real, distinct recordings.
DROPPED_PROSODY = (60, 150, 90, 1)


def _write_all(jobs: List[Tuple[str, str, str, Tuple[int, int, int, int], int]], workers: int) -> None:
    """jobs: (path, text, voice, prosody, rate); files written with soundfile (format from the extension)."""
    if shutil.which("espeak-ng") is None:
        raise RuntimeError("espeak-ng not found: install it with `apt-get install espeak-ng` (scripts/setup.sh does)")
    def one(job):
        path, text, voice, prosody, rate = job
        os.makedirs(os.path.dirname(path), exist_ok=True)
        soundfile.write(path, espeak(text, voice, prosody, rate), rate, subtype="PCM_16")
    with ThreadPoolExecutor(max_workers=workers or os.cpu_count() or 1) as pool:
        list(pool.map(one, jobs))


def _atomic_tree(out: str, name: str, build: Callable[[str], None]) -> str:
    final = os.path.join(out, name)
    if os.path.exists(final):
        raise FileExistsError(f"{final} exists; remove it first or choose another output folder")
    tmp = os.path.join(out, f".{name}.tmp-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    build(tmp)
    os.rename(tmp, final)
    return final


def _prosody(emotion: str, *keys) -> Tuple[int, int, int, int]:
    rng = _rng(*keys)
    return jittered(PROSODY.get(emotion, DROPPED_PROSODY), rng, _rng(keys[0]).randint(-6, 6))


def make_emodb_tree(out: str, per_emotion: int = 3, speakers=("03", "08", "10", "13"), workers: int = 0,
                    letters: str = "NFWTL") -> str:
    """EmoDB layout; letters N F W T kept by the four-class policy, L (boredom) dropped; `letters="NFWTLEA"` adds
    disgust (E) and fear (A): all seven classes of the full set."""
    names = {"N": "neu", "F": "hap", "W": "ang", "T": "sad", "L": "bored", "E": "disgust", "A": "fear"}
    letters = {letter: names[letter] for letter in letters}
    female = {"08", "09", "13", "14", "16"}

    def build(root):
        jobs = []
        for k, spk in enumerate(speakers):
            voice = f"de+{'f' if spk in female else 'm'}{k % 4 + 1}"
            for letter, emo in letters.items():
                for i in range(per_emotion):
                    text_code = list(EMODB_SENTENCES)[i % len(EMODB_SENTENCES)]  # the release's own codes
                    jobs.append((os.path.join(root, "wav", f"{spk}{text_code}{letter}a.wav"),
                                 EMODB_SENTENCES[text_code], voice, _prosody(emo, "emodb", spk, letter, i), FAIRSEQ_SAMPLE_RATE))
        _write_all(jobs, workers)
    return _atomic_tree(out, "EmoDB", build)


def make_ksu_tree(out: str, per_emotion: int = 2, speakers=("001", "002", "101", "102"), workers: int = 0) -> str:
    """KSUEmotions layout; E00 E01 E02 E05 kept, E03 (surprise) and E04 (questioning) dropped. Phase_2 files are
    written as FLAC, as some copies of the corpus hold."""
    codes = {"E00": "neu", "E01": "hap", "E02": "sad", "E03": "surprise", "E04": "question", "E05": "ang"}

    def build(root):
        jobs = []
        for k, spk in enumerate(speakers):
            voice = f"ar+{'m' if spk[0] == '0' else 'f'}{k % 4 + 1}"
            phase, ext = ("Phase_1", "wav") if k % 2 == 0 else ("Phase_2", "flac")
            for code, emo in codes.items():
                for i in range(per_emotion):
                    name = f"D01{code}P{spk}S{i + 1:02d}T01.{ext}"
                    jobs.append((os.path.join(root, "data", "SPEECH", phase, code, name), ARABIC[i % len(ARABIC)],
                                 voice, _prosody(emo, "ksu", spk, code, i), FAIRSEQ_SAMPLE_RATE))
        _write_all(jobs, workers)
    return _atomic_tree(out, "KSUEmotions", build)


def make_mandarin_tree(out: str, per_emotion: int = 2, speakers=("f01", "f02", "m01", "m02"), takes: int = 1,
                       rate: int = 8000, workers: int = 0) -> str:
    """Mandarin Affective Speech in the layout corpora/mandarin.py assumes, at `rate` Hz (8 kHz as the paper's
    copy); neutral, elation, anger, sadness kept, panic dropped; docs/transcripts.txt and docs/speakers.txt."""
    emotions = {"neutral": "neu", "elation": "hap", "anger": "ang", "sadness": "sad", "panic": "panic"}
    items = [f"s{i + 1:02d}" for i in range(per_emotion)]

    def build(root):
        os.makedirs(os.path.join(root, "docs"))
        with open(os.path.join(root, "docs", "transcripts.txt"), "w", encoding="utf-8") as f:
            f.writelines(f"{item} {CHINESE[i % len(CHINESE)]}\n" for i, item in enumerate(items))
        with open(os.path.join(root, "docs", "speakers.txt"), "w", encoding="utf-8") as f:
            f.writelines(f"{spk} {spk[0].upper()}\n" for spk in speakers)
        jobs = []
        for k, spk in enumerate(speakers):
            voice = f"cmn-latn-pinyin+{spk[0]}{k % 4 + 1}"
            for folder, emo in emotions.items():
                for i, item in enumerate(items):
                    spoken = " ".join(lazy_pinyin(CHINESE[i % len(CHINESE)], style=Style.TONE3,
                                                  neutral_tone_with_five=True))
                    for take in range(1, takes + 1):
                        jobs.append((os.path.join(root, "data", spk, folder, f"{item}_{take}.wav"), spoken, voice,
                                     _prosody(emo, "mas", spk, folder, item, take), rate))
        _write_all(jobs, workers)
    return _atomic_tree(out, "MandarinAffectiveSpeech", build)
