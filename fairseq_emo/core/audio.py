"""Audio file facts read with soundfile: path -> (frames, sample rate, channels), with errors that name the file."""
import os
import struct
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


FLOAT_SUBTYPES = ("FLOAT", "DOUBLE")  # the only sample formats that can hold NaN or Inf


def non_finite(samples) -> str:
    """'' when every sample is finite, else what is wrong ('3 of 16000 samples are NaN or Inf'). NaN/Inf samples
    would make predict answer a confident 'neutral' from nothing and stop training with 'gradients are Nan/Inf'
    naming no file."""
    import numpy as np

    bad = int(np.count_nonzero(~np.isfinite(np.asarray(samples))))
    return f"{bad} of {np.asarray(samples).size} samples are NaN or Inf" if bad else ""


def read_samples(path: str, dtype: str = "float32"):
    """-> (samples, rate), every sample finite; an unreadable file or NaN/Inf samples are an AudioProblem."""
    try:
        samples, rate = soundfile.read(path, dtype=dtype)
    except Exception as err:  # soundfile raises several types for damaged files
        raise AudioProblem(f"unreadable audio file {path}: {err}") from None
    wrong = non_finite(samples)
    if wrong:
        raise AudioProblem(f"audio file {path}: {wrong}; the file is damaged (or was written from a failed "
                           f"computation): write it again")
    return samples, rate


def check_finite(path: str, subtype: str) -> None:
    """A float-format file is read and every sample checked (PCM cannot hold NaN/Inf, so it is not read)."""
    if subtype in FLOAT_SUBTYPES:
        read_samples(path, dtype="float64")


def read_header(path: str) -> AudioHeader:
    """Header (no samples are read, except from a float-format file: NaN/Inf samples are an error)."""
    if not os.path.isfile(path):
        raise AudioProblem(f"missing audio file {path}")
    try:
        info = soundfile.info(path)
    except Exception as err:  # soundfile raises RuntimeError/LibsndfileError/TypeError depending on the damage
        raise AudioProblem(f"unreadable audio file {path}: {err}") from None
    if info.frames <= 0:
        raise AudioProblem(f"empty audio file {path} (0 samples)")
    declared = wav_declared_bytes(path)
    if declared is not None:
        declared_bytes, available = declared
        if available < declared_bytes:
            # libsndfile quietly reads what is there; a cut-off copy would train on part of an utterance
            raise AudioProblem(f"truncated audio file {path}: its header declares {declared_bytes} bytes of "
                               f"samples, the file holds {available}; copy it again")
    check_finite(path, info.subtype)
    return AudioHeader(frames=int(info.frames), sample_rate=int(info.samplerate), channels=int(info.channels))


def wav_declared_bytes(path: str):
    """RIFF/WAVE: (bytes of samples the 'data' chunk declares, bytes present after it), else None."""
    try:
        with open(path, "rb") as f:
            head = f.read(12)
            if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"WAVE":
                return None
            size = os.fstat(f.fileno()).st_size
            while True:
                chunk = f.read(8)
                if len(chunk) < 8:
                    return None
                name, length = chunk[:4], struct.unpack("<I", chunk[4:])[0]
                if name == b"data":
                    if length == 0xFFFFFFFF:  # streaming writers leave the size open
                        return None
                    return length, size - f.tell()
                f.seek(length + (length & 1), os.SEEK_CUR)
    except OSError:
        return None
