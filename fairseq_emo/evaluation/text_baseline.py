"""The lexical control: what the words alone say about the emotion, on the recipe's own folds -> per fold
pred.txt, ref_emotions.txt, baseline.json (under exp/<corpus>/baseline/<scheme dir>/text/fold<k>/).

Word unigrams and bigrams of each utterance's normalised transcript (the table's `words` column), TF-IDF
weighted (sublinear tf), and a class-balanced logistic regression (scikit-learn), fit on the fold's train split
and tested on its test split. IEMOCAP's scripted dialogs share their text across emotions and its improvised ones
do not: a unit model's figure read beside this one says how much of it the transcript could have given. An
utterance without words gets an empty feature row (the regression's prior decides it).
"""
import json
import os
from typing import Dict

from fairseq_emo.core import layout
from fairseq_emo.core.atomic import write_text
from fairseq_emo.data.fold_protocol import read_fold_record
from fairseq_emo.data.table import read_table

METHOD = "word 1-2-grams (TF-IDF) + logistic regression on the transcripts"


class NoTranscripts(ValueError):
    """The fold's table has no words: there is no text to control for."""
C = 1.0  # scikit-learn's default regularisation; not tuned


def _ids(fold_dir: str, split: str):
    with open(os.path.join(fold_dir, f"{split}.utt"), encoding="utf-8") as f:
        return [line.split("\t")[0] for line in f.read().splitlines() if line]


def run_fold(fold_dir: str, out_dir: str) -> Dict:
    """Train on fold_dir's train split, predict its test split -> out_dir (baseline.json last: the fold is done)."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression


    info = read_fold_record(fold_dir)
    table = {u.utt_id: u for u in read_table(info.table)}
    train, test = _ids(fold_dir, "train"), _ids(fold_dir, "test")
    missing = [u for u in train + test if u not in table]
    if missing:
        raise ValueError(f"{fold_dir}: utterance {missing[0]} is not in the table {info.table} it was made from")
    if not any(table[u].words for u in train):
        raise NoTranscripts(f"{info.table}: no transcripts (no words column): the text baseline needs them")
    vectorizer = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, token_pattern=r"\S+", lowercase=False)
    x_train = vectorizer.fit_transform([table[u].words for u in train])
    model = LogisticRegression(C=C, max_iter=5000, class_weight="balanced")
    model.fit(x_train, [table[u].emotion for u in train])
    predicted = model.predict(vectorizer.transform([table[u].words for u in test])) if test else []
    os.makedirs(out_dir, exist_ok=True)
    write_text(os.path.join(out_dir, layout.VOTED), "".join(f"{u} {p}\n" for u, p in zip(test, predicted)))
    write_text(os.path.join(out_dir, layout.REF_EMOTIONS), "".join(f"{u} {table[u].emotion}\n" for u in test))
    result = {"method": METHOD, "C": C, "class_weight": "balanced", "fold_dir": os.path.abspath(fold_dir),
              "test_group": info.test_group, "valid_policy": info.valid_policy, "train": len(train), "test": len(test),
              "features": len(vectorizer.vocabulary_),
              "correct": int(sum(p == table[u].emotion for u, p in zip(test, predicted)))}
    write_text(os.path.join(out_dir, layout.BASELINE_RECORD), json.dumps(result, indent=1, sort_keys=True) + "\n")
    return result
