"""The checkout's own folders, from this file's place in it: -> REPO_ROOT, PACKAGE_DIR, CONFIG_DIR, DOCS_DIR.

One owner, so moving a module never silently changes what `dirname(dirname(__file__))` meant."""
import os

PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))   # .../fairseq_emo
REPO_ROOT = os.path.dirname(PACKAGE_DIR)
CONFIG_DIR = os.path.join(REPO_ROOT, "configs")
DOCS_DIR = os.path.join(REPO_ROOT, "docs")
