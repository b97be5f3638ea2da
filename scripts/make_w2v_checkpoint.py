#!/usr/bin/env python3
"""Save a randomly initialised pre-trained model in a real checkpoint's exact format (fairseq_emo/training/w2v_checkpoint.py):
--format libri960 (default; libri960_big.pt), lv60 (wav2vec 2.0 LV-60 / XLS-R) or hubert (HuBERT Large).

  python scripts/make_w2v_checkpoint.py --size tiny --out exp/w2v_tiny.pt
  python scripts/make_w2v_checkpoint.py --size tiny --format hubert --out exp/hubert_tiny.pt   # backbone=hubert_large
  python scripts/make_w2v_checkpoint.py --size large --out exp/w2v_large_random.pt   # 24 x 1024, ~1.2 GB
  python scripts/make_w2v_checkpoint.py --layers 4 --dim 256 --ffn 512 --heads 4 --out exp/w2v_small.pt
"""
import argparse
import os
import sys

from fairseq_emo.training.w2v_checkpoint import FORMATS, SIZES, Architecture, save_random_checkpoint
from fairseq_emo.core import interrupt


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", required=True)
    parser.add_argument("--size", choices=sorted(SIZES), default="tiny")
    for name in ("layers", "dim", "ffn", "heads", "conv_channels"):
        parser.add_argument(f"--{name.replace('_', '-')}", type=int, help=f"override the size's {name}")
    parser.add_argument("--format", choices=FORMATS, default="libri960",
                        help="whose file format and architecture family (configs/backbone/ to fine-tune it)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--force", action="store_true", help="overwrite an existing file")
    args = parser.parse_args(argv)
    if os.path.exists(args.out) and not args.force:
        print(f"error: {args.out} exists; not overwritten (use --force)", file=sys.stderr)
        return 2
    arch = Architecture(**{**SIZES[args.size].__dict__,
                           **{k: v for k, v in vars(args).items() if k in Architecture.__dataclass_fields__
                              and v is not None}})
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    info = save_random_checkpoint(args.out, arch, args.seed, args.format)
    print(f"random {args.format} ({arch.layers} layers x {arch.dim}, {info['parameters']:,} parameters) -> {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(interrupt.run(main))
