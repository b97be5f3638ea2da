#!/usr/bin/env bash
# fairseq_emo recipe, one stage per step (icefall/ESPnet style). Finished stages are skipped, so an
# interrupted run resumes where it stopped.
#
#   bash scripts/run.sh                                    # demo corpus, generated here
#   bash scripts/run.sh --corpus iemocap --data /data/IEMOCAP_full_release --w2v /models/libri960_big.pt
#   bash scripts/run.sh --corpus iemocap --folds scenario --data DIR --w2v CKPT   # speaker and scenario held out
#   bash scripts/run.sh --corpus mandarin --data /data/LDC2007S09 --w2v /models/libri960_big.pt
#   bash scripts/run.sh --corpus ravdess --emotions full --folds emobox --emobox-data EmoBox/data --data DIR --w2v CKPT
#   Cross-corpus testing: scripts/run_cross_corpus.sh. Options: bash scripts/run.sh --help; manual: docs/recipe.md.
#
# Stages (names and paths: fairseq_emo/core/layout.py; every default and check: fairseq_emo/recipe/plan.py):
#   0  demo corpus (espeak-ng, IEMOCAP layout)     -> data/demo/IEMOCAP_full_release   (demo only)
#   1  prepare: corpus tree -> utterance table     -> data/<corpus>/utterances.tsv
#   2  units + fold manifests                      -> manifests/<corpus>/<unit>/<scheme>/fold<k>/
#   3  pre-trained model (demo: random-init)       -> exp/demo/w2v_<size>.pt, or --w2v
#   4  fine-tune folds (scripts/run_folds.sh)       -> exp/<corpus>/<run>/fold<k>/
#   5  decode each trained fold's test split        -> exp/<corpus>/<run>/fold<k>/decode_test/
#   6  score with sclite, with and without emotion  -> exp/<corpus>/<run>/scores_test.tsv
#   7  vote units into one emotion per utterance    -> .../decode_test/pred.txt
#   8  eGeMAPS baseline and the lexical control     -> exp/<corpus>/baseline/<scheme>/
#   9  report                                       -> exp/<corpus>/report/{report.md,results.json,RESULTS.md}
set -euo pipefail
me=run.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
plan "$@"   # stage stop_stage corpus name data work exp table units train_units scheme_dirs runs[sd] fold_loop ...
if $status; then exec "$PYTHON" -m fairseq_emo.recipe "$me" status "$exp"; fi
# Stages 0-2 write shared inputs: two run.sh on one --work take turns (the second waits, then finds them done)
if [ "$stage" -le 2 ]; then
  mkdir -p "$work/data"
  exec {prepare_fd}>>"$work/data/$prepare_lock"
  flock -w 0 "$prepare_fd" || { log "another run.sh is preparing $work/data; waiting for it"; flock "$prepare_fd"; }
fi

if want 0 && [ "$corpus" = demo ]; then
  if [ -d "$data/IEMOCAP_full_release" ]; then log "stage 0: $data/IEMOCAP_full_release exists, skipped"
  else
    log "stage 0: espeak-ng -> $data/IEMOCAP_full_release"
    "$PYTHON" "$repo/scripts/make_demo_corpus.py" --out "$data" --per-emotion "$per_emotion"
  fi
fi

if want 1; then
  if [ -f "$table" ]; then log "stage 1: $table exists, skipped (delete it to prepare again)"
  else
    log "stage 1: $data -> $table"
    "$PYTHON" "$repo/scripts/prepare.py" --corpus "$corpus" --data "$data" --out "$(dirname "$table")" \
      --rate-policy "$rate_policy" --emotions "$emotions"
  fi
fi

if want 2; then
  for unit in $units; do
    for scheme in $schemes; do
      log "stage 2: $table -> $manifests/$name ($unit, $scheme folds, validation $valid_policy)"
      "$PYTHON" "$repo/scripts/make_manifests.py" --table "$table" --unit "$unit" --folds "$scheme" \
        --valid-policy "$valid_policy" --manifest-root "$manifests" ${scheme_options[$scheme]} \
        ${manifest_options[@]+"${manifest_options[@]}"}
    done
  done
fi
[ -n "${prepare_fd:-}" ] && exec {prepare_fd}>&-   # inputs ready: the other run may go on

if want 3; then
  if [ -f "$w2v" ]; then log "stage 3: pre-trained model $w2v"
  elif [ "$corpus" = demo ]; then
    log "stage 3: random-init $size wav2vec 2.0 -> $w2v"
    "$PYTHON" "$repo/scripts/make_w2v_checkpoint.py" --size "$size" --out "$w2v"
  else die "--w2v $w2v: no such file"; fi
fi

train_failed=0
slurm_pending=0
for sd in $scheme_dirs; do
  if want 4; then
    log "stage 4: manifests/$name/{${train_units// /,}}/$sd -> $exp (config ${config:-paper_<unit>})"
    rc=0   # the fold loop dies with run.sh (parent-death signal; its trainers die with it in turn), even on kill -9
    PYTHON=$PYTHON setpriv --pdeathsig KILL -- bash "$repo/scripts/run_folds.sh" "${fold_loop[@]}" --scheme-dir "$sd" \
      ${overrides[@]+-- "${overrides[@]}"} || rc=$?
    case $rc in   # 1: some folds failed (listed above), the others go on; 2, 3: nothing old is shown as this command's
      0) ;; 1) train_failed=1 ;;
      4) log "stage 4: folds are training on Slurm (listed above); run this same command again when their jobs end" \
           "(state: bash scripts/run.sh ... --status, or fairseq-emo status $exp); finished folds are then scored," \
           "voted and reported"; exit 4 ;;   # as run_folds.sh: submitted, nothing failed, come back later
      3) die "stage 4: folds trained earlier with another command (listed above) were not retrained; nothing is" \
           "decoded or reported for this command. Rerun with --force (moves them to fold<k>.replaced-<time>/) or" \
           "use another --work" ;;
      *) die "stage 4: the fold loop refused this command (its message above); nothing is decoded or reported," \
           "so no result of earlier trainings is shown as this command's" ;;
    esac
  fi
  if want 5; then
    for run in ${runs[$sd]}; do
      for d in $(recipe trained-folds "$run" "$train_folds"); do
        # finished, and made from this training of the fold (layout.is_decoded): else decoded (again)
        if recipe is-decoded "$d/$decode_test" "$d"; then log "stage 5: $d/$decode_test exists, skipped"
        elif [ "$launcher" = slurm ]; then   # decoding is a GPU job, not the login node's work
          recipe slurm-decode "$d" "$exp" "$slurm_config" || exit 2; slurm_pending=1
        else
          log "stage 5: $d/$checkpoints_dir/$test_checkpoint_file -> $d/$decode_test"
          "$PYTHON" "$repo/scripts/decode.py" --fold-exp "$d" --split test --no-progress
        fi
      done
    done
    if [ "$slurm_pending" -eq 1 ]; then
      log "stage 5: decodes are running on Slurm (listed above); run this same command again when they end"; exit 4
    fi
  fi
  if want 6; then
    for run in ${runs[$sd]}; do
      if [ -z "$(recipe trained-folds "$run" "$train_folds")" ]; then log "stage 6: nothing trained in $run, skipped"
      else
        log "stage 6: sclite on $run/fold*/$decode_test -> $run/scores_test.tsv"
        "$PYTHON" "$repo/scripts/score.py" --run "$run" --split test
      fi
    done
  fi
  if want 7; then
    for run in ${runs[$sd]}; do
      voted=($(recipe trained-folds "$run" "$train_folds"))
      for d in ${voted[@]+"${voted[@]}"}; do
        dec=$d/$decode_test
        log "stage 7: $dec/$hyp_trn_emo -> $dec/$voted_file"
        "$PYTHON" "$repo/scripts/vote.py" --hyp "$dec/$hyp_trn_emo" --out "$dec/$voted_file" \
          --units-json "$dec/$units_file" --ref "$dec/$ref_emotions_file" | sed -n '1,2p' \
          | tr '\n' ' ' | sed "s|^|  ${run##*/} ${d##*/}: |"; echo
      done
      # WA/UA into each checkpoint's record (model_record.py)
      [ ${#voted[@]} -eq 0 ] || recipe record-evaluation "${voted[@]}" > /dev/null
    done
  fi
  if want 8; then
    log "stage 8: eGeMAPS baseline on ${folds_dir[$sd]} -> ${baseline[$sd]}"
    "$PYTHON" "$repo/scripts/baseline.py" --folds-dir "${folds_dir[$sd]}" --out "${baseline[$sd]}" \
      --cache "$baseline_cache" ${train_folds:+--train-folds "$train_folds"}
    log "stage 8: text baseline (the transcripts alone) on ${folds_dir[$sd]} -> ${text_baseline[$sd]}"
    "$PYTHON" "$repo/scripts/baseline.py" --text --folds-dir "${folds_dir[$sd]}" --out "${text_baseline[$sd]}" \
      ${train_folds:+--train-folds "$train_folds"}
  fi
done

if want 9; then
  log "stage 9: $exp -> $report_dir/"
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
