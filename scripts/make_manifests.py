#!/usr/bin/env python3
"""Utterance table -> fairseq fold directories for one unit type and fold scheme.

  python scripts/make_manifests.py --table data/iemocap/utterances.tsv --unit bpc --folds speaker
  python scripts/make_manifests.py --table data/mandarin/utterances.tsv --unit initfinal --folds speaker --num-folds 7
  python scripts/make_manifests.py --table data/iemocap/utterances.tsv --unit bpc --folds all   # cross-corpus models
  python scripts/make_manifests.py --table data/emodb/utterances.tsv --eval-only               # a test-only corpus
  python scripts/make_manifests.py --table data/ravdess-full/utterances.tsv --unit bpc --folds emobox \
      --emobox-data EmoBox/data                                    # EmoBox's published folds (fairseq_emo/data/emobox.py)
  python scripts/make_manifests.py --list-bpc-sets

Writes DIR/fold<k>/{train,valid,test}.tsv, {split}.<unit>, {split}.utt, dict.<unit>.txt, fold.json and
DIR/folds.tsv (formats: manifests/README.md). DIR defaults to manifests/<corpus>/<unit variant>/<scheme>
(<scheme>-k<K> with --num-folds K; a -heldout suffix with --valid-policy heldout).
Validation (--valid-policy): 'monitor' (default, the paper's protocol) trains on EVERY utterance of the training
groups and draws the valid split from them (it only draws the curve: the final checkpoint is tested); 'heldout'
removes the valid slice from train, for studies that select checkpoints on it. The test group is in neither. --eval-only writes DIR=manifests/<corpus>/eval/{test.tsv,test.utt,eval.json}.
Rerunning with the same inputs leaves identical folds untouched; a fold with other contents is not replaced
without --force.
"""
import argparse
import os
import sys
from collections import Counter

from fairseq_emo.reporting import paper
from fairseq_emo.core.audio import FAIRSEQ_SAMPLE_RATE
from fairseq_emo.data.fold_protocol import SchemeProtocol
from fairseq_emo.data.folds import SUBSETS, make_folds, select_subset
from fairseq_emo.core.layout import DEFAULT_VALID_POLICY, SCHEMES, VALID_POLICIES, scheme_dir
from fairseq_emo.data.manifest import (ExistingFoldDiffers, audio_root, build_dictionary, label_all, check_removable,
                                  remove_orphans, remove_stale_folds, stale_folds, write_eval_set, write_fold, write_fold_index)
from fairseq_emo.data.corpora.registry import iemocap_layout
from fairseq_emo.data.table import read_table
from fairseq_emo.units import NONSPEECH_BODY, UNIT_TYPES, UnitSpec
from fairseq_emo.units.bpc import BPC_SETS, DEFAULT_BPC_SET, bpc_classes, describe_bpc_sets
from fairseq_emo.units.suffix import strip_emotion
from fairseq_emo.units.syllable import SYLLABIFIERS
from fairseq_emo.core import interrupt

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--table", help="utterances.tsv written by scripts/prepare.py")
    parser.add_argument("--unit", default="phoneme",
                        help=f"unit type ({', '.join(UNIT_TYPES)}) or a variant name such as bpc-cv2 or "
                             f"syllable-pyphen (= --bpc-set/--syllabifier)")
    parser.add_argument("--folds", choices=SCHEMES, default="speaker",
                        help="speaker: one speaker per test fold (default); dialog: by dialog prefix, as the "
                             "authors' code (mixes speakers); session: leave one session out; scenario: one "
                             "session on one group of scenario types, neither in training (IEMOCAP's lexical "
                             "control); all: one fold, no test split (cross-corpus models); official: the "
                             "release's own split; emobox: EmoBox's published folds (--emobox-data)")
    parser.add_argument("--emobox-data", metavar="DIR",
                        help="--folds emobox: a checkout of EmoBox's data/ folder (DIR/<corpus>/fold_<k>/"
                             "<corpus>_{train,test}_fold_<k>.jsonl)")
    parser.add_argument("--num-folds", type=int, help="speaker scheme: deal the speakers into this many folds "
                                                      "(Mandarin Affective Speech: 7) instead of one per speaker")
    parser.add_argument("--eval-only", action="store_true",
                        help="write a test-only set (no units, no folds) for cross-corpus testing")
    parser.add_argument("--bpc-set", default=DEFAULT_BPC_SET,
                        help="a built-in set or a user-defined file's name (--list-bpc-sets; units/bpc.py)")
    parser.add_argument("--syllabifier", choices=SYLLABIFIERS, default="phonetic")
    parser.add_argument("--valid-policy", choices=VALID_POLICIES, default=DEFAULT_VALID_POLICY,
                        help="monitor (default): valid is drawn from train, which keeps every utterance (the "
                             "paper); heldout: valid is removed from train")
    parser.add_argument("--subset", choices=sorted(SUBSETS),
                        help="one kind of IEMOCAP dialog only, before the folds are made (a lexical control: "
                             "improvised dialogs have no scripted text); the scheme directory gets its name")
    parser.add_argument("--valid-fraction", type=float, default=0.1,
                        help="share of each training (group, emotion) used for validation (default 0.1)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the validation slice (default 0)")
    parser.add_argument("--corpus", help="corpus name for the default --out (default: the table's corpus column)")
    parser.add_argument("--out", help="output folder (default <manifest root>/<corpus>/<unit variant>/<scheme>)")
    parser.add_argument("--manifest-root", default=os.path.join(REPO, "manifests"),
                        help="root of the default --out (default: the repo's manifests/)")
    parser.add_argument("--force", action="store_true", help="replace existing folds whose contents differ")
    parser.add_argument("--list-bpc-sets", action="store_true", help="print the BPC sets and exit")
    args = parser.parse_args(argv)

    if args.list_bpc_sets:
        print(describe_bpc_sets())
        return 0
    if not args.table:
        parser.error("--table is required")
    try:
        utterances = read_table(args.table)
        wrong_rate = [u for u in utterances if u.sample_rate != FAIRSEQ_SAMPLE_RATE]
        if wrong_rate:
            raise ValueError(f"{args.table}: {len(wrong_rate)} utterance(s) are not at {FAIRSEQ_SAMPLE_RATE} Hz "
                             f"(first: {wrong_rate[0].utt_id}, {wrong_rate[0].sample_rate} Hz); prepare the corpus "
                             f"with scripts/prepare.py, which converts them")
        if args.eval_only:
            return _eval_only(args, utterances)
        made = _write_folds(args, utterances)
    except ExistingFoldDiffers as err:
        print(f"error: {err}", file=sys.stderr)
        return 3
    except (FileNotFoundError, ValueError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except OSError as err:  # a full disk, a read-only folder: nothing half-written is left behind
        print(f"error: writing folds failed: {err}", file=sys.stderr)
        return 2

    _print_summary(args, *made)
    return 0


def _write_folds(args, utterances):
    """The table's utterances -> fold directories for --unit and --folds (identical folds left untouched, others
    only with --force) -> (spec, corpus, folds, labels, dictionary, reports, out, the utterances after --subset)."""
    spec = _unit_spec(args)
    corpus = args.corpus or utterances[0].corpus
    utterances = select_subset(utterances, args.subset)
    scheme_name = scheme_dir(args.folds, args.num_folds, args.valid_policy, args.subset)
    out = args.out or os.path.join(args.manifest_root, corpus, spec.variant, scheme_name)
    if args.emobox_data and args.folds != "emobox":
        raise ValueError(f"--emobox-data applies to --folds emobox, not --folds {args.folds}")
    folds = make_folds(utterances, args.folds, args.valid_fraction, args.seed, args.num_folds, args.valid_policy,
                       args.emobox_data)
    labels = label_all(utterances, spec)
    dictionary = build_dictionary(labels, spec)
    root = audio_root(utterances)
    protocol = SchemeProtocol(corpus=corpus, table=os.path.abspath(args.table), scheme=scheme_name,
                              unit=spec.unit, unit_variant=spec.variant, bpc_set=spec.bpc_set,
                              syllabifier=spec.syllabifier, seed=args.seed, valid_fraction=args.valid_fraction,
                              subset=args.subset, emobox_data=os.path.abspath(args.emobox_data) if args.emobox_data
                              else None, bpc_classes=bpc_classes(spec.bpc_set)
                              if spec.unit == "bpc" and spec.bpc_set not in BPC_SETS else None)
    os.makedirs(out, exist_ok=True)
    for name in remove_orphans(out):
        print(f"removed {os.path.join(out, name)}: left by an interrupted run whose process is gone")
    stale = stale_folds(out, folds)
    if stale and not args.force:
        raise ExistingFoldDiffers(f"{out} holds {', '.join(stale)}, which this table does not make ({len(folds)} "
                                  f"folds): written from another table? Move them away, or pass --force to "
                                  f"replace the folds and remove those")
    check_removable(out, stale)
    reports = [write_fold(out, f, args.folds, spec, labels, dictionary, root, protocol, args.force)
               for f in folds]
    if stale:
        remove_stale_folds(out, stale)
        print(f"removed {', '.join(stale)} from {out} (--force: folds of an earlier table)")
    write_fold_index(out, folds)
    return spec, corpus, folds, labels, dictionary, reports, out, utterances


def _print_summary(args, spec, corpus, folds, labels, dictionary, reports, out, utterances) -> None:
    """What was written: unit counts (beside the paper's Table 3 for IEMOCAP), the validation policy, each fold."""
    tokens = Counter(strip_emotion(t) for toks in labels.values() for t in toks)
    nonspeech = tokens.get(NONSPEECH_BODY, 0)
    print(f"{spec.variant} units over {len(utterances)} utterances: N={sum(tokens.values())} tokens "
          f"(of which {nonspeech} non-speech {NONSPEECH_BODY} for utterances without words), "
          f"{len(tokens)} distinct bodies, dictionary {len(dictionary)} tokens")
    if iemocap_layout(corpus) and spec.unit in paper.TABLE3:
        print(f"  (paper, IEMOCAP 4-class, Table 3: N={paper.TABLE3[spec.unit]['N']:,} {spec.unit} units)")
    if folds[0].valid_policy == "release":
        unused = len(utterances) - sum(len(p) for p in (folds[0].train, folds[0].valid, folds[0].test))
        print(f"  the release's own split: train {len(folds[0].train)}, valid (its evaluation/development set, held "
              f"out of train) {len(folds[0].valid)}, test {len(folds[0].test)}; in none: {unused}")
    else:
        relation = "drawn from train" if args.valid_policy == "monitor" else "held out of train"
        print(f"  validation policy {args.valid_policy}: valid = {100 * args.valid_fraction:.0f} % of the training "
              f"groups, {relation}")
    for f, r in zip(folds, reports):
        print(f"  fold{f.index:<3d} test {args.folds}={f.test_group:10s} train={r.counts['train']:5d} "
              f"valid={r.counts['valid']:4d} test={r.counts['test']:5d}  [{r.status}]")
    print(f"{args.table} -> {out}")


def _unit_spec(args) -> UnitSpec:
    """--unit (a type or a variant name such as bpc-cv2) with --bpc-set/--syllabifier -> UnitSpec."""
    if "-" not in args.unit:
        return UnitSpec(args.unit, bpc_set=args.bpc_set, syllabifier=args.syllabifier)
    spec = UnitSpec.from_variant(args.unit)  # a variant name (what run.sh and the exp/ dirs use)
    if (args.bpc_set, args.syllabifier) not in ((DEFAULT_BPC_SET, "phonetic"), (spec.bpc_set, spec.syllabifier)):
        raise ValueError(f"--unit {args.unit} already names its variant; drop --bpc-set/--syllabifier")
    return spec


def _eval_only(args, utterances) -> int:
    corpus = args.corpus or utterances[0].corpus
    out = args.out or os.path.join(args.manifest_root, corpus, "eval")
    protocol = dict(corpus=corpus, scheme="eval (test only)", table=os.path.abspath(args.table))
    try:
        report = write_eval_set(out, utterances, audio_root(utterances), protocol, args.force)
    except ExistingFoldDiffers as err:
        print(f"error: {err}", file=sys.stderr)
        return 3
    counts = "  ".join(f"{k}={v}" for k, v in report.counts.items())
    print(f"{corpus} test-only set: {counts}  [{report.status}]\n{args.table} -> {out}")
    return 0


if __name__ == "__main__":
    sys.exit(interrupt.run(main))
