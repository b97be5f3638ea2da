"""The recipe scripts' one door into Python: `python -m fairseq_emo.recipe SCRIPT WHAT ARGS...` (lib.sh's
`plan` and `recipe`). SCRIPT is the calling script's name (for messages); WHAT:

  plan ARGV...                       the script's command line checked -> its plan as shell assignments
  fold-start SPEC COMMAND ARGV...    run_folds.sh: what to do with a fold (fold_loop.start)
  fold-prepare SPEC COMMAND ARGV...  run_folds.sh: check it, write cmd.sh, how its attempt starts
  fold-finish SPEC STATUS SECONDS ARGV...   run_folds.sh: DONE or FAILED
  folds-summary OUTCOMES ARGV...     run_folds.sh: the last line; exit 0/1/3/4
  trained-folds RUN NUMBERS          run.sh: the trained fold dirs of a run (NUMBERS: '1 2', '' = all)
  is-decoded DECODE_DIR MODEL_FOLD   exit 0 when the decode is of that fold's current training
  slurm-decode FOLD EXP SETTINGS     run.sh stage 5 on Slurm: the fold's test decode as a job
  record-evaluation FOLD...          the folds' decoded WA/UA into their checkpoints' records
  status EXP                         every fold's state (run.sh --status; fairseq-emo status)
A refused command exits 2 with one line `SCRIPT: why`.
"""
import sys

import fairseq_emo
from fairseq_emo.core import interrupt, layout
from fairseq_emo.recipe import fold_loop
from fairseq_emo.recipe.options import parse, RecipeError
from fairseq_emo.recipe.plan import cross_plan, folds_plan, run_plan, shell
from fairseq_emo.recipe.usage import USAGE
from fairseq_emo.training import model_record, slurm

PLANS = {"run.sh": run_plan, "run_folds.sh": folds_plan, "run_cross_corpus.sh": cross_plan}


def _plan(script: str, argv) -> int:
    line = parse(script, argv)
    if line.version:
        print(f'echo "{script} (fairseq_emo {fairseq_emo.__version__})"; exit 0')
        return 0
    if line.help:
        # the script evals what is printed: the usage, then exit 0
        print(shell({"usage": USAGE[script]}) + 'printf "%s\\n" "$usage"; exit 0')
        return 0
    plan = PLANS[script](line)
    print(shell(plan))
    return 0


def _record_evaluation(folds) -> int:
    for fold_dir in folds:  # one process for all folds of a run: torch and fairseq load once
        done = layout.read_done(fold_dir)
        changes = {"evaluation": model_record.evaluation(fold_dir)}
        if "utterances" not in (model_record.read(done["test_checkpoint"]) or {}):
            # a checkpoint finalized without its record (killed between DONE and the record before DONE was
            # written last): the record is rebuilt from the fold, not left partial
            changes = dict(model_record.build(fold_dir), **changes)
        print(model_record.describe(model_record.update(done["test_checkpoint"], changes)))
    return 0


def main(argv=None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    script, what, rest = argv[0], argv[1], argv[2:]
    try:
        if what == "plan":
            return _plan(script, rest)
        if what in ("fold-start", "fold-prepare"):
            step = fold_loop.start if what == "fold-start" else fold_loop.prepare
            print(step(parse("run_folds.sh", rest[2:]), rest[0], rest[1]))
            return 0
        if what == "fold-finish":
            return fold_loop.finish(parse("run_folds.sh", rest[3:]), rest[0], int(rest[1]), int(rest[2]))
        if what == "folds-summary":
            return fold_loop.summary(parse("run_folds.sh", rest[1:]), rest[0].split())
        if what == "trained-folds":
            wanted = {int(k) for k in rest[1].split()}
            print("\n".join(f for f in layout.fold_dirs(rest[0])
                            if layout.is_trained(f) and (not wanted or layout.fold_number(f) in wanted)))
            return 0
        if what == "is-decoded":
            return 0 if layout.is_decoded(rest[0], rest[1]) else 1
        if what == "slurm-decode":
            fold_loop.slurm_decode(*rest[:3])
            return 0
        if what == "record-evaluation":
            return _record_evaluation(rest)
        if what == "status":   # exit 1 when a fold failed, so a script can tell
            lines = slurm.status(rest[0])
            print("\n".join(lines))
            return 1 if any(": failed" in line for line in lines) else 0
    except (RecipeError, ValueError, RuntimeError, FileNotFoundError) as err:
        print(f"{script}: {err}", file=sys.stderr)
        return 2
    print(f"{script}: unknown recipe step {what!r}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(interrupt.run(main))
