"""Spark behind the store: a session from a URL, appends, Parquet read in place, and writes that undo themselves.

A Spark store is a folder: the tables as Parquet under `warehouse/` and their catalogue (an embedded Derby
metastore) under `metastore/`, so `spark://local[2]?warehouse=/data/store` opens the same store in every
process. Spark has no transactions. Every write socialstat makes is an append of new files (or a table made),
so `transaction` takes the list of the warehouse's files first and, when the block fails, removes the files and
tables that were added since: the store is as it was. Readers during the write may see it half done; one writer
at a time (docs/backends.md).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import ibis
import pyarrow as pa

from socialstat.errors import ConfigurationError, StoreError


def open_spark(url: str, settings: dict[str, str]) -> Any:
    """An Ibis Spark backend. `spark://local[2]` starts a local session with two cores, `spark://host:7077` joins
    a standalone cluster; both need `warehouse=FOLDER`, a local folder (a shared disk for a cluster), which holds
    the tables and their embedded Derby metastore (one process at a time). `spark://session` uses the session
    already active in this process, with the caller's own warehouse and metastore (HDFS, object storage, a Hive
    metastore). Settings: warehouse, driver_memory, shuffle_partitions, app_name."""
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise ConfigurationError("the spark backend needs pyspark: pip install 'socialstat[spark]'") from None
    master = url.split("://", 1)[1].split("?", 1)[0]
    if master == "session":
        session = SparkSession.getActiveSession()
        if session is None:
            raise StoreError("spark://session: no Spark session is active in this process")
    else:
        if "warehouse" not in settings:
            raise ConfigurationError("a Spark store needs its folder, e.g. spark://local[2]?warehouse=/data/store")
        folder = os.path.abspath(settings["warehouse"])
        os.makedirs(folder, exist_ok=True)
        metastore = f"jdbc:derby:;databaseName={os.path.join(folder, 'metastore')};create=true"
        builder = (
            SparkSession.builder.master(master if master.startswith("local") else f"spark://{master}")
            .appName(settings.get("app_name", "socialstat"))
            .config("spark.sql.warehouse.dir", os.path.join(folder, "warehouse"))
            .config("spark.hadoop.javax.jdo.option.ConnectionURL", metastore)
            .config("spark.driver.extraJavaOptions", f"-Dderby.system.home={folder}")
            .config("spark.driver.memory", settings.get("driver_memory", "4g"))
            .config("spark.sql.shuffle.partitions", settings.get("shuffle_partitions", "8"))
            .config("spark.sql.execution.arrow.pyspark.enabled", "true")
            .config("spark.sql.session.timeZone", "UTC")
            .config("spark.ui.enabled", "false")
            .enableHiveSupport()
        )
        try:
            session = builder.getOrCreate()
        except Exception as exc:  # py4j raises when Java cannot start
            raise StoreError(f"cannot start Spark ({master}): {type(exc).__name__}: {exc}") from None
        session.sparkContext.setLogLevel("ERROR")
        running = str(session.conf.get("spark.sql.warehouse.dir")).removeprefix("file:")
        if os.path.normpath(running) != os.path.join(folder, "warehouse"):  # getOrCreate gave an older session
            raise StoreError(f"this process already has a Spark session for the store in {running}; one per process")
    backend = ibis.pyspark.connect(session)
    ibis.options.pyspark.treat_nan_as_null = True  # Spark turns NULL into NaN when it reads in-memory frames
    return backend


def append_arrow(backend: Any, name: str, data: pa.Table) -> None:
    """Append an Arrow table (Spark writes new files and commits them whole, or none)."""
    session = backend._session
    rows = data.select(backend.table(name).columns)
    try:
        frame = session.createDataFrame(rows)  # pyspark 4 takes Arrow as it is
    except TypeError:  # pyspark 3.5 takes pandas, with strings as Python objects
        frame = session.createDataFrame(rows.to_pandas(types_mapper={pa.string(): object}.get))
    frame.write.insertInto(name)


def read_parquet(backend: Any, files: list[str]) -> ibis.Table:
    """Parquet files read where they lie, with a 0-based `file_row_number` (Spark's row index within each
    file; exact for one file, as with DuckDB)."""
    from pyspark.sql import functions

    frame = backend._session.read.option("recursiveFileLookup", "true").parquet(*files)  # no partition columns
    frame = frame.select("*", functions.col("_metadata.row_index").alias("file_row_number"))
    view = f"_parquet_{uuid.uuid4().hex}"
    frame.createOrReplaceTempView(view)
    return backend.table(view)


def replace_rows(backend: Any, name: str, rows: ibis.Table) -> None:
    """Make `rows` the table's whole content. The rows go to a scratch table first (Spark cannot overwrite a table
    it is reading), and inside a transaction the table's files are kept aside first, so that a failure puts them
    back."""
    session = backend._session
    with transaction(backend):  # joins the caller's block, or makes one: an overwrite is never without a copy
        scratch = f"_rows_{uuid.uuid4().hex}"
        backend.create_table(scratch, rows)
        try:
            _ACTIVE[id(session)].keep(name)
            backend.create_table(name, backend.table(scratch), overwrite=True)
        finally:
            backend.drop_table(scratch, force=True)


def delete_where(backend: Any, name: str, column: str, value: str) -> int:
    """Delete the rows whose `column` is `value` by writing the table again without them (Spark tables have no
    DELETE); the rows deleted."""
    table = backend.table(name)
    hit = int(table.filter(table[column] == value).count().execute())
    if hit:
        replace_rows(backend, name, table.filter(table[column].isnull() | (table[column] != value)))
    return hit


_ACTIVE: dict[int, _Undo] = {}


class _Undo:
    """What a failed block must take back: tables made, files added, tables overwritten (kept aside first)."""

    def __init__(self, session: Any) -> None:
        self.session = session
        self.jvm = session._jvm
        self.root = self._path(session.conf.get("spark.sql.warehouse.dir"))
        self.fs = self.root.getFileSystem(session._jsc.hadoopConfiguration())
        self.tables = set(self._tables())
        self.files = self._files()
        self.aside = self._path(f"{self.root.getParent().toString()}/undo-{uuid.uuid4().hex}")
        self.kept: dict[str, tuple[str, str]] = {}  # table -> (location, its CREATE TABLE)

    def _path(self, text: str) -> Any:
        return self.jvm.org.apache.hadoop.fs.Path(text)

    def _tables(self) -> list[str]:
        return [r.tableName for r in self.session.sql("SHOW TABLES").collect() if not r.isTemporary]

    def _files(self) -> set[str]:
        """Every file under the warehouse (through Hadoop's file system: a local folder, HDFS, object storage)."""
        found: set[str] = set()
        if self.fs.exists(self.root):
            listing = self.fs.listFiles(self.root, True)
            while listing.hasNext():
                found.add(listing.next().getPath().toString())
        return found

    def _location(self, name: str) -> str:
        rows = self.session.sql(f"DESCRIBE TABLE EXTENDED `{name}`").collect()
        return str(next(r.data_type for r in rows if r.col_name == "Location"))

    def keep(self, name: str) -> None:
        """Copy a table's files and definition aside before it is overwritten (once per table and block)."""
        if name in self.kept or name not in self.tables:
            return
        source = self._location(name)
        ddl = str(self.session.sql(f"SHOW CREATE TABLE `{name}`").collect()[0][0])
        self.kept[name] = (source, ddl)
        self._copy_children(self._path(source), self._path(f"{self.aside.toString()}/{name}"))

    def _copy_children(self, source: Any, target: Any) -> None:
        util = self.jvm.org.apache.hadoop.fs.FileUtil
        conf = self.session._jsc.hadoopConfiguration()
        self.fs.mkdirs(target)
        for status in self.fs.listStatus(source):
            util.copy(
                self.fs,
                status.getPath(),
                self.fs,
                self._path(f"{target.toString()}/{status.getPath().getName()}"),
                False,
                conf,
            )

    def undo(self) -> None:
        """Remove what the block added and put back what it overwrote (its definition too, if it was dropped)."""
        for name in set(self._tables()) - self.tables:
            self.session.sql(f"DROP TABLE IF EXISTS `{name}`")
        present = set(self._tables())
        for name, (location, ddl) in self.kept.items():
            self.fs.delete(self._path(location), True)
            if name not in present:  # an overwrite drops the table and makes it anew: it may have failed between
                self.session.sql(ddl)
            self._copy_children(self._path(f"{self.aside.toString()}/{name}"), self._path(location))
        kept = tuple(location.rstrip("/") + "/" for location, _ in self.kept.values())
        for path in self._files() - self.files:
            if not path.startswith(kept):
                self.fs.delete(self._path(path), False)
        for name in self.tables:
            self.session.sql(f"REFRESH TABLE `{name}`")

    def close(self) -> None:
        self.fs.delete(self.aside, True)


@contextmanager
def transaction(backend: Any) -> Iterator[None]:
    """Undo the block's writes when it fails (one block at a time; a block inside another joins it). If the undo
    itself fails, the copies it needed stay, and the error names their folder."""
    session = backend._session
    if id(session) in _ACTIVE:
        yield
        return
    undo = _ACTIVE[id(session)] = _Undo(session)
    try:
        try:
            yield
        except BaseException:
            try:
                undo.undo()
            except Exception as failed:
                raise StoreError(
                    f"a failed write could not be undone ({type(failed).__name__}); the tables it overwrote are kept "
                    f"in {undo.aside.toString()}"
                ) from failed
            undo.close()
            raise
        undo.close()
    finally:
        del _ACTIVE[id(session)]
