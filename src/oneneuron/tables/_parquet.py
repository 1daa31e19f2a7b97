"""The Parquet files of a dataset: one file, a glob, a list, or a folder (searched
recursively, hive-partitioned ``key=value`` folders giving columns), found as
``dask.dataframe.read_parquet`` finds them. The Dask engine fits on them and the
command line predicts and evaluates them (``predict MODEL folder/``), in the order
:func:`parquet_files` gives: sorted by path.
"""

from __future__ import annotations

import glob
import os
from pathlib import Path
from typing import Any


class ParquetPart:
    """One Parquet file of a dataset: its columns (with a hive folder's ``key=value``
    partition keys) and its Arrow schema."""

    def __init__(self, path: Any, names: list[str], schema: Any) -> None:
        self.path, self.names, self.schema = path, names, schema

    def type_of(self, column: str) -> Any:
        """The column's Arrow type (a dictionary's values), None for a hive key."""
        import pyarrow as pa

        if column not in self.schema.names:
            return None
        t = self.schema.field(column).type
        return t.value_type if pa.types.is_dictionary(t) else t


def files_by_kind(parts: list[ParquetPart], column: str, kind: Any) -> dict[str, Any]:
    """The first file (its path) that stores ``column`` as each kind of values, in the
    files' order: ``kind(arrow_type)`` names the kind (None for the column's type in a
    file, or a hive key, that does not count). More than one key: the files disagree."""
    first: dict[str, Any] = {}
    for part in parts:
        k = kind(part.type_of(column))
        if k is not None:
            first.setdefault(k, part.path)
    return first


PARQUET_SUFFIXES = (".parquet", ".parq", ".pq")  # the files Dask reads in a folder


def parquet_files(path: Any) -> list[ParquetPart]:
    """The Parquet files Dask reads for ``path`` (a folder, searched recursively as a
    hive-partitioned dataset is; a glob; or one file), footers only. Names starting
    with ``_`` or ``.`` are skipped, as Dask skips them. A file that is not Parquet is
    named."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    if isinstance(path, (list, tuple)):  # files, as read_parquet takes them
        found = [(Path(f), (Path(f).name,)) for f in path]
        lost = [str(f) for f, _ in found if not f.is_file()]
        if lost:
            raise FileNotFoundError(f"no Parquet file {lost[0]}")
        path = ", ".join(map(str, path))
    elif Path(path).is_dir():
        root = Path(path)
        found = [(f, f.relative_to(root).parts) for f in root.rglob("*")]
        found = [(f, parts) for f, parts in found if f.suffix in PARQUET_SUFFIXES]
    elif glob.has_magic(os.fspath(path)):
        found = [(Path(f), (Path(f).name,)) for f in glob.glob(os.fspath(path))]
    elif Path(path).exists():
        found = [(Path(path), (Path(path).name,))]
    else:
        raise FileNotFoundError(f"no Parquet file or folder {path}")
    out = []
    for f, parts in sorted(found):
        if any(p.startswith(("_", ".")) for p in parts) or not f.is_file():
            continue
        try:
            schema = pq.read_schema(f)
        except (pa.ArrowException, OSError) as exc:
            raise ValueError(f"{f} is not a Parquet file ({exc})") from None
        keys = [p.split("=", 1)[0] for p in parts[:-1] if "=" in p]
        out.append(ParquetPart(f, [*schema.names, *keys], schema))
    if not out:
        raise ValueError(f"{path} holds no Parquet files ({', '.join(PARQUET_SUFFIXES)})")
    return out
