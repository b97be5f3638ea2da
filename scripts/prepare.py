#!/usr/bin/env python3
"""Any registered corpus -> OUTDIR/utterances.tsv (the paper's 4 classes, or --emotions full|FILE), printing per-class counts beside the published ones
(the paper's Table 4, or the release's), per speaker, what the label policy dropped and what was converted.

  python scripts/prepare.py --corpus ravdess --data /data/Audio_Speech_Actors_01-24 --out data/ravdess
  python scripts/prepare.py --corpus ravdess --data DIR --out data/ravdess-calm --set calm=neutral
  python scripts/prepare.py --corpus ravdess --data DIR --out data/ravdess-full --emotions full   # all 8 classes
  python scripts/prepare.py --list                           # the registry: corpora, languages, transcripts

Layouts, label policies and every assumption: the reader modules (fairseq_emo/data/corpora/<corpus>.py) and
fairseq_emo/data/corpora/registry.py. Unusable files stop the run with a list; --skip-bad skips them and lists them in
OUTDIR/skipped.tsv. Audio not at 16 kHz mono is converted once (--rate-policy, --audio-cache).
"""
import argparse
import sys

from fairseq_emo.data.corpora import registry
from fairseq_emo.data.audio_cache import RATE_POLICIES
from fairseq_emo.data.prepare import audio_options, finish
from fairseq_emo.core import interrupt


def listing() -> str:
    rows = [f"{'corpus':11s} {'lang':4s} {'rate':>6s}  {'trains?':8s} transcripts / speakers"]
    for c in registry.CORPORA.values():
        rows.append(f"{c.name:11s} {c.language:4s} {c.native_rate:6d}  {'yes' if c.trainable else 'test-only':8s} "
                    f"{c.transcripts or '(none read)'} / {c.speakers}"
                    + (f"; --set {', '.join(f'{k}=' for k in c.options)}" if c.options else ""))
    return "\n".join(rows)


def rephonemize(result, language: str) -> None:
    """Every utterance's phones again from its words by espeak-ng (IPA), once per distinct word list."""
    from fairseq_emo.data.ipa_g2p import words_to_ipa
    from fairseq_emo.data.table import join_phones

    done = {}
    for u in result.utterances:
        if u.words and u.words not in done:
            done[u.words] = join_phones(words_to_ipa(u.word_list(), language))
        u.phones = done.get(u.words, "")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--list", action="store_true", help="print the registry and exit")
    parser.add_argument("--corpus", choices=list(registry.CORPORA), metavar="NAME",
                        help="a registered corpus: " + ", ".join(registry.CORPORA))
    parser.add_argument("--data", help="the corpus's release folder (see --list)")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                        help="a reader option of the corpus (see --list), e.g. calm=neutral for ravdess")
    parser.add_argument("--g2p", choices=("cmudict", "espeak"), default="cmudict",
                        help="English corpora: cmudict (default, as the paper: CMUdict + g2p_en, ARPAbet phones) or "
                             "espeak (espeak-ng's IPA, fairseq_emo/data/ipa_g2p.py); other languages have one G2P each")
    parser.add_argument("--emotions", default="four", metavar="four|full|FILE",
                        help="label set: four (default: the paper's neutral, happy, angry, sad), full (every class the "
                             "release documents) or a mapping file ('<raw label> <class code>' or '<raw label> -' "
                             "per line); docs/recipe.md, 'Label sets'")
    parser.add_argument("--out", help="output folder for utterances.tsv")
    parser.add_argument("--skip-bad", action="store_true",
                        help="skip unusable files (counted, listed in OUTDIR/skipped.tsv) instead of stopping")
    parser.add_argument("--rate-policy", choices=RATE_POLICIES, default="resample",
                        help="audio not at 16 kHz mono: 'resample' with soxr (default); 'relabel': keep the samples "
                             "and declare them 16 kHz (on 8 kHz audio: the paper's 'tested directly on 8 kHz audio'; "
                             "on a 22.05 kHz copy: slowed and lowered, not the paper's condition); 'bandlimit8k': "
                             "down to 8 kHz and up to 16 kHz (the paper's Mandarin condition from a 22.05 kHz copy); "
                             "see fairseq_emo/data/audio_cache.py")
    parser.add_argument("--audio-cache", help="where converted audio is written once, in a folder per rate policy "
                                              "(DIR/wav16k, DIR/wav_relabelled, DIR/wav_bandlimit8k), so one cache "
                                              "shared by several policies never mixes them (default DIR = OUTDIR)")
    args = parser.parse_args(argv)
    if args.list:
        print(listing())
        return 0
    missing = [o for o, v in (("--corpus", args.corpus), ("--data", args.data), ("--out", args.out)) if not v]
    if missing:
        parser.error(f"{', '.join(missing)} required (or --list)")
    options = {}
    for item in args.set:
        key, sep, value = item.partition("=")
        if not sep:
            parser.error(f"--set {item}: expected KEY=VALUE")
        options[key] = value
    corpus = registry.get(args.corpus)
    if args.g2p == "espeak" and corpus.language != "en":   # before the corpus is read: nothing to wait for
        print(f"error: --g2p applies to English corpora; {args.corpus} is {corpus.language} (one G2P: "
              f"fairseq_emo/data/ipa_g2p.py)", file=sys.stderr)
        return 2
    try:
        audio = audio_options(args.out, args.rate_policy, args.audio_cache) if corpus.audio_options else None
        policy = corpus.label_policy.with_set(args.emotions)
        result = registry.read(args.corpus, args.data, audio, args.emotions, **options)
    except (FileNotFoundError, ValueError, RuntimeError) as err:   # RuntimeError: a G2P program missing or hung
        print(f"error: {err}", file=sys.stderr)
        return 2
    if args.g2p == "espeak":
        try:
            rephonemize(result, "en")
        except (RuntimeError, ValueError) as err:
            print(f"error: {err}", file=sys.stderr)
            return 2
    if not corpus.audio_options and args.rate_policy != "resample":
        print(f"error: {args.corpus} is read as recorded (16 kHz); --rate-policy does not apply", file=sys.stderr)
        return 2
    return finish(result, args.out, args.data, args.skip_bad, args.rate_policy, policy)


if __name__ == "__main__":
    sys.exit(interrupt.run(main))
