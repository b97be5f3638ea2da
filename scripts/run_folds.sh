#!/usr/bin/env bash
# Fine-tune one model per (unit type, fold) with fairseq-hydra-train; resumable, one failure does not stop the loop.
#
#   bash scripts/run_folds.sh --corpus demo --units "bpc utterance" --config tiny --w2v exp/w2v_tiny.pt
#   bash scripts/run_folds.sh --corpus iemocap --w2v /models/libri960_big.pt          # paper_<unit> configs
#
# For each unit and fold k of manifests/<corpus>/<unit>/<scheme>/fold<k>/ it trains into
# exp/<corpus>/<unit>/fold<k>/ (speaker folds; other schemes: exp/<corpus>/<unit>.<scheme>/fold<k>/; with
# --seeds "1 2 3" once per seed, into exp/<corpus>/<unit>[.<scheme>].seed<s>/fold<k>/ with common.seed=<s>;
# names: fairseq_emo/layout.py):
#   cmd.sh         the exact command line (rerun it by hand to reproduce)
#   train.log      fairseq's log, appended across attempts
#   checkpoints/   checkpoint_last.pt (the test checkpoint: the final one, no selection on the test fold)
#                  and dict.<unit>.txt (so the checkpoint directory alone suffices for fairseq-emo predict)
#   DONE           written when training finished (config, data, seed, device, wall time, checkpoint rule);
#                  such folds are skipped
#   FAILED         exit status and log tail of the last failed attempt
# An interrupted fold resumes from checkpoints/checkpoint_last.pt when the loop is run again; an unloadable
# (truncated) checkpoint_last.pt is set aside and the newest loadable checkpoint_<e>_<u>.pt is used; a
# checkpoint already at max_update is recognised as finished (fairseq would otherwise add an update).
# A fold is locked (flock on <fold>/LOCK) while a runner trains it: a second runner on the same exp dir skips
# it and says so. fairseq-hydra-train dies with the loop (parent-death signal), even on kill -9.
# Extra arguments after -- go to fairseq-hydra-train (hydra overrides, e.g. optimization.max_update=100).
#
# After DONE only checkpoint_last.pt (the test checkpoint, optimizer state stripped unless --keep-optimizer) and
# the dictionary stay in checkpoints/.
# --jobs N (local launcher) trains up to N folds at once, each process with OMP/MKL threads = 1 when N > 1;
# --gpus "0 1" deals the running folds over those GPUs (CUDA_VISIBLE_DEVICES), --stagger S waits S seconds
# between starts (so that one fold's frozen phase overlaps another's unfrozen one). A failing fold never stops
# the others; resume, locks and DONE work as for one fold at a time.
# --launcher local (default) trains folds one after another in this shell. --launcher slurm submits every fold
# at once as a Slurm job through hydra's submitit launcher (hydra-submitit-launcher) and waits for them;
# --launcher submitit_local does the same with local processes (how the tests exercise that path). Slurm
# settings go after --, e.g.  -- hydra.launcher.partition=gpu hydra.launcher.gpus_per_node=1
#   hydra.launcher.timeout_min=1440 . fairseq's own log is then in <fold>/hydra/hydra_train.log.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
corpus=demo
units="phoneme bpc syllable utterance"
scheme=speaker
folds=""            # default: every fold<k> found
config=""           # default: paper_<unit>
w2v=""
manifests=$repo/manifests
exp=$repo/exp
launcher=local
seeds=""            # default: one run, fairseq's default seed (1), no .seed<s> in the directory name
jobs=1
gpus=""
stagger=0
keep_optimizer=false
extra=()

while [ $# -gt 0 ]; do
  case "$1" in
    --corpus) corpus=$2; shift 2 ;;
    --units) units=$2; shift 2 ;;
    --scheme) scheme=$2; shift 2 ;;
    --folds) folds=$2; shift 2 ;;
    --config) config=$2; shift 2 ;;
    --w2v) w2v=$2; shift 2 ;;
    --manifests) manifests=$2; shift 2 ;;
    --exp) exp=$2; shift 2 ;;
    --) shift; extra=("$@"); break ;;
    --launcher) launcher=$2; shift 2 ;;
    --seeds) seeds=$2; shift 2 ;;
    --jobs) jobs=$2; shift 2 ;;
    --gpus) gpus=$2; shift 2 ;;
    --stagger) stagger=$2; shift 2 ;;
    --keep-optimizer) keep_optimizer=true; shift ;;
    -h|--help) awk 'NR > 1 && /^#/ { print; next } NR > 1 { exit }' "$0"; exit 0 ;;
    *) echo "run_folds.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
case "$launcher" in local|slurm|submitit_local) ;; *) echo "run_folds.sh: --launcher local|slurm|submitit_local" >&2; exit 2 ;; esac
# Names and paths are checked before anything runs: unit names are words (no glob or space can slip through an
# unquoted loop), fold numbers are numbers, and hydra's override grammar cannot take ',', '=', spaces, quotes or
# brackets in a path (it would stop with "Ambiguous value" deep inside fairseq-hydra-train).
for u in $units; do
  [[ "$u" =~ ^[A-Za-z0-9_-]+$ ]] || { echo "run_folds.sh: --units: '$u' is not a unit (variant) name" >&2; exit 2; }
done
for k in $folds; do
  [[ "$k" =~ ^[0-9]+$ ]] || { echo "run_folds.sh: --folds takes fold numbers, e.g. --folds \"1 2\"; got '$k'" >&2; exit 2; }
done
[[ "$jobs" =~ ^[1-9][0-9]*$ ]] || { echo "run_folds.sh: --jobs takes a positive number, got '$jobs'" >&2; exit 2; }
[[ "$stagger" =~ ^[0-9]+$ ]] || { echo "run_folds.sh: --stagger takes seconds, got '$stagger'" >&2; exit 2; }
for g in $gpus; do
  [[ "$g" =~ ^[0-9]+$ ]] || { echo "run_folds.sh: --gpus takes GPU indices, e.g. --gpus \"0 1\"; got '$g'" >&2; exit 2; }
done
if [ "$jobs" -gt 1 ] && [ "$launcher" != local ]; then
  echo "run_folds.sh: --jobs applies to --launcher local (Slurm bounds its own queue)" >&2; exit 2
fi
if [ "$jobs" -gt 1 ]; then   # N processes share the cores: one thread each, and results independent of N
  export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1} MKL_NUM_THREADS=${MKL_NUM_THREADS:-1}
fi
read -r -a gpu_list <<< "$gpus"
hydra_safe() {
  [[ "$2" =~ ^[A-Za-z0-9_./+@%:~-]+$ ]] || {
    echo "run_folds.sh: $1 $2: hydra overrides cannot take this path (',' '=' spaces quotes brackets ...);" \
      "use a directory whose path has only letters, digits and _ . / + @ % : ~ -" >&2; exit 2; }
}
for s in $seeds; do
  [[ "$s" =~ ^[0-9]+$ ]] || { echo "run_folds.sh: --seeds takes non-negative integers, e.g. --seeds \"1 2 3\"; got '$s'" >&2; exit 2; }
done
[ -n "$w2v" ] || { echo "run_folds.sh: --w2v <pre-trained checkpoint> is required" >&2; exit 2; }
[ -f "$w2v" ] || { echo "run_folds.sh: --w2v $w2v: no such file" >&2; exit 2; }
w2v=$(cd "$(dirname "$w2v")" && pwd)/$(basename "$w2v")   # hydra changes directory: absolute paths only
hydra_safe --w2v "$w2v"
manifests=$(mkdir -p "$manifests" && cd "$manifests" && pwd)
exp=$(mkdir -p "$exp" && cd "$exp" && pwd)
hydra_safe --manifests "$manifests"
hydra_safe --exp "$exp"
hydra_safe "(this repository)" "$repo"
if [ -n "$config" ] && [ ! -f "$repo/configs/$config.yaml" ]; then
  echo "run_folds.sh: --config $config: no configs/$config.yaml; choose one of:" \
    "$(cd "$repo/configs" && ls *.yaml | sed 's/\.yaml$//' | tr '\n' ' ')" >&2; exit 2
fi

if [ -z "${PYTHON:-}" ]; then
  if [ -x "$repo/.venv/bin/python" ]; then PYTHON=$repo/.venv/bin/python; else PYTHON=python3; fi
fi
train_bin=$(dirname "$PYTHON")/fairseq-hydra-train
command -v "$train_bin" >/dev/null || train_bin=fairseq-hydra-train
log() { echo "[$(date +%H:%M:%S)] run_folds.sh: $*" >&2; }
# what trains (recorded in DONE; CUDA_VISIBLE_DEVICES decides which card fairseq takes first)
device=$("$PYTHON" -c "import torch; print(torch.cuda.get_device_name(0) if torch.cuda.is_available() else 'cpu')" 2>/dev/null || echo unknown)

# train_fold UNIT LABELS CONFIG DATA OUT SEED: one fold, leaving DONE or FAILED in OUT.
train_fold() {
  local unit=$1 labels=$2 cfg=$3 data=$4 out=$5 seed=$6 status started finished
  local name="$unit $(basename "$out")"
  mkdir -p "$out"
  if ! "$PYTHON" "$repo/scripts/check_fold.py" --data "$data" --labels "$labels" --w2v "$w2v" >> "$out/train.log" 2>"$out/check.err"; then
    cat "$out/check.err" >&2
    { echo "check_fold.py failed"; cat "$out/check.err"; } > "$out/FAILED"
    log "$name: FAILED before training (see $out/FAILED)"; return 1
  fi
  local cmd=("$train_bin")
  if [ "$launcher" = local ]; then
    cmd+=(--config-dir "$repo/configs" --config-name "$cfg" "hydra.run.dir=$out/hydra")
  else
    cmd+=(-m --config-dir "$repo/configs" --config-name "$cfg" "hydra/launcher=submitit_${launcher#submitit_}"
          "hydra.sweep.dir=$out/hydra" "hydra.sweep.subdir=.")
  fi
  cmd+=("task.data=$data" "task.labels=$labels" "model.w2v_path=$w2v" "common.user_dir=$repo/fairseq_emo"
        "checkpoint.save_dir=$out/checkpoints")
  [ -n "$seed" ] && cmd+=("common.seed=$seed")
  cmd+=(${extra[@]+"${extra[@]}"})
  printf '%q ' "${cmd[@]}" > "$out/cmd.sh"; echo >> "$out/cmd.sh"
  rm -f "$out"/decode_*/decode.json   # decodes of an earlier model of this fold are stale from now on
  local resume="fresh"$'\t'
  if [ -d "$out/checkpoints" ]; then
    resume=$("$PYTHON" -m fairseq_emo.fold_run resume-state "$out/checkpoints" 2>>"$out/train.log") \
      || { log "$name: FAILED to inspect $out/checkpoints"; return 1; }
  fi
  case "${resume%%$'\t'*}" in
    resume) log "$name: ${resume#*$'\t'}" ;;
    finished) log "$name: ${resume#*$'\t'}; not trained again" ;;
    *) [ -n "${resume#*$'\t'}" ] && log "$name: ${resume#*$'\t'}"; log "$name: $data -> $out" ;;
  esac
  echo "=== attempt $(date -u +%Y-%m-%dT%H:%M:%SZ): $(cat "$out/cmd.sh")" >> "$out/train.log"
  started=$(date +%s)
  if [ "${resume%%$'\t'*}" = finished ]; then
    status=0
  elif setpriv --pdeathsig KILL -- "${cmd[@]}" >> "$out/train.log" 2>&1; then status=0; else status=$?; fi
  finished=$(date +%s)
  if [ "$status" -eq 0 ] && [ -f "$out/checkpoints/checkpoint_last.pt" ]; then
    rm -f "$out/FAILED" "$out/check.err"
    cp "$data/dict.$labels.txt" "$out/checkpoints/"   # predict/decode can then run from the checkpoint dir alone
    # wall_seconds: the last attempt only (a resumed fold's earlier attempts are in train.log)
    printf 'config=%s\nw2v=%s\ndata=%s\nlauncher=%s\nseed=%s\ndevice=%s\ngpu=%s\njobs=%s\nfinished=%s\nwall_seconds=%s\ntest_checkpoint=%s\ncheckpoint_rule=final (checkpoint_last.pt; no selection on the test fold)\n' \
      "$cfg" "$w2v" "$data" "$launcher" "${seed:-1 (fairseq default)}" "$device" "${CUDA_VISIBLE_DEVICES:-}" "$jobs" \
      "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$((finished - started))" "$out/checkpoints/checkpoint_last.pt" > "$out/DONE"
    # keep only the test checkpoint, stripped of optimizer state, with the fold's record inside (model_record.py)
    local keep=(); $keep_optimizer && keep=(--keep-optimizer)
    log "$name: $("$PYTHON" -m fairseq_emo.fold_run finalize "$out/checkpoints" ${keep[@]+"${keep[@]}"} 2>>"$out/train.log")"
    log "$name: done"
  else
    { echo "exit status $status"; tail -n 30 "$out/train.log"; } > "$out/FAILED"
    log "$name: FAILED (exit $status; see $out/FAILED); continuing with the next fold"
    return 1
  fi
}

outs=()
missing=()
skipped_locked=()
launched=0
for unit in $units; do
  data_root=$manifests/$corpus/$unit/$scheme
  [ -d "$data_root" ] || { log "no folds in $data_root (run make_manifests.py first)"; missing+=("$unit"); continue; }
  fold_list=$folds
  [ -n "$fold_list" ] || fold_list=$(ls "$data_root" | sed -n 's/^fold\([0-9]\+\)$/\1/p' | sort -n | tr '\n' ' ')
  labels=${unit%%-*}   # 'bpc-cv2' folds carry bpc labels
  cfg=${config:-paper_$labels}
  for seed in ${seeds:-default}; do
    [ "$seed" = default ] && seed=""
    run_name=$("$PYTHON" -m fairseq_emo.layout exp-name --variant "$unit" --scheme-dir "$scheme" ${seed:+--seed "$seed"}) \
      || exit 2
    for k in $fold_list; do
      out=$exp/$corpus/$run_name/fold$k
      outs+=("$out")
      if [ -f "$out/DONE" ]; then log "$run_name fold$k: finished earlier, skipped ($out/DONE)"; continue; fi
      mkdir -p "$out"
      exec {lock_fd}>>"$out/LOCK"
      if ! flock -n "$lock_fd"; then
        log "$run_name fold$k: another runner holds $out/LOCK ($(cat "$out/LOCK.pid" 2>/dev/null || echo 'pid unknown')), skipped"
        exec {lock_fd}>&-; skipped_locked+=("$out"); continue
      fi
      echo "$$ $(hostname) $(date -u +%Y-%m-%dT%H:%M:%SZ)" > "$out/LOCK.pid"
      if [ "$launcher" = local ] && [ "$jobs" -eq 1 ]; then
        train_fold "$run_name" "$labels" "$cfg" "$data_root/fold$k" "$out" "$seed" || true
      elif [ "$launcher" = local ]; then   # a bounded pool of background folds
        while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n || true; done
        [ "$launched" -gt 0 ] && [ "$stagger" -gt 0 ] && sleep "$stagger"
        gpu=""; [ ${#gpu_list[@]} -gt 0 ] && gpu=${gpu_list[$((launched % ${#gpu_list[@]}))]}
        ( [ -n "$gpu" ] && export CUDA_VISIBLE_DEVICES=$gpu
          train_fold "$run_name" "$labels" "$cfg" "$data_root/fold$k" "$out" "$seed" ) &
        launched=$((launched + 1))
      else
        train_fold "$run_name" "$labels" "$cfg" "$data_root/fold$k" "$out" "$seed" &   # submitted jobs run in parallel
      fi
      exec {lock_fd}>&-   # a background job keeps its own copy of the lock until it ends
    done
  done
done
wait
failed=("${missing[@]}")
for out in "${outs[@]}"; do
  [ -f "$out/DONE" ] || [[ " ${skipped_locked[*]} " == *" $out "* ]] || failed+=("${out#$exp/}")
done
log "finished: $(( ${#outs[@]} - ${#failed[@]} + ${#missing[@]} - ${#skipped_locked[@]} )) of ${#outs[@]} fold(s) done,"\
  "${#failed[@]} failed${failed:+: ${failed[*]}}${skipped_locked:+, ${#skipped_locked[@]} left to another runner}"
[ ${#failed[@]} -eq 0 ]
