"""The report's figures from results (results.py, or a results.json read back) -> PNG files (matplotlib, Agg).

`confusion_figure`: one run's pooled confusion matrix (Table 2 as a picture); `loss_figure`: the training loss of
every fold of every run (the paper's Figure 4), from the curves results.py read out of each fold's train.log.
"""
from typing import Dict

from fairseq_emo.core.atomic import write_with
from fairseq_emo.core.emotions import EMOTION_NAMES, EMOTIONS


def _pyplot():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


def confusion_figure(run: Dict, path: str) -> None:
    plt = _pyplot()
    m = run["confusion"]
    classes = run.get("classes") or EMOTIONS   # results.json before label sets: the paper's four
    names = [EMOTION_NAMES[e] for e in classes]
    size = max(4.0, 0.6 * len(classes) + 2)   # room for eight class names
    fig, ax = plt.subplots(figsize=(size + 0.6, size))
    rows = [[v / max(1, sum(r)) for v in r] for r in m]
    ax.imshow(rows, cmap="Blues", vmin=0, vmax=1)
    for i in range(len(classes)):
        for j in range(len(classes)):
            ax.text(j, i, str(m[i][j]), ha="center", va="center", color="black" if rows[i][j] < 0.6 else "white")
    ax.set_xticks(range(len(classes)), names, rotation=45 if len(classes) > 4 else 0)
    ax.set_yticks(range(len(classes)), names)
    ax.set_xlabel("predicted emotion")
    ax.set_ylabel("target emotion")
    acc = run["accuracy"]
    ax.set_title(f"{run['run']}: WA {acc['WA']:.1f}%  UA {acc['UA']:.1f}%", fontsize=10)
    fig.tight_layout()
    try:   # whole or not at all (a full disk): atomic.write_with names the file, leaves no temporary
        write_with(path, lambda tmp: fig.savefig(tmp, dpi=120, format="png"))
    finally:
        plt.close(fig)


def unit_emotion_figure(run: Dict, path: str) -> bool:
    """Per reference unit body, the share of aligned decoded units carrying the true emotion (with its 95 %
    interval: unit_emotion.py), bodies seen at least min_count times, sorted. -> whether there was anything to draw."""
    u = run.get("unit_emotion")
    if not u:
        return False
    bodies = sorted((b for b, s in u["bodies"].items() if s["n"] >= u["min_count"]),
                    key=lambda b: -u["bodies"][b]["share"])
    if not bodies:
        return False
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(max(4.0, 0.3 * len(bodies) + 1.5), 3.2))
    shares = [u["bodies"][b]["share"] for b in bodies]
    low = [s - u["bodies"][b]["ci"][0] for s, b in zip(shares, bodies)]
    high = [u["bodies"][b]["ci"][1] - s for s, b in zip(shares, bodies)]
    ax.bar(range(len(bodies)), shares, yerr=[low, high], color="#4c72b0", capsize=2)
    ax.set_xticks(range(len(bodies)), bodies, rotation=90, fontsize=7)
    ax.set_ylabel("carrying the true emotion (%)")
    ax.set_ylim(0, 100)
    ax.set_title(f"{run['run']}: emotion per unit", fontsize=10)
    fig.tight_layout()
    try:   # whole or not at all (a full disk): atomic.write_with names the file, leaves no temporary
        write_with(path, lambda tmp: fig.savefig(tmp, dpi=120, format="png"))
    finally:
        plt.close(fig)
    return True


def has_loss_curves(results: Dict) -> bool:
    return any(s.get("loss_curves") for sec in results["schemes"].values() for s in sec["runs"])


def loss_figure(results: Dict, path: str) -> bool:
    """-> whether there was a curve to draw (and so a file written)."""
    if not has_loss_curves(results):
        return False
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6, 3.6))
    for scheme in results["scheme_order"]:
        for s in results["schemes"][scheme]["runs"]:
            for fold, curve in sorted(s.get("loss_curves", {}).items(), key=lambda kv: int(kv[0][4:])):
                ax.plot([u for u, _ in curve], [v for _, v in curve], lw=0.8, label=f"{s['run']} {fold}")
    ax.set_xlabel("updates")
    ax.set_ylabel("training loss (CTC, base 2)")
    if all(v > 0 for sec in results["schemes"].values() for s in sec["runs"]
           for curve in s.get("loss_curves", {}).values() for _, v in curve):
        ax.set_yscale("log")  # a tiny run can log a loss of 0 at its last updates: then the scale stays linear
    ax.legend(fontsize=6, ncol=2)
    fig.tight_layout()
    try:   # whole or not at all (a full disk): atomic.write_with names the file, leaves no temporary
        write_with(path, lambda tmp: fig.savefig(tmp, dpi=120, format="png"))
    finally:
        plt.close(fig)
    return True
