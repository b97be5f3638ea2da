"""Unit error rates as SCTK sclite computes them: ref/hyp trn files -> Corr/Sub/Del/Ins/Err counts.

Two scorers give the same numbers:
- `sclite`: the real tool (Debian package sctk; `sctk sclite` or /usr/lib/sctk/bin/sclite); its reports are kept.
- `python`: sclite's alignment re-done here, a labelled fallback when sclite is not installed. sclite aligns
  with weighted costs (substitution 4, insertion 3, deletion 3, match 0), so the split into S/D/I can differ
  from a plain Levenshtein count with the same total; among equal-cost alignments sclite's choice is
  reproduced (checked against sclite on random pairs by the tests).
"""
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Tuple

from fairseq_emo.core import layout
from fairseq_emo.core.atomic import write_text
from fairseq_emo.decoding.trn import read_trn

SUB_COST, INS_COST, DEL_COST = 4, 3, 3
SCLITE_INSTALL = ("sclite (SCTK) not found: install the Debian package with `apt-get install sctk` "
                  "(scripts/setup.sh does this as root), or use --scorer python, the labelled fallback")


@dataclass
class Counts:
    corr: int = 0
    sub: int = 0
    dele: int = 0
    ins: int = 0

    @property
    def n(self) -> int:
        """Reference tokens."""
        return self.corr + self.sub + self.dele

    @property
    def errors(self) -> int:
        return self.sub + self.dele + self.ins

    def __add__(self, other: "Counts") -> "Counts":
        return Counts(self.corr + other.corr, self.sub + other.sub, self.dele + other.dele, self.ins + other.ins)

    def percent(self, value: int) -> float:
        return 100.0 * value / self.n if self.n else float("nan")

    def line(self) -> str:
        """'N=9 Corr=55.6% Sub=11.1% Del=33.3% Ins=11.1% Err=55.6%'."""
        p = self.percent
        return (f"N={self.n} Corr={p(self.corr):.1f}% Sub={p(self.sub):.1f}% Del={p(self.dele):.1f}% "
                f"Ins={p(self.ins):.1f}% Err={p(self.errors):.1f}%")


def alignment(ref: Sequence[str], hyp: Sequence[str]) -> List[Tuple[Optional[int], Optional[int]]]:
    """Minimum-cost alignment with sclite's weights, ties resolved the way sclite resolves them -> (ref index,
    hyp index) pairs in order: both for a match or substitution, (i, None) a deletion, (None, j) an insertion."""
    R, H = len(ref), len(hyp)
    cost = [[0] * (H + 1) for _ in range(R + 1)]
    for i in range(1, R + 1):
        cost[i][0] = i * DEL_COST
    for j in range(1, H + 1):
        cost[0][j] = j * INS_COST
    for i in range(1, R + 1):
        for j in range(1, H + 1):
            diag = cost[i - 1][j - 1] + (0 if ref[i - 1] == hyp[j - 1] else SUB_COST)
            cost[i][j] = min(diag, cost[i - 1][j] + DEL_COST, cost[i][j - 1] + INS_COST)
    pairs = []
    i, j = R, H
    while i > 0 or j > 0:
        # backtrace preference among equal-cost moves: match/substitution, then insertion, then deletion
        if i > 0 and j > 0 and cost[i][j] == cost[i - 1][j - 1] + (0 if ref[i - 1] == hyp[j - 1] else SUB_COST):
            pairs.append((i - 1, j - 1))
            i, j = i - 1, j - 1
        elif j > 0 and cost[i][j] == cost[i][j - 1] + INS_COST:
            pairs.append((None, j - 1))
            j -= 1
        else:
            pairs.append((i - 1, None))
            i -= 1
    return pairs[::-1]


def align_counts(ref: Sequence[str], hyp: Sequence[str]) -> Counts:
    """The alignment's counts: correct, substituted, deleted, inserted."""
    counts = Counts()
    for i, j in alignment(ref, hyp):
        if i is None:
            counts.ins += 1
        elif j is None:
            counts.dele += 1
        elif ref[i] == hyp[j]:
            counts.corr += 1
        else:
            counts.sub += 1
    return counts


def _paired(ref_path: str, hyp_path: str) -> List[Tuple[str, List[str], List[str]]]:
    refs, hyps = read_trn(ref_path), read_trn(hyp_path)
    missing = [i for i in refs if i not in hyps]
    extra = [i for i in hyps if i not in refs]
    if missing or extra:
        raise ValueError(f"{hyp_path} and {ref_path} hold different utterances: {len(missing)} missing from the "
                         f"hypothesis (e.g. {missing[:3]}), {len(extra)} not in the reference (e.g. {extra[:3]})")
    return [(i, refs[i], hyps[i]) for i in refs]


def score_python(ref_path: str, hyp_path: str) -> Tuple[Counts, Dict[str, Counts]]:
    """Total and per-utterance counts."""
    per_utt = {i: align_counts(r, h) for i, r, h in _paired(ref_path, hyp_path)}
    total = Counts()
    for c in per_utt.values():
        total = total + c
    return total, per_utt


def sclite_command() -> List[str]:
    """How to call sclite here, or raise with the install instruction."""
    if os.path.isfile("/usr/lib/sctk/bin/sclite") and os.access("/usr/lib/sctk/bin/sclite", os.X_OK):
        return ["/usr/lib/sctk/bin/sclite"]
    if shutil.which("sclite"):
        return ["sclite"]
    if shutil.which("sctk"):
        return ["sctk", "sclite"]
    raise FileNotFoundError(SCLITE_INSTALL)


PRA_ID = re.compile(r"^id: \((\S+)\)")
PRA_SCORES = re.compile(r"^Scores: \(#C #S #D #I\) (\d+) (\d+) (\d+) (\d+)")


def score_sclite(ref_path: str, hyp_path: str, out_dir: str, name: str = "score") -> Tuple[Counts, Dict[str, Counts]]:
    """Run sclite (reports sum, pra, dtl kept in out_dir as <name>.*); counts parsed from its .pra alignments."""
    _paired(ref_path, hyp_path)  # same ids on both sides, or a clear error (sclite would skip silently)
    os.makedirs(out_dir, exist_ok=True)
    cmd = sclite_command() + ["-r", os.path.abspath(ref_path), "trn", "-h", os.path.abspath(hyp_path), "trn",
                              "-i", "rm", "-o", "sum", "pra", "dtl", "-O", os.path.abspath(out_dir), "-n", name]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    pra = os.path.join(out_dir, f"{name}.pra")
    if proc.returncode != 0 or not os.path.isfile(pra):
        raise RuntimeError(f"sclite failed ({proc.returncode}): {' '.join(cmd)}\n{proc.stdout[-2000:]}{proc.stderr[-2000:]}")
    per_utt: Dict[str, Counts] = {}
    current = None
    with open(pra, encoding="utf-8", errors="replace") as f:
        for line in f:
            m = PRA_ID.match(line)
            if m:
                current = m.group(1)
                continue
            m = PRA_SCORES.match(line)
            if m and current is not None:
                c, s, d, i = map(int, m.groups())
                per_utt[current] = Counts(c, s, d, i)
                current = None
    total = Counts()
    for c in per_utt.values():
        total = total + c
    return total, per_utt


def score(ref_path: str, hyp_path: str, scorer: str = "sclite", out_dir: str = None, name: str = "score"):
    """Dispatch by scorer name; sclite needs out_dir for its reports. A reference without any unit is an error
    for both scorers alike (sclite would crash, and a rate over N = 0 means nothing)."""
    if sum(len(tokens) for tokens in read_trn(ref_path).values()) == 0:
        raise ValueError(f"{ref_path}: the reference holds no unit (no utterance, or only empty ones): nothing to "
                         f"score. A test-only set without transcripts is voted, not scored")
    if scorer == "sclite":
        return score_sclite(ref_path, hyp_path, out_dir or os.path.dirname(os.path.abspath(hyp_path)), name)
    if scorer == "python":
        return score_python(ref_path, hyp_path)
    raise ValueError(f"unknown scorer {scorer!r}: sclite or python")


VIEWS = layout.VIEWS  # decode.py's two trn pairs: with the emotion suffix, and without it (names: layout)
# the row of counts summed over a run's folds (the paper's Table 3); files written before it had this name
# called it 'pooled', which now only names the same-backbone classifier (units.UNIT_TYPES)
ALL_FOLDS = "all"
_OLD_ALL_FOLDS = "pooled"
TABLE_HEADER = ("fold", "view", "N", "Corr", "Sub", "Del", "Ins", "Err", "n_corr", "n_sub", "n_del", "n_ins")


def score_run(run: str, split: str = "test", scorer: str = "sclite") -> List[Tuple[str, str, Counts]]:
    """A run's decoded folds -> [(fold, view, Counts)] for every fold (fold order), then (ALL_FOLDS, view, the
    counts summed over folds: the paper's Table 3 rows). sclite's reports stay in each fold's decode_<split>/<view>/."""
    folds = [f for f in layout.fold_dirs(run) if os.path.isdir(layout.decode_dir(f, split))]
    if not folds:
        raise FileNotFoundError(f"no {run}/fold*/decode_{split}/ (run scripts/decode.py first)")
    rows, summed = [], {view: Counts() for view in VIEWS}
    for fold in folds:
        dec = layout.decode_dir(fold, split)
        for view in VIEWS:
            total, _ = score(layout.trn(dec, view, "ref"), layout.trn(dec, view, "hyp"), scorer,
                             os.path.join(dec, view), name=scorer)
            rows.append((os.path.basename(fold), view, total))
            summed[view] = summed[view] + total
    return rows + [(ALL_FOLDS, view, summed[view]) for view in VIEWS]


def write_scores_table(path: str, rows: Sequence[Tuple[str, str, Counts]]) -> None:
    """[(fold, view, Counts)] -> scores_<split>.tsv (percentages and raw counts; read back by the report)."""
    lines = ["\t".join(TABLE_HEADER)]
    for fold, view, c in rows:
        p = c.percent
        lines.append(f"{fold}\t{view}\t{c.n}\t{p(c.corr):.2f}\t{p(c.sub):.2f}\t{p(c.dele):.2f}\t{p(c.ins):.2f}\t"
                     f"{p(c.errors):.2f}\t{c.corr}\t{c.sub}\t{c.dele}\t{c.ins}")
    write_text(path, "\n".join(lines) + "\n")


def read_scores_table(path: str) -> Dict[str, Dict[str, Dict[str, str]]]:
    """scores_<split>.tsv -> {fold or ALL_FOLDS: {view: row}}; {} when the run was not scored."""
    out: Dict[str, Dict[str, Dict[str, str]]] = {}
    if os.path.isfile(path):
        with open(path, encoding="utf-8") as f:
            header = f.readline().rstrip("\n").split("\t")
            for line in f:
                row = dict(zip(header, line.rstrip("\n").split("\t")))
                fold = ALL_FOLDS if row["fold"] == _OLD_ALL_FOLDS else row["fold"]
                out.setdefault(fold, {})[row["view"]] = row
    return out
