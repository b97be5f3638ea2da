"""Stand-in trees of the registered corpora in their release layouts (file names, folders, label files with their
real column names, native sample rates and channel counts), filled with short tones: the readers' tests need
the layout, not speech. Each maker returns the root and the per-class counts it wrote (4 classes, EMOTIONS order).
"""
import os

import numpy as np
import soundfile

SECONDS = 0.2


def tone(path, rate, channels=1, seed=0):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    t = np.arange(int(rate * SECONDS)) / rate
    wave = 0.1 * np.sin(2 * np.pi * (180 + 20 * (seed % 7)) * t)
    soundfile.write(path, np.stack([wave] * channels, axis=1) if channels > 1 else wave, rate, subtype="PCM_16")


RAVDESS_CODES = ("01", "02", "03", "04", "05", "06", "07", "08")   # neutral calm happy sad angry fearful disgust surprised


def ravdess(root, actors=(1, 2), codes=RAVDESS_CODES[:6]):
    """Actor_XX/03-01-EE-II-SS-RR-AA.wav at 48 kHz; one stereo file, one song file (not read). Per actor and
    statement: neutral at normal intensity, every other emotion at both (the design)."""
    n = 0
    for a in actors:
        for code in codes:
            for intensity in (("01",) if code == "01" else ("01", "02")):
                for statement in ("01", "02"):
                    name = f"03-01-{code}-{intensity}-{statement}-01-{a:02d}.wav"
                    tone(os.path.join(root, f"Actor_{a:02d}", name), 48000, channels=2 if n == 0 else 1, seed=n)
                    n += 1
    tone(os.path.join(root, "Actor_01", "03-02-03-01-01-01-01.wav"), 48000)  # a song clip
    per_actor = {"neu": 2, "hap": 4, "ang": 4, "sad": 4}
    return root, [per_actor[e] * len(actors) for e in ("neu", "hap", "ang", "sad")]


def cremad(root, actors=(1001, 1002, 1003), demographics=True):
    """AudioWAV/<actor>_<sentence>_<emotion>_<level>.wav at 16 kHz and VideoDemographics.csv."""
    n = 0
    for a in actors:
        for sentence in ("IEO", "DFA"):
            for emotion, level in (("NEU", "XX"), ("HAP", "HI"), ("ANG", "MD"), ("SAD", "LO"), ("DIS", "XX")):
                tone(os.path.join(root, "AudioWAV", f"{a}_{sentence}_{emotion}_{level}.wav"), 16000, seed=n)
                n += 1
    if demographics:
        with open(os.path.join(root, "VideoDemographics.csv"), "w") as f:
            f.write("ActorID,Age,Sex,Race,Ethnicity\n")
            for k, a in enumerate(actors):
                f.write(f"{a},30,{'Male' if k % 2 == 0 else 'Female'},Caucasian,Not Hispanic\n")
    return root, [2 * len(actors)] * 4


def tess(root, words=("back", "bar")):
    """<SPK>_<emotion folder>/<SPK>_<word>_<emotion>.wav at 24,414 Hz, with the release's folder-name variants."""
    folders = {"OAF": {"neutral": "OAF_neutral", "happy": "OAF_happy", "angry": "OAF_angry", "sad": "OAF_Sad",
                       "ps": "OAF_Pleasant_surprise", "fear": "OAF_Fear"},
               "YAF": {"neutral": "YAF_neutral", "happy": "YAF_happy", "angry": "YAF_angry", "sad": "YAF_sad",
                       "ps": "YAF_pleasant_surprised", "fear": "YAF_fear"}}
    n = 0
    for spk, by_emotion in folders.items():
        for code, folder in by_emotion.items():
            for w in words:
                tone(os.path.join(root, folder, f"{spk}_{w}_{code}.wav"), 24414, seed=n)
                n += 1
    return root, [2 * len(words)] * 4


def savee(root, flat=False):
    """AudioData/<spk>/<code>.wav (or flat <spk>_<code>.wav) at 44.1 kHz."""
    n = 0
    for spk in ("DC", "JE"):
        for prefix, count in (("n", 2), ("h", 1), ("a", 1), ("sa", 1), ("su", 1), ("d", 1)):
            for i in range(1, count + 1):
                path = (os.path.join(root, f"{spk}_{prefix}{i:02d}.wav") if flat
                        else os.path.join(root, "AudioData", spk, f"{prefix}{i:02d}.wav"))
                tone(path, 44100, seed=n)
                n += 1
    return root, [4, 2, 2, 2]


ESD_TEXTS = {"en": ["The nine the eggs, I keep.", "I am going to the store."],
             "zh": ["打远一看，它们的确很是美丽。", "今天天气很好。"]}
ESD_NUMBERS = {"Neutral": 1, "Angry": 351, "Happy": 701, "Sad": 1051, "Surprise": 1401}
ESD_MANDARIN = {"Neutral": "中立", "Angry": "生气", "Happy": "快乐", "Sad": "伤心", "Surprise": "惊喜"}


def esd(root, speakers=("0011", "0012", "0001")):
    """<spk>/<Emotion>/<split>/<spk>_<nnnnnn>.wav at 16 kHz and <spk>/<spk>.txt (tab-separated)."""
    for spk in speakers:
        language = "zh" if int(spk) <= 10 else "en"
        lines = []
        for emotion, first in ESD_NUMBERS.items():
            for k, split in enumerate(("train", "test")):
                utt = f"{spk}_{first + k:06d}"
                tone(os.path.join(root, spk, emotion, split, f"{utt}.wav"), 16000, seed=first + k)
                label = ESD_MANDARIN[emotion] if language == "zh" else emotion
                lines.append(f"{utt}\t{ESD_TEXTS[language][k]}\t{label}")
        with open(os.path.join(root, spk, f"{spk}.txt"), "w", encoding="utf-8") as f:
            f.write("\n".join(lines) + "\n")
    english = sum(1 for s in speakers if int(s) > 10)
    return root, [2 * english] * 4


def msppodcast(root):
    """Audios/MSP-PODCAST_*.wav at 16 kHz and Labels/labels_consensus.csv with the release's columns."""
    rows = []
    classes = ["N", "H", "A", "S", "N", "H", "A", "S", "C", "X"]
    for k, code in enumerate(classes):
        name = f"MSP-PODCAST_0001_{k + 1:04d}.wav"
        tone(os.path.join(root, "Audios", name), 16000, seed=k)
        spk = "Unknown" if k % 3 == 0 else str(100 + k % 2)
        rows.append(f"{name},{code},3.0,4.0,4.5,{spk},{'Female' if k % 2 else 'Male'},"
                    f"{'Train' if k < 6 else 'Test1'}")
    os.makedirs(os.path.join(root, "Labels"), exist_ok=True)
    with open(os.path.join(root, "Labels", "labels_consensus.csv"), "w") as f:
        f.write("FileName,EmoClass,EmoAct,EmoVal,EmoDom,SpkrID,Gender,Split_Set\n" + "\n".join(rows) + "\n")
    return root, [2, 2, 2, 2]
