"""Register sheets imported as one batch (dashboard/register_batch.py), sheet by sheet in
what it reports.

Two kinds of check. Numbers counted by hand from a two-sheet register whose sheets share
IDs (the same request again, changed, or first valid in the later sheet). And the batch
against the one-by-one import it replaced (each sheet's requests, then its appointments,
each its own `_run`, as ingest.py did before): the same results, ledger, quarantine,
warnings and stored rows, for imports and for dry runs.
"""

from __future__ import annotations

import hashlib
import shutil
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import pytest

from dashboard import ingest, register, store
from dashboard.roles import Actor
from tests.test_register import JUNI_ROWS, build_workbook

openpyxl = pytest.importorskip("openpyxl")

ADMIN = Actor.cli("tester")
D = datetime
HEADER = ["No. Register", "Tanggal Daftar", "Via", "Kecamatan", "Tanggal Rekam", "Jam Selesai"]
HEADER += ["Keterangan"]
# Jan: R1 recorded; R2 without a date (no appointment); R3's request refused (channel
# `fax`) while its appointment is valid: an orphan until Feb brings R3's request.
JAN = [
    ["R1", D(2020, 1, 2, 8), "WA", "Juai", D(2020, 1, 6), "09:00", "sudah rekam"],
    ["R2", D(2020, 1, 3, 8), "WA", "Juai", None, None, None],
    ["R3", D(2020, 1, 3, 9), "fax", "Juai", D(2020, 1, 7), "09:00", "sudah rekam"],
]
# Feb: R1 again as it was; R2 came another way; R3 valid now, received after it was
# recorded (a warning); R4 new.
FEB = [
    ["R1", D(2020, 1, 2, 8), "WA", "Juai", D(2020, 1, 6), "09:00", "sudah rekam"],
    ["R2", D(2020, 1, 3, 8), "Datang langsung", "Juai", None, None, None],
    ["R3", D(2020, 1, 8, 10), "WA", "Juai", D(2020, 1, 7), "09:00", "sudah rekam"],
    ["R4", D(2020, 2, 3, 8), "WA", "Halong", D(2020, 2, 5), None, "tidak datang"],
]


def two_sheets(path: Path) -> Path:
    book = openpyxl.Workbook()
    for index, (title, rows) in enumerate((("Jan", JAN), ("Feb", FEB))):
        sheet = book.active if index == 0 else book.create_sheet()
        sheet.title = title
        sheet.append(HEADER)
        for row in rows:
            sheet.append(row)
    book.save(path)
    return path


def numbers(result: Any) -> tuple:
    return (
        result.file_name,
        result.rows_read,
        result.inserted,
        result.updated,
        result.unchanged,
        result.quarantined,
        result.orphans,
        result.warnings,
    )


# (part, read, inserted, updated, unchanged, quarantined, orphans, warnings), by hand:
# Jan requests: 3 read, R3 quarantined (fax), R1 and R2 in.
# Jan appointments: R1-A and R3-A in; R3-A's request is not in the store: 1 orphan.
# Feb requests: R1 unchanged, R2 updated (channel), R3 and R4 in; the stored R3-A was
#   recorded on 7 Jan 09:00, before R3 came in (8 Jan 10:00): 1 warning.
# Feb appointments: R1-A and R3-A as stored (unchanged), R4-A in; R3-A's warning again.
IMPORTED = [
    ("book.xlsx [Jan] (requests)", 3, 2, 0, 0, 1, 0, 0),
    ("book.xlsx [Jan] (appointments)", 2, 2, 0, 0, 0, 1, 0),
    ("book.xlsx [Feb] (requests)", 4, 2, 1, 1, 0, 0, 1),
    ("book.xlsx [Feb] (appointments)", 3, 1, 0, 2, 0, 0, 1),
]
# A dry run on an empty store: each part against the store as it is (empty), as the
# one-by-one previews were: every valid row new, every appointment an orphan.
PREVIEWED = [
    ("book.xlsx [Jan] (requests)", 3, 2, 0, 0, 1, 0, 0),
    ("book.xlsx [Jan] (appointments)", 2, 2, 0, 0, 0, 2, 0),
    ("book.xlsx [Feb] (requests)", 4, 4, 0, 0, 0, 0, 0),
    ("book.xlsx [Feb] (appointments)", 3, 3, 0, 0, 0, 3, 0),
]


def test_sheets_sharing_ids_counted_by_hand(home: Path, tmp_path: Path) -> None:
    book = two_sheets(tmp_path / "book.xlsx")
    results = ingest.ingest_path(book, actor=ADMIN)
    assert [numbers(r) for r in results] == IMPORTED
    assert [r.import_id for r in results] == [1, 2, 3, 4]
    with store.connect(read_only=True) as con:
        ledger = con.execute(
            "SELECT import_id, file_name, kind, rows_read, inserted, updated, unchanged, "
            "quarantined, orphans, warnings FROM imports ORDER BY import_id"
        ).fetchall()
        requests = con.execute(
            "SELECT request_id, channel, import_id, CAST(received_at AS VARCHAR) "
            "FROM requests ORDER BY request_id"
        ).fetchall()
        appointments = con.execute(
            "SELECT appointment_id, status, import_id FROM appointments ORDER BY 1"
        ).fetchall()
        quarantine = con.execute(
            "SELECT import_id, file_name, kind, row_number, column_name FROM quarantine"
        ).fetchall()
        warnings = con.execute(
            "SELECT import_id, kind, record_id FROM import_warnings ORDER BY import_id"
        ).fetchall()
        closed = con.execute(
            "SELECT request_id, CAST(closed_date AS VARCHAR) FROM request_closures ORDER BY 1"
        ).fetchall()
        version = store.data_version(con)
    assert ledger == [
        (i + 1, r[0], r[0].rsplit("(", 1)[1][:-1], *r[1:]) for i, r in enumerate(IMPORTED)
    ]
    # R1 unchanged in Feb keeps Jan's import; R2 replaced by Feb's; R3 first in Feb.
    assert requests == [
        ("R1", "whatsapp", 1, "2020-01-02 08:00:00"),
        ("R2", "walk_in", 3, "2020-01-03 08:00:00"),
        ("R3", "whatsapp", 3, "2020-01-08 10:00:00"),
        ("R4", "whatsapp", 3, "2020-02-03 08:00:00"),
    ]
    assert appointments == [
        ("R1-A", "recorded", 2),
        ("R3-A", "recorded", 2),
        ("R4-A", "no_show", 4),
    ]
    assert quarantine == [(1, "book.xlsx [Jan] (requests)", "requests", 4, "channel")]
    assert warnings == [
        (3, "recorded_before_received", "R3-A"),
        (4, "recorded_before_received", "R3-A"),
    ]
    # R1 closes on its recording; R3 on the day it came in (recorded before it)
    assert closed == [("R1", "2020-01-06"), ("R3", "2020-01-08")]
    assert version == 4  # one a part, as four imports one after the other


def test_dry_run_previews_each_part_against_the_store(home: Path, tmp_path: Path) -> None:
    book = two_sheets(tmp_path / "book.xlsx")
    store.open_connection().close()
    db = home / "dashboard.duckdb"
    before = hashlib.sha256(db.read_bytes()).hexdigest()
    results = ingest.ingest_path(book, actor=ADMIN, dry_run=True)
    assert [numbers(r) for r in results] == PREVIEWED
    assert all(r.dry_run for r in results)
    assert hashlib.sha256(db.read_bytes()).hexdigest() == before
    # what the upload page shows: the first refused rows and the dates that would load
    assert results[0].preview_quarantine == [
        {
            "row_number": 4,
            "column": "channel",
            "reason": 'channel: "fax" is not a known channel (whatsapp, walk_in, online, app)',
        }
    ]
    assert results[1].preview_quarantine == []
    assert [r.preview_dates for r in results] == [
        (D(2020, 1, 2).date(), D(2020, 1, 3).date()),
        (D(2020, 1, 6).date(), D(2020, 1, 7).date()),
        (D(2020, 1, 2).date(), D(2020, 2, 3).date()),
        (D(2020, 1, 6).date(), D(2020, 2, 5).date()),
    ]


def test_a_log_sheet_between_registers_keeps_the_order(home: Path, tmp_path: Path) -> None:
    """Jan (register), a requests log, Feb (register): imports in sheet order, the
    log's rows seen by Feb as they would have been one by one."""
    path = two_sheets(tmp_path / "book.xlsx")
    book = openpyxl.load_workbook(path)
    log = book.create_sheet("Log", 1)
    log.append(["request_id", "received_at", "channel", "kecamatan"])
    log.append(["R4", "2020-02-03 08:00", "WA", "Halong"])  # Feb's R4 exactly: unchanged there
    log.append(["R9", "2020-02-04 08:00", "WA", "Juai"])
    book.save(path)
    results = ingest.ingest_path(path, actor=ADMIN)
    assert [(r.file_name, r.import_id) for r in results] == [
        ("book.xlsx [Jan] (requests)", 1),
        ("book.xlsx [Jan] (appointments)", 2),
        ("book.xlsx [Log]", 3),
        ("book.xlsx [Feb] (requests)", 4),
        ("book.xlsx [Feb] (appointments)", 5),
    ]
    assert numbers(results[2])[1:3] == (2, 2)
    # Feb requests: R1 unchanged, R2 updated, R3 new, R4 as the log stored it.
    assert numbers(results[3])[1:6] == (4, 1, 1, 2, 0)


# ---------------------------------------------------------------- against one by one


def _one_by_one(reg: register.Register, label: str, dry_run: bool) -> list[ingest.ImportResult]:
    """The register import as it was before the batch: each part its own `_run`."""
    import pyarrow as pa

    results = []
    parts = [("requests", reg.requests)]
    if reg.has_appointments:
        parts.append(("appointments", reg.appointments))
    for kind, table in parts:

        def loader(con: duckdb.DuckDBPyConnection, _tmp: Path, table: Any = table) -> Any:
            width = len(table.header)
            arrow = pa.table(
                {
                    f"c{i}": pa.array([cells[i] for _n, cells in table.rows], type=pa.string())
                    for i in range(width)
                }
                | {"row_no": pa.array([n for n, _cells in table.rows], type=pa.int64())}
            )
            con.register("arrow_in", arrow)
            cells = ", ".join(f"c{i}" for i in range(width))
            con.execute(f"CREATE TABLE src AS SELECT row_no, row_no AS rid, {cells} FROM arrow_in")  # noqa: S608 - c0..cN
            con.unregister("arrow_in")
            return ingest._Source(
                header=list(table.header),
                rows_rejected=[(n, list(c), why) for n, c, why in table.rejected],
                content_hash="h",
                ignored=list(reg.ignored),
                skipped=reg.skipped_text(),
            )

        results.append(ingest._run(loader, kind, f"{label} ({kind})", ADMIN, None, dry_run=dry_run))
    return results


def _sheets(path: Path) -> list[tuple[str, register.Register]]:
    from dashboard import workbook

    with workbook.Workbook(path) as book:
        return [
            (f"{path.name} [{s.name}]", register.read(book.rows(s.name), s.name))
            for s in book.sheets
        ]


def _state() -> dict[str, list]:
    """Everything an import writes, less its clock times."""
    with store.connect(read_only=True) as con:
        return {
            "requests": con.execute("SELECT * FROM requests ORDER BY request_id").fetchall(),
            "appointments": con.execute(
                "SELECT * FROM appointments ORDER BY appointment_id"
            ).fetchall(),
            "closures": con.execute("SELECT * FROM request_closures ORDER BY 1").fetchall(),
            "quarantine": con.execute(
                "SELECT import_id, file_name, kind, row_number, column_name, reason, raw "
                "FROM quarantine ORDER BY import_id, row_number, reason"
            ).fetchall(),
            "warnings": con.execute(
                "SELECT * FROM import_warnings ORDER BY import_id, record_id, detail"
            ).fetchall(),
            "imports": con.execute(
                "SELECT import_id, file_name, kind, rows_read, inserted, updated, unchanged, "
                "quarantined, orphans, warnings, ignored FROM imports ORDER BY import_id"
            ).fetchall(),
            "version": [store.data_version(con)],
        }


def _compare(home: Path, tmp_path: Path, books: list[Path], dry_run: bool) -> None:
    """Import `books` into this home (the batch) and into a copy of it one by one
    (the last one as a dry run if asked): the same results and the same store."""
    other = tmp_path / "other-home"
    for book in books[:-1]:
        ingest.ingest_path(book, actor=ADMIN)
    store.open_connection().close()
    shutil.copytree(home, other)
    batch = ingest.ingest_path(books[-1], actor=ADMIN, dry_run=dry_run)
    mine = _state()
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DASHBOARD_HOME", str(other))
        before = [r for label, reg in _sheets(books[-1]) for r in _one_by_one(reg, label, dry_run)]
        theirs = _state()
    key = lambda r: (*numbers(r), r.ignored, r.skipped, r.preview_quarantine, r.preview_dates)  # noqa: E731
    assert [key(r) for r in batch] == [key(r) for r in before]
    assert mine == theirs


@pytest.mark.parametrize("dry_run", [False, True])
def test_same_as_one_by_one_on_sheets_sharing_ids(
    home: Path, tmp_path: Path, dry_run: bool
) -> None:
    first = two_sheets(tmp_path / "book.xlsx")
    _compare(home, tmp_path, [first], dry_run)


@pytest.mark.parametrize("dry_run", [False, True])
def test_same_as_one_by_one_on_a_reimport_with_edits(
    home: Path, tmp_path: Path, dry_run: bool
) -> None:
    """The register of test_register.py, then an edited copy (rows changed, added,
    cancelled): updates, unchanged rows, duplicates in a sheet, refusals, orphans."""
    first = build_workbook(tmp_path / "register.xlsx")
    juni = [list(row) for row in JUNI_ROWS]
    juni[0][5] = "Awayan"
    juni[7][11] = "tidak datang"
    (tmp_path / "edited").mkdir()
    edited = build_workbook(tmp_path / "edited" / "register.xlsx", juni, juli_edit=True)
    _compare(home, tmp_path, [first, edited], dry_run)
