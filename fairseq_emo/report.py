"""The paper's tables and figures from a finished run: exp/<corpus>/<unit>/fold*/ -> report.md + PNGs.

Reads, per unit dir and fold: DONE (checkpoint rule, config, fold data), the fold's fold.json (scheme, counts),
decode_<split>/pred.txt + ref_emotions.txt (the vote), <unit dir>/scores_<split>.tsv (sclite), train.log
(fairseq's json log). Writes into <corpus exp>/report/: report.md with Table 1 (WA/UA per unit type), Table 2
(confusion matrix per unit type), Table 3 (unit error rates with S/D/I and N, with and without emotion), a
confusion-matrix PNG per unit and the training-loss curves (the paper's Figure 4).
"""
import glob
import json
import os
import re
from typing import Dict, List

from fairseq_emo.emotions import EMOTION_NAMES, EMOTIONS
from fairseq_emo.fold_run import log_records, read_done
from fairseq_emo.vote import accuracy_from_confusion, confusion, read_emotions

UNIT_ORDER = ["phoneme", "bpc", "syllable", "utterance", "initfinal"]


def _fold_dirs(unit_dir: str, split: str):
    """(evaluated fold dirs, fold dirs left out with the reason), both in fold order."""
    dirs = sorted((d for d in glob.glob(os.path.join(unit_dir, "fold*")) if re.search(r"fold\d+$", d)),
                  key=lambda d: int(re.search(r"fold(\d+)$", d).group(1)))
    evaluated, left_out = [], []
    for d in dirs:
        if not os.path.isfile(os.path.join(d, "DONE")):
            left_out.append((os.path.basename(d), "training not finished"))
        elif not os.path.isfile(os.path.join(d, f"decode_{split}", "pred.txt")):
            left_out.append((os.path.basename(d), f"not decoded and voted ({split})"))
        else:
            evaluated.append(d)
    return evaluated, left_out


def unit_summary(unit_dir: str, split: str = "test") -> Dict:
    """Pooled confusion, WA/UA, per-fold accuracies, protocol and scores of one unit type."""
    folds, left_out = _fold_dirs(unit_dir, split)
    if not folds:
        return {"unit": os.path.basename(unit_dir), "left_out": left_out} if left_out else {}
    reference, predicted, per_fold, protocol = {}, {}, [], None
    for d in folds:
        ref = read_emotions(os.path.join(d, f"decode_{split}", "ref_emotions.txt"))
        pred = read_emotions(os.path.join(d, f"decode_{split}", "pred.txt"))
        acc = accuracy_from_confusion(confusion(ref, pred))
        done = read_done(d)
        with open(os.path.join(done["data"], "fold.json")) as f:
            info = json.load(f)
        per_fold.append({"fold": os.path.basename(d), "test_group": info["test_group"], "n": len(ref), **acc})
        reference.update(ref)
        predicted.update(pred)
        protocol = protocol or {"corpus": info["corpus"], "scheme": info["scheme"], "config": done["config"],
                                "checkpoint_rule": done["checkpoint_rule"], "w2v": done["w2v"],
                                "unit_variant": info["unit_variant"]}
    matrix = confusion(reference, predicted)
    scores = {}
    tsv = os.path.join(unit_dir, f"scores_{split}.tsv")
    if os.path.isfile(tsv):
        with open(tsv) as f:
            header = f.readline().rstrip("\n").split("\t")
            for line in f:
                row = dict(zip(header, line.rstrip("\n").split("\t")))
                if row["fold"] == "pooled":
                    scores[row["view"]] = row
    return {"unit": os.path.basename(unit_dir), "folds": per_fold, "left_out": left_out, "confusion": matrix,
            "accuracy": accuracy_from_confusion(matrix), "n": len(reference), "protocol": protocol,
            "scores": scores}


def loss_curves(fold_dir: str):
    """(updates, train losses), (updates, valid losses) from a fold's train.log (last attempt wins)."""
    log = os.path.join(fold_dir, "train.log")
    if not os.path.isfile(log):
        return [], []
    with open(log, errors="replace") as f:
        lines = f.readlines()
    # keyed by update: a resumed run logs some updates twice, the later attempt wins
    train = {int(r["num_updates"]): float(r["loss"]) for r in log_records(lines, "train_inner")}
    valid = {int(r["valid_num_updates"]): float(r["valid_loss"]) for r in log_records(lines, "valid")}
    return sorted(train.items()), sorted(valid.items())


def _plot_confusion(summary: Dict, path: str) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    m = summary["confusion"]
    names = [EMOTION_NAMES[e] for e in EMOTIONS]
    fig, ax = plt.subplots(figsize=(4.6, 4))
    rows = [[v / max(1, sum(r)) for v in r] for r in m]
    ax.imshow(rows, cmap="Blues", vmin=0, vmax=1)
    for i in range(4):
        for j in range(4):
            ax.text(j, i, str(m[i][j]), ha="center", va="center", color="black" if rows[i][j] < 0.6 else "white")
    ax.set_xticks(range(4), names)
    ax.set_yticks(range(4), names)
    ax.set_xlabel("predicted emotion")
    ax.set_ylabel("target emotion")
    acc = summary["accuracy"]
    ax.set_title(f"{summary['unit']}: WA {acc['WA']:.1f}%  UA {acc['UA']:.1f}%", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def _plot_losses(unit_dirs: List[str], path: str) -> bool:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 3.6))
    drawn = False
    for unit_dir in unit_dirs:
        for d in sorted(glob.glob(os.path.join(unit_dir, "fold*"))):
            train, _ = loss_curves(d)
            if train:
                ax.plot([u for u, _ in train], [v for _, v in train], lw=0.8,
                        label=f"{os.path.basename(unit_dir)} {os.path.basename(d)}")
                drawn = True
    if drawn:
        ax.set_xlabel("updates")
        ax.set_ylabel("training loss (CTC, base 2)")
        ax.set_yscale("log")
        ax.legend(fontsize=6, ncol=2)
        fig.tight_layout()
        fig.savefig(path, dpi=120)
    plt.close(fig)
    return drawn


def _test_unit(scheme: str) -> str:
    """'speaker' -> 'one speaker'; 'speaker-k7' -> 'one of 7 groups of speakers'."""
    if "-k" in scheme:
        base, k = scheme.split("-k", 1)
        return f"one of {k} groups of {base}s"
    return f"one {scheme}"


def write_report(corpus_exp: str, split: str = "test") -> List[Dict]:
    """Build report/ under corpus_exp; returns the unit summaries (for RESULT lines)."""
    # <unit>.all dirs hold the cross-corpus models (no test fold): they are reported by cross_report.py.
    unit_dirs = sorted((d for d in glob.glob(os.path.join(corpus_exp, "*")) if os.path.isdir(d)
                        and os.path.basename(d) != "report" and not d.endswith(".all")),
                       key=lambda d: (UNIT_ORDER.index(os.path.basename(d).split(".")[0].split("-")[0])
                                      if os.path.basename(d).split(".")[0].split("-")[0] in UNIT_ORDER else 9, d))
    all_summaries = [s for s in (unit_summary(d, split) for d in unit_dirs) if s]
    summaries = [s for s in all_summaries if s.get("folds")]
    if not summaries:
        raise FileNotFoundError(f"no decoded and voted folds under {corpus_exp} (stages decode, score, vote first)")
    out = os.path.join(corpus_exp, "report")
    os.makedirs(out, exist_ok=True)
    p = summaries[0]["protocol"]
    lines = [f"# Results: {p['corpus']}", "",
             f"Protocol: corpus `{p['corpus']}`, fold scheme `{p['scheme']}` (test = {_test_unit(p['scheme'])} "
             f"per fold), "
             f"config `{p['config']}`, pre-trained model `{os.path.basename(p['w2v'])}`, test checkpoint rule: "
             f"{p['checkpoint_rule']}. Emotion per utterance by majority vote of the decoded units "
             f"(ties: posterior mass, then neutral > happy > angry > sad). Split: `{split}`.", "",
             "## Table 1: emotion recognition accuracy", "",
             "| units | folds | test utterances | WA % | UA % |", "|---|---|---|---|---|"]
    for s in summaries:
        lines.append(f"| {s['unit']} | {len(s['folds'])} | {s['n']} | {s['accuracy']['WA']:.1f} | "
                     f"{s['accuracy']['UA']:.1f} |")
    lines += ["", "Per fold (test group: WA / UA, n):", ""]
    for s in summaries:
        lines.append(f"- {s['unit']}: " + "; ".join(f"{f['test_group']} {f['WA']:.1f}/{f['UA']:.1f} (n={f['n']})"
                                                   for f in s["folds"]))
    left_out = [(s["unit"], fold, why) for s in all_summaries for fold, why in s["left_out"]]
    if left_out:
        lines += ["", f"Left out of these tables ({len(left_out)} fold(s)): "
                  + "; ".join(f"{u} {fold}: {why}" for u, fold, why in left_out)]
    lines += ["", "## Table 2: confusion matrices (rows = target, columns = predicted)", ""]
    header = "| target \\ predicted | " + " | ".join(EMOTION_NAMES[e] for e in EMOTIONS) + " |"
    for s in summaries:
        lines += [f"**{s['unit']}** ({s['n']} utterances, pooled over {len(s['folds'])} folds; "
                  f"![confusion](confusion_{s['unit']}.png))", "", header, "|---" * 5 + "|"]
        lines += [f"| {EMOTION_NAMES[e]} | " + " | ".join(str(v) for v in row) + " |"
                  for e, row in zip(EMOTIONS, s["confusion"])]
        lines.append("")
        _plot_confusion(s, os.path.join(out, f"confusion_{s['unit']}.png"))
    lines += ["## Table 3: unit error rates (sclite), pooled over folds", "",
              "| units | N | with emotion: Err (Sub, Del, Ins) % | without emotion: Err (Sub, Del, Ins) % |",
              "|---|---|---|---|"]
    for s in summaries:
        if "emo" in s["scores"]:
            e, n = s["scores"]["emo"], s["scores"]["noemo"]
            lines.append(f"| {s['unit']} | {e['N']} | {float(e['Err']):.1f} ({float(e['Sub']):.1f}, "
                         f"{float(e['Del']):.1f}, {float(e['Ins']):.1f}) | {float(n['Err']):.1f} "
                         f"({float(n['Sub']):.1f}, {float(n['Del']):.1f}, {float(n['Ins']):.1f}) |")
        else:
            lines.append(f"| {s['unit']} | not scored | | |")
    if _plot_losses(unit_dirs, os.path.join(out, "training_loss.png")):
        lines += ["", "## Figure 4: training loss", "", "![training loss](training_loss.png)"]
    with open(os.path.join(out, "report.md"), "w") as f:
        f.write("\n".join(lines) + "\n")
    return all_summaries
