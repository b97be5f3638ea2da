"""Layer 1, facts every stage shares: the experiment layout, the emotion policy, atomic writes, audio file facts,
checkpoint loading that unpickles only what fairseq writes, provenance, the checkout's folders, Ctrl-C handling.
Imports nothing else of the package."""
