import contextlib
import importlib.util
import io
import os
import shutil
import subprocess
import sys

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if os.environ.get("PYTEST_XDIST_WORKER"):
    # two workers share the cores: one math thread per process (and per training it starts) instead of each
    # process spreading over every core; results do not depend on it (test_training's concurrency test)
    for _name in ("OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(_name, "1")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))


def run_script(name, *args, check=True):
    """Call scripts/<name>'s main(argv) in this process (G2P and CMUdict load once per test session);
    returns an object with returncode, stdout and stderr like a CompletedProcess."""
    path = os.path.join(REPO, "scripts", name)
    spec = importlib.util.spec_from_file_location(f"script_{name[:-3]}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = module.main([str(a) for a in args])
        except SystemExit as exit_:
            code = exit_.code
    proc = subprocess.CompletedProcess([path, *args], code or 0, out.getvalue(), err.getvalue())
    if check and proc.returncode != 0:
        raise AssertionError(f"{name} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    return proc


def check_schema(record, name):
    """A record against its documented schema (docs/schema/<name>.schema.json)."""
    import json

    import jsonschema

    with open(os.path.join(REPO, "docs", "schema", f"{name}.schema.json")) as f:
        jsonschema.validate(record, json.load(f))


def strict_json(path):
    """A JSON file as any strict reader takes it: NaN or Infinity in it is an error."""
    import json

    def refuse(constant):
        raise ValueError(f"{path}: {constant} is not JSON")
    with open(path) as f:
        return json.load(f, parse_constant=refuse)


def require_tool(name, install):
    if shutil.which(name) is None:
        pytest.fail(f"{name} is not installed: {install} (scripts/setup.sh does this as root)")


@pytest.fixture(scope="session")
def demo_tree(tmp_path_factory):
    """A small espeak-ng demo corpus (2 utterances per speaker and emotion), made once per test session."""
    require_tool("espeak-ng", "apt-get install espeak-ng")
    from fairseq_emo.data.demo_corpus import make_demo_corpus

    out = tmp_path_factory.mktemp("demo")
    return make_demo_corpus(str(out), per_emotion=2)


@pytest.fixture(scope="session")
def tiny_w2v(tmp_path_factory):
    """A random-init tiny wav2vec 2.0 saved in libri960_big.pt's format."""
    path = tmp_path_factory.mktemp("w2v") / "w2v_tiny.pt"
    run_script("make_w2v_checkpoint.py", "--size", "tiny", "--out", path)
    return str(path)


@pytest.fixture(scope="session")
def demo_manifests(demo_tree, tmp_path_factory):
    """The small demo corpus prepared into bpc speaker folds: returns the manifests root (<root>/demo/bpc/speaker)."""
    work = tmp_path_factory.mktemp("demo_work")
    run_script("prepare.py", "--corpus", "iemocap", "--data", demo_tree, "--out", work / "data")
    for unit in ("bpc", "utterance"):
        run_script("make_manifests.py", "--table", work / "data" / "utterances.tsv", "--unit", unit,
                   "--manifest-root", work / "manifests")
    return str(work / "manifests")


def run_folds(*args, env=None, **popen):
    """Run scripts/run_folds.sh with this interpreter's venv; returns CompletedProcess (text)."""
    env = dict(os.environ if env is None else env, PYTHON=sys.executable)
    cmd = ["bash", os.path.join(REPO, "scripts", "run_folds.sh"), *map(str, args)]
    return subprocess.run(cmd, capture_output=True, text=True, env=env, **popen)


# The session's shared training: 12 updates at a rate that makes the tiny model emit units, validation one
# utterance per batch (the decoder-vs-criterion test compares against it; the group-norm CNN sees no padding),
# TensorBoard logs in <fold>/hydra/tb (the [tensorboard] extra; hydra runs in <fold>/hydra).
TINY_FIXTURE_OVERRIDES = ("dataset.batch_size_valid=1", "optimization.max_update=12", "optimization.lr=[0.003]",
                          "common.tensorboard_logdir=tb")
TINY_FIXTURE_ARGS = ("--corpus", "demo", "--units", "bpc", "--train-folds", "1", "--config", "tiny")


@pytest.fixture(scope="session")
def tiny_finetuned(demo_manifests, tiny_w2v, tmp_path_factory):
    """A fine-tuned tiny checkpoint (bpc fold 1, TINY_FIXTURE_OVERRIDES) with its dictionary beside it; tests
    read it and copy it, never change it."""
    exp = tmp_path_factory.mktemp("exp_ft")
    proc = run_folds(*TINY_FIXTURE_ARGS, "--w2v", tiny_w2v, "--manifests", demo_manifests, "--exp", exp / "demo", "--",
                     *TINY_FIXTURE_OVERRIDES)
    assert proc.returncode == 0, proc.stderr
    return str(exp / "demo" / "bpc" / "fold1" / "checkpoints" / "checkpoint_last.pt")
