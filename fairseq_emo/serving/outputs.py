"""predict's results -> the other files a user asks for: NIST CTM lines (`--ctm`), a timeline plot (`--plot`)."""
import os
from typing import Dict, List, Optional

import numpy as np

from fairseq_emo.core.emotions import CLASSES, EMOTION_NAMES
from fairseq_emo.serving.audio_input import AudioStream, ENVELOPE_SECONDS


def ctm_lines(results: List[Dict]) -> List[str]:
    """NIST CTM: '<id> 1 <start> <duration> <unit>_<emotion> <posterior>' per decoded unit (the recording field is
    the input's id: unique and stable, predict_inputs.py)."""
    lines = []
    for r in results:
        for c in r.get("chunks", []):
            for u in c["timeline"]:
                token = f"{u['unit']}_{u['emotion']}" if u["emotion"] else u["unit"]
                lines.append(f"{r['id']} 1 {u['start']:.2f} {u['end'] - u['start']:.2f} "
                             f"{token} {u['posterior']:.4f}")
    return lines


def plot_timeline(result: Dict, path: str, envelope: Optional[List[float]] = None) -> None:
    """Waveform envelope with each decoded unit's span coloured by its emotion. `envelope`: the 20-ms peaks
    predict_file collected (drawn without reading the file again); without it the file is read."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch


    # the paper's four keep their colours; other classes take matplotlib's tab10 in class order
    classes = list(result["scores"]) or list(CLASSES)   # the model's label set (its scores' keys)
    palette = iter(matplotlib.colormaps["tab10"].colors)
    colours = {e: {"neu": "#9e9e9e", "hap": "#f2b705", "ang": "#d7263d", "sad": "#1b63b5"}.get(e) or next(palette)
               for e in classes}
    if envelope is None:
        stream = AudioStream(result["file"])
        for _ in stream:
            pass
        envelope = stream.envelope
    peaks = np.asarray(envelope, dtype=np.float32)
    # each unit's emotion painted into the same 20-ms grid: one colour strip, however many units (one patch
    # per unit made a 2-hour plot of a busy model cost hundreds of MiB)
    emotion_index = np.full(len(peaks), -1, dtype=np.int8)
    for c in result["chunks"]:
        for u in c["timeline"]:
            if u["emotion"] in colours:
                lo, hi = int(u["start"] / ENVELOPE_SECONDS), max(int(u["start"] / ENVELOPE_SECONDS) + 1,
                                                                  int(round(u["end"] / ENVELOPE_SECONDS)))
                emotion_index[lo:hi] = classes.index(u["emotion"])
    step = max(1, len(peaks) // 20000)  # at most 20,000 columns: a 2-hour file stays a small drawing
    if step > 1:
        n = len(peaks) // step
        peaks = peaks[:n * step].reshape(n, step).max(axis=1)
        blocks = emotion_index[:n * step].reshape(n, step)
        counts = np.stack([(blocks == k).sum(axis=1) for k in range(len(classes))], axis=1)
        emotion_index = np.where(counts.max(axis=1) > 0, counts.argmax(axis=1), -1).astype(np.int8)
    t = np.arange(len(peaks)) * ENVELOPE_SECONDS * step
    fig, ax = plt.subplots(figsize=(10, 3))
    peak = float(peaks.max()) if len(peaks) else 1.0
    peak = peak or 1.0
    rgba = np.zeros((1, len(emotion_index), 4))
    for k, e in enumerate(classes):
        rgba[0, emotion_index == k] = matplotlib.colors.to_rgba(colours[e], alpha=0.45)
    ax.imshow(rgba, aspect="auto", interpolation="nearest", origin="lower",
              extent=(0, len(peaks) * ENVELOPE_SECONDS * step, -peak, peak))
    ax.fill_between(t, -peaks, peaks, color="black", lw=0)
    for c in result["chunks"][1:]:
        ax.axvline(c["start"], color="#555555", lw=0.5, ls=":")  # chunk cuts
    ax.set_ylim(-peak, peak)
    ax.set_xlabel("seconds")
    ax.set_yticks([])
    verdict = (f"{EMOTION_NAMES[result['emotion']]} (vote share {result['vote_share']:.2f}, posterior mass "
               f"{result['mass_share']:.2f})" if result["emotion"] else "no speech decoded (no unit)")
    ax.set_title(f"{result.get('id') or os.path.basename(result['file'])}: {verdict}", fontsize=10)
    ax.set_xlim(0, max(len(peaks) * ENVELOPE_SECONDS * step, 1e-3))
    ax.legend(handles=[Patch(color=colours[e], alpha=0.6, label=EMOTION_NAMES[e]) for e in classes],
              loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=7, frameon=False)  # off the waveform
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
