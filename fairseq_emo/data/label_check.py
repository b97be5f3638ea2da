"""Checks of a fold directory before fairseq reads it: manifest/label line counts, tokens in the dictionary,
emotion suffixes; every audio file present, readable, as long as the manifest says and long enough for the
CNN; utterance ids and speakers that sclite's trn lines can hold. Input: fold dir, label extension, split.
Output: nothing, or LabelCheckError with file:line.

fairseq would turn an unknown token into <unk> without a word, and stop on a count mismatch only after loading
the audio index; these checks say what is wrong, where, before any training.
"""
import os
import re
from typing import List

from fairseq_emo.core.audio import AudioProblem, check_finite, FAIRSEQ_SAMPLE_RATE
from fairseq_emo.units.suffix import DELIMITER, split_token

MAX_LISTED = 20
# wav2vec 2.0's CNN (kernels 10,3,3,3,3,2,2 / strides 5,2,2,2,2,2,2) needs 400 samples for its first frame;
# a shorter file trains (fairseq skips it) but crashes decoding.
MIN_SAMPLES = 400
TRN_UNSAFE = re.compile(r"[\s()]")  # sclite's trn line is '<units> (<speaker>-<utt>)'


class LabelCheckError(ValueError):
    pass


def _lines(path: str) -> List[str]:
    if not os.path.isfile(path):
        raise LabelCheckError(f"{path} not found (write fold directories with scripts/make_manifests.py)")
    with open(path, encoding="utf-8") as f:
        return f.read().splitlines()


def dictionary_symbols(data: str, labels: str) -> set:
    """Symbols of dict.<labels>.txt ('token count' lines)."""
    path = os.path.join(data, f"dict.{labels}.txt")
    symbols = {}
    for lineno, line in enumerate(_lines(path), start=1):
        parts = line.split()
        if not parts:
            raise LabelCheckError(f"{path}:{lineno}: empty line in dictionary")
        if parts[0] in symbols:  # fairseq would give the token two ids; the model's output layer would disagree
            raise LabelCheckError(f"{path}:{lineno}: token {parts[0]!r} already on line {symbols[parts[0]]}; "
                                  f"each token once (rewrite the folds with make_manifests.py)")
        symbols[parts[0]] = lineno
    return set(symbols)


def check_split(data: str, labels: str, split: str) -> int:
    """Validate {split}.tsv against {split}.<labels> and the dictionary; returns the number of utterances."""
    manifest_path = os.path.join(data, f"{split}.tsv")
    label_path = os.path.join(data, f"{split}.{labels}")
    manifest = _lines(manifest_path)
    label_lines = _lines(label_path)
    if len(manifest) - 1 != len(label_lines):
        raise LabelCheckError(f"{label_path} has {len(label_lines)} label lines but {manifest_path} lists "
                              f"{len(manifest) - 1} utterances (after its root line); they must match line by line")
    known = dictionary_symbols(data, labels)
    problems = []
    for lineno, line in enumerate(label_lines, start=1):
        if not line.split():
            problems.append(f"{label_path}:{lineno}: empty label line (every utterance needs at least one unit)")
            continue
        unknown = [t for t in line.split() if t not in known]
        unsuffixed = [t for t in line.split() if split_token(t)[1] is None]
        if unknown:
            problems.append(f"{label_path}:{lineno}: not in dict.{labels}.txt: {' '.join(unknown[:5])}")
        if unsuffixed:
            problems.append(f"{label_path}:{lineno}: no emotion suffix '{DELIMITER}<emo>': {' '.join(unsuffixed[:5])}")
    if problems:
        more = f"\n  ... {len(problems) - MAX_LISTED} more" if len(problems) > MAX_LISTED else ""
        raise LabelCheckError(f"{len(problems)} bad label line(s) in {label_path}:\n  "
                              + "\n  ".join(problems[:MAX_LISTED]) + more)
    return len(label_lines)


def check_audio(data: str, split: str) -> int:
    """Every audio file of {split}.tsv exists, is readable, holds the frames the manifest says (16 kHz mono) and
    at least MIN_SAMPLES; every id/speaker of {split}.utt fits a trn line. Returns the number checked."""
    import soundfile

    manifest_path = os.path.join(data, f"{split}.tsv")
    manifest = _lines(manifest_path)
    utt_path = os.path.join(data, f"{split}.utt")
    utts = _lines(utt_path) if os.path.isfile(utt_path) else []
    root, problems = manifest[0], []
    for lineno, entry in enumerate(manifest[1:], start=2):
        try:
            relpath, frames = entry.split("\t")
            frames = int(frames)
        except ValueError:
            problems.append(f"{manifest_path}:{lineno}: expected 'relpath<TAB>frames', got {entry!r}")
            continue
        wav = os.path.join(root, relpath)
        try:
            info = soundfile.info(wav)
        except Exception as err:  # missing or damaged: soundfile raises several types
            problems.append(f"{manifest_path}:{lineno}: cannot read {wav}: {err}")
            continue
        if (info.samplerate, info.channels) != (FAIRSEQ_SAMPLE_RATE, 1) or info.frames != frames:
            problems.append(f"{manifest_path}:{lineno}: {wav} is {info.samplerate} Hz, {info.channels} channel(s), "
                            f"{info.frames} samples; the manifest says 16 kHz mono, {frames} samples")
        elif frames < MIN_SAMPLES:
            problems.append(f"{manifest_path}:{lineno}: {wav} has {frames} samples; the model needs at least "
                            f"{MIN_SAMPLES} (one 20-ms frame): remove the utterance from the table")
        else:
            try:
                check_finite(wav, info.subtype)
            except AudioProblem as err:
                problems.append(f"{manifest_path}:{lineno}: {err}")
    for lineno, line in enumerate(utts, start=1):
        fields = line.split("\t")
        if len(fields) != 3 or TRN_UNSAFE.search(fields[0]) or TRN_UNSAFE.search(fields[1]) or "-" in fields[1]:
            problems.append(f"{utt_path}:{lineno}: {line!r}: ids and speakers may not hold spaces or parentheses, "
                            f"speakers no '-' (sclite's trn format); rename them in the table")
    if problems:
        more = f"\n  ... {len(problems) - MAX_LISTED} more" if len(problems) > MAX_LISTED else ""
        raise LabelCheckError(f"{len(problems)} problem(s) with the audio or ids of {manifest_path}:\n  "
                              + "\n  ".join(problems[:MAX_LISTED]) + more)
    return len(manifest) - 1
