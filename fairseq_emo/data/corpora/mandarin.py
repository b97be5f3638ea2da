"""Mandarin Affective Speech (LDC2007S09) reader: release tree -> 4-class utterance-table rows.

The release's own file naming could not be looked up here (LDC's documentation is licence-gated and no public
code reads the corpus), so the layout below is an ASSUMPTION, kept in one place and adjustable from the
command line (scripts/prepare.py --corpus mandarin --set path_pattern=.../transcripts=.../speakers=...) without editing code:
  <root>/data/<speaker>/<emotion>/<item>[_<take>].wav    audio; <emotion> is a folder named neutral, anger,
                                                          elation, panic or sadness (any letter case)
  <root>/docs/transcripts.txt     '<item><whitespace><Chinese text>' per line, one per prompt (sentence/phrase)
  <root>/docs/speakers.txt        optional: '<speaker><whitespace><F|M>' per line (else gender 'U')
PATH_PATTERN matches each audio path relative to <root>/data and must name the groups speaker, emotion and
item (take is optional). Kept: neutral, elation (= happy), anger, sadness; panic is dropped (emotions.py).
The corpus is 68 speakers; the paper's Table 4 counts 4079/4080/4080/4080, i.e. 60 recordings per speaker and
emotion: compare the printed counts, and use --exclude-items for prompts (e.g. the neutral-only paragraphs)
that the paper's set does not contain.
Any sample rate is accepted (LDC lists 22,050 Hz; the paper's copy was 8 kHz); audio_cache.py converts.
Transcripts are needed for the initial/final units of the 7-fold experiment; cross-corpus testing can do
without them (read_mandarin(transcripts=None)).
utt_id = <speaker>_<emotion>_<file stem>; a '-' in a speaker folder's name becomes '_' (sclite ids split on '-').
"""
import os
import re
from typing import Dict, Optional

from fairseq_emo.core.emotions import POLICIES
from fairseq_emo.data.corpora.common import audio_fields, audio_files, AudioOptions, CorpusRead, Problem
from fairseq_emo.data.pinyin import words_and_phones
from fairseq_emo.data.table import join_phones, Utterance

PATH_PATTERN = r"(?P<speaker>[^/]+)/(?P<emotion>[^/]+)/(?P<item>[^/_.]+)(?:_(?P<take>[^/.]+))?\.(?:wav|flac)"


def default_paths(root: str) -> Dict[str, str]:
    return {"data": os.path.join(root, "data"), "transcripts": os.path.join(root, "docs", "transcripts.txt"),
            "speakers": os.path.join(root, "docs", "speakers.txt")}


def read_key_file(path: str, what: str) -> Dict[str, str]:
    """'<key><whitespace><value>' lines -> dict; errors name the file and line."""
    table = {}
    with open(path, encoding="utf-8-sig") as f:
        for lineno, line in enumerate(f, start=1):
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            parts = line.strip().split(None, 1)
            if len(parts) != 2:
                raise ValueError(f"{path}:{lineno}: expected '<{what} id> <value>', got {line.strip()!r}")
            if parts[0] in table:
                raise ValueError(f"{path}:{lineno}: {what} {parts[0]} listed twice")
            table[parts[0]] = parts[1].strip()
    return table


def read_mandarin(root: str, audio: AudioOptions, transcripts: Optional[str] = "",
                  speakers: Optional[str] = "", path_pattern: str = PATH_PATTERN,
                  exclude_items: Optional[str] = None, policy=None) -> CorpusRead:
    """transcripts/speakers: a path, '' for the default path, None for none."""
    paths = default_paths(root)
    data = paths["data"]
    if not os.path.isdir(data):
        raise FileNotFoundError(f"no Mandarin Affective Speech tree under {root}: expected {data}/<speaker>/"
                                f"<emotion>/<item>.wav (see fairseq_emo/data/corpora/mandarin.py for the layout)")
    texts: Optional[Dict[str, str]] = None
    if transcripts is not None:
        transcripts = transcripts or paths["transcripts"]
        if not os.path.isfile(transcripts):
            raise FileNotFoundError(f"transcript file {transcripts} not found: expected lines '<item> <Chinese "
                                    f"text>'; give --set transcripts=FILE, or --set transcripts=none for testing only")
        texts = read_key_file(transcripts, "item")
    genders: Dict[str, str] = {}
    speakers = paths["speakers"] if speakers == "" and os.path.isfile(paths["speakers"]) else speakers or None
    if speakers:
        genders = read_key_file(speakers, "speaker")
        bad = {k: v for k, v in genders.items() if v not in ("F", "M")}
        if bad:
            raise ValueError(f"{speakers}: gender must be F or M, got {bad}")
    pattern = re.compile(path_pattern)
    missing_groups = {"speaker", "emotion", "item"} - set(pattern.groupindex)
    if missing_groups:
        raise ValueError(f"path pattern {path_pattern!r} lacks the named groups {sorted(missing_groups)}")
    excluded = re.compile(exclude_items) if exclude_items else None
    policy = policy or POLICIES["mandarin"]
    result = CorpusRead(utterances=[], corpus="mandarin")
    files = audio_files(data, result, recursive=True)
    if not files:
        raise FileNotFoundError(f"{data}: no .wav/.flac files (expected {data}/<speaker>/<emotion>/<item>.wav)")
    for path in files:
        rel = os.path.relpath(path, data).replace(os.sep, "/")
        match = pattern.fullmatch(rel)
        stem = os.path.splitext(os.path.basename(path))[0]
        if not match:
            result.problems.append(Problem(rel, path, f"path does not match the layout pattern {path_pattern}"))
            continue
        # sclite's trn ids split speaker from utterance at the first '-', so a folder name's '-' becomes '_'
        folder, raw, item = match.group("speaker"), match.group("emotion"), match.group("item")
        speaker = folder.replace("-", "_")
        try:
            emotion = policy.emotion(raw)
        except ValueError as err:
            raise ValueError(f"{path}: {err}") from None
        if emotion is None:
            result.drop(raw.lower())
            continue
        if excluded and excluded.fullmatch(item):
            result.drop(f"{raw.lower()} (item excluded)")
            continue
        utt_id = f"{speaker}_{raw.lower()}_{stem}"
        text, words, phones = "", [], []
        if texts is not None:
            if item not in texts:
                result.problems.append(Problem(utt_id, path, f"item {item} has no line in {transcripts}"))
                continue
            text = texts[item]
            try:
                words, phones = words_and_phones(text)
            except ValueError as err:
                result.problems.append(Problem(utt_id, path, f"transcript of item {item}: {err}"))
                continue
            if not words:  # would silently become a non-speech unit
                result.problems.append(Problem(utt_id, path, f"transcript of item {item} has no Chinese "
                                               f"characters: {text!r}"))
                continue
        fields = audio_fields(utt_id, path, data, audio, result.problems)
        if fields is None:
            continue
        result.utterances.append(Utterance(
            utt_id=utt_id, speaker=speaker, session=speaker, gender=genders.get(folder, "U"), dialog=item,
            emotion=emotion, raw_emotion=raw, text=text, words=" ".join(words), phones=join_phones(phones),
            corpus="mandarin", **fields))
    return result
