"""The emotion label policy: which corpus labels become which of the four classes.

This module is the only owner of that policy; readers ask it, nothing else maps labels.
Input: a corpus's raw emotion label. Output: one of EMOTIONS, or None for "not in the 4-class set".
"""
from dataclasses import dataclass
from typing import Dict, FrozenSet, Optional, Tuple

# Order matters: it is the row/column order of the paper's confusion matrix (Table 2) and the
# fixed tie-break order of the vote.
EMOTIONS = ("neu", "hap", "ang", "sad")
EMOTION_NAMES: Dict[str, str] = {"neu": "neutral", "hap": "happy", "ang": "angry", "sad": "sad"}


class UnknownLabelError(ValueError):
    """A raw label that the policy neither keeps nor knowingly drops."""


@dataclass(frozen=True)
class LabelPolicy:
    """One corpus's labels: those kept (raw -> 4-class) and those dropped on purpose; anything else is an error."""
    corpus: str
    keep: Dict[str, str]
    drop: FrozenSet[str]
    case: str  # how raw labels are normalised before lookup: 'lower' or 'upper'
    paper_counts: Tuple[int, int, int, int]  # utterances per class in EMOTIONS order, as the paper reports them

    def emotion(self, raw: str) -> Optional[str]:
        label = raw.strip().lower() if self.case == "lower" else raw.strip().upper()
        if label in self.keep:
            return self.keep[label]
        if label in self.drop:
            return None
        raise UnknownLabelError(f"unknown {self.corpus} emotion label {raw!r}; known: "
                                f"{', '.join(sorted(self.keep) + sorted(self.drop))}")


POLICIES: Dict[str, LabelPolicy] = {
    # IEMOCAP: excited is merged into happy, as in the paper (1636 = 595 hap + 1041 exc).
    "iemocap": LabelPolicy("IEMOCAP", {"neu": "neu", "hap": "hap", "exc": "hap", "ang": "ang", "sad": "sad"},
                           frozenset({"fru", "sur", "fea", "dis", "oth", "xxx"}), "lower", (1708, 1636, 1103, 1084)),
    # EmoDB file-name letters: N neutral, F Freude (happiness), W Wut (anger), T Trauer (sadness);
    # dropped: L Langeweile (boredom), E Ekel (disgust), A Angst (fear). Paper Table 4: 79/71/127/62.
    "emodb": LabelPolicy("EmoDB", {"N": "neu", "F": "hap", "W": "ang", "T": "sad"},
                         frozenset({"L", "E", "A"}), "upper", (79, 71, 127, 62)),
    # KSUEmotions emotion codes: E00 neutral, E01 happiness, E02 sadness, E05 anger;
    # dropped: E03 surprise, E04 questioning. Paper Table 4: 280 each.
    "ksu": LabelPolicy("KSUEmotions", {"E00": "neu", "E01": "hap", "E02": "sad", "E05": "ang"},
                       frozenset({"E03", "E04"}), "upper", (280, 280, 280, 280)),
    # Mandarin Affective Speech: elation is the happy class; panic is dropped. Paper Table 4: 4079/4080/4080/4080.
    "mandarin": LabelPolicy("Mandarin Affective Speech",
                            {"neutral": "neu", "elation": "hap", "anger": "ang", "sadness": "sad"},
                            frozenset({"panic"}), "lower", (4079, 4080, 4080, 4080)),
}


def iemocap_emotion(raw: str) -> Optional[str]:
    """IEMOCAP label ('exc', 'fru', ...) -> 4-class emotion, or None when the policy drops it."""
    return POLICIES["iemocap"].emotion(raw)


def check_emotion(emo: str) -> str:
    """Validate a 4-class emotion code (as found in an utterance table) and return it."""
    if emo not in EMOTIONS:
        raise ValueError(f"emotion {emo!r} is not one of {', '.join(EMOTIONS)}")
    return emo
