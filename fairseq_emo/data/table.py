"""The utterance table: one row per kept utterance, the hand-off from corpus readers to unit/manifest writing.

File: `utterances.tsv`, tab-separated, a header line, then one row per utterance, sorted by utt_id:
  utt_id  speaker  session  gender  dialog  emotion  raw_emotion  text  words  phones  wav  frames  sample_rate  corpus
  source_wav  source_rate  split
`words` are the normalised words (space-separated); `phones` the phones per word, words separated by ' | '
(English: ARPAbet with stress; Mandarin: pinyin initial and final with tone digit; empty when the corpus is read
without transcripts); `wav` the absolute path of the 16 kHz file training and decoding read; `frames` its sample
count at `sample_rate`. `source_wav`/`source_rate` are the corpus's own file and rate: they differ from `wav`
when the reader resampled into its audio cache (audio_cache.py). Tables written before these two columns existed
are read with source = wav.
"""
import csv
import io
import os
from dataclasses import asdict, dataclass, fields
from typing import List, Sequence

from fairseq_emo.core.atomic import write_text
from fairseq_emo.core.emotions import check_emotion, label_set

WORD_SEPARATOR = " | "


@dataclass
class Utterance:
    utt_id: str
    speaker: str
    session: str
    gender: str
    dialog: str
    emotion: str
    raw_emotion: str
    text: str
    words: str
    phones: str
    wav: str
    frames: int
    sample_rate: int
    corpus: str
    source_wav: str = ""  # "" -> same as wav
    source_rate: int = 0  # 0 -> same as sample_rate
    split: str = ""       # the release's own split of this utterance (ESD train/evaluation/test, MSP-Podcast
    #                       Train/Development/Test1...), '' where the release has none: the 'official' fold scheme

    def __post_init__(self):
        self.source_wav = self.source_wav or self.wav
        self.source_rate = int(self.source_rate) or int(self.sample_rate)

    def word_list(self) -> List[str]:
        return self.words.split()

    def word_phones(self) -> List[List[str]]:
        """'HH AH0 | W ER1' -> [['HH', 'AH0'], ['W', 'ER1']]."""
        return [w.split() for w in self.phones.split(WORD_SEPARATOR.strip())] if self.phones.strip() else []


COLUMNS = [f.name for f in fields(Utterance)]
OPTIONAL_COLUMNS = ("source_wav", "source_rate", "split")


def join_phones(word_phones: Sequence[Sequence[str]]) -> str:
    return WORD_SEPARATOR.join(" ".join(p) for p in word_phones)


PATH_COLUMNS = ("wav", "source_wav")
_LINE_BREAKERS = ("\t", "\n", "\r")


def _clean(name: str, value) -> str:
    """A table cell. Text: a tab or newline inside a transcript would shift every column after it, so its
    whitespace is collapsed. A path is written exactly as it is (collapsing 'A  B' to 'A B' would point at another
    folder); one holding a tab or newline cannot be written and is an error naming it."""
    if name in PATH_COLUMNS:
        if any(c in str(value) for c in _LINE_BREAKERS):
            raise ValueError(f"audio path {value!r} holds a tab or newline, which a TSV table cannot hold; "
                             f"rename the file or folder")
        return str(value)
    return " ".join(str(value).split()) if isinstance(value, str) else str(value)


def write_table(path: str, utterances: Sequence[Utterance]) -> None:
    """Write rows sorted by utt_id, atomically (temp file + rename), refusing duplicate ids."""
    rows = sorted(utterances, key=lambda u: u.utt_id)
    for a, b in zip(rows, rows[1:]):
        if a.utt_id == b.utt_id:
            raise ValueError(f"duplicate utterance id {a.utt_id} in table {path}")
    buf = io.StringIO()
    buf.write("\t".join(COLUMNS) + "\n")
    for u in rows:
        buf.write("\t".join(_clean(k, v) for k, v in asdict(u).items()) + "\n")
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    write_text(path, buf.getvalue())


def read_table(path: str) -> List[Utterance]:
    """Read and validate a table; errors name the file and line."""
    if os.path.isdir(path):
        raise ValueError(f"utterance table {path} is a directory, not a table file (give its utterances.tsv)")
    if not os.path.isfile(path):
        raise FileNotFoundError(f"utterance table {path} not found (write it with scripts/prepare_*.py)")
    with open(path, encoding="utf-8", newline="") as f:
        reader = csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE)
        header = next(reader, None)
        missing = [c for c in COLUMNS if (header is None or c not in header) and c not in OPTIONAL_COLUMNS]
        if missing:
            raise ValueError(f"{path}:1: header lacks columns {', '.join(missing)}; expected {' '.join(COLUMNS)}")
        index = {name: header.index(name) for name in COLUMNS if name in header}
        utterances, seen = [], set()
        for lineno, row in enumerate(reader, start=2):
            if len(row) != len(header):
                raise ValueError(f"{path}:{lineno}: {len(row)} fields, header has {len(header)}")
            values = {name: row[i] for name, i in index.items()}
            try:
                values["frames"] = int(values["frames"])
                values["sample_rate"] = int(values["sample_rate"])
                values["source_rate"] = int(values.get("source_rate", 0) or 0)
                check_emotion(values["emotion"])
            except ValueError as err:
                raise ValueError(f"{path}:{lineno}: utterance {values['utt_id']}: {err}") from None
            if values["utt_id"] in seen:
                raise ValueError(f"{path}:{lineno}: duplicate utterance id {values['utt_id']}")
            seen.add(values["utt_id"])
            utterances.append(Utterance(**values))
    if not utterances:
        raise ValueError(f"{path}: no utterances")
    return utterances


def summarize(utterances: Sequence[Utterance]) -> str:
    """Per-class and per-speaker counts, as printed by the prepare scripts (compare with the paper's Table 4)."""
    from collections import Counter


    by_emotion = Counter(u.emotion for u in utterances)
    classes = label_set(by_emotion)
    lines = [f"utterances: {len(utterances)}",
             "per class: " + "  ".join(f"{e}={by_emotion.get(e, 0)}" for e in classes)]
    by_speaker = Counter((u.speaker, u.emotion) for u in utterances)
    lines.append("per speaker:  " + "  ".join(f"{e:>4s}" for e in classes) + "  total")
    for spk in sorted({u.speaker for u in utterances}):
        row = [by_speaker.get((spk, e), 0) for e in classes]
        lines.append(f"  {spk:10s}  " + "  ".join(f"{n:4d}" for n in row) + f"  {sum(row):5d}")
    no_words = sum(1 for u in utterances if not u.words)
    if no_words == len(utterances):
        lines.append("transcripts: none read (audio and labels only: enough for testing, not for phonetic units)")
    else:
        lines.append(f"utterances with no words in the transcript (non-speech unit): {no_words}")
    return "\n".join(lines)
