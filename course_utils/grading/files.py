"""Students' files, read without trusting them; the grader's own temporary files, removed
whatever a student's code left in them.

A submission folder may hold anything a student's machine can make: names that are not
UTF-8, names of 255 bytes, names that a spreadsheet would run as formulas, symbolic links
to the instructor's files, folders nested a thousand deep. Here each becomes text the
grader can write and read back exactly (:func:`shown`, :func:`to_cell`,
:func:`from_cell`), a file name the grader can create (:func:`file_name`), or a
refusal with a reason (:func:`inside`); and :func:`remove` deletes any tree without
recursion, without following a link and without a path longer than the system allows.
"""

import hashlib
import os
import stat
from pathlib import Path

# a spreadsheet runs a cell starting with one of these as a formula (OWASP's list)
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def shown(name):
    """A file name as text: bytes that are not UTF-8 as ``\\xe9``, controls escaped."""
    text = os.fsencode(name).decode("utf-8", "backslashreplace")
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode() for c in text)


def to_cell(value):
    """``value`` as the gradebook's CSV stores it: a leading ``'`` before text a
    spreadsheet would run as a formula (and before text that already starts with quotes
    followed by one), so that :func:`from_cell` gives it back exactly."""
    if isinstance(value, str) and value.lstrip("'").startswith(_FORMULA):
        return "'" + value
    return value


def from_cell(text):
    """What :func:`to_cell` stored as ``text``."""
    if text.startswith("'") and text.lstrip("'").startswith(_FORMULA):
        return text[1:]
    return text


def file_name(text, suffix=""):
    """A file name for ``text`` that any Linux file system takes: at most 200 bytes, no
    ``/``, no leading dot; a long or changed name keeps a digest of the original."""
    safe = text.replace("/", "_").replace("\0", "_")
    safe = "_" + safe[1:] if safe.startswith(".") else safe
    raw = safe.encode("utf-8", "backslashreplace")
    if raw == text.encode("utf-8", "backslashreplace") and len(raw) <= 200:
        return safe + suffix
    digest = hashlib.sha256(text.encode("utf-8", "backslashreplace")).hexdigest()[:12]
    head = raw[:180].decode("utf-8", "ignore")
    return f"{head}-{digest}{suffix}"


class Refused(Exception):
    """A file of a student's that the grader will not read; the message says why."""


def inside(path, folder):
    """``path``, refused (:class:`Refused`) if it is a link that leads out of ``folder``,
    or not a regular file."""
    path, folder = Path(path), Path(folder)
    try:
        target = path.resolve(strict=True)
        root = folder.resolve(strict=True)
    except (OSError, RuntimeError) as exc:  # a loop of links, a dangling one
        why = type(exc).__name__
        raise Refused(f"{shown(path.name)}: a link that leads nowhere ({why})") from None
    if path.is_symlink() and not target.is_relative_to(root):
        raise Refused(f"{shown(path.name)}: a link to a file outside the student's folder "
                      "(not followed)")  # fmt: skip
    if not target.is_file():
        raise Refused(f"{shown(path.name)}: not a regular file")
    return target


def remove(root):
    """Delete the tree ``root`` (no error if it is gone), however deep, following no link.

    Iterative: one open folder at a time, descending by name and climbing back through
    ``..``, so that neither Python's recursion nor the length of a path limits it.
    """
    root = os.fspath(root)
    try:
        if not stat.S_ISDIR(os.lstat(root).st_mode):
            os.unlink(root)
            return
        fd = os.open(root, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
    except FileNotFoundError:
        return
    names = []  # the folders descended into, below root
    try:
        while True:
            child = None
            for entry in os.scandir(fd):
                if entry.is_dir(follow_symlinks=False):
                    child = entry.name
                    break
                _unlink(entry.name, fd)
            if child is not None:
                try:
                    new = os.open(child, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=fd)
                except OSError:
                    try:
                        os.rmdir(child, dir_fd=fd)
                    except OSError:
                        return  # a folder we cannot open or remove: leave it
                    continue
                os.close(fd)
                fd, names = new, [*names, child]
                continue
            if not names:
                break
            up = os.open("..", os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd)
            os.close(fd)
            fd = up
            try:
                os.rmdir(names.pop(), dir_fd=fd)
            except OSError:
                return  # something we cannot remove (a mount, a permission): leave it
    finally:
        os.close(fd)
    try:
        os.rmdir(root)
    except OSError:
        pass


def _unlink(name, fd):
    try:
        os.unlink(name, dir_fd=fd)
    except IsADirectoryError:
        pass
    except FileNotFoundError:
        pass
