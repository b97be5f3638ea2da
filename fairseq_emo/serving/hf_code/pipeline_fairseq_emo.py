"""The audio-classification pipeline of a fairseq_emo export: files or arrays at any rate -> the model's emotions
(config.json's id2label: the paper's four, or its label set).

transformers' own audio-classification pipeline reads files with ffmpeg and resamples with torchaudio; this one
reads files with soundfile, averages channels, resamples with soxr (as `fairseq-emo predict` does) and then
hands 16 kHz mono to the model (FairseqEmoForEmotion), which runs each input alone at its own length and cuts one
longer than `chunk_length_s` (default: the model's chunk_seconds, 20 s) as `fairseq-emo predict` does, so
batch_size and long inputs change nothing. An input without any emotion unit (silence, noise) gets the single
answer [{'label': 'no_speech', 'score': 1.0}], predict's `no_speech` (emotion null). Loaded with
trust_remote_code=True.
"""
import numpy as np
from transformers.pipelines.audio_classification import AudioClassificationPipeline

RATE = 16000


def _mono_16k(samples, rate):
    samples = np.asarray(samples, dtype=np.float32)
    if samples.ndim == 2:
        if samples.shape[0] < samples.shape[1] and samples.shape[0] <= 8:
            raise ValueError(f"audio of shape {samples.shape} looks channels-first; pass (frames, channels)")
        samples = samples.mean(axis=1)
    if rate != RATE:
        import soxr

        samples = soxr.resample(samples, rate, RATE, quality="VHQ").astype(np.float32)
    return samples


NO_SPEECH = "no_speech"


class FairseqEmoAudioClassification(AudioClassificationPipeline):
    def _sanitize_parameters(self, top_k=None, function_to_apply=None, chunk_length_s=None, **kwargs):
        preprocess, forward, postprocess = super()._sanitize_parameters(top_k, function_to_apply, **kwargs)
        if chunk_length_s is not None:
            if chunk_length_s < 1:
                raise ValueError(f"chunk_length_s must be at least 1 second, got {chunk_length_s}")
            forward["chunk_seconds"] = float(chunk_length_s)
        return preprocess, forward, postprocess

    def _forward(self, model_inputs, chunk_seconds=None):
        return self.model(**model_inputs, chunk_seconds=chunk_seconds)

    def postprocess(self, model_outputs, top_k=5, function_to_apply=None):
        silent = model_outputs.get("no_speech")
        if silent is not None and bool(silent.reshape(-1)[0]):
            return [{"score": 1.0, "label": NO_SPEECH}]
        return super().postprocess(model_outputs, top_k, function_to_apply)

    def preprocess(self, inputs):
        if isinstance(inputs, str):
            import soundfile

            samples, rate = soundfile.read(inputs, dtype="float32", always_2d=True)
            inputs = {"raw": _mono_16k(samples, rate), "sampling_rate": RATE}
        elif isinstance(inputs, dict) and ("raw" in inputs or "array" in inputs):
            raw = inputs["raw"] if "raw" in inputs else inputs["array"]
            inputs = {"raw": _mono_16k(raw, inputs["sampling_rate"]), "sampling_rate": RATE}
        return super().preprocess(inputs)
