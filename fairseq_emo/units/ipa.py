"""IPA phones, one inventory across languages: IPA phone tokens -> their articulatory class -> broad phonetic
classes and syllables, so that every named BPC set applies to any language.

Phone tokens. A token is one phoneme as the G2P gives it (ipa_g2p.py): stress marks removed, length kept (German
`iː` and `ɪ` are different phonemes), a diphthong one token (`aɪ`, as espeak-ng writes it), the affricates tʃ dʒ
one token; then the cross-language conventions (`conventional`): other affricates as stop + fricative (`ts` ->
t s, as CMUdict writes English /ts/), German post-vocalic r vocalised to ɐ. English ARPAbet maps onto IPA by ARPABET_TO_IPA (AH -> ə: stress is removed and CMUdict's
unstressed AH0 is the schwa; ER -> ɝ), Mandarin pinyin by PINYIN_INITIALS / PINYIN_FINALS (a broad phonemic
transcription: medial glides j w ɥ are their own tokens, the apical vowel of zi/zhi is ɹ̩ / ɻ̩).

Classes (`describe`): panphon's feature table gives each segment's features (syllabic, sonorant, continuant,
nasal, voice, ...); the manner comes from them (MANNERS: vowel, stop, fricative, affricate, nasal, approximant).
Two decisions where features alone would disagree with the ARPAbet sets: the glottal fricatives h ɦ, which
panphon marks [+sonorant], are fricatives (ARPAbet HH is one); the glottal stop ʔ ([-consonantal]) is a stop.
Vowel place (front / central / back, for vowel_place9) is read from the IPA vowel chart (VOWEL_BACKNESS), not from
panphon, whose single binary [back] cannot tell central from back vowels; a token of two vowels is a diphthong;
a syllabic consonant (ɹ̩, n̩) is a syllable nucleus and counts as a vowel.
A token that is not one of these (an unknown symbol, a vowel off the chart) is an error: it is never dropped
or guessed. IPA_BPC_SETS gives, for every name of units/bpc.py's BPC_SETS, the same class names defined on
these features; tests/test_ipa.py checks that ARPAbet -> IPA -> class equals the ARPAbet set for all 39 phones.
"""
import functools
import unicodedata
from dataclasses import dataclass
from typing import Callable, Dict, List, Optional, Sequence

ARPABET_TO_IPA = {
    "AA": "ɑ", "AE": "æ", "AH": "ə", "AO": "ɔ", "AW": "aʊ", "AY": "aɪ", "EH": "ɛ", "ER": "ɝ", "EY": "eɪ",
    "IH": "ɪ", "IY": "i", "OW": "oʊ", "OY": "ɔɪ", "UH": "ʊ", "UW": "u",
    "B": "b", "D": "d", "G": "ɡ", "K": "k", "P": "p", "T": "t", "CH": "tʃ", "JH": "dʒ", "DH": "ð", "F": "f",
    "HH": "h", "S": "s", "SH": "ʃ", "TH": "θ", "V": "v", "Z": "z", "ZH": "ʒ", "M": "m", "N": "n", "NG": "ŋ",
    "L": "l", "R": "ɹ", "W": "w", "Y": "j"}

PINYIN_INITIALS = {
    "b": "p", "p": "pʰ", "m": "m", "f": "f", "d": "t", "t": "tʰ", "n": "n", "l": "l", "g": "k", "k": "kʰ",
    "h": "x", "j": "tɕ", "q": "tɕʰ", "x": "ɕ", "zh": "ʈʂ", "ch": "ʈʂʰ", "sh": "ʂ", "r": "ʐ", "z": "ts", "c": "tsʰ",
    "s": "s"}
PINYIN_FINALS = {   # pypinyin's strict finals (v = ü), tones removed
    "a": "a", "o": "o", "e": "ɤ", "i": "i", "u": "u", "v": "y", "ai": "ai", "ei": "ei", "ao": "au", "ou": "ou",
    "an": "a n", "en": "ə n", "ang": "a ŋ", "eng": "ə ŋ", "ong": "ʊ ŋ", "er": "ɚ", "ia": "j a", "ie": "j ɛ",
    "iao": "j au", "iou": "j ou", "ian": "j ɛ n", "in": "i n", "iang": "j a ŋ", "ing": "i ŋ", "iong": "j ʊ ŋ",
    "ua": "w a", "uo": "w o", "uai": "w ai", "uei": "w ei", "uan": "w a n", "uen": "w ə n", "uang": "w a ŋ",
    "ueng": "w ə ŋ", "ve": "ɥ ɛ", "van": "ɥ ɛ n", "vn": "y n", "ê": "ɛ"}
APICAL = {"z": "ɹ̩", "c": "ɹ̩", "s": "ɹ̩", "zh": "ɻ̩", "ch": "ɻ̩", "sh": "ɻ̩", "r": "ɻ̩"}  # the 'i' of zi, zhi

# The IPA vowel chart's backness of each vowel quality (rounding and height do not enter any BPC set).
VOWEL_BACKNESS = {
    **{v: "front" for v in "i y ɪ ʏ e ø ɛ œ æ a ɶ".split()},
    **{v: "central" for v in "ɨ ʉ ɘ ɵ ə ɜ ɞ ɐ ɝ ɚ ä".split()},
    **{v: "back" for v in "ɯ u ʊ ɤ o ʌ ɔ ɑ ɒ".split()}}
_AFFRICATE_LIGATURES = "ʦʣʧʤʨʥ"    # one-character affricates (a two-character one is stop + fricative)
MANNERS = ("vowel", "stop", "fricative", "affricate", "nasal", "approximant")
_MARKS = "ˈˌ"                      # stress: removed from tokens
_IGNORED = "ːˑ̯͡‿ʰʷʲ̩̥̬̃"             # length, non-syllabic, ties, aspiration, labial/palatal, nasal, voicing marks
# symbols the feature table lacks -> the nearest it has. ᵻ (U+1D7B) is espeak-ng's English reduced vowel between ɪ
# and ə (the second vowel of "roses", "wanted"): the close central ɨ, a central vowel as both neighbours' classes
# agree (ɪ front and ə central differ only in vowel_place9, where ᵻ is central like the schwa CMUdict writes, AH0).
_PANPHON_MISSING = {"ɝ": "ɜ", "ɚ": "ə", "g": "ɡ", "ᵻ": "ɨ"}


@dataclass(frozen=True)
class Phone:
    manner: str              # MANNERS
    voiced: bool
    place: Optional[str]     # vowels: front | central | back | diphthong; consonants: None


def clean(token: str) -> str:
    """A G2P token without stress marks, in Unicode NFC ('ˈaɪ' -> 'aɪ')."""
    return unicodedata.normalize("NFC", "".join(c for c in token if c not in _MARKS))


@functools.lru_cache(maxsize=1)
def _table():
    import panphon

    return panphon.FeatureTable()


def _segments(token: str) -> List[str]:
    """The token's base segments, diacritics and length removed ('tʃ' -> ['t', 'ʃ'], 'iː' -> ['i'])."""
    base = "".join(_PANPHON_MISSING.get(c, c) for c in unicodedata.normalize("NFD", token) if c not in _IGNORED)
    table = _table()
    segments = table.ipa_segs(base)
    if not segments or "".join(segments) != base:
        raise ValueError(f"IPA phone {token!r}: not made of known IPA segments")
    return segments


@functools.lru_cache(maxsize=4096)
def describe(token: str) -> Phone:
    """An IPA phone token -> its manner, voicing and vowel place; anything unclassifiable is an error."""
    token = clean(token)
    syllabic_consonant = "\u0329" in unicodedata.normalize("NFD", token)
    segments = _segments(token)
    table = _table()
    feats = [dict(zip(table.names, table.fts(s).numeric())) for s in segments]
    vowels = [s for s, f in zip(segments, feats) if f["syl"] == 1 and f["cons"] == -1]
    if len(vowels) == len(segments) or syllabic_consonant:
        if syllabic_consonant:
            return Phone("vowel", True, "central")
        missing = [v for v in vowels if v not in VOWEL_BACKNESS]
        if missing:
            raise ValueError(f"IPA phone {token!r}: vowel {missing[0]!r} is not on the vowel chart (VOWEL_BACKNESS)")
        place = "diphthong" if len(vowels) > 1 else VOWEL_BACKNESS[vowels[0]]
        return Phone("vowel", True, place)
    if vowels and len(segments) > 1:
        raise ValueError(f"IPA phone {token!r}: mixes vowels and consonants in one token")
    f = feats[0]
    voiced = f["voi"] == 1
    if segments[0] in ("h", "ɦ"):
        return Phone("fricative", voiced, None)
    if len(segments) == 2 and f["cont"] == -1 and f["son"] == -1 and feats[1]["cont"] == 1 and feats[1]["son"] == -1:
        return Phone("affricate", voiced, None)
    if len(segments) > 1:
        raise ValueError(f"IPA phone {token!r}: {len(segments)} consonants in one token, not an affricate")
    if f["nas"] == 1:
        manner = "nasal"
    elif f["cont"] == -1 and (f["son"] == -1 or f["cons"] == -1):
        manner = "stop"            # includes the glottal stop, [-consonantal]
    elif f["son"] == 1:
        manner = "approximant"     # liquids, glides, taps and trills
    elif f["delrel"] == 1 and segments[0] in _AFFRICATE_LIGATURES:
        manner = "affricate"       # panphon marks the alveolo-palatal fricative ɕ [+delayed release] too
    else:
        manner = "fricative"
    return Phone(manner, voiced, None)


# The conventions that make one language's phones mean the same classes as another's (G2P output of every
# language passes through `conventional`), so that an English-trained model's units can be scored on German speech:
# - Affricates: one token only where English has the affricate as one phoneme, tʃ and dʒ (CMUdict CH, JH; German
#   and Mandarin have them too). Every other affricate (German ts, pf; Arabic, Mandarin ts tɕ ʈʂ and their
#   aspirated forms) is written as its stop and its fricative, as CMUdict writes English /ts/ ("cats": T S): an
#   English model has learnt STOP FRIC there, never AFFR, and a German model's units follow the same convention.
#   espeak-ng's German writes /tʃ/ and /dʒ/ as two tokens ("deutsch": d ɔø t ʃ): they are joined into one.
# - Post-vocalic r in German: vocalised, written ɐ (a central vowel), as German's non-rhotic codas are spoken and
#   as EmoDB's hand labels write them (SAMPA 6); espeak-ng writes a tap ɾ (an approximant class) there. An r
#   before a vowel stays a consonant. English keeps its r (rhotic; CMUdict's R).
ONE_TOKEN_AFFRICATES = ("tʃ", "dʒ")
MERGED_AFFRICATE_LANGUAGES = ("de",)   # where the G2P writes tʃ dʒ as two tokens (espeak-ng's German)
VOCALISED_R_LANGUAGES = ("de",)
_R_TOKENS = ("ɾ", "r", "ʁ", "ʀ")


def conventional(tokens: Sequence[str], language: str) -> List[str]:
    """One word's IPA tokens -> the same word under the conventions above ('ts' -> 't', 's'; German 'v ɪ ɾ t' ->
    'v ɪ ɐ t'). Tokens are classified first, so anything unknown is still an error (describe)."""
    out: List[str] = []
    for token in tokens:
        p = describe(token)
        base = unicodedata.normalize("NFC", "".join(c for c in unicodedata.normalize("NFD", clean(token))
                                                     if c not in _IGNORED))
        segments = _segments(clean(token))
        if p.manner == "affricate" and base not in ONE_TOKEN_AFFRICATES and len(segments) == 2:
            stop, fricative = segments
            rest = clean(token)[len(stop):]          # the fricative keeps the token's marks (aspiration: tsʰ -> t sʰ)
            out += [stop, rest if rest.startswith(fricative) else fricative]
        else:
            out.append(token)
    if language in MERGED_AFFRICATE_LANGUAGES:   # espeak-ng's German writes /tʃ/ ("deutsch") as two tokens t ʃ
        merged: List[str] = []
        for token in out:
            if merged and clean(merged[-1]) + clean(token) in ONE_TOKEN_AFFRICATES:
                merged[-1] = clean(merged[-1]) + clean(token)
            else:
                merged.append(token)
        out = merged
    if language in VOCALISED_R_LANGUAGES:
        for i, token in enumerate(out):
            before = i > 0 and describe(out[i - 1]).manner == "vowel"
            after = i + 1 < len(out) and describe(out[i + 1]).manner == "vowel"
            if clean(token) in _R_TOKENS and before and not after:
                out[i] = "ɐ"
    return out


def _manner6(p: Phone) -> str:
    return {"vowel": "V", "stop": "STOP", "fricative": "FRIC", "affricate": "AFFR", "nasal": "NAS",
            "approximant": "APPR"}[p.manner]


def _sonority5(p: Phone) -> str:
    return {"vowel": "V", "approximant": "GLIDE", "nasal": "NAS", "fricative": "OBS", "affricate": "OBS",
            "stop": "STOP"}[p.manner]


def _manner_voicing8(p: Phone) -> str:
    if p.manner in ("stop", "fricative"):
        return ("V" if p.voiced else "U") + _manner6(p)
    return _manner6(p)


def _vowel_place9(p: Phone) -> str:
    if p.manner == "vowel":
        return {"front": "VFRONT", "central": "VCENT", "back": "VBACK", "diphthong": "VDIPH"}[p.place]
    return _manner6(p)


IPA_BPC_SETS: Dict[str, Callable[[Phone], str]] = {
    "manner6": _manner6, "sonority5": _sonority5, "manner_voicing8": _manner_voicing8,
    "vowel_place9": _vowel_place9, "cv2": lambda p: "V" if p.manner == "vowel" else "C"}


def ipa_bpc_units(tokens: Sequence[str], set_name: str) -> List[str]:
    """IPA phone tokens -> class names of a named BPC set (the same names as the ARPAbet set of that name). A
    user-defined set (a file of ARPAbet phones) has no IPA definition: an error saying so."""
    if set_name not in IPA_BPC_SETS:
        raise ValueError(f"BPC set {set_name!r} is defined on ARPAbet phones only; IPA units take one of "
                         f"{', '.join(IPA_BPC_SETS)}")
    rule = IPA_BPC_SETS[set_name]
    return [rule(describe(t)) for t in tokens]


def arpabet_to_ipa(phones: Sequence[str]) -> List[str]:
    """Stress-free ARPAbet phones -> IPA tokens."""
    return [ARPABET_TO_IPA[p] for p in phones]


def pinyin_to_ipa(initial: str, final: str) -> List[str]:
    """A pinyin initial ('' for none) and final (tone digit allowed) -> IPA tokens: ('zh', 'i4') -> ['ʈʂ', 'ɻ̩']."""
    final = final.rstrip("012345")
    if initial and initial not in PINYIN_INITIALS:
        raise ValueError(f"pinyin initial {initial!r} is not one of {' '.join(PINYIN_INITIALS)}")
    tokens = [PINYIN_INITIALS[initial]] if initial else []
    if final == "i" and initial in APICAL:
        return tokens + [APICAL[initial]]
    if final not in PINYIN_FINALS:
        raise ValueError(f"pinyin final {final!r} is not one of {' '.join(PINYIN_FINALS)}")
    return tokens + PINYIN_FINALS[final].split()


# Sonority for maximal onsets over IPA: a consonant cluster between two nuclei gives the next syllable the longest
# suffix whose sonority rises toward the vowel (s + stop clusters, as in 'Stein', 'stress', are allowed).
_SONORITY = {"stop": 1, "affricate": 2, "fricative": 2, "nasal": 3, "approximant": 4, "vowel": 5}


def _legal_onset(cluster: Sequence[str]) -> bool:
    ranks = [_SONORITY[describe(t).manner] for t in cluster]
    if len(cluster) > 1 and clean(cluster[0]) in ("s", "ʃ") and describe(cluster[1]).manner == "stop":
        ranks = ranks[1:]      # s/ʃ + stop onsets: the classic sonority exception
    return all(a < b for a, b in zip(ranks, ranks[1:]))


def ipa_syllables(word_tokens: Sequence[str]) -> List[List[str]]:
    """One word's IPA tokens -> its syllables by maximal onset over sonority: ['l', 'a', 'p', 'ə', 'n'] ->
    [['l', 'a'], ['p', 'ə', 'n']]; a word without a vowel is one syllable."""
    nuclei = [i for i, t in enumerate(word_tokens) if describe(t).manner == "vowel"]
    if not nuclei:
        return [list(word_tokens)] if word_tokens else []
    cuts = [0]
    for left, right in zip(nuclei, nuclei[1:]):
        cluster = word_tokens[left + 1:right]
        start = next((k for k in range(len(cluster)) if _legal_onset(cluster[k:])), len(cluster))
        cuts.append(left + 1 + start)
    cuts.append(len(word_tokens))
    return [list(word_tokens[a:b]) for a, b in zip(cuts, cuts[1:])]


def ipa_syllable_units(word_phones: Sequence[Sequence[str]]) -> List[str]:
    """IPA tokens per word -> syllable bodies (the tokens joined: 'la', 'pən')."""
    return ["".join(syl) for word in word_phones for syl in ipa_syllables(word)]
