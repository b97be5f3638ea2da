"""`fairseq-emo` command line (console script from setup.py).

  fairseq-emo predict --checkpoint CKPT AUDIO... [--format jsonl|csv] [--out FILE] [--ctm FILE] [--plot PNG]
  fairseq-emo info [--checkpoint] CKPT [--json]   what the checkpoint is: its record (corpus, units, fold, scores)
  fairseq-emo export --checkpoint CKPT --out DIR [--license L]   a transformers model directory
  fairseq-emo status EXP             every fold of exp/<corpus>: trained, decoded, queued/running on Slurm, failed
  fairseq-emo --version
AUDIO may be files, directories (searched recursively), list files (@paths.txt, *.lst) or wav.scp files
('<id> <path>' lines); every file gets an id (the scp's, else its stem made unique) that names it in the
outputs (`id` field, CTM recording, plot file names). Output: JSON lines
(one record per file, chunks and timeline inside) or CSV (one row per file and per chunk), to --out or stdout;
without --format, an --out ending in .csv gets CSV.
Exit status 0 when every file succeeded, 1 when some failed (their errors are in the output), 2 on bad usage or
unusable input (an output path that cannot be written, a file that is not a fine-tuned checkpoint), before any
audio is decoded. Results are written and flushed file by file.
"""
import argparse
import csv
import io
import json
import os
import sys
import time

import fairseq_emo
from fairseq_emo.core import interrupt
from fairseq_emo.core.emotions import EMOTIONS
from fairseq_emo.core.safe_load import needs_fairseq, NeedsFairseq, UnsafeCheckpoint
from fairseq_emo.serving.audio_input import allocate_large_buffers_with_mmap
from fairseq_emo.serving.outputs import ctm_lines, plot_timeline
from fairseq_emo.serving.predict_inputs import clobbers, expand_inputs, file_name_part, InputError, protected_files
from fairseq_emo.training import model_record, slurm


class _Refused(Exception):
    """A predict command that cannot run: printed as `error: <message>`, exit status 2, before any audio is decoded."""


def _predict(args) -> int:
    """`fairseq-emo predict`: every check first (paths, device, inputs, outputs that would destroy a file), then the
    model, then one result per file written and flushed as it finishes, then the summary."""
    try:
        files, protected = _predict_inputs(args)
        plot_names = _plot_names(args.plot, files, protected) if args.plot and len(files) > 1 else {}
        embedding_files = _embedding_files(args.embeddings, files) if args.embeddings else {}
        predictor, model = _load_predictor(args)
    except _Refused as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    start = time.perf_counter()
    results = _write_predictions(args, predictor, files, model, plot_names, embedding_files)
    if results is None:
        return 2
    seconds = time.perf_counter() - start
    audio = sum(r.get("duration", 0.0) for r in results)
    failed = [r for r in results if "error" in r]
    for r in failed:
        print(f"error: {r['file']}: {r['error']}", file=sys.stderr)
    for r in results:
        if r.get("mixed_to_mono"):
            print(f"note: {r['file']}: {r['channels']} channels averaged to mono", file=sys.stderr)
    speed = f"real-time factor {seconds / audio:.3f}" if audio else "no audio decoded"
    print(f"{len(results) - len(failed)} of {len(results)} file(s) done, {audio:.1f} s of audio in {seconds:.1f} s "
          f"({speed}, {args.device})", file=sys.stderr)
    return 1 if failed else 0


def _predict_inputs(args):
    """The checkpoint, output folders, device and inputs checked -> ([(id, path)], the files no output may land on)."""
    import logging

    logging.getLogger().setLevel(logging.WARNING)  # fairseq/hydra imports leave the root logger chatty
    logging.getLogger("matplotlib").setLevel(logging.WARNING)
    if not (os.path.isfile(args.checkpoint) or os.path.isfile(os.path.join(args.checkpoint, "config.json"))):
        raise _Refused(f"checkpoint {args.checkpoint} not found (a fold's checkpoint_last.pt, or a directory made "
                       f"by fairseq-emo export)")
    # every output path is checked before any audio is decoded: a typo must not cost a whole batch
    for flag, path in (("--out", args.out), ("--ctm", args.ctm), ("--plot", args.plot)):
        folder = os.path.dirname(os.path.abspath(path)) if path else None
        if folder and not (os.path.isdir(folder) and os.access(folder, os.W_OK)):
            raise _Refused(f"{flag} {path}: folder {folder} does not exist or is not writable")
    # torch: imported by the subcommands that run a model only, so `fairseq-emo info` and --help stay quick
    from fairseq_emo.serving.predict import resolve_device

    try:
        args.device = resolve_device(args.device)   # None: cuda when torch sees a GPU, else cpu
    except ValueError as err:
        raise _Refused(f"--device {err}") from None
    if args.batch_size is None:
        args.batch_size = 8 if args.device.startswith("cuda") else 1   # bench_predict.py --files: docs/benchmarks.md
    try:
        files, skipped = expand_inputs(args.audio)
    except (OSError, InputError) as err:
        raise _Refused(str(err)) from None
    # what this run reads, by file identity: no output may land on it under any name (predict_inputs.py)
    protected = protected_files(args.audio, [path for _, path in files], args.checkpoint)
    for flag, path in (("--out", args.out), ("--ctm", args.ctm), ("--plot", args.plot)):
        if path and os.path.isdir(path):
            raise _Refused(f"{flag} {path} is a directory; give a file name")
        hit = clobbers(path, protected) if path else None
        if hit:
            raise _Refused(f"{flag} {path} is {hit}; writing it would destroy it")
    if skipped:
        print(f"note: {len(skipped)} file(s) in the given folders are not audio and were skipped: "
              f"{', '.join(skipped[:5])}{' ...' if len(skipped) > 5 else ''}", file=sys.stderr)
    if not files:
        raise _Refused("no audio files given or found")
    missing = [path for _, path in files if not os.path.isfile(path)]
    for path in missing[:-1] if len(missing) == len(files) else missing:   # said now, before the model loads
        print(f"error: {path}: no such file", file=sys.stderr)
    if len(missing) == len(files):
        raise _Refused(f"{missing[-1]}: no such file")
    return files, protected


def _plot_names(plot: str, files, protected) -> dict:
    """--plot NAME with several inputs -> {id: NAME_<id>.png}: ids made file-name safe, unique after that, and
    never a file this run reads."""
    names, stem, taken = {}, os.path.splitext(plot)[0], set()
    for ident, _ in files:
        name, n = f"{stem}_{file_name_part(ident)}.png", 1
        while name in taken:
            n += 1
            name = f"{stem}_{file_name_part(ident)}_{n}.png"
        taken.add(name)
        names[ident] = name
    clash = sorted(p for p in names.values() if clobbers(p, protected))
    if clash:
        raise _Refused(f"--plot {plot}: would overwrite {clobbers(clash[0], protected)} {clash[0]}")
    return names


def _embedding_files(folder: str, files) -> dict:
    """--embeddings DIR -> {id: DIR/<id>.npy}, checked before decoding: a folder we can write, and no file of the
    user's overwritten."""
    names, taken = {}, set()
    for ident, _ in files:
        name = file_name_part(ident)
        while name in taken:
            name += "_"
        taken.add(name)
        names[ident] = os.path.join(folder, f"{name}.npy")
    existing = [p for p in names.values() if os.path.lexists(p)]
    parent = os.path.dirname(os.path.abspath(folder))
    if existing:
        raise _Refused(f"--embeddings {folder}: {existing[0]} exists ({len(existing)} file(s) would be overwritten); "
                       f"choose another folder")
    if not (os.path.isdir(folder) or os.path.isdir(parent) and os.access(parent, os.W_OK)):
        raise _Refused(f"--embeddings {folder}: cannot create it ({parent} missing or not writable)")
    os.makedirs(folder, exist_ok=True)
    return names


def _seconds_of(files) -> float:
    """The inputs' total duration from their headers (for the progress bar; unreadable ones count 0)."""
    import soundfile

    total = 0.0
    for _, path in files:
        try:
            info = soundfile.info(path)
            total += info.frames / info.samplerate
        except Exception:   # noqa: BLE001  (the file's error is reported when it is read)
            continue
    return total


def _load_predictor(args):
    """-> (the Predictor, the model's record for the jsonl lines: None for a checkpoint without one)."""
    if not os.path.isdir(args.checkpoint):   # an exported directory needs no fairseq (an inference-only install)
        try:
            import fairseq  # noqa: F401  (before the plugin registers)
        except ImportError:
            raise _Refused(str(needs_fairseq(args.checkpoint))) from None
    from fairseq_emo.serving.predict import Predictor  # torch: this subcommand only

    allocate_large_buffers_with_mmap()  # this process only: long batches keep memory bounded (audio_input.py)
    try:
        predictor = Predictor(args.checkpoint, args.device)
    except (UnsafeCheckpoint, NeedsFairseq) as err:
        raise _Refused(str(err)) from None
    except Exception as err:  # a junk file or a checkpoint of another kind fails in many ways inside fairseq
        raise _Refused(f"{args.checkpoint} is not a usable fine-tuned fairseq_emo checkpoint ({type(err).__name__}: "
                       f"{str(err)[:300]}); give the checkpoint_last.pt of a trained fold") from None
    record = model_record.read(args.checkpoint)
    print(f"model: {model_record.describe(record)}", file=sys.stderr)
    model = {k: record.get(k) for k in ("corpus", "unit_variant", "scheme", "test_group", "valid_policy",
                                        "evaluation")} if record else None
    return predictor, model


def _write_predictions(args, predictor, files, model, plot_names, embedding_files):
    """Each file's result written and flushed as it finishes (an interrupted batch keeps every file it finished),
    with its CTM lines, plot and embedding -> per file what the summary needs; None when writing failed."""
    import numpy as np
    from tqdm import tqdm

    results = []
    out = open(args.out, "w", encoding="utf-8") if args.out else sys.stdout
    ctm = open(args.ctm, "w", encoding="utf-8") if args.ctm else None
    try:
        if args.format == "csv":
            out.write(_format([], "csv", classes=predictor.classes))  # the header: the model's classes
        # progress in seconds of audio, moved by every decoded chunk: one long file does not sit at 0/1 until done
        bar = tqdm(total=round(_seconds_of(files), 1), unit="s audio", disable=args.no_progress, file=sys.stderr,
                   bar_format="{l_bar}{bar}| {n:.0f}/{total:.0f} s audio [{elapsed}<{remaining}]")
        for result, envelope in predictor.stream_files(files, args.batch_size, args.chunk_seconds,
                                                       embeddings=bool(args.embeddings),
                                                       progress=lambda s: bar.update(round(s, 3))):
            ident = result["id"]
            if "embedding" in result:
                np.save(embedding_files[ident], result.pop("embedding"))
                result["embedding_file"] = embedding_files[ident]
            if args.format == "jsonl":
                result["model"] = model  # what made these predictions (None: a checkpoint without a record)
            if args.plot and "error" not in result:  # drawn now, from the 20-ms envelope: no second read
                # one file: the name given; several: named after each input's id
                plot_timeline(result, args.plot if len(files) == 1 else plot_names[ident], envelope)
            out.write(_format([result], args.format, header=False, classes=predictor.classes))
            out.flush()
            if ctm:
                ctm.write("".join(line + "\n" for line in ctm_lines([result])))
                ctm.flush()
            results.append({k: result.get(k) for k in ("file", "duration", "error", "mixed_to_mono", "channels")
                            if k in result})
        bar.close()
    except OSError as err:  # a full disk or a vanished folder while writing: what was flushed is kept
        print(f"error: writing the outputs failed ({err}); the files finished before it are in them; free space "
              f"and rerun", file=sys.stderr)
        return None
    finally:
        try:
            if args.out:
                out.close()
            if ctm:
                ctm.close()
        except OSError:
            pass
    return results


def _version() -> str:
    return fairseq_emo.__version__


def _positive_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not value >= 1.0 or value != value or value == float("inf"):
        raise argparse.ArgumentTypeError(f"expected seconds, at least 1 (a chunk shorter than that holds too few "
                                         f"frames to decode), got {text!r}")
    return value


def positive_int(text: str) -> int:
    """argparse type: a whole number of at least 1 (batch sizes), else a usage error saying so."""
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, got {text!r}")
    return int(text)


def _format(results, fmt: str, header: bool = True, classes=EMOTIONS) -> str:
    """Records -> jsonl or csv text; csv has a score column per class of the model (`classes`)."""

    if fmt == "jsonl":
        return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in results)
    buf = io.StringIO()
    writer = csv.writer(buf)
    if header:
        writer.writerow(["id", "file", "scope", "start", "end", "emotion", "no_speech", "confidence", "vote_share", "mass_share",
                         *[f"mass_share_{e}" for e in classes], *[f"vote_share_{e}" for e in classes], "n_units",
                         "units", "error"])

    def scores(x):
        s = x.get("scores")
        return [s[e]["mass_share"] if s else "" for e in classes] + [s[e]["vote_share"] if s else "" for e in classes]

    for r in results:
        writer.writerow([r["id"], r["file"], "file", 0.0, r.get("duration", ""), r.get("emotion") or "",
                         r.get("no_speech", ""), "" if r.get("confidence") is None else r["confidence"], r.get("vote_share", ""), r.get("mass_share", ""), *scores(r),
                         r.get("n_units", ""), "", r.get("error", "")])
        for c in r.get("chunks", []):
            writer.writerow([r["id"], r["file"], "chunk", c["start"], c["end"], c["emotion"] or "", c["no_speech"],
                             "" if c["confidence"] is None else c["confidence"], c["vote_share"], c["mass_share"], *scores(c), c["n_units"], c["units"], ""])
    return buf.getvalue()


def main(argv=None) -> int:
    """The fairseq-emo command; Ctrl-C ends it with one line, not a traceback (interrupt.py)."""

    try:
        return interrupt.run(_main, argv)
    except BrokenPipeError:   # `fairseq-emo info CKPT | head`: the reader left; no traceback for that
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


def _main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="fairseq-emo", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"fairseq-emo {_version()}")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("predict", help="emotion of audio files, with a unit-level emotion timeline")
    p.add_argument("audio", nargs="+", help="audio files, directories, or @list files")
    p.add_argument("--checkpoint", required=True, help="fine-tuned checkpoint (checkpoint_last.pt of a fold), or a "
                                                       "directory made by fairseq-emo export")
    p.add_argument("--format", choices=("jsonl", "csv"), default=None,
                   help="default: csv when --out ends in .csv, else jsonl")
    p.add_argument("--out", help="output file (default: stdout)")
    p.add_argument("--ctm", help="also write the timeline as a CTM file")
    p.add_argument("--plot", help="PNG of the waveform with unit emotions along time; several inputs: one PNG per "
                                  "input, named <plot stem>_<input id>.png")
    p.add_argument("--embeddings", metavar="DIR", help="also write each file's utterance embedding (the encoder's "
                   "last hidden state averaged over the file) as DIR/<id>.npy; the record names it")
    p.add_argument("--chunk-seconds", type=_positive_seconds, default=20.0,
                   help="longest chunk decoded at once (default 20)")
    p.add_argument("--batch-size", type=positive_int, default=None,
                   help="chunks decoded together, length-sorted (default: 8 on cuda, 1 on cpu)")
    p.add_argument("--device", default=None, help="cpu, cuda, cuda:1 ... (default: cuda when torch sees a GPU)")
    p.add_argument("--no-progress", action="store_true")
    e = sub.add_parser("export", help="a fine-tuned checkpoint -> a Hugging Face transformers model directory")
    e.add_argument("--checkpoint", required=True, help="checkpoint_last.pt of a fold (dict.<unit>.txt beside it)")
    e.add_argument("--out", required=True, help="the model directory to write (must not exist yet)")
    e.add_argument("--license", default="mit", help="the model card's licence (default mit: the wav2vec 2.0 "
                                                   "backbone's; the training data's own terms apply as well)")
    i = sub.add_parser("info", help="what a fine-tuned checkpoint is (the record run_folds.sh stores in it)")
    i.add_argument("checkpoint", nargs="?", help="the checkpoint (or give it as --checkpoint, as predict/export do)")
    i.add_argument("--checkpoint", dest="checkpoint_option", metavar="CHECKPOINT")
    i.add_argument("--json", action="store_true", help="the whole record as JSON")
    t = sub.add_parser("status", help="every fold of an experiment: trained, decoded, queued/running on Slurm, "
                                      "failed (with its first line)")
    t.add_argument("exp", help="exp/<corpus>")
    args = parser.parse_args(argv)
    if args.command == "info":
        if args.checkpoint and args.checkpoint_option and args.checkpoint != args.checkpoint_option:
            parser.error("info: two different checkpoints given")
        args.checkpoint = args.checkpoint or args.checkpoint_option
        if not args.checkpoint:
            parser.error("info: give the checkpoint (CKPT or --checkpoint CKPT)")
    if args.command == "predict":
        out_csv = bool(args.out) and args.out.lower().endswith(".csv")
        if args.format is None:
            args.format = "csv" if out_csv else "jsonl"
        elif args.format == "jsonl" and out_csv:
            parser.error(f"--out {args.out} with --format jsonl: name the file .jsonl, or use --format csv")
    if args.command == "status":
        try:
            lines = slurm.status(args.exp)
        except (FileNotFoundError, RuntimeError) as err:   # QueryFailed: squeue could not say
            print(f"error: {err}", file=sys.stderr)
            return 2
        print("\n".join(lines))
        return 1 if any(": failed" in line for line in lines) else 0
    if args.command == "predict":
        return _predict(args)
    if args.command == "info":
        return _info(args)
    if args.command == "export":
        return _export(args)
    return 2


def _export(args) -> int:
    if not os.path.isfile(args.checkpoint):
        print(f"error: checkpoint {args.checkpoint} not found", file=sys.stderr)
        return 2
    if os.path.lexists(args.out):   # nothing a user wrote is overwritten (a dangling link too: it points somewhere)
        print(f"error: --out {args.out} exists{' (a link to ' + os.readlink(args.out) + ')' if os.path.islink(args.out) else ''}; "
              f"choose a new directory", file=sys.stderr)
        return 2
    parent = os.path.dirname(os.path.abspath(args.out))
    if not (os.path.isdir(parent) and os.access(parent, os.W_OK)):
        print(f"error: --out {args.out}: folder {parent} does not exist or is not writable", file=sys.stderr)
        return 2
    try:
        import transformers  # noqa: F401
    except ImportError:
        print("error: transformers is not installed: pip install -e . (scripts/setup.sh installs it)",
              file=sys.stderr)
        return 2
    from fairseq_emo.serving.hf_export import export  # torch and transformers: this subcommand only

    try:
        out = export(args.checkpoint, args.out, license=args.license)
    except (FileNotFoundError, ValueError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    print(f"{args.checkpoint} -> {out} (transformers Wav2Vec2ForCTC with fairseq_emo's code for the emotion: "
          f"pipeline(\"audio-classification\", model=DIR, trust_remote_code=True); unit tokenizer, model card)")
    return 0


def _info(args) -> int:

    if not os.path.exists(args.checkpoint):
        print(f"error: checkpoint {args.checkpoint} not found", file=sys.stderr)
        return 2
    try:
        record = model_record.read(args.checkpoint)
    except (UnsafeCheckpoint, NeedsFairseq) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except Exception as err:  # not a torch file, truncated, ...
        print(f"error: {args.checkpoint} is not a readable checkpoint ({type(err).__name__}: {str(err)[:200]})",
              file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(record, indent=1, sort_keys=True))
    else:
        print(model_record.describe(record))
        for key, value in sorted((record or {}).items()):
            print(f"  {key}: {value}")
    return 0 if record else 1


if __name__ == "__main__":
    sys.exit(main())
