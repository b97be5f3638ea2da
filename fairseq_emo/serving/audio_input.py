"""Audio for predict: a file (any rate, channel count, length) or an array -> 16 kHz mono float32 blocks, streamed,
with a 20-ms peak envelope for the plot; the length check; the allocator setting that keeps a long recording's
memory bounded by the chunk."""
import ctypes
import ctypes.util
from typing import List

import numpy as np
import soundfile

from fairseq_emo.core.audio import FAIRSEQ_SAMPLE_RATE, non_finite

MIN_SECONDS = 0.1  # wav2vec 2.0's CNN needs 400 samples for one frame; below 0.1 s nothing meaningful is left


BLOCK_SECONDS = 0.5          # how much of the file is read, mixed and resampled at a time
ENVELOPE_SECONDS = 0.02      # one peak per 20-ms frame kept for the plot (2 h -> 360,000 floats)


class AudioStream:
    """A file read in blocks, mixed to mono and resampled to 16 kHz as it is read (soxr's streaming resampler,
    very-high quality, as prepare's audio_cache.convert), so memory does not grow with the recording's length,
    rate or channel count. Iterate for float32 16 kHz blocks; `frames` counts what came out, `envelope` holds
    the peak of every 20-ms frame for the plot."""

    def __init__(self, path: str):
        try:
            self._file = soundfile.SoundFile(path)
        except Exception as err:  # soundfile raises several types for damaged files
            raise ValueError(f"unreadable audio: {err}") from None
        self.rate, self.channels = self._file.samplerate, self._file.channels
        self.frames = 0
        self.envelope: List[float] = []
        self._pending = np.zeros(0, dtype=np.float32)  # samples not yet folded into the envelope

    def __iter__(self):
        import soxr

        resampler = None
        if self.rate != FAIRSEQ_SAMPLE_RATE:
            resampler = soxr.ResampleStream(self.rate, FAIRSEQ_SAMPLE_RATE, 1, dtype="float32", quality="VHQ")
        block_frames = max(1, int(BLOCK_SECONDS * self.rate))
        try:
            with self._file:
                for block in self._file.blocks(blocksize=block_frames, dtype="float32", always_2d=True):
                    mono = block.mean(axis=1) if self.channels > 1 else block[:, 0]
                    out = resampler.resample_chunk(mono) if resampler else mono
                    if len(out):
                        yield self._emit(out)
                if resampler:
                    tail = resampler.resample_chunk(np.zeros(0, dtype=np.float32), last=True)
                    if len(tail):
                        yield self._emit(tail)
        except RuntimeError as err:  # a file damaged after its header
            raise ValueError(f"unreadable audio: {err}") from None
        if len(self._pending):
            self.envelope.append(float(np.abs(self._pending).max()))

    def _emit(self, samples: np.ndarray) -> np.ndarray:
        wrong = non_finite(samples)
        if wrong:  # clipping keeps NaN: the model would answer from nothing
            raise ValueError(f"non-finite samples: {wrong} (at {self.frames / FAIRSEQ_SAMPLE_RATE:.2f} s); the "
                             f"audio is damaged")
        samples = np.clip(samples, -1.0, 1.0).astype(np.float32)  # as audio_cache.convert does
        self.frames += len(samples)
        frame = int(ENVELOPE_SECONDS * FAIRSEQ_SAMPLE_RATE)
        data = np.concatenate([self._pending, samples])
        n = len(data) // frame
        if n:
            self.envelope.extend(np.abs(data[:n * frame]).reshape(n, frame).max(axis=1).tolist())
        self._pending = data[n * frame:]
        return samples


MAX_CHANNELS = 8   # more rows than this in a 2-D array are frames, not channels


class ArrayStream(AudioStream):
    """Samples in memory, converted exactly as AudioStream converts a file (one block)."""

    def __init__(self, samples, sample_rate: int):
        data = np.asarray(samples)
        if data.ndim not in (1, 2) or data.size == 0:
            raise ValueError(f"samples: expected a non-empty 1-D or (frames, channels) array, got shape {data.shape}")
        if data.ndim == 2 and data.shape[0] <= MAX_CHANNELS < data.shape[1]:
            raise ValueError(f"samples of shape {data.shape} look channels-first (channels, frames), the torchaudio "
                             f"layout; pass (frames, channels), e.g. samples.T")
        if data.dtype == np.int16:
            data = data.astype(np.float32) / 32768.0
        self._data = data.reshape(len(data), -1).astype(np.float32)
        self.rate, self.channels = int(sample_rate), self._data.shape[1]
        self.frames = 0
        self.envelope: List[float] = []
        self._pending = np.zeros(0, dtype=np.float32)

    def __iter__(self):
        import soxr

        mono = self._data.mean(axis=1) if self.channels > 1 else self._data[:, 0]
        if self.rate != FAIRSEQ_SAMPLE_RATE:
            mono = soxr.resample(mono, self.rate, FAIRSEQ_SAMPLE_RATE, quality="VHQ").astype(np.float32)
        yield self._emit(mono)


def check_length(frames: int) -> None:
    """16 kHz samples read from a file or array -> nothing, or why the model cannot use them."""
    if not frames:
        raise ValueError("empty audio file (0 samples)")
    if frames < MIN_SECONDS * FAIRSEQ_SAMPLE_RATE:
        raise ValueError(f"too short: {frames / FAIRSEQ_SAMPLE_RATE:.3f} s (at least {MIN_SECONDS} s needed)")


def load_audio(path: str):
    """-> (16 kHz mono float32 samples, original rate, original channel count): the whole file at once, for
    short inputs and the Python API; predict itself streams (AudioStream)."""
    stream = AudioStream(path)
    parts = list(stream)
    check_length(stream.frames)
    return np.concatenate(parts), stream.rate, stream.channels


M_MMAP_THRESHOLD = -3  # glibc mallopt parameter


def allocate_large_buffers_with_mmap() -> None:
    """Chunks differ in length, so their tensors rarely fit the holes earlier chunks left in the heap, and peak RSS
    would grow with the recording's length (measured: 20 s -> 462 MiB, 3 min -> 683 MiB). Serving allocations of
    64 KiB and more by mmap returns them to the OS when freed, which keeps memory bounded by the chunk size."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.mallopt(M_MMAP_THRESHOLD, 64 * 1024)
    except (OSError, AttributeError):  # not glibc: nothing to tune
        pass
