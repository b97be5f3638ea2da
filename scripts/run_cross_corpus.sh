#!/usr/bin/env bash
# Cross-corpus, cross-lingual testing (the paper's Section 4, Tables 4 and 5): one model per unit type trained on
# ALL of IEMOCAP (or of any registered corpus with transcripts, --train NAME=DIR), then tested without adaptation
# or transcripts on EmoDB, KSUEmotions and Mandarin Affective Speech (the paper's targets) or any registered corpus
# (--target NAME=DIR; the registry: python scripts/prepare.py --list).
# Finished stages are skipped, so an interrupted run resumes.
#
#   bash scripts/run_cross_corpus.sh --iemocap /data/IEMOCAP_full_release --w2v /models/libri960_big.pt \
#       --emodb /data/EmoDB --ksu /data/KSUEmotions --mas /data/LDC2007S09
#   bash scripts/run_cross_corpus.sh --iemocap DIR --w2v CKPT --target ravdess=/data/RAVDESS --target savee=/data/SAVEE
#   bash scripts/run_cross_corpus.sh --train cremad=/data/CREMA-D --w2v CKPT --target tess=/data/TESS
#   bash scripts/run_cross_corpus.sh --demo        # synthetic corpora (espeak-ng), tiny random model, CPU
#
# Stages:
#   0  demo only: synthetic IEMOCAP-layout corpus and EmoDB/KSU/MAS-layout trees  -> WORK/data/{demo,xdemo}/
#   1  prepare tables (targets without transcripts; MAS once per --mas-conditions rate policy)
#                                                   -> WORK/data/<corpus>/, WORK/data/cross/<target>/utterances.tsv
#   2  manifests: the training corpus as one fold (--folds all) per unit; a test-only set per target
#                                                   -> WORK/manifests/<corpus>/<unit>/all/fold1, <target>/eval
#   3  train one model per unit (run_folds.sh --scheme-dir all)   -> WORK/exp/<corpus>/<unit>.all/fold1/
#   4  decode every target with every unit's model                -> WORK/exp/cross/<target>/<unit>/
#   5  vote units into one emotion per utterance                  -> WORK/exp/cross/<target>/<unit>/pred.txt
#      and the eGeMAPS baseline trained on the same corpus          -> WORK/exp/cross/<target>/baseline/
#   6  report: Table 4, Table 5 (WA), UA, confusion matrices      -> WORK/exp/cross/report.md; RESULT lines;
#      and the train x test matrix over every training corpus run   -> WORK/exp/cross-matrix/report.md
# (a training corpus other than IEMOCAP, --train NAME=DIR, writes WORK/exp/cross-from-<NAME>/ instead of cross/)
# Targets are the corpora given (--emodb/--ksu/--mas, the same as --target emodb=DIR ...). WORK defaults to the repo
# (demo: WORK=demo_cross/).
# Mandarin Affective Speech (LDC's 22.05 kHz release) is tested in each condition of --mas-conditions, each its own
# target and row:
#   bandlimit8k  (default) down to 8 kHz, up to 16 kHz: the paper's condition ("8 kHz audio upsampled to 16 kHz"),
#                target mandarin-bandlimit8k; the only row the paper's Table 5 figures stand beside
#   resample     full band resampled to 16 kHz (energy up to 8 kHz, which the paper's audio lacked): target mandarin
#   relabel      22.05 kHz samples read as 16 kHz (slowed to 0.73x, about 5.5 semitones lower; not the paper's
#                condition): target mandarin-relabel
# --units may name unit variants (bpc-cv2, syllable-pyphen); each is its own model and its own column of Table 5.
# A cell is decoded again when its model was retrained (decode.json names the training it came from).
#
# Options: --stage N --stop-stage N --demo --iemocap DIR --train NAME=DIR --emodb DIR --ksu DIR --mas DIR
#   --target NAME=DIR (repeatable) --w2v CKPT
#   --units 'u1 u2' --config NAME --launcher local|slurm|submitit_local --work DIR --per-emotion N (demo)
#   --mas-conditions 'bandlimit8k resample relabel' (default bandlimit8k)
set -euo pipefail
me=run_cross_corpus.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# Ctrl-C: one line (the Python stages print theirs, not tracebacks); finished work is kept, the same command resumes
trap 'echo "$me: interrupted; finished stages and folds are kept: run the same command again to resume" >&2; exit 130' INT

stage=0
stop_stage=6
demo=false
iemocap=""; emodb=""; ksu=""; mas=""; w2v=""
train=""                  # NAME=DIR: the training corpus (default iemocap=<--iemocap>)
declare -A target_data=() # registered target corpus -> its release folder (--target, --emodb/--ksu/--mas)
units="phoneme bpc syllable"
config=""        # default: demo -> demo; else paper_<unit>
launcher=local
work=""
per_emotion=""   # demo sizes
mas_conditions=bandlimit8k

while [ $# -gt 0 ]; do
  case "$1" in
    --stage|--stop-stage|--iemocap|--emodb|--ksu|--mas|--w2v|--units|--config|--launcher|--work|--per-emotion|\
    --mas-conditions|--target|--train)
      need_value "$1" $# ;;&
    --stage) stage=$2; shift 2 ;;
    --stop-stage) stop_stage=$2; shift 2 ;;
    --demo) demo=true; shift ;;
    --iemocap) iemocap=$2; shift 2 ;;
    --emodb) emodb=$2; shift 2 ;;
    --ksu) ksu=$2; shift 2 ;;
    --mas) mas=$2; shift 2 ;;
    --target) [[ "$2" == ?*=?* ]] || die "--target NAME=DIR (a registered corpus and its release folder), not '$2'"
              target_data[${2%%=*}]=${2#*=}; shift 2 ;;
    --train) [[ "$2" == ?*=?* ]] || die "--train NAME=DIR (a registered corpus with transcripts), not '$2'"
             train=$2; shift 2 ;;
    --w2v) w2v=$2; shift 2 ;;
    --units) units=$2; shift 2 ;;
    --config) config=$2; shift 2 ;;
    --launcher) launcher=$2; shift 2 ;;
    --work) work=$2; shift 2 ;;
    --per-emotion) per_emotion=$2; shift 2 ;;
    --mas-conditions) mas_conditions=$2; shift 2 ;;
    -h|--help) print_header "$0"; exit 0 ;;
    *) echo "$me: unknown option $1" >&2; print_header "$0" >&2; exit 2 ;;
  esac
done
check_words --stage '^[0-6]$' "a stage number 0-6" "$stage"
check_words --stop-stage '^[0-6]$' "a stage number 0-6" "$stop_stage"
[ "$stage" -le "$stop_stage" ] || die "--stage $stage is after --stop-stage $stop_stage: no stage would run"
check_words --units '^[A-Za-z0-9_-]+$' "unit (variant) names" $units
check_words --mas-conditions '^(bandlimit8k|resample|relabel)$' "rate policies: bandlimit8k resample relabel" \
  $mas_conditions
[ -n "$mas_conditions" ] || die "--mas-conditions needs at least one of bandlimit8k resample relabel"

if $demo; then
  work=${work:-$repo/demo_cross}
  corpus=demo
  iemocap=${iemocap:-$work/data/demo}
  emodb=${emodb:-$work/data/xdemo/EmoDB}
  ksu=${ksu:-$work/data/xdemo/KSUEmotions}
  mas=${mas:-$work/data/xdemo/MandarinAffectiveSpeech}
  config=${config:-demo}
  w2v=${w2v:-$(layout demo-w2v --exp "$work/exp/demo" --size demo)}
else
  work=${work:-$repo}
  corpus=iemocap
  if [ -n "$train" ]; then
    corpus=${train%%=*}; iemocap=${train#*=}
    facts=$("$PYTHON" -m fairseq_emo.corpora.registry show "$corpus" 2>&1) || die "--train: ${facts#error: }"
    [[ "$facts" == trainable=true* ]] || die "--train $corpus: it has no transcripts here, so no phonetic units" \
      "(trainable: $("$PYTHON" -m fairseq_emo.corpora.registry names --trainable))"
  fi
  [ -n "$iemocap" ] || die "--iemocap DIR (or --train NAME=DIR) is required (or --demo)"
  [ -n "$emodb$ksu$mas${!target_data[*]}" ] || die "give at least one target: --emodb --ksu --mas or --target NAME=DIR"
  if [ "$stop_stage" -ge 3 ] && [ "$stage" -le 3 ] && [ ! -f "$w2v" ]; then
    die "--w2v /path/to/libri960_big.pt is required for training (stage 3)"; fi
fi
eval "$(layout shell-names)"   # file names of exp/ and data/ (fairseq_emo/layout.py)
table=$work/data/$corpus/$table_file
cross=$(layout cross-dir --exp-root "$work/exp" --train "$corpus")   # exp/cross, or exp/cross-from-<train>
# the targets, in the registry's order; a MAS rate condition is part of its target's name (mandarin-bandlimit8k,
# mandarin for full band, mandarin-relabel: audio_cache.corpus_name), one target per --mas-conditions policy
[ -n "$emodb" ] && target_data[emodb]=$emodb
[ -n "$ksu" ] && target_data[ksu]=$ksu
[ -n "$mas" ] && target_data[mandarin]=$mas
registered=" $("$PYTHON" -m fairseq_emo.corpora.registry names --targets) "
for name in "${!target_data[@]}"; do
  [[ "$registered" == *" $name "* ]] || die "--target $name: not a registered target corpus (registered:$registered)"
done
targets=()
declare -A target_policy=() target_corpus=()
for name in $registered; do
  [ -n "${target_data[$name]+set}" ] || continue
  if [ "$name" = mandarin ]; then
    for policy in $mas_conditions; do
      t=$("$PYTHON" -m fairseq_emo.audio_cache mandarin "$policy") || exit 2
      targets+=("$t"); target_policy[$t]=$policy; target_corpus[$t]=mandarin
    done
  else
    targets+=("$name"); target_policy[$name]=resample; target_corpus[$name]=$name
  fi
done

if want 0 && $demo; then
  if [ -d "$iemocap/IEMOCAP_full_release" ]; then log "stage 0: $iemocap/IEMOCAP_full_release exists, skipped"
  else
    log "stage 0: espeak-ng -> $iemocap/IEMOCAP_full_release"
    "$PYTHON" "$repo/scripts/make_demo_corpus.py" --out "$iemocap" ${per_emotion:+--per-emotion "$per_emotion"}
  fi
  if [ -d "$emodb" ]; then log "stage 0: $(dirname "$emodb") exists, skipped"
  else
    log "stage 0: espeak-ng -> $(dirname "$emodb")/{EmoDB,KSUEmotions,MandarinAffectiveSpeech}"
    "$PYTHON" "$repo/scripts/make_demo_corpora.py" --out "$(dirname "$emodb")" ${per_emotion:+--per-emotion "$per_emotion"}
  fi
fi

if want 1; then
  if [ -f "$table" ]; then log "stage 1: $table exists, skipped"
  else
    log "stage 1: $iemocap -> $table"
    "$PYTHON" "$repo/scripts/prepare.py" --corpus "$corpus" --data "$iemocap" --out "$(dirname "$table")"
  fi
  for t in "${targets[@]}"; do
    out=$work/data/cross/$t
    if [ -f "$out/$table_file" ]; then log "stage 1: $out/$table_file exists, skipped"; continue; fi
    log "stage 1: $t -> $out/$table_file"
    opts=(); [ "${target_corpus[$t]}" = mandarin ] && opts=(--set transcripts=none)   # tested on: audio and labels
    "$PYTHON" "$repo/scripts/prepare.py" --corpus "${target_corpus[$t]}" --data "${target_data[${target_corpus[$t]}]}" \
      --out "$out" --rate-policy "${target_policy[$t]}" ${opts[@]+"${opts[@]}"}
  done
fi

if want 2; then
  for unit in $units; do
    log "stage 2: $table -> $work/manifests/$corpus/$unit/all ($unit, one fold: every utterance trains)"
    "$PYTHON" "$repo/scripts/make_manifests.py" --table "$table" --unit "$unit" --folds all \
      --manifest-root "$work/manifests"
  done
  for t in "${targets[@]}"; do
    eval_set=$(layout eval-dir --root "$work/manifests" --corpus "$t")
    log "stage 2: $work/data/cross/$t/$table_file -> $eval_set (test only)"
    "$PYTHON" "$repo/scripts/make_manifests.py" --table "$work/data/cross/$t/$table_file" --eval-only \
      --out "$eval_set"
  done
fi

if want 3; then
  if $demo && [ ! -f "$w2v" ]; then
    log "stage 3: random-init small wav2vec 2.0 -> $w2v"
    "$PYTHON" "$repo/scripts/make_w2v_checkpoint.py" --size demo --out "$w2v"
  fi
  log "stage 3: manifests/$corpus/{${units// /,}}/all -> $work/exp/$corpus/<unit>.all (config ${config:-paper_<unit>})"
  PYTHON=$PYTHON bash "$repo/scripts/run_folds.sh" --corpus "$corpus" --units "$units" --scheme-dir all --w2v "$w2v" \
    --manifests "$work/manifests" --exp "$work/exp/$corpus" --launcher "$launcher" ${config:+--config "$config"}
fi

if want 4; then
  for unit in $units; do
    model=$(layout run-dir --exp-root "$work/exp" --corpus "$corpus" --variant "$unit" --scheme-dir all)/fold1
    layout is-trained "$model" || { log "stage 4: $model has not finished training; $unit skipped"; continue; }
    sets=(); outs=()
    for t in "${targets[@]}"; do
      out=$cross/$t/$unit
      # a cell is done when its decode.json (written last) names this training of the model (layout.is_decoded)
      if layout is-decoded "$out" --model-fold "$model"; then log "stage 4: $out exists, skipped"; continue; fi
      eval_set=$(layout eval-dir --root "$work/manifests" --corpus "$t")
      log "stage 4: $model + $eval_set -> $out"
      sets+=("$eval_set"); outs+=("$out")
    done
    # one process per model: it loads once and decodes every target that is not done
    [ ${#sets[@]} -eq 0 ] || "$PYTHON" "$repo/scripts/decode.py" --checkpoint "$(layout test-checkpoint "$model")" \
      --data "${sets[@]}" --out "${outs[@]}" --split test --no-progress
  done
fi

if want 5; then
  for t in "${targets[@]}"; do
    for unit in $units; do
      out=$cross/$t/$unit
      [ -f "$out/$units_file" ] || continue
      log "stage 5: $out/$hyp_trn_emo -> $out/$voted_file"
      "$PYTHON" "$repo/scripts/vote.py" --hyp "$out/$hyp_trn_emo" --out "$out/$voted_file" \
        --units-json "$out/$units_file" --ref "$out/$ref_emotions_file" > "$out/$vote_log"
      echo "  $t $unit: $(sed -n '1,2p' "$out/$vote_log" | tr '\n' ' ')"
      # units across languages: a BPC cell scored by sclite against the target's own transcripts, where it has
      # them (fairseq_emo/cross_scoring.py says which cells can be and why the others are not)
      scored=$("$PYTHON" -m fairseq_emo.cross_scoring --cell "$out" --table "$work/data/cross/$t/$table_file") \
        || exit 2
      log "stage 5: $scored"
    done
    # the eGeMAPS baseline trained on the same training corpus (its all-utterance fold), tested on the same target
    first_unit=${units%% *}
    train_fold=$(layout manifest-dir --root "$work/manifests" --corpus "$corpus" --variant "$first_unit" \
      --scheme-dir all)/fold1
    out=$(layout cross-baseline --cross "$cross" --target "$t")
    log "stage 5: eGeMAPS baseline $train_fold + $(layout eval-dir --root "$work/manifests" --corpus "$t") -> $out"
    "$PYTHON" "$repo/scripts/baseline.py" --cross-train "$train_fold" \
      --eval "$(layout eval-dir --root "$work/manifests" --corpus "$t")" --out "$out" \
      --cache "$(layout baseline-cache --exp "$work/exp/$corpus")"
  done
fi

if want 6; then
  log "stage 6: $cross -> $cross/{$results_file, $report_file}"
  "$PYTHON" "$repo/scripts/report_cross_corpus.py" --cross "$cross"
  log "stage 6: $work/exp/cross*/$results_file -> $(layout cross-matrix-dir --exp-root "$work/exp")"
  "$PYTHON" "$repo/scripts/report_cross_corpus.py" --matrix "$work/exp" > /dev/null
  $demo && log "demo: synthetic corpora whose emotions are prosody caricatures; these numbers show the pipeline"\
    "runs end to end, nothing about the real corpora"
fi
log "done (stages $stage..$stop_stage)"
