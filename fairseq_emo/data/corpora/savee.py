"""SAVEE (Surrey Audio-Visual Expressed Emotion), audio -> 4-class utterance-table rows (a test-only corpus).

Assumed layout: the release's AudioData folder, <root>/AudioData/<speaker>/<code>.wav (<root> may be AudioData),
or a flat copy of <speaker>_<code>.wav files (the form most copies circulate in). Speakers DC, JE, JK, KL (four
male talkers). code = emotion prefix + 2-digit sentence number: a anger, d disgust, f fear, h happiness, sa
sadness, su surprise (15 each per speaker), n neutral (30 per speaker); kept n h a sa (120/60/60/60), dropped d f
su. 44.1 kHz (converted by the rate policy). No transcripts are read: the sentences are TIMIT prompts whose
per-file assignment is not in the audio release, so the corpus is only tested on (cross-corpus), as stated.
A name outside the scheme or an unknown speaker is a Problem; utt_id savee_<speaker>_<code>.
"""
import os
import re

from fairseq_emo.core.emotions import POLICIES
from fairseq_emo.data.corpora.common import audio_fields, audio_files, AudioOptions, CorpusRead, Problem
from fairseq_emo.data.table import Utterance

SPEAKERS = ("DC", "JE", "JK", "KL")
CODE = re.compile(r"^(sa|su|[adfhn])(\d\d)$")
FLAT = re.compile(r"^([A-Z]{2})_(sa|su|[adfhn])(\d\d)$")


def read_savee(root: str, audio: AudioOptions, policy=None) -> CorpusRead:
    base = os.path.join(root, "AudioData") if os.path.isdir(os.path.join(root, "AudioData")) else root
    result = CorpusRead(utterances=[], corpus="savee")
    files = audio_files(base, result, recursive=True, extensions=(".wav",))
    if not files:
        raise FileNotFoundError(f"no SAVEE tree under {root}: expected AudioData/DC/a01.wav or DC_a01.wav")
    policy = policy or POLICIES["savee"]
    for path in files:
        stem = os.path.splitext(os.path.basename(path))[0]
        flat, nested = FLAT.match(stem), CODE.match(stem)
        if flat:
            speaker, prefix, number = flat.groups()
        elif nested:
            speaker, (prefix, number) = os.path.basename(os.path.dirname(path)), nested.groups()
        else:
            result.problems.append(Problem(stem, path, "file name is neither <code>.wav in a speaker folder nor "
                                           "<speaker>_<code>.wav (code: a/d/f/h/n/sa/su + 2 digits)"))
            continue
        if speaker not in SPEAKERS:
            result.problems.append(Problem(stem, path, f"speaker {speaker!r} is not one of SAVEE's "
                                           f"{', '.join(SPEAKERS)}"))
            continue
        emotion = policy.emotion(prefix)
        if emotion is None:
            result.drop(prefix)
            continue
        utt_id = f"savee_{speaker}_{prefix}{number}"
        fields = audio_fields(utt_id, path, base, audio, result.problems)
        if fields is None:
            continue
        result.utterances.append(Utterance(
            utt_id=utt_id, speaker=f"savee{speaker}", session=f"savee{speaker}", gender="M", dialog=f"{prefix}{number}",
            emotion=emotion, raw_emotion=prefix, text="", words="", phones="", corpus="savee", **fields))
    return result
