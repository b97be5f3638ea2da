"""Which code wrote a result: -> {commit, uncommitted_changes, python, packages}. No package imports, so any
layer (the model record, the reports) can ask it without import cycles."""
import importlib.metadata as md
import platform
import subprocess
from typing import Dict, Optional

from fairseq_emo.core.repo import REPO_ROOT


def provenance(repo: Optional[str] = None) -> Dict:
    """Commit and package versions of the code that wrote the report."""
    repo = repo or REPO_ROOT
    try:
        commit = subprocess.run(["git", "-C", repo, "rev-parse", "HEAD"], capture_output=True, text=True,
                                timeout=10).stdout.strip() or None
        dirty = bool(subprocess.run(["git", "-C", repo, "status", "--porcelain", "--untracked-files=no"],
                                    capture_output=True, text=True, timeout=10).stdout.strip())
    except (OSError, subprocess.SubprocessError):
        commit, dirty = None, None
    versions = {}
    for pkg in ("torch", "fairseq-fixed", "fairseq_emo", "numpy", "soundfile", "soxr"):
        try:
            versions[pkg] = md.version(pkg)
        except md.PackageNotFoundError:
            versions[pkg] = None
    return {"commit": commit, "uncommitted_changes": dirty, "python": platform.python_version(),
            "packages": versions}
