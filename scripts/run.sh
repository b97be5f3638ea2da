#!/usr/bin/env bash
# fairseq_emo recipe, one stage per step (icefall/ESPnet style). Finished stages are skipped, so an
# interrupted run resumes where it stopped.
#
#   bash scripts/run.sh                                    # demo corpus, generated here
#   bash scripts/run.sh --corpus iemocap --data /data/IEMOCAP_full_release --w2v /models/libri960_big.pt
#   bash scripts/run.sh --corpus mandarin --data /data/LDC2007S09 --w2v /models/libri960_big.pt [--rate-policy bandlimit8k]
#       (Mandarin Affective Speech: pinyin initial/final units, 7 speaker folds, configs/paper_initfinal.yaml;
#        bandlimit8k makes the paper's 8 kHz condition from a 22.05 kHz copy: exp/mandarin-bandlimit8k/)
#   Cross-corpus testing (EmoDB, KSUEmotions, Mandarin): scripts/run_cross_corpus.sh
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
#   9  report: per scheme Tables 1-3 against the paper, fold spread, paired tests, breakdowns
#                                                   -> exp/<corpus>/report/{report.md,results.json}; RESULT lines
# <run> = <unit variant>[.<scheme>][.seed<s>] (fairseq_emo/layout.py); stages 4-9 run for every scheme of --folds.
# Validation (--valid-policy): monitor (default, the paper: every utterance of the training speakers trains, the
# valid split is drawn from them and only draws the curve) or heldout (valid removed from train).
# Hydra overrides for training go after --, e.g.  -- optimization.max_update=20000 (recorded in each fold's cmd.sh).
# The demo (no arguments) fits 15 CPU minutes: BPC and utterance units, configs/demo.yaml, folds 1 and 2
# (held-out speakers Ses01F and Ses01M). --train-folds all --train-units "..." runs more.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
stage=0
stop_stage=9
corpus=demo
data=""
units="phoneme bpc syllable utterance"
schemes="speaker"
bpc_set=manner6
syllabifier=phonetic
per_emotion=15
num_folds=""     # default: mandarin -> 7 speaker folds; else one fold per speaker
work=$repo   # data/ and manifests/ go here
w2v=""
train_units=""   # default: demo -> bpc; iemocap -> $units
config=""        # default: demo -> tiny; iemocap -> paper_<unit>
launcher=local
train_folds=""   # default: every fold
valid_policy=monitor
rate_policy=resample  # mandarin: resample | bandlimit8k (the paper's 8 kHz condition from a 22.05 kHz copy) | relabel
seeds=""         # default: one run per fold with fairseq's default seed
pool=()          # --jobs/--gpus/--stagger/--keep-optimizer, passed to run_folds.sh
overrides=()     # after --: hydra overrides for training (run_folds.sh -- ...)

usage() { awk 'NR > 1 && /^#/ { print; next } NR > 1 { exit }' "$0"; echo "options: --stage N --stop-stage N --corpus demo|iemocap --data DIR"\
  "--units 'u1 u2' --folds 'speaker dialog session' --num-folds K --bpc-set NAME --syllabifier phonetic|pyphen --per-emotion N --work DIR (default: the repo)"\
  "--w2v CKPT --train-units 'u1 u2' --train-folds '1 2' --config NAME --launcher local|slurm|submitit_local"\
  "--valid-policy monitor|heldout --seeds '1 2 3' --rate-policy resample|bandlimit8k|relabel (mandarin)"\
  "--jobs N --gpus '0 1' --stagger S --keep-optimizer (run_folds.sh); -- <hydra overrides for training>"; }
while [ $# -gt 0 ]; do
  case "$1" in
    --stage) stage=$2; shift 2 ;;
    --stop-stage) stop_stage=$2; shift 2 ;;
    --corpus) corpus=$2; shift 2 ;;
    --data) data=$2; shift 2 ;;
    --units) units=$2; shift 2 ;;
    --folds) schemes=$2; shift 2 ;;
    --num-folds) num_folds=$2; shift 2 ;;
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
    --rate-policy) rate_policy=$2; shift 2 ;;
    --seeds) seeds=$2; shift 2 ;;
    --jobs|--gpus|--stagger) pool+=("$1" "$2"); shift 2 ;;
    --keep-optimizer) pool+=("$1"); shift ;;
    --) shift; overrides=("$@"); break ;;
    -h|--help) usage; exit 0 ;;
    *) echo "run.sh: unknown option $1" >&2; usage >&2; exit 2 ;;
  esac
done

if [ -z "${PYTHON:-}" ]; then
  if [ -x "$repo/.venv/bin/python" ]; then PYTHON=$repo/.venv/bin/python; else PYTHON=python3; fi
fi
log() { echo "[$(date +%H:%M:%S)] run.sh: $*" >&2; }
want() { [ "$stage" -le "$1" ] && [ "$stop_stage" -ge "$1" ]; }

case "$corpus" in
  demo) data=${data:-$work/data/demo} ;;
  iemocap) [ -n "$data" ] || { echo "run.sh: --corpus iemocap needs --data DIR (IEMOCAP_full_release)" >&2; exit 2; }
           if [ "$stop_stage" -ge 3 ] && [ -z "$w2v" ]; then
             echo "run.sh: --corpus iemocap needs --w2v /path/to/libri960_big.pt for stages 3-4" >&2; exit 2; fi ;;
  mandarin) [ -n "$data" ] || { echo "run.sh: --corpus mandarin needs --data DIR (Mandarin Affective Speech)" >&2; exit 2; }
            if [ "$stop_stage" -ge 3 ] && [ -z "$w2v" ]; then
              echo "run.sh: --corpus mandarin needs --w2v /path/to/libri960_big.pt for stages 3-4" >&2; exit 2; fi
            [ "$units" = "phoneme bpc syllable utterance" ] && units="initfinal"
            num_folds=${num_folds:-7} ;;
  *) echo "run.sh: unknown corpus $corpus (demo, iemocap, mandarin; EmoDB and KSUEmotions are only tested on:" \
       "scripts/run_cross_corpus.sh)" >&2; exit 2 ;;
esac
# Every requested scheme must be one the recipe can run end to end on this corpus; refuse the others here.
explicit_num_folds=$num_folds
[ "$corpus" = mandarin ] && explicit_num_folds=""
for scheme in $schemes; do
  case "$scheme" in
    speaker) ;;
    dialog|session)
      [ "$corpus" = mandarin ] && { echo "run.sh: --folds $scheme: Mandarin Affective Speech has no IEMOCAP sessions or dialogs; use --folds speaker" >&2; exit 2; }
      [ -n "$explicit_num_folds" ] && { echo "run.sh: --num-folds applies to the speaker scheme only, not --folds $scheme" >&2; exit 2; } ;;
    all) echo "run.sh: --folds all has no test fold: it trains the cross-corpus models of scripts/run_cross_corpus.sh" >&2; exit 2 ;;
    *) echo "run.sh: unknown fold scheme '$scheme' (speaker, dialog, session)" >&2; exit 2 ;;
  esac
done
for u in $units ${train_units:-}; do
  [[ "$u" =~ ^[A-Za-z0-9_-]+$ ]] || { echo "run.sh: '$u' is not a unit (variant) name" >&2; exit 2; }
done
for k in ${train_folds:-}; do
  [[ "$k" =~ ^([0-9]+|all)$ ]] || { echo "run.sh: --train-folds takes fold numbers or 'all', got '$k'" >&2; exit 2; }
done
case "$valid_policy" in monitor|heldout) ;; *) echo "run.sh: --valid-policy monitor|heldout, not '$valid_policy'" >&2; exit 2 ;; esac
for s in $seeds; do
  [[ "$s" =~ ^[0-9]+$ ]] || { echo "run.sh: --seeds takes non-negative integers, e.g. --seeds \"1 2 3\"; got '$s'" >&2; exit 2; }
done
# scheme -> its manifest directory name (layout.py): speaker-k7 for 7 speaker groups, -heldout for that policy
scheme_dir() {
  local opt=(); [ "$1" = speaker ] && [ -n "$num_folds" ] && opt=(--num-folds "$num_folds")
  "$PYTHON" -m fairseq_emo.layout scheme-dir --scheme "$1" --valid-policy "$valid_policy" ${opt[@]+"${opt[@]}"}
}
# --bpc-set/--syllabifier pick a variant of those unit types; manifests and exp/ dirs are named by the variant
# (bpc-cv2, syllable-pyphen), so every later stage works on variant names. --units may also name variants.
# The naming rule is the package's (UnitSpec.variant), asked through make_manifests.py.
variant() {
  case "$1" in
    bpc|syllable) "$PYTHON" "$repo/scripts/make_manifests.py" --print-variant --unit "$1" --bpc-set "$bpc_set" \
                    --syllabifier "$syllabifier" ;;
    *) echo "$1" ;;
  esac
}
for u in bpc syllable; do variant "$u" > /dev/null || exit 2; done   # a bad --bpc-set/--syllabifier stops here
units=$(echo $(for u in $units; do variant "$u"; done))
# name: the corpus as its table, manifests and exp/ dirs are named; a Mandarin rate policy other than
# resampling is another input condition (prepare_cli.py names it mandarin-relabel / mandarin-bandlimit8k)
name=$corpus
if [ "$rate_policy" != resample ]; then
  [ "$corpus" = mandarin ] || { echo "run.sh: --rate-policy applies to --corpus mandarin (IEMOCAP and the demo are 16 kHz)" >&2; exit 2; }
  case "$rate_policy" in relabel|bandlimit8k) name=$corpus-$rate_policy ;;
    *) echo "run.sh: --rate-policy resample|bandlimit8k|relabel, not '$rate_policy'" >&2; exit 2 ;; esac
fi
table=$work/data/$name/utterances.tsv

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
    if [ "$corpus" = mandarin ]; then
      "$PYTHON" "$repo/scripts/prepare_mandarin.py" --mas "$data" --out "$(dirname "$table")" --rate-policy "$rate_policy"
    else
      "$PYTHON" "$repo/scripts/prepare_iemocap.py" --iemocap "$data" --out "$(dirname "$table")"
    fi
  fi
fi

if want 2; then
  for unit in $units; do
    for scheme in $schemes; do
      fold_opt=(); [ "$scheme" = speaker ] && [ -n "$num_folds" ] && fold_opt=(--num-folds "$num_folds")
      log "stage 2: $table -> $work/manifests/$name ($unit, $scheme folds, validation $valid_policy)"
      "$PYTHON" "$repo/scripts/make_manifests.py" --table "$table" --unit "$unit" --folds "$scheme" \
        --valid-policy "$valid_policy" --manifest-root "$work/manifests" ${fold_opt[@]+"${fold_opt[@]}"}
    done
  done
fi
if [ "$corpus" = demo ]; then
  train_units=${train_units:-bpc utterance}
  config=${config:-demo}
  train_folds=${train_folds:-1 2}
  size=tiny; [ "$config" = demo ] && size=demo
  w2v=${w2v:-$work/exp/demo/w2v_$size.pt}
else
  train_units=${train_units:-$units}
fi
train_units=$(echo $(for u in $train_units; do variant "$u"; done))

if want 3; then
  if [ -f "$w2v" ]; then
    log "stage 3: pre-trained model $w2v"
  elif [ "$corpus" = demo ]; then
    log "stage 3: random-init tiny wav2vec 2.0 -> $w2v"
    "$PYTHON" "$repo/scripts/make_w2v_checkpoint.py" --size "$size" --out "$w2v"
  else
    echo "run.sh: --w2v $w2v: no such file" >&2; exit 2
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
      echo "$work/exp/$name/$("$PYTHON" -m fairseq_emo.layout exp-name --variant "$unit" --scheme-dir "$1" ${seed:+--seed "$seed"})"
    done
  done
}
# The folds to evaluate: trained ones (DONE) among those asked for.
trained_folds() {
  local d; for d in "$1"/fold*; do
    [ -f "$d/DONE" ] || continue
    if [ -z "$train_folds" ] || [[ " $train_folds " == *" ${d##*/fold} "* ]]; then echo "$d"; fi
  done
}

for sd in $scheme_dirs; do
  if want 4; then
    log "stage 4: manifests/$name/{${train_units// /,}}/$sd -> $work/exp/$name (config ${config:-paper_<unit>}${seeds:+, seeds $seeds})"
    PYTHON=$PYTHON bash "$repo/scripts/run_folds.sh" --corpus "$name" --units "$train_units" --scheme "$sd" \
      --w2v "$w2v" --manifests "$work/manifests" --exp "$work/exp" --launcher "$launcher" ${config:+--config "$config"} \
      ${train_folds:+--folds "$train_folds"} ${seeds:+--seeds "$seeds"} ${pool[@]+"${pool[@]}"} \
      ${overrides[@]+-- "${overrides[@]}"} || train_failed=1   # listed; go on
  fi
  if want 5; then
    for run in $(run_dirs "$sd"); do
      for d in $(trained_folds "$run"); do
        # decode.json is written last by decode.py, and run_folds.sh removes it when a fold trains again
        if [ -f "$d/decode_test/decode.json" ]; then log "stage 5: $d/decode_test exists, skipped"; continue; fi
        log "stage 5: $d/checkpoints/checkpoint_last.pt -> $d/decode_test"
        "$PYTHON" "$repo/scripts/decode.py" --fold-exp "$d" --split test --no-progress
      done
    done
  fi
  if want 6; then
    for run in $(run_dirs "$sd"); do
      [ -n "$(trained_folds "$run")" ] || { log "stage 6: nothing trained in $run, skipped"; continue; }
      log "stage 6: sclite on $run/fold*/decode_test -> $run/scores_test.tsv"
      "$PYTHON" "$repo/scripts/score.py" --exp "$run" --split test
    done
  fi
  if want 7; then
    for run in $(run_dirs "$sd"); do
      for d in $(trained_folds "$run"); do
        log "stage 7: $d/decode_test/emo/hyp.trn -> $d/decode_test/pred.txt"
        "$PYTHON" "$repo/scripts/vote.py" --hyp "$d/decode_test/emo/hyp.trn" --out "$d/decode_test/pred.txt" \
          --units-json "$d/decode_test/units.jsonl" --ref "$d/decode_test/ref_emotions.txt" | sed -n '1,2p' \
          | tr '\n' ' ' | sed "s|^|  ${run##*/} ${d##*/}: |"; echo
        "$PYTHON" -m fairseq_emo.fold_run record-evaluation "$d" > /dev/null   # WA/UA into the checkpoint's record
      done
    done
  fi
  if want 8; then
    first_unit=${units%% *}
    log "stage 8: eGeMAPS baseline on manifests/$name/$first_unit/$sd -> $work/exp/$name/baseline/$sd"
    "$PYTHON" "$repo/scripts/baseline.py" --folds-dir "$work/manifests/$name/$first_unit/$sd" \
      --out "$work/exp/$name/baseline/$sd" --cache "$work/exp/$name/baseline/egemaps_features.npz" \
      ${train_folds:+--folds "$train_folds"}
  fi
done

if want 9; then
  log "stage 9: $work/exp/$name -> $work/exp/$name/report/"
  "$PYTHON" "$repo/scripts/report.py" --exp "$work/exp/$name"
  [ "$corpus" = demo ] && log "demo: units '$train_units', held-out folds '${train_folds:-all}', config $config;"\
    "a synthetic corpus whose emotions are prosody caricatures: these numbers show the pipeline learns, nothing about IEMOCAP"
fi
if [ "$train_failed" = 1 ]; then
  log "done (stages $stage..$stop_stage), but some folds FAILED to train (see their FAILED files; the report lists them)"
  exit 1
fi
log "done (stages $stage..$stop_stage)"
