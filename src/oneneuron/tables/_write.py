"""An output table written chunk by chunk to a temporary file, published at the end.

``with OutputTable(path, force=False) as out: out.write(df); ...; out.commit()``:
the temporary file lives beside ``path`` (same file system, so the final rename
is atomic); leaving the block without :meth:`commit` (an error, Ctrl-C) deletes
it, so no partial output ever remains. Without ``force`` an existing ``path`` is
never replaced, even if it appears while the table is being written.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType
from typing import Any

import pandas as pd

from . import _read as tab


class OutputTable:
    """CSV, TSV or Parquet by extension (no compression); float columns round-trip exactly."""

    def __init__(self, path: str | os.PathLike[str], *, force: bool) -> None:
        self.path = Path(path)
        if self.path.is_dir():
            raise tab.DataError(f"output {path} is a folder")
        name = self.path.name.lower()
        if name.endswith(tab.COMPRESSION):
            raise tab.DataError(
                f"cannot write compressed output {path}; use .csv, .tsv or .parquet"
            )
        self.fmt = tab.data_format(path)
        self.force = force
        if self.path.exists() and not force:
            raise FileExistsError(f"{path} already exists")
        folder = self.path.parent if str(self.path.parent) else Path(".")
        if not folder.is_dir():
            raise tab.DataError(f"cannot write {path}: folder {folder} does not exist")
        fd, tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=".tmp", dir=folder)
        self.tmp = Path(tmp)
        self._fh: Any = os.fdopen(fd, "w", encoding="utf-8", newline="")
        self._writer: Any = None
        self._rows = 0

    def __enter__(self) -> OutputTable:
        return self

    def write(self, frame: pd.DataFrame) -> None:
        """Append rows (same columns and dtypes every time)."""
        with _naming(self.path):
            self._write(frame)

    def _write(self, frame: pd.DataFrame) -> None:
        if self.fmt == "parquet":
            import pyarrow as pa
            import pyarrow.parquet as pq

            table = pa.Table.from_pandas(frame, preserve_index=False)
            if self._writer is None:
                self._fh.close()
                self._writer = pq.ParquetWriter(self.tmp, table.schema)
            self._writer.write_table(table)
        else:
            sep = "\t" if self.fmt == "tsv" else ","
            frame.to_csv(self._fh, sep=sep, index=False, header=self._rows == 0)
        self._rows += len(frame)

    def commit(self) -> None:
        """Close the temporary file and move it to ``path``."""
        with _naming(self.path):
            self._close()
            publish(self.tmp, self.path, overwrite=self.force)

    def _close(self) -> None:
        writer, self._writer = self._writer, None
        if writer is not None:
            writer.close()
        if not self._fh.closed:
            try:
                self._fh.flush()
                os.fsync(self._fh.fileno())
            finally:
                self._fh.close()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            with _naming(self.path):
                self._close()
        except OSError:
            if exc is None:
                raise  # otherwise the error being raised is the one to report
        finally:
            if self.tmp.exists():
                self.tmp.unlink()


def atomic_write_text(path: Path, text: str, *, overwrite: bool) -> None:
    """Write ``text`` to a temporary file beside ``path``, then move it into place.

    Without ``overwrite`` an existing ``path`` is left untouched and
    :class:`FileExistsError` is raised (the final step is a hard link, which
    fails rather than replaces, so there is no window for a race).
    """
    if not overwrite and path.exists():
        raise FileExistsError(f"{path} already exists")
    folder = path.parent if str(path.parent) else Path(".")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    try:
        with _naming(path), os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        with _naming(path):
            publish(Path(tmp), path, overwrite=overwrite)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


@contextlib.contextmanager
def _naming(path: Path) -> Iterator[None]:
    """Give a nameless write error (disk full, quota, I/O error) the target's name, so
    that the message says which output could not be written."""
    try:
        yield
    except FileExistsError:
        raise
    except OSError as exc:
        if exc.filename is not None:
            raise
        why = exc.strerror or (os.strerror(exc.errno) if exc.errno else str(exc))
        raise OSError(exc.errno, why, str(path)) from None


def _umask_mode() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def publish(tmp: Path, path: Path, *, overwrite: bool) -> None:
    """Move a finished temporary file to ``path`` (never replacing it unless ``overwrite``).

    The file gets the usual permissions of a new file (mkstemp makes it private).
    """
    os.chmod(tmp, _umask_mode())
    if overwrite:
        os.replace(tmp, path)
        return
    try:
        os.link(tmp, path)  # fails if path exists: no clobbering, even in a race
    except FileExistsError:
        raise FileExistsError(f"{path} already exists") from None
    except OSError:  # file systems without hard links
        if path.exists():
            raise FileExistsError(f"{path} already exists") from None
        os.replace(tmp, path)
        return
    os.unlink(tmp)
