"""What a table file holds, told from its first bytes rather than from its name.

A file's compression is whatever its content says: a gzip file named ``.csv``, a plain
CSV named ``.csv.gz``, a zip archive of one table named ``data.zip`` are all read. A
Parquet file is Parquet whatever its name (``.csv``, or inside a ``.gz`` or ``.zip``).
A zip archive is read when it holds exactly one table (a macOS ``__MACOSX/`` resource
file and folders do not count); an empty archive, one of several files, an Excel
workbook, or an encrypted member is one :class:`DataError` naming the cause.

Decompression streams (gzip, bzip2, xz from the standard library; zstd through
pyarrow's codec; a zip member through :mod:`zipfile`), so memory stays one chunk,
except for a compressed Parquet file, which needs random access: it is decompressed
in memory.
"""

from __future__ import annotations

import bz2
import contextlib
import gzip
import lzma
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from ._vocab import DataError

#: The first bytes of each compression (bzip2's also needs a level digit and "1AY&").
_CODECS = (
    (b"\x1f\x8b", "gzip"),
    (b"BZh", "bzip2"),
    (b"\xfd7zXZ\x00", "xz"),
    (b"\x28\xb5\x2f\xfd", "zstd"),
    (b"PK\x03\x04", "zip"),
    (b"PK\x05\x06", "zip"),  # an empty archive: only its end record
)
#: What each codec's file is called in a message.
CODEC_WORDS = {
    "gzip": "gzip-compressed",
    "bzip2": "bzip2-compressed",
    "xz": "xz-compressed",
    "zstd": "zstd-compressed",
    "zip": "a zip archive",
}
#: What reading damaged compressed data raises.
CODEC_ERRORS = (OSError, EOFError, zlib.error, lzma.LZMAError, zipfile.BadZipFile)


@dataclass(frozen=True)
class Content:
    """What a file holds: ``codec`` (``"gzip"``, ``"bzip2"``, ``"xz"``, ``"zstd"``,
    ``"zip"`` or None for none), ``member`` (the name of the zip archive's one table),
    and whether the (decompressed) content is a Parquet file."""

    codec: str | None = None
    member: str | None = None
    parquet: bool = False


def _codec(head: bytes) -> str | None:
    found = next((name for magic, name in _CODECS if head.startswith(magic)), None)
    if found == "bzip2" and not (head[3:4].isdigit() and head[4:8] == b"1AY&"):
        return None  # a text header that starts "BZh"
    return found


def _member(path: Any, zf: zipfile.ZipFile) -> str:
    """The one table of a zip archive, or one error naming what it holds instead."""
    names = [i.filename for i in zf.infolist() if not i.is_dir()]
    if "[Content_Types].xml" in names:
        kind = "an Excel .xlsx workbook" if any(n.startswith("xl/") for n in names) else None
        kind = kind or "an Office document"
        raise DataError(f"{path} is {kind}, not a table: export it as CSV")
    tables = [
        n for n in names if not n.startswith("__MACOSX/") and not Path(n).name.startswith("._")
    ]
    if not tables:
        raise DataError(f"{path} is an empty zip archive (it holds no file)")
    if len(tables) > 1:
        shown = ", ".join(map(repr, tables[:4])) + (", ..." if len(tables) > 4 else "")
        raise DataError(
            f"{path} is a zip archive of {len(tables)} files ({shown}); a table is read "
            "from an archive of one file: unzip it and name the table to read"
        )
    info = zf.getinfo(tables[0])
    if info.flag_bits & 0x1:
        raise DataError(f"{path}: the file {tables[0]!r} in it is encrypted; unzip it first")
    return tables[0]


def _looks_parquet(head: bytes, tail: bytes | None) -> bool:
    """Parquet starts and ends with ``PAR1``; where the end is not at hand (compressed
    content), the bytes after the mark must be binary (a text header may start PAR1)."""
    if not head.startswith(b"PAR1"):
        return False
    if tail is not None:
        return tail == b"PAR1"
    return any(b < 9 for b in head[4:16])


def sniff(path: str | Path) -> Content:
    """The :class:`Content` of an existing regular file ``path``; raises
    :class:`DataError` for a zip archive that holds no single table, and for a
    file that is damaged where its first bytes should be."""
    with open(path, "rb") as fh:
        head = fh.read(8)
        fh.seek(0, 2)
        fh.seek(max(fh.tell() - 4, 0))
        tail = fh.read(4)
    codec = _codec(head)
    if codec is None:
        return Content(parquet=_looks_parquet(head, tail))
    member = None
    if codec == "zip":
        try:
            with zipfile.ZipFile(path) as zf:
                member = _member(path, zf)
        except zipfile.BadZipFile:
            raise DataError(f"{path} is a damaged zip archive (truncated?)") from None
    try:
        with _open(path, Content(codec, member)) as fh:
            inner = fh.read(16)
    except DataError:
        raise
    except CODEC_ERRORS:
        return Content(codec, member)  # the reader says what is wrong, in its words
    return Content(codec, member, _looks_parquet(inner, None))


@contextlib.contextmanager
def _open(path: Any, content: Content) -> Iterator[IO[bytes]]:
    codec = content.codec
    if codec is None:
        with open(path, "rb") as fh:
            yield fh
    elif codec == "zip":
        with zipfile.ZipFile(path) as zf:
            try:
                member = zf.open(content.member or "")
            except RuntimeError as exc:  # an encrypted member
                raise DataError(f"cannot read {path}: {exc}") from None
            with member:
                yield member
    elif codec == "zstd":
        import pyarrow as pa

        with pa.CompressedInputStream(pa.OSFile(str(path)), "zstd") as fh:
            yield fh
    else:
        opener = {"gzip": gzip.open, "bzip2": bz2.open, "xz": lzma.open}[codec]
        with opener(path, "rb") as fh:
            yield fh


@contextlib.contextmanager
def open_table(path: str | Path) -> Iterator[IO[bytes]]:
    """The decompressed bytes of the table file ``path`` (see :func:`sniff`)."""
    with _open(path, sniff(path)) as fh:
        yield fh


def parquet_input(path: str | Path) -> Any:
    """What pyarrow's Parquet reader opens for ``path``: the path itself, or the
    decompressed file in memory where it is compressed (Parquet needs random access)."""
    content = sniff(path) if Path(path).is_file() else Content()
    if content.codec is None:
        return path
    import pyarrow as pa

    with _open(path, content) as fh:
        return pa.BufferReader(fh.read())
