"""Corpus readers: a corpus tree on disk -> utterance-table rows (fairseq_emo.data.table.Utterance)."""
