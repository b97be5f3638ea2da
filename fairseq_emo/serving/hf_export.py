"""A fine-tuned fold -> a Hugging Face transformers model directory (`fairseq-emo export --checkpoint CK --out DIR`).

Writes DIR/config.json + model.safetensors (a Wav2Vec2ForCTC, as FairseqEmoForCTC of the shipped
modeling_fairseq_emo.py, whose config also maps each vocabulary id to its emotion), vocab.json + tokenizer files
(Wav2Vec2PhonemeCTCTokenizer without phonemizing: the vocabulary is the checkpoint's emotion-unit dictionary, in
fairseq's order, so ids agree, and decoded units come out space-separated), preprocessor_config.json (a feature
extractor with the checkpoint's own task.normalize), modeling_fairseq_emo.py and pipeline_fairseq_emo.py (the
emotion: `pipeline("audio-classification", model=DIR, trust_remote_code=True)` gives fairseq_emo's vote, with
neither fairseq nor fairseq_emo installed), and README.md, a model card made from the checkpoint's record
(model_record.py) without the training machine's paths. The config's model type is fairseq_emo's own, so a
transformers call without trust_remote_code stops with transformers' own message instead of loading a randomly
initialised classifier head. The CTC blank is fairseq's: index 0 (`<s>`), which is the config's
pad_token_id, as transformers' CTC loss and decoding take the pad token for the blank.
The weights are renamed, not changed; the test compares transformers' logits with fairseq's on the same audio.
wav2vec 2.0 models are mapped: libri960_big.pt's (post-LN transformer, group-norm CNN) and LV-60/XLS-R's
(pre-LN = transformers' do_stable_layer_norm, layer-norm CNN with bias); anything else (HuBERT) is an error
before writing, and an unmapped weight is an error naming it. transformers is in the base install; nothing is
downloaded (everything is built from the checkpoint).
"""
import importlib.util
import json
import os
import shutil
from typing import Dict, Optional, Sequence

import torch

from fairseq_emo.core import safe_load
from fairseq_emo.core.repo import REPO_ROOT
from fairseq_emo.data.corpora.registry import is_synthetic
from fairseq_emo.decoding import pooled
from fairseq_emo.core.emotions import EMOTIONS
from fairseq_emo.decoding.ctc_greedy import symbol_classes, token_tables
from fairseq_emo.training import model_record
from fairseq_emo.training.reproduce import run_sh_command, user_overrides

HF_CODE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "hf_code")
MODELING, PIPELINE = "modeling_fairseq_emo", "pipeline_fairseq_emo"
AUTO_MAP = {"AutoConfig": f"{MODELING}.FairseqEmoConfig", "AutoModelForCTC": f"{MODELING}.FairseqEmoForCTC",
            "AutoModelForAudioClassification": f"{MODELING}.FairseqEmoForEmotion"}
CUSTOM_PIPELINES = {"audio-classification": {"impl": f"{PIPELINE}.FairseqEmoAudioClassification",
                                             "pt": ["AutoModelForAudioClassification"], "tf": [], "type": "audio"}}
DEFAULT_LICENSE = "mit"  # fairseq's wav2vec 2.0 / HuBERT weights are MIT-licensed; the training data's terms apply too


def shipped_module(directory: str = HF_CODE, name: str = MODELING):
    """The shipped modeling (or pipeline) file of `directory` as a module, imported by path (no trust_remote_code
    needed inside fairseq_emo itself)."""
    spec = importlib.util.spec_from_file_location(f"fairseq_emo_shipped_{name}", os.path.join(directory, f"{name}.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module

PREFIX = "w2v_encoder.w2v_model."


def _conv_layers(spec: str):
    """fairseq's conv_feature_layers string ('[(512, 10, 5)] + [(512, 3, 2)] * 4 + ...') -> [(dim, kernel, stride)]."""
    layers = eval(spec, {"__builtins__": {}}, {})  # fairseq stores the CNN as this expression and evals it too
    return [tuple(int(v) for v in layer) for layer in layers]


def hf_config(w2v: Dict, vocab_size: int):
    """The pre-trained model's fairseq settings -> transformers.Wav2Vec2Config."""
    from transformers import Wav2Vec2Config

    if w2v.get("_name", "wav2vec2") != "wav2vec2":
        raise ValueError(f"a {w2v.get('_name')} model: only wav2vec 2.0 models export (as Wav2Vec2ForCTC); "
                         f"predict and decode.py use it as it is")
    # layer_norm_first (LV-60, XLS-R): pre-LN transformer = transformers' "stable layer norm" variant
    conv = _conv_layers(w2v["conv_feature_layers"])
    return Wav2Vec2Config(
        vocab_size=vocab_size, hidden_size=w2v["encoder_embed_dim"], num_hidden_layers=w2v["encoder_layers"],
        num_attention_heads=w2v["encoder_attention_heads"], intermediate_size=w2v["encoder_ffn_embed_dim"],
        hidden_act=w2v.get("activation_fn", "gelu"), feat_extract_activation="gelu",
        feat_extract_norm="group" if w2v.get("extractor_mode", "default") == "default" else "layer",
        do_stable_layer_norm=bool(w2v.get("layer_norm_first", False)), conv_dim=[c[0] for c in conv], conv_kernel=[c[1] for c in conv],
        conv_stride=[c[2] for c in conv], conv_bias=bool(w2v.get("conv_bias", False)),
        num_conv_pos_embeddings=w2v["conv_pos"], num_conv_pos_embedding_groups=w2v["conv_pos_groups"],
        pad_token_id=0, bos_token_id=None, eos_token_id=None, ctc_loss_reduction="sum", layerdrop=0.0,
        apply_spec_augment=False, hidden_dropout=0.0, attention_dropout=0.0, activation_dropout=0.0,
        feat_proj_dropout=0.0, final_dropout=0.0)


def map_weights(fairseq_state: Dict[str, torch.Tensor], config) -> Dict[str, torch.Tensor]:
    """fairseq Wav2VecCtc state dict -> Wav2Vec2ForCTC state dict (every fairseq weight used, or an error)."""
    out: Dict[str, torch.Tensor] = {}
    used = set()

    def take(src: str, dst: str):
        out[dst] = fairseq_state[src].clone()
        used.add(src)

    w = PREFIX
    for i in range(len(config.conv_dim)):
        take(f"{w}feature_extractor.conv_layers.{i}.0.weight", f"wav2vec2.feature_extractor.conv_layers.{i}.conv.weight")
        if config.conv_bias:
            take(f"{w}feature_extractor.conv_layers.{i}.0.bias", f"wav2vec2.feature_extractor.conv_layers.{i}.conv.bias")
        norm = f"{w}feature_extractor.conv_layers.{i}.2" if config.feat_extract_norm == "group" \
            else f"{w}feature_extractor.conv_layers.{i}.2.1"   # layer mode: [conv, dropout, (T, LayerNorm, T), gelu]
        if f"{norm}.weight" in fairseq_state:
            take(f"{norm}.weight", f"wav2vec2.feature_extractor.conv_layers.{i}.layer_norm.weight")
            take(f"{norm}.bias", f"wav2vec2.feature_extractor.conv_layers.{i}.layer_norm.bias")
    take(f"{w}layer_norm.weight", "wav2vec2.feature_projection.layer_norm.weight")
    take(f"{w}layer_norm.bias", "wav2vec2.feature_projection.layer_norm.bias")
    if f"{w}post_extract_proj.weight" in fairseq_state:
        take(f"{w}post_extract_proj.weight", "wav2vec2.feature_projection.projection.weight")
        take(f"{w}post_extract_proj.bias", "wav2vec2.feature_projection.projection.bias")
    else:  # fairseq has no projection when the CNN's width is the transformer's: an identity does the same
        out["wav2vec2.feature_projection.projection.weight"] = torch.eye(config.hidden_size)
        out["wav2vec2.feature_projection.projection.bias"] = torch.zeros(config.hidden_size)
    if f"{w}mask_emb" in fairseq_state:
        take(f"{w}mask_emb", "wav2vec2.masked_spec_embed")
    take(f"{w}encoder.pos_conv.0.bias", "wav2vec2.encoder.pos_conv_embed.conv.bias")
    take(f"{w}encoder.pos_conv.0.weight_g", "wav2vec2.encoder.pos_conv_embed.conv.parametrizations.weight.original0")
    take(f"{w}encoder.pos_conv.0.weight_v", "wav2vec2.encoder.pos_conv_embed.conv.parametrizations.weight.original1")
    take(f"{w}encoder.layer_norm.weight", "wav2vec2.encoder.layer_norm.weight")
    take(f"{w}encoder.layer_norm.bias", "wav2vec2.encoder.layer_norm.bias")
    names = {"self_attn.k_proj": "attention.k_proj", "self_attn.v_proj": "attention.v_proj",
             "self_attn.q_proj": "attention.q_proj", "self_attn.out_proj": "attention.out_proj",
             "self_attn_layer_norm": "layer_norm", "fc1": "feed_forward.intermediate_dense",
             "fc2": "feed_forward.output_dense", "final_layer_norm": "final_layer_norm"}
    for i in range(config.num_hidden_layers):
        for src, dst in names.items():
            for kind in ("weight", "bias"):
                take(f"{w}encoder.layers.{i}.{src}.{kind}", f"wav2vec2.encoder.layers.{i}.{dst}.{kind}")
    take("w2v_encoder.proj.weight", "lm_head.weight")
    take("w2v_encoder.proj.bias", "lm_head.bias")
    left = sorted(set(fairseq_state) - used)
    if left:
        raise ValueError(f"{len(left)} fairseq weight(s) have no place in Wav2Vec2ForCTC, e.g. {left[0]}; "
                         f"this architecture is not exported")
    return out


def export(checkpoint: str, out_dir: str, license: str = DEFAULT_LICENSE) -> str:
    """Fine-tuned checkpoint (+ dict.<unit>.txt beside it) -> a transformers model directory. -> out_dir."""
    import glob

    from transformers import Wav2Vec2FeatureExtractor, Wav2Vec2PhonemeCTCTokenizer


    state = safe_load.load(checkpoint)  # our own training's file
    if "cfg" not in state or "model" not in state or "w2v_encoder.proj.weight" not in state.get("model", {}):
        raise ValueError(f"{checkpoint} is not a fine-tuned fairseq_emo checkpoint (no fine-tuning config or unit "
                         f"output layer: a pre-trained model such as libri960_big.pt exports nothing); give the "
                         f"checkpoint_last.pt of a trained fold")
    cfg = state["cfg"]

    if (cfg.get("criterion") or {}).get("_name") == pooled.CRITERION:
        raise ValueError(f"{checkpoint} is the pooled classifier (criterion {pooled.CRITERION}): the export writes a "
                         f"CTC unit model for transformers, which would decode it as one; use it with `fairseq-emo "
                         f"predict --checkpoint {checkpoint}` or scripts/decode.py")
    w2v = dict(cfg["model"]["w2v_args"]["model"])
    dicts = glob.glob(os.path.join(glob.escape(os.path.dirname(os.path.abspath(checkpoint))), "dict.*.txt"))
    if len(dicts) != 1:
        raise FileNotFoundError(f"need exactly one dict.<unit>.txt beside {checkpoint} (run_folds.sh copies it "
                                f"there); found {len(dicts)}")
    with open(dicts[0], encoding="utf-8") as f:
        units = [line.split()[0] for line in f if line.strip()]
    symbols = list(FAIRSEQ_SPECIALS) + units   # fairseq Dictionary order: specials, then the file's
    lm_rows = state["model"]["w2v_encoder.proj.weight"].shape[0]
    if lm_rows != len(symbols):
        raise ValueError(f"{dicts[0]}: {len(units)} units + 4 specials, but the output layer has {lm_rows} rows")
    modeling = shipped_module()
    _, unit_emotion = token_tables(symbols, 4)
    classes = symbol_classes(symbols, 4)   # the model's label set: id2label in the order unit_emotion indexes
    config = modeling.FairseqEmoConfig(
        **{k: v for k, v in hf_config(w2v, len(symbols)).to_dict().items() if k not in (
            "model_type", "transformers_version", "id2label", "label2id", "num_labels")},
        unit_emotion=unit_emotion.tolist(), nspecial=4, chunk_seconds=modeling.CHUNK_SECONDS,
        fairseq_emo_normalize=bool(cfg["task"].get("normalize", False)), id2label=dict(enumerate(classes)),
        label2id={e: i for i, e in enumerate(classes)})
    config.auto_map = AUTO_MAP
    config.custom_pipelines = CUSTOM_PIPELINES
    model = modeling.FairseqEmoForCTC(config)
    missing, unexpected = model.load_state_dict(map_weights(state["model"], config), strict=False)
    if missing or unexpected:
        raise ValueError(f"transformers' Wav2Vec2ForCTC does not match: missing {missing[:3]}, unexpected "
                         f"{unexpected[:3]}")
    os.makedirs(out_dir, exist_ok=True)
    model.save_pretrained(out_dir, safe_serialization=True)
    vocab_path = os.path.join(out_dir, "vocab.json")
    with open(vocab_path, "w", encoding="utf-8") as f:
        json.dump({s: i for i, s in enumerate(symbols)}, f, ensure_ascii=False, indent=1)
    # units, not characters: the phoneme CTC tokenizer joins tokens with a space; no phonemizing (the vocabulary is
    # already the units). Every special is one of fairseq's four (a new one would shift the vocabulary): the
    # blank <s> is the pad token, and <pad>, </s>, <unk> (never emitted) are skipped as specials when decoding
    tokenizer = Wav2Vec2PhonemeCTCTokenizer(vocab_path, unk_token="<unk>", pad_token="<s>", bos_token="<pad>",
                                            eos_token="</s>", phone_delimiter_token=" ", word_delimiter_token=None,
                                            do_phonemize=False)
    tokenizer.save_pretrained(out_dir)
    for name in (MODELING, PIPELINE):
        shutil.copyfile(os.path.join(HF_CODE, f"{name}.py"), os.path.join(out_dir, f"{name}.py"))
    normalize = bool(cfg["task"].get("normalize", False))
    # the attention mask always: the emotion model runs each input of a batch alone at its own length
    Wav2Vec2FeatureExtractor(feature_size=1, sampling_rate=16000, padding_value=0.0, do_normalize=normalize,
                             return_attention_mask=True).save_pretrained(out_dir)
    record = model_record.read(checkpoint) or {}
    with open(os.path.join(out_dir, model_record.EXPORTED_RECORD), "w", encoding="utf-8") as f:
        json.dump(portable_record(record), f, indent=1, sort_keys=True)   # `fairseq-emo info DIR` and predict read it
    with open(os.path.join(out_dir, "README.md"), "w", encoding="utf-8") as f:
        f.write(model_card(record, normalize, len(units), license, classes))
    return out_dir


class ExportedCtc(torch.nn.Module):
    """An exported directory's Wav2Vec2ForCTC behind the two calls predict makes of a fairseq model."""

    def __init__(self, directory: str):
        super().__init__()
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()   # a bar per load on every predict run is noise, not progress
        # the model class of fairseq_emo's exports (its model type is fairseq_emo's), taken from THIS package's
        # hf_code, never from the directory: a model folder's .py file is code anyone could have edited, and
        # predict/info run without a trust flag (transformers users opt in with trust_remote_code=True). The
        # config's model type decides; exports made before the shipped code existed are plain Wav2Vec2ForCTC.
        with open(os.path.join(directory, "config.json"), encoding="utf-8") as f:
            model_type = json.load(f).get("model_type")
        modeling = shipped_module()
        if model_type == modeling.FairseqEmoConfig.model_type:
            model_class = modeling.FairseqEmoForCTC
        else:
            from transformers import Wav2Vec2ForCTC as model_class
        self.hf = model_class.from_pretrained(directory, local_files_only=True).eval()

    def forward(self, source, padding_mask=None):
        if padding_mask is None or not padding_mask.any():
            return {"encoder_out": self.hf(source).logits.transpose(0, 1)}   # (T, B, V) as fairseq's
        lengths = (~padding_mask).long().sum(-1)
        logits = self.hf(source, attention_mask=(~padding_mask).long()).logits
        frames = self.hf._get_feat_extract_output_lengths(lengths)
        out_mask = torch.arange(logits.size(1), device=logits.device)[None, :] >= frames[:, None]
        return {"encoder_out": logits.transpose(0, 1), "padding_mask": out_mask}   # masks as fairseq's

    @staticmethod
    def get_normalized_probs(net_output, log_probs=True):
        logits = net_output["encoder_out"].float()
        return logits.log_softmax(-1) if log_probs else logits.softmax(-1)


FAIRSEQ_SPECIALS = ("<s>", "<pad>", "</s>", "<unk>")  # fairseq's Dictionary starts with these, in this order


class UnitVocabulary:
    """What predict needs of a dictionary (its symbols, how many specials), without fairseq."""

    def __init__(self, symbols):
        self.symbols, self.nspecial = list(symbols), len(FAIRSEQ_SPECIALS)


def load_exported(directory: str, device: str):
    """An exported directory -> (model, its unit vocabulary in fairseq's order, normalize). Needs torch and
    transformers only: no fairseq."""
    with open(os.path.join(directory, "vocab.json"), encoding="utf-8") as f:
        vocab = json.load(f)
    symbols = [s for s, _ in sorted(vocab.items(), key=lambda kv: kv[1])]
    if tuple(symbols[:4]) != FAIRSEQ_SPECIALS:
        raise ValueError(f"{directory}/vocab.json does not start with fairseq's specials: not a fairseq-emo export")
    dictionary = UnitVocabulary(symbols)
    with open(os.path.join(directory, "preprocessor_config.json"), encoding="utf-8") as f:
        normalize = bool(json.load(f).get("do_normalize", False))
    return ExportedCtc(directory).to(device), dictionary, normalize


def portable(text: str) -> str:
    """A path or command of the training machine -> one that says the same without it: the repository's own paths
    relative to it, any other absolute path by its last two components ('.../fold1/...' stays readable)."""
    import re

    text = text.replace(REPO_ROOT + os.sep, "")

    def short(m):
        parts = [p for p in m.group(0).split("/") if p]
        return ".../" + "/".join(parts[-2:]) if len(parts) > 2 else m.group(0)
    return re.sub(r"(?<![\w.])/[^\s'\"=]+", short, text)


def portable_record(record: Dict) -> Dict:
    """The checkpoint's record as an export keeps it: every absolute path of the training machine shortened
    (portable), so nothing in the folder names the machine it was trained on."""
    return {k: portable(v) if isinstance(v, str) else v for k, v in record.items()}


def run_sh_line(record: Dict) -> str:
    """The run.sh command that trains this fold again (training/reproduce.py), from the record."""
    variant = record.get("unit_variant") or record.get("unit") or "bpc"
    fold = record.get("fold")
    return run_sh_command(record.get("corpus") or "CORPUS", record.get("scheme") or "speaker", variant,
                          [int(fold)] if fold else [], None, seed_value(record.get("seed")),
                          record.get("config") or "", user_overrides(record.get("command") or ""),
                          portable(record.get("pretrained") or ""))


def seed_value(seed) -> Optional[int]:
    """DONE's seed ('2', or '1 (fairseq default)') -> the --seeds value run.sh was given, None for the default."""
    text = str(seed or "").strip()
    return int(text) if text.isdigit() else None


def model_card(record: Dict, normalize: bool, n_units: int, license: str = DEFAULT_LICENSE,
               classes: Sequence[str] = EMOTIONS) -> str:
    """The export's README.md: Hub metadata written by huggingface_hub (ModelCardData: license, pipeline tag, and for
    an evaluated fold the model-index with its test WA/UA), then the text. ModelCard.load reads it back."""
    from huggingface_hub import EvalResult, ModelCard, ModelCardData

    synthetic = is_synthetic(record.get("corpus", ""))
    evaluation = record.get("evaluation") or {}
    corpus = record.get("corpus") or "unknown"
    name = f"{record.get('unit_variant', 'unit')} emotion units ({corpus})"
    split = f"{record.get('scheme')} fold {record.get('fold')} (test group {record.get('test_group')})"
    results = [EvalResult(task_type="audio-classification", task_name=f"speech emotion recognition ({len(classes)} "
                          f"classes: {' '.join(classes)})", dataset_type=corpus, dataset_name=corpus, dataset_split=split,
                          metric_type="accuracy", metric_name=metric, metric_value=evaluation.get(metric))
               for metric in ("WA", "UA") if evaluation.get(metric) is not None]
    data = ModelCardData(library_name="transformers", pipeline_tag="audio-classification", license=license,
                         tags=["speech-emotion-recognition", "wav2vec2", "ctc", "fairseq_emo"], datasets=[corpus],
                         model_name=name, eval_results=results or None)
    lines = [f"# {name}", "",
             "wav2vec 2.0 fine-tuned with CTC on emotion-suffixed units (e.g. `AH_hap`); the emotion of an "
             "utterance is the majority vote of its decoded units' emotions (fairseq_emo).", ""]
    if synthetic:
        lines += ["**Trained on the synthetic demo corpus (espeak-ng prosody caricatures): its emotions mean "
                  "nothing for real speech. A pipeline test, not a model to use.**", ""]
    lines += ["```python", "from transformers import pipeline",
              "emotion = pipeline('audio-classification', model=DIR, trust_remote_code=True)",
              "emotion('talk.wav')   # [{'label': 'neu', 'score': ...}, ...]: neu hap ang sad, any rate (soxr)",
              "emotion(['a.wav', 'b.flac'], batch_size=4, chunk_length_s=20)   # the same answers, any length",
              "units = pipeline('automatic-speech-recognition', model=DIR, trust_remote_code=True)",
              "units({'raw': samples_16k, 'sampling_rate': 16000})['text']   # 'HH_hap AH_hap ...'", "```", "",
              "The score of an emotion is the share of the decoded units carrying it (the vote share, what "
              "`fairseq-emo predict` calls `confidence`), or its share of the posterior mass when no unit was "
              "decoded; an input in which no unit was decoded at all is answered `[{'label': 'no_speech', 'score': "
              "1.0}]`. Each input runs alone at its own length, cut into chunks of at most 20 s as predict cuts "
              "(`chunk_length_s`), so batching and long files give predict's answers. The code it runs is in this "
              "directory (modeling_fairseq_emo.py, pipeline_fairseq_emo.py): read it before trusting it.",
              "", "| | |", "|---|---|"]
    for key in ("corpus", "unit", "unit_variant", "scheme", "fold", "test_group", "valid_policy", "config", "seed",
                "checkpoint_rule", "commit"):
        lines.append(f"| {key} | {record.get(key, '')} |")
    lines.append(f"| pre-trained model | {os.path.basename(record.get('pretrained') or '')} |")
    lines.append(f"| training utterances | {(record.get('utterances') or {}).get('train', '')} |")
    if evaluation:
        lines.append(f"| test WA / UA | {evaluation.get('WA', 0):.1f} / {evaluation.get('UA', 0):.1f} "
                     f"(n={evaluation.get('n')}) |")
    lines += ["", f"**Intended use**: research on speech emotion recognition with phonetic units; the "
              f"{len(classes)} acted or elicited emotion classes of the training corpus ({', '.join(classes)})."
              " **Limitations**: trained on one corpus and one "
              "fold; emotions of other speakers, languages, recording conditions or emotion sets are not what it "
              "was tested on. License: " + license + " (the backbone's); the training data's own terms apply.", "",
              f"Vocabulary: {n_units} emotion units + 4 fairseq specials; CTC blank = id 0 (`<s>`, the pad token). "
              f"Input: 16 kHz mono, `do_normalize={normalize}` (the checkpoint's task.normalize).", "",
              "How it was made (from a fairseq_emo checkout; DIR: the corpus release, the pre-trained model's "
              "path shortened):", "", "```bash", run_sh_line(record), "```", ""]
    return str(ModelCard(f"---\n{data.to_yaml()}\n---\n\n" + "\n".join(lines)))
