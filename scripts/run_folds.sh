#!/usr/bin/env bash
# Fine-tune one model per (unit type, fold) with fairseq-hydra-train; resumable, one failure does not stop the loop.
#
#   bash scripts/run_folds.sh --corpus demo --units "bpc utterance" --config tiny --w2v exp/w2v_tiny.pt
#   bash scripts/run_folds.sh --corpus iemocap --w2v /models/libri960_big.pt          # paper_<unit> configs
#
# Options: --corpus NAME --units 'u1 u2' --scheme-dir DIR (default speaker; e.g. session, speaker-k7, all)
#   --train-folds '1 2' (default: every fold) --config NAME (default paper_<unit>) --w2v CKPT (required)
#   --manifests ROOT (default manifests/) --exp DIR (default exp/<corpus>) --launcher local|slurm|submitit_local
#   --seeds '1 2 3' --jobs N --gpus '0 1' --stagger S --keep-optimizer --force --decode
#   --slurm-config NAME (configs/slurm/NAME.yaml; default: default); -- <hydra overrides>
# (--exp is a corpus's experiment dir in every script; fold numbers are --train-folds in every script.)
#
# For each unit and fold k of <manifests>/<corpus>/<unit>/<scheme dir>/fold<k>/ it trains into
# <exp>/<unit>/fold<k>/ (speaker folds; other schemes: <exp>/<unit>.<scheme dir>/fold<k>/; with
# --seeds "1 2 3" once per seed, into <exp>/<unit>[.<scheme dir>].seed<s>/fold<k>/ with common.seed=<s>;
# names and markers: fairseq_emo/layout.py):
#   cmd.sh         the exact command line (rerun it by hand to reproduce)
#   train.log      fairseq's log, appended across attempts
#   checkpoints/   checkpoint_last.pt (the test checkpoint: the final one, no selection on the test fold)
#                  and dict.<unit>.txt (so the checkpoint directory alone suffices for fairseq-emo predict)
#   DONE           written when training finished (config, data, seed, device, wall time, the full command,
#                  checkpoint rule); such folds are skipped when asked again with the same command. Asked with
#                  another command (other overrides, config, seed, pre-trained model), the fold is NOT reported as
#                  done: it is listed as differing and the loop exits 1; --force moves it to
#                  fold<k>.replaced-<time>/ and trains it again
#   FAILED         exit status and log tail of the last failed attempt
# An interrupted fold resumes from checkpoints/checkpoint_last.pt when the loop is run again; an unloadable
# (truncated) checkpoint_last.pt is set aside and the newest loadable checkpoint_<e>_<u>.pt is used; a
# checkpoint already at max_update is recognised as finished (fairseq would otherwise add an update).
# A fold is locked (flock on <fold>/LOCK) while a runner trains it: a second runner on the same exp dir skips
# it and says so. fairseq-hydra-train dies with the loop (parent-death signal), even on kill -9.
# Extra arguments after -- go to fairseq-hydra-train (hydra overrides, e.g. optimization.max_update=100).
# Overrides of what this script sets itself are refused before anything runs, each with the option that says it:
# task.data/task.labels (--manifests/--units/--scheme-dir/--train-folds: training fold k on another fold's data
# would leak its test speaker), model.w2v_path (--w2v), checkpoint.save_dir/hydra run and sweep dirs (--exp),
# common.user_dir (the plugin of this checkout), common.seed (--seeds, which also names the run), hydra/launcher
# (--launcher). A checkpoint_last.pt trained toward another max_update than the command asks for is refused too
# (its learning-rate schedule was another): the fold is listed as FAILED with what to do.
# Exit status: 0 all asked folds done; 1 some failed; 3 some were trained earlier with another command (refused).
#
# After DONE only checkpoint_last.pt (the test checkpoint, optimizer state stripped unless --keep-optimizer) and
# the dictionary stay in checkpoints/.
# --jobs N (local launcher) trains up to N folds at once, each process with OMP/MKL threads = 1 when N > 1;
# --gpus "0 1" deals the running folds over those GPUs (CUDA_VISIBLE_DEVICES), --stagger S waits S seconds
# between starts (so that one fold's frozen phase overlaps another's unfrozen one). A failing fold never stops
# the others; resume, locks and DONE work as for one fold at a time.
# --decode decodes each fold's test split right after it trained (same process tree, same device).
# --launcher local (default) trains folds one after another in this shell. --launcher slurm submits one Slurm
# job per fold and returns at once: the job trains the fold (this script, --launcher local, inside the job) and
# decodes its test split on the GPU it trained on (--decode); <fold>/job.sh is the job, <fold>/slurm.job its id,
# <fold>/slurm-<id>.out its output. The Slurm client (sbatch, squeue) and the settings in
# configs/slurm/<--slurm-config>.yaml (partition, account, qos, time, gpus, cpus_per_task, mem, constraint, extra)
# are checked before any fold is touched. Run the same command again later: finished folds are skipped, queued or
# running ones left alone, and folds whose job ended without DONE (failed, timed out, preempted) submitted again
# (fairseq resumes from checkpoint_last.pt). `fairseq-emo status <exp>` lists every fold's state.
# --launcher submitit_local runs the folds through hydra's submitit launcher with local processes and waits;
# fairseq's own log is then in <fold>/hydra/hydra_train.log.
# Exit status 4: folds were submitted to Slurm or are still queued/running (nothing failed here).
set -euo pipefail
me=run_folds.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# Ctrl-C: one line (the Python stages print theirs, not tracebacks); finished work is kept, the same command resumes
trap 'echo "$me: interrupted; finished stages and folds are kept: run the same command again to resume" >&2; exit 130' INT

corpus=demo
units="phoneme bpc syllable utterance pooled"
scheme_dir=speaker
train_folds=""      # default: every fold<k> found
config=""           # default: paper_<unit>
w2v=""
manifests=$repo/manifests
exp=""              # default: $repo/exp/<corpus>
launcher=local
seeds=""            # default: one run, fairseq's default seed (1), no .seed<s> in the directory name
jobs=1
gpus=""
stagger=0
keep_optimizer=false
force=false
decode=false
slurm_config=default
extra=()

while [ $# -gt 0 ]; do
  case "$1" in
    --corpus|--units|--scheme-dir|--train-folds|--config|--w2v|--manifests|--exp|--launcher|--seeds|--jobs|--gpus|--stagger|\
    --slurm-config)
      need_value "$1" $# ;;&
    --corpus) corpus=$2; shift 2 ;;
    --units) units=$2; shift 2 ;;
    --scheme-dir) scheme_dir=$2; shift 2 ;;
    --train-folds) train_folds=$2; shift 2 ;;
    --config) config=$2; shift 2 ;;
    --w2v) w2v=$2; shift 2 ;;
    --manifests) manifests=$2; shift 2 ;;
    --exp) exp=$2; shift 2 ;;
    --launcher) launcher=$2; shift 2 ;;
    --seeds) seeds=$2; shift 2 ;;
    --jobs) jobs=$2; shift 2 ;;
    --gpus) gpus=$2; shift 2 ;;
    --stagger) stagger=$2; shift 2 ;;
    --keep-optimizer) keep_optimizer=true; shift ;;
    --force) force=true; shift ;;
    --decode) decode=true; shift ;;
    --slurm-config) slurm_config=$2; shift 2 ;;
    --) shift; extra=("$@"); break ;;
    -h|--help) print_header "$0"; exit 0 ;;
    *) die "unknown option $1 (see --help)" ;;
  esac
done
case "$launcher" in local|slurm|submitit_local) ;; *) die "--launcher local|slurm|submitit_local, not '$launcher'" ;; esac
# Names and paths are checked before anything runs: unit names are words (no glob or space can slip through an
# unquoted loop), fold numbers are numbers, and hydra's override grammar cannot take ',', '=', spaces, quotes or
# brackets in a path (it would stop with "Ambiguous value" deep inside fairseq-hydra-train).
check_words --units '^[A-Za-z0-9_-]+$' "unit (variant) names" $units
check_words --train-folds '^[0-9]+$' 'fold numbers, e.g. --train-folds "1 2"' $train_folds
check_words --jobs '^[1-9][0-9]*$' "a positive number" "$jobs"
check_words --stagger '^[0-9]+$' "seconds" "$stagger"
check_words --gpus '^[0-9]+$' 'GPU indices, e.g. --gpus "0 1"' $gpus
check_words --seeds '^[0-9]+$' 'non-negative integers, e.g. --seeds "1 2 3"' $seeds
layout exp-name --variant x --scheme-dir "$scheme_dir" > /dev/null || die "--scheme-dir $scheme_dir: not a scheme directory name"
if [ "$jobs" -gt 1 ] && [ "$launcher" != local ]; then die "--jobs applies to --launcher local (Slurm bounds its own queue)"; fi
if [ "$jobs" -gt 1 ]; then   # N processes share the cores: one thread each, and results independent of N
  export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1} MKL_NUM_THREADS=${MKL_NUM_THREADS:-1}
fi
read -r -a gpu_list <<< "$gpus"
# overrides of what the script sets (see the header): refused, naming the option to use instead
for o in ${extra[@]+"${extra[@]}"}; do
  key=${o#"${o%%[!+~]*}"}; key=${key%%=*}
  case "$key" in
    task.data|task.labels) die "override $o refused: the fold's data and labels come from --manifests, --units,"       "--scheme-dir and --train-folds (another fold's data would hold this fold's test speaker)" ;;
    model.w2v_path) die "override $o refused: give the pre-trained model with --w2v" ;;
    checkpoint.save_dir|hydra.run.dir|hydra.sweep.dir|hydra.sweep.subdir) die "override $o refused: outputs go"       "under --exp (<exp>/<run>/fold<k>/)" ;;
    common.user_dir) die "override $o refused: the plugin is this checkout's fairseq_emo (common.user_dir is set)" ;;
    common.seed) die "override $o refused: use --seeds ${o#*=} (the seed is then recorded and names the run"       "directory, <unit>.seed<s>)" ;;
    hydra/launcher) die "override $o refused: use --launcher local|slurm|submitit_local" ;;
    hydra.launcher.*) [ "$launcher" = slurm ] && die "override $o refused: with --launcher slurm the job's settings" \
      "are configs/slurm/$slurm_config.yaml (--slurm-config NAME), checked before anything is submitted" ;;
  esac
done
# Slurm: the client and the job settings, before any fold is touched (a missing sbatch is named here, not
# buried in a fold's FAILED file)
if [ "$launcher" = slurm ]; then
  check_words --slurm-config '^[A-Za-z0-9_-]+$' "a settings name (configs/slurm/NAME.yaml)" "$slurm_config"
  slurm_settings=$repo/configs/slurm/$slurm_config.yaml
  sbatch_args=$("$PYTHON" -m fairseq_emo.slurm check --config "$slurm_settings") || exit 2
  log "Slurm: one job per fold (training, then its test decode), sbatch $sbatch_args"
fi
[ -n "$w2v" ] || die "--w2v <pre-trained checkpoint> is required"
[ -f "$w2v" ] || die "--w2v $w2v: no such file"
w2v=$(cd "$(dirname "$w2v")" && pwd)/$(basename "$w2v")   # hydra changes directory: absolute paths only
hydra_safe --w2v "$w2v"
exp=${exp:-$repo/exp/$corpus}
# checked before anything is created: a refused path leaves no directory behind
absolute() { case "$1" in /*) echo "$1" ;; *) echo "$PWD/$1" ;; esac; }
hydra_safe --manifests "$(absolute "$manifests")"
hydra_safe --exp "$(absolute "$exp")"
manifests=$(mkdir -p "$manifests" && cd "$manifests" && pwd)
exp=$(mkdir -p "$exp" && cd "$exp" && pwd)
hydra_safe --manifests "$manifests"
hydra_safe --exp "$exp"
hydra_safe "(this repository)" "$repo"
if [ -n "$config" ] && [ ! -f "$repo/configs/$config.yaml" ]; then
  die "--config $config: no configs/$config.yaml; choose one of:" \
    "$(ls "$repo/configs" | sed -n 's/\.yaml$//p' | tr '\n' ' ')"
fi

eval "$(layout shell-names)"   # done_file=DONE, lock_file=LOCK, cmd_file=cmd.sh, ... (fairseq_emo/layout.py)
train_bin=$(dirname "$PYTHON")/fairseq-hydra-train
command -v "$train_bin" >/dev/null || train_bin=fairseq-hydra-train

# fold_command CONFIG DATA LABELS OUT SEED: the fairseq-hydra-train command of one fold, into the array `cmd`
fold_command() {
  local cfg=$1 data=$2 labels=$3 out=$4 seed=$5
  cmd=("$train_bin")
  if [ "$launcher" = local ] || [ "$launcher" = slurm ]; then   # a Slurm job runs the local command on its node
    cmd+=(--config-dir "$repo/configs" --config-name "$cfg" "hydra.run.dir=$out/$hydra_dir")
  else
    cmd+=(-m --config-dir "$repo/configs" --config-name "$cfg" "hydra/launcher=submitit_${launcher#submitit_}"
          "hydra.sweep.dir=$out/$hydra_dir" "hydra.sweep.subdir=.")
  fi
  cmd+=("task.data=$data" "task.labels=$labels" "model.w2v_path=$w2v" "common.user_dir=$repo/fairseq_emo"
        "checkpoint.save_dir=$out/$checkpoints_dir")
  [ -n "$seed" ] && cmd+=("common.seed=$seed")
  # the same-backbone classifier: any config, its objective (configs/recipe/pooled.yaml; the task refuses a mix-up)
  [ "$labels" = pooled ] && cmd+=("criterion._name=emotion_pooled_ce")
  cmd+=(${extra[@]+"${extra[@]}"})
}

# train_fold NAME LABELS CONFIG DATA OUT SEED: one fold, leaving DONE or FAILED in OUT.
train_fold() {
  local name=$1 labels=$2 cfg=$3 data=$4 out=$5 seed=$6 status started finished cmd
  mkdir -p "$out"
  if ! "$PYTHON" "$repo/scripts/check_fold.py" --data "$data" --labels "$labels" --w2v "$w2v" --config "$cfg" \
      --max-update-out "$out/$check_max_update" -- ${extra[@]+"${extra[@]}"} >> "$out/$train_log" 2>"$out/$check_err"; then
    cat "$out/$check_err" >&2
    { echo "check_fold.py failed"; cat "$out/$check_err"; } > "$out/$failed_file"
    log "$name: FAILED before training (see $out/$failed_file)"; return 1
  fi
  fold_command "$cfg" "$data" "$labels" "$out" "$seed"
  printf '%q ' "${cmd[@]}" > "$out/$cmd_file"; echo >> "$out/$cmd_file"
  local resume="fresh"$'\t'
  if [ -d "$out/$checkpoints_dir" ]; then
    local target=(); [ -s "$out/$check_max_update" ] && target=(--max-update "$(cat "$out/$check_max_update")")
    resume=$("$PYTHON" -m fairseq_emo.fold_run resume-state "$out/$checkpoints_dir" ${target[@]+"${target[@]}"} \
      2>>"$out/$train_log") || { log "$name: FAILED to inspect $out/$checkpoints_dir"; return 1; }
  fi
  rm -f "$out/$check_max_update"
  case "${resume%%$'\t'*}" in
    conflict) echo "${resume#*$'\t'}" > "$out/$failed_file"
              log "$name: FAILED: ${resume#*$'\t'}"; return 1 ;;
    resume) log "$name: ${resume#*$'\t'}" ;;
    finished) log "$name: ${resume#*$'\t'}; not trained again" ;;
    *) [ -n "${resume#*$'\t'}" ] && log "$name: ${resume#*$'\t'}"; log "$name: $data -> $out" ;;
  esac
  echo "=== attempt $(date -u +%Y-%m-%dT%H:%M:%SZ): $(cat "$out/$cmd_file")" >> "$out/$train_log"
  started=$(date +%s)
  if [ "${resume%%$'\t'*}" = finished ]; then
    status=0
  elif setpriv --pdeathsig KILL -- "${cmd[@]}" >> "$out/$train_log" 2>&1; then status=0; else status=$?; fi
  finished=$(date +%s)
  if [ "$status" -eq 0 ] && [ -f "$(layout test-checkpoint "$out")" ]; then
    rm -f "$out/$failed_file" "$out/$check_err"
    cp "$data/dict.$labels.txt" "$out/$checkpoints_dir/"   # predict/decode can then run from the checkpoint dir alone
    # DONE (wall_seconds: the last attempt only; earlier attempts are in train.log; device: what torch sees, with
    # CUDA_VISIBLE_DEVICES deciding the card), then keep only the test checkpoint, stripped of optimizer state,
    # with the fold's record inside (model_record.py)
    local keep=(); $keep_optimizer && keep=(--keep-optimizer)
    log "$name: $("$PYTHON" -m fairseq_emo.fold_run complete "$out" ${keep[@]+"${keep[@]}"} "config=$cfg" "w2v=$w2v" \
      "data=$data" "launcher=$launcher${FAIRSEQ_EMO_SLURM_JOB:+ (slurm job $FAIRSEQ_EMO_SLURM_JOB)}" \
      "seed=${seed:-1 (fairseq default)}" "gpu=${CUDA_VISIBLE_DEVICES:-}" \
      "jobs=$jobs" "wall_seconds=$((finished - started))" "command=$(cat "$out/$cmd_file")" 2>>"$out/$train_log")"
    log "$name: done"
    if $decode; then
      log "$name: decoding its test split -> $(layout decode-dir "$out" --split test)"
      "$PYTHON" "$repo/scripts/decode.py" --fold-exp "$out" --split test --no-progress \
        || { log "$name: trained, but decoding FAILED (run.sh stage 5 decodes it again)"; return 1; }
    fi
  else
    { echo "exit status $status"; tail -n 30 "$out/$train_log"; } > "$out/$failed_file"
    log "$name: FAILED (exit $status; see $out/$failed_file); continuing with the next fold"
    return 1
  fi
}

outs=()
submitted=()
queued=()
missing=()
skipped_locked=()
differs=()
launched=0
for unit in $units; do
  data_root=$(layout manifest-dir --root "$manifests" --corpus "$corpus" --variant "$unit" --scheme-dir "$scheme_dir")
  [ -d "$data_root" ] || { log "no folds in $data_root (run make_manifests.py first)"; missing+=("$unit"); continue; }
  fold_list=$train_folds
  [ -n "$fold_list" ] || fold_list=$(for d in $(layout fold-dirs "$data_root"); do echo "${d##*/fold}"; done)
  for k in $fold_list; do   # every asked fold exists before any is trained (no empty fold dir is made)
    [ -d "$data_root/fold$k" ] || die "--train-folds: no fold$k in $data_root (it has:" \
      "$(for d in $(layout fold-dirs "$data_root"); do echo -n "${d##*/} "; done))"
  done
  labels=${unit%%-*}   # 'bpc-cv2' folds carry bpc labels
  # a variant defined by its recipe (pooled-light) has its own config, paper_<variant>; the others paper_<unit>
  if [ "$unit" != "$labels" ] && [ -f "$repo/configs/paper_$unit.yaml" ]; then
    [ -n "$config" ] && die "--units $unit is defined by its config (configs/paper_$unit.yaml): with --config" \
      "$config it would train the same model as $labels; leave it out or drop --config"
    cfg=paper_$unit
  else
    cfg=${config:-paper_$labels}
  fi
  for seed in ${seeds:-default}; do
    [ "$seed" = default ] && seed=""
    run_name=$(layout exp-name --variant "$unit" --scheme-dir "$scheme_dir" ${seed:+--seed "$seed"}) || exit 2
    for k in $fold_list; do
      out=$exp/$run_name/fold$k
      outs+=("$out")
      if layout is-trained "$out"; then
        fold_command "$cfg" "$data_root/fold$k" "$labels" "$out" "$seed"
        if "$PYTHON" -m fairseq_emo.fold_run same-command "$out" "$(printf '%q ' "${cmd[@]}")"; then
          log "$run_name fold$k: finished earlier, skipped ($out/$done_file)"; continue
        elif ! $force; then
          log "$run_name fold$k: finished earlier with ANOTHER command (see $out/$done_file and $out/$cmd_file);" \
            "its model is not what this command asks for. Pass --force to move it to fold$k.replaced-<time>/ and" \
            "train again, or use another --exp"
          differs+=("$out"); continue
        fi
        # check first, move after: a fold whose new training cannot start (e.g. a moved work dir's table naming
        # audio that is gone) keeps its trained model in place
        check=$(mktemp)
        if ! "$PYTHON" "$repo/scripts/check_fold.py" --data "$data_root/fold$k" --labels "$labels" --w2v "$w2v" \
            --config "$cfg" --max-update-out "$check.max" -- ${extra[@]+"${extra[@]}"} > /dev/null 2> "$check"; then
          cat "$check" >&2; rm -f "$check" "$check.max"
          log "$run_name fold$k: --force: its data fails the check above, so the trained fold stays where it is"
          differs+=("$out"); continue
        fi
        rm -f "$check" "$check.max"
        old=$out.replaced-$(date -u +%Y%m%dT%H%M%SZ)
        mv "$out" "$old"
        log "$run_name fold$k: --force: the fold trained with another command moved to $old"
      fi
      mkdir -p "$out"
      if [ "$launcher" = slurm ]; then   # 0 queued/running, 1 not; 2 squeue failed: stop, never submit twice
        active=0; "$PYTHON" -m fairseq_emo.slurm active "$out" || active=$?
        [ "$active" -eq 2 ] && die "$run_name fold$k: the state of its Slurm job is unknown (above); nothing submitted"
        if [ "$active" -eq 0 ]; then
          log "$run_name fold$k: its Slurm job $(cut -d' ' -f1 "$out/$slurm_job_file") is queued or running, left alone"
          queued+=("$out"); continue
        fi
      fi
      if [ "$launcher" = slurm ]; then
        # no lock here: the job takes the fold's lock when it starts (a second job of the same fold then skips it)
        job_cmd=(env "PYTHON=$PYTHON" bash "$repo/scripts/run_folds.sh" --corpus "$corpus" --units "$unit"
                 --scheme-dir "$scheme_dir" --train-folds "$k" --w2v "$w2v" --manifests "$manifests" --exp "$exp"
                 --launcher local --decode ${config:+--config "$config"} ${seed:+--seeds "$seed"})
        $keep_optimizer && job_cmd+=(--keep-optimizer)
        job_cmd+=(-- ${extra[@]+"${extra[@]}"})
        if job=$("$PYTHON" -m fairseq_emo.slurm submit --config "$slurm_settings" --dir "$out" \
            --name "fe-$corpus-$run_name-fold$k" -- "${job_cmd[@]}"); then
          log "$run_name fold$k: submitted as Slurm job $job ($out/$slurm_script)"; submitted+=("$out")
        else
          log "$run_name fold$k: FAILED to submit (see above)"
        fi
        continue
      fi
      exec {lock_fd}>>"$out/$lock_file"
      if ! flock -n "$lock_fd"; then
        log "$run_name fold$k: another runner holds $out/$lock_file ($(cat "$out/$lock_pid_file" 2>/dev/null || echo 'pid unknown')), skipped"
        exec {lock_fd}>&-; skipped_locked+=("$out"); continue
      fi
      echo "$$ $(hostname) $(date -u +%Y-%m-%dT%H:%M:%SZ)" > "$out/$lock_pid_file"
      if [ "$launcher" = local ] && [ "$jobs" -eq 1 ]; then
        train_fold "$run_name fold$k" "$labels" "$cfg" "$data_root/fold$k" "$out" "$seed" || true
      elif [ "$launcher" = local ]; then   # a bounded pool of background folds
        while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n || true; done
        [ "$launched" -gt 0 ] && [ "$stagger" -gt 0 ] && sleep "$stagger"
        gpu=""; [ ${#gpu_list[@]} -gt 0 ] && gpu=${gpu_list[$((launched % ${#gpu_list[@]}))]}
        ( [ -n "$gpu" ] && export CUDA_VISIBLE_DEVICES=$gpu
          train_fold "$run_name fold$k" "$labels" "$cfg" "$data_root/fold$k" "$out" "$seed" ) &
        launched=$((launched + 1))
      else
        train_fold "$run_name fold$k" "$labels" "$cfg" "$data_root/fold$k" "$out" "$seed" &   # submitted jobs run in parallel
      fi
      exec {lock_fd}>&-   # a background job keeps its own copy of the lock until it ends
    done
  done
done
wait
failed=("${missing[@]}")
for out in "${outs[@]}"; do
  if [[ " ${differs[*]} " == *" $out "* ]]; then failed+=("${out#"$exp"/}(another command)"); continue; fi
  [ -f "$out/$done_file" ] && continue
  [[ " ${submitted[*]} ${queued[*]} " == *" $out "* ]] && continue
  [[ " ${skipped_locked[*]} " == *" $out "* ]] || failed+=("${out#"$exp"/}")
done
on_slurm=$(( ${#submitted[@]} + ${#queued[@]} ))
log "finished: $(( ${#outs[@]} - ${#failed[@]} + ${#missing[@]} - ${#skipped_locked[@]} - on_slurm )) of ${#outs[@]}"\
  "fold(s) done, ${#failed[@]} failed${failed:+: ${failed[*]}}${skipped_locked:+, ${#skipped_locked[@]} left to another runner}"\
  "$([ "$on_slurm" -gt 0 ] && echo ", on Slurm: ${#submitted[@]} submitted now, ${#queued[@]} queued or running earlier"\
  "(run the same command again when they end; fairseq-emo status $exp)")"
[ ${#differs[@]} -eq 0 ] || exit 3
[ "$on_slurm" -eq 0 ] || exit 4
[ ${#failed[@]} -eq 0 ]
