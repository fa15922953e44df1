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
from dashboard.ingest import IngestError

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


# ---------------------------------------------------------------- value forms (1.3)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2020-06-08 08:15", datetime(2020, 6, 8, 8, 15)),
        ("2020-06-08T08:15:00", datetime(2020, 6, 8, 8, 15)),
        ("2020-06-08 08:15:30", datetime(2020, 6, 8, 8, 15, 30)),
        ("2020-06-08", datetime(2020, 6, 8, 0, 0)),
        # offsets are converted to office time (WITA, UTC+8)
        ("2020-06-08T17:30:00Z", datetime(2020, 6, 9, 1, 30)),  # crosses midnight
        ("2020-06-08 08:15+08:00", datetime(2020, 6, 8, 8, 15)),
        ("2020-06-08T08:15:00+07:00", datetime(2020, 6, 8, 9, 15)),
        ("2020-06-08T00:15:00+0000", datetime(2020, 6, 8, 8, 15)),
        # day-first, always
        ("08/06/2020 08:15", datetime(2020, 6, 8, 8, 15)),
        ("08-06-2020 08.15", datetime(2020, 6, 8, 8, 15)),
        ("8/6/2020", datetime(2020, 6, 8, 0, 0)),
        ("08.06.2020 08.15.30", datetime(2020, 6, 8, 8, 15, 30)),
        ("05/06/2020 13:00", datetime(2020, 6, 5, 13, 0)),  # not 6 May
        ("  12/06/2020  ", datetime(2020, 6, 12, 0, 0)),
    ],
)
def test_timestamp_forms(home: Path, tmp_path: Path, text: str, expected: datetime) -> None:
    f = write(tmp_path / "req.csv", REQ_HEADER + f'\nR1,"{text}",wa,,,,,\n')
    result = ingest.ingest_file(f, actor=ADMIN)
    assert result.quarantined == 0, quarantine()
    assert rows("SELECT received_at, received_date FROM requests") == [(expected, expected.date())]


@pytest.mark.parametrize(
    "text",
    ["31/02/2020", "2020-13-01", "tomorrow", "8/6/20", "32/01/2020 08:00", "2020-06-08 25:00"],
)
def test_not_a_date_is_quarantined(home: Path, tmp_path: Path, text: str) -> None:
    f = write(tmp_path / "req.csv", REQ_HEADER + f"\nR1,{text},wa,,,,,\n")
    result = ingest.ingest_file(f, actor=ADMIN)
    assert (result.inserted, result.quarantined) == (0, 1)
    assert quarantine()[0][1:3] == ("received_at", f'received_at: "{text}" is not a date')


def test_office_time_zone_is_configurable(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DASHBOARD_TZ", "Asia/Jakarta")  # WIB, UTC+7
    f = write(tmp_path / "req.csv", REQ_HEADER + "\nR1,2020-06-08T17:30:00Z,wa,,,,,\n")
    ingest.ingest_file(f, actor=ADMIN)
    assert one("SELECT received_at FROM requests") == datetime(2020, 6, 9, 0, 30)


@pytest.mark.parametrize(
    ("alias", "channel"),
    [
        ("wa", "whatsapp"),
        ("WhatsApp", "whatsapp"),
        ("whats app", "whatsapp"),
        ("walk-in", "walk_in"),
        ("Walkin", "walk_in"),
        ("datang langsung", "walk_in"),
        ("langsung", "walk_in"),
        ("LOKET", "walk_in"),
        ("titip berkas", "walk_in"),
        ("web", "online"),
        ("website", "online"),
        ("daring", "online"),
        ("aplikasi", "app"),
        ("android", "app"),
        ("playstore", "app"),
    ],
)
def test_channel_aliases(home: Path, tmp_path: Path, alias: str, channel: str) -> None:
    f = write(tmp_path / "req.csv", REQ_HEADER + f"\nR1,2020-06-08,{alias},,,,,\n")
    ingest.ingest_file(f, actor=ADMIN)
    assert one("SELECT channel FROM requests") == channel


@pytest.mark.parametrize(
    ("alias", "status"),
    [
        ("terjadwal", "scheduled"),
        ("Terekam", "recorded"),
        ("selesai", "recorded"),
        ("ditolak", "rejected"),
        ("tidak hadir", "no_show"),
        ("no-show", "no_show"),
        ("batal", "cancelled"),
        ("dijadwal ulang", "rescheduled"),
        ("RESCHEDULED", "rescheduled"),
    ],
)
def test_status_aliases(home: Path, tmp_path: Path, alias: str, status: str) -> None:
    f = write(tmp_path / "app.csv", APP_HEADER + f"\nA1,R1,,10/06/2020,{alias},,,,,,\n")
    ingest.ingest_file(f, actor=ADMIN)
    assert one("SELECT status FROM appointments") == status


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("ya", True),
        ("Tidak", False),
        ("yes", True),
        ("NO", False),
        ("y", True),
        ("n", False),
        ("TRUE", True),
        ("false", False),
        ("1", True),
        ("0", False),
        ("", None),
    ],
)
def test_booleans(home: Path, tmp_path: Path, text: str, value: bool | None) -> None:
    f = write(tmp_path / "app.csv", APP_HEADER + f"\nA1,R1,,10/06/2020,scheduled,,,{text},,,\n")
    ingest.ingest_file(f, actor=ADMIN)
    assert one("SELECT mask FROM appointments") is value


def test_temperature_queue_number_and_reasons(home: Path, tmp_path: Path) -> None:
    f = write(
        tmp_path / "app.csv",
        APP_HEADER + "\n"
        'A1,R1,7,10/06/2020,rejected,10/06/2020 08:00,"37,9",ya,ya,Demam,\n'
        "A2,R2,8.0,10/06/2020,rejected,10/06/2020 08:00,30,tidak,ya,no_mask,\n"
        "A3,R3,9,10/06/2020,rejected,10/06/2020 08:00,45.0,ya,tidak,no handwash,\n"
        "A4,R4,10,10/06/2020,rejected,10/06/2020 08:00,36.5,ya,ya,gejala,\n"
        "A5,R5,11,10/06/2020,rejected,10/06/2020 08:00,36.5,ya,ya,other,\n",
    )
    result = ingest.ingest_file(f, actor=ADMIN)
    assert result.quarantined == 0, quarantine()
    assert rows(
        "SELECT queue_number, CAST(temperature_c AS VARCHAR), rejection_reason "
        "FROM appointments ORDER BY 1"
    ) == [
        (7, "37.9", "fever"),
        (8, "30.0", "no_mask"),
        (9, "45.0", "no_handwash"),
        (10, "36.5", "symptoms"),
        (11, "36.5", "other"),
    ]


def test_service_default_and_kecamatan_key(home: Path, tmp_path: Path) -> None:
    f = write(
        tmp_path / "req.csv",
        REQ_HEADER + "\nR1,2020-06-08,wa,,  Batu Mandi ,,,\nR2,2020-06-08,wa,Akta Lahir,,,,\n",
    )
    ingest.ingest_file(f, actor=ADMIN)
    assert rows(
        "SELECT request_id, service, kecamatan, kecamatan_key FROM requests ORDER BY 1"
    ) == [
        ("R1", "ktp_el", "Batu Mandi", "batu mandi"),
        ("R2", "akta_lahir", None, None),
    ]


# ---------------------------------------------------------------- quarantine rules (1.4)

QUARANTINE_CASES = [
    # (kind, data row, column, reason fragment)
    ("requests", ",2020-06-08,wa,,,,,", "request_id", "request_id: missing (required)"),
    ("requests", "R1,,wa,,,,,", "received_at", "received_at: missing (required)"),
    ("requests", "R1,2020-06-08,,,,,,", "channel", "channel: missing (required)"),
    ("requests", "R1,2020-06-08,fax,,,,,", "channel", 'channel: "fax" is not a known channel'),
    ("requests", "R1,2020-06-08,wa,,,,,kemarin", "cancelled_at", 'cancelled_at: "kemarin"'),
    ("requests", "R1,2020-06-08,wa,,,,3201 0123,", "nik", "nik: not a NIK (needs exactly 16"),
    ("requests", "R1,2020-06-08,wa,,,0812,,", "phone", "phone: not a phone number"),
    (
        "appointments",
        ",R1,,10/06/2020,scheduled,,,,,,",
        "appointment_id",
        "appointment_id: missing",
    ),
    ("appointments", "A1,,,10/06/2020,scheduled,,,,,,", "request_id", "request_id: missing"),
    ("appointments", "A1,R1,,,scheduled,,,,,,", "scheduled_date", "scheduled_date: missing"),
    ("appointments", "A1,R1,,10/06/2020,,,,,,,", "status", "status: missing (required)"),
    ("appointments", "A1,R1,,10/06/2020,lost,,,,,,", "status", 'status: "lost" is not a known'),
    ("appointments", "A1,R1,abc,10/06/2020,scheduled,,,,,,", "queue_number", "not a whole number"),
    ("appointments", "A1,R1,,10/06/2020,scheduled,,hot,,,,", "temperature_c", "is not a number"),
    ("appointments", "A1,R1,,10/06/2020,scheduled,,29.9,,,,", "temperature_c", "outside"),
    ("appointments", "A1,R1,,10/06/2020,scheduled,,45.1,,,,", "temperature_c", "outside"),
    (
        "appointments",
        "A1,R1,,10/06/2020,scheduled,,,maybe,,,",
        "mask",
        'mask: "maybe" is not yes/no',
    ),
    ("appointments", "A1,R1,,10/06/2020,scheduled,,,,kadang,,", "handwash", "handwash:"),
    (
        "appointments",
        "A1,R1,,10/06/2020,rejected,,,,,flu,",
        "rejection_reason",
        "not a known reason",
    ),
    (
        "appointments",
        "A1,R1,,10/06/2020,rejected,10/06/2020 08:00,38,,,fever,10/06/2020 09:00",
        "recorded_at",
        "recorded_at: set on a rejected appointment",
    ),
    (
        "appointments",
        "A1,R1,,10/06/2020,recorded,10/06/2020 08:00,36,,,fever,10/06/2020 09:00",
        "rejection_reason",
        "rejection_reason: set on a recorded appointment",
    ),
    (
        "appointments",
        "A1,R1,,10/06/2020,recorded,10/06/2020 09:00,36,,,,10/06/2020 08:59",
        "recorded_at",
        "recorded_at: earlier than checked_in_at",
    ),
]


@pytest.mark.parametrize(("kind", "line", "column", "reason"), QUARANTINE_CASES)
def test_every_quarantine_rule(
    home: Path, tmp_path: Path, kind: str, line: str, column: str, reason: str
) -> None:
    header = REQ_HEADER if kind == "requests" else APP_HEADER
    good = "R9,2020-06-08,wa,,,,," if kind == "requests" else "A9,R9,,10/06/2020,scheduled,,,,,,"
    f = write(tmp_path / "x.csv", f"{header}\n{good}\n{line}\n")
    result = ingest.ingest_file(f, actor=ADMIN)
    assert (result.rows_read, result.inserted, result.quarantined) == (2, 1, 1)
    [(row, col, text, raw)] = quarantine()
    assert (row, col) == (3, column)
    assert reason in text
    # verbatim: the cells as read, under the file's own header names
    assert list(raw) == header.split(",")
    assert rows("SELECT file_name, kind FROM quarantine") == [("x.csv", kind)]


def test_several_problems_in_one_row_are_all_named(home: Path, tmp_path: Path) -> None:
    f = write(tmp_path / "app.csv", APP_HEADER + "\nA1,R1,x,10/06/2020,lost,,50,maybe,,,\n")
    ingest.ingest_file(f, actor=ADMIN)
    [(_row, column, reason, _raw)] = quarantine()
    assert column == "status"  # the first problem names the column
    for part in ("status:", "queue_number:", "temperature_c:", "mask:"):
        assert part in reason


def test_duplicate_in_file_later_row_wins(home: Path, tmp_path: Path) -> None:
    f = write(
        tmp_path / "req.csv",
        REQ_HEADER + "\n"
        "R1,2020-06-08 08:00,wa,,first,,,\n"
        "R2,2020-06-08 09:00,wa,,,,,\n"
        "R1,2020-06-08 10:00,loket,,second,,,\n",
    )
    result = ingest.ingest_file(f, actor=ADMIN)
    assert (result.rows_read, result.inserted, result.quarantined) == (3, 2, 1)
    assert rows("SELECT kecamatan, channel, source_row FROM requests WHERE request_id = 'R1'") == [
        ("second", "walk_in", 4)
    ]
    [(row, column, reason, raw)] = quarantine()
    assert (row, column) == (2, "request_id")
    assert reason.startswith("duplicate in file") and "row 4" in reason
    assert raw["kecamatan"] == "first"


def test_updated_row_replaces_and_accounting_adds_up(home: Path, tmp_path: Path) -> None:
    first = write(
        tmp_path / "a.csv",
        REQ_HEADER + "\nR1,2020-06-08,wa,,,,,\nR2,2020-06-08,wa,,,,,\nR3,2020-06-08,wa,,,,,\n",
    )
    ingest.ingest_file(first, actor=ADMIN)
    second = write(
        tmp_path / "b.csv",
        REQ_HEADER + "\n"
        "R1,2020-06-08,wa,,,,,\n"  # unchanged
        "R2,2020-06-08,wa,,,,,09/06/2020\n"  # cancelled since: updated
        "R4,2020-06-09,app,,,,,\n"  # new
        "R5,kemarin,app,,,,,\n",  # bad
    )
    result = ingest.ingest_file(second, actor=ADMIN)
    assert (result.rows_read, result.inserted, result.updated, result.unchanged) == (4, 1, 1, 1)
    assert result.quarantined == 1
    assert rows("SELECT request_id, cancelled_date, import_id FROM requests ORDER BY 1") == [
        ("R1", None, 1),
        ("R2", date(2020, 6, 9), 2),
        ("R3", None, 1),
        ("R4", None, 2),
    ]
    assert rows(
        "SELECT rows_read, inserted, updated, unchanged, quarantined FROM imports ORDER BY import_id"
    ) == [(3, 3, 0, 0, 0), (4, 1, 1, 1, 1)]


def test_header_only_is_a_quiet_day(home: Path, tmp_path: Path) -> None:
    f = write(tmp_path / "empty_day.csv", REQ_HEADER + "\n")
    result = ingest.ingest_file(f, actor=ADMIN)
    assert (result.kind, result.rows_read, result.inserted, result.quarantined) == (
        "requests",
        0,
        0,
        0,
    )
    assert one("SELECT count(*) FROM imports") == 1


# ---------------------------------------------------------------- CSV as offices write it


def test_semicolon_bom_crlf_indonesian_headers(home: Path, tmp_path: Path) -> None:
    text = (
        "\ufeffID_Permohonan ; Waktu Masuk;KANAL;Layanan;Kecamatan;No HP;NIK;Waktu Batal\r\n"
        "R1;08/06/2020 08.15;WA;;Paringin;0812 3456 7890;;\r\n"
        'R2;08/06/2020 09.00;loket;;"Juai; Utara";;;\r\n'
        "\r\n\r\n"
    )
    f = write(tmp_path / "req.csv", text)
    result = ingest.ingest_file(f, actor=ADMIN)
    assert (result.kind, result.rows_read, result.inserted) == ("requests", 2, 2)
    assert rows("SELECT request_id, channel, kecamatan, phone_masked FROM requests ORDER BY 1") == [
        ("R1", "whatsapp", "Paringin", "0812****890"),
        ("R2", "walk_in", "Juai; Utara", None),
    ]


def test_cp1252_file_is_transcoded(home: Path, tmp_path: Path) -> None:
    # 0x93/0x94 are Windows-1252 curly quotes, 0xe9 is é: not valid UTF-8.
    text = REQ_HEADER + "\nR1,2020-06-08,wa,,Kecamatan \u201cS\u00e9lat\u201d,,,\n"
    f = write(tmp_path / "req.csv", text, encoding="cp1252")
    result = ingest.ingest_file(f, actor=ADMIN)
    assert result.inserted == 1
    assert one("SELECT kecamatan FROM requests") == "Kecamatan \u201cS\u00e9lat\u201d"
    assert not list((home / "tmp").glob("*")), "temp files left behind"


def test_bom_before_cp1252_text(home: Path, tmp_path: Path) -> None:
    text = REQ_HEADER + "\nR1,2020-06-08,wa,,Sungai \u201cTabuk\u201d,,,\n"
    f = tmp_path / "req.csv"
    f.write_bytes(b"\xef\xbb\xbf" + text.encode("cp1252"))
    result = ingest.ingest_file(f, actor=ADMIN)
    assert (result.kind, result.inserted) == ("requests", 1)
    assert one("SELECT kecamatan FROM requests") == "Sungai \u201cTabuk\u201d"


def test_cp1252_lines_far_down_the_file_with_a_ragged_line(home: Path, tmp_path: Path) -> None:
    """The first 80 KB are plain ASCII, so only DuckDB's reader meets the Windows-1252
    bytes: the file is transcoded and read again, and only the really ragged line is
    refused (not the lines the first read could not decode)."""
    filler = "".join(f"F{i},2020-06-08,wa,,Paringin,,,\n" for i in range(2000))
    text = (
        REQ_HEADER + "\n" + filler + "R1,2020-06-08,wa,,Sungai \u201cTabuk\u201d,,,\n"
        "R2,2020-06-08,wa,,,,,,extra\n"
        "R3,2020-06-08,wa,,Caf\u00e9,,,\n"
    )
    f = write(tmp_path / "req.csv", text, encoding="cp1252")
    result = ingest.ingest_file(f, actor=ADMIN)
    assert (result.rows_read, result.inserted, result.quarantined) == (2003, 2002, 1)
    assert rows(
        "SELECT request_id, kecamatan, source_row FROM requests WHERE request_id LIKE 'R%' "
        "ORDER BY 1"
    ) == [("R1", "Sungai \u201cTabuk\u201d", 2002), ("R3", "Caf\u00e9", 2004)]
    assert [(r[0], r[3]["request_id"]) for r in quarantine()] == [(2003, "R2")]


def test_quoted_newline_and_ragged_line(home: Path, tmp_path: Path) -> None:
    f = write(
        tmp_path / "req.csv",
        REQ_HEADER + "\n"
        'R1,2020-06-08,wa,,"Paringin\nSelatan",,,\n'
        "R2,2020-06-08,wa,,,,,,extra\n"  # one cell too many
        "R3,2020-06-08,wa\n"  # too few
        "R4,2020-06-08,wa,,,,,\n",
    )
    result = ingest.ingest_file(f, actor=ADMIN)
    assert (result.rows_read, result.inserted, result.quarantined) == (4, 2, 2)
    assert rows("SELECT request_id, kecamatan, source_row FROM requests ORDER BY 1") == [
        ("R1", "Paringin\nSelatan", 2),
        ("R4", None, 5),
    ]
    q = quarantine()
    assert [r[0] for r in q] == [3, 4]
    assert "cells but the header has 8" in q[0][2]
    assert q[0][3]["request_id"] == "R2"


def test_rows_keep_spreadsheet_numbers_after_a_ragged_line(home: Path, tmp_path: Path) -> None:
    lines = [REQ_HEADER]
    for i in range(2, 12):
        lines.append(f"R{i},2020-06-08,wa" if i in (4, 5, 9) else f"R{i},2020-06-08,wa,,,,,")
    f = write(tmp_path / "req.csv", "\n".join(lines) + "\n")
    ingest.ingest_file(f, actor=ADMIN)
    got = rows("SELECT request_id, source_row FROM requests ORDER BY source_row")
    assert got == [(f"R{i}", i) for i in range(2, 12) if i not in (4, 5, 9)]
    assert [r[0] for r in quarantine()] == [4, 5, 9]


def test_blank_lines_keep_their_spreadsheet_rows(home: Path, tmp_path: Path) -> None:
    """A spreadsheet shows blank lines as rows; a blank line inside a quoted cell is not
    a row; trailing blank lines change nothing."""
    f = write(
        tmp_path / "req.csv",
        REQ_HEADER + "\n"  # row 1
        "R2,2020-06-08,wa,,,,,\n"  # row 2
        "\n"  # row 3, blank
        '"R4",2020-06-08,wa,,"Paringin\n\nSelatan",,,\n'  # row 4, a cell with a blank line
        "\n"  # row 5, blank
        "\n"  # row 6, blank
        "R7,2020-06-08,wa,,,,,,extra\n"  # row 7, ragged
        "R8,bad,wa,,,,,\n"  # row 8, not a date
        "R9,2020-06-08,wa,,,,,\n"  # row 9
        "\n\n",
    )
    result = ingest.ingest_file(f, actor=ADMIN)
    assert (result.rows_read, result.inserted, result.quarantined) == (5, 3, 2)
    assert rows("SELECT request_id, source_row FROM requests ORDER BY source_row") == [
        ("R2", 2),
        ("R4", 4),
        ("R9", 9),
    ]
    assert [(r[0], r[3]["request_id"]) for r in quarantine()] == [(7, "R7"), (8, "R8")]


@pytest.mark.parametrize(
    ("content", "blank_inside"),
    [
        (b"h\r\na\r\nb\r\n", False),
        (b"h\na\nb\n\n\r\n\n", False),  # blank lines only at the end
        (b"h\na\n\nb\n", True),
        (b"h\r\na\r\n\r\nb\r\n", True),
        (b"\nh\na\n", True),  # a blank first line
    ],
)
def test_scan_file_finds_blank_lines_before_content(
    tmp_path: Path, content: bytes, blank_inside: bool
) -> None:
    import hashlib

    f = tmp_path / "x.csv"
    f.write_bytes(content)
    scan = ingest._scan_file(f)
    assert (scan.sha256, scan.blank_inside) == (hashlib.sha256(content).hexdigest(), blank_inside)
    assert ingest._mixed_newlines(f) == (
        b"\r\n" in content and b"\n" in content.replace(b"\r\n", b"")
    )


def test_mixed_line_endings_are_read(home: Path, tmp_path: Path) -> None:
    """An exported CRLF file with lines appended in an LF editor, Windows-1252 far down."""
    filler = "".join(f"F{i},2020-06-08,wa,,Paringin,,,\r\n" for i in range(2000))
    text = (
        REQ_HEADER + "\r\n" + filler + "R1,2020-06-08,wa,,Caf\u00e9,,,\n"
        "R2,2020-06-08,wa,,,,,,extra\n"
        "\n"  # a blank row, LF only
        "R3,bad,wa,,,,,\r\n"
        "R4,2020-06-08,wa,,,,,\n"
    )
    f = write(tmp_path / "req.csv", text, encoding="cp1252")
    assert ingest._mixed_newlines(f)
    result = ingest.ingest_file(f, actor=ADMIN)
    assert (result.rows_read, result.inserted, result.quarantined) == (2004, 2002, 2)
    assert rows(
        "SELECT request_id, kecamatan, source_row FROM requests WHERE request_id LIKE 'R%' "
        "ORDER BY 1"
    ) == [("R1", "Caf\u00e9", 2002), ("R4", None, 2006)]
    assert [(r[0], r[3]["request_id"]) for r in quarantine()] == [(2003, "R2"), (2005, "R3")]
    assert not list((home / "tmp").glob("*")), "temp files left behind"


def test_row_numbers_across_many_blocks_of_rows(home: Path, tmp_path: Path) -> None:
    """Refused lines at and around the row-block edges (ingest counts per 4,096 rows)."""
    block = ingest._BLOCK_ROWS
    n = 3 * block + 500
    ragged = {3, 4, block - 1, block, block + 1, block + 2, 2 * block + 7, n - 1, n + 1}
    lines = [REQ_HEADER]
    for row in range(2, n + 2):  # spreadsheet row numbers: the header is row 1
        lines.append(f"R{row},2020-06-08,wa" if row in ragged else f"R{row},2020-06-08,wa,,,,,")
    f = write(tmp_path / "req.csv", "\n".join(lines) + "\n")
    result = ingest.ingest_file(f, actor=ADMIN)
    assert (result.rows_read, result.quarantined) == (n, len(ragged))
    got = rows("SELECT request_id, source_row FROM requests ORDER BY source_row")
    assert got == [(f"R{row}", row) for row in range(2, n + 2) if row not in ragged]
    assert [r[0] for r in quarantine()] == sorted(ragged)


# ---------------------------------------------------------------- XLSX and Parquet


def test_xlsx_first_sheet_with_date_cells(home: Path, tmp_path: Path) -> None:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(APP_HEADER.split(","))
    ws.append(
        [
            "A1",
            "R1",
            3,
            datetime(2020, 6, 10),
            "terekam",
            datetime(2020, 6, 10, 8, 0),
            36.8,
            "ya",
            "ya",
            None,
            datetime(2020, 6, 10, 8, 30),
        ]
    )
    ws.append(["A2", "R2", 4, "11/06/2020", "lost", None, None, None, None, None, None])
    ws.append([None] * 11)  # an empty formatted row at the end
    other = wb.create_sheet("notes")
    other.append(["ignored"])
    path = tmp_path / "jadwal.xlsx"
    wb.save(path)
    result = ingest.ingest_file(path, actor=ADMIN)
    assert (result.kind, result.rows_read, result.inserted, result.quarantined) == (
        "appointments",
        2,
        1,
        1,
    )
    assert rows(
        "SELECT appointment_id, queue_number, scheduled_date, checked_in_at, "
        "CAST(temperature_c AS VARCHAR), recorded_date FROM appointments"
    ) == [("A1", 3, date(2020, 6, 10), datetime(2020, 6, 10, 8, 0), "36.8", date(2020, 6, 10))]
    assert quarantine()[0][:2] == (3, "status")


def test_parquet_with_typed_columns(home: Path, tmp_path: Path) -> None:
    df = pd.DataFrame(
        {
            "request_id": ["R1", "R2"],
            "received_at": pd.to_datetime(["2020-06-08 17:30", "2020-06-08 08:00"]).tz_localize(
                "UTC"
            ),
            "channel": ["wa", "online"],
            "nik": ["3201012345670123", None],
        }
    )
    path = tmp_path / "req.parquet"
    df.to_parquet(path)
    result = ingest.ingest_file(path, actor=ADMIN)
    assert (result.kind, result.inserted) == ("requests", 2)
    assert rows(
        "SELECT request_id, received_at, nik_hash IS NOT NULL FROM requests ORDER BY 1"
    ) == [
        ("R1", datetime(2020, 6, 9, 1, 30), True),
        ("R2", datetime(2020, 6, 8, 16, 0), False),
    ]


# ---------------------------------------------------------------- refused files

REFUSED = [
    ("empty.csv", b"", "empty (0 bytes)"),
    ("blank.csv", b"\n\n  \n", "no header"),
    ("photo.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not a CSV, XLSX or Parquet"),
    ("old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, ".xls"),
    ("broken.xlsx", b"PK\x03\x04 this is not really a zip", "could not be read as XLSX"),
    ("data.csv", b"R1,2020-06-08,wa\nR2,2020-06-08,wa\n", "no header row with known column"),
    ("other.csv", b"nama,alamat\nBudi,Paringin\n", "no header row with known column"),
    ("half.csv", b"request_id,channel\nR1,wa\n", "neither the requests columns"),
    (
        "twice.csv",
        b"request_id,received_at,channel,Channel\nR1,2020-06-08,wa,wa\n",
        "appears twice",
    ),
    (
        "alias.csv",
        b"request_id,received_at,channel,kanal\nR1,2020-06-08,wa,wa\n",
        "both mean channel",
    ),
]


@pytest.mark.parametrize(("name", "content", "message"), REFUSED)
def test_refused_files_leave_the_store_unchanged(
    home: Path, tmp_path: Path, name: str, content: bytes, message: str
) -> None:
    good = write(tmp_path / "good.csv", REQ_HEADER + "\nR1,2020-06-08,wa,,,,,\n")
    ingest.ingest_file(good, actor=ADMIN)
    with store.connect() as con:
        version = store.data_version(con)
    before = rows("SELECT * FROM requests") + rows("SELECT import_id, file_name FROM imports")
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(IngestError) as info:
        ingest.ingest_file(path, actor=ADMIN)
    text = str(info.value)
    assert message in text and "\n" not in text
    after = rows("SELECT * FROM requests") + rows("SELECT import_id, file_name FROM imports")
    assert after == before
    assert one("SELECT count(*) FROM quarantine") == 0
    with store.connect() as con:
        assert store.data_version(con) == version


def test_wrong_kind_given_is_refused(home: Path, tmp_path: Path) -> None:
    f = write(tmp_path / "req.csv", REQ_HEADER + "\nR1,2020-06-08,wa,,,,,\n")
    with pytest.raises(IngestError, match="not a appointments file|lacks required"):
        ingest.ingest_file(f, "appointments", actor=ADMIN)


# ---------------------------------------------------------------- orphans and warnings


def test_orphans_resolve_when_the_request_arrives(home: Path, tmp_path: Path) -> None:
    apps = write(
        tmp_path / "app.csv",
        APP_HEADER + "\n"
        "A1,R1,,10/06/2020,recorded,10/06/2020 08:00,36,,,,10/06/2020 08:30\n"
        "A2,R2,,10/06/2020,scheduled,,,,,,\n",
    )
    result = ingest.ingest_file(apps, actor=ADMIN)
    assert (result.inserted, result.orphans) == (2, 2)
    with store.connect() as con:
        assert ingest.orphan_count(con) == 2
        assert list(ingest.orphan_appointments(con)["appointment_id"]) == ["A1", "A2"]
    # R1 arrives later, received *after* A1 was recorded: loaded, but a warning
    reqs = write(tmp_path / "req.csv", REQ_HEADER + "\nR1,10/06/2020 09:00,wa,,,,,\n")
    result = ingest.ingest_file(reqs, actor=ADMIN)
    assert (result.inserted, result.warnings) == (1, 1)
    with store.connect() as con:
        assert ingest.orphan_count(con) == 1
        assert list(ingest.orphan_appointments(con)["appointment_id"]) == ["A2"]
        warnings = ingest.consistency_warnings(con)
        assert ingest.consistency_warning_count(con) == 1
    assert list(warnings["kind"]) == ["recorded_before_received"]
    assert list(warnings["appointment_id"]) == ["A1"]
    assert rows("SELECT kind, record_id FROM import_warnings") == [
        ("recorded_before_received", "A1")
    ]


# ---------------------------------------------------------------- transactions and progress


def test_crash_mid_merge_leaves_store_as_before(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    good = write(tmp_path / "a.csv", REQ_HEADER + "\nR1,2020-06-08,wa,,,,,\n")
    ingest.ingest_file(good, actor=ADMIN)
    snapshot = {
        t: rows(f"SELECT * FROM {t} ORDER BY ALL")  # noqa: S608 - fixed table names
        for t in ("requests", "quarantine", "imports", "import_warnings", "meta")
    }

    def boom(*_args, **_kwargs):
        raise RuntimeError("disk full")

    # Rows are already inserted/deleted when the findings step runs: it fails halfway.
    monkeypatch.setattr(ingest, "_import_findings", boom)
    second = write(
        tmp_path / "b.csv",
        REQ_HEADER + "\nR1,2020-06-08,wa,,,,,01/07/2020\nR2,2020-06-09,wa,,,,,\nR3,x,wa,,,,,\n",
    )
    with pytest.raises(RuntimeError, match="disk full"):
        ingest.ingest_file(second, actor=ADMIN)
    for table, before in snapshot.items():
        assert rows(f"SELECT * FROM {table} ORDER BY ALL") == before, table  # noqa: S608
    assert not list((home / "tmp").glob("*")), "temp files left behind"


def test_progress_is_reported(home: Path, tmp_path: Path) -> None:
    seen: list[tuple[float, str]] = []
    f = write(tmp_path / "req.csv", REQ_HEADER + "\nR1,2020-06-08,wa,,,,,\n")
    ingest.ingest_file(f, actor=ADMIN, progress=lambda frac, msg: seen.append((frac, msg)))
    fractions = [s[0] for s in seen]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0 and len(seen) >= 3
    assert "1 read" in seen[-1][1]


def test_display_name_is_recorded(home: Path, tmp_path: Path) -> None:
    f = write(tmp_path / "upload-3f2a.csv", REQ_HEADER + "\nR1,2020-06-08,wa,,,,,\n")
    result = ingest.ingest_file(f, actor=ADMIN, display_name="permohonan juni.csv")
    assert result.file_name == "permohonan juni.csv"
    assert one("SELECT file_name FROM imports") == "permohonan juni.csv"
    assert "permohonan juni.csv (requests): 1 read, 1 inserted" in result.summary_line()


# ---------------------------------------------------------------- personal data


def test_no_raw_nik_or_phone_anywhere_in_the_store(home: Path, tmp_path: Path) -> None:
    nik_ok, nik_bad = "3201012345670123", "32010123456"
    phone_ok, phone_bad = "081234567890", "0812"
    f = write(
        tmp_path / "req.csv",
        REQ_HEADER + "\n"
        f"R1,2020-06-08,wa,,,+62 {phone_ok[1:4]}-{phone_ok[4:8]}-{phone_ok[8:]},{nik_ok},\n"
        f"R2,2020-06-08,fax,,,{phone_ok},{nik_ok},\n"  # bad channel: quarantined
        f"R3,2020-06-08,wa,,,{phone_ok},{nik_bad},\n"  # bad NIK: quarantined
        f"R4,2020-06-08,wa,,,{phone_bad},,\n"  # bad phone: quarantined
        f"R4,2020-06-08,wa,,,{phone_ok},{nik_ok},\n"  # wins over the line above
        f"R5,2020-06-08,wa,,,{phone_ok},{nik_ok},extra\n",  # ragged: quarantined
    )
    result = ingest.ingest_file(f, actor=ADMIN)
    assert (result.inserted, result.quarantined) == (2, 4)
    secrets_found = []
    with store.connect() as con:
        tables = [r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()]
        for table in tables:
            for row in con.execute(f'SELECT * FROM "{table}"').fetchall():  # noqa: S608
                text = " ".join(str(v) for v in row)
                for needle in (nik_ok, nik_bad, phone_ok, phone_ok[1:], "3456-7890"):
                    if needle in text.replace(" ", ""):
                        secrets_found.append((table, needle))
        con.execute("CHECKPOINT")
    assert secrets_found == []
    raw_bytes = (home / "dashboard.duckdb").read_bytes()
    for needle in (nik_ok, nik_bad, phone_ok):
        assert needle.encode() not in raw_bytes
    masked = [r[3] for r in quarantine()]
    # a 16-digit NIK keeps its region and last digits; a malformed one only its region
    assert {m.get("nik") for m in masked} >= {"3201********0123", "3201*******"}
    assert "0812****890" in {m.get("phone") for m in masked}


# ---------------------------------------------------------------- the shipped samples

SAMPLES = Path(__file__).resolve().parent.parent / "data" / "samples"


def test_sample_files_import_as_their_readme_says(home: Path) -> None:
    req = ingest.ingest_file(SAMPLES / "permohonan_juni_2020.csv", actor=ADMIN)
    app = ingest.ingest_file(SAMPLES / "jadwal_juni_2020.xlsx", actor=ADMIN)
    assert (req.kind, req.rows_read, req.inserted, req.quarantined) == ("requests", 11, 7, 4)
    assert (app.kind, app.rows_read, app.inserted, app.quarantined, app.orphans) == (
        "appointments",
        9,
        7,
        2,
        1,
    )
    # BLG-0602: the later row (row 12, 08.45) was kept; its NIK is only a hash
    assert rows(
        "SELECT received_at, channel, service, nik_hash IS NOT NULL, source_row "
        "FROM requests WHERE request_id = 'BLG-0602'"
    ) == [(datetime(2020, 6, 8, 8, 45), "walk_in", "ktp_el", True, 12)]
    # the Z time 02:30 UTC is 10:30 WITA
    assert one("SELECT received_at FROM requests WHERE request_id = 'BLG-0605'") == datetime(
        2020, 6, 8, 10, 30
    )
    assert one("SELECT kecamatan FROM requests WHERE request_id = 'BLG-0604'") == "Juai; Desa Mihu"
    assert rows(
        "SELECT appointment_id, status, CAST(temperature_c AS VARCHAR), recorded_date "
        "FROM appointments WHERE appointment_id IN ('J-0602', 'J-0606') ORDER BY 1"
    ) == [
        ("J-0602", "rejected", "38.1", date(2020, 6, 10)),
        ("J-0606", "recorded", "36.7", date(2020, 6, 12)),
    ]


def test_appointment_checked_in_before_its_request_is_a_warning(home: Path, tmp_path: Path) -> None:
    reqs = write(
        tmp_path / "req.csv", REQ_HEADER + "\nR1,10/06/2020 09:00,wa,,,,,\nR2,01/06/2020,wa,,,,,\n"
    )
    ingest.ingest_file(reqs, actor=ADMIN)
    apps = write(
        tmp_path / "app.csv",
        APP_HEADER + "\n"
        "A1,R1,,10/06/2020,rejected,10/06/2020 08:00,38,,,fever,\n"  # before 09:00: warning
        "A2,R2,,10/06/2020,scheduled,,,,,,\n",  # fine
    )
    result = ingest.ingest_file(apps, actor=ADMIN)
    assert (result.inserted, result.orphans, result.warnings) == (2, 0, 1)
    assert rows("SELECT kind, record_id, detail FROM import_warnings") == [
        (
            "checked_in_before_received",
            "A1",
            "appointment A1 of request R1: checked in before received "
            "(2020-06-10 08:00 < 2020-06-10 09:00)",
        )
    ]


def test_stale_work_folders_are_swept(home: Path, tmp_path: Path) -> None:
    import os
    import time

    old = home / "tmp" / "ingest-dead-1"
    fresh = home / "tmp" / "ingest-running-2"
    for folder in (old, fresh):
        folder.mkdir(parents=True)
        (folder / "transcoded.csv").write_text("x")
    two_days_ago = time.time() - 2 * 86_400
    os.utime(old, (two_days_ago, two_days_ago))
    ingest.ingest_file(write(tmp_path / "r.csv", REQ_HEADER + "\n"), actor=ADMIN)
    assert not old.exists() and fresh.exists()
