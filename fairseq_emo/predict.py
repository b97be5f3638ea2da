"""Emotion of your own recordings: audio files -> per-file and per-chunk emotions with a unit-level timeline.

    from fairseq_emo import predict
    results = predict.predict(["talk.flac"], checkpoint="exp/iemocap/bpc/fold1/checkpoints/checkpoint_last.pt")
    results[0]["emotion"], results[0]["chunks"][0]["timeline"][:3]

Input: any file soundfile reads (wav, flac, ogg, ...), any sample rate (resampled to 16 kHz with soxr), any
channel count (averaged to mono; the result says so). Long recordings are cut into chunks of at most
`chunk_seconds` (default 20 s): each cut is placed at the quietest 20-ms frame of the chunk's last quarter, so
memory stays bounded, no audio is decoded twice, and a cut rarely falls inside a unit (fixed windows with
overlap would decode the overlap twice and need a rule for units seen in both windows).
Output per file: emotion of the whole file (vote over all its units; ties and empty hypotheses by posterior
mass), confidence as vote share and posterior-mass share, and per chunk the same plus the decoded units and the
timeline (unit, emotion, start, end, posterior, in seconds from the file's start).
A file that cannot be used (unreadable, empty, shorter than MIN_SECONDS) gets an `error` and no emotion; the
other files go on.
"""
import ctypes
import ctypes.util
import glob
import os
from typing import Dict, Iterable, List, Optional

import numpy as np
import soundfile
import torch

from fairseq_emo.audio import FAIRSEQ_SAMPLE_RATE
from fairseq_emo.audio_cache import convert
from fairseq_emo.ctc_greedy import FRAME_SECONDS, emotion_mass, greedy_ctc, token_tables
from fairseq_emo.emotions import EMOTIONS
from fairseq_emo.units.suffix import split_token
from fairseq_emo.vote import vote

MIN_SECONDS = 0.1  # wav2vec 2.0's CNN needs 400 samples for one frame; below 0.1 s nothing meaningful is left
AUDIO_EXTENSIONS = {"." + f.lower() for f in soundfile.available_formats()}


def expand_inputs(items: Iterable[str]) -> List[str]:
    """Files, directories (searched recursively for audio extensions) and list files (@list.txt or *.lst)."""
    paths: List[str] = []
    for item in items:
        if item.startswith("@") or item.endswith(".lst"):
            with open(item.lstrip("@"), encoding="utf-8") as f:
                paths.extend(line.strip() for line in f if line.strip() and not line.startswith("#"))
        elif os.path.isdir(item):
            found = [p for p in glob.glob(os.path.join(item, "**", "*"), recursive=True)
                     if os.path.splitext(p)[1].lower() in AUDIO_EXTENSIONS]
            paths.extend(sorted(found))
        else:
            paths.append(item)
    return paths


def load_audio(path: str):
    """-> (16 kHz mono float32 samples, original rate, original channel count)."""
    try:
        data, rate = soundfile.read(path, dtype="float32", always_2d=True)
    except Exception as err:  # soundfile raises several types for damaged files
        raise ValueError(f"unreadable audio: {err}") from None
    if data.shape[0] == 0:
        raise ValueError("empty audio file (0 samples)")
    channels = data.shape[1]
    # exactly the conversion prepare applies to training audio (audio_cache.convert: mono mean, soxr VHQ, clip),
    # so the model hears at prediction what it heard in training
    mono = convert(data if channels > 1 else data[:, 0], rate, "resample")
    if len(mono) < MIN_SECONDS * FAIRSEQ_SAMPLE_RATE:
        raise ValueError(f"too short: {len(mono) / FAIRSEQ_SAMPLE_RATE:.3f} s (at least {MIN_SECONDS} s needed)")
    return np.ascontiguousarray(mono), rate, channels


def chunk_bounds(samples: np.ndarray, chunk_seconds: float) -> List[tuple]:
    """[(start, end)] sample ranges of at most chunk_seconds, cut at the quietest frame of each chunk's last quarter."""
    limit = int(chunk_seconds * FAIRSEQ_SAMPLE_RATE)
    frame = int(FRAME_SECONDS * FAIRSEQ_SAMPLE_RATE)
    bounds, start = [], 0
    while len(samples) - start > limit:
        lo, hi = start + limit * 3 // 4, start + limit
        window = samples[lo:hi]
        n = len(window) // frame
        energy = (window[:n * frame].reshape(n, frame) ** 2).mean(axis=1)
        cut = lo + int(np.argmin(energy)) * frame
        bounds.append((start, cut))
        start = cut
    bounds.append((start, len(samples)))
    return bounds


M_MMAP_THRESHOLD = -3  # glibc mallopt parameter


def _allocate_large_buffers_with_mmap() -> None:
    """Chunks differ in length, so their tensors rarely fit the holes earlier chunks left in the heap, and peak RSS
    would grow with the recording's length (measured: 20 s -> 462 MiB, 3 min -> 683 MiB). Serving allocations of
    64 KiB and more by mmap returns them to the OS when freed, which keeps memory bounded by the chunk size."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.mallopt(M_MMAP_THRESHOLD, 64 * 1024)
    except (OSError, AttributeError):  # not glibc: nothing to tune
        pass


class Predictor:
    """A fine-tuned checkpoint ready to predict; the dictionary is read from dict.*.txt beside the checkpoint
    (run_folds.sh puts it there) or from the fold dir stored in the checkpoint."""

    def __init__(self, checkpoint: str, device: str = "cpu"):
        from fairseq_emo.decode import load_model

        _allocate_large_buffers_with_mmap()
        folder = os.path.dirname(os.path.abspath(checkpoint))
        data = folder if glob.glob(os.path.join(folder, "dict.*.txt")) else None
        self.model, self.task = load_model(checkpoint, data, device)
        self.device = device
        d = self.task.target_dictionary
        self.dictionary = d
        self.delimiter = getattr(self.task.cfg, "emotion_delimiter", "_")
        _, self.emotion_of = token_tables(d.symbols, d.nspecial, self.delimiter)
        self.normalize = bool(getattr(self.task.cfg, "normalize", False))

    @torch.inference_mode()
    def _decode_chunk(self, samples: np.ndarray, offset: float) -> Dict:
        x = torch.from_numpy(samples)
        if self.normalize:
            x = torch.nn.functional.layer_norm(x, x.shape)
        net_output = self.model(source=x.unsqueeze(0).to(self.device), padding_mask=None)
        lp = self.model.get_normalized_probs(net_output, log_probs=True)[:, 0].float().cpu()  # T, V
        timeline = []
        for u in greedy_ctc(lp, self.dictionary.nspecial):
            token = self.dictionary[u.index]
            body, emo = split_token(token, self.delimiter)
            timeline.append({"unit": body, "emotion": emo, "start": round(offset + u.start_frame * FRAME_SECONDS, 3),
                             "end": round(offset + u.end_frame * FRAME_SECONDS, 3), "posterior": round(u.posterior, 4)})
        mass = emotion_mass(lp, self.emotion_of, len(EMOTIONS))
        return {"timeline": timeline, "mass": dict(zip(EMOTIONS, mass.tolist()))}

    def predict_file(self, path: str, chunk_seconds: float = 20.0) -> Dict:
        record: Dict = {"file": path}
        try:
            samples, rate, channels = load_audio(path)
        except (ValueError, OSError) as err:
            record["error"] = str(err)
            return record
        record.update(sample_rate=rate, channels=channels, mixed_to_mono=channels > 1,
                      resampled=rate != FAIRSEQ_SAMPLE_RATE, duration=round(len(samples) / FAIRSEQ_SAMPLE_RATE, 3))
        chunks, all_units, total_mass = [], [], {e: 0.0 for e in EMOTIONS}
        for start, end in chunk_bounds(samples, chunk_seconds):
            decoded = self._decode_chunk(samples[start:end], start / FAIRSEQ_SAMPLE_RATE)
            chunks.append(_summarize(decoded["timeline"], decoded["mass"],
                                     start=round(start / FAIRSEQ_SAMPLE_RATE, 3), end=round(end / FAIRSEQ_SAMPLE_RATE, 3)))
            all_units.extend(decoded["timeline"])
            for e in EMOTIONS:
                total_mass[e] += decoded["mass"][e]
        whole = _summarize(all_units, total_mass)
        record.update(emotion=whole["emotion"], vote_share=whole["vote_share"], mass_share=whole["mass_share"],
                      units=len(all_units), chunks=chunks)
        return record


def _summarize(timeline: List[Dict], mass: Dict[str, float], **extra) -> Dict:
    emotions = [u["emotion"] for u in timeline if u["emotion"]]
    emotion = vote(emotions, mass)
    total = sum(mass.values())
    return dict(extra, emotion=emotion,
                vote_share=round(emotions.count(emotion) / len(emotions), 4) if emotions else 0.0,
                mass_share=round(mass[emotion] / total, 4) if total > 0 else 0.0,
                units=" ".join(f"{u['unit']}{'_' + u['emotion'] if u['emotion'] else ''}" for u in timeline),
                timeline=timeline)


def predict(paths: Iterable[str], checkpoint: str, device: str = "cpu", chunk_seconds: float = 20.0,
            progress: bool = False, predictor: Optional[Predictor] = None) -> List[Dict]:
    """The Python API: one result dict per input file (see the module docstring)."""
    from tqdm import tqdm

    predictor = predictor or Predictor(checkpoint, device)
    files = expand_inputs(paths)
    return [predictor.predict_file(p, chunk_seconds) for p in tqdm(files, disable=not progress, unit="file")]


def ctm_lines(results: List[Dict]) -> List[str]:
    """NIST CTM: '<file> 1 <start> <duration> <unit>_<emotion> <posterior>' per decoded unit."""
    lines = []
    for r in results:
        for c in r.get("chunks", []):
            for u in c["timeline"]:
                token = f"{u['unit']}_{u['emotion']}" if u["emotion"] else u["unit"]
                lines.append(f"{os.path.basename(r['file'])} 1 {u['start']:.2f} {u['end'] - u['start']:.2f} "
                             f"{token} {u['posterior']:.4f}")
    return lines


def plot_timeline(result: Dict, path: str) -> None:
    """Waveform envelope with each decoded unit's span coloured by its emotion."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch

    from fairseq_emo.emotions import EMOTION_NAMES

    colours = {"neu": "#9e9e9e", "hap": "#f2b705", "ang": "#d7263d", "sad": "#1b63b5"}
    samples, _, _ = load_audio(result["file"])
    t = np.arange(len(samples)) / FAIRSEQ_SAMPLE_RATE
    step = max(1, len(samples) // 20000)
    fig, ax = plt.subplots(figsize=(10, 3))
    ax.plot(t[::step], samples[::step], color="black", lw=0.4)
    peak = float(np.abs(samples).max()) or 1.0
    for c in result["chunks"]:
        for u in c["timeline"]:
            if u["emotion"]:
                ax.axvspan(u["start"], u["end"], color=colours[u["emotion"]], alpha=0.45, lw=0)
        ax.axvline(c["start"], color="#555555", lw=0.5, ls=":")
    ax.set_ylim(-peak, peak)
    ax.set_xlabel("seconds")
    ax.set_yticks([])
    ax.set_title(f"{os.path.basename(result['file'])}: {EMOTION_NAMES[result['emotion']]} "
                 f"(vote share {result['vote_share']:.2f}, posterior mass {result['mass_share']:.2f})", fontsize=10)
    ax.legend(handles=[Patch(color=colours[e], alpha=0.6, label=EMOTION_NAMES[e]) for e in EMOTIONS],
              loc="upper right", fontsize=7, ncol=4)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
