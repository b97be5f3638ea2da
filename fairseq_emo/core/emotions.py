"""The emotion label policy: which corpus labels become which class, in which label set.

This module is the only owner of that policy; readers ask it, nothing else maps labels.
Input: a corpus's raw emotion label and a label set ('four', the paper's and the default; 'full', the release's
documented classes; or a user's mapping file). Output: a class code (CLASSES), or None for "dropped by the set".

Every stage after prepare takes the set from its data (the table's emotion column, a dictionary's suffixes,
a reference file), through label_set(): the paper's four whenever the codes are among them, so four-class runs
keep the paper's order and width; otherwise the codes in CLASSES order.
"""
import dataclasses
import os
import re
from dataclasses import dataclass
from typing import Dict, FrozenSet, Iterable, Mapping, Optional, Tuple

# Every class a label set can hold: suffix code -> name (docs/recipe.md, "Label sets"). Fixed: codes are part of
# trained dictionaries. The order is the class order everywhere (confusion matrices, the vote's last tie-break);
# the paper's four come first, in its order (Table 2: neutral, happy, angry, sad).
CLASSES: Dict[str, str] = {
    "neu": "neutral", "hap": "happy", "ang": "angry", "sad": "sad", "cal": "calm", "fea": "fearful",
    "dis": "disgust", "sur": "surprised", "bor": "bored", "con": "contempt", "exc": "excited",
    "fru": "frustrated", "pan": "panic", "que": "questioning", "oth": "other"}
EMOTIONS = ("neu", "hap", "ang", "sad")   # the paper's four-class set
EMOTION_NAMES: Dict[str, str] = CLASSES
LABEL_SETS = ("four", "full")   # the named sets; anything else given as --emotions is a mapping file


# A table, its manifests and exp/ of another label set than the paper's four carry it in their corpus name
# (ravdess-full, emodb-labels_mymap), as a rate policy's condition does (audio_cache.corpus_name): the results of
# different label sets never mix, and no four-class figure of the paper is compared with them.
_SET_SUFFIX = re.compile(r"-(full|labels_[A-Za-z0-9]+)$")


def set_suffix(spec: str) -> str:
    """'four' -> ''; 'full' -> '-full'; a mapping file's path -> '-labels_<its name, letters and digits>'."""
    if spec in ("", "four"):
        return ""
    if spec == "full":
        return "-full"
    stem = re.sub(r"[^A-Za-z0-9]", "", os.path.splitext(os.path.basename(spec))[0])
    if not stem:
        raise ValueError(f"--emotions {spec}: a mapping file's name needs letters or digits (it names the results)")
    return f"-labels_{stem}"


def split_set(name: str) -> Tuple[str, str]:
    """'ravdess-full' -> ('ravdess', 'full'); 'emodb-labels_x' -> ('emodb', 'labels_x'); 'iemocap' -> (.., 'four')."""
    m = _SET_SUFFIX.search(name)
    return (name[:m.start()], m.group(1)) if m else (name, "four")


def ordered(codes: Iterable[str]) -> Tuple[str, ...]:
    """Class codes -> the distinct ones in CLASSES order; an unknown code is an error."""
    codes = set(codes)
    unknown = sorted(codes - set(CLASSES))
    if unknown:
        raise ValueError(f"unknown emotion class {', '.join(unknown)}; the classes: {', '.join(CLASSES)}")
    return tuple(c for c in CLASSES if c in codes)


def label_set(codes: Iterable[str]) -> Tuple[str, ...]:
    """The classes seen in some data -> the set they are read in: the paper's four (its order, all four
    columns) when they are among them, else the classes in CLASSES order."""
    found = ordered(codes)
    return EMOTIONS if set(found) <= set(EMOTIONS) else found


class UnknownLabelError(ValueError):
    """A raw label that the policy neither keeps nor knowingly drops."""


@dataclass(frozen=True)
class LabelPolicy:
    """One corpus's labels in one label set: those kept (raw -> class) and those dropped on purpose; anything
    else is an error. `full` is the release's documented classes (raw -> class; `full_drop`: raw labels that are
    no class, e.g. no agreement); with_set() gives the policy of another set."""
    corpus: str
    keep: Dict[str, str]
    drop: FrozenSet[str]
    case: str  # how raw labels are normalised before lookup: 'lower' or 'upper'
    # utterances per class in EMOTIONS order, as the paper reports them (its Table 4), or, for a corpus the paper
    # did not use, as the corpus's release documents them (counts_source says which; None: the release's
    # version decides, no fixed figure)
    paper_counts: Optional[Tuple[int, int, int, int]]
    counts_source: str = "the paper's counts"
    full: Optional[Dict[str, str]] = None
    full_drop: FrozenSet[str] = frozenset()
    full_counts: Optional[Dict[str, int]] = None   # the release's per-class counts of the full set (None: varies)
    set_name: str = "four"

    def normalise(self, raw: str) -> str:
        return raw.strip().lower() if self.case == "lower" else raw.strip().upper()

    def emotion(self, raw: str) -> Optional[str]:
        label = self.normalise(raw)
        if label in self.keep:
            return self.keep[label]
        if label in self.drop:
            return None
        raise UnknownLabelError(f"unknown {self.corpus} emotion label {raw!r}; known: "
                                f"{', '.join(sorted(self.keep) + sorted(self.drop))}"
                                + (f" (label set {self.set_name})" if self.set_name not in LABEL_SETS else ""))

    @property
    def raw_labels(self) -> FrozenSet[str]:
        """Every raw label the release documents (in any set)."""
        return frozenset(self.keep) | self.drop | frozenset(self.full or {}) | self.full_drop

    @property
    def classes(self) -> Tuple[str, ...]:
        """The set's classes, in the order every stage reads them (label_set)."""
        return label_set(self.keep.values())

    @property
    def counts(self) -> Optional[Dict[str, int]]:
        """Published utterances per class of this set (None: not documented, or a user's set)."""
        if self.set_name == "four" and self.paper_counts:
            return dict(zip(EMOTIONS, self.paper_counts))
        return dict(self.full_counts) if self.set_name == "full" and self.full_counts else None

    def with_set(self, spec: str) -> "LabelPolicy":
        """'four' | 'full' | a mapping file's path -> this corpus's policy in that label set."""
        if spec == "four":
            return self
        if spec == "full":
            if self.full is None:
                raise ValueError(f"{self.corpus} has no documented full label set here; use four or a mapping file")
            return dataclasses.replace(self, keep=dict(self.full), drop=self.full_drop, set_name="full")
        if not os.path.isfile(spec):
            raise ValueError(f"--emotions {spec}: not {' or '.join(LABEL_SETS)}, and no such mapping file")
        keep, drop = read_mapping(spec, self)
        return dataclasses.replace(self, keep=keep, drop=drop, set_name=os.path.abspath(spec))


def read_mapping(path: str, policy: LabelPolicy) -> Tuple[Dict[str, str], FrozenSet[str]]:
    """A user's label mapping file -> (raw -> class, raw labels dropped). One line per raw label of the corpus:
    '<raw label> <class code>' or '<raw label> -' (dropped); '#' starts a comment. Every error names file:line;
    a raw label the corpus does not document, or a class not in CLASSES, is one."""
    keep: Dict[str, str] = {}
    drop = set()
    known = policy.raw_labels
    with open(path, encoding="utf-8") as f:
        for lineno, line in enumerate(f, start=1):
            fields = line.split("#", 1)[0].split()
            if not fields:
                continue
            where = f"{path}:{lineno}"
            if len(fields) != 2:
                raise ValueError(f"{where}: expected '<raw label> <class code or ->', got {line.strip()!r}")
            raw, target = policy.normalise(fields[0]), fields[1]
            if raw not in known:
                raise ValueError(f"{where}: {policy.corpus} has no label {fields[0]!r}; its labels: "
                                 f"{', '.join(sorted(known))}")
            if raw in keep or raw in drop:
                raise ValueError(f"{where}: label {fields[0]!r} is mapped twice")
            if target == "-":
                drop.add(raw)
            elif target in CLASSES:
                keep[raw] = target
            else:
                raise ValueError(f"{where}: class {target!r} is not a class code; the codes: {', '.join(CLASSES)} "
                                 f"(or '-' to drop the label)")
    if not keep:
        raise ValueError(f"{path}: maps no label to a class")
    return keep, frozenset(drop)


POLICIES: Dict[str, LabelPolicy] = {
    # IEMOCAP: excited is merged into happy, as in the paper (1636 = 595 hap + 1041 exc).
    "iemocap": LabelPolicy("IEMOCAP", {"neu": "neu", "hap": "hap", "exc": "hap", "ang": "ang", "sad": "sad"},
                           frozenset({"fru", "sur", "fea", "dis", "oth", "xxx"}), "lower", (1708, 1636, 1103, 1084),
                           # full: every category of the release's majority labels, excited apart from happy;
                           # xxx (no majority) is no class. Counts of the 10039 turns' labels.
                           full={"neu": "neu", "hap": "hap", "exc": "exc", "ang": "ang", "sad": "sad", "fru": "fru",
                                 "sur": "sur", "fea": "fea", "dis": "dis", "oth": "oth"}, full_drop=frozenset({"xxx"}),
                           full_counts={"neu": 1708, "hap": 595, "ang": 1103, "sad": 1084, "fea": 40, "dis": 2,
                                        "sur": 107, "exc": 1041, "fru": 1849, "oth": 3}),
    # EmoDB file-name letters: N neutral, F Freude (happiness), W Wut (anger), T Trauer (sadness);
    # dropped: L Langeweile (boredom), E Ekel (disgust), A Angst (fear). Paper Table 4: 79/71/127/62.
    "emodb": LabelPolicy("EmoDB", {"N": "neu", "F": "hap", "W": "ang", "T": "sad"},
                         frozenset({"L", "E", "A"}), "upper", (79, 71, 127, 62),
                         full={"N": "neu", "F": "hap", "W": "ang", "T": "sad", "L": "bor", "E": "dis", "A": "fea"},
                         full_counts={"neu": 79, "hap": 71, "ang": 127, "sad": 62, "fea": 69, "dis": 46,
                                      "bor": 81}),
    # KSUEmotions emotion codes: E00 neutral, E01 happiness, E02 sadness, E05 anger;
    # dropped: E03 surprise, E04 questioning. Paper Table 4: 280 each.
    "ksu": LabelPolicy("KSUEmotions", {"E00": "neu", "E01": "hap", "E02": "sad", "E05": "ang"},
                       frozenset({"E03", "E04"}), "upper", (280, 280, 280, 280),
                       # full: its six codes; per-class counts depend on the phases a copy holds (not fixed here)
                       full={"E00": "neu", "E01": "hap", "E02": "sad", "E03": "sur", "E04": "que", "E05": "ang"}),
    # Mandarin Affective Speech: elation is the happy class; panic is dropped. Paper Table 4: 4079/4080/4080/4080.
    "mandarin": LabelPolicy("Mandarin Affective Speech",
                            {"neutral": "neu", "elation": "hap", "anger": "ang", "sadness": "sad"},
                            frozenset({"panic"}), "lower", (4079, 4080, 4080, 4080),
                            full={"neutral": "neu", "elation": "hap", "anger": "ang", "sadness": "sad",
                                  "panic": "pan"}),
    # RAVDESS file names, third field: 01 neutral, 02 calm, 03 happy, 04 sad, 05 angry, 06 fearful, 07 disgust,
    # 08 surprised. Speech: 24 actors x 2 statements x 2 repetitions, x 2 intensities except neutral (normal only).
    # Calm is dropped (most SER work keeps 4 classes without it; corpora/ravdess.py can merge it into neutral).
    "ravdess": LabelPolicy("RAVDESS", {"01": "neu", "03": "hap", "05": "ang", "04": "sad"},
                           frozenset({"02", "06", "07", "08"}), "upper", (96, 192, 192, 192),
                           "RAVDESS speech, as its design gives",
                           full={"01": "neu", "02": "cal", "03": "hap", "04": "sad", "05": "ang", "06": "fea",
                                 "07": "dis", "08": "sur"},
                           full_counts={"neu": 96, "hap": 192, "ang": 192, "sad": 192, "cal": 192, "fea": 192,
                                        "dis": 192, "sur": 192}),
    # CREMA-D file names, third field: NEU HAP ANG SAD kept; DIS FEA dropped. Release counts of its 7442 clips.
    "cremad": LabelPolicy("CREMA-D", {"NEU": "neu", "HAP": "hap", "ANG": "ang", "SAD": "sad"},
                          frozenset({"DIS", "FEA"}), "upper", (1087, 1271, 1271, 1271), "CREMA-D release",
                          full={"NEU": "neu", "HAP": "hap", "ANG": "ang", "SAD": "sad", "DIS": "dis", "FEA": "fea"},
                          full_counts={"neu": 1087, "hap": 1271, "ang": 1271, "sad": 1271, "fea": 1271,
                                       "dis": 1271}),
    # TESS file names, last field: neutral happy angry sad kept; ps (pleasant surprise), fear, disgust dropped.
    # 2 speakers x 200 words per emotion.
    "tess": LabelPolicy("TESS", {"neutral": "neu", "happy": "hap", "angry": "ang", "sad": "sad"},
                        frozenset({"ps", "fear", "disgust"}), "lower", (400, 400, 400, 400), "TESS release",
                        # full: ps (pleasant surprise) is the surprised class
                        full={"neutral": "neu", "happy": "hap", "angry": "ang", "sad": "sad", "fear": "fea",
                              "disgust": "dis", "ps": "sur"},
                        full_counts={e: 400 for e in ("neu", "hap", "ang", "sad", "fea", "dis", "sur")}),
    # SAVEE file-name prefixes: n neutral (30 per speaker), h happiness, a anger, sa sadness (15 each) kept;
    # d disgust, f fear, su surprise dropped. 4 speakers.
    "savee": LabelPolicy("SAVEE", {"n": "neu", "h": "hap", "a": "ang", "sa": "sad"},
                         frozenset({"d", "f", "su"}), "lower", (120, 60, 60, 60), "SAVEE release",
                         full={"n": "neu", "h": "hap", "a": "ang", "sa": "sad", "d": "dis", "f": "fea", "su": "sur"},
                         full_counts={"neu": 120, "hap": 60, "ang": 60, "sad": 60, "fea": 60, "dis": 60, "sur": 60}),
    # ESD emotion folders: Neutral Happy Angry Sad kept, Surprise dropped; 10 speakers per language x 350 each.
    "esd": LabelPolicy("ESD (English)", {"neutral": "neu", "happy": "hap", "angry": "ang", "sad": "sad"},
                       frozenset({"surprise"}), "lower", (3500, 3500, 3500, 3500), "ESD release, English speakers",
                       full={"neutral": "neu", "happy": "hap", "angry": "ang", "sad": "sad", "surprise": "sur"},
                       full_counts={e: 3500 for e in ("neu", "hap", "ang", "sad", "sur")}),
    "esdzh": LabelPolicy("ESD (Mandarin)", {"neutral": "neu", "happy": "hap", "angry": "ang", "sad": "sad"},
                         frozenset({"surprise"}), "lower", (3500, 3500, 3500, 3500), "ESD release, Mandarin speakers",
                         full={"neutral": "neu", "happy": "hap", "angry": "ang", "sad": "sad", "surprise": "sur"},
                         full_counts={e: 3500 for e in ("neu", "hap", "ang", "sad", "sur")}),
    # MSP-Podcast labels_consensus.csv EmoClass: N neutral, H happy, A angry, S sad kept; U surprise, F fear,
    # D disgust, C contempt, O other, X no agreement dropped. Counts depend on the release version.
    "msppodcast": LabelPolicy("MSP-Podcast", {"N": "neu", "H": "hap", "A": "ang", "S": "sad"},
                              frozenset({"U", "F", "D", "C", "O", "X"}), "upper", None,
                              "MSP-Podcast (counts depend on the release version)",
                              # full: its eight emotion classes; O (other) and X (no agreement) are no class
                              full={"N": "neu", "H": "hap", "A": "ang", "S": "sad", "U": "sur", "F": "fea", "D": "dis",
                                    "C": "con"}, full_drop=frozenset({"O", "X"})),
}


def iemocap_emotion(raw: str, policy: Optional[LabelPolicy] = None) -> Optional[str]:
    """IEMOCAP label ('exc', 'fru', ...) -> its class in the policy's set (default four), or None when dropped."""
    return (policy or POLICIES["iemocap"]).emotion(raw)


def check_emotion(emo: str) -> str:
    """Validate a class code (as found in an utterance table) and return it."""
    if emo not in CLASSES:
        raise ValueError(f"emotion {emo!r} is not a class code ({', '.join(CLASSES)})")
    return emo


def counts_line(counts: Mapping[str, int]) -> str:
    """{class: n} -> 'neu=79  hap=71 ...' in the set's order."""
    return "  ".join(f"{e}={counts[e]}" for e in label_set(counts) if e in counts)
