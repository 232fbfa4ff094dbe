"""Replace a file whole or not at all: write beside it, then rename over it.

Every file the archive rewrites (a WARC file imported, the CDXJ, a WACZ or JSONL export, the
replay and Datasette configuration) goes through :func:`replacing`: a reader, a crashed
writer or a full disk leaves either the old file or the new one, never half of one. The
temporary file is hidden (``.NAME.RANDOM.part``), in the target's own folder (a rename
across file systems is no rename), and never matches a WARC file's name pattern.
``os.replace`` is atomic on POSIX (``rename(2)``) and on Windows for files of one volume.
"""
from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Iterator
from pathlib import Path

__all__ = ["replacing", "write_text"]


@contextlib.contextmanager
def replacing(path: str | os.PathLike[str], *, fsync: bool = True) -> Iterator[Path]:
    """A new, empty temporary file beside ``path`` to write; renamed over ``path`` when the
    block ends without an exception (after ``fsync`` of its bytes, unless ``fsync=False``),
    removed when it raises.

    >>> with replacing(folder / "index.cdxj") as tmp:  # doctest: +SKIP
    ...     tmp.write_text("...")

    Raises:
        OSError: the temporary file cannot be made, synced or renamed (it is removed then).
    """
    target = Path(path)
    tmp = _new_file_beside(target)
    try:
        yield tmp
        if fsync:
            with open(tmp, "rb+") as fh:
                os.fsync(fh.fileno())
        os.replace(tmp, target)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


def _new_file_beside(target: Path) -> Path:
    """Create a new empty hidden file in ``target``'s folder, with the permissions the umask
    gives a new file (``tempfile.mkstemp`` would make it 0600, and the file it replaces with
    it): a name nobody else has, made with ``O_EXCL``."""
    for _ in range(100):
        tmp = target.with_name(f".{target.name}.{secrets.token_hex(4)}.part")
        try:
            os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
        except FileExistsError:
            continue
        return tmp
    raise FileExistsError(f"no free temporary name beside {target}")


def write_text(path: str | os.PathLike[str], text: str) -> None:
    """Replace ``path`` with ``text`` (UTF-8, ``\\n`` line ends) through :func:`replacing`.

    Raises:
        OSError: it cannot be written.
    """
    with replacing(path) as tmp, open(tmp, "w", encoding="utf-8", newline="\n") as out:
        out.write(text)
