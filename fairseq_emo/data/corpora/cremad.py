"""CREMA-D (Crowd-sourced Emotional Multimodal Actors Dataset), audio -> 4-class utterance-table rows.

Assumed layout (the release's GitHub/LFS tree):
  <root>/AudioWAV/<actor>_<sentence>_<emotion>_<level>.wav     e.g. 1001_DFA_ANG_XX.wav (<root> may be AudioWAV)
  <root>/VideoDemographics.csv   columns ActorID, Age, Sex, Race, Ethnicity (Sex: Male/Female); optional: without
                                 it genders are 'U' and a warning says so
  actor 1001-1091 (91 actors), emotion ANG DIS FEA HAP NEU SAD, level LO MD HI or XX (unspecified),
  sentence one of the 12 codes below, whose texts are the transcripts (English G2P: phonetic units can be made).
7442 clips at 16 kHz; the 4 classes hold NEU 1087, HAP 1271, ANG 1271, SAD 1271 (emotions.POLICIES).
Known in the release: 1076_MTI_SAD_XX.wav holds no audio; it is a Problem like any empty file (prepare stops,
or skips and lists it with --skip-bad). A name outside the scheme or an unknown sentence code is a Problem; an
emotion code outside the six is an error naming the file. The level is kept in the dialog column
(<sentence>_<level>).
"""
import csv
import os
import re
from typing import Dict

from fairseq_emo.core.emotions import POLICIES
from fairseq_emo.data.corpora.common import (audio_fields, audio_files, AudioOptions, CorpusRead, EnglishText,
                                             find_dir, kept_emotion, Problem)
from fairseq_emo.data.table import Utterance

NAME = re.compile(r"^(\d{4})_([A-Z]{3})_([A-Z]{3})_([A-Z]{2})$")
SENTENCES = {
    "IEO": "It's eleven o'clock", "TIE": "That is exactly what happened", "IOM": "I'm on my way to the meeting",
    "IWW": "I wonder what this is about", "TAI": "The airplane is almost full",
    "MTI": "Maybe tomorrow it will be cold", "IWL": "I would like a new alarm clock",
    "ITH": "I think I have a doctor's appointment", "DFA": "Don't forget a jacket",
    "ITS": "I think I've seen this before", "TSI": "The surface is slick", "WSI": "We'll stop in a couple of minutes"}
LEVELS = ("LO", "MD", "HI", "XX")
DEMOGRAPHICS = "VideoDemographics.csv"


def read_demographics(path: str) -> Dict[str, str]:
    """VideoDemographics.csv -> actor id -> 'F'/'M'; errors name the file and line (a file that is not UTF-8, an
    actor listed twice with different sexes)."""
    import io

    genders: Dict[str, str] = {}
    where: Dict[str, int] = {}
    with open(path, "rb") as f:
        raw = f.read()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise ValueError(f"{path}: not UTF-8 ({err.reason} at byte {err.start}); save it as UTF-8") from None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    if not reader.fieldnames or not {"ActorID", "Sex"} <= set(reader.fieldnames):
        raise ValueError(f"{path}: header lacks ActorID and Sex (has {reader.fieldnames})")
    for lineno, row in enumerate(reader, start=2):
        sex = (row["Sex"] or "").strip().lower()
        if sex not in ("male", "female"):
            raise ValueError(f"{path}:{lineno}: Sex {row['Sex']!r} is neither Male nor Female")
        actor, gender = row["ActorID"].strip(), "M" if sex == "male" else "F"
        if actor in genders and genders[actor] != gender:
            raise ValueError(f"{path}:{lineno}: actor {actor} again, as {row['Sex'].strip()}, listed with the other "
                             f"sex on line {where[actor]}; keep one line per actor")
        genders[actor], where[actor] = gender, lineno
    return genders


def read_cremad(root: str, audio: AudioOptions, policy=None) -> CorpusRead:
    wav_dir = find_dir(root, ("AudioWAV", ""), "*_*_*_*.wav",
                       "CREMA-D tree: expected <root>/AudioWAV/1001_DFA_ANG_XX.wav")
    result = CorpusRead(utterances=[], corpus="cremad")
    demo_path = next((p for p in (os.path.join(root, DEMOGRAPHICS), os.path.join(os.path.dirname(wav_dir),
                                                                                 DEMOGRAPHICS)) if os.path.isfile(p)), None)
    genders = read_demographics(demo_path) if demo_path else {}
    if not demo_path:
        result.notices.append(f"no {DEMOGRAPHICS} beside {wav_dir}: genders are 'U' (the gender breakdown of the "
                              f"report will be empty)")
    policy, text_of = policy or POLICIES["cremad"], EnglishText()
    for path in audio_files(wav_dir, result, extensions=(".wav",)):
        stem = os.path.splitext(os.path.basename(path))[0]
        m = NAME.match(stem)
        if not m:
            result.problems.append(Problem(stem, path, "file name does not follow CREMA-D's "
                                           "<actor>_<sentence>_<emotion>_<level>.wav scheme"))
            continue
        actor, sentence, code, level = m.groups()
        if sentence not in SENTENCES or level not in LEVELS or not 1001 <= int(actor) <= 1091:
            result.problems.append(Problem(stem, path, f"actor {actor}, sentence {sentence} or level {level} is not "
                                           f"one of CREMA-D's (1001-1091; {' '.join(SENTENCES)}; {' '.join(LEVELS)})"))
            continue
        emotion = kept_emotion(policy, code, path, result)
        if emotion is None:
            continue
        if genders and actor not in genders:
            result.problems.append(Problem(stem, path, f"actor {actor} has no row in {demo_path}"))
            continue
        fields = audio_fields(stem, path, wav_dir, audio, result.problems)
        if fields is None:
            continue
        words, phones = text_of(SENTENCES[sentence])
        result.utterances.append(Utterance(
            utt_id=f"cremad_{stem}", speaker=f"cremad{actor}", session=f"cremad{actor}", gender=genders.get(actor, "U"),
            dialog=f"{sentence}_{level}", emotion=emotion, raw_emotion=code, text=SENTENCES[sentence], words=words,
            phones=phones, corpus="cremad", **fields))
    return result
