"""ESD (Emotional Speech Dataset, Zhou et al.) -> 4-class utterance-table rows, one language half per table.

Assumed layout (the release as distributed, "Emotion Speech Dataset/" unpacked; <root> may be that folder):
  <root>/<speaker>/<Emotion>/[train|evaluation|test/]<speaker>_<nnnnnn>.wav    speakers 0001-0020
  <root>/<speaker>/<speaker>.txt      '<utt id>\t<text>\t<emotion>' per line (tab-separated)
Speakers 0001-0010 speak Mandarin, 0011-0020 English; corpus `esd` reads the English half (English G2P), corpus
`esdzh` the Mandarin half (pinyin initials/finals, pinyin.py): one table holds one phone set. Emotion folders
Neutral, Happy, Angry, Sad kept; Surprise dropped. 350 utterances per speaker and emotion (numbered 000001-000350
neutral, -000700 angry, -001050 happy, -001400 sad, -001750 surprise), 16 kHz. The split sub-folders are the
release's own train (300) / evaluation (20) / test (30) split: the table's split column (and dialog; a wav
directly in the emotion folder has no split: 'unsplit'), the `official` fold scheme beside speaker folds.
The transcript line's emotion (English names, or 中立 生气 快乐 伤心 惊喜 in the Mandarin half) must agree with
the folder, and every kept wav needs a line: else a Problem. Transcript files are read as UTF-8 (with or without
BOM); one that is not is read in the half's other expected encoding (English cp1252, Mandarin GB18030), one with
a UTF-16 byte-order mark as UTF-16, each counted and reported ("tolerated"); Chinese characters in an English
transcript (a wrong decoding) and an utterance id listed twice with different text are errors naming the line. The release does not state
speaker genders in its files: gender is 'U'. utt_id esd_<speaker>_<nnnnnn>.
"""
import glob
import os
import re
from typing import Dict, Tuple

from fairseq_emo.core.emotions import POLICIES
from fairseq_emo.data.corpora.common import (audio_fields, audio_files, AudioOptions, CorpusRead, EnglishText,
                                             kept_emotion, Problem)
from fairseq_emo.data.table import join_phones, Utterance

NAME = re.compile(r"^(\d{4})_(\d{6})$")
SPLITS = ("train", "evaluation", "test")
MANDARIN_LABELS = {"中立": "neutral", "生气": "angry", "快乐": "happy", "伤心": "sad", "惊喜": "surprise"}
HALVES = {"esd": range(11, 21), "esdzh": range(1, 11)}


def find_root(root: str) -> str:
    for candidate in (root, os.path.join(root, "Emotion Speech Dataset")):
        if glob.glob(os.path.join(glob.escape(candidate), "00[0-2][0-9]", "*")):
            return candidate
    raise FileNotFoundError(f"no ESD tree under {root}: expected <root>/0011/Angry/train/0011_000351.wav and "
                            f"<root>/0011/0011.txt")


# Encodings a transcript file of each half is read in, in order (UTF-8 first: what the release ships); a file with a
# UTF-16 byte-order mark is UTF-16 whatever the half. Decoded text must be in the half's script: an English file
# read as GB18030 would turn Latin-1 accents into Chinese characters, silently.
ENCODINGS = {"esd": ("utf-8-sig", "cp1252"), "esdzh": ("utf-8-sig", "gb18030")}
_CJK = re.compile(r"[\u3400-\u9fff]")


def read_transcripts(path: str, result: CorpusRead, corpus: str = "esd") -> Dict[str, Tuple[str, str]]:
    """<speaker>.txt -> utt id -> (text, emotion folder name, lower case); errors name the file and line."""
    with open(path, "rb") as f:
        raw = f.read()
    text = None
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = raw.decode("utf-16")
        result.tolerate("ESD transcript file(s) in UTF-16 (byte-order mark), read as such")
    else:
        for encoding in ENCODINGS[corpus]:
            try:
                text = raw.decode(encoding)
            except UnicodeDecodeError:
                continue
            if encoding != "utf-8-sig":
                result.tolerate(f"ESD transcript file(s) not UTF-8, read as {encoding}")
            break
    if text is None:
        raise ValueError(f"{path}: neither of {', '.join(ENCODINGS[corpus])} (the encodings of ESD's "
                         f"{'English' if corpus == 'esd' else 'Mandarin'} transcripts); save it as UTF-8")
    lines: Dict[str, Tuple[str, str]] = {}
    where: Dict[str, int] = {}
    for lineno, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        fields = [x.strip() for x in line.split("\t")]
        if len(fields) != 3 or not NAME.match(fields[0]):
            raise ValueError(f"{path}:{lineno}: expected '<speaker>_<nnnnnn>\\t<text>\\t<emotion>', got {line!r}")
        if corpus == "esd" and _CJK.search(fields[1]):
            raise ValueError(f"{path}:{lineno}: Chinese characters in an English transcript ({fields[1][:40]!r}): "
                             f"the file's encoding is not what its bytes say; save it as UTF-8")
        entry = (fields[1], MANDARIN_LABELS.get(fields[2], fields[2].lower()))
        if fields[0] in lines and lines[fields[0]] != entry:
            raise ValueError(f"{path}:{lineno}: {fields[0]} again, with another text or emotion than on line "
                             f"{where[fields[0]]} ({lines[fields[0]]} vs {entry}); keep one line per utterance")
        lines[fields[0]], where[fields[0]] = entry, lineno
    return lines


def read_esd(root: str, audio: AudioOptions, corpus: str = "esd", policy=None) -> CorpusRead:
    if corpus not in HALVES:
        raise ValueError(f"ESD corpus {corpus!r}: esd (English speakers 0011-0020) or esdzh (Mandarin 0001-0010)")
    base = find_root(root)
    result = CorpusRead(utterances=[], corpus=corpus)
    policy, english = policy or POLICIES[corpus], EnglishText()
    speakers = [f"{k:04d}" for k in HALVES[corpus] if os.path.isdir(os.path.join(base, f"{k:04d}"))]
    if not speakers:
        raise FileNotFoundError(f"{base}: none of the {corpus} speakers "
                                f"{min(HALVES[corpus]):04d}-{max(HALVES[corpus]):04d}")
    other = [d for d in sorted(os.listdir(base)) if d.isdigit() and len(d) == 4 and os.path.isdir(os.path.join(base, d))
             and d not in speakers]
    if other:   # the other language's half: said, not silently passed over
        result.tolerate(f"ESD speaker folders of the other language half not read (corpus "
                        f"{'esdzh' if corpus == 'esd' else 'esd'} reads them): {', '.join(other)}")
    for speaker in speakers:
        folder = os.path.join(base, speaker)
        listing = os.path.join(folder, f"{speaker}.txt")
        if not os.path.isfile(listing):
            raise FileNotFoundError(f"{listing} not found: ESD's transcripts, '<utt>\\t<text>\\t<emotion>' lines")
        texts = read_transcripts(listing, result, corpus)
        for emo_dir in sorted(glob.glob(os.path.join(glob.escape(folder), "*"))):
            if not os.path.isdir(emo_dir):
                continue
            raw = os.path.basename(emo_dir)
            files = audio_files(emo_dir, result, recursive=True, extensions=(".wav",))
            emotion = kept_emotion(policy, raw.lower(), emo_dir, result, len(files))
            if emotion is None:
                continue
            for path in files:
                stem = os.path.splitext(os.path.basename(path))[0]
                m = NAME.match(stem)
                split = os.path.basename(os.path.dirname(path)) if os.path.dirname(path) != emo_dir else "unsplit"
                if not m or m.group(1) != speaker or split not in SPLITS + ("unsplit",):
                    result.problems.append(Problem(stem, path, f"not <speaker>_<nnnnnn>.wav of speaker {speaker} in "
                                                   f"{raw}/[train|evaluation|test]/"))
                    continue
                if stem not in texts:
                    result.problems.append(Problem(stem, path, f"no line for {stem} in {listing}"))
                    continue
                text, labelled = texts[stem]
                if labelled != raw.lower():
                    result.problems.append(Problem(stem, path, f"{listing} labels it {labelled}, its folder {raw}"))
                    continue
                if corpus == "esdzh":
                    # pypinyin loads its dictionaries at import: the Mandarin half only
                    from fairseq_emo.data.pinyin import words_and_phones
                    try:
                        word_list, phone_list = words_and_phones(text)
                    except ValueError as err:
                        result.problems.append(Problem(stem, path, f"transcript: {err}"))
                        continue
                    words, phones = " ".join(word_list), join_phones(phone_list)
                else:
                    words, phones = english(text)
                if not words:  # would silently become a non-speech unit
                    result.problems.append(Problem(stem, path, f"transcript has no words: {text!r}"))
                    continue
                utt_id = f"esd_{stem}"
                fields = audio_fields(utt_id, path, base, audio, result.problems)
                if fields is None:
                    continue
                result.utterances.append(Utterance(
                    utt_id=utt_id, speaker=f"esd{speaker}", session=f"esd{speaker}", gender="U", dialog=split,
                    emotion=emotion, raw_emotion=raw, text=text, words=words, phones=phones, corpus=corpus,
                    split="" if split == "unsplit" else split, **fields))
    return result
