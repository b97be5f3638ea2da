"""A fold's training directory as scripts/run_folds.sh leaves it: exp/<corpus>/<unit>/fold<k>/ -> its facts.

  DONE        'key=value' lines: config, w2v, data, launcher, test_checkpoint, checkpoint_rule
  train.log   fairseq's log; with common.log_format=json its metric lines are '[<tag>][INFO] - {json}'
One reader for both, used by decoding, the report and the benchmarks.
"""
import json
import os
from typing import Dict, Iterable, List


def read_key_values(path: str) -> Dict[str, str]:
    """'key=value' lines -> dict."""
    with open(path, encoding="utf-8") as f:
        return dict(line.rstrip("\n").split("=", 1) for line in f if "=" in line)


def read_done(fold_dir: str) -> Dict[str, str]:
    """DONE -> dict; a fold without it has not finished training (error says so)."""
    path = os.path.join(fold_dir, "DONE")
    if not os.path.isfile(path):
        raise FileNotFoundError(f"{path} not found: the fold has not finished training")
    return read_key_values(path)


def log_records(lines: Iterable[str], tag: str) -> List[Dict]:
    """fairseq json log lines of one tag ('train_inner', 'train', 'valid') -> their dicts, in order."""
    marker = f"[{tag}][INFO] - {{"
    return [json.loads(line.split(" - ", 1)[1]) for line in lines if marker in line]
