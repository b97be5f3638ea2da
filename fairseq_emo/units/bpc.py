"""Broad phonetic class units: named mappings from the 39 ARPAbet phones to classes.

Input: stress-free phones. Output: class names (unit bodies), one per phone.
The paper found BPCs best but left the optimal set open; these sets make that a sweep (`--bpc-set NAME`,
listed by `scripts/make_manifests.py --list-bpc-sets`). Every set covers all 39 phones (checked at import).

User-defined sets, no code changes: a file `<name>.tsv` in configs/bpc_sets/ or in a folder named by the
environment variable FAIRSEQ_EMO_BPC_SETS (several: separated by ':'), one class per line,
`CLASS<TAB or spaces>PHONE PHONE ...` ('#' starts a comment). It is read when a set of that name is asked for and
checked: every one of the 39 phones in exactly one class, class names usable as unit bodies, the name not a
built-in one; an error names the file and line. The set's definition is written into every fold.json made with
it (fold_protocol.SchemeProtocol.bpc_classes), so a result still says what its classes were if the file changes.
"""
import glob
import os
import re
from typing import Dict, List, Sequence

from fairseq_emo.core.repo import CONFIG_DIR
from fairseq_emo.units.phoneme import PHONES
from fairseq_emo.units.suffix import check_body, RESERVED_BODIES

_VOWELS = "AA AE AH AO AW AY EH ER EY IH IY OW OY UH UW"
_STOPS, _FRICATIVES, _AFFRICATES = "B D G K P T", "DH F HH S SH TH V Z ZH", "CH JH"
_NASALS, _APPROXIMANTS = "M N NG", "L R W Y"


def _classes(**members: str) -> Dict[str, str]:
    return {phone: name for name, phones in members.items() for phone in phones.split()}


BPC_SETS: Dict[str, Dict[str, str]] = {
    # Default: manner of articulation, 6 classes, the usual "broad phonetic classes" of ASR literature.
    "manner6": _classes(V=_VOWELS, STOP=_STOPS, FRIC=_FRICATIVES, AFFR=_AFFRICATES, NAS=_NASALS,
                        APPR=_APPROXIMANTS),
    # Sonority hierarchy, 5 classes (affricates with fricatives, liquids+glides): the coarsest set that still
    # separates the syllable's sonority profile, close to TIMIT broad-class studies.
    "sonority5": _classes(V=_VOWELS, GLIDE=_APPROXIMANTS, NAS=_NASALS, OBS=_FRICATIVES + " " + _AFFRICATES,
                          STOP=_STOPS),
    # Manner + voicing, 8 classes: voicing of obstruents carries pitch (F0) information, which emotion moves.
    "manner_voicing8": _classes(V=_VOWELS, VSTOP="B D G", USTOP="K P T", VFRIC="DH V Z ZH", UFRIC="F HH S SH TH",
                                AFFR=_AFFRICATES, NAS=_NASALS, APPR=_APPROXIMANTS),
    # Vowels split by place (front / central / back / diphthong) + the 5 consonant manners, 9 classes: the paper's
    # motivation is that emotion shifts vowel spectra (formants) differently per vowel.
    "vowel_place9": _classes(VFRONT="AE EH IH IY", VCENT="AH ER", VBACK="AA AO UH UW", VDIPH="AW AY EY OW OY",
                             STOP=_STOPS, FRIC=_FRICATIVES, AFFR=_AFFRICATES, NAS=_NASALS, APPR=_APPROXIMANTS),
    # Consonant / vowel, 2 classes: the lower bound of phonetic detail.
    "cv2": _classes(V=_VOWELS, C=" ".join([_STOPS, _FRICATIVES, _AFFRICATES, _NASALS, _APPROXIMANTS])),
}
DEFAULT_BPC_SET = "manner6"

for _name, _mapping in BPC_SETS.items():
    assert sorted(_mapping) == sorted(PHONES), f"BPC set {_name} does not cover exactly the 39 phones"


USER_SETS_ENV = "FAIRSEQ_EMO_BPC_SETS"
_REPO_SETS = os.path.join(CONFIG_DIR, "bpc_sets")
_SET_NAME = re.compile(r"^[A-Za-z0-9]+$")   # a variant is bpc-<name>: no '-', '.', '_' or space in it


def user_set_files() -> Dict[str, str]:
    """name -> path of every user-defined set file (configs/bpc_sets/, then $FAIRSEQ_EMO_BPC_SETS folders)."""
    folders = [_REPO_SETS] + [d for d in os.environ.get(USER_SETS_ENV, "").split(":") if d]
    files: Dict[str, str] = {}
    for folder in folders:
        for path in sorted(glob.glob(os.path.join(glob.escape(folder), "*.tsv"))):
            name = os.path.splitext(os.path.basename(path))[0]
            if name in BPC_SETS:
                raise ValueError(f"{path}: {name!r} is a built-in BPC set; give the file another name")
            if name in files and os.path.abspath(files[name]) != os.path.abspath(path):
                raise ValueError(f"BPC set {name!r} is defined twice: {files[name]} and {path}; rename one")
            files[name] = path
    return files


def read_set_file(path: str) -> Dict[str, str]:
    """A user-defined set file -> {phone: class}, validated (module docstring); errors name file and line."""

    name = os.path.splitext(os.path.basename(path))[0]
    if not _SET_NAME.match(name):
        raise ValueError(f"{path}: a BPC set name is letters and digits only (its runs are named bpc-<name>)")
    if name in BPC_SETS:
        raise ValueError(f"{path}: {name!r} is a built-in BPC set; give the file another name")
    mapping: Dict[str, str] = {}
    where: Dict[str, int] = {}
    try:
        with open(path, encoding="utf-8") as f:
            lines = f.read().splitlines()
    except UnicodeDecodeError as err:
        raise ValueError(f"{path}: not UTF-8 ({err.reason} at byte {err.start}); save it as UTF-8") from None
    for lineno, line in enumerate(lines, start=1):
        words = line.split("#", 1)[0].split()
        if not words:
            continue
        if len(words) < 2:
            raise ValueError(f"{path}:{lineno}: class {words[0]!r} has no phones ('CLASS PHONE PHONE ...')")
        cls = words[0]
        try:
            check_body(cls)
        except ValueError:
            raise ValueError(f"{path}:{lineno}: class name {cls!r} cannot be a unit body (no '_' in it)") from None
        if cls in RESERVED_BODIES:   # NSN would merge these phones with the non-speech unit of word-less turns
            raise ValueError(f"{path}:{lineno}: class name {cls!r} is reserved ({', '.join(RESERVED_BODIES)}: "
                             f"non-speech and whole-utterance units); name the class otherwise")
        for phone in words[1:]:
            if phone not in PHONES:
                raise ValueError(f"{path}:{lineno}: {phone!r} is not one of the 39 stress-free ARPAbet phones "
                                 f"({' '.join(PHONES)})")
            if phone in mapping:
                raise ValueError(f"{path}:{lineno}: {phone} is already in class {mapping[phone]} (line "
                                 f"{where[phone]}); every phone belongs to exactly one class")
            mapping[phone], where[phone] = cls, lineno
    missing = [p for p in PHONES if p not in mapping]
    if missing:
        raise ValueError(f"{path}: phone(s) {' '.join(missing)} are in no class; every phone belongs to exactly one")
    return mapping


def set_names() -> List[str]:
    """Every BPC set that can be asked for: the built-in ones, then the user-defined files."""
    return list(BPC_SETS) + [n for n in user_set_files() if n not in BPC_SETS]


def bpc_mapping(set_name: str) -> Dict[str, str]:
    """Name -> {phone: class} (built-in or a user-defined file); unknown names list the available ones."""
    if set_name in BPC_SETS:
        return BPC_SETS[set_name]
    files = user_set_files()
    if set_name not in files:
        raise ValueError(f"unknown BPC set {set_name!r}; available: {', '.join(set_names())} (or a file "
                         f"{set_name}.tsv in configs/bpc_sets/ or ${USER_SETS_ENV})")
    return read_set_file(files[set_name])


def bpc_classes(set_name: str) -> Dict[str, List[str]]:
    """Name -> {class: [phones]}: the set's definition as fold.json and results.json record it."""
    classes: Dict[str, List[str]] = {}
    for phone, cls in sorted(bpc_mapping(set_name).items()):
        classes.setdefault(cls, []).append(phone)
    return classes


def bpc_units(phones: Sequence[str], set_name: str = DEFAULT_BPC_SET) -> List[str]:
    """['HH', 'AH', 'L', 'OW'] -> ['FRIC', 'V', 'APPR', 'V'] (manner6)."""
    mapping = bpc_mapping(set_name)
    return [mapping[p] for p in phones]


def describe_bpc_sets() -> str:
    """One block per set: name, class count, and the phones of each class."""
    blocks = []
    for name in set_names():
        mapping = bpc_mapping(name)
        by_class: Dict[str, List[str]] = {}
        for phone in PHONES:
            by_class.setdefault(mapping[phone], []).append(phone)
        default = " (default)" if name == DEFAULT_BPC_SET else "" if name in BPC_SETS else \
            f" (user-defined: {user_set_files()[name]})"
        lines = [f"{name}{default}: {len(by_class)} classes"]
        lines += [f"  {cls:7s} {' '.join(phones)}" for cls, phones in by_class.items()]
        blocks.append("\n".join(lines))
    return "\n".join(blocks)
