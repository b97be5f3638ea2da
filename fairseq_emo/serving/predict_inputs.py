"""What predict is asked to read: command-line items -> [(id, path)] with unique, stable ids, and the files skipped.

  talk.flac                 a file; id = its stem ('talk')
  recordings/               a folder, searched recursively for audio; ids = stems, made unique by their folders
  @paths.txt, paths.lst     a list file: one path per line ('#' comments), ids as for files
  wav.scp                   Kaldi/ESPnet/emotion2vec style: '<id> <path>' per line (a path may hold spaces)
An id names the file in every output (JSONL/CSV `id`, the CTM's recording field, plot file names). Stems that
collide ('a/x.wav', 'b/x.wav') get the folders that tell them apart ('a_x', 'b_x'); ids from a wav.scp are kept
as written and must be unique. Files found in a folder that are not audio are returned as skipped, so predict
can list them instead of dropping them silently.
"""
import os
import re
from typing import Dict, Iterable, List, Optional, Tuple

import soundfile

AUDIO_EXTENSIONS = {"." + f.lower() for f in soundfile.available_formats()}
_UNSAFE = re.compile(r"[^\w.+-]+")  # ids go into CTM fields and file names: no spaces or separators


class InputError(ValueError):
    """A list or scp file that cannot be used (names file and line)."""


def _read_scp(path: str) -> List[Tuple[str, str]]:
    pairs, seen = [], {}
    with open(path, encoding="utf-8") as f:
        for lineno, line in enumerate(f, start=1):
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            parts = line.strip().split(maxsplit=1)
            if len(parts) != 2:
                raise InputError(f"{path}:{lineno}: expected '<id> <path>', got {line.strip()!r}")
            ident, audio = parts
            if ident in seen:
                raise InputError(f"{path}:{lineno}: id {ident!r} already used on line {seen[ident]}")
            if audio.endswith("|"):
                raise InputError(f"{path}:{lineno}: a command ('... |') is not a file; write the audio to a file")
            seen[ident] = lineno
            pairs.append((ident, audio))
    return pairs


def _folder_files(folder: str) -> List[str]:
    """Every file under a folder, hidden ones included, following links to folders but each real folder once (a
    link loop would otherwise yield the same files again and again under growing paths); a file reached by two
    paths is listed once."""
    files, seen_dirs, seen_files = [], set(), set()
    for root, dirs, names in os.walk(folder, followlinks=True):
        real = os.path.realpath(root)
        if real in seen_dirs:
            dirs[:] = []
            continue
        seen_dirs.add(real)
        dirs.sort()
        for name in sorted(names):
            path = os.path.join(root, name)
            if os.path.isfile(path) and os.path.realpath(path) not in seen_files:
                seen_files.add(os.path.realpath(path))
                files.append(path)
    return sorted(files)


def file_name_part(ident: str) -> str:
    """An id as a piece of a file name: no separators or '..' (a wav.scp id 'a/b' or '../x' must not write outside
    the output folder)."""
    return _UNSAFE.sub("_", ident).lstrip(".") or "_"


def _read_list(path: str) -> List[str]:
    with open(path, encoding="utf-8") as f:
        return [line.strip() for line in f if line.strip() and not line.lstrip().startswith("#")]


def _unique_ids(paths: List[str]) -> List[str]:
    """Stems, with as many parent folders prepended as it takes to tell equal stems apart."""
    parts = [os.path.normpath(os.path.splitext(p)[0]).split(os.sep) for p in paths]
    depth = [1] * len(paths)
    while True:
        ids = [_UNSAFE.sub("_", "_".join(q[-d:])) for q, d in zip(parts, depth)]
        clash = {i for i in ids if ids.count(i) > 1}
        grown = False
        for k, ident in enumerate(ids):
            if ident in clash and depth[k] < len(parts[k]):
                depth[k] += 1
                grown = True
        if not clash or not grown:
            break
    seen = {}
    for k, ident in enumerate(ids):  # the same file given twice: number the repeats
        seen[ident] = seen.get(ident, 0) + 1
        if seen[ident] > 1:
            ids[k] = f"{ident}_{seen[ident]}"
    return ids


def list_files(items: Iterable[str]) -> List[str]:
    """The list and scp files among the command-line items (what expand_inputs reads paths from)."""
    return [item.lstrip("@") for item in items
            if item.endswith(".scp") or item.startswith("@") or item.endswith(".lst")]


def protected_files(items: Iterable[str], recordings: Iterable[str], checkpoint: str) -> Dict[Tuple[int, int], str]:
    """Every file a predict run reads -> what it is, keyed by file identity (device, inode), so that an output
    reaching one of them under any name (a link, '..', another spelling) is recognised: the recordings, the list
    and scp files, the checkpoint and its dictionaries (a fold's checkpoint folder), or every file of an exported
    model folder."""
    named: List[Tuple[str, str]] = [(p, "one of the input recordings") for p in recordings]
    named += [(p, "the list of inputs") for p in list_files(items)]
    if os.path.isdir(checkpoint):
        named += [(os.path.join(checkpoint, n), "a file of the model folder") for n in os.listdir(checkpoint)]
    else:
        folder = os.path.dirname(os.path.abspath(checkpoint))
        named += [(checkpoint, "the checkpoint")]
        named += [(os.path.join(folder, n), "the model's dictionary") for n in os.listdir(folder)
                  if n.startswith("dict.") and n.endswith(".txt")] if os.path.isdir(folder) else []
    out: Dict[Tuple[int, int], str] = {}
    for path, what in named:
        try:
            st = os.stat(path)
        except OSError:
            continue
        out.setdefault((st.st_dev, st.st_ino), what)
    return out


def clobbers(path: str, protected: Dict[Tuple[int, int], str]) -> Optional[str]:
    """What an output path would destroy (protected_files), or None; a path that does not exist yet is safe."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return protected.get((st.st_dev, st.st_ino))


def expand_inputs(items: Iterable[str]) -> Tuple[List[Tuple[str, str]], List[str]]:
    """Command-line items -> ([(id, path)] in the given order, [skipped non-audio files found in folders])."""
    with_ids: List[Tuple[int, str, str]] = []   # (position, id, path) from scp files
    plain: List[Tuple[int, str]] = []           # (position, path) that get ids from their names
    skipped: List[str] = []
    position = 0
    for item in items:
        if item.endswith(".scp"):
            for ident, path in _read_scp(item.lstrip("@")):
                with_ids.append((position, ident, path))
                position += 1
            continue
        if item.startswith("@") or item.endswith(".lst"):
            found = _read_list(item.lstrip("@"))
        elif os.path.isdir(item):
            # hidden files too (glob skips them by default): an audio file is decoded, anything else is reported
            entries = _folder_files(item)
            found = [p for p in entries if os.path.splitext(p)[1].lower() in AUDIO_EXTENSIONS]
            skipped.extend(p for p in entries if os.path.splitext(p)[1].lower() not in AUDIO_EXTENSIONS)
        else:
            found = [item]
        for path in found:
            plain.append((position, path))
            position += 1
    named = _unique_ids([p for _, p in plain])
    taken = {ident for _, ident, _ in with_ids}
    out = [(pos, ident, path) for pos, ident, path in with_ids]
    for (pos, path), ident in zip(plain, named):
        base, n = ident, 1
        while ident in taken:       # a stem that an scp id already uses
            n += 1
            ident = f"{base}_{n}"
        taken.add(ident)
        out.append((pos, ident, path))
    return [(ident, path) for _, ident, path in sorted(out)], skipped
