"""Paired significance tests for comparing two unit types on the same test utterances (SciPy computes them).

- `mcnemar_exact(b, c)`: utterances right under A only (b) vs B only (c), pooled over folds; two-sided exact
  binomial test of b against Binomial(b + c, 1/2) (the exact McNemar test; scipy.stats.binomtest).
- `wilcoxon_signed_rank(x, y)`: per-fold accuracies of A and B; zero differences dropped (Wilcoxon's rule),
  ties given average ranks, two-sided p from the exact distribution over all 2^n sign patterns of the ranks (n <=
  20; folds are 10 at most in this recipe), the normal approximation beyond. scipy.stats.wilcoxon with
  method="exact" would use the no-ties distribution even when per-fold accuracies tie, so the exact p comes from
  its permutation method, which enumerates the sign patterns of the ranks as they are. With 2 folds the smallest
  possible p is 0.5: fold-level tests need folds.
- `paired_speaker_bootstrap`: the WA/UA difference of two systems with a 95 % interval from resampling test
  speakers (both systems on each resample): the comparison stated as strongly as the speakers support it.
- `mean_sd(values)`: mean and sample standard deviation (n - 1); `holm`: Holm's step-down correction.
"""
import math
from typing import Dict, List, Optional, Sequence, Tuple

from scipy import stats as _scipy

EXACT_UP_TO = 20  # sign patterns enumerated up to this many non-zero differences (2^20 patterns)
BOOTSTRAP_RESAMPLES = 1000  # speaker resamples for the intervals of Table 1


def mcnemar_exact(b: int, c: int) -> float:
    """Two-sided exact McNemar p-value from the two discordant counts."""
    if b + c == 0:
        return 1.0
    return min(1.0, float(_scipy.binomtest(b, b + c, 0.5, alternative="two-sided").pvalue))


def discordant(right_a: Sequence[bool], right_b: Sequence[bool]) -> Tuple[int, int]:
    """(A right and B wrong, A wrong and B right) over paired outcomes."""
    if len(right_a) != len(right_b):
        raise ValueError(f"paired outcomes of different lengths: {len(right_a)} vs {len(right_b)}")
    b = sum(1 for x, y in zip(right_a, right_b) if x and not y)
    c = sum(1 for x, y in zip(right_a, right_b) if y and not x)
    return b, c


def wilcoxon_signed_rank(x: Sequence[float], y: Sequence[float]) -> Tuple[Optional[float], int]:
    """-> (two-sided p, number of non-zero differences); p is None when every difference is zero."""
    if len(x) != len(y):
        raise ValueError(f"paired samples of different lengths: {len(x)} vs {len(y)}")
    diffs = [a - b for a, b in zip(x, y) if abs(a - b) > 1e-12]
    n = len(diffs)
    if n == 0:
        return None, 0
    if n == 1:
        return 1.0, 1  # both signs of one rank are as extreme as each other (SciPy needs two observations)
    method = _scipy.PermutationMethod(n_resamples=math.inf) if n <= EXACT_UP_TO else "approx"
    result = _scipy.wilcoxon(diffs, zero_method="wilcox", alternative="two-sided", method=method)
    return min(1.0, float(result.pvalue)), n


def speaker_bootstrap(reference: Dict[str, str], predicted: Dict[str, str], speaker_of: Dict[str, str],
                      accuracy, resamples: int = BOOTSTRAP_RESAMPLES, seed: int = 0) -> Dict:
    """95 % intervals of pooled WA and UA by resampling speakers with replacement (all of a drawn speaker's
    utterances, as often as drawn): test speakers, not utterances, are the independent units of a speaker-fold
    study. `accuracy(correct, total) -> {'WA', 'UA'}` from per-class counts (vote.weighted_and_unweighted_accuracy),
    so each resample only adds up per-speaker counts. -> {WA: [lo, hi], UA: [lo, hi], resamples, seed, speakers}."""
    import random
    from collections import Counter

    correct: Dict[str, Counter] = {}
    total: Dict[str, Counter] = {}
    for u, e in reference.items():
        spk = speaker_of[u]
        total.setdefault(spk, Counter())[e] += 1
        correct.setdefault(spk, Counter())[e] += predicted[u] == e
    speakers = sorted(total)
    rng = random.Random(seed)
    draws = {"WA": [], "UA": []}
    for _ in range(resamples):
        c, t = Counter(), Counter()
        for spk in (rng.choice(speakers) for _ in speakers):
            c.update(correct[spk])
            t.update(total[spk])
        acc = accuracy(c, t)
        for key in draws:
            draws[key].append(acc[key])

    def interval(values):
        values = sorted(values)
        return [values[int(0.025 * (len(values) - 1))], values[int(round(0.975 * (len(values) - 1)))]]
    return {"WA": interval(draws["WA"]), "UA": interval(draws["UA"]), "resamples": resamples, "seed": seed,
            "speakers": len(speakers)}


def paired_speaker_bootstrap(reference: Dict[str, str], predicted_a: Dict[str, str], predicted_b: Dict[str, str],
                             speaker_of: Dict[str, str], accuracy, resamples: int = BOOTSTRAP_RESAMPLES,
                             seed: int = 0) -> Dict:
    """The difference A - B of pooled WA and UA on the same utterances, with a paired 95 % interval: speakers are
    resampled with replacement and both systems are scored on the SAME resample, so what the two share (a hard
    speaker) cancels. -> {WA: diff, UA: diff, WA_ci: [lo, hi], UA_ci: [lo, hi], resamples, seed, speakers}.
    An interval that excludes 0 is a difference the test speakers support; utterances are not treated as
    independent (McNemar does that)."""
    import random
    from collections import Counter

    per: Dict[str, List[Counter]] = {}   # speaker -> [A correct, B correct, total] per class
    for u, e in reference.items():
        counts = per.setdefault(speaker_of[u], [Counter(), Counter(), Counter()])
        counts[0][e] += predicted_a[u] == e
        counts[1][e] += predicted_b[u] == e
        counts[2][e] += 1
    speakers = sorted(per)

    def difference(chosen):
        a, b, t = Counter(), Counter(), Counter()
        for spk in chosen:
            a.update(per[spk][0])
            b.update(per[spk][1])
            t.update(per[spk][2])
        acc_a, acc_b = accuracy(a, t), accuracy(b, t)
        return {key: acc_a[key] - acc_b[key] for key in ("WA", "UA")}

    observed = difference(speakers)
    rng = random.Random(seed)
    draws = [difference([rng.choice(speakers) for _ in speakers]) for _ in range(resamples)]
    out = {"WA": observed["WA"], "UA": observed["UA"], "resamples": resamples, "seed": seed,
           "speakers": len(speakers)}
    for key in ("WA", "UA"):
        values = sorted(d[key] for d in draws)
        out[f"{key}_ci"] = [values[int(0.025 * (len(values) - 1))], values[int(round(0.975 * (len(values) - 1)))]]
    return out


def speaker_bootstrap_shares(counts: Dict[str, Dict[str, List[int]]], resamples: int = BOOTSTRAP_RESAMPLES,
                             seed: int = 0) -> Dict[str, List[float]]:
    """95 % intervals (in %) of shares k/n pooled over speakers, by resampling speakers with replacement:
    {speaker: {key: [k, n]}} -> {key: [lo, hi]}. A resample in which a key has no count (n = 0) is left out of
    that key's interval (the share is undefined there). The percentile positions are speaker_bootstrap's."""
    import numpy as np

    speakers = sorted(counts)
    keys = sorted({key for per in counts.values() for key in per})
    k = np.array([[counts[s].get(key, [0, 0])[0] for key in keys] for s in speakers], dtype=float)
    n = np.array([[counts[s].get(key, [0, 0])[1] for key in keys] for s in speakers], dtype=float)
    rng = np.random.default_rng(seed)
    drawn = rng.integers(0, len(speakers), size=(resamples, len(speakers)))
    weights = np.stack([np.bincount(row, minlength=len(speakers)) for row in drawn]).astype(float)  # (R, S)
    k_r, n_r = weights @ k, weights @ n                                                             # (R, keys)
    out = {}
    for j, key in enumerate(keys):
        values = np.sort(100.0 * k_r[n_r[:, j] > 0, j] / n_r[n_r[:, j] > 0, j])
        if len(values) == 0:
            out[key] = [0.0, 0.0]
            continue
        lo, hi = values[int(0.025 * (len(values) - 1))], values[int(round(0.975 * (len(values) - 1)))]
        out[key] = [round(float(lo), 1), round(float(hi), 1)]
    return out


def paired_tests_text(pairs: int) -> str:
    """What the paired tests are, for the reports (one family of `pairs` comparisons per test)."""
    return ("A - B: the difference of pooled WA and UA in points, with a paired speaker-bootstrap 95 % interval "
            f"({BOOTSTRAP_RESAMPLES} resamples of the test speakers, both systems scored on each resample): the "
            "headline comparison, since test speakers, not utterances, are the independent units. "
            "Exact McNemar test on the utterances both tested (pooled over folds: A right & B wrong vs A wrong & B "
            "right, two-sided binomial; it treats utterances as independent, which utterances of one speaker are "
            "not, so its p is optimistic); Wilcoxon signed-rank test on the per-fold WA (exact, two-sided, zero "
            "differences dropped). With few folds the Wilcoxon p cannot be small (2 folds: p ≥ 0.5). Holm: each p "
            f"corrected by Holm's step-down method over the {pairs} pair(s) of this table (one family per test).")


def mean_sd(values: Sequence[float]) -> Tuple[float, float]:
    """(mean, sample SD); SD is nan for one value."""
    n = len(values)
    if n == 0:
        return float("nan"), float("nan")
    mean = sum(values) / n
    if n == 1:
        return mean, float("nan")
    return mean, math.sqrt(sum((v - mean) ** 2 for v in values) / (n - 1))


def holm(pvalues: Sequence[Optional[float]]) -> list:
    """Holm's step-down correction over a family of tests: raw p-values -> adjusted p-values in the same order
    (adjusted p of the i-th smallest = max over j <= i of min(1, (m - j + 1) p_(j)), m = tests with a p). A None
    (no test possible) stays None and does not count in m."""
    present = sorted((p, i) for i, p in enumerate(pvalues) if p is not None)
    m = len(present)
    adjusted: list = [None] * len(pvalues)
    running = 0.0
    for rank, (p, i) in enumerate(present):
        running = max(running, min(1.0, (m - rank) * p))
        adjusted[i] = running
    return adjusted
