"""Tiny IEMOCAP_full_release trees for tests: real files in the release's layout, tones instead of speech.

make_tree(root, turns) writes EmoEvaluation, transcriptions and 16 kHz mono wavs for the given turns.
"""
import os
from dataclasses import dataclass
from typing import Iterable, Optional

import numpy as np
import soundfile


@dataclass
class TurnSpec:
    utt_id: str
    label: str
    text: str
    seconds: float = 0.5
    rate: int = 16000
    channels: int = 1
    write_wav: bool = True
    write_transcript: bool = True
    corrupt: bool = False


def default_turns(per_speaker: int = 4) -> list:
    """Two sessions x (F, M) speakers, 4 emotions each, plus dropped labels and a marker-only turn.
    Turn genders are deliberately mixed with dialog prefixes, as in IEMOCAP."""
    emotions = ["neu", "hap", "exc", "ang", "sad"]
    texts = ["Excuse me.", "I can't believe it's 5 o'clock!", "[LAUGHTER] That's well-known, Mr. Smith.",
             "Where are you going?", "Okay [BREATHING] fine."]
    turns = []
    for session in (1, 2):
        for prefix in ("F", "M"):
            dialog = f"Ses{session:02d}{prefix}_impro0{1 if prefix == 'F' else 2}"
            for gender in ("F", "M"):
                for k in range(per_speaker):
                    emo = emotions[k % len(emotions)]
                    turns.append(TurnSpec(f"{dialog}_{gender}{k:03d}", emo, texts[k % len(texts)]))
                turns.append(TurnSpec(f"{dialog}_{gender}{per_speaker:03d}", "fru", "Whatever."))
                turns.append(TurnSpec(f"{dialog}_{gender}{per_speaker + 1:03d}", "xxx", "Hmm."))
            turns.append(TurnSpec(f"{dialog}_F{per_speaker + 2:03d}", "sad", "[LAUGHTER]"))
    return turns


def make_tree(root: str, turns: Iterable[TurnSpec], extra_lines: Optional[dict] = None) -> str:
    """Write the tree under root/IEMOCAP_full_release and return that path."""
    release = os.path.join(root, "IEMOCAP_full_release")
    by_dialog = {}
    for t in turns:
        by_dialog.setdefault(t.utt_id.rsplit("_", 1)[0], []).append(t)
    for dialog, dturns in by_dialog.items():
        session = f"Session{int(dialog[3:5])}"
        for sub in ("EmoEvaluation", "transcriptions"):
            os.makedirs(os.path.join(release, session, "dialog", sub), exist_ok=True)
        evaluation = ["% [START_TIME - END_TIME] TURN_NAME EMOTION [V, A, D]", ""]
        transcription = []
        for i, t in enumerate(dturns):
            start, end = 1.0 + 2 * i, 1.0 + 2 * i + t.seconds
            evaluation += [f"[{start:.4f} - {end:.4f}]\t{t.utt_id}\t{t.label}\t[2.5000, 3.0000, 2.0000]",
                           f"C-E2:\tNeutral;\t()", "A-E3:\tval 3; act 2; dom  2;\t()", ""]
            if t.write_transcript:
                transcription.append(f"{t.utt_id} [{start:08.4f}-{end:08.4f}]: {t.text}")
            wav_dir = os.path.join(release, session, "sentences", "wav", dialog)
            os.makedirs(wav_dir, exist_ok=True)
            path = os.path.join(wav_dir, t.utt_id + ".wav")
            if t.corrupt:
                with open(path, "wb") as f:
                    f.write(b"RIFF\x00\x00not really a wav file")
            elif t.write_wav:
                n = int(t.seconds * t.rate)
                tone = 0.1 * np.sin(2 * np.pi * 220 * np.arange(n) / t.rate).astype(np.float32)
                data = np.stack([tone] * t.channels, axis=1) if t.channels > 1 else tone
                soundfile.write(path, data, t.rate, subtype="PCM_16")
        base = os.path.join(release, session, "dialog")
        with open(os.path.join(base, "EmoEvaluation", dialog + ".txt"), "w") as f:
            f.write("\n".join(evaluation + (extra_lines or {}).get(dialog, [])) + "\n")
        with open(os.path.join(base, "transcriptions", dialog + ".txt"), "w") as f:
            f.write("\n".join(transcription) + "\n")
    return release
