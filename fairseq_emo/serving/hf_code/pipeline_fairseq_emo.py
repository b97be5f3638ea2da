"""The audio-classification pipeline of a fairseq_emo export: files or arrays at any rate -> the four emotions.

transformers' own audio-classification pipeline reads files with ffmpeg and resamples with torchaudio; this one
reads files with soundfile, averages channels, resamples with soxr (as `fairseq-emo predict` does) and then
hands 16 kHz mono to the model (FairseqEmoForEmotion). Loaded with trust_remote_code=True.
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


class FairseqEmoAudioClassification(AudioClassificationPipeline):
    def preprocess(self, inputs):
        if isinstance(inputs, str):
            import soundfile

            samples, rate = soundfile.read(inputs, dtype="float32", always_2d=True)
            inputs = {"raw": _mono_16k(samples, rate), "sampling_rate": RATE}
        elif isinstance(inputs, dict) and ("raw" in inputs or "array" in inputs):
            raw = inputs["raw"] if "raw" in inputs else inputs["array"]
            inputs = {"raw": _mono_16k(raw, inputs["sampling_rate"]), "sampling_rate": RATE}
        return super().preprocess(inputs)
