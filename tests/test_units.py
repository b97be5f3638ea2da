import pytest

from fairseq_emo.units import NONSPEECH_BODY, UnitSpec, emotion_units, unit_bodies
from fairseq_emo.units.bpc import BPC_SETS, bpc_units, describe_bpc_sets
from fairseq_emo.units.phoneme import PHONES, phoneme_units, strip_stress
from fairseq_emo.units.suffix import add_emotion, check_body, split_token, strip_emotion
from fairseq_emo.units.syllable import phonetic_syllable_units, pyphen_syllable_units, syllabify_word

HELLO_WORLD = [["HH", "AH0", "L", "OW1"], ["W", "ER1", "L", "D"]]


def test_phonemes_are_39_stress_free():
    assert len(PHONES) == 39 and len(set(PHONES)) == 39
    assert phoneme_units(HELLO_WORLD) == ["HH", "AH", "L", "OW", "W", "ER", "L", "D"]
    with pytest.raises(ValueError, match="AX"):
        strip_stress("AX0")


def test_bpc_sets_cover_all_phones_and_default_is_manner6():
    assert len(BPC_SETS) >= 3
    for mapping in BPC_SETS.values():
        assert set(mapping) == set(PHONES)
    assert len(set(BPC_SETS["manner6"].values())) == 6
    assert bpc_units(["HH", "AH", "CH", "M", "T", "L"]) == ["FRIC", "V", "AFFR", "NAS", "STOP", "APPR"]
    assert "manner6 (default): 6 classes" in describe_bpc_sets()


def test_maximal_onset_syllabification():
    assert syllabify_word(["EH1", "K", "S", "T", "R", "AH0"]) == [["EH", "K"], ["S", "T", "R", "AH"]]
    assert syllabify_word(["HH", "AH0", "L", "OW1"]) == [["HH", "AH"], ["L", "OW"]]
    # NG is never an onset: "singer" -> SIHNG . ER
    assert syllabify_word(["S", "IH1", "NG", "ER0"]) == [["S", "IH", "NG"], ["ER"]]
    # no vowel: one syllable
    assert syllabify_word(["HH", "M"]) == [["HH", "M"]]
    assert phonetic_syllable_units(HELLO_WORLD) == ["HHAH", "LOW", "WERLD"]


def test_pyphen_syllables_are_letters_only():
    pieces = pyphen_syllable_units(["hello", "isn't"])
    assert "".join(pieces) == "helloisnt" and len(pieces) >= 2
    assert all(p.isalpha() and p.islower() for p in pieces)


def test_variant_names_round_trip():
    for spec in (UnitSpec("bpc"), UnitSpec("bpc", bpc_set="cv2"), UnitSpec("syllable", syllabifier="pyphen"),
                 UnitSpec("initfinal"), UnitSpec("pooled", pooled_recipe="light")):
        assert UnitSpec.from_variant(spec.variant) == spec
    with pytest.raises(ValueError, match="write 'bpc'"):
        UnitSpec.from_variant("bpc-manner6")
    with pytest.raises(ValueError, match="unknown BPC set"):
        UnitSpec.from_variant("bpc-nosuchset")
    with pytest.raises(ValueError, match="only bpc-<set>, syllable-<syllabifier> and pooled-<recipe>"):
        UnitSpec.from_variant("phoneme-x")
    with pytest.raises(ValueError, match="pooled recipe 'heavy'"):
        UnitSpec.from_variant("pooled-heavy")
    assert UnitSpec.from_variant("pooled-light").unit == "pooled"   # the same labels as pooled


def test_suffix_grammar():
    assert add_emotion("AH", "hap") == "AH_hap"
    assert split_token("AH_hap") == ("AH", "hap")
    assert split_token("AH") == ("AH", None)
    assert strip_emotion("HHAH_sad") == "HHAH"
    for bad in ("A_B", "A B", ""):
        with pytest.raises(ValueError):
            check_body(bad)


def test_unit_types_and_nonspeech_rule():
    words = ["hello", "world"]
    assert emotion_units(UnitSpec("phoneme"), words, HELLO_WORLD, "ang")[:2] == ["HH_ang", "AH_ang"]
    assert emotion_units(UnitSpec("bpc"), words, HELLO_WORLD, "neu")[:2] == ["FRIC_neu", "V_neu"]
    assert emotion_units(UnitSpec("bpc", bpc_set="cv2"), words, HELLO_WORLD, "neu")[:2] == ["C_neu", "V_neu"]
    assert emotion_units(UnitSpec("syllable"), words, HELLO_WORLD, "sad") == ["HHAH_sad", "LOW_sad", "WERLD_sad"]
    assert emotion_units(UnitSpec("utterance"), words, HELLO_WORLD, "hap") == ["UTT_hap"]
    for unit in ("phoneme", "bpc", "syllable"):
        assert unit_bodies(UnitSpec(unit), [], []) == [NONSPEECH_BODY]
    assert UnitSpec("bpc", bpc_set="cv2").variant == "bpc-cv2"
    assert UnitSpec("syllable", syllabifier="pyphen").variant == "syllable-pyphen"
    with pytest.raises(ValueError, match="choose one of"):
        UnitSpec("word")


def test_vote_rules():
    from fairseq_emo.decoding.vote import vote, weighted_and_unweighted_accuracy

    assert vote(["hap", "hap", "neu"]) == "hap"
    assert vote(["sad", "ang"]) == "ang"  # tie, no posteriors: fixed order neu, hap, ang, sad
    assert vote(["sad", "ang"], {"sad": 3.0, "ang": 1.0}) == "sad"  # tie broken by posterior mass
    assert vote([], {"sad": 0.2, "neu": 0.1}) == "sad"  # empty hypothesis: posterior mass alone
    assert vote([]) == "neu"
    acc = weighted_and_unweighted_accuracy({"neu": 9, "sad": 1}, {"neu": 10, "sad": 10})
    assert acc == {"WA": 50.0, "UA": 50.0} or abs(acc["UA"] - 50.0) < 1e-9
    acc = weighted_and_unweighted_accuracy({"neu": 10, "sad": 0}, {"neu": 10, "sad": 30})
    assert acc["WA"] == 25.0 and acc["UA"] == 50.0


def test_posterior_weighted_vote():
    from fairseq_emo.decoding.vote import posterior_weighted_vote

    # two weak happy units lose to one confident sad unit, though the majority vote would say happy
    assert posterior_weighted_vote(["hap", "hap", "sad"], [0.3, 0.3, 0.9]) == "sad"
    assert posterior_weighted_vote([], [], {"ang": 2.0, "neu": 1.0}) == "ang"


def test_a_user_defined_bpc_set_file_is_read_checked_and_recorded(tmp_path, monkeypatch):
    from fairseq_emo.units import UnitSpec
    from fairseq_emo.units.bpc import USER_SETS_ENV, bpc_classes, bpc_mapping, set_names

    monkeypatch.setenv(USER_SETS_ENV, str(tmp_path))
    good = tmp_path / "vc3.tsv"
    good.write_text("# vowels, sonorant consonants, obstruents\nV AA AE AH AO AW AY EH ER EY IH IY OW OY UH UW\n"
                    "SON M N NG L R W Y\nOBS B D G K P T CH JH DH F HH S SH TH V Z ZH\n")
    assert "vc3" in set_names() and "place5" in set_names()   # the repo's example file too
    assert bpc_mapping("vc3")["NG"] == "SON" and sorted(bpc_classes("vc3")) == ["OBS", "SON", "V"]
    spec = UnitSpec.from_variant("bpc-vc3")
    assert spec.inventory() == ["OBS", "SON", "V", "NSN"]
    cases = {
        "twice.tsv": ("V AA AE AH AO AW AY EH ER EY IH IY OW OY UH UW\nC M N NG L R W Y B D G K P T CH JH DH F HH S SH "
                      "TH V Z ZH\nX AA\n", r"twice.tsv:3: AA is already in class V \(line 1\)"),
        "missing.tsv": ("V AA AE AH AO AW AY EH ER EY IH IY OW OY UH UW\n", r"missing.tsv: phone\(s\) B D G K .* are in no class"),
        "foreign.tsv": ("V AA AE AH AO AW AY EH ER EY IH IY OW OY UH UW Q\n", r"foreign.tsv:1: 'Q' is not one of"),
        "bad.tsv": ("V_x AA\n", r"bad.tsv:1: class name 'V_x' cannot be a unit body"),
        # a class named like the non-speech unit would merge its phones with word-less utterances' NSN
        "nsn.tsv": ("V AA AE AH AO AW AY EH ER EY IH IY OW OY UH UW\nNSN M N NG L R W Y B D G K P T CH JH DH F HH S "
                    "SH TH V Z ZH\n", r"nsn.tsv:2: class name 'NSN' is reserved"),
        "latin1.tsv": ("V AA AE # voyelles \xe9\n", r"latin1.tsv: not UTF-8"),
    }
    for name, (text, message) in cases.items():
        (tmp_path / name).write_bytes(text.encode("latin-1" if name == "latin1.tsv" else "utf-8"))
        with pytest.raises(ValueError, match=message):
            bpc_mapping(name[:-4])
    with pytest.raises(ValueError, match="unknown BPC set 'nosuch'.*configs/bpc_sets/"):
        UnitSpec("bpc", bpc_set="nosuch")
    (tmp_path / "cv2.tsv").write_text("V AA\n")   # a file may not shadow a built-in set
    with pytest.raises(ValueError, match="'cv2' is a built-in BPC set"):
        set_names()
