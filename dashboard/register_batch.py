"""Registers (CONTRACT 1.5) imported as a batch: every sheet through one staging database,
one store attach and one transaction, with each sheet's accounting kept apart.

A 12-sheet register is 24 imports (each sheet's requests, then its appointments). Run one
by one (`ingest._run`), each paid a private database, a validation query, a store attach
and a transaction before its first row: ~0.15 s each, more than the rows cost
(bench/RESULTS.md, "Register workbook import"). Here the requests of all sheets are
validated in one pass and the appointments in another, with the sheet in the row key
(`rid` = sheet << 32 | row number), and merged in one transaction.

What stays as it was, sheet by sheet and part by part (`ImportResult`s in the same order,
one `imports` ledger row each, import IDs taken in the same order):

- rows read = inserted + updated + unchanged + quarantined, counted per part;
- `duplicate in file` only within a sheet; the same ID in two sheets is what it was when
  the sheets were imported one after the other: the later sheet's row is compared with
  the earlier sheet's (unchanged, or an update) and the last one written wins;
- orphans and warnings of a part see what the store held at that point of the one-by-one
  order: the requests of this and the earlier sheets, the appointments of the earlier;
- quarantine rows carry the part's name (`book.xlsx [Juni] (requests)`) and row numbers;
- a dry run compares each part with the store as it is (as before, where each part's
  preview was rolled back on its own) and writes nothing.

What changed: a failure while writing (a full disk) now rolls back the whole batch, not
only the part it happened in; before, the earlier parts stayed (requests could stay
without their appointments until the register was imported again).
"""

from __future__ import annotations

import contextlib
import gc
import json
import shutil
import tempfile
import threading
import time as time_module
import uuid
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import duckdb

from dashboard import config, ingest, register, roles, store

#: row key of a staged row: the sheet's index (from 1) above the sheet row number
_SHEET_SHIFT = 32


@dataclass
class Part:
    """One import of the batch: one sheet's requests or appointments."""

    sheet: int  # index in the batch, from 1 (0 stands for the store as it was)
    kind: str
    label: str  # `book.xlsx [Juni] (requests)`: the ledger's and quarantine's file name
    table: register.Table
    ignored: list[str]
    skipped: str


#: A table's rows as `_stage` hands them to DuckDB: (the table, its row count when made,
#: the sheet row numbers, one object array a column); see `prepare`.
Prepared = tuple[register.Table, int, Any, list[Any]]


def _arrays(table: register.Table, width: int) -> tuple[Any, list[Any]]:
    """The row numbers and the columns of a table's rows, as NumPy arrays."""
    import numpy as np

    rows = table.rows
    columns = list(zip(*(cells for _n, cells in rows), strict=True)) or [()] * width
    return (
        np.array([n for n, _cells in rows], dtype=np.int64),
        [np.array(column, dtype=object) for column in columns],
    )


def prepare(reg: register.Register) -> dict[int, Prepared]:
    """A register's tables as the arrays `_stage` needs, made now (while a workbook's
    next sheets are read and the parent waits on the reader) rather than when the batch
    is checked; pass them to `import_registers` (`prepared`), keyed by `id(table)`."""
    out: dict[int, Prepared] = {}
    for kind, table in (("requests", reg.requests), ("appointments", reg.appointments)):
        numbers, columns = _arrays(table, len(register._columns(kind)))
        out[id(table)] = (table, len(table.rows), numbers, columns)
    return out


def parts_of(reg: register.Register, label: str, sheet: int) -> list[Part]:
    """A register's parts: its requests, then its appointments if it has the column."""
    kinds = ["requests", "appointments"] if reg.has_appointments else ["requests"]
    return [
        Part(
            sheet,
            kind,
            f"{label} ({kind})",
            reg.requests if kind == "requests" else reg.appointments,
            list(reg.ignored),
            reg.skipped_text(),
        )
        for kind in kinds
    ]


def import_registers(
    registers: Sequence[tuple[str, register.Register]],
    actor: roles.Actor,
    progress: ingest.Progress | None,
    dry_run: bool,
    *,
    content_hash: str | None,
    prepared: dict[int, Prepared] | None = None,
) -> list[ingest.ImportResult]:
    """Import `(label, register)` pairs (sheets in workbook order) as one batch; the
    results are those of importing each sheet's two parts one after the other.
    `prepared`: `prepare`'s arrays of (some of) the registers, made ahead."""
    roles.require(actor, "import")
    started_at = datetime.now(UTC)
    clock = time_module.perf_counter()
    report = progress or (lambda _f, _m: None)
    parts = [p for s, (label, reg) in enumerate(registers, 1) for p in parts_of(reg, label, s)]
    if not parts:
        return []
    tmp_root = config.home() / "tmp"
    tmp_root.mkdir(parents=True, exist_ok=True)
    ingest.sweep_stale(tmp_root)
    tmp = Path(tempfile.mkdtemp(prefix=f"ingest-{uuid.uuid4().hex[:8]}-", dir=tmp_root))
    priv = ingest._private_connection(tmp)
    # One DuckDB thread a query: at 50,000 rows the second thread's coordination cost
    # more CPU than it saved (~0.13 s of 1.8 s); the two kinds run side by side instead.
    priv.execute("SET threads = 1")
    try:
        report(0.35, "checking every row")
        kinds = [k for k in ingest.KINDS if any(p.kind == k for p in parts)]
        # The two kinds are checked at the same time, each on a connection of its own to
        # the private database: a query over 50,000 rows uses one of DuckDB's threads.
        cursors = [priv.cursor() for _ in kinds]
        try:
            with ThreadPoolExecutor(max_workers=len(kinds)) as pool:
                futures = {
                    kind: pool.submit(
                        _stage, cursor, kind, [p for p in parts if p.kind == kind], prepared or {}
                    )
                    for kind, cursor in zip(kinds, cursors, strict=True)
                }
                staged = {kind: future.result() for kind, future in futures.items()}
        finally:
            for cursor in cursors:
                cursor.close()
        report(0.7, "comparing with the store" if dry_run else "saving to the store")
        results = _merge(priv, parts, staged, actor, started_at, content_hash, dry_run)
    finally:
        priv.close()
        shutil.rmtree(tmp, ignore_errors=True)
    seconds = time_module.perf_counter() - clock
    for result in results:
        result.seconds = seconds / len(results)  # one batch: its time shared out
        report(1.0, result.summary_line())
    return results


def open_store_meanwhile() -> threading.Thread:
    """Open the store (create and migrate it if need be) in a thread, while a workbook is
    read: the merge's `store.attached` then skips what this process already did. Join
    the thread before the merge. A failure here is left for the attach to report."""

    def run() -> None:
        with contextlib.suppress(Exception):  # the attach meets it again and says so
            store.open_connection().close()

    thread = threading.Thread(target=run, name="open-store", daemon=True)
    thread.start()
    return thread


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """Python's cycle collector off while a workbook is read and staged: the millions of
    cells it allocates (none in a cycle) made it run over and over, ~0.4 s of 2.5 s."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


# ---------------------------------------------------------------------------- staging


def _stage(
    priv: duckdb.DuckDBPyConnection,
    kind: str,
    parts: list[Part],
    prepared: dict[int, Prepared],
) -> dict[int, int]:
    """Validate the parts of one kind into `parsed_<kind>` and `quar_<kind>` (with the
    sheet); as `ingest._stage`, with duplicates looked for within each sheet only.
    Returns rows read per sheet. `priv`: a connection of its own (its temp tables `src`
    and `dup_rows` are its own), to the private database."""
    import numpy as np

    priv.execute("SET TimeZone = 'UTC'")  # a session setting: as ingest._private_connection
    header = list(register._columns(kind))
    kind, mapping = ingest._map_header(header, kind)
    width = len(header)
    # NumPy arrays, which DuckDB scans in place: Python lists bound as parameters cost
    # 0.3 s here, and Arrow arrays built from Python (pa.array, pa.table) import pandas
    # (0.3-0.7 s), more than these rows cost. Made ahead by `prepare` when they were
    # (and the table has not grown since), else now.
    arrays = []
    for part in parts:
        made = prepared.get(id(part.table))
        if made is None or made[0] is not part.table or made[1] != len(part.table.rows):
            made = (part.table, len(part.table.rows), *_arrays(part.table, width))
        arrays.append(made)
    frame = {f"c{i}": np.concatenate([a[3][i] for a in arrays]) for i in range(width)}
    frame["row_no"] = np.concatenate([a[2] for a in arrays])
    frame["rid"] = np.concatenate(
        [
            (np.int64(part.sheet) << _SHEET_SHIFT) | a[2]
            for part, a in zip(parts, arrays, strict=True)
        ]
    )
    del arrays
    priv.register("cells_in", frame)
    cells = ", ".join(f"CAST(c{i} AS VARCHAR) AS c{i}" for i in range(width))
    priv.execute(f"CREATE TEMP TABLE src AS SELECT row_no, rid, {cells} FROM cells_in")  # noqa: S608 - c0..cN
    priv.unregister("cells_in")
    del frame
    sql, raw_json, params = ingest._validation_sql(kind, mapping, header)
    parsed, quar, idc = f"parsed_{kind}", f"quar_{kind}", ingest.ID_COLUMN[kind]
    priv.execute(
        f"CREATE TABLE {parsed} AS SELECT *, rid >> {_SHEET_SHIFT} AS sheet FROM ({sql})",  # noqa: S608 - see ingest._validation_sql; kind allow-listed
        params,
    )
    priv.execute(
        f"CREATE TABLE {quar} (sheet BIGINT, row_number BIGINT, column_name VARCHAR, "  # noqa: S608 - kind allow-listed
        "reason VARCHAR, raw VARCHAR)"
    )
    priv.execute(
        f"INSERT INTO {quar} SELECT sheet, source_row, split_part(errs, ':', 1), errs, raw "  # noqa: S608
        f"FROM {parsed} WHERE NOT ok"
    )
    # The same ID twice in one sheet: the later row wins (ingest._stage's rule, per sheet).
    priv.execute(
        f"CREATE TEMP TABLE dup_rows AS SELECT p.rid, d.kept_row "  # noqa: S608 - idc allow-listed
        f"FROM {parsed} p JOIN (SELECT sheet, {idc}, max(source_row) AS kept_row "
        f"FROM {parsed} WHERE ok GROUP BY sheet, {idc} HAVING count(*) > 1) d "
        f"ON p.{idc} = d.{idc} AND p.sheet = d.sheet WHERE p.ok AND p.source_row <> d.kept_row"
    )
    priv.execute(
        f"INSERT INTO {quar} SELECT src.rid >> {_SHEET_SHIFT}, src.row_no, $idc, "  # noqa: S608 - raw_json is ingest's SQL over c0..cN
        "'duplicate in file: the same ' || $idc || ' appears again in row ' || "
        f"CAST(d.kept_row AS VARCHAR) || ', which was kept', {raw_json} "
        "FROM src JOIN dup_rows d ON d.rid = src.rid",
        {k: v for k, v in params.items() if k.startswith("h")} | {"idc": idc},
    )
    read = dict(
        priv.execute(f"SELECT sheet, count(*) FROM {parsed} GROUP BY sheet").fetchall()  # noqa: S608
    )
    if priv.execute("SELECT count(*) FROM dup_rows").fetchall()[0][0]:
        priv.execute(f"DELETE FROM {parsed} WHERE rid IN (SELECT rid FROM dup_rows)")  # noqa: S608
    rejected = [(p.sheet, r) for p in parts for r in p.table.rejected]
    if rejected:  # what register.read could not turn into rows (no ID, unknown word)
        priv.execute(
            f"INSERT INTO {quar} SELECT unnest($sheets), unnest($rows), unnest($columns), "  # noqa: S608
            "unnest($reasons), unnest($raws)",
            {
                "sheets": [s for s, _r in rejected],
                "rows": [r[0] for _s, r in rejected],
                "columns": [
                    c if (c := r[2].split(":", 1)[0]) in ingest._CONTRACT_COLUMNS else None
                    for _s, r in rejected
                ],
                "reasons": [r[2] for _s, r in rejected],
                "raws": [
                    json.dumps(ingest._masked_fields(header, mapping, r[1])) for _s, r in rejected
                ],
            },
        )
    priv.execute("DROP TABLE src")
    priv.execute("DROP TABLE dup_rows")
    return {p.sheet: int(read.get(p.sheet, 0)) + len(p.table.rejected) for p in parts}


# ---------------------------------------------------------------------------- merging


def _merge(
    priv: duckdb.DuckDBPyConnection,
    parts: list[Part],
    read: dict[str, dict[int, int]],
    actor: roles.Actor,
    started_at: datetime,
    content_hash: str | None,
    dry_run: bool,
) -> list[ingest.ImportResult]:
    """One transaction: every part's rows, quarantine, findings and ledger row."""
    kinds = [k for k in ingest.KINDS if k in read]
    for kind in kinds:
        cols = [c for c in ingest._STORE_COLUMNS[kind] if c != "import_id"]
        priv.execute(
            f"CREATE TEMP VIEW stage_{kind} AS SELECT sheet, rid, {', '.join(cols)} "  # noqa: S608 - names from _STORE_COLUMNS
            f"FROM memory.main.parsed_{kind} WHERE ok"
        )
        priv.execute(f"CREATE TEMP VIEW quar_in_{kind} AS SELECT * FROM memory.main.quar_{kind}")  # noqa: S608
    previews = _previews(priv, kinds) if dry_run else {}
    if not dry_run:
        # The commit checkpoints (a threshold below any import's log): DuckDB then writes
        # the rows once, to the database file, instead of to the log at COMMIT and again
        # at the checkpoint of DETACH. Still on disk when the commit returns.
        priv.execute("SET checkpoint_threshold = '1B'")
    results: dict[tuple[int, str], ingest.ImportResult] = {}
    with store.attached(priv) as con:
        with contextlib.suppress(ingest._Preview), store.transaction(con):
            # One ID a part, in part order (as one import after the other would take them).
            ids = sorted(
                int(r[0])
                for r in con.execute(
                    "SELECT nextval('import_seq') FROM range($n)", {"n": len(parts)}
                ).fetchall()
            )
            con.execute(
                "CREATE TEMP TABLE parts AS SELECT unnest($sheet) AS sheet, unnest($kind) AS kind, "
                "unnest($id) AS import_id, unnest($label) AS file_name",
                {
                    "sheet": [p.sheet for p in parts],
                    "kind": [p.kind for p in parts],
                    "id": ids,
                    "label": [p.label for p in parts],
                },
            )
            counts = {kind: _classify(con, kind, dry_run) for kind in kinds}
            findings = _findings(con, kinds, dry_run)
            for kind in kinds:
                _write(con, kind, dry_run)
            con.execute("CREATE TEMP TABLE touched_requests AS " + _touched(kinds))  # noqa: S608 - fixed text
            store.refresh_closed_dates(con, "touched")
            con.execute("DROP TABLE touched_requests")
            for part, import_id in zip(parts, ids, strict=True):
                inserted, updated, unchanged, quarantined = counts[part.kind].get(
                    part.sheet, (0, 0, 0, 0)
                )
                orphans, warnings = findings.get((part.sheet, part.kind), (0, 0))
                result = ingest.ImportResult(
                    import_id=import_id,
                    file_name=part.label,
                    kind=part.kind,
                    rows_read=read[part.kind][part.sheet],
                    inserted=inserted,
                    updated=updated,
                    unchanged=unchanged,
                    quarantined=quarantined,
                    orphans=orphans,
                    warnings=warnings,
                    ignored=part.ignored,
                    dry_run=dry_run,
                    skipped=part.skipped,
                    preview_quarantine=previews.get((part.sheet, part.kind), ([], None))[0],
                    preview_dates=previews.get((part.sheet, part.kind), ([], None))[1],
                )
                results[part.sheet, part.kind] = result
            _ledger(con, ids, list(results.values()), actor, started_at, content_hash)
            store.bump_data_version(con, by=len(parts))  # one a part, as one by one
            if dry_run:
                raise ingest._Preview
    return [results[p.sheet, p.kind] for p in parts]


def _previews(
    priv: duckdb.DuckDBPyConnection, kinds: list[str]
) -> dict[tuple[int, str], tuple[list[dict[str, Any]], tuple[date, date] | None]]:
    """Dry runs: each part's first five quarantined rows and its first and last date."""
    out: dict[tuple[int, str], tuple[list[dict[str, Any]], tuple[date, date] | None]] = {}
    for kind in kinds:
        first: dict[int, list[dict[str, Any]]] = {}
        for sheet, n, c, r in priv.execute(
            f"SELECT sheet, row_number, column_name, reason FROM quar_in_{kind} "  # noqa: S608
            "QUALIFY row_number() OVER (PARTITION BY sheet ORDER BY row_number NULLS LAST) <= 5 "
            "ORDER BY sheet, row_number NULLS LAST"
        ).fetchall():
            first.setdefault(int(sheet), []).append({"row_number": n, "column": c, "reason": r})
        day = "received_date" if kind == "requests" else "scheduled_date"
        dates = {
            int(sheet): (lo, hi)
            for sheet, lo, hi in priv.execute(
                f"SELECT sheet, min({day}), max({day}) FROM stage_{kind} GROUP BY sheet"  # noqa: S608 - fixed names
            ).fetchall()
        }
        for sheet in set(first) | set(dates):
            out[sheet, kind] = (first.get(sheet, []), dates.get(sheet))
    return out


def _classify(con: duckdb.DuckDBPyConnection, kind: str, dry_run: bool) -> dict[int, tuple]:
    """`cls_<kind>`: each staged row new, the same as before, or changed, and per sheet
    (inserted, updated, unchanged, quarantined).

    "Before" is what the store held when the part would have been imported on its own:
    the latest row with this ID of an earlier sheet, else the store's (sheet 0). A dry
    run previews each part against the store alone, as one-by-one previews did."""
    idc = ingest.ID_COLUMN[kind]
    values = ingest._value_columns(kind)
    listed = ", ".join(values)
    # Versions: the store's rows of the IDs staged (sheet 0), and the staged rows of IDs
    # in more than one sheet (the only ones an earlier sheet can precede).
    earlier = (
        ""
        if dry_run
        else f" UNION ALL SELECT sheet, {listed} FROM stage_{kind} WHERE {idc} IN "  # noqa: S608 - names allow-listed
        f"(SELECT {idc} FROM stage_{kind} GROUP BY {idc} HAVING count(*) > 1)"
    )
    con.execute(
        f"CREATE TEMP TABLE versions_{kind} AS SELECT 0 AS sheet, {listed} FROM {kind} "  # noqa: S608 - names allow-listed
        f"WHERE {idc} IN (SELECT {idc} FROM stage_{kind}){earlier}"
    )
    same = " AND ".join(f"s.{c} IS NOT DISTINCT FROM v.{c}" for c in values)
    if con.execute(f"SELECT count(*) FROM versions_{kind}").fetchall()[0][0]:  # noqa: S608
        con.execute(
            f"CREATE TEMP TABLE cls_{kind} AS SELECT s.sheet, s.rid, s.{idc} AS id, "  # noqa: S608
            f"CASE WHEN v.{idc} IS NULL THEN 'new' WHEN {same} THEN 'same' ELSE 'changed' END "
            f"AS state FROM stage_{kind} s ASOF LEFT JOIN versions_{kind} v "
            f"ON s.{idc} = v.{idc} AND s.sheet > v.sheet"
        )
    else:  # no earlier version of any ID (a new register, an empty store): all new
        con.execute(
            f"CREATE TEMP TABLE cls_{kind} AS SELECT sheet, rid, {idc} AS id, "  # noqa: S608
            f"'new' AS state FROM stage_{kind}"
        )
    counts = {
        int(sheet): [int(i), int(u), int(c), 0]
        for sheet, i, u, c in con.execute(
            "SELECT sheet, count(*) FILTER (state = 'new'), count(*) FILTER (state = 'changed'), "  # noqa: S608
            f"count(*) FILTER (state = 'same') FROM cls_{kind} GROUP BY sheet"
        ).fetchall()
    }
    for sheet, quarantined in con.execute(
        f"SELECT sheet, count(*) FROM quar_in_{kind} GROUP BY sheet"  # noqa: S608
    ).fetchall():
        counts.setdefault(int(sheet), [0, 0, 0, 0])[3] = int(quarantined)
    return {sheet: tuple(c) for sheet, c in counts.items()}


def _write(con: duckdb.DuckDBPyConnection, kind: str, dry_run: bool) -> None:
    """Replace the changed rows and add the new ones, each ID's last written version
    (its latest row that was not `same`), with the import ID of its part."""
    idc = ingest.ID_COLUMN[kind]
    cols = ingest._STORE_COLUMNS[kind]
    con.execute(
        f"DELETE FROM {kind} WHERE {idc} IN (SELECT id FROM cls_{kind} WHERE state = 'changed')"  # noqa: S608 - allow-listed
    )
    select = ", ".join("p.import_id" if c == "import_id" else f"s.{c}" for c in cols)
    # Which rows: each ID's latest row that is not `same`; in an import where no ID had
    # an earlier version (`_classify`: all new, and each ID in one sheet), every one.
    chosen = (
        f"JOIN (SELECT rid FROM cls_{kind} WHERE state <> 'same' "  # noqa: S608 - allow-listed
        "QUALIFY row_number() OVER (PARTITION BY id ORDER BY sheet DESC) = 1) w USING (rid) "
        if dry_run or con.execute(f"SELECT count(*) FROM versions_{kind}").fetchall()[0][0]  # noqa: S608
        else ""
    )
    # In file order (ingest._merge: rows written out of order cost DuckDB more).
    con.execute(
        f"INSERT INTO {kind} ({', '.join(cols)}) SELECT {select} FROM stage_{kind} s "  # noqa: S608
        f"{chosen}JOIN parts p ON p.sheet = s.sheet AND p.kind = $kind ORDER BY s.rid",
        {"kind": kind},
    )
    con.execute(
        "INSERT INTO quarantine SELECT p.import_id, p.file_name, $kind, q.row_number, "  # noqa: S608
        f"q.column_name, q.reason, q.raw, now() FROM quar_in_{kind} q "
        "JOIN parts p ON p.sheet = q.sheet AND p.kind = $kind ORDER BY q.sheet",
        {"kind": kind},
    )


def _touched(kinds: list[str]) -> str:
    """The requests whose closed date may change (ingest._merge's, for every part): those
    written now, and those of a `recorded` appointment written now or replaced."""
    parts = []
    if "requests" in kinds:
        parts.append("SELECT id AS request_id FROM cls_requests WHERE state <> 'same'")
    if "appointments" in kinds:
        parts.append(
            "SELECT s.request_id FROM stage_appointments s JOIN cls_appointments c USING (rid) "
            "WHERE c.state <> 'same' AND s.status = 'recorded' "
            "UNION SELECT v.request_id FROM versions_appointments v "
            "JOIN cls_appointments c ON c.id = v.appointment_id "
            "WHERE c.state = 'changed' AND v.status = 'recorded'"
        )
    return " UNION ".join(parts)


def _findings(
    con: duckdb.DuckDBPyConnection, kinds: list[str], dry_run: bool
) -> dict[tuple[int, str], tuple[int, int]]:
    """Orphans and warnings per part (`ingest._import_findings`), written to
    `import_warnings`, as the store would have shown them at that part's turn: for the
    appointments of sheet k, each request's latest version among the store's and (real
    imports) those of sheets 1..k; for the requests of sheet k, each appointment's latest
    version among the store's and (real imports) those of sheets before k."""
    req_versions = "SELECT 0 AS sheet, request_id, received_at FROM requests"
    if "appointments" in kinds:  # the store's requests the staged appointments name
        req_versions += " WHERE request_id IN (SELECT request_id FROM stage_appointments)"
    if "requests" in kinds and not dry_run:
        req_versions += " UNION ALL SELECT sheet, request_id, received_at FROM stage_requests"
    app_versions = (
        "SELECT 0 AS sheet, appointment_id, request_id, recorded_at, checked_in_at "
        "FROM appointments WHERE request_id IN (SELECT request_id FROM stage_requests)"
        if "requests" in kinds
        else "SELECT 0 AS sheet, appointment_id, request_id, recorded_at, checked_in_at "
        "FROM appointments"
    )
    if "appointments" in kinds and not dry_run:
        app_versions += (
            " UNION ALL SELECT sheet, appointment_id, request_id, recorded_at, checked_in_at "
            "FROM stage_appointments"
        )
    found: list[str] = []
    orphans: dict[int, int] = {}
    if "appointments" in kinds:
        # One version of each request (a real import of new IDs: `_classify` found no
        # earlier one): a plain join finds what the ASOF join would, more cheaply.
        join = (
            "LEFT JOIN"
            if "requests" in kinds
            and not dry_run
            and not con.execute("SELECT count(*) FROM versions_requests").fetchall()[0][0]
            else "ASOF LEFT JOIN"
        )
        con.execute(
            "CREATE TEMP TABLE findings AS SELECT a.sheet, 'appointments' AS part, "  # noqa: S608 - fixed SQL
            "a.appointment_id, a.request_id, a.recorded_at, a.checked_in_at, r.received_at "
            f"FROM stage_appointments a {join} ({req_versions}) r "
            "ON a.request_id = r.request_id AND a.sheet >= r.sheet "
            "WHERE r.received_at IS NULL OR a.recorded_at < r.received_at "
            "OR a.checked_in_at < r.received_at"
        )
        orphans = {
            int(s): int(n)
            for s, n in con.execute(
                "SELECT sheet, count(*) FROM findings WHERE received_at IS NULL GROUP BY sheet"
            ).fetchall()
        }
        found.append(ingest._warnings_from("findings", keep="sheet, part, "))
    if "requests" in kinds:
        # The appointments that named a request of sheet k at some version before k,
        # then the version of each that the store held at sheet k's turn.
        con.execute(
            "CREATE TEMP TABLE app_versions AS " + app_versions  # noqa: S608 - fixed SQL
        )
        con.execute(
            "CREATE TEMP TABLE req_findings AS WITH seen AS (SELECT DISTINCT r.sheet, "  # noqa: S608 - fixed SQL
            "a.appointment_id FROM stage_requests r JOIN app_versions a "
            "ON a.request_id = r.request_id AND a.sheet < r.sheet) "
            "SELECT r.sheet, 'requests' AS part, v.appointment_id, v.request_id, "
            "v.recorded_at, v.checked_in_at, r.received_at "
            "FROM seen ASOF JOIN app_versions v "
            "ON v.appointment_id = seen.appointment_id AND seen.sheet > v.sheet "
            "JOIN stage_requests r ON r.sheet = seen.sheet AND r.request_id = v.request_id"
        )
        found.append(ingest._warnings_from("req_findings", keep="sheet, part, "))
    con.execute(
        "INSERT INTO import_warnings SELECT p.import_id, w.kind, w.appointment_id, "  # noqa: S608 - fixed SQL
        "'appointment ' || w.appointment_id || ' of request ' || w.request_id || ': ' || "
        "replace(w.kind, '_', ' ') || ' (' || strftime(w.happened_at, '%Y-%m-%d %H:%M') || "
        "' < ' || strftime(w.received_at, '%Y-%m-%d %H:%M') || ')' "
        f"FROM ({' UNION ALL '.join(found)}) w JOIN parts p ON p.sheet = w.sheet "
        "AND p.kind = w.part ORDER BY p.import_id"
    )
    out: dict[tuple[int, str], tuple[int, int]] = {
        (int(s), k): (0, int(n))
        for s, k, n in con.execute(
            "SELECT p.sheet, p.kind, count(*) FROM import_warnings w JOIN parts p "
            "USING (import_id) GROUP BY ALL"
        ).fetchall()
    }
    for sheet, n in orphans.items():
        out[sheet, "appointments"] = (n, out.get((sheet, "appointments"), (0, 0))[1])
    for table in ("findings", "req_findings", "app_versions"):
        con.execute(f"DROP TABLE IF EXISTS {table}")  # noqa: S608 - fixed names
    return out


def _ledger(
    con: duckdb.DuckDBPyConnection,
    ids: list[int],
    results: list[ingest.ImportResult],
    actor: roles.Actor,
    started_at: datetime,
    content_hash: str | None,
) -> None:
    """One `imports` row a part, in one statement."""
    by_id = {r.import_id: r for r in results}
    rows = [by_id[i] for i in ids]
    con.execute(
        "INSERT INTO imports (import_id, file_name, content_hash, kind, rows_read, inserted, "
        "updated, unchanged, quarantined, orphans, warnings, imported_by, started_at, "
        "finished_at, ignored) SELECT unnest($id), unnest($file), $hash, unnest($kind), "
        "unnest($read), unnest($ins), unnest($upd), unnest($unch), unnest($quar), "
        "unnest($orph), unnest($warn), $by, $started, now(), unnest($ignored)",
        {
            "id": ids,
            "file": [r.file_name for r in rows],
            "hash": content_hash,
            "kind": [r.kind for r in rows],
            "read": [r.rows_read for r in rows],
            "ins": [r.inserted for r in rows],
            "upd": [r.updated for r in rows],
            "unch": [r.unchanged for r in rows],
            "quar": [r.quarantined for r in rows],
            "orph": [r.orphans for r in rows],
            "warn": [r.warnings for r in rows],
            "by": actor.username,
            "started": started_at,
            "ignored": [r.ignored for r in rows],
        },
    )
