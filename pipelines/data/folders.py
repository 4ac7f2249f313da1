"""Image folders (root/<split>/<class>/<image>, or root/<class>/<image> split by a hash): an
up-front scan that refuses or skips bad files."""

import hashlib
import os
import sys
from collections.abc import Sequence

from pipelines.errors import UserError

SPLIT_DIRS = {"train": ("train",), "validation": ("validation", "val"), "test": ("test",)}
MAGIC = {b"\xff\xd8\xff": "JPEG", b"\x89PNG\r\n\x1a\n": "PNG", b"GIF87a": "GIF",
         b"GIF89a": "GIF", b"BM": "BMP"}


class DataError(UserError):
    """Data that cannot be used, with the file or folder named in the message."""


def image_problem(path: str) -> str | None:
    """None when the file looks like a complete JPEG/PNG/GIF/BMP, else why not (one phrase)."""
    try:
        size = os.path.getsize(path)
        if size == 0:
            return "empty file"
        with open(path, "rb") as f:
            head = f.read(16)
            f.seek(max(0, size - 1024))
            tail = f.read()
    except OSError as err:
        return f"unreadable ({err.strerror or err})"
    kind = next((k for magic, k in MAGIC.items() if head.startswith(magic)), None)
    if kind is None:
        return "not an image (no JPEG/PNG/GIF/BMP signature)"
    complete = {"JPEG": b"\xff\xd9" in tail, "PNG": b"IEND" in tail[-16:],
                "GIF": tail.rstrip(b"\x00").endswith(b";"),
                "BMP": size >= int.from_bytes(head[2:6], "little")}[kind]
    return None if complete else f"truncated {kind}"


def scan_folder(root: str, split: str
                ) -> tuple[list[bytes], list[int], list[str], list[tuple[str, str]]]:
    """(paths as bytes, labels, class names, [(path, problem)]) for one split of an image folder.

    Classes are the sorted sub-folder names of the split folder; empty class folders keep their
    label and are reported. Skipped files are named on stderr when the split is scanned. A folder
    of class folders alone (no split folders) is split by held_out: its train split is four
    images in five, its validation split the fifth. Raises DataError when the split or every
    image is missing.
    """
    split_dir = next((os.path.join(root, d) for d in SPLIT_DIRS.get(split, (split,))
                      if os.path.isdir(os.path.join(root, d))), None)
    if split_dir is None and split in ("train", "validation") and _classes_only(root):
        paths, labels, class_names, problems = _scan_classes(root)
        if root not in _NOTED:
            _NOTED.add(root)
            print(f"{root}: class folders without train/ and validation/ folders: one image "
                  f"in {HELD_OUT} is held out for validation (chosen by a hash of its path: the "
                  f"same in every run)", file=sys.stderr)
        relative = [os.path.relpath(os.fsdecode(p), root).replace(os.sep, "/") for p in paths]
        chosen = [i for i, path in enumerate(relative)
                  if held_out(path) == (split == "validation")]
        if not chosen:
            raise DataError(f"{root}: no image falls in its {split} split (one in {HELD_OUT} "
                            f"validates); add images, or make {root}/{split}/<class>/")
        return [paths[i] for i in chosen], [labels[i] for i in chosen], class_names, problems
    if split_dir is None:
        raise DataError(f"{root}: no '{split}' folder (expected {root}/{split}/<class>/<image>, "
                        f"or class folders alone: {root}/<class>/<image>)")
    return _scan_classes(split_dir)


HELD_OUT = 5  # a folder of class folders alone: one image in five validates


def held_out(relative_path: str) -> bool:
    """Whether an image of a folder without split folders validates: one in HELD_OUT, by a hash
    of its path inside the folder, so that the split is the same in every run and process and
    adding an image moves no other."""
    return hashlib.sha256(relative_path.encode()).digest()[0] % HELD_OUT == 0


def _classes_only(root: str) -> bool:
    """No split folder, and at least one class folder."""
    entries = [d for d in os.listdir(root) if not d.startswith(".")]
    splits = {name for names in SPLIT_DIRS.values() for name in names}
    return not splits & set(entries) and any(os.path.isdir(os.path.join(root, d))
                                              for d in entries)


def _scan_classes(split_dir: str
                  ) -> tuple[list[bytes], list[int], list[str], list[tuple[str, str]]]:
    class_names = sorted(d for d in os.listdir(split_dir)
                         if os.path.isdir(os.path.join(split_dir, d)) and not d.startswith("."))
    if not class_names:
        raise DataError(f"{split_dir}: no class folders")
    # A run reads a split more than once (its size, then its input), and a scan reads 1 KB of
    # every image: the last scan of each split folder is kept while its class folders' entries
    # are unchanged (adding, removing or renaming a file changes its folder's mtime).
    key = tuple((name, os.stat(os.path.join(split_dir, name)).st_mtime_ns)
                for name in class_names)
    if _SCANS.get(split_dir, (None,))[0] != key:
        _SCANS[split_dir] = (key, _scan(split_dir, class_names))
        paths, _, problems = _SCANS[split_dir][1]
        report(problems, split_dir, len(paths) + len(problems))
    paths, labels, problems = _SCANS[split_dir][1]
    if not paths:
        raise DataError(f"{split_dir}: no readable images")
    return list(paths), list(labels), class_names, list(problems)


_NOTED = set()  # folders whose held-out split was announced
_SCANS = {}  # split folder -> (its class folders' mtimes, _scan's result)


def _scan(split_dir: str, class_names: Sequence[str]
          ) -> tuple[tuple[bytes, ...], tuple[int, ...], tuple[tuple[str, str], ...]]:
    paths, labels, problems = [], [], []
    for label, name in enumerate(class_names):
        class_dir = os.path.join(split_dir, name)
        files = sorted(f for f in os.listdir(class_dir) if not f.startswith("."))
        if not files:
            problems.append((class_dir, "empty class folder"))
        for file in files:
            path = os.path.join(class_dir, file)
            if os.path.isdir(path):
                continue
            problem = image_problem(path)
            if problem:
                problems.append((path, problem))
            else:
                paths.append(os.fsencode(path))
                labels.append(label)
    return tuple(paths), tuple(labels), tuple(problems)


def report(problems: Sequence[tuple[str, str]], split_dir: str, total: int,
           limit: int = 8) -> None:
    """One summary line naming the skipped files (relative to the split folder)."""
    if not problems:
        return
    named = "; ".join(f"{os.path.relpath(p, split_dir)} ({why})" for p, why in problems[:limit])
    more = f"; and {len(problems) - limit} more" if len(problems) > limit else ""
    print(f"skipped {len(problems)} of {total} entries in {split_dir}: {named}{more}",
          file=sys.stderr)
