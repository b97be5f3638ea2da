"""KSUEmotions (LDC2017S12) reader: LDC release tree -> 4-class utterance-table rows.

Assumed layout (from third-party code that reads the release; LDC's own documentation was not available here):
  <root>/data/SPEECH/Phase_1/E00/<name>.wav      (also Phase_2; .flac accepted as well as .wav)
  <root> may be the release folder, its data/ folder or data/SPEECH itself.
  folder E00..E05 = emotion: E00 neutral, E01 happiness, E02 sadness, E03 surprise, E04 questioning, E05 anger
  name = D<2 digits> E<2 digits, the emotion again> P<3-digit speaker> S<2-digit sentence> T<2-digit take>,
         e.g. D05E03P104S01T01; P0xx speakers are male, P1xx female.
Kept: E00, E01, E02, E05 (the paper's Table 4: 280 each). The emotion folder and the name's E code must agree;
a file where they differ, or whose name does not follow the scheme, is a Problem (error, or counted skip with
--skip-bad). An emotion folder the policy does not know is an error naming it. Transcripts are not read.
utt_id = <phase>_<name> (Phase_1_D05E03P104S01T01), because the two phases are separate recording rounds.
"""
import glob
import os
import re

from fairseq_emo.core.emotions import POLICIES
from fairseq_emo.data.corpora.common import audio_fields, audio_files, AudioOptions, CorpusRead, Problem
from fairseq_emo.data.table import Utterance

NAME = re.compile(r"^D(\d\d)(E\d\d)P([01])(\d\d)S(\d\d)T(\d\d)$")
EMOTION_DIR = re.compile(r"^E\d\d$")


def find_speech_dir(root: str) -> str:
    for candidate in (os.path.join(root, "data", "SPEECH"), os.path.join(root, "SPEECH"), root):
        if glob.glob(os.path.join(glob.escape(candidate), "Phase_*", "E*")):
            return candidate
    raise FileNotFoundError(f"no KSUEmotions tree under {root}: expected {root}/data/SPEECH/Phase_1/E00/"
                            f"<name>.wav (names like D05E03P104S01T01.wav)")


def read_ksu(root: str, audio: AudioOptions, policy=None) -> CorpusRead:
    speech = find_speech_dir(root)
    result = CorpusRead(utterances=[], corpus="ksu")
    policy = policy or POLICIES["ksu"]
    for emo_dir in sorted(glob.glob(os.path.join(glob.escape(speech), "Phase_*", "*"))):
        if not os.path.isdir(emo_dir):
            result.other_files += 1  # a file beside the emotion folders: not audio of any class
            continue
        phase, folder = os.path.basename(os.path.dirname(emo_dir)), os.path.basename(emo_dir)
        if not EMOTION_DIR.match(folder):
            raise ValueError(f"{emo_dir}: unexpected folder; KSUEmotions emotion folders are E00..E05")
        try:
            emotion = policy.emotion(folder)
        except ValueError as err:
            raise ValueError(f"{emo_dir}: {err}") from None
        files = audio_files(emo_dir, result)
        if emotion is None:
            result.drop(folder, len(files))
            continue
        for path in files:
            stem = os.path.splitext(os.path.basename(path))[0]
            utt_id = f"{phase}_{stem}"
            match = NAME.match(stem)
            if not match:
                result.problems.append(Problem(utt_id, path, "file name does not follow KSUEmotions' scheme "
                                               "D<dd>E<dd>P<0|1><dd>S<dd>T<dd>"))
                continue
            dialect, name_code, sex_digit, speaker_no, sentence, _take = match.groups()
            if name_code != folder:
                result.problems.append(Problem(utt_id, path, f"file name says emotion {name_code} but it is "
                                               f"in folder {folder}"))
                continue
            fields = audio_fields(utt_id, path, speech, audio, result.problems)
            if fields is None:
                continue
            result.utterances.append(Utterance(
                utt_id=utt_id, speaker=f"P{sex_digit}{speaker_no}", session=phase,
                gender="M" if sex_digit == "0" else "F", dialog=f"D{dialect}S{sentence}", emotion=emotion,
                raw_emotion=folder, text="", words="", phones="", corpus="ksu", **fields))
    return result
