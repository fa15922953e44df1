"""The one-sheet register (CONTRACT 1.5): read by dashboard/register.py, imported as the
two logs by ingest.py, from the library and from the command line.

The workbook is built here with openpyxl the way an office keeps it: title rows (one
merged across the table), a blank spacer, a header over two rows with merged cells, a
`JUMLAH` row, one sheet a month, Excel dates in one sheet and text dates (and Excel serial
numbers stored as text) in another. Every expected number is counted by hand from the
rows below; the reasoning is written next to each.
"""

from __future__ import annotations

import hashlib
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import pytest

from dashboard import ingest, metrics, register, store
from dashboard.roles import Actor
from tests.fixtures import run_process

openpyxl = pytest.importorskip("openpyxl")

ROOT = Path(__file__).resolve().parent.parent
ADMIN = Actor.cli("tester")

# Personal data planted in the register: none of it may reach the store raw.
NIK_ANI = "6311010101010001"
PHONE_ANI = "0813 4567 8901"
NIK_GINA = "6311030303030003"  # in a row that is quarantined
PHONE_GINA = "0811 2222 3333"
PHONE_IN_NOTE = "081299998888"  # in an unknown Keterangan: quoted in the reason, masked
NIK_INDAH = "6311020202020002"
PHONE_INDAH = "0852-1111-2222"
NAMES = ("Ani Lestari", "Gina Rahayu", "Hadi Saputra", "Indah Permata")

JUNI_HEADER = [
    "No",
    "Tanggal Daftar",
    "Nama",
    "NIK",
    "No. WA",
    "Kecamatan",
    "Via",
    "No. Antrean",
    "Jadwal",  # merged over two columns: Tanggal Rekam | Jam Datang in the row below
    None,
    "Suhu",
    "Keterangan",
]
D = datetime  # Excel date cells

# Juni: rows 7..14 are data (row numbers as the sheet shows them).
JUNI_ROWS: list[list[Any]] = [
    # 7: recorded on 10 Jun, came 08:15; NIK and phone planted
    [
        1,
        D(2020, 6, 8),
        NAMES[0],
        NIK_ANI,
        PHONE_ANI,
        "Paringin",
        "WA",
        1,
        D(2020, 6, 10),
        time(8, 15),
        36.5,
        "sudah rekam",
    ],  # fmt: skip
    # 8: turned away for fever on 10 Jun
    [
        2,
        D(2020, 6, 8),
        "Budi",
        None,
        "081234567890",
        "Juai",
        "Datang langsung",
        2,
        D(2020, 6, 10),
        time(8, 30),
        "37,8",
        "ditolak - demam",
    ],  # fmt: skip
    # 9: No 3 -- repeated in row 14, so this earlier row is `duplicate in file`
    [
        3,
        D(2020, 6, 9),
        "Citra",
        None,
        None,
        "Paringin",
        "Titip berkas",
        3,
        D(2020, 6, 10),
        None,
        None,
        "tidak datang",
    ],  # fmt: skip
    # 10: cancelled: the request's cancelled_at is its scheduled date, 11 Jun
    [
        4,
        D(2020, 6, 9),
        "Dedi",
        None,
        None,
        "Juai",
        "WA",
        None,
        D(2020, 6, 11),
        None,
        None,
        "batal",
    ],  # fmt: skip
    # 11: recorded on 11 Jun
    [
        5,
        D(2020, 6, 9),
        "Eka",
        None,
        None,
        "Paringin",
        "WA",
        4,
        D(2020, 6, 11),
        time(9, 0),
        "36,5",
        "terekam",
    ],  # fmt: skip
    # 12: no Tanggal Rekam yet: a request without an appointment
    [6, D(2020, 6, 10), "Fajar", None, None, "Paringin", "WA", None, None, None, None, None],
    # 13: unknown Keterangan (with a phone number in it): quarantined in both parts
    [
        7,
        D(2020, 6, 10),
        NAMES[1],
        NIK_GINA,
        PHONE_GINA,
        "Juai",
        "WA",
        5,
        D(2020, 6, 11),
        None,
        None,
        f"hilang berkas, hub {PHONE_IN_NOTE}",
    ],  # fmt: skip
    # 14: No 3 again: the later row wins (REG-2020-06-0003), scheduled for 12 Jun
    [
        3,
        D(2020, 6, 10),
        NAMES[2],
        None,
        None,
        "Juai",
        "Datang langsung",
        6,
        D(2020, 6, 12),
        None,
        None,
        None,
    ],  # fmt: skip
]

JULI_HEADER = [
    "No",
    "Tanggal Daftar",
    "Nama",
    "NIK",
    "No. WA",
    "Kecamatan",
    "Via",
    "No. Antrean",
    "Tanggal Rekam",
    "Jam Selesai",
    "Suhu",
    "Keterangan",
]
# Juli: text dates, Excel serials stored as text; rows 4..8 are data.
JULI_ROWS: list[list[Any]] = [
    # 4: recorded 3 Jul 09.30 (Jam Selesai -> recorded_at on the scheduled date)
    [
        "1",
        "01/07/2020",
        NAMES[3],
        NIK_INDAH,
        PHONE_INDAH,
        "Paringin",
        "WA",
        "1",
        "03/07/2020",
        "09.30",
        "36,6",
        "selesai",
    ],  # fmt: skip
    # 5: serials as text: 44013 = 2020-07-01, 44015 = 2020-07-03 (43983 = 1 Jun 2020)
    [
        "2",
        "44013",
        "Joko",
        None,
        None,
        "Juai",
        "Datang langsung",
        "2",
        "44015",
        None,
        "38,2",
        "Ditolak - demam",
    ],  # fmt: skip
    # 6: did not come on 3 Jul
    [
        "3",
        "02/07/2020",
        "Kiki",
        None,
        None,
        "Paringin",
        "titip berkas",
        "3",
        "03/07/2020",
        None,
        None,
        "tidak datang",
    ],  # fmt: skip
    # 7: cancelled before any date: request cancelled on its received date, no appointment
    ["4", "02/07/2020", "Lina", None, None, "Juai", "WA", None, None, None, None, "batal"],
    # 8: 31 June does not exist: no ID can be made; quarantined in both parts
    ["5", "31/06/2020", "Mira", None, None, "Juai", "WA", None, "06/07/2020", None, None, None],
]

AGUSTUS_HEADER = [
    "No",
    "Tanggal Daftar",
    "Nama",
    "NIK Pemohon",
    "No. HP",
    "Kecamatan",
    "Cara Daftar",
    "No Antrian",
    "Tgl Jadwal",
    "Suhu",
    "Masker",
    "Status",
]


def juni_sheet(ws: Any, rows: list[list[Any]]) -> None:
    ws.append(["DAFTAR PEREKAMAN KTP-EL"])
    ws.merge_cells("A1:L1")
    ws.append(["DINAS KEPENDUDUKAN DAN PENCATATAN SIPIL KAB. BALANGAN"])
    ws.append(["BULAN JUNI 2020"])
    ws.append([])  # row 4: spacer
    ws.append(JUNI_HEADER)  # row 5
    ws.append([None] * 8 + ["Tanggal Rekam", "Jam Datang", None, None])  # row 6
    for col in "ABCDEFGHKL":  # single columns merged down over both header rows
        ws.merge_cells(f"{col}5:{col}6")
    ws.merge_cells("I5:J5")
    for row in rows:
        ws.append(row)
    ws.append([])  # spacer above the total
    ws.append(["JUMLAH", None, None, None, None, None, None, None, None, None, None, len(rows)])


def build_workbook(
    path: Path, juni: list[list[Any]] | None = None, juli_edit: bool = False
) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Juni"
    juni_sheet(ws, JUNI_ROWS if juni is None else juni)

    ws = wb.create_sheet("Juli")
    ws.append(["DAFTAR PEREKAMAN KTP-EL BULAN JULI 2020"])
    ws.append(["KAB. BALANGAN"])
    ws.append(JULI_HEADER)
    for row in JULI_ROWS:
        ws.append(list(row))
    if juli_edit:  # row 6: `tidak datang` -> `batal`
        ws.cell(row=6, column=12, value="batal")
    ws.append(["TOTAL", None, None, None, None, None, None, None, None, None, None, "5"])

    ws = wb.create_sheet("Agustus")
    ws.append(["DAFTAR PEREKAMAN KTP-EL"])
    ws.append(["BULAN AGUSTUS 2020"])
    ws.append(AGUSTUS_HEADER)
    ws.append(list(range(1, 13)))  # the column numbers official forms print
    ws.append([1, D(2020, 8, 3), "Nia", None, None, "Paringin", "WA", 1, D(2020, 8, 5), 36.7, "ya", "sudah rekam"])  # fmt: skip
    ws.append([2, D(2020, 8, 3), "Oki", None, None, "Juai", "Titip berkas", 2, D(2020, 8, 5), None, None, None])  # fmt: skip
    ws.append([3])  # numbered in advance, not filled in
    ws.append(["JUMLAH", None, None, None, None, None, None, None, None, None, None, 2])
    ws.append([])
    ws.append(["Paringin, 31 Agustus 2020"])  # the signature block under the total
    ws.append(["Kepala Dinas"])
    wb.save(path)
    return path


def counts(result: Any) -> tuple[str, int, int, int, int, int]:
    return (
        result.file_name,
        result.rows_read,
        result.inserted,
        result.updated,
        result.unchanged,
        result.quarantined,
    )


# First import, by hand (read = inserted + updated + unchanged + quarantined):
# Juni requests: rows 7-14 = 8 read; quarantined row 13 (unknown Keterangan) and row 9
#   (No 3 again in row 14) = 2; inserted No 1, 2, 4, 5, 6, 3 = 6.
# Juni appointments: rows with a Tanggal Rekam: 7, 8, 9, 10, 11, 13, 14 = 7 read (row 12
#   has none); quarantined 13 and 9 (REG-2020-06-0003-A again in row 14) = 2; inserted 5.
# Juli requests: rows 4-8 = 5 read; row 8 (31/06/2020) quarantined; 4 inserted.
# Juli appointments: rows 4, 5, 6, 8 have a date (row 7 is `batal` without one) = 4 read;
#   row 8 quarantined (no ID); 3 inserted.
# Agustus: rows 5 and 6 are data (row 7 only has its No) = 2 read and inserted per part.
FIRST_IMPORT = [
    ("register.xlsx [Juni] (requests)", 8, 6, 0, 0, 2),
    ("register.xlsx [Juni] (appointments)", 7, 5, 0, 0, 2),
    ("register.xlsx [Juli] (requests)", 5, 4, 0, 0, 1),
    ("register.xlsx [Juli] (appointments)", 4, 3, 0, 0, 1),
    ("register.xlsx [Agustus] (requests)", 2, 2, 0, 0, 0),
    ("register.xlsx [Agustus] (appointments)", 2, 2, 0, 0, 0),
]
# Juni: titles in rows 1-3, blank rows 4 and 15, JUMLAH in row 16 (row 6 is header).
JUNI_SKIPPED = "3 title rows, 2 blank rows, 1 total row"
JULI_SKIPPED = "2 title rows, 1 total row"
# Agustus: titles 1-2, blank row 9, column numbers row 4, row 7 numbered only, JUMLAH row
# 8, rows 10-11 the signature block.
AGUSTUS_SKIPPED = (
    "2 title rows, 1 blank row, 1 column-number row, 1 numbered empty row, 1 total row, "
    "2 rows below the total"
)


@pytest.fixture
def book(tmp_path: Path) -> Path:
    return build_workbook(tmp_path / "register.xlsx")


def test_first_import_counts_per_sheet_and_part(home: Path, book: Path) -> None:
    results = ingest.ingest_path(book, actor=ADMIN)
    assert [counts(r) for r in results] == FIRST_IMPORT
    assert [r.kind for r in results] == ["requests", "appointments"] * 3
    assert [r.skipped for r in results] == [JUNI_SKIPPED] * 2 + [JULI_SKIPPED] * 2 + [
        AGUSTUS_SKIPPED
    ] * 2
    assert all(r.ignored == ["Nama"] for r in results)  # named, never stored
    # requests went first: every stored appointment finds its request
    assert all(r.orphans == 0 for r in results)
    with store.connect(read_only=True) as con:
        requests = dict(
            con.execute(
                "SELECT request_id, channel || ' ' || kecamatan || ' ' || received_date "
                "|| ' ' || coalesce(CAST(cancelled_date AS VARCHAR), '-') FROM requests"
            ).fetchall()
        )
        appointments = {
            row[0]: row[1:]
            for row in con.execute(
                "SELECT appointment_id, request_id, CAST(scheduled_date AS VARCHAR), status, "
                "rejection_reason, CAST(temperature_c AS VARCHAR), "
                "strftime(checked_in_at, '%H:%M'), strftime(recorded_at, '%Y-%m-%d %H:%M'), "
                "queue_number, mask FROM appointments"
            ).fetchall()
        }
        quarantine = con.execute(
            "SELECT file_name, row_number, reason FROM quarantine ORDER BY import_id, row_number"
        ).fetchall()
        quarantined_columns = con.execute(
            "SELECT column_name FROM quarantine ORDER BY import_id, row_number"
        ).fetchall()
    assert requests == {
        "REG-2020-06-0001": "whatsapp Paringin 2020-06-08 -",
        "REG-2020-06-0002": "walk_in Juai 2020-06-08 -",
        "REG-2020-06-0003": "walk_in Juai 2020-06-10 -",  # row 14, the later No 3
        "REG-2020-06-0004": "whatsapp Juai 2020-06-09 2020-06-11",  # batal: scheduled date
        "REG-2020-06-0005": "whatsapp Paringin 2020-06-09 -",
        "REG-2020-06-0006": "whatsapp Paringin 2020-06-10 -",
        "REG-2020-07-0001": "whatsapp Paringin 2020-07-01 -",
        "REG-2020-07-0002": "walk_in Juai 2020-07-01 -",  # serial 44013 as text
        "REG-2020-07-0003": "walk_in Paringin 2020-07-02 -",
        "REG-2020-07-0004": "whatsapp Juai 2020-07-02 2020-07-02",  # batal: received date
        "REG-2020-08-0001": "whatsapp Paringin 2020-08-03 -",
        "REG-2020-08-0002": "walk_in Juai 2020-08-03 -",
    }
    # (request, date, status, reason, temperature, came, recorded, queue, mask)
    assert appointments == {
        "REG-2020-06-0001-A": (
            "REG-2020-06-0001",
            "2020-06-10",
            "recorded",
            None,
            "36.5",
            "08:15",
            None,
            1,
            None,
        ),  # fmt: skip
        "REG-2020-06-0002-A": (
            "REG-2020-06-0002",
            "2020-06-10",
            "rejected",
            "fever",
            "37.8",
            "08:30",
            None,
            2,
            None,
        ),  # fmt: skip
        "REG-2020-06-0003-A": (
            "REG-2020-06-0003",
            "2020-06-12",
            "scheduled",
            None,
            None,
            None,
            None,
            6,
            None,
        ),  # fmt: skip
        "REG-2020-06-0004-A": (
            "REG-2020-06-0004",
            "2020-06-11",
            "cancelled",
            None,
            None,
            None,
            None,
            None,
            None,
        ),  # fmt: skip
        "REG-2020-06-0005-A": (
            "REG-2020-06-0005",
            "2020-06-11",
            "recorded",
            None,
            "36.5",
            "09:00",
            None,
            4,
            None,
        ),  # fmt: skip
        "REG-2020-07-0001-A": (
            "REG-2020-07-0001",
            "2020-07-03",
            "recorded",
            None,
            "36.6",
            None,
            "2020-07-03 09:30",
            1,
            None,
        ),  # fmt: skip
        "REG-2020-07-0002-A": (
            "REG-2020-07-0002",
            "2020-07-03",
            "rejected",
            "fever",
            "38.2",
            None,
            None,
            2,
            None,
        ),  # fmt: skip
        "REG-2020-07-0003-A": (
            "REG-2020-07-0003",
            "2020-07-03",
            "no_show",
            None,
            None,
            None,
            None,
            3,
            None,
        ),  # fmt: skip
        "REG-2020-08-0001-A": (
            "REG-2020-08-0001",
            "2020-08-05",
            "recorded",
            None,
            "36.7",
            None,
            None,
            1,
            True,
        ),  # fmt: skip
        "REG-2020-08-0002-A": (
            "REG-2020-08-0002",
            "2020-08-05",
            "scheduled",
            None,
            None,
            None,
            None,
            2,
            None,
        ),  # fmt: skip
    }
    by_row = {(f, n): reason for f, n, reason in quarantine}
    # Juni requests rows 9, 13; appointments 9, 13; Juli 8 in both parts
    assert [c for (c,) in quarantined_columns] == [
        "request_id",
        "status",
        "appointment_id",
        "status",
        "received_at",
        "received_at",
    ]
    assert len(quarantine) == 6  # 2 + 2 + 1 + 1, as counted above
    unknown = by_row[("register.xlsx [Juni] (requests)", 13)]
    assert unknown.startswith('status: "hilang berkas, hub ************" in Keterangan')
    assert "sudah rekam" in unknown and "tidak datang" in unknown and "batal" in unknown
    assert by_row[("register.xlsx [Juni] (appointments)", 13)] == unknown
    assert by_row[("register.xlsx [Juni] (requests)", 9)].startswith("duplicate in file")
    assert by_row[("register.xlsx [Juni] (appointments)", 9)].startswith("duplicate in file")
    assert by_row[("register.xlsx [Juli] (requests)", 8)] == (
        'received_at: "31/06/2020" is not a date'
    )


# Daily metrics after the first import, by hand (CONTRACT 3; 8-12 Jun 2020 Mon-Fri, cap 10):
# requests by received date: 8 Jun No 1 (wa), 2 (walk-in); 9 Jun No 4, 5 (wa);
#   10 Jun No 6 (wa), 3 (walk-in, row 14).
# 10 Jun: scheduled 1-A, 2-A = 2; checked in 1-A (recorded), 2-A (rejected) = 2;
#   rejected 1; recorded 1 (1-A); backlog: 6 received, 1 closed (No 1) = 5.
# 11 Jun: 4-A is cancelled (not scheduled), 5-A recorded: scheduled 1, checked in 1,
#   recorded 1; closed by then No 1, 4 (cancelled 11 Jun), 5 -> backlog 6 - 3 = 3.
# 12 Jun: 3-A scheduled; backlog still 3 (No 2 turned away stays open, No 6, No 3).
# 3 Jul: 1-A recorded (visit = recorded_at date), 2-A rejected, 3-A no-show: scheduled 3,
#   checked in 2, rejected 1, recorded 1, no-show 1; backlog: June's 3 open + July's No 2,
#   No 3 (No 1 recorded 3 Jul, No 4 cancelled 2 Jul) = 5.
EXPECTED_DAILY = {
    # date: (requests, wa, walk_in, scheduled, checked_in, rejected, recorded, no_show,
    #        cap, backlog_end)
    "2020-06-08": (2, 1, 1, 0, 0, 0, 0, 0, 10, 2),
    "2020-06-10": (2, 1, 1, 2, 2, 1, 1, 0, 10, 5),
    "2020-06-11": (0, 0, 0, 1, 1, 0, 1, 0, 10, 3),
    "2020-06-12": (0, 0, 0, 1, 0, 0, 0, 0, 10, 3),
    "2020-07-03": (0, 0, 0, 3, 2, 1, 1, 1, 10, 5),
}
DAILY_FIELDS = [
    "requests",
    "requests_whatsapp",
    "requests_walk_in",
    "scheduled",
    "checked_in",
    "screening_rejected",
    "recorded",
    "no_show",
    "cap",
    "backlog_end",
]


def daily_rows(start: date, end: date) -> dict[str, tuple]:
    with store.connect(read_only=True) as con:
        frame = metrics.daily(con, start, end)
    return {
        row["date"].strftime("%Y-%m-%d"): tuple(int(row[c]) for c in DAILY_FIELDS)
        for _, row in frame.iterrows()
    }


def test_daily_metrics_after_import(home: Path, book: Path) -> None:
    ingest.ingest_path(book, actor=ADMIN)
    june = daily_rows(date(2020, 6, 8), date(2020, 6, 12))
    july = daily_rows(date(2020, 7, 3), date(2020, 7, 3))
    got = june | july
    assert {d: got[d] for d in EXPECTED_DAILY} == EXPECTED_DAILY


def test_reimport_after_rows_added_and_edited(home: Path, tmp_path: Path, book: Path) -> None:
    ingest.ingest_path(book, actor=ADMIN)
    again = ingest.ingest_path(book, actor=ADMIN)
    # The same file again: every valid row unchanged, the refused ones refused again.
    assert [counts(r) for r in again] == [
        (name, read, 0, 0, read - quar, quar) for name, read, _i, _u, _c, quar in FIRST_IMPORT
    ]

    juni = [list(row) for row in JUNI_ROWS]
    juni[0][5] = "Awayan"  # No 1 moved kecamatan: its request changes, not its appointment
    juni[5][8] = D(2020, 6, 12)  # No 6 got its date: a new appointment
    juni[7][11] = "tidak datang"  # No 3 (row 14) did not come: its appointment changes
    juni.append([8, D(2020, 6, 11), "Putri", None, None, "Juai", "WA", 7, D(2020, 6, 12), None, None, None])  # fmt: skip
    (tmp_path / "edited").mkdir()
    edited = build_workbook(tmp_path / "edited" / "register.xlsx", juni, juli_edit=True)
    results = ingest.ingest_path(edited, actor=ADMIN)
    # Juni requests: 9 read; the same 2 quarantined; new No 8; No 1 updated; No 2, 3, 4,
    #   5, 6 unchanged (No 6's request cells did not change) = 1 + 1 + 5 + 2.
    # Juni appointments: rows 7-15 less none (row 12 now dated) = 9 read; 2 quarantined;
    #   new 6-A and 8-A; 3-A updated; 1-A, 2-A, 4-A, 5-A unchanged = 2 + 1 + 4 + 2.
    # Juli: row 6 `batal`: the request gets cancelled_at (updated) and so does its
    #   appointment's status; the others unchanged.
    assert [counts(r) for r in results] == [
        ("register.xlsx [Juni] (requests)", 9, 1, 1, 5, 2),
        ("register.xlsx [Juni] (appointments)", 9, 2, 1, 4, 2),
        ("register.xlsx [Juli] (requests)", 5, 0, 1, 3, 1),
        ("register.xlsx [Juli] (appointments)", 4, 0, 1, 2, 1),
        ("register.xlsx [Agustus] (requests)", 2, 0, 0, 2, 0),
        ("register.xlsx [Agustus] (appointments)", 2, 0, 0, 2, 0),
    ]
    with store.connect(read_only=True) as con:
        status = dict(con.execute("SELECT appointment_id, status FROM appointments").fetchall())
        cancelled = con.execute(
            "SELECT CAST(cancelled_date AS VARCHAR) FROM requests WHERE request_id = ?",
            ["REG-2020-07-0003"],
        ).fetchall()
    assert status["REG-2020-06-0003-A"] == "no_show"
    assert status["REG-2020-06-0006-A"] == "scheduled"
    assert status["REG-2020-07-0003-A"] == "cancelled"
    assert cancelled == [("2020-07-03",)]  # its scheduled date


def test_no_personal_data_stored_raw(home: Path, book: Path) -> None:
    ingest.ingest_path(book, actor=ADMIN)
    digits = [
        NIK_ANI,
        NIK_GINA,
        NIK_INDAH,
        PHONE_IN_NOTE,
        *("".join(ch for ch in p if ch.isdigit()) for p in (PHONE_ANI, PHONE_GINA, PHONE_INDAH)),
    ]
    planted = [*digits, *(d[1:] for d in digits), PHONE_ANI, PHONE_GINA, PHONE_INDAH, *NAMES]
    with store.connect(read_only=True) as con:
        columns = con.execute(
            "SELECT table_name, column_name FROM information_schema.columns "
            "WHERE data_type = 'VARCHAR' OR data_type LIKE 'VARCHAR%' OR data_type = 'JSON'"
        ).fetchall()
        assert ("quarantine", "raw") in columns and ("requests", "phone_masked") in columns
        for table, column in columns:
            for value in planted:
                hits = con.execute(
                    f'SELECT count(*) FROM "{table}" WHERE contains(CAST("{column}" AS VARCHAR), ?)',  # noqa: S608 - names from the catalog
                    [value],
                ).fetchall()[0][0]
                assert hits == 0, f"{value!r} found in {table}.{column}"
        masked = con.execute(
            "SELECT phone_masked FROM requests WHERE request_id = 'REG-2020-06-0001'"
        ).fetchall()
    assert masked[0][0] and "*" in masked[0][0]


def test_dry_run_then_one_sheet(home: Path, book: Path) -> None:
    preview = ingest.ingest_path(book, actor=ADMIN, sheets=["Juli"], dry_run=True)
    assert [counts(r) for r in preview] == FIRST_IMPORT[2:4]
    assert all(r.dry_run for r in preview)
    with store.connect(read_only=True) as con:
        assert con.execute("SELECT count(*) FROM requests").fetchall() == [(0,)]
    results = ingest.ingest_path(book, actor=ADMIN, sheets=["Juli"])
    assert [counts(r) for r in results] == FIRST_IMPORT[2:4]


def test_register_kind_told_and_refused_sheet(home: Path, tmp_path: Path) -> None:
    path = tmp_path / "buku.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Juli"
    ws.append(["Tanggal Daftar", "Via", "Keterangan"])  # no No and no ID column
    ws.append([D(2020, 7, 1), "WA", None])
    wb.save(path)
    with pytest.raises(ingest.IngestError) as err:
        ingest.ingest_path(path, "register", actor=ADMIN)
    message = str(err.value)
    assert "\n" not in message and "No (or No. Register" in message


def test_csv_register(home: Path, tmp_path: Path) -> None:
    """The Juli sheet saved from Excel as CSV (`;`, CRLF, a BOM): the same numbers."""
    lines = ["DAFTAR PEREKAMAN KTP-EL BULAN JULI 2020;;;", "KAB. BALANGAN;;;", ";;;"]
    lines.append(";".join(JULI_HEADER))
    lines += [";".join("" if c is None else str(c) for c in row) for row in JULI_ROWS]
    lines.append("TOTAL;;;;;;;;;;;5")
    path = tmp_path / "juli.csv"
    path.write_bytes(("\ufeff" + "\r\n".join(lines) + "\r\n").encode("utf-8"))
    results = ingest.ingest_path(path, actor=ADMIN)
    # Juli's numbers (FIRST_IMPORT), and one more blank row (the `;;;` line).
    assert [counts(r) for r in results] == [
        ("juli.csv (requests)", 5, 4, 0, 0, 1),
        ("juli.csv (appointments)", 4, 3, 0, 0, 1),
    ]
    assert results[0].skipped == "2 title rows, 1 blank row, 1 total row"


def test_ordinary_logs_are_not_taken_for_a_register(home: Path, tmp_path: Path) -> None:
    path = tmp_path / "permohonan.csv"
    path.write_text(
        "request_id,received_at,channel,service,kecamatan\nR1,2020-06-08 08:00,wa,ktp_el,Juai\n",
        encoding="utf-8",
    )
    results = ingest.ingest_path(path, actor=ADMIN)
    assert [(r.file_name, r.kind, r.inserted) for r in results] == [
        ("permohonan.csv", "requests", 1)
    ]


# ---------------------------------------------------------------------------- register.py


def test_read_rows_directly() -> None:
    """The pure reader: a header split over two rows, serials, times, skipped rows."""
    rows = [
        (2, ["DAFTAR PEREKAMAN KTP-EL"]),
        (4, ["No", "Tgl Pengajuan", "Nama", "Kanal", "Jadwal", "", "Status"]),
        (5, ["", "", "", "", "Tanggal", "Jam Datang", ""]),
        (6, [1.0, 43990.0, "X", "loket", "43992", 0.34375, "Ditolak (tidak bermasker)"]),
        (7, ["JUMLAH", "", "", "", "", "", ""]),
    ]
    reg = register.read(rows)
    assert reg.header_rows == (4, 5)
    # row 3 is blank between the title (2) and the header (4); row 1 is above everything
    assert reg.skipped_text() == "1 title row, 1 blank row, 1 total row"
    assert reg.ignored == ["Nama"]
    assert reg.requests.rows == [
        (6, ["REG-2020-06-0001", "2020-06-08", "loket", None, None, None, None, None])
    ]
    assert reg.appointments.rows == [
        (
            6,
            [
                "REG-2020-06-0001-A",
                "REG-2020-06-0001",
                None,
                "2020-06-10",
                "rejected",
                "2020-06-10 08:15:00",
                None,
                None,
                None,
                "tidak bermasker",
                None,
            ],
        )  # fmt: skip
    ]
    assert register.is_register(rows)
    log = [(1, ["request_id", "received_at", "channel"]), (2, ["R1", "2020-06-08", "wa"])]
    assert not register.is_register(log)


# ---------------------------------------------------------------------------- CLI


def test_cli_imports_a_register(home: Path, book: Path) -> None:
    done = run_process(home, "ingest", str(book), "--sheet", "Juli")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith(
        f"{book} [Juli] (requests): read 5, inserted 4, updated 0, unchanged 0, quarantined 1"
    )
    assert "ignored: Nama" in lines[0] and lines[0].endswith(f"skipped: {JULI_SKIPPED}")
    assert lines[1].startswith(
        f"{book} [Juli] (appointments): read 4, inserted 3, updated 0, unchanged 0, quarantined 1"
    )
    assert len(lines) == 2
    db = home / "dashboard.duckdb"
    before = hashlib.sha256(db.read_bytes()).hexdigest()
    done = run_process(home, "ingest", str(book), "--dry-run")
    assert done.returncode == 0, done.stderr
    assert hashlib.sha256(db.read_bytes()).hexdigest() == before
    assert f"{book} [Juni] (requests): read 8, inserted 6," in done.stdout
    assert f"{book} [Juli] (requests): read 5, inserted 0, updated 0, unchanged 4," in (done.stdout)
    assert done.stdout.rstrip().endswith("dry run: nothing was saved")
    done = run_process(home, "ingest", str(book), "--kind", "register")
    assert done.returncode == 0, done.stderr
    assert len(done.stdout.splitlines()) == 6
    assert f"{book} [Agustus] (appointments): read 2, inserted 2," in done.stdout
    for secret in (NIK_ANI, PHONE_ANI, PHONE_IN_NOTE, *NAMES):
        assert secret not in done.stdout + done.stderr
