#!/usr/bin/env bash
# Cross-corpus, cross-lingual testing (the paper's Section 4, Tables 4 and 5): one model per unit type trained on
# ALL of IEMOCAP (or of any registered corpus with transcripts, --train NAME=DIR), then tested without adaptation
# or transcripts on EmoDB, KSUEmotions and Mandarin Affective Speech (the paper's targets) or any registered corpus
# (--target NAME=DIR). Finished stages are skipped, so an interrupted run resumes.
#
#   bash scripts/run_cross_corpus.sh --iemocap /data/IEMOCAP_full_release --w2v /models/libri960_big.pt \
#       --emodb /data/EmoDB --ksu /data/KSUEmotions --mas /data/LDC2007S09
#   bash scripts/run_cross_corpus.sh --train cremad=/data/CREMA-D --w2v CKPT --target tess=/data/TESS
#   bash scripts/run_cross_corpus.sh --demo        # synthetic corpora (espeak-ng), tiny random model, CPU
# Options: bash scripts/run_cross_corpus.sh --help; manual: docs/corpora.md "Cross-corpus evaluation".
#
# Stages (WORK: --work, default the repository; --demo: demo_cross/):
#   0  demo only: synthetic IEMOCAP-layout corpus and EmoDB/KSU/MAS-layout trees  -> WORK/data/{demo,xdemo}/
#   1  prepare tables (targets without transcripts; MAS once per --mas-conditions rate policy)
#                                                   -> WORK/data/<corpus>/, WORK/data/cross/<target>/utterances.tsv
#   2  manifests: the training corpus as one fold (--folds all) per unit; a test-only set per target
#   3  train one model per unit (run_folds.sh --scheme-dir all)   -> WORK/exp/<corpus>/<unit>.all/fold1/
#   4  decode every target with every unit's model                -> WORK/exp/cross/<target>/<unit>/
#   5  vote, cross-lingual BPC scoring, the eGeMAPS baseline      -> WORK/exp/cross/<target>/{<unit>,baseline}/
#   6  report: Tables 4 and 5, UA, confusions; the train x test matrix -> WORK/exp/cross{,-matrix}/report.md
set -euo pipefail
me=run_cross_corpus.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
plan "$@"   # corpus train_data table units targets target_{corpus,policy,data,table}[t] eval_set[t] model[u] cross ...

if want 0 && $demo; then
  if [ -d "$train_data/IEMOCAP_full_release" ]; then log "stage 0: $train_data/IEMOCAP_full_release exists, skipped"
  else
    log "stage 0: espeak-ng -> $train_data/IEMOCAP_full_release"
    "$PYTHON" "$repo/scripts/make_demo_corpus.py" --out "$train_data" ${per_emotion:+--per-emotion "$per_emotion"}
  fi
  xdemo=$(dirname "${target_data[emodb]}")
  if [ -d "${target_data[emodb]}" ]; then log "stage 0: $xdemo exists, skipped"
  else
    log "stage 0: espeak-ng -> $xdemo/{EmoDB,KSUEmotions,MandarinAffectiveSpeech}"
    "$PYTHON" "$repo/scripts/make_demo_corpora.py" --out "$xdemo" ${per_emotion:+--per-emotion "$per_emotion"}
  fi
fi

if want 1; then
  if [ -f "$table" ]; then log "stage 1: $table exists, skipped"
  else
    log "stage 1: $train_data -> $table"
    "$PYTHON" "$repo/scripts/prepare.py" --corpus "$corpus" --data "$train_data" --out "$(dirname "$table")"
  fi
  for t in $targets; do
    if [ -f "${target_table[$t]}" ]; then log "stage 1: ${target_table[$t]} exists, skipped"; continue; fi
    log "stage 1: $t -> ${target_table[$t]}"
    opts=(); [ "${target_corpus[$t]}" = mandarin ] && opts=(--set transcripts=none)   # tested on: audio and labels
    "$PYTHON" "$repo/scripts/prepare.py" --corpus "${target_corpus[$t]}" --data "${target_data[$t]}" \
      --out "$(dirname "${target_table[$t]}")" --rate-policy "${target_policy[$t]}" ${opts[@]+"${opts[@]}"}
  done
fi

if want 2; then
  for unit in $units; do
    log "stage 2: $table -> $manifests/$corpus/$unit/all ($unit, one fold: every utterance trains)"
    "$PYTHON" "$repo/scripts/make_manifests.py" --table "$table" --unit "$unit" --folds all --manifest-root "$manifests"
  done
  for t in $targets; do
    log "stage 2: ${target_table[$t]} -> ${eval_set[$t]} (test only)"
    "$PYTHON" "$repo/scripts/make_manifests.py" --table "${target_table[$t]}" --eval-only --out "${eval_set[$t]}"
  done
fi

if want 3; then
  if $demo && [ ! -f "$w2v" ]; then
    log "stage 3: random-init small wav2vec 2.0 -> $w2v"
    "$PYTHON" "$repo/scripts/make_w2v_checkpoint.py" --size demo --out "$w2v"
  fi
  log "stage 3: manifests/$corpus/{${units// /,}}/all -> $corpus_exp/<unit>.all (config ${config:-paper_<unit>})"
  PYTHON=$PYTHON bash "$repo/scripts/run_folds.sh" --corpus "$corpus" --units "$units" --scheme-dir all --w2v "$w2v" \
    --manifests "$manifests" --exp "$corpus_exp" --launcher "$launcher" ${config:+--config "$config"}
fi

if want 4; then
  for unit in $units; do
    if [ -z "$(recipe trained-folds "$(dirname "${model[$unit]}")" 1)" ]; then
      log "stage 4: ${model[$unit]} has not finished training; $unit skipped"; continue
    fi
    sets=(); outs=()
    for t in $targets; do
      # a cell is done when its decode.json (written last) names this training of the model (layout.is_decoded)
      if recipe is-decoded "$cross/$t/$unit" "${model[$unit]}"; then log "stage 4: $cross/$t/$unit exists, skipped"
      else log "stage 4: ${model[$unit]} + ${eval_set[$t]} -> $cross/$t/$unit"; sets+=("${eval_set[$t]}"); outs+=("$cross/$t/$unit"); fi
    done
    # one process per model: it loads once and decodes every target that is not done
    [ ${#sets[@]} -eq 0 ] || "$PYTHON" "$repo/scripts/decode.py" --checkpoint \
      "${model[$unit]}/$checkpoints_dir/$test_checkpoint_file" --data "${sets[@]}" --out "${outs[@]}" --split test --no-progress
  done
fi

if want 5; then
  for t in $targets; do
    for unit in $units; do
      out=$cross/$t/$unit
      [ -f "$out/$units_file" ] || continue
      log "stage 5: $out/$hyp_trn_emo -> $out/$voted_file"
      "$PYTHON" "$repo/scripts/vote.py" --hyp "$out/$hyp_trn_emo" --out "$out/$voted_file" \
        --units-json "$out/$units_file" --ref "$out/$ref_emotions_file" > "$out/$vote_log"
      echo "  $t $unit: $(sed -n '1,2p' "$out/$vote_log" | tr '\n' ' ')"
      # units across languages: a BPC cell scored by sclite against the target's own transcripts, where it has
      # them (fairseq_emo/evaluation/cross_scoring.py says which cells can be and why the others are not)
      scored=$("$PYTHON" -m fairseq_emo.evaluation.cross_scoring --cell "$out" --table "${target_table[$t]}") || exit 2
      log "stage 5: $scored"
    done
    # the eGeMAPS baseline trained on the same training corpus (its all-utterance fold), tested on the same target
    log "stage 5: eGeMAPS baseline $train_fold + ${eval_set[$t]} -> ${target_baseline[$t]}"
    "$PYTHON" "$repo/scripts/baseline.py" --cross-train "$train_fold" --eval "${eval_set[$t]}" \
      --out "${target_baseline[$t]}" --cache "$baseline_cache"
  done
fi

if want 6; then
  log "stage 6: $cross -> $cross/{$results_file, $report_file}"
  "$PYTHON" "$repo/scripts/report_cross_corpus.py" --cross "$cross"
  log "stage 6: $exp_root/cross*/$results_file -> $cross_matrix"
  "$PYTHON" "$repo/scripts/report_cross_corpus.py" --matrix "$exp_root" > /dev/null
  $demo && log "demo: synthetic corpora whose emotions are prosody caricatures; these numbers show the pipeline"\
    "runs end to end, nothing about the real corpora"
fi
log "done (stages $stage..$stop_stage)"
