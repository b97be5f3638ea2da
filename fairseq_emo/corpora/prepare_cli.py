"""The shared half of the scripts/prepare_*.py commands: reader result -> OUTDIR/utterances.tsv, the problem
policy (stop, or --skip-bad: skip and list in OUTDIR/skipped.tsv) and the printed counts (the paper's Table 4)."""
import argparse
import os
import sys
from typing import Callable

from fairseq_emo import layout
from fairseq_emo.audio_cache import CACHE_DIRS, RATE_POLICIES, corpus_name
from fairseq_emo.corpora.common import AudioOptions, CorpusRead
from fairseq_emo.emotions import EMOTIONS, POLICIES
from fairseq_emo.table import summarize, write_table


def add_output_args(parser: argparse.ArgumentParser, audio: bool = True, required: bool = True) -> None:
    parser.add_argument("--out", required=required, help="output folder for utterances.tsv")
    parser.add_argument("--skip-bad", action="store_true",
                        help="skip unusable files (counted, listed in OUTDIR/skipped.tsv) instead of stopping")
    if audio:
        parser.add_argument("--rate-policy", choices=RATE_POLICIES, default="resample",
                            help="audio not at 16 kHz mono: 'resample' with soxr (default); 'relabel': keep "
                                 "the samples and declare them 16 kHz (on 8 kHz audio: the paper's 'tested directly on "
                                 "8 kHz audio'; on a 22.05 kHz copy: slowed and lowered, not the paper's condition); "
                                 "'bandlimit8k': down to 8 kHz and up to 16 kHz (the paper's Mandarin condition from "
                                 "a 22.05 kHz copy); see fairseq_emo/audio_cache.py")
        parser.add_argument("--audio-cache", help="where converted audio is written once, in a folder per rate "
                                                  "policy (DIR/wav16k, DIR/wav_relabelled, DIR/wav_bandlimit8k), so "
                                                  "one cache shared by several policies never mixes them (default "
                                                  "DIR = OUTDIR)")


def audio_options(args) -> AudioOptions:
    # the policy's own folder under any cache root: two policies sharing --audio-cache must not write one path
    return AudioOptions(cache_dir=os.path.abspath(os.path.join(args.audio_cache or args.out,
                                                               CACHE_DIRS[args.rate_policy])),
                        rate_policy=args.rate_policy)


def run_reader(doc: str, flag: str, what: str, reader: Callable[[str, AudioOptions], CorpusRead],
               argv=None) -> int:
    """A whole prepare script for a reader that takes (root, audio options): --<flag> DIR --out OUTDIR ..."""
    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(f"--{flag}", required=True, help=what)
    add_output_args(parser)
    args = parser.parse_args(argv)
    root = getattr(args, flag)
    try:
        result = reader(root, audio_options(args))
    except (FileNotFoundError, ValueError, RuntimeError) as err:   # RuntimeError: a G2P program missing or hung
        print(f"error: {err}", file=sys.stderr)
        return 2
    return finish(result, args, root)


def finish(result: CorpusRead, args, source: str, item: str = "file") -> int:
    """Apply the problem policy, write the table, print counts; returns the exit status."""
    os.makedirs(args.out, exist_ok=True)
    skipped_path = os.path.join(args.out, "skipped.tsv")
    _check_ids(result)
    if result.problems:
        listing = "\n".join(f"  {p.utt_id}: {p.reason} ({p.path})" for p in result.problems[:20])
        more = f"\n  ... and {len(result.problems) - 20} more" if len(result.problems) > 20 else ""
        if not args.skip_bad:
            if os.path.exists(skipped_path):
                os.remove(skipped_path)  # our own list from an earlier run: it does not describe this one
            print(f"error: {len(result.problems)} {item}(s) of the 4 kept classes cannot be used:\n{listing}{more}\n"
                  f"Fix them, or rerun with --skip-bad to skip them (listed in {skipped_path}).", file=sys.stderr)
            return 2
        with open(skipped_path, "w", encoding="utf-8") as f:
            f.write("utt_id\treason\tpath\n")
            f.writelines(f"{p.utt_id}\t{p.reason}\t{p.path}\n" for p in result.problems)
        print(f"skipped {len(result.problems)} unusable {item}(s), listed in {skipped_path}:\n{listing}{more}")
    elif os.path.exists(skipped_path):
        os.remove(skipped_path)  # our own output from an earlier run; stale now
    if not result.utterances:
        print(f"error: {source}: no usable utterance of the 4 classes", file=sys.stderr)
        return 2
    name = corpus_name(result.corpus, getattr(args, "rate_policy", "resample"))
    if name != result.corpus:
        # A different input condition: its manifests and results must never mix with the resampled ones.
        result.corpus = name
        for u in result.utterances:
            u.corpus = result.corpus
    table = layout.utterance_table(args.out)
    write_table(table, result.utterances)
    dropped = ", ".join(f"{k}={v}" for k, v in sorted(result.dropped_labels.items()))
    print(f"corpus: {result.corpus}  ({source} -> {table})")
    print(summarize(result.utterances))
    policy = POLICIES.get(result.corpus.split("-")[0])
    if policy and policy.paper_counts:
        counts = "  ".join(f"{e}={n}" for e, n in zip(EMOTIONS, policy.paper_counts))
        print(f"{policy.counts_source} for the full {policy.corpus}: {counts}")
    converted = [u for u in result.utterances if u.wav != u.source_wav]
    if converted:
        rates = sorted({u.source_rate for u in converted})
        policy = getattr(args, "rate_policy", "resample")
        print(f"audio: {len(converted)} file(s) at {', '.join(map(str, rates))} Hz -> 16 kHz mono by {policy!r} "
              f"(cached in {os.path.commonpath([os.path.dirname(u.wav) for u in converted])})")
    print(f"dropped by the 4-class label policy: {dropped or 'none'}")
    _g2p_provenance(result, args.out)
    for what, n in sorted(result.tolerated.items()):
        print(f"tolerated: {n} {what}")
    for notice in result.notices:
        print(f"warning: {notice}", file=sys.stderr)
        print(f"warning: {notice}")
    if result.other_files:
        print(f"not read: {result.other_files} non-audio file(s) in the audio folders (documents, lists, ...)")
    for why, paths in sorted(result.skipped.items()):
        print(f"skipped: {len(paths)} {why}, e.g. {paths[0]}")
    return 0


def _check_ids(result: CorpusRead) -> None:
    """Ids and speakers that would break sclite's trn lines ('<units> (<speaker>-<utt>)') or repeat become
    problems here, at prepare time, instead of failing in scoring after training."""
    from collections import Counter

    from fairseq_emo.corpora.common import Problem
    from fairseq_emo.label_check import TRN_UNSAFE

    kept = []
    counts = Counter(u.utt_id for u in result.utterances)
    for u in result.utterances:
        if TRN_UNSAFE.search(u.utt_id) or TRN_UNSAFE.search(u.speaker) or "-" in u.speaker:
            result.problems.append(Problem(u.utt_id, u.wav, f"id {u.utt_id!r} / speaker {u.speaker!r}: spaces or "
                                           f"parentheses (or '-' in a speaker) break sclite's trn lines; rename "
                                           f"the file or folder"))
        elif counts[u.utt_id] > 1:
            result.problems.append(Problem(u.utt_id, u.wav, f"utterance id {u.utt_id} occurs {counts[u.utt_id]} "
                                           f"times; ids must be unique"))
        else:
            kept.append(u)
    result.utterances = kept


ENGLISH_CORPORA = ("iemocap", "demo")  # tables whose phones come from the English G2P (g2p.py)


def _g2p_provenance(result: CorpusRead, out: str) -> None:
    """How many word tokens got their phones from where -> printed, and OUTDIR/g2p_sources.tsv
    ('source<TAB>word<TAB>tokens', the least trusted source first). ARPAbet tables (English): CMUdict, the homograph
    table or g2p_en's neural model; IPA tables (ipa_g2p.py): espeak-ng's lexicon or its letter-to-sound rules."""
    from fairseq_emo.units import phone_set

    with_phones = [u for u in result.utterances if u.phones.strip()]
    kind = phone_set(with_phones[0].word_phones()) if with_phones else None
    if kind == "ipa":
        from fairseq_emo import ipa_g2p
        from fairseq_emo.audio_cache import split_corpus
        from fairseq_emo.corpora.registry import get

        language = get(split_corpus(result.corpus)[0]).language   # the G2P's language is the corpus's (registry)
        sources = ipa_g2p.SOURCES
        counts = ipa_g2p.source_counts([u.word_list() for u in with_phones], language)
    elif result.corpus in ENGLISH_CORPORA:
        from fairseq_emo.g2p import G2P_SOURCES as sources
        from fairseq_emo.g2p import source_counts

        counts = source_counts([u.word_list() for u in result.utterances])
    else:
        return
    total = sum(sum(c.values()) for c in counts.values())
    if not total:
        return
    parts = [f"{source} {sum(counts[source].values())} ({100 * sum(counts[source].values()) / total:.2f} %, "
             f"{len(counts[source])} distinct)" for source in sources]
    print(f"G2P provenance of {total} word tokens: " + ", ".join(parts))
    path = os.path.join(out, "g2p_sources.tsv")
    with open(f"{path}.tmp", "w", encoding="utf-8") as f:
        f.write("source\tword\ttokens\n")
        for source in reversed(sources):
            f.writelines(f"{source}\t{w}\t{n}\n" for w, n in counts[source].most_common())
    os.replace(f"{path}.tmp", path)
