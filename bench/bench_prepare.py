#!/usr/bin/env python3
"""Benchmark (not a test): time to produce all four unit types x 10 speaker folds from a 5531-utterance table.

A synthetic table with IEMOCAP's shape (10 speakers, 1708/1636/1103/1084 per class, ~10-word sentences, some
out-of-CMUdict words) is generated; no audio is read (frames are made up), so the time excludes header reads.
Stages timed: G2P of every transcript (prepare's share), table write + read, then per unit type: labelling,
folds and writing 10 fold directories. Target for the units+manifests part: <= 10 s on 2 cores.

  python bench/bench_prepare.py [--out DIR]
"""
import argparse
import os
import random
import sys
import tempfile
import time

from fairseq_emo.data.demo_corpus import SENTENCES
from fairseq_emo.core.audio import FAIRSEQ_SAMPLE_RATE
from fairseq_emo.data.fold_protocol import SchemeProtocol
from fairseq_emo.data.folds import make_folds
from fairseq_emo.data.g2p import words_to_phones
from fairseq_emo.data.manifest import audio_root, build_dictionary, label_all, write_fold
from fairseq_emo.data.table import Utterance, join_phones, read_table, write_table
from fairseq_emo.data.transcript import transcript_words
from fairseq_emo.units import UNIT_TYPES, UnitSpec

CLASS_COUNTS = {"neu": 1708, "hap": 1636, "ang": 1103, "sad": 1084}
NAMES = ["Kowalczyk", "Brisbane", "Zanzibarian", "Okonkwo", "Thessaly", "Marguerite", "Quillfeather"]


def synthetic_texts(n: int, rng: random.Random):
    for _ in range(n):
        text = rng.choice(SENTENCES)
        if rng.random() < 0.3:
            text = f"{rng.choice(NAMES)}, {text.lower()}"
        if rng.random() < 0.05:
            text = "[LAUGHTER] " + text
        yield text


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", help="work folder (default: a temporary one)")
    args = parser.parse_args()
    out = args.out or tempfile.mkdtemp(prefix="bench_prepare_")
    rng = random.Random(0)
    emotions = [e for e, n in CLASS_COUNTS.items() for _ in range(n)]
    rng.shuffle(emotions)
    speakers = [f"Ses{s:02d}{g}" for s in range(1, 6) for g in "FM"]

    t0 = time.perf_counter()
    utterances = []
    for i, (emo, text) in enumerate(zip(emotions, synthetic_texts(len(emotions), rng))):
        spk = speakers[i % len(speakers)]
        words = transcript_words(text)
        utt_id = f"{spk[:6]}_impro01_{spk[5]}{i:04d}"
        utterances.append(Utterance(utt_id, spk, spk[:5], spk[5], f"{spk[:6]}_impro01", emo, emo, text,
                                    " ".join(words), join_phones(words_to_phones(words)),
                                    f"/corpus/{spk[:5]}/{utt_id}.wav", FAIRSEQ_SAMPLE_RATE * 3, FAIRSEQ_SAMPLE_RATE, "bench"))
    t_g2p = time.perf_counter() - t0
    table = os.path.join(out, "utterances.tsv")
    t0 = time.perf_counter()
    write_table(table, utterances)
    utterances = read_table(table)
    t_table = time.perf_counter() - t0
    print(f"table: {len(utterances)} utterances, {len(speakers)} speakers -> {table}")
    print(f"g2p (prepare share, {len(utterances)} transcripts): {t_g2p:7.2f} s")
    print(f"table write + read:                            {t_table:7.2f} s")

    total = 0.0
    # the paper's four: the table is English (initfinal needs pinyin); pooled writes the utterance unit's labels again
    english = [u for u in UNIT_TYPES if u not in ("initfinal", "pooled")]
    for unit in english:
        spec = UnitSpec(unit)
        t0 = time.perf_counter()
        labels = label_all(utterances, spec)
        t_label = time.perf_counter() - t0
        folds = make_folds(utterances, "speaker")
        dictionary = build_dictionary(labels, spec)
        root = audio_root(utterances)
        t_folds = time.perf_counter() - t0 - t_label
        fold_dir = os.path.join(out, unit)
        os.makedirs(fold_dir, exist_ok=True)
        for f in folds:
            write_fold(fold_dir, f, "speaker", spec, labels, dictionary, root,
                       SchemeProtocol("bench", "bench", "speaker", spec.unit, spec.variant), force=True)
        t_all = time.perf_counter() - t0
        total += t_all
        n_tokens = sum(len(v) for v in labels.values())
        print(f"{unit:10s} label {t_label:5.2f} s  folds {t_folds:5.2f} s  write {t_all - t_label - t_folds:5.2f} s"
              f"  = {t_all:5.2f} s  ({n_tokens} tokens, {len(folds)} folds)")
    print(f"units + manifests, {len(english)} unit types x 10 folds: {total:.2f} s (target <= 10 s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
