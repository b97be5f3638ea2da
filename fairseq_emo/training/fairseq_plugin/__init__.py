"""The fairseq side of fairseq_emo: registers task `emotion_unit_finetuning`, criteria `emotion_ctc` and `emotion_pooled_ce`
(the same-backbone utterance classifier, pooled_criterion.py) and model
`emotion_hubert_ctc` (fairseq's hubert_ctc with its missing setting, hubert_ctc.py), and
lets fairseq load libri960_big.pt and fine-tuned checkpoints under torch >= 2.6 (checkpoint_compat.py).

Imported automatically when fairseq loads the package as `common.user_dir`; scripts that use fairseq directly
import `fairseq_emo.training.fairseq_plugin` themselves.
"""
from fairseq_emo.training.fairseq_plugin import checkpoint_compat
from fairseq_emo.training.fairseq_plugin import criterion, hubert_ctc, pooled_criterion, task  # noqa: E402,F401

checkpoint_compat.install()

# registration side effects

