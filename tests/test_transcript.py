from fairseq_emo.data.transcript import remove_markers, transcript_words


def test_markers_any_case_are_removed():
    assert transcript_words("[LAUGHTER] yes [breathing] no [Garbage]") == ["yes", "no"]
    assert remove_markers("<laugh> hi {noise}").split() == ["hi"]


def test_marker_only_transcript_has_no_words():
    assert transcript_words("[LAUGHTER]") == []
    assert transcript_words("[BREATHING] [GARBAGE]") == []


def test_numbers_abbreviations_hyphens_apostrophes():
    assert transcript_words("Mr. Smith paid $5.") == ["mister", "smith", "paid", "five", "dollars"]
    assert transcript_words("It's well-known, isn't it?") == ["it's", "well", "known", "isn't", "it"]
    assert transcript_words("In 1999, the 2nd time") == ["in", "nineteen", "ninety", "nine", "the", "second",
                                                           "time"]
    assert transcript_words("'Hello,' she said -- OK?") == ["hello", "she", "said", "okay"]
