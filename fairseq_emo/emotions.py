"""The emotion label policy: which corpus labels become which of the four classes.

This module is the only owner of that policy; readers ask it, nothing else maps labels.
Input: a corpus's raw emotion label. Output: one of EMOTIONS, or None for "not in the 4-class set".
"""
from typing import Dict, Optional

# Order matters: it is the row/column order of the paper's confusion matrix (Table 2) and the
# fixed tie-break order of the vote.
EMOTIONS = ("neu", "hap", "ang", "sad")
EMOTION_NAMES: Dict[str, str] = {"neu": "neutral", "hap": "happy", "ang": "angry", "sad": "sad"}

# IEMOCAP: excited is merged into happy, as in the paper (1636 = 595 hap + 1041 exc).
IEMOCAP_KEEP: Dict[str, str] = {"neu": "neu", "hap": "hap", "exc": "hap", "ang": "ang", "sad": "sad"}
# Labels IEMOCAP's EmoEvaluation files use that are dropped on purpose (not errors).
IEMOCAP_DROP = frozenset({"fru", "sur", "fea", "dis", "oth", "xxx"})


class UnknownLabelError(ValueError):
    """A raw label that the policy neither keeps nor knowingly drops."""


def iemocap_emotion(raw: str) -> Optional[str]:
    """IEMOCAP label ('exc', 'fru', ...) -> 4-class emotion, or None when the policy drops it."""
    label = raw.strip().lower()
    if label in IEMOCAP_KEEP:
        return IEMOCAP_KEEP[label]
    if label in IEMOCAP_DROP:
        return None
    raise UnknownLabelError(
        f"unknown IEMOCAP emotion label {raw!r}; known: "
        f"{', '.join(sorted(IEMOCAP_KEEP) + sorted(IEMOCAP_DROP))}")


def check_emotion(emo: str) -> str:
    """Validate a 4-class emotion code (as found in an utterance table) and return it."""
    if emo not in EMOTIONS:
        raise ValueError(f"emotion {emo!r} is not one of {', '.join(EMOTIONS)}")
    return emo
