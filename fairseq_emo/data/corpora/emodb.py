"""EmoDB (Berlin Database of Emotional Speech) reader: release tree -> 4-class utterance-table rows.

Assumed layout (the release as distributed, e.g. download.zip unpacked):
  <root>/wav/<name>.wav     <root> may also be the wav folder itself
  name = speaker (2 digits) + text code (a01..b10) + emotion letter + version letter, e.g. 03a01Fa.wav
  emotion letters: W anger, L boredom, E disgust, A fear, F happiness, T sadness, N neutral (policy: emotions.py)
Speakers 08 09 13 14 16 are female, 03 10 11 12 15 male. 535 files at 16 kHz; 339 in the 4 classes.
The ten sentence codes are the corpus's ten German sentences (the release documentation): the text and words
columns hold them, the phones column their German IPA phones (ipa_g2p.py, espeak-ng's German voice, word by
word), so EmoDB trains with phoneme, BPC and syllable units in speaker folds (10 speakers) and its sentences are
the references when IEMOCAP's BPC models are scored on it (cross-corpus). The ten sentences are read the same
way every time: their phones are computed once per distinct sentence.
A .wav whose name does not follow the scheme is a Problem (error, or a counted skip with --skip-bad);
an emotion letter the policy does not know is an error naming the file.
"""
import glob
import os
import re

from fairseq_emo.core.emotions import POLICIES
from fairseq_emo.data.corpora.common import audio_fields, audio_files, AudioOptions, CorpusRead, kept_emotion, Problem
from fairseq_emo.data.ipa_g2p import words_to_ipa
from fairseq_emo.data.table import join_phones, Utterance

NAME = re.compile(r"^(\d\d)([a-z]\d\d)([A-Z])([a-z]+)$")
SENTENCES = {
    "a01": "Der Lappen liegt auf dem Eisschrank.", "a02": "Das will sie am Mittwoch abgeben.",
    "a04": "Heute abend könnte ich es ihm sagen.",
    "a05": "Das schwarze Stück Papier befindet sich da oben neben dem Holzstück.",
    "a07": "In sieben Stunden wird es soweit sein.",
    "b01": "Was sind denn das für Tüten, die da unter dem Tisch stehen?",
    "b02": "Sie haben es gerade hochgetragen und jetzt gehen sie wieder runter.",
    "b03": "An den Wochenenden bin ich jetzt immer nach Hause gefahren und habe Agnes besucht.",
    "b09": "Ich will das eben wegbringen und dann mit Karl was trinken gehen.",
    "b10": "Die wird auf dem Platz sein, wo wir sie immer hinlegen."}
FEMALE_SPEAKERS = frozenset({"08", "09", "13", "14", "16"})
MALE_SPEAKERS = frozenset({"03", "10", "11", "12", "15"})


def find_wav_dir(root: str) -> str:
    for candidate in (os.path.join(root, "wav"), root):
        if glob.glob(os.path.join(glob.escape(candidate), "*.wav")):
            return candidate
    raise FileNotFoundError(f"no EmoDB tree under {root}: expected {root}/wav/<name>.wav (e.g. 03a01Fa.wav)")


def read_emodb(root: str, audio: AudioOptions, policy=None) -> CorpusRead:
    wav_dir = find_wav_dir(root)
    result = CorpusRead(utterances=[], corpus="emodb")
    policy = policy or POLICIES["emodb"]
    phones_of = {}
    for path in audio_files(wav_dir, result, extensions=(".wav",)):
        stem = os.path.splitext(os.path.basename(path))[0]
        match = NAME.match(stem)
        if not match:
            result.problems.append(Problem(stem, path, "file name does not follow EmoDB's scheme "
                                           "<speaker 2 digits><text a01..b10><emotion letter><version>.wav"))
            continue
        speaker, text_code, letter, _version = match.groups()
        emotion = kept_emotion(policy, letter, path, result)
        if emotion is None:
            continue
        if speaker not in FEMALE_SPEAKERS | MALE_SPEAKERS:
            result.problems.append(Problem(stem, path, f"speaker {speaker} is not one of EmoDB's ten "
                                           f"({', '.join(sorted(FEMALE_SPEAKERS | MALE_SPEAKERS))})"))
            continue
        if text_code not in SENTENCES:
            result.problems.append(Problem(stem, path, f"text code {text_code} is not one of EmoDB's ten "
                                           f"({', '.join(SENTENCES)})"))
            continue
        fields = audio_fields(stem, path, wav_dir, audio, result.problems)
        if fields is None:
            continue
        words = re.findall(r"\w+", SENTENCES[text_code].lower())
        if text_code not in phones_of:

            phones_of[text_code] = join_phones(words_to_ipa(words, "de"))
        result.utterances.append(Utterance(
            utt_id=stem, speaker=f"emodb{speaker}", session=f"emodb{speaker}",
            gender="F" if speaker in FEMALE_SPEAKERS else "M", dialog=text_code, emotion=emotion,
            raw_emotion=letter, text=SENTENCES[text_code], words=" ".join(words),
            phones=phones_of[text_code], corpus="emodb", **fields))
    return result
