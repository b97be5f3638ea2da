"""MSP-Podcast -> 4-class utterance-table rows (audio and consensus labels; a test-only corpus in this round).

Assumed layout (the release as licensed from UT Dallas):
  <root>/Audios/<FileName>                 e.g. MSP-PODCAST_0001_0008.wav, 16 kHz
  <root>/Labels/labels_consensus.csv       header with at least FileName, EmoClass, SpkrID, Gender, Split_Set
EmoClass: N neutral, H happy, A angry, S sad kept; U surprise, F fear, D disgust, C contempt, O other, X no
agreement dropped (counted). Per-class counts depend on the release version, so none is printed beside ours.
Split_Set (Train, Development, Test1, Test2, Test3 in later versions) is the table's split column (and dialog):
the `official` fold scheme (Test1 is its test set; Test2/Test3 are in none). SpkrID 'Unknown' (many utterances) becomes speaker mspUnknown: speaker folds over such a table are
not speaker-independent, which is why the corpus is not trained on here. Gender Male/Female -> M/F, else U.
Transcripts (Transcripts/ in some versions) are not read: an utterance without one would become a non-speech
unit, so the corpus is tested on (cross-corpus) until transcripts are read per file. A row whose audio file is
missing or unreadable is a Problem; an EmoClass outside the ten is an error naming the line.
utt_id = msp_<FileName stem> with '-' as '_' (sclite ids split on '-').
"""
import csv
import os

from fairseq_emo.core.emotions import POLICIES
from fairseq_emo.data.corpora.common import audio_fields, AudioOptions, check_inside, CorpusRead, kept_emotion, Problem
from fairseq_emo.data.table import Utterance

LABELS = os.path.join("Labels", "labels_consensus.csv")
COLUMNS = ("FileName", "EmoClass", "SpkrID", "Gender", "Split_Set")


def read_msppodcast(root: str, audio: AudioOptions, policy=None) -> CorpusRead:
    labels, audios = os.path.join(root, LABELS), os.path.join(root, "Audios")
    if not os.path.isfile(labels):
        raise FileNotFoundError(f"{labels} not found: expected the MSP-Podcast release (Audios/, Labels/"
                                f"labels_consensus.csv)")
    result = CorpusRead(utterances=[], corpus="msppodcast")
    policy = policy or POLICIES["msppodcast"]
    with open(labels, encoding="utf-8-sig", newline="") as f:
        reader = csv.DictReader(f)
        missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise ValueError(f"{labels}:1: header lacks {', '.join(missing)} (has {reader.fieldnames})")
        for lineno, row in enumerate(reader, start=2):
            name, code = row["FileName"].strip(), row["EmoClass"].strip()
            emotion = kept_emotion(policy, code, f"{labels}:{lineno}", result)
            if emotion is None:
                continue
            stem = os.path.splitext(name)[0]
            utt_id = f"msp_{stem.replace('-', '_')}"
            path = os.path.join(audios, name)
            check_inside(path, audios, f"{labels}:{lineno}")   # a FileName of '../../x.wav' names no file of ours
            if not os.path.isfile(path):
                result.problems.append(Problem(utt_id, path, f"{labels}:{lineno} names it, the file is missing"))
                continue
            fields = audio_fields(utt_id, path, audios, audio, result.problems)
            if fields is None:
                continue
            speaker = "".join(ch for ch in row["SpkrID"].strip() if ch.isalnum()) or "Unknown"
            gender = {"male": "M", "female": "F"}.get(row["Gender"].strip().lower(), "U")
            result.utterances.append(Utterance(
                utt_id=utt_id, speaker=f"msp{speaker}", session=f"msp{speaker}", gender=gender,
                dialog=row["Split_Set"].strip(), emotion=emotion, raw_emotion=code, text="", words="", phones="",
                corpus="msppodcast", split=row["Split_Set"].strip(), **fields))
    return result
