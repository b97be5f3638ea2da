"""The demo corpus: espeak-ng speech in IEMOCAP_full_release's exact layout and file formats.

Input: an output folder and a size. Output: <out>/IEMOCAP_full_release/Session{1..5}/... (see corpora/iemocap.py)
plus DEMO_CORPUS.txt, which tells readers the tree is synthetic.

5 sessions x 2 voices (Ses0kF a female espeak-ng variant, Ses0kM a male one; each session its own English
accent), 4 emotions rendered by prosody only: pitch, speaking rate, amplitude and word gap, with per-utterance
jitter. Each speaker also gets turns the label policy must drop (fru, xxx) and a marker-only laughter turn, so
the real reader's policies are exercised. Dialog prefixes F/M both contain turns of both voices, as in IEMOCAP.
Deterministic: same arguments -> same files (espeak-ng is deterministic; jitter comes from a seeded hash).
The emotions are a caricature of acted speech: a model can learn them from pitch/rate/loudness alone, so
demo accuracies show that the pipeline works, not what IEMOCAP would give.
"""
import hashlib
import io
import os
import random
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Dict, List, Tuple

import numpy as np
import soundfile
import soxr

from fairseq_emo.core.audio import FAIRSEQ_SAMPLE_RATE
from fairseq_emo.data.corpora.iemocap import DEMO_MARKER

SENTENCES = [
    "Excuse me, do you know where the train station is?",
    "I left my keys on the kitchen table this morning.",
    "We should get some groceries before the store closes.",
    "Can you pick the kids up from school today?",
    "The meeting was moved to three o'clock on Friday.",
    "I can't believe it's already the end of the year.",
    "My sister is coming to visit next weekend.",
    "Did you remember to call the doctor?",
    "The coffee machine at work is broken again.",
    "I haven't seen that movie yet, is it any good?",
    "Let's take the dog for a walk after dinner.",
    "The bus was twenty minutes late this morning.",
    "I need to finish this report by tomorrow.",
    "Where did you put the umbrella?",
    "She told me the news on the phone last night.",
    "We're out of milk and bread again.",
    "He bought a new bicycle for the summer.",
    "It's been raining all day long.",
    "I'll make some tea if you want a cup.",
    "The neighbours are painting their house green.",
    "You said you would be home by six.",
    "I found a twenty-dollar bill in my old jacket.",
    "The flight to Boston leaves at 7:45.",
    "Our team won the game on Saturday.",
    "I don't think that's a very good idea.",
    "Could you turn the music down a little?",
    "The package finally arrived this afternoon.",
    "We've lived in this town for 12 years.",
    "Mr. Brown is waiting for you downstairs.",
    "That restaurant on the corner closed last month.",
    "I'm going to bed early tonight.",
    "The children are playing in the garden.",
    "Somebody left the front door open.",
    "Have you seen my glasses anywhere?",
    "This is the third time you've been late.",
    "I really wanted to go to the concert.",
    "The car needs new tires before winter.",
    "We'll talk about it when you get back.",
    "My phone battery died in the middle of the call.",
    "Nobody answered when I knocked on the door.",
]
MARKER_SENTENCES = {  # transcript -> what espeak-ng says for it
    "[LAUGHTER]": "ha ha ha ha",
}
BREATH_SENTENCE = "[BREATHING] Well, I suppose we could try again tomorrow."

# (pitch 0-99, words per minute, amplitude 0-200, word gap in 10 ms units); neutral is espeak-ng's own default.
PROSODY: Dict[str, Tuple[int, int, int, int]] = {
    "neu": (50, 160, 100, 0),
    "hap": (72, 195, 125, 0),
    "ang": (40, 210, 160, 0),
    "sad": (28, 120, 70, 3),
}
JITTER = (6, 12, 10)  # +- pitch, rate, amplitude per utterance
ACCENTS = ["en-us", "en-gb", "en-gb-scotland", "en-gb-x-rp", "en-029"]
DIALOGS = ["{s}F_impro01", "{s}F_script01_1", "{s}M_impro02", "{s}M_script02_1"]


@dataclass
class Turn:
    utt_id: str
    dialog: str
    session: int
    label: str  # raw IEMOCAP-style label (may be one the policy drops)
    transcript: str
    spoken: str
    voice: str
    prosody: Tuple[int, int, int, int]


def _rng(*keys) -> random.Random:
    return random.Random(int(hashlib.sha1(":".join(map(str, keys)).encode()).hexdigest()[:16], 16))


def plan_turns(per_emotion: int, seed: int = 0) -> List[Turn]:
    """Every turn of the corpus, with its label, text, voice and prosody (no audio yet)."""
    turns, counters = [], {}
    for session in range(1, 6):
        ses = f"Ses{session:02d}"
        accent = ACCENTS[session - 1]
        for gender, variant in (("F", f"f{session}"), ("M", f"m{session}")):
            voice = f"{accent}+{variant}"
            speaker_shift = _rng(seed, ses, gender).randint(-6, 6)
            items = [(emo, None) for emo in PROSODY for _ in range(per_emotion)]
            items += [("fru", None), ("xxx", None), ("hap", "[LAUGHTER]"), ("neu", BREATH_SENTENCE)]
            for k, (label, text) in enumerate(items):
                rng = _rng(seed, ses, gender, k)
                if text is None:
                    text = SENTENCES[rng.randrange(len(SENTENCES))]
                dialog = DIALOGS[k % len(DIALOGS)].format(s=ses)
                number = counters.get((dialog, gender), 0)
                counters[(dialog, gender)] = number + 1
                prosody = jittered(PROSODY.get(label, PROSODY["neu"]), rng, speaker_shift)
                spoken = MARKER_SENTENCES.get(text, text.replace("[BREATHING]", ""))
                turns.append(Turn(f"{dialog}_{gender}{number:03d}", dialog, session, label, text, spoken,
                                  voice, prosody))
    return turns


def espeak(text: str, voice: str, prosody: Tuple[int, int, int, int], rate: int = FAIRSEQ_SAMPLE_RATE) -> np.ndarray:
    """espeak-ng -> float32 samples at `rate` (espeak-ng speaks at 22,050 Hz; soxr resamples)."""
    pitch, wpm, amp, gap = prosody
    cmd = ["espeak-ng", "-v", voice, "-p", str(pitch), "-s", str(wpm), "-a", str(amp), "-g", str(gap),
           "--stdout", text]
    wav = subprocess.run(cmd, check=True, capture_output=True).stdout
    samples, rate_in = soundfile.read(io.BytesIO(wav), dtype="float32")
    return soxr.resample(samples, rate_in, rate).astype(np.float32)


def jittered(prosody: Tuple[int, int, int, int], rng: random.Random, shift: int = 0) -> Tuple[int, int, int, int]:
    """An emotion's prosody with a speaker's pitch shift and per-utterance jitter."""
    pitch, rate, amp, gap = prosody
    return (min(99, max(0, pitch + shift + rng.randint(-JITTER[0], JITTER[0]))),
            rate + rng.randint(-JITTER[1], JITTER[1]), max(10, amp + rng.randint(-JITTER[2], JITTER[2])), gap)


def synthesize(turn: Turn) -> np.ndarray:
    """A turn's speech as float32 samples at 16 kHz."""
    return espeak(turn.spoken, turn.voice, turn.prosody)


def _write_session_texts(session_dir: str, turns: List[Turn], durations: Dict[str, float]) -> None:
    by_dialog: Dict[str, List[Turn]] = {}
    for t in turns:
        by_dialog.setdefault(t.dialog, []).append(t)
    for dialog, dturns in sorted(by_dialog.items()):
        clock, evaluation, transcription = 2.0, ["% [START_TIME - END_TIME] TURN_NAME EMOTION [V, A, D]", ""], []
        for t in dturns:
            start, end = clock, clock + durations[t.utt_id]
            clock = end + 0.5
            evaluation += [f"[{start:.4f} - {end:.4f}]\t{t.utt_id}\t{t.label}\t[2.5000, 2.5000, 2.5000]",
                           f"C-E1:\t{t.label};\t()", f"A-E1:\tval 3; act 3; dom  3;\t()", ""]
            transcription.append(f"{t.utt_id} [{start:08.4f}-{end:08.4f}]: {t.transcript}")
        for sub, lines in (("EmoEvaluation", evaluation), ("transcriptions", transcription)):
            with open(os.path.join(session_dir, "dialog", sub, dialog + ".txt"), "w", encoding="utf-8") as f:
                f.write("\n".join(lines) + "\n")


def make_demo_corpus(out: str, per_emotion: int = 15, seed: int = 0, workers: int = 0) -> str:
    """Write the corpus under out/IEMOCAP_full_release (atomically: built aside, then renamed); return that path."""
    if shutil.which("espeak-ng") is None:
        raise RuntimeError("espeak-ng not found: install it with `apt-get install espeak-ng` (scripts/setup.sh does)")
    final = os.path.join(out, "IEMOCAP_full_release")
    if os.path.exists(final):
        raise FileExistsError(f"{final} exists; remove it first or choose another --out")
    tmp = os.path.join(out, f".IEMOCAP_full_release.tmp-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    turns = plan_turns(per_emotion, seed)
    with ThreadPoolExecutor(max_workers=workers or os.cpu_count() or 1) as pool:
        audio = dict(zip([t.utt_id for t in turns], pool.map(synthesize, turns)))
    for session in range(1, 6):
        sdir = os.path.join(tmp, f"Session{session}")
        for sub in ("dialog/EmoEvaluation", "dialog/transcriptions"):
            os.makedirs(os.path.join(sdir, sub), exist_ok=True)
        sturns = [t for t in turns if t.session == session]
        for t in sturns:
            wdir = os.path.join(sdir, "sentences", "wav", t.dialog)
            os.makedirs(wdir, exist_ok=True)
            soundfile.write(os.path.join(wdir, t.utt_id + ".wav"), audio[t.utt_id], FAIRSEQ_SAMPLE_RATE,
                            subtype="PCM_16")
        _write_session_texts(sdir, sturns, {t.utt_id: len(audio[t.utt_id]) / FAIRSEQ_SAMPLE_RATE for t in sturns})
    with open(os.path.join(tmp, DEMO_MARKER), "w", encoding="utf-8") as f:
        f.write(f"Synthetic demo corpus in IEMOCAP_full_release layout, made by fairseq_emo "
                f"(espeak-ng; {len(turns)} turns; per_emotion={per_emotion}; seed={seed}).\n"
                f"Emotions are rendered by prosody only (pitch, rate, amplitude, word gap). Not IEMOCAP.\n")
    os.rename(tmp, final)
    return final
