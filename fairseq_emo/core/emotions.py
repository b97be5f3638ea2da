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
    # utterances per class in EMOTIONS order, as the paper reports them (its Table 4), or, for a corpus the paper
    # did not use, as the corpus's release documents them (counts_source says which; None: the release's
    # version decides, no fixed figure)
    paper_counts: Optional[Tuple[int, int, int, int]]
    counts_source: str = "the paper's counts"

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
    # RAVDESS file names, third field: 01 neutral, 02 calm, 03 happy, 04 sad, 05 angry, 06 fearful, 07 disgust,
    # 08 surprised. Speech: 24 actors x 2 statements x 2 repetitions, x 2 intensities except neutral (normal only).
    # Calm is dropped (most SER work keeps 4 classes without it; corpora/ravdess.py can merge it into neutral).
    "ravdess": LabelPolicy("RAVDESS", {"01": "neu", "03": "hap", "05": "ang", "04": "sad"},
                           frozenset({"02", "06", "07", "08"}), "upper", (96, 192, 192, 192),
                           "RAVDESS speech, as its design gives"),
    # CREMA-D file names, third field: NEU HAP ANG SAD kept; DIS FEA dropped. Release counts of its 7442 clips.
    "cremad": LabelPolicy("CREMA-D", {"NEU": "neu", "HAP": "hap", "ANG": "ang", "SAD": "sad"},
                          frozenset({"DIS", "FEA"}), "upper", (1087, 1271, 1271, 1271), "CREMA-D release"),
    # TESS file names, last field: neutral happy angry sad kept; ps (pleasant surprise), fear, disgust dropped.
    # 2 speakers x 200 words per emotion.
    "tess": LabelPolicy("TESS", {"neutral": "neu", "happy": "hap", "angry": "ang", "sad": "sad"},
                        frozenset({"ps", "fear", "disgust"}), "lower", (400, 400, 400, 400), "TESS release"),
    # SAVEE file-name prefixes: n neutral (30 per speaker), h happiness, a anger, sa sadness (15 each) kept;
    # d disgust, f fear, su surprise dropped. 4 speakers.
    "savee": LabelPolicy("SAVEE", {"n": "neu", "h": "hap", "a": "ang", "sa": "sad"},
                         frozenset({"d", "f", "su"}), "lower", (120, 60, 60, 60), "SAVEE release"),
    # ESD emotion folders: Neutral Happy Angry Sad kept, Surprise dropped; 10 speakers per language x 350 each.
    "esd": LabelPolicy("ESD (English)", {"neutral": "neu", "happy": "hap", "angry": "ang", "sad": "sad"},
                       frozenset({"surprise"}), "lower", (3500, 3500, 3500, 3500), "ESD release, English speakers"),
    "esdzh": LabelPolicy("ESD (Mandarin)", {"neutral": "neu", "happy": "hap", "angry": "ang", "sad": "sad"},
                         frozenset({"surprise"}), "lower", (3500, 3500, 3500, 3500), "ESD release, Mandarin speakers"),
    # MSP-Podcast labels_consensus.csv EmoClass: N neutral, H happy, A angry, S sad kept; U surprise, F fear,
    # D disgust, C contempt, O other, X no agreement dropped. Counts depend on the release version.
    "msppodcast": LabelPolicy("MSP-Podcast", {"N": "neu", "H": "hap", "A": "ang", "S": "sad"},
                              frozenset({"U", "F", "D", "C", "O", "X"}), "upper", None,
                              "MSP-Podcast (counts depend on the release version)"),
}


def iemocap_emotion(raw: str) -> Optional[str]:
    """IEMOCAP label ('exc', 'fru', ...) -> 4-class emotion, or None when the policy drops it."""
    return POLICIES["iemocap"].emotion(raw)


def check_emotion(emo: str) -> str:
    """Validate a 4-class emotion code (as found in an utterance table) and return it."""
    if emo not in EMOTIONS:
        raise ValueError(f"emotion {emo!r} is not one of {', '.join(EMOTIONS)}")
    return emo
