"""Ingest (CONTRACT 1): value forms, every quarantine rule, refused files, re-import, merge.

Each test writes a tiny log by hand, imports it into a fresh DASHBOARD_HOME and checks
the store against answers worked out by hand.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path

import pandas as pd
import pytest

from dashboard import ingest, roles, store

ADMIN = roles.Actor.cli("tester")

REQ_HEADER = "request_id,received_at,channel,service,kecamatan,phone,nik,cancelled_at"
APP_HEADER = (
    "appointment_id,request_id,queue_number,scheduled_date,status,checked_in_at,"
    "temperature_c,mask,handwash,rejection_reason,recorded_at"
)


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def rows(sql: str, params: list | None = None) -> list[tuple]:
    with store.connect() as con:
        return con.execute(sql, params or []).fetchall()


def one(sql: str, params: list | None = None):
    return rows(sql, params)[0][0]


def quarantine() -> list[tuple[int, str | None, str, dict]]:
    return [
        (r[0], r[1], r[2], json.loads(r[3]))
        for r in rows("SELECT row_number, column_name, reason, raw FROM quarantine ORDER BY 1")
    ]


def test_happy_path_requests_csv(home: Path, tmp_path: Path) -> None:
    f = write(
        tmp_path / "req.csv",
        REQ_HEADER + "\n"
        "R1,2020-06-08 08:15,wa,,Paringin ,,,\n"
        "R2,08/06/2020 08.15,Walk-in,kk,paringin,,,09/06/2020 10:00\n",
    )
    result = ingest.ingest_file(f, actor=ADMIN)
    assert (result.kind, result.rows_read, result.inserted, result.quarantined) == (
        "requests",
        2,
        2,
        0,
    )
    got = rows(
        "SELECT request_id, received_at, received_date, channel, service, kecamatan, "
        "kecamatan_key, cancelled_date, source_row FROM requests ORDER BY request_id"
    )
    assert got == [
        (
            "R1",
            datetime(2020, 6, 8, 8, 15),
            date(2020, 6, 8),
            "whatsapp",
            "ktp_el",
            "Paringin",
            "paringin",
            None,
            2,
        ),
        (
            "R2",
            datetime(2020, 6, 8, 8, 15),
            date(2020, 6, 8),
            "walk_in",
            "kk",
            "paringin",
            "paringin",
            date(2020, 6, 9),
            3,
        ),
    ]
    ledger = rows("SELECT file_name, kind, rows_read, inserted, imported_by FROM imports")
    assert ledger == [("req.csv", "requests", 2, 2, "tester")]


def test_happy_path_appointments_derived_dates(home: Path, tmp_path: Path) -> None:
    f = write(
        tmp_path / "app.csv",
        APP_HEADER + "\n"
        # checked in on the 10th, recorded after midnight: visit 10th, recorded 11th
        'A1,R1,1,10/06/2020,terekam,10/06/2020 23.50,"36,8",ya,ya,,11/06/2020 00.10\n'
        # rejected at the screen: visit = check-in date, recorded_date = visit_date
        "A2,R2,2,10/06/2020,ditolak,11/06/2020 08.00,38.5,ya,tidak,demam,\n"
        # never came: everything falls back to the scheduled date
        "A3,R3,,12/06/2020,tidak hadir,,,,,,\n",
    )
    result = ingest.ingest_file(f, actor=ADMIN)
    assert (result.kind, result.inserted, result.orphans) == ("appointments", 3, 3)
    got = rows(
        "SELECT appointment_id, status, queue_number, CAST(temperature_c AS VARCHAR), mask, "
        "handwash, rejection_reason, visit_date, recorded_date FROM appointments ORDER BY 1"
    )
    assert got == [
        ("A1", "recorded", 1, "36.8", True, True, None, date(2020, 6, 10), date(2020, 6, 11)),
        ("A2", "rejected", 2, "38.5", True, False, "fever", date(2020, 6, 11), date(2020, 6, 11)),
        ("A3", "no_show", None, None, None, None, None, date(2020, 6, 12), date(2020, 6, 12)),
    ]


def test_ingest_table_dataframe(home: Path) -> None:
    df = pd.DataFrame(
        {
            "request_id": ["R1", "R2"],
            "received_at": [pd.Timestamp("2020-06-08 08:15"), pd.Timestamp("2020-06-09 09:00")],
            "channel": ["whatsapp", "app"],
        }
    )
    result = ingest.ingest_table(df, "requests", source_name="demo", actor=ADMIN)
    assert (result.rows_read, result.inserted) == (2, 2)
    assert rows("SELECT request_id, received_at FROM requests ORDER BY 1") == [
        ("R1", datetime(2020, 6, 8, 8, 15)),
        ("R2", datetime(2020, 6, 9, 9, 0)),
    ]


def test_import_needs_permission(home: Path, tmp_path: Path) -> None:
    f = write(tmp_path / "req.csv", REQ_HEADER + "\nR1,2020-06-08,wa,,,,,\n")
    with pytest.raises(roles.PermissionDenied):
        ingest.ingest_file(f, actor=roles.Actor("head1", "head"))
    assert not (home / "dashboard.duckdb").exists() or one("SELECT count(*) FROM imports") == 0


def test_reimport_same_file_changes_nothing(home: Path, tmp_path: Path) -> None:
    f = write(
        tmp_path / "req.csv",
        REQ_HEADER + "\nR1,2020-06-08 08:15,wa,,,,,\nR2,2020-06-08 09:00,fax,,,,,\n",
    )
    first = ingest.ingest_file(f, actor=ADMIN)
    before = rows("SELECT * FROM requests ORDER BY 1")
    again = ingest.ingest_file(f, actor=ADMIN)
    assert (first.inserted, first.quarantined) == (1, 1)
    assert (again.inserted, again.updated, again.unchanged, again.quarantined) == (0, 0, 1, 1)
    assert rows("SELECT * FROM requests ORDER BY 1") == before


def test_quarantine_reason_example_from_contract(home: Path, tmp_path: Path) -> None:
    f = write(tmp_path / "req.csv", REQ_HEADER + "\nR3,31/02/2020,wa,,,,,\n")
    result = ingest.ingest_file(f, actor=ADMIN)
    assert (result.rows_read, result.inserted, result.quarantined) == (1, 0, 1)
    [(row, column, reason, raw)] = quarantine()
    assert (row, column, reason) == (2, "received_at", 'received_at: "31/02/2020" is not a date')
    assert raw["received_at"] == "31/02/2020" and raw["request_id"] == "R3"
