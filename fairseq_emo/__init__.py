"""fairseq_emo: speech emotion recognition as emotion-dependent speech recognition."""
