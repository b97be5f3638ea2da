"""Layer 7, experiment dir -> results.json, report.md, figures: results, rendering, the paper's figures, the
cross-corpus report. Imports the layers below."""
