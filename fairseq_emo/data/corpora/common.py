"""What every corpus reader returns, and the audio step they share.

A reader turns a corpus tree into CorpusRead: kept utterances (utterance-table rows), problems (kept-class
files that cannot be used: the prepare script stops on them, or skips and lists them with --skip-bad) and the
counts of labels dropped on purpose by the label policy (emotions.py).
"""
import glob
import os
from dataclasses import dataclass, field
from typing import Dict, List, Optional

from fairseq_emo.core.audio import AudioProblem, FAIRSEQ_SAMPLE_RATE, read_header
from fairseq_emo.data.audio_cache import fairseq_audio, inside
from fairseq_emo.data.g2p import words_to_phones
from fairseq_emo.data.table import join_phones
from fairseq_emo.data.transcript import transcript_words


@dataclass
class Problem:
    utt_id: str
    path: str
    reason: str


@dataclass
class CorpusRead:
    utterances: list
    problems: List[Problem] = field(default_factory=list)
    dropped_labels: Dict[str, int] = field(default_factory=dict)  # raw label -> count, dropped by policy
    corpus: str = ""
    other_files: int = 0  # files that are not audio where audio was expected (counted, reported, not read)
    tolerated: Dict[str, int] = field(default_factory=dict)  # harmless irregularities, counted and reported
    notices: List[str] = field(default_factory=list)  # what the table lacks that the release has (printed)
    skipped: Dict[str, List[str]] = field(default_factory=dict)  # why -> paths a reader passed over (reported)

    def tolerate(self, what: str, count: int = 1) -> None:
        self.tolerated[what] = self.tolerated.get(what, 0) + count

    def skip(self, why: str, path: str) -> None:
        """A path the reader did not read, by reason: never dropped without a count (prepare reports them)."""
        self.skipped.setdefault(why, []).append(path)

    def drop(self, raw: str, count: int = 1) -> None:
        self.dropped_labels[raw] = self.dropped_labels.get(raw, 0) + count


AUDIO_EXTENSIONS = (".wav", ".flac")


def audio_files(folder: str, result: CorpusRead, recursive: bool = False,
                extensions=AUDIO_EXTENSIONS) -> List[str]:
    """Sorted audio files of a folder; other files are counted in result.other_files. '._*' files (macOS resource
    forks found in many copies of corpora) are neither audio nor counted."""
    # the folder's name is a name, never a pattern: a corpus root called 'data[1]' or 'take*' reads itself only
    pattern = os.path.join(glob.escape(folder), "**", "*") if recursive else os.path.join(glob.escape(folder), "*")
    files = []
    for p in glob.glob(pattern, recursive=recursive):
        if os.path.basename(p).startswith("._"):
            continue
        named_audio = p.lower().endswith(extensions)
        if os.path.islink(p) and not os.path.exists(p):
            result.skip("dangling links (their target is missing)", p)
        elif os.path.isdir(p):
            if named_audio:
                result.skip("folders named like audio files", p)
        elif not os.path.isfile(p):
            result.skip("not regular files (devices, pipes)", p)
        elif named_audio and not os.access(p, os.R_OK):
            result.skip("audio files without read permission", p)
        else:
            files.append(p)
    audio = sorted(p for p in files if p.lower().endswith(extensions))
    result.other_files += len(files) - len(audio)
    return audio


@dataclass(frozen=True)
class AudioOptions:
    """Where converted audio goes and how it is converted (audio_cache.py)."""
    cache_dir: str
    rate_policy: str = "resample"


def audio_fields(utt_id: str, source: str, root: str, options: AudioOptions,
                 problems: List[Problem]) -> Optional[Dict]:
    """Corpus audio file -> the table's audio columns (16 kHz wav, frames, rates), or None after recording
    a Problem (missing, unreadable or empty file). A file outside the corpus root (a label table naming
    '../../x.wav' or an absolute path) is an error: it is never read, and its conversion never written."""
    check_inside(source, root, utt_id)
    try:
        header = read_header(source)
        wav, frames = fairseq_audio(source, header, options.cache_dir, os.path.relpath(source, root),
                                    options.rate_policy)
    except AudioProblem as err:
        problems.append(Problem(utt_id, source, str(err)))
        return None
    return dict(wav=os.path.abspath(wav), frames=frames, sample_rate=FAIRSEQ_SAMPLE_RATE,
                source_wav=os.path.abspath(source), source_rate=header.sample_rate)


def check_inside(path: str, root: str, what: str) -> None:
    """A path a corpus file names must lie inside the corpus root, by its name (a link inside the tree may point
    elsewhere: the user made it); ValueError naming it otherwise."""
    if not inside(path, root):
        raise ValueError(f"{what}: {path} is outside the corpus folder {os.path.abspath(root)} (a table names a "
                         f"path that climbs out of it); refused: fix that line of the corpus's table")


class EnglishText:
    """Transcript text -> (normalised words, ARPAbet phones per word), G2P'd once per distinct text: the acted
    corpora (RAVDESS, CREMA-D, TESS, ESD) repeat a handful of sentences thousands of times."""

    def __init__(self):
        self._done: Dict[str, tuple] = {}

    def __call__(self, text: str) -> tuple:
        if text not in self._done:

            words = transcript_words(text)
            self._done[text] = (" ".join(words), join_phones(words_to_phones(words)))
        return self._done[text]


def find_dir(root: str, candidates, pattern: str, what: str) -> str:
    """The first of root/<candidate> (in order; '' = root itself) holding `pattern`, else an error saying what
    layout was expected."""
    for c in candidates:
        folder = os.path.join(root, c) if c else root
        if glob.glob(os.path.join(glob.escape(folder), pattern)):
            return folder
    raise FileNotFoundError(f"no {what} under {root}")


def kept_emotion(policy, raw: str, where: str, result: CorpusRead, count: int = 1) -> Optional[str]:
    """A raw label through the corpus's label policy -> its 4-class emotion, or None after counting it as dropped
    on purpose; a label the policy does not know is an error naming `where` (the file or line)."""
    try:
        emotion = policy.emotion(raw)
    except ValueError as err:
        raise ValueError(f"{where}: {err}") from None
    if emotion is None:
        result.drop(raw, count)
    return emotion
