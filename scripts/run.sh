#!/usr/bin/env bash
# fairseq_emo recipe, one stage per step (icefall/ESPnet style). Finished stages are skipped, so an
# interrupted run resumes where it stopped.
#
#   bash scripts/run.sh                                    # demo corpus, generated here
#   bash scripts/run.sh --corpus iemocap --data /data/IEMOCAP_full_release --w2v /models/libri960_big.pt
#   bash scripts/run.sh --corpus mandarin --data /data/LDC2007S09 --w2v /models/libri960_big.pt [--rate-policy resample]
#   bash scripts/run.sh --corpus ravdess --data /data/Audio_Speech_Actors_01-24 --w2v /models/libri960_big.pt
#       (any corpus of the registry with transcripts: python scripts/prepare.py --list)
#       (Mandarin Affective Speech: pinyin initial/final units, 7 speaker folds, configs/paper_initfinal.yaml;
#        by default the paper's 8 kHz condition made from LDC's 22.05 kHz copy (rate policy bandlimit8k):
#        exp/mandarin-bandlimit8k/; --rate-policy resample (full band: exp/mandarin/) or relabel are other conditions)
#   Cross-corpus testing (every registered corpus as a target): scripts/run_cross_corpus.sh
#
# Stages:
#   0  demo corpus (espeak-ng, IEMOCAP layout)     -> data/demo/IEMOCAP_full_release   (demo only)
#   1  prepare: corpus tree -> utterance table     -> data/<corpus>/utterances.tsv
#   2  units + fold manifests                      -> manifests/<corpus>/<unit>/<scheme>/fold<k>/
#                                                     (<scheme>-k<K> with --num-folds K; mandarin: speaker-k7)
#   3  pre-trained model: demo -> a random-init small wav2vec 2.0 (exp/demo/w2v_<size>.pt); iemocap -> --w2v
#   4  fine-tune folds (scripts/run_folds.sh)       -> exp/<corpus>/<run>/fold<k>/
#   5  decode each trained fold's test split        -> exp/<corpus>/<run>/fold<k>/decode_test/
#   6  score with sclite, with and without emotion  -> .../decode_test/{emo,noemo}/, exp/<corpus>/<run>/scores_test.tsv
#   7  vote units into one emotion per utterance    -> .../decode_test/pred.txt
#   8  eGeMAPS + logistic regression baseline, same folds -> exp/<corpus>/baseline/<scheme>/fold<k>/pred.txt
#      and the lexical control (transcripts alone: word n-grams + LR) -> exp/<corpus>/baseline/<scheme>/text/
#   9  report: per scheme Tables 1-3 against the paper, fold spread, paired tests, breakdowns
#                                                   -> exp/<corpus>/report/{report.md,results.json}; RESULT lines
# <run> = <unit variant>[.<scheme>][.seed<s>] (fairseq_emo/layout.py); stages 4-9 run for every scheme of --folds.
# Validation (--valid-policy): monitor (default, the paper: every utterance of the training speakers trains, the
# valid split is drawn from them and only draws the curve) or heldout (valid removed from train).
# Hydra overrides for training go after --, e.g.  -- optimization.max_update=20000 (recorded in each fold's cmd.sh
# and DONE; a finished fold asked again with another command is refused until --force retrains it).
# The demo (no arguments) takes about 20 CPU minutes: BPC and utterance units and the pooled classifier,
# configs/demo.yaml, folds 1 and 2 (--train-units "bpc utterance": about 12)
# (held-out speakers Ses01F and Ses01M). --train-folds all --train-units "..." runs more.
#
# Options: --stage N --stop-stage N --corpus NAME (default demo; any registered corpus with transcripts:
#   python scripts/prepare.py --list) --data DIR --work DIR (default: the repo)
#   --units 'u1 u2' --folds 'speaker dialog session scenario official' (fold schemes; scenario: speaker and
#     scenario held out together, the lexical control; official: the release's own split,
#   ESD) --num-folds K --bpc-set 'NAME ...' (several: one BPC run per set, ranked in the report)
#   --syllabifier phonetic|pyphen --per-emotion N (demo) --w2v CKPT --train-units 'u1 u2'
#   --train-folds '1 2'|all (fold numbers) --config NAME --launcher local|slurm|submitit_local
#   --valid-policy monitor|heldout --subset improvised|scripted (IEMOCAP: one kind of dialog only, a lexical
#   control; scheme dirs speaker-improvised, ...) --seeds '1 2 3' --rate-policy bandlimit8k|resample|relabel (mandarin: default
#   bandlimit8k; other corpora: resample)
#   --jobs N --gpus '0 1' --stagger S --keep-optimizer --force (run_folds.sh; --force also lets stage 2 rewrite
#   manifests that differ, e.g. in a copied work dir) --slurm-config NAME (configs/slurm/NAME.yaml, --launcher
#   slurm) --status (every fold's state: fairseq-emo status); -- <hydra overrides for training>
# --launcher slurm: one job per fold trains it and decodes its test split on its GPU (run_folds.sh); run.sh
#   returns once they are submitted, and the same command run again later skips what is done, leaves queued or
#   running jobs alone, resubmits what failed or was preempted, and scores, votes and reports what is decoded.
set -euo pipefail
me=run.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# Ctrl-C: one line (the Python stages print theirs, not tracebacks); finished work is kept, the same command resumes
trap 'echo "$me: interrupted; finished stages and folds are kept: run the same command again to resume" >&2; exit 130' INT

stage=0
stop_stage=9
corpus=demo
data=""
requested_units=""   # default: the corpus's (registry): phoneme bpc syllable utterance pooled in English, initfinal in Mandarin
requested_schemes="speaker"
bpc_set=manner6
syllabifier=phonetic
per_emotion=15
requested_num_folds=""   # default: the registry's (mandarin 7 speaker groups, ravdess 6, cremad 5); else one fold per speaker
work=$repo   # data/ and manifests/ go here
w2v=""
train_units=""   # default: demo -> bpc; iemocap -> $units
config=""        # default: demo -> tiny; iemocap -> paper_<unit>
launcher=local
train_folds=""   # default: every fold
valid_policy=monitor
subset=""   # improvised|scripted: one kind of IEMOCAP dialog only (layout.SUBSETS)
rate_policy=""   # mandarin: bandlimit8k (default: the paper's 8 kHz condition from a 22.05 kHz copy) | resample | relabel
seeds=""         # default: one run per fold with fairseq's default seed
pool=()          # --jobs/--gpus/--stagger/--slurm-config/--keep-optimizer/--force, passed to run_folds.sh
slurm_config=default
slurm_pending=0
status_only=false   # --status: every fold's state (trained, decoded, queued/running on Slurm, failed), then exit
overrides=()     # after --: hydra overrides for training (run_folds.sh -- ...)
manifest_force=()  # --force: make_manifests.py --force too (a copied work dir's folds name another table)

while [ $# -gt 0 ]; do
  case "$1" in
    --stage|--stop-stage|--corpus|--data|--units|--folds|--num-folds|--bpc-set|--syllabifier|--per-emotion|--work|\
    --w2v|--train-units|--config|--launcher|--train-folds|--valid-policy|--rate-policy|--seeds|--jobs|--gpus|--stagger|--slurm-config|\
    --subset)
      need_value "$1" $# ;;&
    --stage) stage=$2; shift 2 ;;
    --stop-stage) stop_stage=$2; shift 2 ;;
    --corpus) corpus=$2; shift 2 ;;
    --data) data=$2; shift 2 ;;
    --units) requested_units=$2; shift 2 ;;
    --folds) requested_schemes=$2; shift 2 ;;
    --num-folds) requested_num_folds=$2; shift 2 ;;
    --bpc-set) bpc_set=$2; shift 2 ;;
    --syllabifier) syllabifier=$2; shift 2 ;;
    --per-emotion) per_emotion=$2; shift 2 ;;
    --work) work=$2; shift 2 ;;
    --w2v) w2v=$2; shift 2 ;;
    --train-units) train_units=$2; shift 2 ;;
    --config) config=$2; shift 2 ;;
    --launcher) launcher=$2; shift 2 ;;
    --train-folds) train_folds=$2; shift 2 ;;
    --valid-policy) valid_policy=$2; shift 2 ;;
    --subset) subset=$2; shift 2 ;;
    --rate-policy) rate_policy=$2; shift 2 ;;
    --seeds) seeds=$2; shift 2 ;;
    --jobs|--gpus|--stagger) pool+=("$1" "$2"); shift 2 ;;
    --slurm-config) pool+=("$1" "$2"); slurm_config=$2; shift 2 ;;
    --status) status_only=true; shift ;;
    --keep-optimizer) pool+=("$1"); shift ;;
    --force) pool+=("$1"); manifest_force=(--force); shift ;;   # also rewrites differing manifests (stage 2)
    --) shift; overrides=("$@"); break ;;
    -h|--help) print_header "$0"; exit 0 ;;
    *) echo "$me: unknown option $1" >&2; print_header "$0" >&2; exit 2 ;;
  esac
done
check_words --stage '^[0-9]$' "a stage number 0-9" "$stage"
check_words --stop-stage '^[0-9]$' "a stage number 0-9" "$stop_stage"
[ "$stage" -le "$stop_stage" ] || die "--stage $stage is after --stop-stage $stop_stage: no stage would run"

# the corpus's facts from the registry (fairseq_emo/corpora/registry.py): trainable, default units, schemes, folds
trainable_corpora=$("$PYTHON" -m fairseq_emo.corpora.registry names --trainable)
facts=$("$PYTHON" -m fairseq_emo.corpora.registry show "$corpus" 2>&1) \
  || die "${facts#error: } (trainable here: $trainable_corpora)"
eval "$facts"   # trainable language native_rate num_folds units schemes converts default_rate_policy
[ "$trainable" = true ] || die "corpus $corpus has no transcripts here, so no phonetic units: it is only tested on" \
  "(scripts/run_cross_corpus.sh); trainable: $trainable_corpora"
corpus_units=$units; corpus_schemes=$schemes; corpus_num_folds=$num_folds
units=$requested_units; schemes=$requested_schemes; num_folds=$requested_num_folds
if [ "$corpus" = demo ]; then
  data=${data:-$work/data/demo}
else
  [ -n "$data" ] || die "--corpus $corpus needs --data DIR (its release folder; python scripts/prepare.py --list)"
  if [ "$stop_stage" -ge 3 ] && [ -z "$w2v" ]; then
    die "--corpus $corpus needs --w2v /path/to/libri960_big.pt for stages 3-4"; fi
fi
units=${units:-$corpus_units}
num_folds=${num_folds:-$corpus_num_folds}
rate_policy=${rate_policy:-$default_rate_policy}   # Mandarin: the paper's condition, 8 kHz audio upsampled to 16 kHz
# Every requested scheme must be one the recipe can run end to end on this corpus; refuse the others here.
for scheme in $schemes; do
  case "$scheme" in
    all) die "--folds all has no test fold: it trains the cross-corpus models of scripts/run_cross_corpus.sh" ;;
    speaker) ;;
    dialog|session|scenario)
       [[ " $corpus_schemes " == *" $scheme "* ]] || die "--folds $scheme: corpus $corpus has no IEMOCAP sessions," \
         "dialogs or scenarios; its fold schemes: $corpus_schemes (registry)"
       [ -n "$requested_num_folds" ] && die "--num-folds applies to the speaker scheme only, not --folds $scheme" ;;
    official)
       [[ " $corpus_schemes " == *" $scheme "* ]] || die "--folds official: corpus $corpus has no split of its own;" \
         "its fold schemes: $corpus_schemes (registry)"
       [ "$valid_policy" = monitor ] || die "--folds official uses the release's own valid set: no --valid-policy" ;;
    *) die "unknown fold scheme '$scheme' (speaker, dialog, session, scenario, official)" ;;
  esac
done
check_words --units '^[A-Za-z0-9_-]+$' "unit (variant) names" $units
check_words --train-units '^[A-Za-z0-9_-]+$' "unit (variant) names" $train_units
check_words --train-folds '^([0-9]+|all)$' "fold numbers or 'all'" $train_folds
case "$valid_policy" in monitor|heldout) ;; *) die "--valid-policy monitor|heldout, not '$valid_policy'" ;; esac
case "$subset" in ""|improvised|scripted) ;; *) die "--subset improvised|scripted, not '$subset'" ;; esac
check_words --seeds '^[0-9]+$' 'non-negative integers, e.g. --seeds "1 2 3"' $seeds
if [ "$launcher" = slurm ] && ! $status_only; then   # the Slurm client and settings before any stage runs
  check_words --slurm-config '^[A-Za-z0-9_-]+$' "a settings name (configs/slurm/NAME.yaml)" "$slurm_config"
  "$PYTHON" -m fairseq_emo.slurm check --config "$repo/configs/slurm/$slurm_config.yaml" > /dev/null || exit 2
fi
# scheme -> its manifest directory name (layout.py): speaker-k7 for 7 speaker groups, -heldout for that policy
scheme_dir() {
  local opt=(); [ "$1" = speaker ] && [ -n "$num_folds" ] && opt=(--num-folds "$num_folds")
  [ -n "$subset" ] && opt+=(--subset "$subset")
  layout scheme-dir --scheme "$1" --valid-policy "$valid_policy" ${opt[@]+"${opt[@]}"}
}
# --bpc-set/--syllabifier pick a variant of those unit types; manifests and exp/ dirs are named by the variant
# (bpc-cv2, syllable-pyphen), so every later stage works on variant names. --units may also name variants.
# The naming rule is the package's (UnitSpec.variant), asked through make_manifests.py.
# --bpc-set may name several sets ("manner6 cv2 sonority5"): bpc then stands for one variant per set, each
# trained and reported as its own run, ranked in the report's variants table (the BPC set search).
variant() {
  case "$1" in
    bpc) for set in $bpc_set; do
           "$PYTHON" "$repo/scripts/make_manifests.py" --print-variant --unit bpc --bpc-set "$set" || return 2
         done ;;
    syllable) "$PYTHON" "$repo/scripts/make_manifests.py" --print-variant --unit "$1" --syllabifier "$syllabifier" ;;
    *) echo "$1" ;;
  esac
}
check_words --bpc-set '^[A-Za-z0-9_]+$' "BPC set names (make_manifests.py --list-bpc-sets)" $bpc_set
for u in bpc syllable; do variant "$u" > /dev/null || exit 2; done   # a bad --bpc-set/--syllabifier stops here
units=$(echo $(for u in $units; do variant "$u"; done | awk '!seen[$0]++'))   # each variant once
# name: the corpus as its table, manifests and exp/ dirs are named; a Mandarin rate policy other than
# resampling is another input condition (audio_cache.corpus_name: mandarin-relabel / mandarin-bandlimit8k)
name=$corpus
rate_policy=${rate_policy:-resample}
if [ "$rate_policy" != resample ]; then
  [ "$converts" = true ] || die "--rate-policy does not apply to --corpus $corpus (read as recorded, 16 kHz)"
  name=$("$PYTHON" -m fairseq_emo.audio_cache "$corpus" "$rate_policy") || exit 2   # the suffix: audio_cache.py
fi
# --work holds every path of the run; hydra's override grammar cannot take spaces, ',' '=' quotes or brackets,
# and the stage loops below split on whitespace: refused here, before anything is written
case "$work" in /*) ;; *) work=$PWD/$work ;; esac
hydra_safe --work "$work"
eval "$(layout shell-names)"   # file names of exp/ and data/ (fairseq_emo/layout.py)
table=$work/data/$name/$table_file
exp=$work/exp/$name   # this corpus's experiments (--exp of run_folds.sh and report.py)
if $status_only; then exec "$PYTHON" -m fairseq_emo.slurm status "$exp"; fi
# Stages 0-2 write shared inputs (the corpus, the table, the manifests): two run.sh on one --work take turns
# (the second waits, then finds the work done and skips it) instead of racing on the same files.
if [ "$stage" -le 2 ]; then
  mkdir -p "$work/data"
  exec {prepare_fd}>>"$work/data/$prepare_lock"
  flock -w 0 "$prepare_fd" || { log "another run.sh is preparing $work/data; waiting for it"; flock "$prepare_fd"; }
fi

if want 0 && [ "$corpus" = demo ]; then
  if [ -d "$data/IEMOCAP_full_release" ]; then
    log "stage 0: $data/IEMOCAP_full_release exists, skipped"
  else
    log "stage 0: espeak-ng -> $data/IEMOCAP_full_release"
    "$PYTHON" "$repo/scripts/make_demo_corpus.py" --out "$data" --per-emotion "$per_emotion"
  fi
fi

if want 1; then
  if [ -f "$table" ]; then
    log "stage 1: $table exists, skipped (delete it to prepare again)"
  else
    log "stage 1: $data -> $table"
    "$PYTHON" "$repo/scripts/prepare.py" --corpus "$corpus" --data "$data" --out "$(dirname "$table")" \
      --rate-policy "$rate_policy"
  fi
fi

if want 2; then
  for unit in $units; do
    for scheme in $schemes; do
      fold_opt=(); [ "$scheme" = speaker ] && [ -n "$num_folds" ] && fold_opt=(--num-folds "$num_folds")
      log "stage 2: $table -> $work/manifests/$name ($unit, $scheme folds, validation $valid_policy)"
      "$PYTHON" "$repo/scripts/make_manifests.py" --table "$table" --unit "$unit" --folds "$scheme" \
        --valid-policy "$valid_policy" --manifest-root "$work/manifests" ${fold_opt[@]+"${fold_opt[@]}"} \
        ${subset:+--subset "$subset"} \
        ${manifest_force[@]+"${manifest_force[@]}"}
    done
  done
fi
[ -n "${prepare_fd:-}" ] && exec {prepare_fd}>&-   # inputs ready: the other run may go on
if [ "$corpus" = demo ]; then
  train_units=${train_units:-bpc utterance pooled}
  config=${config:-demo}
  train_folds=${train_folds:-1 2}
  size=tiny; [ "$config" = demo ] && size=demo
  w2v=${w2v:-$(layout demo-w2v --exp "$exp" --size "$size")}
else
  train_units=${train_units:-$units}
fi
train_units=$(echo $(for u in $train_units; do variant "$u"; done | awk '!seen[$0]++'))

if want 3; then
  if [ -f "$w2v" ]; then
    log "stage 3: pre-trained model $w2v"
  elif [ "$corpus" = demo ]; then
    log "stage 3: random-init tiny wav2vec 2.0 -> $w2v"
    "$PYTHON" "$repo/scripts/make_w2v_checkpoint.py" --size "$size" --out "$w2v"
  else
    die "--w2v $w2v: no such file"
  fi
fi

[ "$train_folds" = all ] && train_folds=""
train_failed=0
scheme_dirs=$(for scheme in $schemes; do scheme_dir "$scheme" || exit 2; done)
scheme_dirs=$(echo $scheme_dirs)
# run_dirs SCHEME_DIR: exp/<corpus>/<run> of every trained unit and seed of that scheme (names: layout.py)
run_dirs() {
  local unit seed
  for unit in $train_units; do
    for seed in ${seeds:-default}; do
      [ "$seed" = default ] && seed=""
      echo "$exp/$(layout exp-name --variant "$unit" --scheme-dir "$1" ${seed:+--seed "$seed"})"
    done
  done
}
# The folds to evaluate: trained ones (DONE) among those asked for.
trained_folds() { layout trained-folds "$1" --numbers "$train_folds"; }

for sd in $scheme_dirs; do
  if want 4; then
    log "stage 4: manifests/$name/{${train_units// /,}}/$sd -> $exp (config ${config:-paper_<unit>}${seeds:+, seeds $seeds})"
    # the fold loop dies with run.sh (parent-death signal; its trainers die with it in turn), even on kill -9
    rc=0
    PYTHON=$PYTHON setpriv --pdeathsig KILL -- bash "$repo/scripts/run_folds.sh" --corpus "$name" \
      --units "$train_units" --scheme-dir "$sd" \
      --w2v "$w2v" --manifests "$work/manifests" --exp "$exp" --launcher "$launcher" ${config:+--config "$config"} \
      ${train_folds:+--train-folds "$train_folds"} ${seeds:+--seeds "$seeds"} ${pool[@]+"${pool[@]}"} \
      ${overrides[@]+-- "${overrides[@]}"} || rc=$?
    # 3: folds trained earlier with another command were refused. Decoding and reporting them would present the
    # old models as this command's: stop here; so does 2, a refused command. 1: some folds failed (listed
    # above); the others go on.
    if [ "$rc" -eq 4 ]; then   # folds on Slurm: their jobs train and decode; this run ends here
      log "stage 4: folds are training on Slurm (listed above); run this same command again when their jobs end" \
        "(state: bash scripts/run.sh ... --status, or fairseq-emo status $exp); finished folds are then scored," \
        "voted and reported"
      exit 0
    elif [ "$rc" -eq 3 ]; then
      die "stage 4: folds trained earlier with another command (listed above) were not retrained; nothing is" \
        "decoded or reported for this command. Rerun with --force (moves them to fold<k>.replaced-<time>/) or" \
        "use another --work"
    elif [ "$rc" -eq 2 ]; then   # a refused override, a --config typo, bad paths: the command itself is wrong
      die "stage 4: the fold loop refused this command (its message above); nothing is decoded or reported," \
        "so no result of earlier trainings is shown as this command's"
    elif [ "$rc" -ne 0 ]; then train_failed=1; fi
  fi
  if want 5; then
    for run in $(run_dirs "$sd"); do
      for d in $(trained_folds "$run"); do
        dec=$(layout decode-dir "$d" --split test)
        # finished, and made from this training of the fold (layout.is_decoded): else decoded (again)
        if layout is-decoded "$dec" --model-fold "$d"; then log "stage 5: $dec exists, skipped"; continue; fi
        if [ "$launcher" = slurm ]; then   # decoding is a GPU job, not the login node's work
          active=0; "$PYTHON" -m fairseq_emo.slurm active "$d" || active=$?
          [ "$active" -eq 2 ] && die "stage 5: $d: the state of its Slurm job is unknown (above); nothing submitted"
          if [ "$active" -eq 0 ]; then log "stage 5: $d: its Slurm job is still running"
          else
            decode_cmd=("$PYTHON" "$repo/scripts/decode.py" --fold-exp "$d" --split test --no-progress)
            job=$("$PYTHON" -m fairseq_emo.slurm submit --config "$repo/configs/slurm/$slurm_config.yaml" --dir "$d" \
              --name "fe-decode-${d#"$exp"/}" -- "${decode_cmd[@]}") || exit 2
            log "stage 5: $d: decode submitted as Slurm job $job"
          fi
          slurm_pending=1; continue
        fi
        log "stage 5: $(layout test-checkpoint "$d") -> $dec"
        "$PYTHON" "$repo/scripts/decode.py" --fold-exp "$d" --split test --no-progress
      done
    done
  fi
  if [ "$slurm_pending" -eq 1 ]; then
    log "stage 5: decodes are running on Slurm (listed above); run this same command again when they end"
    exit 0
  fi
  if want 6; then
    for run in $(run_dirs "$sd"); do
      [ -n "$(trained_folds "$run")" ] || { log "stage 6: nothing trained in $run, skipped"; continue; }
      log "stage 6: sclite on $run/fold*/decode_test -> $run/scores_test.tsv"
      "$PYTHON" "$repo/scripts/score.py" --run "$run" --split test
    done
  fi
  if want 7; then
    for run in $(run_dirs "$sd"); do
      voted=()
      for d in $(trained_folds "$run"); do
        dec=$(layout decode-dir "$d" --split test)
        log "stage 7: $dec/$hyp_trn_emo -> $dec/$voted_file"
        "$PYTHON" "$repo/scripts/vote.py" --hyp "$dec/$hyp_trn_emo" --out "$dec/$voted_file" \
          --units-json "$dec/$units_file" --ref "$dec/$ref_emotions_file" | sed -n '1,2p' \
          | tr '\n' ' ' | sed "s|^|  ${run##*/} ${d##*/}: |"; echo
        voted+=("$d")
      done
      # WA/UA into each checkpoint's record (model_record.py)
      [ ${#voted[@]} -eq 0 ] || "$PYTHON" -m fairseq_emo.fold_run record-evaluation "${voted[@]}" > /dev/null
    done
  fi
  if want 8; then
    first_unit=${units%% *}
    folds_dir=$(layout manifest-dir --root "$work/manifests" --corpus "$name" --variant "$first_unit" --scheme-dir "$sd")
    baseline=$(layout baseline-dir --exp "$exp" --scheme-dir "$sd")
    log "stage 8: eGeMAPS baseline on $folds_dir -> $baseline"
    "$PYTHON" "$repo/scripts/baseline.py" --folds-dir "$folds_dir" \
      --out "$baseline" --cache "$(layout baseline-cache --exp "$exp")" \
      ${train_folds:+--train-folds "$train_folds"}
    text_baseline=$(layout text-baseline-dir --exp "$exp" --scheme-dir "$sd")
    log "stage 8: text baseline (the transcripts alone) on $folds_dir -> $text_baseline"
    "$PYTHON" "$repo/scripts/baseline.py" --text --folds-dir "$folds_dir" --out "$text_baseline" \
      ${train_folds:+--train-folds "$train_folds"}
  fi
done

if want 9; then
  log "stage 9: $exp -> $(layout report-dir --exp "$exp")/"
  "$PYTHON" "$repo/scripts/report.py" --exp "$exp"
  [ "$corpus" = demo ] && log "demo: units '$train_units', held-out folds '${train_folds:-all}', config $config;"\
    "a synthetic corpus whose emotions are prosody caricatures: these numbers show the pipeline learns, nothing about IEMOCAP"
fi
if [ "$train_failed" = 1 ]; then
  log "done (stages $stage..$stop_stage), but some folds FAILED to train (run_folds.sh listed them above; the report"\
    "lists them as left out)"
  exit 1
fi
log "done (stages $stage..$stop_stage)"
