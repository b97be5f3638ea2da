"""Layer 3, corpus -> fold directories: corpus readers (corpora/), the utterance table, transcripts and G2P,
audio at 16 kHz, fold schemes, fairseq manifests, the fold record and fold checks, the synthetic demo corpora.
Imports core and units only."""
