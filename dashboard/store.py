"""The DuckDB store: the one place that opens the database and migrates its schema.

How several processes share one file (README "How the store is shared"):
DuckDB lets one process hold a file for writing and no one else open it meanwhile.
So no process keeps the file open: every unit of work (a page's queries, one import's
merge, one capacity change) opens a connection, does its work and closes it. A process
that finds the file locked waits with back-off (up to `timeout` seconds) instead of
failing. Imports parse and validate a file in a private in-memory database first and
hold the store's lock only for the short merge, so a nightly `python -m dashboard
ingest` and the running dashboard take turns within a second or two. Every import and
every capacity change bumps `meta.data_version`; the pages key their caches on it, so
they show the new data on the next rerun.

Inside one process DuckDB shares one database instance between connections to the
same path, so each thread gets its own connection (PLATFORM.md: a connection must not
be shared across threads).

A store that cannot be used (damaged bytes, or written by a newer release whose
schema_migrations holds a version this code does not know) raises `StoreUnusable`,
whose one line names the backup to restore (README "Backups"); a store with data is
backed up (dashboard/backup.py) before pending migrations run. A write that fails
because the disk is full raises `StoreDiskFull` after the rollback: nothing changed.
"""

from __future__ import annotations

import errno
import random
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import TypeVar

import duckdb

from dashboard import config, pii

_CONFIG = {
    # The wheel ships only core, json, parquet and icu; fetching others fails here.
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
}

# Each migration runs once, in order, in one transaction; never edit a released one.
MIGRATIONS: list[tuple[int, str]] = [
    (
        1,
        """
        CREATE TABLE meta (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL);
        INSERT INTO meta VALUES ('data_version', '0'), ('demo', 'false');

        CREATE SEQUENCE import_seq START 1;
        CREATE TABLE imports (
            import_id      INTEGER PRIMARY KEY,
            file_name      VARCHAR NOT NULL,
            content_hash   VARCHAR,
            kind           VARCHAR NOT NULL,      -- requests | appointments
            rows_read      BIGINT NOT NULL,
            inserted       BIGINT NOT NULL,
            updated        BIGINT NOT NULL,
            unchanged      BIGINT NOT NULL,
            quarantined    BIGINT NOT NULL,
            orphans        BIGINT NOT NULL DEFAULT 0,
            warnings       BIGINT NOT NULL DEFAULT 0,
            imported_by    VARCHAR NOT NULL,
            started_at     TIMESTAMPTZ NOT NULL,
            finished_at    TIMESTAMPTZ NOT NULL
        );

        -- Office-local wall-clock timestamps (config.office_tz()); dates derived once.
        CREATE TABLE requests (
            request_id     VARCHAR NOT NULL,
            received_at    TIMESTAMP NOT NULL,
            received_date  DATE NOT NULL,
            channel        VARCHAR NOT NULL,      -- whatsapp | walk_in | online | app
            service        VARCHAR NOT NULL,      -- ktp_el by default
            kecamatan      VARCHAR,               -- trimmed, as written
            kecamatan_key  VARCHAR,               -- lower(trim), for filters and grouping
            phone_hash     VARCHAR,               -- keyed HMAC-SHA256, never the number
            phone_masked   VARCHAR,               -- 0812****789
            nik_hash       VARCHAR,               -- keyed HMAC-SHA256, never the NIK
            cancelled_at   TIMESTAMP,
            cancelled_date DATE,
            row_hash       VARCHAR NOT NULL,      -- of the loaded values: unchanged vs updated
            import_id      INTEGER NOT NULL,
            source_row     BIGINT
        );

        CREATE TABLE appointments (
            appointment_id   VARCHAR NOT NULL,
            request_id       VARCHAR NOT NULL,
            queue_number     INTEGER,
            scheduled_date   DATE NOT NULL,
            status           VARCHAR NOT NULL,    -- scheduled|recorded|rejected|no_show|cancelled|rescheduled
            checked_in_at    TIMESTAMP,
            temperature_c    DECIMAL(4, 1),
            mask             BOOLEAN,
            handwash         BOOLEAN,
            rejection_reason VARCHAR,             -- fever|no_mask|no_handwash|symptoms|other
            recorded_at      TIMESTAMP,
            visit_date       DATE NOT NULL,       -- CONTRACT 3: checked_in, else recorded, else scheduled
            recorded_date    DATE NOT NULL,       -- CONTRACT 3: recorded_at, else visit_date
            row_hash         VARCHAR NOT NULL,
            import_id        INTEGER NOT NULL,
            source_row       BIGINT
        );

        CREATE TABLE quarantine (
            import_id      INTEGER NOT NULL,
            file_name      VARCHAR NOT NULL,
            kind           VARCHAR NOT NULL,
            row_number     BIGINT NOT NULL,       -- spreadsheet row: the header is row 1
            column_name    VARCHAR,
            reason         VARCHAR NOT NULL,
            raw            VARCHAR NOT NULL,      -- the row as read, JSON; NIK/phone masked
            quarantined_at TIMESTAMPTZ NOT NULL
        );

        -- Data-quality warnings found across rows (loaded, but worth a look).
        CREATE TABLE import_warnings (
            import_id   INTEGER NOT NULL,
            kind        VARCHAR NOT NULL,         -- e.g. recorded_before_received, orphan
            record_id   VARCHAR NOT NULL,
            detail      VARCHAR NOT NULL
        );

        CREATE SEQUENCE capacity_seq START 1;
        -- Default and weekday rules, effective from a date on (so past days keep the
        -- cap that was in force then). weekday: ISO 1 = Monday .. 7 = Sunday.
        CREATE TABLE capacity_rules (
            rule_id        INTEGER PRIMARY KEY,
            scope          VARCHAR NOT NULL,      -- default | weekday
            weekday        SMALLINT,
            cap            INTEGER NOT NULL,
            effective_from DATE NOT NULL,
            reason         VARCHAR NOT NULL,
            created_by     VARCHAR NOT NULL,
            created_at     TIMESTAMPTZ NOT NULL
        );
        CREATE TABLE capacity_overrides (
            override_id    INTEGER PRIMARY KEY,
            date_from      DATE NOT NULL,
            date_to        DATE NOT NULL,
            cap            INTEGER NOT NULL,
            reason         VARCHAR NOT NULL,
            created_by     VARCHAR NOT NULL,
            created_at     TIMESTAMPTZ NOT NULL
        );
        -- Append-only: nothing in the code updates or deletes these rows.
        CREATE TABLE capacity_audit (
            audit_id     INTEGER PRIMARY KEY,
            changed_at   TIMESTAMPTZ NOT NULL,    -- stored as an instant; shown in UTC
            changed_by   VARCHAR NOT NULL,
            scope        VARCHAR NOT NULL,        -- default | weekday:monday | date:2020-06-10 | range:a..b
            old_value    VARCHAR,
            new_value    VARCHAR NOT NULL,
            reason       VARCHAR NOT NULL
        );
        CREATE TABLE holidays (day DATE PRIMARY KEY, name VARCHAR NOT NULL);

        CREATE SEQUENCE export_seq START 1;
        CREATE TABLE export_audit (
            export_id    INTEGER PRIMARY KEY,
            exported_at  TIMESTAMPTZ NOT NULL,
            username     VARCHAR NOT NULL,
            role         VARCHAR NOT NULL,
            what         VARCHAR NOT NULL,
            filters      VARCHAR NOT NULL,        -- JSON
            file_format  VARCHAR NOT NULL,
            row_count    BIGINT NOT NULL
        );
        """,
    ),
]


# CONTRACT 3: a request is closed at the earliest of the recorded_date of any of its
# recorded appointments and date(cancelled_at); a close dated before the request was
# received (bad data) counts from the received date. Kept in `request_closures` (one row
# per closed request) so the backlog (every page, `export daily`) needs no join over all
# appointments. A separate table, not a column of `requests`: DuckDB inserts rows far
# faster than it updates them, and an appointments import touches most requests.
# `{touched}` is a table of request_ids, from the allow-list below.
_REFRESH_CLOSED_DATE = """
DELETE FROM request_closures WHERE request_id IN (SELECT request_id FROM {touched});
INSERT INTO request_closures
SELECT q.request_id, greatest(q.received_date, least(rec.first_recorded, q.cancelled_date))
FROM requests AS q
LEFT JOIN (
    SELECT request_id, min(recorded_date) AS first_recorded FROM appointments
    WHERE status = 'recorded' AND request_id IN (SELECT request_id FROM {touched})
    GROUP BY request_id
) AS rec ON rec.request_id = q.request_id
WHERE q.request_id IN (SELECT request_id FROM {touched})
  AND (rec.first_recorded IS NOT NULL OR q.cancelled_date IS NOT NULL);
"""
_TOUCHED_SOURCES = {"all": "requests", "touched": "touched_requests"}


def refresh_closed_dates(con: duckdb.DuckDBPyConnection, source: str = "touched") -> None:
    """Recompute `request_closures` for every request ("all") or for the request_ids in
    the temp table `touched_requests` ("touched"); call inside the writing transaction."""
    con.execute(_REFRESH_CLOSED_DATE.format(touched=_TOUCHED_SOURCES[source]))


MIGRATIONS.append(
    (
        2,
        "CREATE TABLE request_closures (request_id VARCHAR NOT NULL, closed_date DATE NOT NULL);\n"
        + _REFRESH_CLOSED_DATE.format(touched=_TOUCHED_SOURCES["all"]),
    )
)


# Cheaper to write (bench/RESULTS.md). No stored row fingerprint: an import compares a
# re-sent row with the stored one column by column (exact, and only for IDs the store
# has), so the fingerprint's cost at every import and its dependence on DuckDB's hash()
# go. NIK/phone hashes cut to 128 bits (pii.HASH_HEX_CHARS; a prefix, so hashes written
# before still match new ones). Columns of random or unique text are stored
# uncompressed: compression gains little on them and trying it cost 0.35 s per 1M
# requests. DuckDB cannot change a column's compression in place, so the two tables are
# rebuilt (the same columns in the same order, less row_hash).
MIGRATIONS.append(
    (
        3,
        """
        CREATE TABLE requests_v3 (
            request_id     VARCHAR NOT NULL USING COMPRESSION uncompressed,
            received_at    TIMESTAMP NOT NULL,
            received_date  DATE NOT NULL,
            channel        VARCHAR NOT NULL,
            service        VARCHAR NOT NULL,
            kecamatan      VARCHAR,
            kecamatan_key  VARCHAR,
            phone_hash     VARCHAR USING COMPRESSION uncompressed,   -- keyed HMAC-SHA256, 128 bits
            phone_masked   VARCHAR USING COMPRESSION uncompressed,   -- 0812****789
            nik_hash       VARCHAR USING COMPRESSION uncompressed,   -- keyed HMAC-SHA256, 128 bits
            cancelled_at   TIMESTAMP,
            cancelled_date DATE,
            import_id      INTEGER NOT NULL,
            source_row     BIGINT
        );
        INSERT INTO requests_v3
        SELECT * EXCLUDE (row_hash)
                 REPLACE (left(phone_hash, 32) AS phone_hash, left(nik_hash, 32) AS nik_hash)
        FROM requests;
        DROP TABLE requests;
        ALTER TABLE requests_v3 RENAME TO requests;

        CREATE TABLE appointments_v3 (
            appointment_id   VARCHAR NOT NULL USING COMPRESSION uncompressed,
            request_id       VARCHAR NOT NULL USING COMPRESSION uncompressed,
            queue_number     INTEGER,
            scheduled_date   DATE NOT NULL,
            status           VARCHAR NOT NULL,
            checked_in_at    TIMESTAMP,
            temperature_c    DECIMAL(4, 1),
            mask             BOOLEAN,
            handwash         BOOLEAN,
            rejection_reason VARCHAR,
            recorded_at      TIMESTAMP,
            visit_date       DATE NOT NULL,
            recorded_date    DATE NOT NULL,
            import_id        INTEGER NOT NULL,
            source_row       BIGINT
        );
        INSERT INTO appointments_v3
        SELECT * EXCLUDE (row_hash) FROM appointments;
        DROP TABLE appointments;
        ALTER TABLE appointments_v3 RENAME TO appointments;
        """,
    )
)

# The ledger names the columns each import did not use (CONTRACT 1.4: "ignored: ..."),
# header names as written with digit runs masked; their cells are never stored. Rows
# quarantined by earlier releases kept every cell with only the NIK/phone columns
# masked: every run of 8+ digits in them is masked now (pii.mask_digits), as new ones are.
MIGRATIONS.append(
    (
        4,
        "ALTER TABLE imports ADD COLUMN ignored VARCHAR[];\n"
        f"UPDATE quarantine SET raw = {pii.mask_digits_sql('raw')}, "  # pii's SQL, no values
        f"reason = {pii.mask_digits_sql('reason')} "
        f"WHERE regexp_matches(raw, '{pii.LONG_RUN_PATTERN}') "
        f"OR regexp_matches(reason, '{pii.LONG_RUN_PATTERN}');",
    )
)

# Office settings and targets (issue 11; dashboard/settings.py, dashboard/targets.py): one
# JSON value per key that was ever set (an unset key has its default in the code), and one
# append-only audit log for both (setting `office.<field>` or `target.<key>`).
MIGRATIONS.append(
    (
        5,
        """
        CREATE TABLE office_settings (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL);
        CREATE TABLE targets (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL);
        CREATE SEQUENCE settings_seq START 1;
        -- Append-only: nothing in the code updates or deletes these rows.
        CREATE TABLE settings_audit (
            audit_id     INTEGER PRIMARY KEY,
            changed_at   TIMESTAMPTZ NOT NULL,    -- stored as an instant; shown in UTC
            changed_by   VARCHAR NOT NULL,
            setting      VARCHAR NOT NULL,        -- office.name | target.no_show_max | ...
            old_value    VARCHAR,
            new_value    VARCHAR NOT NULL,
            reason       VARCHAR NOT NULL
        );
        """,
    )
)


# WhatsApp proposals staff unticked as "not a request" (issue 12, dashboard/whatsapp_import.py):
# only the proposal's ID (a keyed hash of the sender and the message time: no number, no
# name, no text), so the next export that holds the same message does not propose it again
# and the command line does not save it.
MIGRATIONS.append(
    (
        6,
        """
        CREATE TABLE whatsapp_dismissed (
            request_id   VARCHAR PRIMARY KEY,
            dismissed_by VARCHAR NOT NULL,
            dismissed_at TIMESTAMPTZ NOT NULL
        );
        """,
    )
)


class StoreBusy(RuntimeError):
    """The store stayed locked by another process for longer than we wait."""


class StoreUnusable(RuntimeError):
    """The store cannot be opened: `kind` is "damaged" or "newer"; `backup` is the newest
    backup this release can restore (None if there is none). The text is one line."""

    def __init__(
        self, kind: str, path: Path, backup: Path | None, version: int = 0, known: int = 0
    ) -> None:
        self.kind, self.path, self.backup = kind, path, backup
        self.version, self.known = version, known
        if kind == "newer":
            what = (
                f"the store {path} was written by a newer release of the dashboard (schema "
                f"version {version}; this release knows up to {known})"
            )
            fix = "run that release, or restore the newest backup made by this one"
        else:
            what = f"the store {path} cannot be read (it is damaged or not a DuckDB file)"
            fix = "restore the newest backup"
        if backup is not None:
            fix += f": python -m dashboard restore {backup}"
        else:
            fix += f" (none in {path.parent / 'backups'}: restore one you keep elsewhere)"
        super().__init__(f"{what}; {fix}")


class StoreDiskFull(RuntimeError):
    """A write failed because the disk is full; it was rolled back, nothing changed."""


T = TypeVar("T")
_BUSY_ERRORS = (duckdb.IOException, duckdb.ConnectionException, duckdb.ResourceInUseException)


def _is_lock_error(exc: Exception) -> bool:
    """Another process holds the file, or (same process) an import has it attached."""
    text = str(exc).lower()
    return ("lock" in text and ("conflicting" in text or "could not set" in text)) or (
        "unique file handle conflict" in text
    )


def _retry_while_busy(open_once: Callable[[], T], target: Path, timeout: float) -> T:
    """Call `open_once()` until the file is free, with back-off; StoreBusy after `timeout`."""
    deadline = time.monotonic() + timeout
    delay = 0.05
    while True:
        try:
            return open_once()
        except _BUSY_ERRORS as exc:
            if not _is_lock_error(exc) or time.monotonic() >= deadline:
                if _is_lock_error(exc):
                    raise StoreBusy(
                        f"the store {target} is busy (another program is using it); "
                        "try again in a minute"
                    ) from exc
                raise
            time.sleep(delay + random.random() * delay)
            delay = min(delay * 2, 1.0)


def _is_disk_full(exc: BaseException) -> bool:
    """DuckDB's or the OS's report of ENOSPC (while writing, or at COMMIT)."""
    if isinstance(exc, OSError) and exc.errno == errno.ENOSPC:
        return True
    return isinstance(exc, duckdb.Error) and "no space left on device" in str(exc).lower()


def _unusable(kind: str, target: Path, version: int = 0) -> StoreUnusable:
    from dashboard import backup  # backup uses this module: imported when needed

    known = max(v for v, _ in MIGRATIONS)
    newest = backup.newest(target.parent, max_schema=known)
    return StoreUnusable(kind, target, newest, version, known)


def _open_once(target: Path, read_only: bool) -> duckdb.DuckDBPyConnection:
    """duckdb.connect, with a damaged file told apart from a busy one."""
    try:
        return duckdb.connect(str(target), read_only=read_only, config=dict(_CONFIG))
    except _BUSY_ERRORS as exc:
        text = str(exc).lower()
        # Busy, a full disk, a folder we may not read: not the file's fault.
        if _is_lock_error(exc) or _is_disk_full(exc) or "permission denied" in text:
            raise
        raise _unusable("damaged", target) from exc
    except (duckdb.SerializationException, duckdb.InternalException) as exc:
        raise _unusable("damaged", target) from exc


def _check_not_newer(con: duckdb.DuckDBPyConnection, target: Path) -> set[int]:
    """The applied migrations; StoreUnusable if any is one this release does not know."""
    try:
        done = {row[0] for row in con.execute("SELECT version FROM schema_migrations").fetchall()}
    except duckdb.CatalogException:
        return set()  # a new, empty store
    except duckdb.Error as exc:
        raise _unusable("damaged", target) from exc
    known = {version for version, _ in MIGRATIONS}
    unknown = done - known
    if unknown:
        raise _unusable("newer", target, max(unknown))
    return done


def _has_data(con: duckdb.DuckDBPyConnection) -> bool:
    row = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE database_name = current_database() "
        "AND table_name NOT IN ('schema_migrations', 'meta', 'holidays') AND estimated_size > 0"
    ).fetchall()
    return bool(row[0][0])


_migrated: set[tuple[str, int]] = set()
_checked: set[tuple[str, int]] = set()
_migrate_lock = threading.Lock()


def _migrate(con: duckdb.DuckDBPyConnection, target: Path | None = None) -> None:
    target = target if target is not None else config.db_path()
    done = _check_not_newer(con, target)
    pending = [version for version, _ in MIGRATIONS if version not in done]
    if done and pending and _has_data(con):
        # A migration rewrites tables: keep a copy to go back to if it goes wrong.
        from dashboard import backup

        backup.create(
            target=target,
            con=con,
            label=f"before-migration-{pending[0]}",
            folder=target.parent / "backups",
        )
    con.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations "
        "(version INTEGER PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL)"
    )
    for version, sql in MIGRATIONS:
        if version in done:
            continue
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute(sql)
            con.execute("INSERT INTO schema_migrations VALUES (?, now())", [version])
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise


def open_connection(
    path: Path | str | None = None, *, read_only: bool = False, timeout: float = 60.0
) -> duckdb.DuckDBPyConnection:
    """Open the store, waiting while another process holds its lock; migrate on write.

    Prefer `connect()`, which also closes. Raises StoreBusy after `timeout` seconds.
    """
    target = Path(path) if path is not None else config.db_path()
    target.parent.mkdir(parents=True, exist_ok=True)
    if read_only and not target.exists():
        # A read-only open cannot create the file; create and migrate it once.
        open_connection(target, timeout=timeout).close()
    con = _retry_while_busy(lambda: _open_once(target, read_only), target, timeout)
    key = (str(target.resolve()), target.stat().st_ino if target.exists() else 0)
    try:
        if not read_only and key not in _migrated:
            with _migrate_lock:
                if key not in _migrated:
                    _migrate(con, target)
                    _migrated.add(key)
        elif read_only and key not in _checked and key not in _migrated:
            _check_not_newer(con, target)
            _checked.add(key)
    except BaseException:
        con.close()
        raise
    return con


@contextmanager
def connect(
    path: Path | str | None = None, *, read_only: bool = False, timeout: float = 60.0
) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection for one unit of work, closed at the end so others can take the lock."""
    con = open_connection(path, read_only=read_only, timeout=timeout)
    try:
        yield con
    finally:
        con.close()


def _is_migrated(target: Path) -> bool:
    """Whether `open_connection` has migrated this file (same path and inode) here."""
    try:
        return (str(target.resolve()), target.stat().st_ino) in _migrated
    except OSError:
        return False


@contextmanager
def attached(
    con: duckdb.DuckDBPyConnection, path: Path | str | None = None, *, timeout: float = 60.0
) -> Iterator[duckdb.DuckDBPyConnection]:
    """The store ATTACHed to `con` (an import's private in-memory database) and made the
    default catalog, for one unit of work; detached at the end so others can take it.

    The import's staged rows then go into the store table to table, with no copy through
    Python. The lock is the same as `connect()`'s: waited for, and held only inside.
    """
    target = Path(path) if path is not None else config.db_path()
    # Create and migrate first, unless this process already did for this very file.
    if not _is_migrated(target):
        open_connection(target, timeout=timeout).close()
    _retry_while_busy(
        lambda: con.execute("ATTACH $path AS store", {"path": str(target)}), target, timeout
    )
    try:
        con.execute("USE store")
        yield con
    finally:
        con.execute("USE memory")
        con.execute("DETACH store")


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """BEGIN ... COMMIT, or ROLLBACK on any exception: nothing is half-written.

    A full disk (while writing or at COMMIT) becomes StoreDiskFull, one line.
    """
    con.execute("BEGIN TRANSACTION")
    try:
        yield con
        con.execute("COMMIT")
    except BaseException as exc:
        # After a failed COMMIT DuckDB has already rolled back: a second one may refuse.
        with suppress(duckdb.Error):
            con.execute("ROLLBACK")
        if isinstance(exc, Exception) and _is_disk_full(exc):
            raise StoreDiskFull(
                "the disk is full, so nothing was changed: free some space on the disk of "
                f"{config.home()} and try again"
            ) from exc
        raise


def retry_conflicts(con: duckdb.DuckDBPyConnection, work: Callable[[], T], attempts: int = 20) -> T:
    """Run `work` in one transaction. Two writers touching the same rows
    (`meta.data_version` at least) make DuckDB raise a transaction conflict in one of
    them; that one rolls back and tries again with back-off, so both changes are kept."""
    delay = 0.01
    for attempt in range(attempts):
        try:
            with transaction(con):
                return work()
        except duckdb.TransactionException:
            if attempt == attempts - 1:
                raise
            time.sleep(delay + random.random() * delay)
            delay = min(delay * 2, 0.5)
    raise AssertionError("unreachable")


def bump_data_version(con: duckdb.DuckDBPyConnection, by: int = 1) -> int:
    """Mark that data changed (imports, capacity): page caches key on this number.
    `by`: several changes at once (a batch of imports counts one each)."""
    row = con.execute(
        "UPDATE meta SET value = CAST(CAST(value AS BIGINT) + $by AS VARCHAR) "
        "WHERE key = 'data_version' RETURNING CAST(value AS BIGINT)",
        {"by": int(by)},
    ).fetchone()
    return int(row[0]) if row else 0


def data_version(con: duckdb.DuckDBPyConnection) -> int:
    row = con.execute("SELECT value FROM meta WHERE key = 'data_version'").fetchone()
    return int(row[0]) if row else 0


def get_meta(con: duckdb.DuckDBPyConnection, key: str, default: str | None = None) -> str | None:
    row = con.execute("SELECT value FROM meta WHERE key = ?", [key]).fetchone()
    return row[0] if row else default


def set_meta(con: duckdb.DuckDBPyConnection, key: str, value: str) -> None:
    con.execute(
        "INSERT INTO meta VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        [key, value],
    )


def is_demo(con: duckdb.DuckDBPyConnection) -> bool:
    return get_meta(con, "demo", "false") == "true"
