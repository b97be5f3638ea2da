"""TESS (Toronto Emotional Speech Set) -> 4-class utterance-table rows.

Assumed layout: every .wav below <root> (any depth), named <speaker>_<word>_<emotion>.wav with speaker OAF (the
older talker, 64) or YAF (the younger, 26), e.g. OAF_back_angry.wav, YAF_germ_ps.wav. Copies put them in one
folder per speaker and emotion whose names vary between releases (OAF_angry, OAF_Fear, OAF_Pleasant_surprise,
YAF_pleasant_surprised, ...): the folder is not needed, but where it names a speaker and an emotion they must
agree with the file name (else a Problem). Both talkers are female. Emotions in file names: neutral, happy, angry,
sad kept; ps (pleasant surprise), fear, disgust dropped. 200 target words x 7 emotions x 2 talkers = 2800 files,
400 per kept class; 24,414 Hz (converted by the rate policy). The transcript is the carrier phrase "Say the word
<word>" (English G2P: phonetic units can be made). A name outside the scheme is a Problem; an emotion outside the
seven is an error naming the file. utt_id tess_<speaker>_<word>_<emotion>; dialog = the target word.
"""
import os
import re

from fairseq_emo.core.emotions import POLICIES
from fairseq_emo.data.corpora.common import (audio_fields, audio_files, AudioOptions, CorpusRead, EnglishText,
                                             kept_emotion, Problem)
from fairseq_emo.data.table import Utterance

NAME = re.compile(r"^(OAF|YAF)_([A-Za-z']+)_([A-Za-z]+)$", re.IGNORECASE)
FOLDER = re.compile(r"^(OAF|YAF)_(.+)$", re.IGNORECASE)
# folder spellings seen in copies of the release -> the file-name code
FOLDER_EMOTIONS = {"angry": "angry", "anger": "angry", "disgust": "disgust", "fear": "fear", "happy": "happy",
                   "happiness": "happy", "neutral": "neutral", "sad": "sad", "sadness": "sad",
                   "pleasant_surprise": "ps", "pleasant_surprised": "ps", "ps": "ps", "surprise": "ps"}


def read_tess(root: str, audio: AudioOptions, policy=None) -> CorpusRead:
    result = CorpusRead(utterances=[], corpus="tess")
    files = audio_files(root, result, recursive=True, extensions=(".wav",))
    if not files:
        raise FileNotFoundError(f"no TESS tree under {root}: expected .wav files named like OAF_back_angry.wav")
    policy, text_of = policy or POLICIES["tess"], EnglishText()
    for path in files:
        stem = os.path.splitext(os.path.basename(path))[0]
        m = NAME.match(stem)
        if not m:
            result.problems.append(Problem(stem, path, "file name does not follow TESS's <OAF|YAF>_<word>_<emotion>"
                                           ".wav scheme"))
            continue
        speaker, word, code = m.group(1).upper(), m.group(2).lower(), m.group(3).lower()
        folder = FOLDER.match(os.path.basename(os.path.dirname(path)))
        if folder:
            named = FOLDER_EMOTIONS.get(folder.group(2).lower())
            if folder.group(1).upper() != speaker or (named and named != code):
                result.problems.append(Problem(stem, path, f"file says {speaker} {code}, its folder "
                                               f"{os.path.basename(os.path.dirname(path))}"))
                continue
        emotion = kept_emotion(policy, code, path, result)
        if emotion is None:
            continue
        utt_id = f"tess_{speaker}_{word}_{code}"
        fields = audio_fields(utt_id, path, root, audio, result.problems)
        if fields is None:
            continue
        text = f"Say the word {word}"
        words, phones = text_of(text)
        result.utterances.append(Utterance(
            utt_id=utt_id, speaker=f"tess{speaker}", session=f"tess{speaker}", gender="F", dialog=word,
            emotion=emotion, raw_emotion=code, text=text, words=words, phones=phones, corpus="tess", **fields))
    return result
