"""RAVDESS (Ryerson Audio-Visual Database of Emotional Speech and Song), speech, audio-only -> 4-class table rows.

Assumed layout (the Zenodo release Audio_Speech_Actors_01-24.zip unpacked):
  <root>/Actor_<AA>/<MM>-<VV>-<EE>-<II>-<SS>-<RR>-<AA>.wav     <root> may be the folder holding Actor_01..24
  MM modality (03 audio-only; 01/02 are the video files, not read), VV vocal channel (01 speech; 02 song, not
  read: counted), EE emotion (01 neutral, 02 calm, 03 happy, 04 sad, 05 angry, 06 fearful, 07 disgust,
  08 surprised), II intensity (01 normal, 02 strong; neutral has normal only), SS statement (01 "Kids are
  talking by the door", 02 "Dogs are sitting by the door"), RR repetition (01, 02), AA actor (01-24; odd =
  male, even = female). 48 kHz, 16-bit; converted to 16 kHz mono by the rate policy (audio_cache.py).
Speech: 1440 files, 24 actors x 60; the 4 classes hold 96 neutral and 192 each of happy, sad, angry; the full
set (--emotions full) all eight: 96 neutral, 192 of each other class.
In the four-class set calm is dropped, as most 4-class work on RAVDESS does (the full set keeps it as `cal`);
`calm="neutral"` merges it into neutral in either set (another 192), which some papers do: the table's raw_emotion column keeps '02' so either choice is visible.
The two statements are the transcripts, so phonetic units can be made (English G2P, g2p.py).
Intensity, statement and repetition are kept in the dialog column as 'statement<SS>_intensity<II>_take<RR>'.
A file whose name does not follow the scheme, whose actor field disagrees with its Actor_ folder, or which
is neutral at strong intensity (the design has none) is a Problem (error, or a counted skip with --skip-bad);
an emotion code outside 01-08 is an error naming the file.
"""
import os
import re

from fairseq_emo.core.emotions import POLICIES
from fairseq_emo.data.corpora.common import (audio_fields, audio_files, AudioOptions, CorpusRead, EnglishText,
                                             find_dir, kept_emotion, Problem)
from fairseq_emo.data.table import Utterance

NAME = re.compile(r"^(\d\d)-(\d\d)-(\d\d)-(\d\d)-(\d\d)-(\d\d)-(\d\d)$")
STATEMENTS = {"01": "Kids are talking by the door", "02": "Dogs are sitting by the door"}
CALM = "02"


def read_ravdess(root: str, audio: AudioOptions, calm: str = "drop", policy=None) -> CorpusRead:
    if calm not in ("drop", "neutral"):
        raise ValueError(f"RAVDESS calm={calm!r}: choose drop (default) or neutral")
    base = find_dir(root, ("", "Audio_Speech_Actors_01-24"), "Actor_*",
                    "RAVDESS tree: expected <root>/Actor_01/03-01-01-01-01-01-01.wav")
    result = CorpusRead(utterances=[], corpus="ravdess")
    policy, text_of = policy or POLICIES["ravdess"], EnglishText()
    for actor_dir in sorted(os.path.join(base, d) for d in os.listdir(base)):
        folder = os.path.basename(actor_dir)
        if not os.path.isdir(actor_dir):
            result.other_files += 1
            continue
        if not re.fullmatch(r"Actor_\d\d", folder):   # e.g. Actor_2 for Actor_02: named, never silently passed
            result.skip("folders not named Actor_NN (two digits: Actor_02, not Actor_2)", actor_dir)
            continue
        if not os.access(actor_dir, os.R_OK | os.X_OK):
            result.skip("actor folders without read permission", actor_dir)
            continue
        for path in audio_files(actor_dir, result, extensions=(".wav",)):
            stem = os.path.splitext(os.path.basename(path))[0]
            m = NAME.match(stem)
            if not m:
                result.problems.append(Problem(stem, path, "file name does not follow RAVDESS's "
                                               "MM-VV-EE-II-SS-RR-AA.wav scheme"))
                continue
            modality, channel, code, intensity, statement, take, actor = m.groups()
            if modality != "03" or channel != "01":
                result.tolerate(f"RAVDESS files not audio-only speech (modality {modality}, vocal channel "
                                f"{channel}: song or video), not read")
                continue
            if actor != folder[-2:] or not 1 <= int(actor) <= 24:
                result.problems.append(Problem(stem, path, f"actor {actor} in the name, folder {folder}"))
                continue
            if statement not in STATEMENTS or take not in ("01", "02") or intensity not in ("01", "02"):
                result.problems.append(Problem(stem, path, f"statement {statement}, repetition {take} or intensity "
                                               f"{intensity} is not one of RAVDESS's (01 or 02)"))
                continue
            emotion = "neu" if code == CALM and calm == "neutral" else kept_emotion(policy, code, path, result)
            if emotion is None:
                continue
            if code == "01" and intensity == "02":
                result.problems.append(Problem(stem, path, "neutral at strong intensity: RAVDESS records neutral "
                                               "at normal intensity only"))
                continue
            fields = audio_fields(stem, path, base, audio, result.problems)
            if fields is None:
                continue
            words, phones = text_of(STATEMENTS[statement])
            result.utterances.append(Utterance(
                utt_id=f"ravdess_{stem.replace('-', '_')}", speaker=f"ravdess{actor}", session=f"ravdess{actor}",
                gender="M" if int(actor) % 2 else "F", dialog=f"statement{statement}_intensity{intensity}_take{take}",
                emotion=emotion, raw_emotion=code, text=STATEMENTS[statement], words=words, phones=phones,
                corpus="ravdess", **fields))
    if not result.utterances and not result.problems:
        raise FileNotFoundError(f"{base}: Actor_ folders but no audio-only speech files (03-01-*.wav)")
    return result
