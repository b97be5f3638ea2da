#!/usr/bin/env bash
# Fine-tune one model per (unit, fold, seed) with fairseq-hydra-train; resumable, one failure does not stop the loop.
#
#   bash scripts/run_folds.sh --corpus demo --units "bpc utterance" --config tiny --w2v exp/w2v_tiny.pt
#   bash scripts/run_folds.sh --corpus iemocap --w2v /models/libri960_big.pt          # paper_<unit> configs
#
# Options: bash scripts/run_folds.sh --help; manual: docs/recipe.md "The fold loop". Each fold leaves in
# <exp>/<run>/fold<k>/ (names: fairseq_emo/core/layout.py) cmd.sh (the exact command), train.log, checkpoints/
# (checkpoint_last.pt: the test checkpoint, and the dictionary), DONE or FAILED. What to do with each fold
# (skip, refuse, resume, submit to Slurm) is decided in fairseq_emo/recipe/fold_loop.py; this loop runs it.
set -euo pipefail
me=run_folds.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
args=("$@")
plan "$@"   # folds=('name|unit|labels|config|data|out|seed|k' ...), w2v, exp, launcher, jobs, gpus, extra=(...)
if [ "$jobs" -gt 1 ]; then   # N processes share the cores: one thread each, and results independent of N
  export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1} MKL_NUM_THREADS=${MKL_NUM_THREADS:-1}
fi
read -r -a gpu_list <<< "$gpus"
loop_pid=$$   # this loop; a pooled fold's subshell watches it (train_fold)

# fold_command CONFIG DATA LABELS OUT SEED: the fold's fairseq-hydra-train command, into the array `cmd`
fold_command() {
  local cfg=$1 data=$2 labels=$3 out=$4 seed=$5
  cmd=("$train_bin")
  if [ "$launcher" = submitit_local ]; then
    cmd+=(-m --config-dir "$configs" --config-name "$cfg" hydra/launcher=submitit_local
          "hydra.sweep.dir=$out/$hydra_dir" hydra.sweep.subdir=.)
  else   # local, and the command a Slurm job runs on its node
    cmd+=(--config-dir "$configs" --config-name "$cfg" "hydra.run.dir=$out/$hydra_dir")
  fi
  cmd+=("task.data=$data" "task.labels=$labels" "model.w2v_path=$w2v" "common.user_dir=$package"
        "checkpoint.save_dir=$out/$checkpoints_dir")
  [ -n "$seed" ] && cmd+=("common.seed=$seed")
  # the same-backbone classifier: any config, its objective (configs/recipe/pooled.yaml; the task refuses a mix-up)
  [ "$labels" = pooled ] && cmd+=("criterion._name=$pooled_criterion")
  cmd+=(${extra[@]+"${extra[@]}"})
}

# train_fold SPEC: one fold's attempt, leaving DONE or FAILED in its directory
train_fold() {
  local name unit labels cfg data out seed k state status=0 started
  IFS='|' read -r name unit labels cfg data out seed k <<< "$1"
  fold_command "$cfg" "$data" "$labels" "$out" "$seed"
  state=$(recipe fold-prepare "$1" "$(printf '%q ' "${cmd[@]}")" "${args[@]}") || return 1   # fresh|resume|finished
  started=$(date +%s)
  if [ "$state" != finished ] && [ "$jobs" -gt 1 ]; then
    # pooled: this runs in a subshell, whose parent-death signal the loop's death does not send, so it watches the
    # loop and ends the trainer and itself when the loop is gone (run.sh killed, even by kill -9)
    setpriv --pdeathsig KILL -- "${cmd[@]}" >> "$out/$train_log" 2>&1 &
    local trainer=$!
    while kill -0 "$trainer" 2>/dev/null; do
      kill -0 "$loop_pid" 2>/dev/null || { kill -KILL "$trainer" 2>/dev/null; exit 1; }
      sleep 1
    done
    wait "$trainer" || status=$?
  elif [ "$state" != finished ]; then   # dies with the loop (parent-death signal), even on kill -9
    setpriv --pdeathsig KILL -- "${cmd[@]}" >> "$out/$train_log" 2>&1 || status=$?
  fi
  recipe fold-finish "$1" "$status" "$(( $(date +%s) - started ))" "${args[@]}" || return 1
  if $decode; then
    log "$name: decoding its test split -> $out/$decode_test"
    "$PYTHON" "$repo/scripts/decode.py" --fold-exp "$out" --split test --no-progress \
      || { log "$name: trained, but decoding FAILED (run.sh stage 5 decodes it again)"; return 1; }
  fi
}

outcomes=()
launched=0
for spec in ${folds[@]+"${folds[@]}"}; do
  IFS='|' read -r name unit labels cfg data out seed k <<< "$spec"
  fold_command "$cfg" "$data" "$labels" "$out" "$seed"
  # skipped (trained with this command), differs (with another), queued/submitted (Slurm), or train here
  action=$(recipe fold-start "$spec" "$(printf '%q ' "${cmd[@]}")" "${args[@]}") || exit $?
  if [ "$action" != train ]; then outcomes+=("$out=$action"); continue; fi
  exec {lock_fd}>>"$out/$lock_file"   # one runner per fold: a second loop on the same exp dir skips it
  if ! flock -n "$lock_fd"; then
    log "$name: another runner holds $out/$lock_file ($(cat "$out/$lock_pid_file" 2>/dev/null || echo 'pid unknown')), skipped"
    exec {lock_fd}>&-; outcomes+=("$out=locked"); continue
  fi
  echo "$$ $(hostname) $(date -u +%Y-%m-%dT%H:%M:%SZ)" > "$out/$lock_pid_file"
  outcomes+=("$out=trained")
  if [ "$launcher" = submitit_local ]; then
    train_fold "$spec" &   # hydra's launcher runs each fold's job; they run side by side
  elif [ "$jobs" -eq 1 ]; then
    train_fold "$spec" || true
  else   # a pool of --jobs folds, dealt over --gpus, started --stagger seconds apart
    while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n || true; done
    [ "$launched" -gt 0 ] && sleep "$stagger"
    gpu=""; [ ${#gpu_list[@]} -gt 0 ] && gpu=${gpu_list[$((launched % ${#gpu_list[@]}))]}
    ( if [ -n "$gpu" ]; then export CUDA_VISIBLE_DEVICES=$gpu; fi; train_fold "$spec" ) &
    launched=$((launched + 1))
  fi
  exec {lock_fd}>&-   # a background fold keeps its own copy of the lock until it ends
done
wait
recipe folds-summary "${outcomes[*]}" "${args[@]}"   # exit 0 all done, 1 failed, 3 another command, 4 on Slurm
