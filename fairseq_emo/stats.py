"""Paired significance tests for comparing two unit types on the same test utterances.

- `mcnemar_exact(b, c)`: utterances right under A only (b) vs B only (c), pooled over folds; two-sided exact
  binomial test of b against Binomial(b + c, 1/2) (the exact McNemar test).
- `wilcoxon_signed_rank(x, y)`: per-fold accuracies of A and B; zero differences dropped (Wilcoxon's rule),
  ties given average ranks, two-sided p from the exact distribution over all 2^n sign patterns (n <= 20; folds
  are 10 at most in this recipe), the normal approximation beyond. With 2 folds the smallest possible p is 0.5:
  fold-level tests need folds.
- `mean_sd(values)`: mean and sample standard deviation (n - 1).
Plain Python, no SciPy: the exact tails are short sums.
"""
import math
from itertools import product
from typing import Optional, Sequence, Tuple


def mcnemar_exact(b: int, c: int) -> float:
    """Two-sided exact McNemar p-value from the two discordant counts."""
    n = b + c
    if n == 0:
        return 1.0
    k = min(b, c)
    tail = sum(math.comb(n, i) for i in range(k + 1)) / 2 ** n
    return min(1.0, 2 * tail)


def discordant(right_a: Sequence[bool], right_b: Sequence[bool]) -> Tuple[int, int]:
    """(A right and B wrong, A wrong and B right) over paired outcomes."""
    if len(right_a) != len(right_b):
        raise ValueError(f"paired outcomes of different lengths: {len(right_a)} vs {len(right_b)}")
    b = sum(1 for x, y in zip(right_a, right_b) if x and not y)
    c = sum(1 for x, y in zip(right_a, right_b) if y and not x)
    return b, c


def _ranks(values: Sequence[float]) -> list:
    order = sorted(range(len(values)), key=lambda i: values[i])
    ranks = [0.0] * len(values)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        for k in range(i, j + 1):
            ranks[order[k]] = (i + j) / 2 + 1
        i = j + 1
    return ranks


def wilcoxon_signed_rank(x: Sequence[float], y: Sequence[float]) -> Tuple[Optional[float], int]:
    """-> (two-sided p, number of non-zero differences); p is None when every difference is zero."""
    if len(x) != len(y):
        raise ValueError(f"paired samples of different lengths: {len(x)} vs {len(y)}")
    diffs = [a - b for a, b in zip(x, y) if abs(a - b) > 1e-12]
    n = len(diffs)
    if n == 0:
        return None, 0
    ranks = _ranks([abs(d) for d in diffs])
    w_plus = sum(r for r, d in zip(ranks, diffs) if d > 0)
    total = sum(ranks)
    if n <= 20:
        # exact: every assignment of signs to the ranks is equally likely under H0
        extreme = abs(w_plus - total / 2)
        count = 0
        for signs in product((0, 1), repeat=n):
            w = sum(r for r, s in zip(ranks, signs) if s)
            if abs(w - total / 2) >= extreme - 1e-9:
                count += 1
        return min(1.0, count / 2 ** n), n
    mean = n * (n + 1) / 4
    sd = math.sqrt(n * (n + 1) * (2 * n + 1) / 24)
    z = (abs(w_plus - mean) - 0.5) / sd
    return min(1.0, math.erfc(z / math.sqrt(2))), n


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
