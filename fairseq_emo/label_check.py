"""Checks of a fold directory before fairseq reads it: manifest/label line counts, tokens in the dictionary,
emotion suffixes. Input: fold dir, label extension, split. Output: nothing, or LabelCheckError with file:line.

fairseq would turn an unknown token into <unk> without a word, and stop on a count mismatch only after loading
the audio index; these checks say what is wrong, where, before any training.
"""
import os
from typing import List

from fairseq_emo.units.suffix import split_token

MAX_LISTED = 20


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
    symbols = set()
    for lineno, line in enumerate(_lines(path), start=1):
        parts = line.split()
        if not parts:
            raise LabelCheckError(f"{path}:{lineno}: empty line in dictionary")
        symbols.add(parts[0])
    return symbols


def check_split(data: str, labels: str, split: str, delimiter: str = "_") -> int:
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
        unsuffixed = [t for t in line.split() if split_token(t, delimiter)[1] is None]
        if unknown:
            problems.append(f"{label_path}:{lineno}: not in dict.{labels}.txt: {' '.join(unknown[:5])}")
        if unsuffixed:
            problems.append(f"{label_path}:{lineno}: no emotion suffix '{delimiter}<emo>': {' '.join(unsuffixed[:5])}")
    if problems:
        more = f"\n  ... {len(problems) - MAX_LISTED} more" if len(problems) > MAX_LISTED else ""
        raise LabelCheckError(f"{len(problems)} bad label line(s) in {label_path}:\n  "
                              + "\n  ".join(problems[:MAX_LISTED]) + more)
    return len(label_lines)
