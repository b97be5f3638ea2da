"""Layer 4, log-probs -> emotions: the one inference path, greedy CTC and CTC scores, chunking of long audio,
trn files, sclite-equivalent scoring, the vote, the pooled head. Imports core, units, data."""
