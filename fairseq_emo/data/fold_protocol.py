"""The protocol record of a fold: what make_manifests.py decided -> <fold>/fold.json, and fold.json -> a typed record.

One owner for the file every later stage reads to state its protocol (decode, the report, the model record inside a
checkpoint, the baseline, the cross-corpus report). `SchemeProtocol` is what all folds of one scheme directory
share (the make_manifests.py arguments); `FoldRecord` adds what one fold holds. Folds written before the
validation policy existed had their valid slice held out of training, so a record without it reads `heldout`.
"""
import json
import os
from dataclasses import asdict, dataclass, field, fields
from typing import Dict, List, Optional

from fairseq_emo.core import layout

FOLD_JSON = layout.FOLD_RECORD  # the name is layout's


@dataclass(frozen=True)
class SchemeProtocol:
    corpus: str
    table: str                 # the utterance table (absolute path): gender and dialog for the breakdowns
    scheme: str                # the scheme directory name (layout.scheme_dir): speaker, session, speaker-k7, ...
    unit: str
    unit_variant: str
    bpc_set: Optional[str] = None
    syllabifier: Optional[str] = None
    seed: int = 0              # seed of the validation slice
    valid_fraction: float = 0.1
    subset: Optional[str] = None  # one kind of dialog only (layout.SUBSETS); None: every utterance of the table
    bpc_classes: Optional[Dict[str, List[str]]] = None  # a user-defined BPC set's definition (units/bpc.py)
    emobox_data: Optional[str] = None   # the emobox scheme: EmoBox's data/ folder its fold files came from


# Keys written only when set: folds made before they existed stay byte-identical (make_manifests finds them
# unchanged instead of "different contents")
_OMITTED_WHEN_NONE = ("subset", "bpc_classes", "scenario_groups", "emobox_data")


@dataclass(frozen=True)
class FoldRecord(SchemeProtocol):
    fold: int = 0
    test_group: str = ""
    valid_policy: str = "heldout"
    counts: Dict[str, int] = field(default_factory=dict)   # train/valid/test utterances and their *_tokens
    train_groups: List[str] = field(default_factory=list)
    test_speakers: List[str] = field(default_factory=list)
    scenario_groups: Optional[Dict[str, List[str]]] = None  # the scenario scheme: group -> scenario types (folds.py)

    def to_json(self) -> str:
        record = {k: v for k, v in asdict(self).items() if not (k in _OMITTED_WHEN_NONE and v is None)}
        return json.dumps(record, indent=1, sort_keys=True) + "\n"


def write_fold_record(directory: str, record: FoldRecord) -> None:
    with open(os.path.join(directory, FOLD_JSON), "w", encoding="utf-8") as f:
        f.write(record.to_json())


def read_fold_record(fold_dir: str) -> FoldRecord:
    """<fold_dir>/fold.json -> FoldRecord; a missing or foreign file is an error naming it."""
    path = os.path.join(fold_dir, FOLD_JSON)
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    except FileNotFoundError:
        raise FileNotFoundError(f"{path} not found: is {fold_dir} a fold written by make_manifests.py?") from None
    except ValueError as err:
        raise ValueError(f"{path}: not JSON ({err}); rewrite the folds with make_manifests.py") from None
    known = {f.name for f in fields(FoldRecord)}
    missing = [n for n in ("corpus", "table", "scheme", "unit", "unit_variant") if n not in data]
    if missing:
        raise ValueError(f"{path}: no {', '.join(missing)}; rewrite the folds with make_manifests.py")
    return FoldRecord(**{k: v for k, v in data.items() if k in known})
