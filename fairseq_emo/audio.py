"""Audio file facts read with soundfile: path -> (frames, sample rate, channels), with errors that name the file."""
import os
from dataclasses import dataclass

import soundfile

FAIRSEQ_SAMPLE_RATE = 16000  # wav2vec 2.0 (libri960_big.pt) was pre-trained on 16 kHz audio


@dataclass(frozen=True)
class AudioHeader:
    frames: int
    sample_rate: int
    channels: int


class AudioProblem(ValueError):
    """A wav that cannot be used: missing, unreadable, empty."""


def read_header(path: str) -> AudioHeader:
    """Header only (no samples are read)."""
    if not os.path.isfile(path):
        raise AudioProblem(f"missing audio file {path}")
    try:
        info = soundfile.info(path)
    except Exception as err:  # soundfile raises RuntimeError/LibsndfileError/TypeError depending on the damage
        raise AudioProblem(f"unreadable audio file {path}: {err}") from None
    if info.frames <= 0:
        raise AudioProblem(f"empty audio file {path} (0 samples)")
    return AudioHeader(frames=int(info.frames), sample_rate=int(info.samplerate), channels=int(info.channels))
