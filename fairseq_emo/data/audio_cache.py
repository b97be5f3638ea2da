"""Audio at fairseq's rate: a corpus file (any rate, any channel count) -> the 16 kHz mono wav training reads.

Rate policies (prepare_* --rate-policy):
  resample  (default) soxr, very-high-quality preset, to 16 kHz; channels mixed to mono.
  relabel   the original samples unchanged (mono mix only), written with a 16 kHz header. On 8 kHz audio this is
            what "testing 8 kHz audio directly with a 16 kHz model" (the paper, Section 4.2) means for a model whose
            input is a sample stream: speech heard twice as fast and an octave higher. On LDC's 22.05 kHz Mandarin
            copy it is NOT the paper's condition: speech slowed to 0.73x and about 5.5 semitones lower. fairseq's
            audio reader refuses any rate but the task's, so relabelling is the only way to feed unresampled audio.
  bandlimit8k  soxr down to 8 kHz (its anti-alias filter removes everything above 4 kHz), then up to 16 kHz:
            the paper's Mandarin condition ("8 kHz audio upsampled to 16 kHz") made from a copy at a higher rate
            (LDC lists Mandarin Affective Speech at 22,050 Hz). Audio already at 8 kHz or below is only resampled.
            Applied to every file, 16 kHz ones included, so the whole table is band-limited alike.
A file that is already 16 kHz mono is used in place under resample and relabel (nothing is copied).
Converted files go to <cache>/<relpath>.wav, each with a key file <relpath>.wav.key saying what produced it:
the source (absolute path, size, modification time), the policy, the target rate and the converter settings.
A cached file is reused only when its key matches; otherwise (another policy sharing the cache, a replaced
recording, an older converter) it is converted again, never served stale. The wav appears by an atomic
rename and its key after it, so a crash in between leaves no key and the file is simply converted again.
"""
import json
import os
from typing import Tuple

import numpy as np
import soundfile
import soxr

from fairseq_emo.core.atomic import write_text, write_with, WriteError
from fairseq_emo.core.audio import AudioHeader, FAIRSEQ_SAMPLE_RATE, read_samples
from fairseq_emo.core.emotions import set_suffix, split_set

RATE_POLICIES = ("resample", "relabel", "bandlimit8k")
CONVERTER = "soxr VHQ; channels averaged; clipped to [-1, 1]; PCM_16"  # part of the cache key
BANDLIMIT_RATE = 8000
CACHE_DIRS = {"resample": "wav16k", "relabel": "wav_relabelled", "bandlimit8k": "wav_bandlimit8k"}
# the corpus name a policy gives a table, so that results of different input conditions never mix
CORPUS_SUFFIX = {"resample": "", "relabel": "-relabel", "bandlimit8k": "-bandlimit8k"}
# what each policy did to the audio, as the reports say it
RATE_POLICY_TEXT = {
    "resample": "resampled to 16 kHz from the corpus's own rate (soxr)",
    "relabel": "samples unchanged, declared 16 kHz (22.05 kHz read as 16 kHz: slowed and lowered)",
    "bandlimit8k": "down to 8 kHz, then up to 16 kHz (the paper's Mandarin condition: 8 kHz audio upsampled to 16 kHz)"}


def corpus_name(corpus: str, policy: str, label_set: str = "four") -> str:
    """('mandarin', 'bandlimit8k') -> 'mandarin-bandlimit8k': the name a table, its manifests and exp/ get;
    a label set other than the paper's four adds its suffix ('ravdess', 'resample', 'full' -> 'ravdess-full':
    emotions.set_suffix)."""
    if policy not in RATE_POLICIES:
        raise ValueError(f"unknown rate policy {policy!r}; choose one of {', '.join(RATE_POLICIES)}")
    return corpus + CORPUS_SUFFIX[policy] + set_suffix(label_set)


def split_corpus(corpus: str) -> Tuple[str, str]:
    """A table's corpus name -> (the corpus, its rate policy): 'mandarin-bandlimit8k' -> ('mandarin',
    'bandlimit8k'); 'emodb' -> ('emodb', 'resample') (no suffix: the default policy, a no-op at 16 kHz); a
    label set's suffix is set aside ('ravdess-full' -> ('ravdess', 'resample'); emotions.split_set gives it)."""
    corpus = split_set(corpus)[0]
    for policy, suffix in CORPUS_SUFFIX.items():
        if suffix and corpus.endswith(suffix):
            return corpus[: -len(suffix)], policy
    return corpus, "resample"


def needs_conversion(header: AudioHeader, policy: str = "resample") -> bool:
    return policy == "bandlimit8k" or header.sample_rate != FAIRSEQ_SAMPLE_RATE or header.channels != 1


def convert(samples: np.ndarray, rate: int, policy: str) -> np.ndarray:
    """(frames, channels) or (frames,) float samples at `rate` -> mono float32 for a 16 kHz file."""
    mono = samples.mean(axis=1) if samples.ndim == 2 else samples
    if policy == "bandlimit8k":
        if rate > BANDLIMIT_RATE:
            mono = soxr.resample(mono, rate, BANDLIMIT_RATE, quality="VHQ")
            rate = BANDLIMIT_RATE
        mono = soxr.resample(mono, rate, FAIRSEQ_SAMPLE_RATE, quality="VHQ")
    elif policy == "resample" and rate != FAIRSEQ_SAMPLE_RATE:
        mono = soxr.resample(mono, rate, FAIRSEQ_SAMPLE_RATE, quality="VHQ")
    elif policy not in RATE_POLICIES:
        raise ValueError(f"unknown rate policy {policy!r}; choose one of {', '.join(RATE_POLICIES)}")
    # Resampling can overshoot full scale slightly; PCM_16 would wrap around instead of clipping.
    return np.clip(mono, -1.0, 1.0).astype(np.float32)


def inside(path: str, root: str) -> bool:
    """Does path lie inside root, by its name ('..' resolved, links not followed: a link the user put in a corpus
    may point anywhere)? The one containment rule of readers and the audio cache."""
    root_abs = os.path.abspath(root)
    return os.path.commonpath([root_abs, os.path.abspath(path)]) == root_abs


def fairseq_audio(source: str, header: AudioHeader, cache_dir: str, relpath: str, policy: str) -> Tuple[str, int]:
    """-> (path of the 16 kHz mono wav to train/decode on, its frame count)."""
    if policy not in RATE_POLICIES:
        raise ValueError(f"unknown rate policy {policy!r}; choose one of {', '.join(RATE_POLICIES)}")
    if not needs_conversion(header, policy):
        return source, header.frames
    target = os.path.abspath(os.path.join(cache_dir, os.path.splitext(relpath)[0] + ".wav"))
    cache_root = os.path.abspath(cache_dir)
    if not inside(target, cache_root):   # '../x' in a table must never write elsewhere
        raise ValueError(f"{source}: its converted copy would be written to {target}, outside the audio cache "
                         f"{cache_root} (the name {relpath!r} climbs out of it); refused")
    stat = os.stat(source)
    key = json.dumps({"source": os.path.abspath(source), "size": stat.st_size, "mtime_ns": stat.st_mtime_ns,
                      "policy": policy, "rate": FAIRSEQ_SAMPLE_RATE, "converter": CONVERTER}, sort_keys=True)
    key_path = target + ".key"
    if os.path.isfile(target) and os.path.isfile(key_path):
        with open(key_path, encoding="utf-8") as f:
            if f.read() == key:
                return target, soundfile.info(target).frames
    samples, rate = read_samples(source)
    out = convert(samples, rate, policy)
    os.makedirs(os.path.dirname(target), exist_ok=True)
    if os.path.isfile(key_path):
        os.remove(key_path)  # the old key must not outlive the file it described
    try:   # whole or not at all: a full disk leaves neither a half wav nor its temporary (atomic.py)
        write_with(target, lambda tmp: soundfile.write(tmp, out, FAIRSEQ_SAMPLE_RATE, subtype="PCM_16"),
                   suffix=".wav")
        write_text(key_path, key)
    except WriteError as err:
        raise RuntimeError(f"{err.strerror} (converting {source} into the audio cache {cache_root}; or choose "
                           f"another --audio-cache)") from None
    return target, len(out)
