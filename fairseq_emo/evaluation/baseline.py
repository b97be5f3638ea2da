"""The baseline SER users reach for first, on the recipe's own folds: fold dirs -> per-fold pred.txt.

eGeMAPS v02 functionals (88 features per utterance; openSMILE through the `opensmile` package, whose wheel ships
the library: offline) and a multinomial logistic regression (scikit-learn), features standardised on the fold's
train split, classes weighted by their inverse frequency (UA counts every class alike), trained on the train
split as the validation policy left it, tested on the test split. It says how far prosody and voice quality
alone go on a corpus, so that a figure of the recipe can be read beside it (on the demo corpus, whose emotions
are prosody caricatures, it is the yardstick).
Features are cached per utterance in one .npz (key: utterance id, audio path and length), so the folds and
schemes of a corpus extract each utterance once. Only finite rows are cached: openSMILE catches SIGINT itself and
returns NaN for the utterance it was on, so a non-finite row stops the stage naming the utterance (the rows
finished before it are kept), and a non-finite row in an older cache is extracted again.
"""
import json
import os
from typing import Dict, List, Sequence

import numpy as np
import soundfile

from fairseq_emo.core import layout
from fairseq_emo.core.atomic import write_text, write_with
from fairseq_emo.data.fold_protocol import read_fold_record
from fairseq_emo.data.manifest import read_split, SplitEntry

METHOD = "eGeMAPSv02 functionals + logistic regression"
C = 1.0  # scikit-learn's default regularisation; not tuned (tuning would need a held-out slice)


def _smile():
    try:
        import opensmile
    except ImportError as err:
        raise RuntimeError(f"the baseline needs the opensmile package ({err}); run `bash scripts/setup.sh`, "
                           f"which installs it (pip install opensmile)") from None
    return opensmile.Smile(feature_set=opensmile.FeatureSet.eGeMAPSv02,
                           feature_level=opensmile.FeatureLevel.Functionals)


def _key(e: SplitEntry) -> str:
    return f"{e.utt_id}\t{e.wav}\t{e.frames}"


def features(entries: Sequence[SplitEntry], cache: str) -> Dict[str, np.ndarray]:
    """utt_id -> 88 eGeMAPS functionals; extracted once per (id, path, length) and kept in `cache`."""
    known: Dict[str, np.ndarray] = {}
    if os.path.isfile(cache):
        with np.load(cache) as z:
            # a non-finite row (an interrupted extraction cached before this check existed) is extracted again
            known = {k: v for k, v in zip(z["keys"].tolist(), z["values"]) if np.all(np.isfinite(v))}
    missing = [e for e in entries if _key(e) not in known]
    if missing:
        smile = _smile()
        try:
            for e in missing:
                try:
                    samples, rate = soundfile.read(e.wav, dtype="float32")
                except Exception as err:  # soundfile raises several types for damaged files
                    raise ValueError(f"utterance {e.utt_id}: unreadable audio {e.wav}: {err}") from None
                if samples.ndim == 2:
                    samples = samples.mean(axis=1)
                row = smile.process_signal(samples, rate).to_numpy(dtype=np.float64)[0]
                if not np.all(np.isfinite(row)):
                    raise ValueError(f"utterance {e.utt_id}: openSMILE returned non-finite features for {e.wav} "
                                     f"(it does so when interrupted, or for audio it cannot analyse); not cached: "
                                     f"run the baseline stage again")
                known[_key(e)] = row
        finally:  # what was extracted before an error or interrupt is kept
            _save(cache, known)
    return {e.utt_id: known[_key(e)] for e in entries}


def _save(cache: str, known: Dict[str, np.ndarray]) -> None:
    if not known:
        return
    os.makedirs(os.path.dirname(os.path.abspath(cache)), exist_ok=True)
    keys = sorted(known)
    write_with(cache, lambda tmp: np.savez(tmp, keys=np.array(keys), values=np.stack([known[k] for k in keys])),
               suffix=".npz")   # np.savez adds .npz to a name without it


def _train_and_test(train: Sequence[SplitEntry], test: Sequence[SplitEntry], out_dir: str, cache: str,
                    facts: Dict) -> Dict:
    """Fit on `train`, predict `test` -> out_dir/{pred.txt, ref_emotions.txt, baseline.json} (baseline.json last:
    the fold or cell is done). -> the baseline.json record."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    feats = features(list(train) + list(test), cache)
    x_train = np.stack([feats[e.utt_id] for e in train])
    y_train = [e.emotion for e in train]
    scaler = StandardScaler().fit(x_train)
    model = LogisticRegression(C=C, max_iter=5000, class_weight="balanced")
    model.fit(scaler.transform(x_train), y_train)
    predicted = model.predict(scaler.transform(np.stack([feats[e.utt_id] for e in test]))) if test else []
    os.makedirs(out_dir, exist_ok=True)
    _write(os.path.join(out_dir, layout.VOTED), [f"{e.utt_id} {p}" for e, p in zip(test, predicted)])
    _write(os.path.join(out_dir, layout.REF_EMOTIONS), [f"{e.utt_id} {e.emotion}" for e in test])
    result = dict(facts, method=METHOD, C=C, class_weight="balanced", train=len(train), test=len(test),
                  features=int(x_train.shape[1]), correct=int(sum(p == e.emotion for e, p in zip(test, predicted))))
    _write(os.path.join(out_dir, layout.BASELINE_RECORD), [json.dumps(result, indent=1, sort_keys=True)])
    return result


def run_fold(fold_dir: str, out_dir: str, cache: str) -> Dict:
    """Train on fold_dir's train split, predict its test split -> out_dir/{pred.txt, ref_emotions.txt,
    baseline.json}."""
    info = read_fold_record(fold_dir)
    return _train_and_test(read_split(fold_dir, "train", None), read_split(fold_dir, "test", None), out_dir, cache,
                           {"fold_dir": os.path.abspath(fold_dir), "test_group": info.test_group,
                            "valid_policy": info.valid_policy})


def run_cross(train_fold: str, eval_dir: str, out_dir: str, cache: str) -> Dict:
    """The cross-corpus baseline: train on a training corpus's all-utterance fold (its train split, as the
    recipe's cross-corpus models), test on a test-only set (make_manifests.py --eval-only) -> out_dir as above."""
    info = read_fold_record(train_fold)
    test = read_split(eval_dir, "test", None)
    with open(os.path.join(eval_dir, layout.EVAL_RECORD), encoding="utf-8") as f:
        target = json.load(f)["corpus"]
    return _train_and_test(read_split(train_fold, "train", None), test, out_dir, cache,
                           {"fold_dir": os.path.abspath(train_fold), "train_corpus": info.corpus,
                            "test_group": target, "eval_dir": os.path.abspath(eval_dir),
                            "valid_policy": info.valid_policy})


def _write(path: str, lines: List[str]) -> None:
    write_text(path, "".join(line + "\n" for line in lines))
