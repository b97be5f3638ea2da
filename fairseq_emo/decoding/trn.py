"""sclite `trn` files: one line per utterance, `<tokens> (<speaker>-<utt_id>)`.

With sclite's `-i rm` the speaker is the text before the first '-' of the id, so speaker names must not
contain '-'. Every utterance is written, an empty hypothesis as an empty token list: sclite silently skips
reference utterances whose id is missing from the hypothesis file.
"""
import os
import re
from typing import Dict, List, Sequence, Tuple

from fairseq_emo.core.atomic import write_text

TRN_LINE = re.compile(r"^(.*?)\s*\(([^()\s]+)\)\s*$")


def trn_id(speaker: str, utt_id: str) -> str:
    if "-" in speaker:
        raise ValueError(f"speaker {speaker!r} contains '-', which sclite -i rm would split on")
    return f"{speaker}-{utt_id}"


def utt_of(trn_identifier: str) -> str:
    """'Ses01F-Ses01F_impro01_F000' -> 'Ses01F_impro01_F000'."""
    return trn_identifier.split("-", 1)[1] if "-" in trn_identifier else trn_identifier


def write_trn(path: str, rows: Sequence[Tuple[str, str, Sequence[str]]]) -> None:
    """rows: (speaker, utt_id, tokens). Written atomically."""

    write_text(path, "".join(f"{' '.join(tokens)} ({trn_id(speaker, utt_id)})\n" for speaker, utt_id, tokens in rows))


def read_trn(path: str) -> Dict[str, List[str]]:
    """id -> tokens, in file order; errors name the file and line."""
    if not os.path.isfile(path):
        raise FileNotFoundError(f"trn file {path} not found")
    rows: Dict[str, List[str]] = {}
    with open(path, encoding="utf-8") as f:
        for lineno, line in enumerate(f, start=1):
            if not line.strip():
                continue
            match = TRN_LINE.match(line.rstrip("\n"))
            if not match:
                raise ValueError(f"{path}:{lineno}: not a trn line '<tokens> (<speaker>-<utt_id>)': {line.strip()!r}")
            ident = match.group(2)
            if ident in rows:
                raise ValueError(f"{path}:{lineno}: id ({ident}) appears twice")
            rows[ident] = match.group(1).split()
    return rows
