"""EmoDB's hand phone labels -> IPA tokens, for the reference floor of cross-language scoring: how far the G2P
references (espeak-ng, units/ipa.py's conventions) are from what the labellers heard.

Assumed layout and format (from the release's folder list; the label files' own documentation was not at hand, so
every assumption is stated and anything unexpected is counted, never guessed):
- the release folder holds `wav/` and `lablaut/` side by side (with `labsilb/`, `silb/`, erkennung.txt,
  erklaerung.txt); the table's `source_wav` (<release>/wav/<stem>.wav) leads to it;
- one label file per recording in `lablaut/`, its name beginning with the recording's 7-character stem
  (`03a01Fa`), whatever follows (an extension such as `.lablaut`);
- ESPS xlabel text: header lines up to a line holding only `#`, then one label per line, `<end time> <colour>
  <label>` (whitespace-separated; the label is the rest of the line);
- labels are German SAMPA (SAMPA_TO_IPA below: Wells' German table, `6` the vocalised r, `?` and `Q` the glottal
  stop). The narrow transcription adds markers; a label that is not in the table after removing the length mark
  and stress marks is counted as unknown (reported with its count), and a label in angle brackets (`<p:>`) or
  without letters or digits (pauses, boundaries) is counted as a pause. Neither enters the floor.
"""
import os
import re
from collections import Counter
from typing import Dict, List, Optional, Tuple

from fairseq_emo.units.ipa import conventional

SAMPA_TO_IPA = {
    "i:": "iː", "I": "ɪ", "y:": "yː", "Y": "ʏ", "e:": "eː", "E": "ɛ", "E:": "ɛː", "2:": "øː", "9": "œ",
    "a:": "aː", "a": "a", "o:": "oː", "O": "ɔ", "u:": "uː", "U": "ʊ", "@": "ə", "6": "ɐ",
    "aI": "aɪ", "aU": "aʊ", "OY": "ɔʏ",
    "p": "p", "b": "b", "t": "t", "d": "d", "k": "k", "g": "ɡ", "?": "ʔ", "Q": "ʔ",
    "f": "f", "v": "v", "s": "s", "z": "z", "S": "ʃ", "Z": "ʒ", "C": "ç", "j": "j", "x": "x", "h": "h",
    "m": "m", "n": "n", "N": "ŋ", "l": "l", "R": "ʁ", "r": "r",
    "pf": "pf", "ts": "ts", "tS": "tʃ", "dZ": "dʒ"}
STEM = re.compile(r"^(\d\d[ab]\d\d[A-Z][a-z])")


def label_files(release: str, counts: Optional[Counter] = None) -> Dict[str, str]:
    """<release>/lablaut -> {recording stem: label file}; {} when the release has no lablaut folder. A file not
    named by a recording stem, or a second file for one stem, is counted in `counts` ('other files in lablaut')."""
    folder = os.path.join(release, "lablaut")
    if not os.path.isdir(folder):
        return {}
    counts = counts if counts is not None else Counter()
    out: Dict[str, str] = {}
    for name in sorted(os.listdir(folder)):
        m = STEM.match(name)
        path = os.path.join(folder, name)
        if m and os.path.isfile(path) and m.group(1) not in out:
            out[m.group(1)] = path
        else:
            counts["other files in lablaut"] += 1
    return out


def read_labels(path: str) -> List[str]:
    """An xlabel file -> its labels in order; a file without the '#' header end is an error naming it."""
    with open(path, encoding="latin-1") as f:   # SAMPA is ASCII; latin-1 reads any byte without guessing
        lines = f.read().splitlines()
    try:
        start = next(i for i, line in enumerate(lines) if line.strip() == "#") + 1
    except StopIteration:
        raise ValueError(f"{path}: no '#' line ending an xlabel header: not an ESPS label file") from None
    labels = []
    for lineno, line in enumerate(lines[start:], start=start + 1):
        fields = line.split(None, 2)
        if not fields:
            continue
        if len(fields) < 3:
            raise ValueError(f"{path}:{lineno}: expected '<time> <colour> <label>', got {line!r}")
        labels.append(fields[2].strip())
    return labels


def to_ipa(labels: List[str], counts: Optional[Counter] = None) -> List[str]:
    """SAMPA labels -> IPA tokens under the cross-language conventions (units/ipa.py, German); pauses and
    unknown labels are left out and counted in `counts` ('pause', 'unknown:<label>')."""

    counts = counts if counts is not None else Counter()
    tokens = []
    for label in labels:
        base = label.replace("'", "").replace('"', "").replace("%", "")
        if re.fullmatch(r"<[^>]*>", base) or not re.search(r"[A-Za-z0-9@?]", base):
            counts["pause"] += 1
        elif base in SAMPA_TO_IPA:
            tokens.append(SAMPA_TO_IPA[base])
        else:
            counts[f"unknown:{label}"] += 1
    return conventional(tokens, "de")


def release_of(source_wav: str) -> str:
    """A recording's path (<release>/wav/<stem>.wav) -> the release folder."""
    return os.path.dirname(os.path.dirname(os.path.abspath(source_wav)))


def hand_ipa(source_wav: str, cache: Dict[str, Dict[str, str]], counts: Counter) -> Optional[Tuple[str, List[str]]]:
    """A recording -> (its label file, hand-labelled IPA tokens), or None when its release has no label file for
    it (counted as 'no label file')."""
    release = release_of(source_wav)
    if release not in cache:
        cache[release] = label_files(release, counts)
    stem = os.path.splitext(os.path.basename(source_wav))[0][:7]
    path = cache[release].get(stem)
    if path is None:
        counts["no label file"] += 1
        return None
    return path, to_ipa(read_labels(path), counts)
