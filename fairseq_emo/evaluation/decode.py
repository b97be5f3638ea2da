"""Batched greedy CTC decoding of a fold split: fine-tuned checkpoint + fold dir -> trn files and unit timelines.

Outputs in OUT (formats: manifests/README.md and docs/recipe.md "Decoding, scoring, the vote"):
  emo/hyp.trn, emo/ref.trn        units with emotion suffixes      `<units> (<speaker>-<utt_id>)`
  noemo/hyp.trn, noemo/ref.trn    the same with suffixes stripped
  units.jsonl                     per utterance: units with start/end seconds and posterior, emotion mass,
                                  CTC log-likelihood of the reference bodies with each emotion (ctc_score.py)
  ref_emotions.txt                `<utt_id> <emotion>` (the reference for scripts/vote.py)
Every utterance of the split is written, an empty hypothesis as an empty line body.
Batches are length-sorted; an utterance's output does not depend on its batch (inference.py runs a group-norm
CNN per utterance, so padding never enters its statistics).
"""
import json
import os
from typing import Dict, List, Optional

import soundfile
import torch

from fairseq_emo.core import layout
from fairseq_emo.core.atomic import write_text
from fairseq_emo.core.audio import FAIRSEQ_SAMPLE_RATE, non_finite
from fairseq_emo.data.label_check import MIN_SAMPLES
from fairseq_emo.data.manifest import read_split, SplitEntry
from fairseq_emo.decoding import inference
from fairseq_emo.decoding.chunking import stream_chunks
from fairseq_emo.decoding.ctc_score import emotion_scores
from fairseq_emo.decoding.trn import write_trn
from fairseq_emo.units.suffix import strip_emotion


# A test utterance longer than LONG_SECONDS is decoded alone, in chunks of at most CHUNK_SECONDS cut at quiet
# frames (predict's chunking), its units and emotion mass joined: self-attention over a whole 10-minute utterance
# needs gigabytes. No training utterance can be that long (the paper's max_tokens is 62.5 s and check_fold refuses
# longer ones), so every utterance of a normal test split is decoded whole, exactly as before.
LONG_SECONDS = 60.0
CHUNK_SECONDS = 20.0


def _batches(entries: List[SplitEntry], batch_size: int):
    order = sorted((i for i in range(len(entries)) if entries[i].frames <= LONG_SECONDS * FAIRSEQ_SAMPLE_RATE),
                   key=lambda i: entries[i].frames)
    for k in range(0, len(order), batch_size):
        yield order[k:k + batch_size]


def decode_split(model, task, entries: List[SplitEntry], batch_size: int = 8, device: str = "cpu",
                 progress: bool = True) -> List[Dict]:
    """One result dict per entry (input order): utt_id, speaker, ref_emotion (the reference), ref, units [...],
    emotion_mass {...}, seconds: one line of units.jsonl (docs/schema/units.schema.json)."""
    from tqdm import tqdm

    vocab = inference.Vocabulary.of(task.target_dictionary)
    normalize = bool(getattr(task.cfg, "normalize", False))
    results: List[Optional[Dict]] = [None] * len(entries)
    bar = tqdm(total=len(entries), desc="decode", unit="utt", disable=not progress)
    pooled = inference.is_pooled(model)
    index_of = {symbol: i for i, symbol in enumerate(vocab.symbols) if i >= vocab.nspecial}
    for batch in _batches(entries, batch_size):
        waves = [_read(entries[i]) for i in batch]
        if pooled:
            _, sums = inference.forward(model, waves, normalize, device, pooled=True)
            for (hidden, frames), i in zip(sums, batch):
                results[i] = _result(entries[i], inference.classify_pooled(
                    model, hidden, frames, vocab, entries[i].frames / FAIRSEQ_SAMPLE_RATE))
        else:
            for lp, i in zip(inference.forward(model, waves, normalize, device), batch):
                results[i] = _result(entries[i], inference.decode(lp, vocab),
                                     emotion_scores(lp, entries[i].ref, index_of))
        bar.update(len(batch))
    for i, e in enumerate(entries):
        if results[i] is None:  # longer than LONG_SECONDS
            decoded, lprobs = decode_long(model, _read(e), vocab, normalize, device)
            results[i] = _result(e, decoded, emotion_scores(lprobs, e.ref, index_of) if lprobs is not None else None)
            bar.update(1)
    bar.close()
    return results


def decode_long(model, wave, vocab, normalize: bool, device: str):
    """One long utterance -> (its units (times from the utterance start) and emotion mass, the chunks' log-probs
    joined in time), chunk by chunk; the pooled classifier: (its head on the mean over all chunks' frames, None)."""

    units, mass = [], None
    if inference.is_pooled(model):
        total, frames = 0, 0
        for _start, chunk in stream_chunks([wave.numpy()], CHUNK_SECONDS):
            _, ((hidden, n),) = inference.forward(model, [torch.from_numpy(chunk)], normalize, device, pooled=True)
            total, frames = total + hidden, frames + n
        return inference.classify_pooled(model, total, frames, vocab, len(wave) / FAIRSEQ_SAMPLE_RATE), None
    parts = []
    for start, chunk in stream_chunks([wave.numpy()], CHUNK_SECONDS):
        (lp,) = inference.forward(model, [torch.from_numpy(chunk)], normalize, device)
        parts.append(lp)
        part = inference.decode(lp, vocab, offset=start / FAIRSEQ_SAMPLE_RATE)
        units += part.units
        mass = dict(part.mass) if mass is None else {k: mass[k] + v for k, v in part.mass.items()}
    return inference.Decoded(units, mass), torch.cat(parts)


def _result(e: SplitEntry, decoded, ctc_scores: Optional[Dict[str, float]] = None) -> Dict:
    """One line of units.jsonl; `ctc_scores` (the CTC log-likelihood of the reference bodies with each emotion,
    ctc_score.py) only where the split has reference units."""
    line = {"utt_id": e.utt_id, "speaker": e.speaker, "ref_emotion": e.emotion, "ref": e.ref,
            "units": [{"unit": u.token, "start": u.start, "end": u.end, "posterior": u.posterior}
                      for u in decoded.units],
            "emotion_mass": {k: round(v, 4) for k, v in decoded.mass.items()},
            "seconds": round(e.frames / FAIRSEQ_SAMPLE_RATE, 3)}
    if ctc_scores is not None:
        line["ctc_scores"] = ctc_scores
    return line


def _read(entry: SplitEntry) -> torch.Tensor:
    """A manifest's 16 kHz mono file -> samples; anything else is an error naming the utterance."""
    try:
        wav, rate = soundfile.read(entry.wav, dtype="float32")
    except Exception as err:  # soundfile raises several types for missing or damaged files
        raise ValueError(f"utterance {entry.utt_id}: cannot read {entry.wav}: {err}") from None
    if len(wav) < MIN_SAMPLES:
        raise ValueError(f"utterance {entry.utt_id}: {entry.wav} has {len(wav)} samples; "
                         f"the model needs at least {MIN_SAMPLES} (one 20-ms frame)")
    if rate != FAIRSEQ_SAMPLE_RATE or wav.ndim != 1:
        raise ValueError(f"{entry.wav}: {rate} Hz, shape {wav.shape}; decoding needs 16 kHz mono")
    wrong = non_finite(wav)
    if wrong:
        raise ValueError(f"utterance {entry.utt_id}: {entry.wav}: {wrong}; the file is damaged: write it again")
    return torch.from_numpy(wav)


def write_outputs(out_dir: str, results: List[Dict]) -> None:
    """trn pairs with and without emotion, units.jsonl, ref_emotions.txt (atomic per file)."""
    for sub in layout.VIEWS:
        os.makedirs(os.path.join(out_dir, sub), exist_ok=True)
    hyp = [(r["speaker"], r["utt_id"], [u["unit"] for u in r["units"]]) for r in results]
    ref = [(r["speaker"], r["utt_id"], r["ref"]) for r in results]
    emo, noemo = layout.VIEWS
    write_trn(layout.trn(out_dir, emo, "hyp"), hyp)
    write_trn(layout.trn(out_dir, emo, "ref"), ref)
    write_trn(layout.trn(out_dir, noemo, "hyp"), [(s, u, [strip_emotion(t) for t in toks]) for s, u, toks in hyp])
    write_trn(layout.trn(out_dir, noemo, "ref"), [(s, u, [strip_emotion(t) for t in toks]) for s, u, toks in ref])
    for name, lines in ((layout.UNIT_TIMELINES, [json.dumps(r, sort_keys=True) for r in results]),
                        (layout.REF_EMOTIONS, [f"{r['utt_id']} {r['ref_emotion']}" for r in results])):
        write_text(os.path.join(out_dir, name), "".join(line + "\n" for line in lines))


def decode_to_dir(model, task, checkpoint: str, data: str, out: str, split: str = "test", batch_size: int = 8,
                  device: str = "cpu", progress: bool = True) -> Dict:
    """One split of one data dir -> out/ (trn pairs, units.jsonl, ref_emotions.txt, then decode.json last).
    decode.json names the training that made the checkpoint (its DONE's `finished` stamp), so the recipe decodes
    a retrained fold again (layout.is_decoded). -> decode.json's contents."""
    import time


    entries = read_split(data, split, task.cfg.labels)
    start = time.perf_counter()
    results = decode_split(model, task, entries, batch_size, device, progress)
    seconds = time.perf_counter() - start
    marker = os.path.join(out, layout.DECODED)
    if os.path.isfile(marker):
        os.remove(marker)  # the outputs are being replaced: not finished until the marker is rewritten
    write_outputs(out, results)
    model_fold = layout.model_fold_of(checkpoint)
    info = {"checkpoint": os.path.abspath(checkpoint), "data": os.path.abspath(data), "split": split,
            "model_fold": model_fold, "model_finished": layout.trained_stamp(model_fold) if model_fold else None,
            "device": device, "batch_size": batch_size, "utterances": len(results),
            "audio_seconds": round(sum(e.frames for e in entries) / FAIRSEQ_SAMPLE_RATE, 2),
            "decode_seconds": round(seconds, 2), "empty_hypotheses": sum(1 for r in results if not r["units"])}
    write_text(marker, json.dumps(info, indent=1, sort_keys=True))
    return info
