#!/usr/bin/env python3
"""Any registered corpus -> OUTDIR/utterances.tsv (4 classes), printing per-class counts beside the published ones
(the paper's Table 4, or the release's), per speaker, what the label policy dropped and what was converted.

  python scripts/prepare.py --corpus ravdess --data /data/Audio_Speech_Actors_01-24 --out data/ravdess
  python scripts/prepare.py --corpus ravdess --data DIR --out data/ravdess-calm --set calm=neutral
  python scripts/prepare.py --list                           # the registry: corpora, languages, transcripts

Layouts, label policies and every assumption: the reader modules (fairseq_emo/corpora/<corpus>.py) and
fairseq_emo/corpora/registry.py. Unusable files stop the run with a list; --skip-bad skips them and lists them in
OUTDIR/skipped.tsv. Audio not at 16 kHz mono is converted once (--rate-policy, --audio-cache).
"""
import argparse
import sys

from fairseq_emo.corpora import registry
from fairseq_emo.corpora.prepare_cli import add_output_args, audio_options, finish
from fairseq_emo import interrupt


def listing() -> str:
    rows = [f"{'corpus':11s} {'lang':4s} {'rate':>6s}  {'trains?':8s} transcripts / speakers"]
    for c in registry.CORPORA.values():
        rows.append(f"{c.name:11s} {c.language:4s} {c.native_rate:6d}  {'yes' if c.trainable else 'test-only':8s} "
                    f"{c.transcripts or '(none read)'} / {c.speakers}"
                    + (f"; --set {', '.join(f'{k}=' for k in c.options)}" if c.options else ""))
    return "\n".join(rows)


def rephonemize(result, language: str) -> None:
    """Every utterance's phones again from its words by espeak-ng (IPA), once per distinct word list."""
    from fairseq_emo.ipa_g2p import words_to_ipa
    from fairseq_emo.table import join_phones

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
                             "espeak (espeak-ng's IPA, fairseq_emo/ipa_g2p.py); other languages have one G2P each")
    add_output_args(parser, required=False)
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
              f"fairseq_emo/ipa_g2p.py)", file=sys.stderr)
        return 2
    try:
        result = registry.read(args.corpus, args.data, audio_options(args) if corpus.audio_options else None,
                               **options)
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
    return finish(result, args, args.data, item="turn" if args.corpus in ("iemocap", "demo") else "file")


if __name__ == "__main__":
    sys.exit(interrupt.run(main))
