"""An output table written chunk by chunk to a temporary file, published at the end.

``with OutputTable(path, force=False) as out: out.write(df); ...; out.commit()``:
the temporary file lives beside ``path`` (same file system, so the final rename
is atomic); leaving the block without :meth:`commit` (an error, Ctrl-C) deletes
it, so no partial output ever remains. Without ``force`` an existing ``path`` is
never replaced, even if it appears while the table is being written.

An output path that exists but is no regular file (a named pipe, a device such as
``/dev/full``, a socket; also through a symbolic link) is refused with
:class:`~oneneuron.tables.DataError`, with or without ``force``: the rename at the end
would replace the pipe or device itself by a file (as root, even ``/dev/full``).
Standard output is the command line's ``--out -``. An output path that is a symbolic
link is written through: the file it points to is replaced (``force``) and the link
stays, as ``cp`` does.

The temporary file's name is chosen before the file is created, and it is created
inside the block that removes it, so an interrupt (Ctrl-C, or SIGTERM raised as an
exception by the command line) arriving at any point leaves nothing behind.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType
from typing import Any

import pandas as pd

from . import _read as tab
from ._vocab import special_file


def output_format(path: str | os.PathLike[str]) -> str:
    """``"csv"``, ``"tsv"`` or ``"parquet"``: the format an output table is written in,
    from its extension; anything else (compressed, or unknown) is one error naming the
    extensions that can be written."""
    if Path(path).name.lower().endswith(tab.COMPRESSION):
        raise tab.DataError(
            f"cannot write compressed output {path}; name it .csv, .tsv or .parquet"
        )
    try:
        return tab.name_format(path)
    except tab.DataError:
        raise tab.DataError(
            f"cannot tell the format of output {path} from its extension; name it .csv, .tsv "
            "or .parquet (output is not compressed)"
        ) from None


def _refuse_special(path: str | os.PathLike[str]) -> None:
    what = special_file(path)
    if what is not None:
        raise tab.DataError(
            f"{path} is {what}, not a file: the output is written to a temporary file "
            "beside it and renamed into place, which would replace it; name a regular file"
        )


class OutputTable:
    """CSV, TSV or Parquet by extension (no compression); float columns round-trip exactly.

    ``types`` maps columns to the Arrow types a Parquet output stores them as (the
    input's, :func:`~oneneuron.tables.stored_types`): pandas types a column chunk by
    chunk (an integer column is ``float64`` in a chunk with a missing value), and a
    Parquet file has one schema. A later chunk of another type is cast to the first
    chunk's where no value changes, else refused naming the column."""

    def __init__(
        self, path: str | os.PathLike[str], *, force: bool, types: dict[str, Any] | None = None
    ) -> None:
        self.path = _through_links(Path(path))
        _refuse_unwritable(Path(path))
        _refuse_special(path)
        self.fmt = output_format(path)
        self.force = force
        if self.path.exists() and not force:
            raise FileExistsError(f"{path} already exists")
        self.tmp = _temp_path(self.path)
        self._fh: Any = None
        self._writer: Any = None
        self._rows = 0
        self._types = dict(types or {})

    def __enter__(self) -> OutputTable:
        try:  # created here, not in __init__: only a block that was entered removes it
            self._fh = os.fdopen(_create(self.tmp), "w", encoding="utf-8", newline="")
        except BaseException as exc:
            _discard(self.tmp, exc)
            raise
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
            table = _cast(table, self._types)
            if self._writer is None:
                self._fh.close()
                self._writer = pq.ParquetWriter(self.tmp, table.schema)
                self._types = {f.name: f.type for f in table.schema}
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
        if self._fh is not None and not self._fh.closed:
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
            _discard(self.tmp)


def _cast(table: Any, types: dict[str, Any]) -> Any:
    """``table`` with its columns cast to ``types`` where they differ (no value may change:
    a float that is no integer is never cut to one); a :class:`DataError` names a column
    that cannot be cast."""
    import pyarrow as pa

    for i, name in enumerate(table.column_names):
        want = types.get(name)
        have = table.schema.field(i).type
        if want is None or have == want:
            continue
        try:
            column = table.column(i).cast(want)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError) as exc:
            raise tab.DataError(
                f"column {name!r} holds {have} values where the output's earlier rows hold "
                f"{want} ({str(exc).splitlines()[0]}); give it one type in every file"
            ) from None
        table = table.set_column(i, pa.field(name, want), column)
    return table


def atomic_write_text(path: Path, text: str, *, overwrite: bool) -> None:
    """Write ``text`` to a temporary file beside ``path``, then move it into place.

    Without ``overwrite`` an existing ``path`` is left untouched and
    :class:`FileExistsError` is raised (the final step is a hard link, which
    fails rather than replaces, so there is no window for a race). A folder, and a
    path (or a symbolic link to one) in a folder that does not exist, raise
    :class:`~oneneuron.tables.DataError` naming ``path``, as :class:`OutputTable` does,
    before anything is written (they raised an OS error that named the hidden
    temporary file).
    """
    _refuse_special(path)
    _refuse_unwritable(Path(path))
    if not overwrite and path.exists():
        raise FileExistsError(f"{path} already exists")
    path = _through_links(Path(path))
    tmp = _temp_path(path)
    try:
        with _naming(path), os.fdopen(_create(tmp), "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        with _naming(path):
            publish(tmp, path, overwrite=overwrite)
    except BaseException as exc:
        _discard(tmp, exc)
        raise


def _refuse_unwritable(path: Path) -> None:
    """A folder, or a path whose folder (through symbolic links) does not exist."""
    target = _through_links(path)
    if target.is_dir():
        raise tab.DataError(f"output {path} is a folder")
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        link = f" (a symbolic link to {target})" if target != path else ""
        raise tab.DataError(f"cannot write {path}{link}: folder {folder} does not exist")


def check_out_folder(out: Path) -> None:
    """Refuse, with :class:`FileExistsError`, an output folder ``out`` that is a file or
    a symbolic link to nothing (``mkdir`` said only '[Errno 17] File exists');
    a missing folder is fine (it is made).

    Examples
    --------
    >>> from oneneuron.tables import check_out_folder
    >>> import tempfile
    >>> from pathlib import Path
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     check_out_folder(Path(tmp, "new"))  # made later: fine
    ...     Path(tmp, "link").symlink_to(Path(tmp, "gone"))
    ...     try:
    ...         check_out_folder(Path(tmp, "link"))
    ...     except FileExistsError as exc:
    ...         print(str(exc).endswith("gone, which does not exist"))
    True
    """
    if out.is_symlink() and not out.exists():
        raise FileExistsError(
            f"{out} is a symbolic link to {os.readlink(out)}, which does not exist"
        )
    if out.exists() and not out.is_dir():
        raise FileExistsError(f"{out} exists and is not a folder")


def check_own_file(path: Path, marker: str, writer: str) -> None:
    """Refuse, with :class:`FileExistsError`, to replace ``path`` unless it is absent or
    a regular file that starts with ``marker`` (one that ``writer`` wrote).

    Only the marker's length is read: a folder, a device or pipe (also through a
    symbolic link: one to ``/dev/zero`` was read whole, until memory ran out) and a
    link to nothing are refused by what they are, without reading them.
    """
    if not path.is_symlink() and not path.exists():
        return
    if not path.is_file():
        what = (
            "a folder"
            if path.is_dir()
            else special_file(path) or f"a symbolic link to {os.readlink(path)}, which is missing"
        )
        raise FileExistsError(f"{path} is {what}, not a page {writer} wrote; not overwriting it")
    expected = marker.encode("utf-8")
    with open(path, "rb") as fh:
        head = fh.read(len(expected))
    if head != expected:
        raise FileExistsError(f"{path} exists and was not written by {writer}; not overwriting it")


def _through_links(path: Path) -> Path:
    """The file a symbolic link points to (through every link), where ``path`` is one:
    the new file replaces that file and the user's link stays; other paths as given."""
    return Path(os.path.realpath(path)) if path.is_symlink() else path


def _temp_path(path: Path) -> Path:
    """A fresh hidden name beside ``path`` (same folder, so the final rename is atomic)."""
    folder = path.parent if str(path.parent) else Path(".")
    return folder / f".{path.name}.{secrets.token_hex(8)}.tmp"


def _create(tmp: Path) -> int:
    """Create ``tmp`` (never an existing file: ``O_EXCL``), private until published."""
    return os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o600)


def _discard(tmp: Path, exc: BaseException | None = None) -> None:
    """Remove our temporary file, if it was made (a name clash in :func:`_create` means
    the file there is someone else's)."""
    if isinstance(exc, FileExistsError) and exc.filename == str(tmp):
        return
    with contextlib.suppress(FileNotFoundError):
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
    _refuse_special(path)  # a pipe or device made while the output was written
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
