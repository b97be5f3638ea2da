"""Layer 6, trained fold -> scored decodes: decoding a fold, decision rules, emotion per unit, the eGeMAPS and
text baselines, cross-corpus scoring, paired statistics. Imports the layers below."""
