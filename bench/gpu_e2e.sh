#!/usr/bin/env bash
# The real run's path, stage by stage, on one GPU in under 10 minutes (benchmark/check, not a test):
# wav2vec 2.0 Large in libri960_big.pt's format (random weights), the IEMOCAP-layout demo corpus (espeak-ng,
# real file layout and reader), configs/paper_bpc.yaml with only the update counts shortened (a frozen, then an
# unfrozen phase, fp16, validation with the emotion metrics on), two folds trained concurrently (--jobs 2),
# then GPU decoding, sclite, the vote, the baseline and the report. Prints each stage's seconds and stops with
# the stage's name at the first one that fails.
#
#   bash bench/gpu_e2e.sh --work /tmp/gpu_e2e                 # GPU: Large, fp16
#   bash bench/gpu_e2e.sh --work /tmp/gpu_e2e_cpu --cpu       # quick CPU mode (tiny model, no fp16): CI
# --data DIR uses an existing demo corpus (the folder holding IEMOCAP_full_release) instead of making one.
set -euo pipefail
me=gpu_e2e.sh
. "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib.sh"

work=""
data=""
cpu=false
frozen=40
unfrozen=40
while [ $# -gt 0 ]; do
  case "$1" in
    --work|--data|--frozen-updates|--unfrozen-updates) [ $# -ge 2 ] || die "$1 needs a value (see --help)" ;;&
    --work) work=$2; shift 2 ;;
    --data) data=$2; shift 2 ;;
    --cpu) cpu=true; shift ;;
    --frozen-updates) frozen=$2; shift 2 ;;
    --unfrozen-updates) unfrozen=$2; shift 2 ;;
    -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
    *) die "unknown option $1" ;;
  esac
done
[ -n "$work" ] || die "--work DIR is required"
export PYTHON
mkdir -p "$work"

if $cpu; then
  size=tiny; config=tiny; frozen=4; unfrozen=4
  overrides=(common.fp16=false "optimization.max_update=$((frozen + unfrozen))" "model.freeze_finetune_updates=$frozen")
else
  "$PYTHON" -c "import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)" \
    || die "no CUDA device visible to torch (use --cpu for the quick CPU mode)"
  size=large; config=paper_bpc
  # the recipe, shortened: warm-up/hold/decay over the short run; validation every epoch (the demo corpus
  # makes short epochs), so the emotion metrics are computed at Large size
  overrides=("optimization.max_update=$((frozen + unfrozen))" "model.freeze_finetune_updates=$frozen"
             checkpoint.save_interval_updates=20 dataset.num_workers=3)
fi
w2v=$work/w2v_$size.pt
run=(bash "$repo/scripts/run.sh" --work "$work" --units bpc --train-units bpc --train-folds "1 2" --config "$config"
     --w2v "$w2v" --jobs 2 --per-emotion 6 ${data:+--data "$data"})

ms() { echo $(( $(date +%s%N) / 1000000 )); }
secs() { printf '%d.%d' $(( $1 / 1000 )) $(( $1 % 1000 / 100 )); }
total=0
stage() {  # stage NAME FIRST LAST: run.sh stages FIRST..LAST, timed
  local name=$1 start end
  start=$(ms)
  if ! "${run[@]}" --stage "$2" --stop-stage "$3" -- "${overrides[@]}" > "$work/$name.log" 2>&1; then
    echo "STAGE $name FAILED (run.sh stages $2-$3); last lines of $work/$name.log:" >&2
    tail -n 25 "$work/$name.log" >&2
    exit 1
  fi
  end=$(ms)
  printf 'STAGE %-10s %7s s\n' "$name" "$(secs $((end - start)))"
  total=$((total + end - start))
}

start=$(ms)
[ -f "$w2v" ] || "$PYTHON" "$repo/scripts/make_w2v_checkpoint.py" --size "$size" --out "$w2v" > "$work/w2v.log" 2>&1 \
  || { echo "STAGE checkpoint FAILED"; tail -n 20 "$work/w2v.log"; exit 1; }
printf 'STAGE %-10s %7s s\n' checkpoint "$(secs $(( $(ms) - start )))"
stage data 0 2
stage train 4 4
for d in "$work"/exp/demo/bpc/fold1 "$work"/exp/demo/bpc/fold2; do
  [ -f "$d/DONE" ] || { echo "STAGE train FAILED: $d has no DONE" >&2; cat "$d/FAILED" >&2 2>/dev/null; exit 1; }
  grep -q '"valid_emo_wa"' "$d/train.log" || { echo "STAGE train FAILED: no validation emotion metrics in $d" >&2; exit 1; }
done
stage decode 5 5
stage score 6 7
stage baseline 8 8
stage report 9 9
grep '^RESULT' "$work/report.log" || true
device=$(sed -n 's/^device=//p' "$work/exp/demo/bpc/fold1/DONE")
echo "gpu_e2e: every stage passed on $device in $(secs "$total") s (+ checkpoint); report: $work/exp/demo/report/report.md"
