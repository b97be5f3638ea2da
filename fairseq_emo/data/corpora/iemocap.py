"""IEMOCAP reader: IEMOCAP_full_release tree -> 4-class utterance-table rows.

Assumed layout (the release's own; the demo corpus copies it):
  <root>/Session{1..5}/dialog/EmoEvaluation/<dialog>.txt
      '[6.2901 - 8.2357]\tSes01F_impro01_F000\tneu\t[2.5000, 2.5000, 2.5000]' per turn (plus annotator lines)
  <root>/Session{1..5}/dialog/transcriptions/<dialog>.txt
      'Ses01F_impro01_F000 [006.2901-008.2357]: Excuse me.'
  <root>/Session{1..5}/sentences/wav/<dialog>/<turn>.wav   (16 kHz mono)
<root> may be IEMOCAP_full_release itself or the folder holding it.

Speaker = session + gender letter of the *turn* (Ses01F_impro01_M003 is spoken by Ses01M): the dialog prefix
names who wore the motion-capture markers, not who speaks.
Every labelled turn is kept or dropped by the label policy (emotions.py). A kept turn that cannot be used
(no transcript line, missing/unreadable/truncated wav, wrong rate, not mono) is a Problem: an error by default,
or a counted, reported skip when the caller allows it. So are: a Session folder whose dialog/EmoEvaluation is
missing or holds no file (all its turns would vanish), a dialog with a transcript file or a wav folder but no
EmoEvaluation file (its turns would vanish), a transcript line that is not UTF-8, a turn with two
different transcript lines or two different labels. Tolerated and counted (reported by the prepare script):
whitespace around a turn line, a turn or transcript line repeated identically. A release with fewer than its
five Session folders is read (a subset is a legitimate quick run) but never silently: the missing sessions are a
notice the prepare script prints, and the counts it prints beside the paper's show the deficit.
"""
import glob
import os
import re
from typing import Dict, List, Tuple

from fairseq_emo.core.audio import AudioProblem, FAIRSEQ_SAMPLE_RATE, read_header
from fairseq_emo.core.emotions import iemocap_emotion
from fairseq_emo.data.corpora.common import CorpusRead, Problem
from fairseq_emo.data.g2p import words_to_phones
from fairseq_emo.data.table import join_phones, Utterance
from fairseq_emo.data.transcript import transcript_words

EVALUATION_LINE = re.compile(r"^\[\s*([\d.]+)\s*-\s*([\d.]+)\s*\]\t(\S+)\t(\S+)\t\[")
TRANSCRIPT_LINE = re.compile(r"^(\S+)\s+\[[\d.]+-[\d.]+\]:\s?(.*)$")
TURN_ID = re.compile(r"^(Ses(\d\d)[FM]_[A-Za-z0-9_]+)_([FM])[0-9A-Z]+$")  # no path characters
DEMO_MARKER = "DEMO_CORPUS.txt"  # written by the demo generator; lets tables say which corpus they hold


def find_release_root(root: str) -> str:
    """The folder holding Session1..5 (accepts the release folder or its parent)."""
    for candidate in (root, os.path.join(root, "IEMOCAP_full_release")):
        if glob.glob(os.path.join(glob.escape(candidate), "Session[1-5]", "dialog", "EmoEvaluation")):
            return candidate
    raise FileNotFoundError(
        f"no IEMOCAP tree under {root}: expected {root}/Session1/dialog/EmoEvaluation/<dialog>.txt "
        f"(or {root}/IEMOCAP_full_release/Session1/...)")


def _text_files(folder: str) -> List[str]:
    # '._*' are macOS resource forks found in many copies of the release; they are not transcripts.
    return sorted(p for p in glob.glob(os.path.join(glob.escape(folder), "*.txt")) if not os.path.basename(p).startswith("._"))


def read_evaluations(session_dir: str, result: CorpusRead) -> List[Tuple[str, str, str]]:
    """(utt_id, raw label, file:line) for every turn line of a session's EmoEvaluation files; a turn labelled
    twice alike is kept once (counted), differently is a Problem (the turn is left out)."""
    folder = os.path.join(session_dir, "dialog", "EmoEvaluation")
    files = _text_files(folder)
    if not files:
        why = "is missing" if not os.path.isdir(folder) else "holds no <dialog>.txt file"
        result.problems.append(Problem(os.path.basename(session_dir), folder,
                                       f"{why}: every turn of this session would be lost"))
        return []
    turns: Dict[str, Tuple[str, str, str]] = {}
    conflicts = set()
    for path in files:
        with open(path, encoding="utf-8", errors="replace") as f:
            for lineno, line in enumerate(f, start=1):
                stripped = line.strip()
                match = EVALUATION_LINE.match(stripped)
                if match:
                    if stripped != line.rstrip("\n"):
                        result.tolerate("EmoEvaluation turn lines with surrounding whitespace")
                    utt, raw, where = match.group(3), match.group(4), f"{path}:{lineno}"
                    if utt in turns:
                        if turns[utt][1] == raw:
                            result.tolerate("turns labelled twice with the same label")
                            continue
                        conflicts.add(utt)
                        result.problems.append(Problem(utt, where, f"labelled {raw!r} here and "
                                                       f"{turns[utt][1]!r} at {turns[utt][2]}"))
                        continue
                    turns[utt] = (utt, raw, where)
                elif stripped.startswith("["):  # looks like a turn line but is not one: never skip it unseen
                    raise ValueError(f"{path}:{lineno}: malformed turn line (expected "
                                     f"'[start - end]<TAB>turn<TAB>label<TAB>[v, a, d]'): {line.strip()!r}")
    return [t for utt, t in turns.items() if utt not in conflicts]


def read_transcripts(session_dir: str, result: CorpusRead) -> Tuple[Dict[str, str], Dict[str, Problem]]:
    """(utt_id -> transcript text, utt_id -> Problem) from a session's transcriptions/*.txt. A line that is not
    UTF-8, or a second, different line for a turn, is a Problem and the turn gets no text (reported, not
    guessed); the caller reports it only for turns the label policy keeps."""
    texts: Dict[str, Tuple[str, str]] = {}
    problems: Dict[str, Problem] = {}
    for path in _text_files(os.path.join(session_dir, "dialog", "transcriptions")):
        with open(path, "rb") as f:
            for lineno, raw_line in enumerate(f, start=1):
                where = f"{path}:{lineno}"
                try:
                    line = raw_line.decode("utf-8")
                except UnicodeDecodeError as err:
                    match = TRANSCRIPT_LINE.match(raw_line.decode("latin-1").strip())
                    if match:
                        problems.setdefault(match.group(1), Problem(
                            match.group(1), where, f"transcript line is not UTF-8 ({err.reason} at byte "
                            f"{err.start}); convert the file, e.g. iconv -f latin1 -t utf-8"))
                    continue
                match = TRANSCRIPT_LINE.match(line.strip())
                if not match:
                    continue
                utt, text = match.group(1), match.group(2).strip()
                if utt in texts:
                    if texts[utt][0] == text:
                        result.tolerate("transcript lines repeated identically")
                    else:
                        problems.setdefault(utt, Problem(utt, where, f"second transcript line {text!r}; "
                                                         f"{texts[utt][1]} says {texts[utt][0]!r}"))
                    continue
                texts[utt] = (text, where)
    return {utt: text for utt, (text, _) in texts.items() if utt not in problems}, problems


def _dialogs_without_labels(session_dir: str, result: CorpusRead) -> None:
    """A dialog with a transcript file or a wav folder but no EmoEvaluation/<dialog>.txt -> a Problem (its turns
    would otherwise vanish without a word)."""
    dialog = os.path.join(session_dir, "dialog")
    labelled = {os.path.basename(p)[:-4] for p in _text_files(os.path.join(dialog, "EmoEvaluation"))}
    if not labelled:
        return  # the whole folder is missing: read_evaluations reports the session
    seen = {os.path.basename(p)[:-4] for p in _text_files(os.path.join(dialog, "transcriptions"))}
    seen |= {os.path.basename(p) for p in glob.glob(os.path.join(glob.escape(session_dir), "sentences", "wav", "*"))
             if os.path.isdir(p) and not os.path.basename(p).startswith(".")}
    for name in sorted(seen - labelled):
        result.problems.append(Problem(name, os.path.join(dialog, "EmoEvaluation", name + ".txt"),
                                       "dialog has a transcript or wav folder but no EmoEvaluation file: all its "
                                       "turns would be lost"))


def read_iemocap(root: str, policy=None) -> CorpusRead:
    """Read every session; returns kept utterances, problems (not raised here) and policy drops."""
    release = find_release_root(root)
    corpus = "demo" if os.path.isfile(os.path.join(release, DEMO_MARKER)) else "iemocap"
    result = CorpusRead(utterances=[], corpus=corpus)
    sessions = sorted(glob.glob(os.path.join(glob.escape(release), "Session[1-5]")))
    missing = [f"Session{k}" for k in range(1, 6) if not os.path.isdir(os.path.join(release, f"Session{k}"))]
    if missing and corpus == "iemocap":
        result.notices.append(f"{release}: {', '.join(missing)} not found; IEMOCAP has five sessions, this table "
                              f"holds {len(sessions)} (not the paper's data: its counts below are for all five)")
    for session_dir in sessions:
        _dialogs_without_labels(session_dir, result)
        transcripts, transcript_problems = read_transcripts(session_dir, result)
        for utt_id, raw, where in read_evaluations(session_dir, result):
            try:
                emotion = iemocap_emotion(raw, policy)
            except ValueError as err:
                raise ValueError(f"{where}: {err}") from None
            if emotion is None:
                result.drop(raw)
                continue
            turn = TURN_ID.match(utt_id)
            if not turn:
                raise ValueError(f"{where}: turn id {utt_id!r} does not look like Ses01F_impro01_F000")
            dialog, session_no, gender = turn.group(1), turn.group(2), turn.group(3)
            wav = os.path.abspath(os.path.join(session_dir, "sentences", "wav", dialog, utt_id + ".wav"))
            if utt_id in transcript_problems:
                result.problems.append(transcript_problems[utt_id])
                continue
            if utt_id not in transcripts:
                result.problems.append(Problem(utt_id, where, "labelled in EmoEvaluation but absent from "
                                               f"{session_dir}/dialog/transcriptions/{dialog}.txt"))
                continue
            try:
                header = read_header(wav)
            except AudioProblem as err:
                result.problems.append(Problem(utt_id, wav, str(err)))
                continue
            if header.sample_rate != FAIRSEQ_SAMPLE_RATE or header.channels != 1:
                result.problems.append(Problem(utt_id, wav, f"{header.sample_rate} Hz, {header.channels} channel(s); "
                                               f"IEMOCAP wavs are {FAIRSEQ_SAMPLE_RATE} Hz mono"))
                continue
            text = transcripts[utt_id]
            words = transcript_words(text)
            result.utterances.append(Utterance(
                utt_id=utt_id, speaker=f"Ses{session_no}{gender}", session=f"Ses{session_no}", gender=gender,
                dialog=dialog, emotion=emotion, raw_emotion=raw, text=text, words=" ".join(words),
                phones=join_phones(words_to_phones(words)), wav=wav, frames=header.frames,
                sample_rate=header.sample_rate, corpus=corpus))
    if not result.utterances and not result.problems:
        raise ValueError(f"{release}: found Session folders but no labelled turns in dialog/EmoEvaluation/*.txt")
    return result
