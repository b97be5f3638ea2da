"""Long audio -> chunks the model can decode at once: cut at the quietest 20-ms frame of each chunk's last quarter,
so a cut rarely falls inside a unit. Used by predict (recordings of any length) and decode (test utterances longer
than a minute), so both cut the same way.
"""
from typing import Iterable, List

import numpy as np

from fairseq_emo.core.audio import FAIRSEQ_SAMPLE_RATE
from fairseq_emo.data.label_check import MIN_SAMPLES
from fairseq_emo.decoding.ctc_greedy import FRAME_SECONDS


def _cut(samples: np.ndarray, limit: int) -> int:
    """Where a chunk of more than `limit` samples is cut: the quietest 20-ms frame of its last quarter."""
    frame = int(FRAME_SECONDS * FAIRSEQ_SAMPLE_RATE)
    lo = limit * 3 // 4
    window = samples[lo:limit]
    n = len(window) // frame
    energy = (window[:n * frame].astype(np.float64).reshape(n, frame) ** 2).mean(axis=1)   # float64: as the export's copy
    return lo + int(np.argmin(energy)) * frame


def stream_chunks(blocks: Iterable[np.ndarray], chunk_seconds: float):
    """16 kHz blocks -> (start sample, chunk) of at most chunk_seconds, cut at the quietest frame of each chunk's
    last quarter; holds at most two chunks plus one block in memory. A final remainder shorter than one CNN
    frame (400 samples) joins the chunk before it instead of being decoded alone."""

    limit = int(chunk_seconds * FAIRSEQ_SAMPLE_RATE)
    buffer, start, held = np.zeros(0, dtype=np.float32), 0, None
    for block in blocks:
        buffer = np.concatenate([buffer, block])
        while len(buffer) > limit:
            cut = _cut(buffer, limit)
            if held is not None:
                yield held
            held = (start, buffer[:cut])
            start, buffer = start + cut, buffer[cut:]
    if held is not None and 0 < len(buffer) < MIN_SAMPLES:
        held, buffer = (held[0], np.concatenate([held[1], buffer])), buffer[:0]
    if held is not None:
        yield held
    if len(buffer):
        yield start, buffer


def chunk_bounds(samples: np.ndarray, chunk_seconds: float) -> List[tuple]:
    """[(start, end)] sample ranges of at most chunk_seconds (stream_chunks over an array in memory)."""
    return [(start, start + len(chunk)) for start, chunk in stream_chunks([samples], chunk_seconds)]
