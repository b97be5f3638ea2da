"""The prepare stage after a corpus reader (scripts/prepare.py; run.sh stage 1): its result -> OUTDIR/utterances.tsv,
the problem policy (stop, or skip_bad: skip and list in OUTDIR/skipped.tsv), the printed counts beside the
published ones (the paper's Table 4), and where each word's phones came from (OUTDIR/g2p_sources.tsv)."""
import os
import sys
from collections import Counter
from typing import Optional

from fairseq_emo.core import layout
from fairseq_emo.core.atomic import write_text
from fairseq_emo.core.emotions import counts_line, LabelPolicy, POLICIES
from fairseq_emo.data import ipa_g2p
from fairseq_emo.data.audio_cache import CACHE_DIRS, corpus_name, split_corpus
from fairseq_emo.data.corpora.common import AudioOptions, CorpusRead, Problem
from fairseq_emo.data.corpora.registry import get, iemocap_layout
from fairseq_emo.data.g2p import G2P_SOURCES, source_counts
from fairseq_emo.data.label_check import TRN_UNSAFE
from fairseq_emo.data.table import summarize, write_table
from fairseq_emo.units import phone_set


def audio_options(out: str, rate_policy: str, audio_cache: Optional[str] = None) -> AudioOptions:
    """Where converted audio goes: the policy's own folder under the cache root (default: the output folder), so
    two policies sharing one cache never write one path."""
    return AudioOptions(cache_dir=os.path.abspath(os.path.join(audio_cache or out, CACHE_DIRS[rate_policy])),
                        rate_policy=rate_policy)


def finish(result: CorpusRead, out: str, source: str, skip_bad: bool = False, rate_policy: str = "resample",
           policy: Optional[LabelPolicy] = None) -> int:
    """Apply the problem policy, write the table, print counts (beside `policy`'s published ones: the label set
    the corpus was read in; default its four-class policy); returns the exit status."""
    policy = policy or POLICIES.get(split_corpus(result.corpus)[0])
    kept = f"{len(policy.classes)}" if policy else "kept"
    os.makedirs(out, exist_ok=True)
    skipped_path = os.path.join(out, "skipped.tsv")
    item = "turn" if iemocap_layout(result.corpus) else "file"
    _check_ids(result)
    if result.problems:
        listing = "\n".join(f"  {p.utt_id}: {p.reason} ({p.path})" for p in result.problems[:20])
        more = f"\n  ... and {len(result.problems) - 20} more" if len(result.problems) > 20 else ""
        if not skip_bad:
            if os.path.exists(skipped_path):
                os.remove(skipped_path)  # our own list from an earlier run: it does not describe this one
            print(f"error: {len(result.problems)} {item}(s) of the {kept} kept classes cannot be used:\n{listing}{more}\n"
                  f"Fix them, or rerun with --skip-bad to skip them (listed in {skipped_path}).", file=sys.stderr)
            return 2
        write_text(skipped_path, "utt_id\treason\tpath\n"
                   + "".join(f"{p.utt_id}\t{p.reason}\t{p.path}\n" for p in result.problems))
        print(f"skipped {len(result.problems)} unusable {item}(s), listed in {skipped_path}:\n{listing}{more}")
    elif os.path.exists(skipped_path):
        os.remove(skipped_path)  # our own output from an earlier run; stale now
    if not result.utterances:
        print(f"error: {source}: no usable utterance of the {kept} classes", file=sys.stderr)
        return 2
    name = corpus_name(result.corpus, rate_policy, policy.set_name if policy else "four")
    if name != result.corpus:
        # A different input condition or label set: its manifests and results never mix with the default's.
        result.corpus = name
        for u in result.utterances:
            u.corpus = result.corpus
    table = layout.utterance_table(out)
    write_table(table, result.utterances)
    dropped = ", ".join(f"{k}={v}" for k, v in sorted(result.dropped_labels.items()))
    print(f"corpus: {result.corpus}  ({source} -> {table})")
    print(summarize(result.utterances))
    if policy and policy.counts:
        source_of = policy.counts_source if policy.set_name == "four" else "the release's counts (full label set)"
        print(f"{source_of} for the full {policy.corpus}: {counts_line(policy.counts)}")
    converted = [u for u in result.utterances if u.wav != u.source_wav]
    if converted:
        rates = sorted({u.source_rate for u in converted})
        print(f"audio: {len(converted)} file(s) at {', '.join(map(str, rates))} Hz -> 16 kHz mono by {rate_policy!r} "
              f"(cached in {os.path.commonpath([os.path.dirname(u.wav) for u in converted])})")
    label_set = "4-class" if not policy or policy.set_name == "four" else f"{policy.set_name} ({kept}-class)"
    print(f"dropped by the {label_set} label policy: {dropped or 'none'}")
    _g2p_provenance(result, out)
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




def _g2p_provenance(result: CorpusRead, out: str) -> None:
    """How many word tokens got their phones from where -> printed, and OUTDIR/g2p_sources.tsv
    ('source<TAB>word<TAB>tokens', the least trusted source first). ARPAbet tables (English): CMUdict, the homograph
    table or g2p_en's neural model; IPA tables (ipa_g2p.py): espeak-ng's lexicon or its letter-to-sound rules."""

    with_phones = [u for u in result.utterances if u.phones.strip()]
    kind = phone_set(with_phones[0].word_phones()) if with_phones else None
    if kind == "ipa":

        language = get(split_corpus(result.corpus)[0]).language   # the G2P's language is the corpus's (registry)
        sources = ipa_g2p.SOURCES
        counts = ipa_g2p.source_counts([u.word_list() for u in with_phones], language)
    elif iemocap_layout(split_corpus(result.corpus)[0]):   # phones from the English G2P (g2p.py)
        sources = G2P_SOURCES
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
    write_text(path, "source\tword\ttokens\n" + "".join(f"{source}\t{w}\t{n}\n" for source in reversed(sources)
                                                       for w, n in counts[source].most_common()))
