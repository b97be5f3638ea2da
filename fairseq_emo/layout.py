"""Names of the experiment layout: (unit variant, fold scheme, validation policy, seed) -> directory names.

  manifests/<corpus>/<variant>/<scheme dir>/fold<k>/          scheme dir = <scheme>[-k<K>][-heldout]
  exp/<corpus>/<variant>[.<scheme dir>][.seed<s>]/fold<k>/    '.speaker' (the paper's scheme) is left out

- `-k<K>`: speakers dealt into K groups (Mandarin: 7) instead of one fold per speaker.
- `-heldout`: the validation slice is held out of training (checkpoint-selection studies). The default
  policy, `monitor`, trains on every utterance of the training groups as the paper does, and gets no suffix.
- `.seed<s>`: one training run per seed (`run.sh --seeds "1 2 3"`); without it fairseq's default seed (1).
The bash scripts ask this module (`python -m fairseq_emo.layout ...`) instead of re-coding the names.
"""
import argparse
import re
import sys
from typing import Dict, Optional

SCHEMES = ("speaker", "dialog", "session", "all")
VALID_POLICIES = ("monitor", "heldout")
DEFAULT_VALID_POLICY = "monitor"
_SCHEME_DIR = re.compile(r"^(?P<scheme>speaker|dialog|session|all)(?:-k(?P<k>\d+))?(?:-(?P<policy>heldout))?$")
_EXP_NAME = re.compile(r"^(?P<variant>[^.]+)(?:\.(?P<scheme_dir>[^.]+?))?(?:\.seed(?P<seed>\d+))?$")


def scheme_dir(scheme: str, num_folds: Optional[int] = None, valid_policy: str = DEFAULT_VALID_POLICY) -> str:
    """('speaker', 7, 'heldout') -> 'speaker-k7-heldout'; ('speaker', None, 'monitor') -> 'speaker'."""
    if scheme not in SCHEMES:
        raise ValueError(f"unknown fold scheme {scheme!r}; choose one of {', '.join(SCHEMES)}")
    if valid_policy not in VALID_POLICIES:
        raise ValueError(f"unknown validation policy {valid_policy!r}; choose one of {', '.join(VALID_POLICIES)}")
    name = f"{scheme}-k{num_folds}" if num_folds else scheme
    return name if valid_policy == DEFAULT_VALID_POLICY else f"{name}-{valid_policy}"


def parse_scheme_dir(name: str) -> Dict:
    """'speaker-k7-heldout' -> {'scheme': 'speaker', 'num_folds': 7, 'valid_policy': 'heldout'}."""
    m = _SCHEME_DIR.match(name)
    if not m:
        raise ValueError(f"{name!r} is not a fold scheme directory (<scheme>[-k<K>][-heldout])")
    return {"scheme": m["scheme"], "num_folds": int(m["k"]) if m["k"] else None,
            "valid_policy": m["policy"] or DEFAULT_VALID_POLICY}


def exp_name(variant: str, scheme_dir_name: str = "speaker", seed: Optional[int] = None) -> str:
    """('bpc', 'session', 2) -> 'bpc.session.seed2'; ('bpc', 'speaker', None) -> 'bpc'."""
    parse_scheme_dir(scheme_dir_name)
    name = variant if scheme_dir_name == "speaker" else f"{variant}.{scheme_dir_name}"
    return name if seed is None else f"{name}.seed{seed}"


def parse_exp_name(name: str) -> Dict:
    """'bpc-cv2.session.seed2' -> {'variant': 'bpc-cv2', 'unit': 'bpc', 'scheme_dir': 'session', 'seed': 2, ...}."""
    m = _EXP_NAME.match(name)
    if not m:
        raise ValueError(f"{name!r} is not an experiment directory name (<variant>[.<scheme>][.seed<s>])")
    scheme = m["scheme_dir"] or "speaker"
    return dict(variant=m["variant"], unit=m["variant"].split("-")[0], scheme_dir=scheme,
                seed=int(m["seed"]) if m["seed"] else None, **parse_scheme_dir(scheme))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Print a layout name (for the bash scripts).")
    sub = parser.add_subparsers(dest="what", required=True)
    s = sub.add_parser("scheme-dir", help="manifest scheme directory name")
    s.add_argument("--scheme", default="speaker")
    s.add_argument("--num-folds", type=int)
    s.add_argument("--valid-policy", default=DEFAULT_VALID_POLICY)
    e = sub.add_parser("exp-name", help="exp/<corpus>/ directory name of a unit variant's runs")
    e.add_argument("--variant", required=True)
    e.add_argument("--scheme-dir", default="speaker")
    e.add_argument("--seed", type=int)
    args = parser.parse_args(argv)
    try:
        if args.what == "scheme-dir":
            print(scheme_dir(args.scheme, args.num_folds, args.valid_policy))
        else:
            print(exp_name(args.variant, args.scheme_dir, args.seed))
    except ValueError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
