"""A recipe config composed in-process exactly as `fairseq-hydra-train --config-dir configs --config-name NAME` composes
it: config name + hydra overrides -> the job's DictConfig (fairseq's schema under it, the plugin registered).

For code that needs the config without launching a training (tests, benchmarks): one process start instead of one
per config. `with_defaults=True` also fills in fairseq's defaults and resolves interpolations, as the trainer
sees the config.
"""
import logging
import os
import warnings
from typing import Sequence

from fairseq_emo.core import repo

CONFIG_DIR = repo.CONFIG_DIR


def compose_recipe(name: str, overrides: Sequence[str] = (), with_defaults: bool = False):
    import fairseq  # noqa: F401  (before the plugin, so that it registers)
    import fairseq_emo.training.fairseq_plugin  # noqa: F401  (fairseq: composing a config needs the registered task)
    from fairseq.dataclass.initialize import add_defaults, hydra_init
    from hydra import compose, initialize_config_dir
    from omegaconf import OmegaConf

    if not os.path.isfile(os.path.join(CONFIG_DIR, f"{name}.yaml")):
        raise FileNotFoundError(f"no configs/{name}.yaml")
    hydra_init(name)
    logging.getLogger("hydra").setLevel(logging.INFO)  # its DEBUG lines would reach whoever configured logging
    # version_base 1.1, as fairseq-hydra-train runs: later bases make fairseq's own hydra.experimental calls fail
    with initialize_config_dir(config_dir=CONFIG_DIR, version_base="1.1"), warnings.catch_warnings():
        # the schema-matching deprecation fairseq's layout triggers on every composition (fairseq-hydra-train too)
        warnings.filterwarnings("ignore", message=r"(?s).*validated against ConfigStore schema", category=UserWarning)
        cfg = compose(name, overrides=list(overrides))
    if with_defaults:
        add_defaults(cfg)
        cfg = OmegaConf.create(OmegaConf.to_container(cfg, resolve=True, enum_to_str=True))
    return cfg
