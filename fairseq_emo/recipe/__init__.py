"""Layer 8, the recipe's decisions for the bash scripts (scripts/run.sh, run_folds.sh, run_cross_corpus.sh): their
command lines checked once into a plan (options.py, plan.py), the fold loop's decisions (fold_loop.py), their
usage texts (usage.py), reached through `python -m fairseq_emo.recipe` (__main__.py). The scripts keep the stage
list, the fold loop and the fairseq-hydra-train command."""
