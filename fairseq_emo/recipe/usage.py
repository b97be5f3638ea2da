"""`--help` of the three recipe scripts: one screen each, every option named; the manual is docs/recipe.md."""

USAGE = {
    "run.sh": """\
usage: bash scripts/run.sh [options] [-- hydra overrides for training]
  The recipe, one stage per step; finished stages are skipped, so the same command resumes.
  0 demo corpus  1 prepare  2 units + fold manifests  3 pre-trained model  4 fine-tune folds  5 decode
  6 sclite  7 vote  8 eGeMAPS + text baselines  9 report (exp/<corpus>/report/, RESULT lines, RESULTS.md)
  --stage N --stop-stage N     run stages N..M only (0-9)
  --corpus NAME (default demo; any registered corpus with transcripts: python scripts/prepare.py --list)
  --data DIR --w2v CKPT        the corpus release; the pre-trained model (libri960_big.pt)
  --work DIR                   where data/, manifests/ and exp/ go (default: the repository)
  --units 'u1 u2' --train-units 'u1 u2'   units to prepare / to train (default: the corpus's; demo: bpc
                               utterance pooled); --bpc-set 'NAME ...' --syllabifier phonetic|pyphen
  --folds 'speaker dialog session scenario official emobox' --num-folds K --train-folds '1 2'|all
  --emotions four|full|FILE    label set (default four, the paper's; full: the release's classes; FILE: a
                               mapping); --emobox-data DIR  EmoBox's data/ folder, for --folds emobox
  --valid-policy monitor|heldout --subset improvised|scripted --seeds '1 2 3'
  --rate-policy bandlimit8k|resample|relabel (Mandarin's input condition) --per-emotion N (demo size)
  --config NAME                configs/NAME.yaml for every unit (default paper_<unit>; demo: demo)
  --launcher local|slurm|submitit_local --slurm-config NAME --jobs N --gpus '0 1' --stagger S
  --keep-optimizer --force     (fold loop: scripts/run_folds.sh --help)
  --status                     every fold's state, then exit
  --version --help
Manual: docs/recipe.md (stages, options, outputs; "On a cluster" for Slurm); examples in README.md.""",
    "run_folds.sh": """\
usage: bash scripts/run_folds.sh --w2v CKPT [options] [-- hydra overrides]
  Fine-tune one model per (unit, fold, seed) with fairseq-hydra-train into <exp>/<run>/fold<k>/; resumable,
  a failing fold does not stop the others. Exit 0 all done, 1 some failed, 2 refused command, 3 folds trained
  earlier with another command (--force moves them aside), 4 folds on Slurm.
  --corpus NAME --units 'u1 u2' --scheme-dir DIR (speaker, session, speaker-k7, all, ...)
  --train-folds '1 2' (default: every fold) --seeds '1 2 3' --config NAME (default paper_<unit>)
  --manifests ROOT (default manifests/) --exp DIR (default exp/<corpus>)
  --launcher local|slurm|submitit_local --slurm-config NAME (configs/slurm/NAME.yaml)
  --jobs N --gpus '0 1' --stagger S   folds at once, dealt over GPUs, started S seconds apart
  --keep-optimizer --force --decode   keep optimizer state; retrain folds trained otherwise; decode after
  --version --help
Manual: docs/recipe.md ("The fold loop", "On a cluster").""",
    "run_cross_corpus.sh": """\
usage: bash scripts/run_cross_corpus.sh (--demo | --iemocap DIR | --train NAME=DIR) --w2v CKPT [targets] [options]
  Train one model per unit on all of a corpus, test it without adaptation on other corpora (the paper's
  Section 4): 0 demo corpora 1 prepare 2 manifests 3 train 4 decode 5 vote + baseline 6 report.
  targets: --emodb DIR --ksu DIR --mas DIR, or --target NAME=DIR (repeatable; python scripts/prepare.py --list)
  --mas-conditions 'bandlimit8k resample relabel' (default bandlimit8k, the paper's 8 kHz condition)
  --units 'u1 u2' (default phoneme bpc syllable) --config NAME --launcher local|slurm|submitit_local
  --work DIR (default: the repository; --demo: demo_cross/) --per-emotion N (demo size)
  --stage N --stop-stage N (0-6) --version --help
Manual: docs/corpora.md ("Cross-corpus evaluation").""",
}
