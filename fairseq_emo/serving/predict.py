"""Emotion of your own recordings: audio files -> per-file and per-chunk emotions with a unit-level timeline.

    from fairseq_emo.serving import predict
    results = predict.predict(["talk.flac"], checkpoint="exp/iemocap/bpc/fold1/checkpoints/checkpoint_last.pt")
    results[0]["emotion"], results[0]["chunks"][0]["timeline"][:3]

Input: any file soundfile reads (wav, flac, ogg, ...), any sample rate (resampled to 16 kHz with soxr), any
channel count (averaged to mono; the result says so). The file is streamed: read in 0.5-s blocks, mixed and
resampled as it is read (AudioStream), and cut into chunks of at most `chunk_seconds` (default 20 s), each at
the quietest 20-ms frame of the chunk's last quarter, so memory is bounded by the chunk whatever the file's
length, rate or channel count, no audio is decoded twice, and a cut rarely falls inside a unit (fixed windows
with overlap would decode the overlap twice and need a rule for units seen in both windows).
Output per file: emotion of the whole file (vote over all its units; ties by posterior mass; null with
`no_speech: true` when no unit was decoded), its confidence (its vote share: the fraction of the units carrying it), every emotion's score (`scores`: posterior-mass share and vote
share), and per chunk the same plus the decoded units and the timeline (unit, emotion, start, end, posterior, in
seconds from the file's start). Field meanings: docs/schema/predict.schema.json (checked by the tests).
A file that cannot be used (unreadable, empty, shorter than MIN_SECONDS) gets an `error` and no emotion; the
other files go on.
"""
import glob
import os
from collections import deque
from typing import Dict, Iterable, List, NamedTuple, Optional

import numpy as np
import torch

from fairseq_emo.core.audio import FAIRSEQ_SAMPLE_RATE
from fairseq_emo.decoding import inference
from fairseq_emo.decoding.chunking import stream_chunks
from fairseq_emo.decoding.vote import vote
from fairseq_emo.serving.audio_input import ArrayStream, AudioStream, check_length
from fairseq_emo.serving.hf_export import load_exported
from fairseq_emo.serving.predict_inputs import expand_inputs
from fairseq_emo.training.fine_tuned import load_model
from fairseq_emo.units.suffix import add_emotion, split_token

class PredictError(ValueError):
    """A single-item call (predict_file, predict_array) could not use its input: the message says why."""


def resolve_device(device: Optional[str] = None) -> str:
    """None -> 'cuda' when torch sees a GPU, else 'cpu'; a cuda device asked for on a machine without one is a
    clear error (not an assertion from deep inside torch)."""
    if device is None:
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise ValueError(f"device {device!r}: this torch build sees no CUDA device; use 'cpu' (or leave it out)")
    return device


class Predictor:
    """A fine-tuned checkpoint ready to predict; the dictionary is read from dict.*.txt beside the checkpoint
    (run_folds.sh puts it there) or from the fold dir stored in the checkpoint.

        p = Predictor.from_checkpoint("exp/iemocap/bpc/fold1/checkpoints/checkpoint_last.pt")   # cuda if present
        p.predict_file("talk.flac")["emotion"];  p.predict_array(samples, 44100)["scores"]
    """

    @classmethod
    def from_checkpoint(cls, path: str, device: Optional[str] = None) -> "Predictor":
        return cls(path, device)

    def __init__(self, checkpoint: str, device: Optional[str] = None):
        device = resolve_device(device)
        self.device = device   # (the CLI tunes the allocator for long batches: a library leaves the process alone)
        if os.path.isdir(checkpoint):   # a directory made by `fairseq-emo export` (transformers, no fairseq pickle)

            self.model, self.dictionary, self.normalize = load_exported(checkpoint, device)
        else:   # a fairseq checkpoint: fairseq and the plugin are needed (an exported directory needs neither)
            import fairseq  # noqa: F401  (before the plugin registers)


            folder = os.path.dirname(os.path.abspath(checkpoint))
            data = folder if glob.glob(os.path.join(glob.escape(folder), "dict.*.txt")) else None
            self.model, task = load_model(checkpoint, data, device)
            self.dictionary = task.target_dictionary
            self.normalize = bool(getattr(task.cfg, "normalize", False))
        self.vocab = inference.Vocabulary.of(self.dictionary)
        self.classes = self.vocab.emotions   # the model's label set (its dictionary's), in class order

    def predict_file(self, path: str, chunk_seconds: float = 20.0, envelope: Optional[List[float]] = None,
                     ident: Optional[str] = None) -> Dict:
        """One file, streamed: read, converted and decoded chunk by chunk. `envelope`, when given, receives the
        20-ms peaks for plot_timeline. `ident` names the file in the outputs (default: its stem)."""
        ident = ident or os.path.splitext(os.path.basename(path))[0]
        record, peaks = next(self.stream_files([(ident, path)], batch_size=1, chunk_seconds=chunk_seconds))
        if "error" in record:
            raise PredictError(f"{path}: {record['error']}")
        if envelope is not None:
            envelope.extend(peaks)
        return record

    def predict_files(self, paths: Iterable[str], batch_size: int = 8, chunk_seconds: float = 20.0) -> List[Dict]:
        """Files, folders, list files or wav.scp (predict_inputs.py) -> one record per file, in input order; the
        chunks of several files are decoded together, length-sorted, `batch_size` per forward pass. A file's
        record is the same whatever the batch size (inference.py)."""
        files, _ = expand_inputs(paths)
        return [record for record, _ in self.stream_files(files, batch_size, chunk_seconds)]   # errors per file

    def predict_array(self, samples, sample_rate: int, chunk_seconds: float = 20.0, ident: str = "array") -> Dict:
        """Samples in memory -> the record predict_file gives for a file (`file` is None). `samples`: 1-D, or 2-D
        (frames, channels), float in [-1, 1] or int16; converted as prepare converts files: channel mean, soxr
        very-high-quality resampling to 16 kHz, clipping."""
        try:
            stream = ArrayStream(samples, sample_rate)
        except ValueError as err:
            raise PredictError(str(err)) from None
        record = next(self._run([({"id": ident, "file": None}, stream)], 1, chunk_seconds))[0]
        if "error" in record:
            raise PredictError(f"{ident}: {record['error']}")
        return record

    def embed_file(self, path: str, chunk_seconds: float = 20.0) -> np.ndarray:
        """A file -> its utterance embedding: the encoder's last hidden state (the input of the unit output layer)
        averaged over all frames of all chunks, float32 (1024 values for a Large model). PredictError when the file
        cannot be used."""
        ident = os.path.splitext(os.path.basename(path))[0]
        record, _ = next(self.stream_files([(ident, path)], 1, chunk_seconds, embeddings=True))
        if "error" in record:
            raise PredictError(f"{path}: {record['error']}")
        return record["embedding"]

    def embed_array(self, samples, sample_rate: int, chunk_seconds: float = 20.0) -> np.ndarray:
        """Samples in memory -> their utterance embedding (as embed_file)."""
        try:
            stream = ArrayStream(samples, sample_rate)
        except ValueError as err:
            raise PredictError(str(err)) from None
        record = next(self._run([({"id": "array", "file": None}, stream)], 1, chunk_seconds, embeddings=True))[0]
        if "error" in record:
            raise PredictError(f"array: {record['error']}")
        return record["embedding"]

    def classify_batch(self, wavs, lengths=None, sample_rate: int = FAIRSEQ_SAMPLE_RATE, batch_size: int = 8):
        """A batch of waveforms -> Classification (SpeechBrain's classify_batch shape): `probs` (N, 4) scores in
        the model's class order (`self.classes`: its dictionary's label set; the vote share, or the posterior-mass
        share when nothing was decoded: what the exported audio-classification pipeline returns), `score` (N,) the
        chosen one's, `index` (N,) into self.classes (-1:
        no speech), `labels` (N,) codes or None. `wavs`: (N, T) array/tensor or a list of 1-D arrays; `lengths`:
        samples per item (or fractions of T, as SpeechBrain's relative lengths), default all of T. The four fields
        are torch tensors and a list, as SpeechBrain's (out_prob, score, index, text_lab)."""
        items = [np.asarray(w.detach().cpu() if hasattr(w, "detach") else w, dtype=np.float32) for w in wavs]
        if lengths is not None:
            lengths = [float(v) for v in (lengths.tolist() if hasattr(lengths, "tolist") else lengths)]
            if len(lengths) != len(items):
                raise PredictError(f"{len(lengths)} lengths for {len(items)} waveforms")
            items = [w[:int(round(n * len(w))) if n <= 1.0 else int(n)] for w, n in zip(items, lengths)]
        streams = []
        for k, w in enumerate(items):
            try:
                streams.append(({"id": str(k), "file": None}, ArrayStream(w, sample_rate)))
            except ValueError as err:
                raise PredictError(f"waveform {k}: {err}") from None
        records = [r for r, _ in self._run(streams, batch_size, 20.0)]
        for k, r in enumerate(records):
            if "error" in r:
                raise PredictError(f"waveform {k}: {r['error']}")
        share = ["mass_share" if r["no_speech"] else "vote_share" for r in records]
        probs = torch.tensor([[r["scores"][e][s] for e in self.classes] for r, s in zip(records, share)],
                             dtype=torch.float32)
        index = torch.tensor([self.classes.index(r["emotion"]) if r["emotion"] else -1 for r in records],
                             dtype=torch.int64)
        score = torch.tensor([float(probs[i, j]) if j >= 0 else 0.0 for i, j in enumerate(index.tolist())],
                             dtype=torch.float32)
        return Classification(probs, score, index, [r["emotion"] for r in records])

    def classify_file(self, path: str, chunk_seconds: float = 20.0) -> "Classification":
        """One file -> Classification with N = 1 (SpeechBrain's classify_file); PredictError when it cannot be
        used."""
        record = self.predict_file(path, chunk_seconds)
        share = "mass_share" if record["no_speech"] else "vote_share"
        probs = torch.tensor([[record["scores"][e][share] for e in self.classes]], dtype=torch.float32)
        k = self.classes.index(record["emotion"]) if record["emotion"] else -1
        return Classification(probs, torch.tensor([float(probs[0, k]) if k >= 0 else 0.0]), torch.tensor([k]),
                              [record["emotion"]])

    def stream_files(self, files: List[tuple], batch_size: int = 1, chunk_seconds: float = 20.0,
                     embeddings: bool = False, progress=None):
        """[(id, path)] -> (record, 20-ms envelope) per file, in input order, each as soon as it and the files
        before it are finished (the CLI writes it then). With `embeddings`, each record also holds `embedding`:
        the encoder's last hidden state averaged over every frame of the file (a float32 array; from the same
        forward pass as the units)."""
        def sources():
            for ident, path in files:
                record = {"id": ident, "file": path}
                try:
                    yield record, AudioStream(path)
                except ValueError as err:
                    record["error"] = str(err)
                    yield record, None
        return self._run(sources(), batch_size, chunk_seconds, embeddings, progress)

    def _run(self, sources, batch_size: int, chunk_seconds: float, embeddings: bool = False, progress=None):
        """(record stub, stream or None) pairs -> (record, envelope) in input order. Chunks wait in a pool of
        POOL_BATCHES * batch_size chunks (one chunk at batch size 1); a full pool, and the end, is decoded
        length-sorted, batch_size chunks per forward pass. Memory: the pool, whatever the files' lengths."""
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, got {batch_size}")
        limit = 1 if batch_size == 1 else POOL_BATCHES * batch_size
        pooled_model = inference.is_pooled(self.model)
        pool: List[tuple] = []      # (job, chunk number, start sample, samples)
        jobs: deque = deque()       # files not yet returned, in input order

        def flush():
            pool.sort(key=lambda c: len(c[3]))
            for k in range(0, len(pool), batch_size):
                part = pool[k:k + batch_size]
                waves = [torch.from_numpy(c[3]) for c in part]
                if embeddings or pooled_model:
                    lprobs, pooled = inference.forward(self.model, waves, self.normalize, self.device, pooled=True)
                else:
                    lprobs, pooled = inference.forward(self.model, waves, self.normalize, self.device), [None] * len(part)
                for (job, number, start, samples), lp, pool_sum in zip(part, lprobs, pooled):
                    if pooled_model and is_silent(samples):   # the head always answers: no speech, no answer
                        decoded = inference.Decoded(units=[], mass={e: 0.0 for e in self.classes})
                    elif pooled_model:   # the pooled classifier: one decision per chunk, its head's probabilities
                        decoded = inference.classify_pooled(self.model, *pool_sum, self.vocab,
                                                            len(samples) / FAIRSEQ_SAMPLE_RATE,
                                                            offset=start / FAIRSEQ_SAMPLE_RATE)
                    else:
                        decoded = inference.decode(lp, self.vocab, start / FAIRSEQ_SAMPLE_RATE)
                    job.decoded[number] = (start, len(samples), _timeline(decoded), decoded.mass)
                    if progress is not None:   # seconds of audio decoded, chunk by chunk (a long file moves too)
                        progress(len(samples) / FAIRSEQ_SAMPLE_RATE)
                    if pool_sum is not None and embeddings:
                        job.pooled.append(pool_sum)
            pool.clear()

        def finished():
            while jobs and jobs[0].done():
                yield jobs.popleft().result()

        def add(job, number, chunk):
            pool.append((job, number) + chunk)
            if len(pool) >= limit:
                flush()

        for record, stream in sources:
            job = _FileJob(record, stream, self.classes)
            jobs.append(job)
            if stream is not None:
                # only reading the file can fail the file; an error while decoding (the pool holds other files'
                # chunks too) is not this file's and propagates
                chunks_of = stream_chunks(stream, chunk_seconds)
                pending, number = None, 0  # a chunk joins the pool once the next exists: the last may be short
                while True:
                    try:
                        chunk = next(chunks_of, None)
                        if chunk is None:
                            check_length(stream.frames)
                    except (ValueError, OSError) as err:
                        job.record["error"] = str(err)
                        pool[:] = [c for c in pool if c[0] is not job]
                        break
                    if chunk is None:
                        job.chunks = number + 1
                        add(job, number, pending)
                        break
                    if pending is not None:
                        add(job, number, pending)
                        number += 1
                        yield from finished()
                    pending = chunk
            yield from finished()
        flush()
        yield from finished()


# The pooled classifier's head answers every chunk, silence too (a CTC unit model answers silence with blanks,
# i.e. no_speech). Its chunk is no speech when even its loudest 20-ms frame stays below SILENCE_DBFS (RMS against
# full scale): digital silence and room tone; speech at any usable level is far above it.
SILENCE_DBFS = -50.0


def is_silent(samples: np.ndarray) -> bool:
    frame = int(0.02 * FAIRSEQ_SAMPLE_RATE)
    n = max(1, len(samples) // frame)
    rms = np.sqrt((samples[:n * frame].astype(np.float64).reshape(n, -1) ** 2).mean(axis=1)) if len(samples) >= frame \
        else np.sqrt([np.mean(np.square(samples.astype(np.float64)))])
    return bool(20 * np.log10(max(float(rms.max()), 1e-12)) < SILENCE_DBFS)


class Classification(NamedTuple):
    """SpeechBrain's classify_batch shape (out_prob, score, index, text_lab), as torch tensors and a list."""
    probs: torch.Tensor        # (N, classes) float32 in the model's class order (Predictor.classes)
    score: torch.Tensor        # (N,) float32: the chosen emotion's (the vote share; 0 with no speech)
    index: torch.Tensor        # (N,) int64 into Predictor.classes, -1 = no speech
    labels: List[Optional[str]]


POOL_BATCHES = 4  # chunks pooled per batch: enough to sort by length, little memory (4 x 8 x 20 s = 41 MiB)


class _FileJob:
    """One file in flight: its stream, its decoded chunks as they come back, and how many there are."""

    def __init__(self, record: Dict, stream, classes):
        self.record, self.stream, self.classes = record, stream, classes
        self.decoded: Dict[int, tuple] = {}   # chunk number -> (start sample, samples, timeline, emotion mass)
        self.pooled: List[tuple] = []         # (hidden-state sum, frames) per chunk, when embeddings are asked for
        self.chunks: Optional[int] = None     # known once the stream is exhausted

    def done(self) -> bool:
        return "error" in self.record or (self.chunks is not None and len(self.decoded) == self.chunks)

    def result(self):
        record, stream = self.record, self.stream
        if "error" in record:
            return record, []
        chunks, all_units, total_mass = [], [], {e: 0.0 for e in self.classes}
        for number in range(self.chunks):
            start, length, timeline, mass = self.decoded.pop(number)
            chunks.append(_summarize(timeline, mass, start=round(start / FAIRSEQ_SAMPLE_RATE, 3),
                                     end=round((start + length) / FAIRSEQ_SAMPLE_RATE, 3)))
            all_units.extend(timeline)
            for e in self.classes:
                total_mass[e] += mass[e]
        record.update(sample_rate=stream.rate, channels=stream.channels, mixed_to_mono=stream.channels > 1,
                      resampled=stream.rate != FAIRSEQ_SAMPLE_RATE,
                      duration=round(stream.frames / FAIRSEQ_SAMPLE_RATE, 3))
        whole = _summarize(all_units, total_mass)
        record.update({k: whole[k] for k in ("emotion", "no_speech", "confidence", "vote_share", "mass_share",
                                             "scores", "n_units")}, chunks=chunks)
        if self.pooled:
            total = sum(p[0] for p in self.pooled)
            record["embedding"] = (total / max(1, sum(p[1] for p in self.pooled))).numpy().astype(np.float32)
        return record, stream.envelope


def _timeline(decoded) -> List[Dict]:
    """inference.Decoded -> the timeline entries of the output (unit body and emotion apart; docs/schema/)."""
    timeline = []
    for u in decoded.units:
        body, emo = split_token(u.token)
        timeline.append({"unit": body, "emotion": emo, "start": u.start, "end": u.end, "posterior": u.posterior})
    return timeline


def _summarize(timeline: List[Dict], mass: Dict[str, float], **extra) -> Dict:
    """Units and posterior mass of a chunk or a file -> the vote and every emotion's score (docs/schema/).
    Nothing decoded (no emotion-suffixed unit): `no_speech` is true and the emotion null, not the posterior-mass
    guess the evaluation's vote falls back to (vote.py rule 3): a user asking about a recording of silence or
    noise gets "nothing heard", not a confident emotion. The scores still say where the posterior mass went."""
    emotions = [u["emotion"] for u in timeline if u["emotion"]]
    total = sum(mass.values())
    scores = {e: {"mass_share": round(mass[e] / total, 4) if total > 0 else 0.0,
                  "vote_share": round(emotions.count(e) / len(emotions), 4) if emotions else 0.0} for e in mass}
    emotion = vote(emotions, mass) if emotions else None
    chosen = scores[emotion] if emotion else {"mass_share": None, "vote_share": None}
    # confidence: the vote share, because the vote decides (the exported pipeline's score is the same number)
    return dict(extra, emotion=emotion, no_speech=not emotions, confidence=chosen["vote_share"],
                vote_share=chosen["vote_share"], mass_share=chosen["mass_share"], scores=scores,
                n_units=len(timeline),
                units=" ".join(add_emotion(u["unit"], u["emotion"]) if u["emotion"] else u["unit"] for u in timeline),
                timeline=timeline)


def predict(paths: Iterable[str], checkpoint: str, device: Optional[str] = None, chunk_seconds: float = 20.0,
            progress: bool = False, predictor: Optional[Predictor] = None, batch_size: int = 1) -> List[Dict]:
    """The Python API: one result dict per input file (see the module docstring); device None = cuda when
    present."""
    from tqdm import tqdm

    predictor = predictor or Predictor(checkpoint, device)
    files, _ = expand_inputs(paths)
    return [record for record, _ in tqdm(predictor.stream_files(files, batch_size, chunk_seconds), total=len(files),
                                         disable=not progress, unit="file")]
