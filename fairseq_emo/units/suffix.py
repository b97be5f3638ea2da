"""The emotion-suffixed token grammar: `<body><delim><emo>`, e.g. `AH_hap`, `V_ang`, `UTT_sad`.

Input: a unit body and an emotion (or a token). Output: the token (or its parts).
A body never contains the delimiter or whitespace, so the last delimiter splits a token unambiguously.
"""
from typing import Optional, Tuple

from fairseq_emo.core.emotions import CLASSES

DELIMITER = "_"
# Bodies with a meaning of their own, never a phone class's name: non-speech (an utterance without words) and the
# whole utterance (utterance and pooled units)
NONSPEECH_BODY = "NSN"
UTTERANCE_BODY = "UTT"
RESERVED_BODIES = (NONSPEECH_BODY, UTTERANCE_BODY)


def check_body(body: str, delimiter: str = DELIMITER) -> str:
    """Return body unchanged, or raise if it could not be told apart from its suffix."""
    if not body or delimiter in body or any(c.isspace() for c in body):
        raise ValueError(f"unit body {body!r} is empty or contains {delimiter!r} or whitespace")
    return body


def add_emotion(body: str, emo: str, delimiter: str = DELIMITER) -> str:
    """('AH', 'hap') -> 'AH_hap'."""
    return f"{body}{delimiter}{emo}"


def split_token(token: str, delimiter: str = DELIMITER) -> Tuple[str, Optional[str]]:
    """'AH_hap' -> ('AH', 'hap'); a token without a known emotion suffix -> (token, None)."""
    body, sep, emo = token.rpartition(delimiter)
    if sep and body and emo in CLASSES:
        return body, emo
    return token, None


def strip_emotion(token: str, delimiter: str = DELIMITER) -> str:
    """'AH_hap' -> 'AH' (the 'without emotion' view used for scoring)."""
    return split_token(token, delimiter)[0]
