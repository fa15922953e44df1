"""Exports: formula escaping, the three file formats, row-level exports, roles, audit.

Row-level tests put a small hand-checked set of rows straight into the store (the
numbers below are counted by hand from `_seed`); the personal-data scan goes through
ingest, so it checks what really lands in the store and leaves in a file.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from dashboard import config, exports, store
from dashboard.roles import Actor, PermissionDenied
from tests.fixtures import run_cli

ANALYST = Actor("ana", "analyst")
ADMIN = Actor("adm", "admin")
HEAD = Actor("kepala", "head")
STAFF = Actor("petugas", "staff")

START, END = date(2020, 6, 8), date(2020, 6, 15)


@dataclass(frozen=True)
class F:
    """The shape of metrics.Filters (exports only reads these three fields)."""

    channels: tuple[str, ...] = ()
    kecamatan: tuple[str, ...] = ()
    services: tuple[str, ...] = ()


# --- formula escaping -------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    ["=1+1", "+A1", "-2+3", "@SUM(A1)", "\t=1", "\r=1", "\n=1", '=HYPERLINK("http://x")', "-"],
)
def test_dangerous_prefix_gets_a_quote(raw: str) -> None:
    assert exports.escape_cell(raw) == "'" + raw


@pytest.mark.parametrize("raw", ["-12,5", "-12.5", "+3", "-0", "12", "Paringin", "a=b", "'=x", ""])
def test_plain_numbers_and_harmless_text_kept(raw: str) -> None:
    assert exports.escape_cell(raw) == raw


def test_escape_formulas_on_pandas3_str_dtype() -> None:
    df = pd.DataFrame({"k": ["=cmd", "-12,5", "ok", None], "n": [-1, -2, 3, 4]})
    # The reason for this test: pandas 3 stores text as `str`, not object.
    assert not pd.api.types.is_object_dtype(df["k"].dtype)
    out = exports.escape_formulas(df)
    assert out["k"].tolist()[:3] == ["'=cmd", "-12,5", "ok"]
    assert pd.isna(out["k"].iloc[3])
    assert out["n"].tolist() == [-1, -2, 3, 4]
    assert out["n"].dtype == df["n"].dtype
    assert df["k"].iloc[0] == "=cmd"  # the caller's frame is not changed


def test_escape_formulas_object_and_categorical_columns() -> None:
    df = pd.DataFrame(
        {
            "o": pd.Series(["@x", 5, -3.5], dtype=object),
            "c": pd.Categorical(["=a", "b", "=a"]),
            "f": [-1.5, 2.0, -0.25],
            "=evil_header": [1, 2, 3],
        }
    )
    out = exports.escape_formulas(df)
    assert out["o"].tolist() == ["'@x", 5, -3.5]
    assert out["c"].tolist() == ["'=a", "b", "'=a"]
    assert out["f"].tolist() == [-1.5, 2.0, -0.25]
    assert "'=evil_header" in out.columns


# --- chart frame formats ------------------------------------------------------------


def _frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "date": pd.to_datetime(["2020-06-08", "2020-06-09"]),
            "kecamatan": ["=1+1", 'Juai; "Batu"'],
            "recorded": [7, -2],
            "utilization": [0.7, 0.25],
        }
    )


def test_csv_plain() -> None:
    data = exports.frame_bytes(_frame(), "csv")
    assert not data.startswith(exports.BOM)
    text = data.decode("utf-8")
    assert text.splitlines()[0] == "date,kecamatan,recorded,utilization"
    # The escaped cell is quoted; numbers stay plain, dates without a midnight time.
    assert text.splitlines()[1] == '2020-06-08,"\'=1+1",7,0.7'
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[2] == ["2020-06-09", 'Juai; "Batu"', "-2", "0.25"]


def test_excel_csv_bom_semicolon_comma_decimals() -> None:
    data = exports.frame_bytes(_frame(), "excel_csv")
    assert data.startswith(b"\xef\xbb\xbf")
    text = data[3:].decode("utf-8")
    assert "\r\n" in text
    lines = text.split("\r\n")
    assert lines[0] == "date;kecamatan;recorded;utilization"
    assert lines[1] == '2020-06-08;"\'=1+1";7;0,7'
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert rows[2] == ["2020-06-09", 'Juai; "Batu"', "-2", "0,25"]


def test_missing_values_are_empty_cells() -> None:
    df = pd.DataFrame(
        {
            "when": pd.to_datetime(["2020-06-08 08:15", None]),
            "rate": [0.5, float("nan")],
            "n": pd.array([1, None], dtype="Int64"),
            "k": ["a", None],
        }
    )
    text = exports.frame_bytes(df, "csv").decode()
    assert text.splitlines() == ["when,rate,n,k", "2020-06-08 08:15:00,0.5,1,a", ",,,"]
    ws = openpyxl.load_workbook(io.BytesIO(exports.frame_bytes(df, "xlsx"))).active
    assert list(ws.iter_rows(min_row=3, max_row=3, max_col=4, values_only=True)) == [(None,) * 4]


def test_xlsx_cells_are_strings_not_formulas() -> None:
    data = exports.frame_bytes(_frame(), "xlsx")
    ws = openpyxl.load_workbook(io.BytesIO(data)).active
    cells = list(ws.iter_rows(values_only=False))
    assert [c.value for c in cells[0]] == ["date", "kecamatan", "recorded", "utilization"]
    kec = cells[1][1]
    assert kec.value == "'=1+1" and kec.data_type == "s"
    assert cells[1][2].value == 7 and cells[1][2].data_type == "n"
    assert cells[2][3].value == 0.25
    assert all(c.data_type != "f" for row in cells for c in row)


def test_filename_has_chart_and_range() -> None:
    name = exports.filename("Overview / throughput", START, END, "excel_csv")
    assert name == "overview-throughput_2020-06-08_2020-06-15.excel.csv"


def test_unknown_format_refused() -> None:
    with pytest.raises(ValueError, match="unknown export format"):
        exports.frame_bytes(_frame(), "pdf")


# --- audit --------------------------------------------------------------------------


def test_audit_row_records_who_what_filters_rows(home: Path) -> None:
    with store.connect() as con:
        exports.audit(
            con,
            HEAD,
            "chart:overview",
            exports.filters_json(F(("whatsapp",)), START, END),
            "csv",
            8,
        )
        log = exports.audit_log(con, 10)
    assert len(log) == 1
    row = log.iloc[0]
    assert (row["username"], row["role"], row["what"], row["file_format"], row["row_count"]) == (
        "kepala",
        "head",
        "chart:overview",
        "csv",
        8,
    )
    assert json.loads(row["filters"]) == {
        "channels": ["whatsapp"],
        "kecamatan": [],
        "services": [],
        "start": "2020-06-08",
        "end": "2020-06-15",
    }


# --- row-level exports --------------------------------------------------------------

# request_id, received_at, channel, service, kecamatan, phone_masked, nik_hash, cancelled_at
_REQUESTS = [
    ("R1", "2020-06-08 09:00", "whatsapp", "ktp_el", "Paringin", "0812****789", "aa" * 16, None),
    ("R2", "2020-06-09 10:00", "walk_in", "ktp_el", "Paringin Selatan", None, "bb" * 16, None),
    ("R3", "2020-06-10 11:00", "whatsapp", "kk", "Juai", "0813****111", None, None),
    ("R4", "2020-06-20 08:00", "whatsapp", "ktp_el", "Juai", None, None, None),
    ('=HYPERLINK("http://x")', "2020-06-11 08:30", "online", "ktp_el", "@SUM(1)", None, None, None),
]
# appointment_id, request_id, scheduled_date, status, checked_in_at, temperature_c,
# rejection_reason, recorded_at
_APPOINTMENTS = [
    ("A1", "R1", "2020-06-10", "recorded", "2020-06-10 08:10", 36.8, None, "2020-06-10 08:30"),
    ("A2", "R2", "2020-06-11", "rejected", "2020-06-11 08:05", 38.2, "fever", None),
    ("A3", "R-missing", "2020-06-12", "scheduled", None, None, None, None),
    ("A4", "R3", "2020-06-16", "scheduled", None, None, None, None),
]


def _seed() -> None:
    with store.connect() as con:
        for rid, rec, ch, svc, kec, masked, nik, canc in _REQUESTS:
            con.execute(
                "INSERT INTO requests VALUES (?, ?::TIMESTAMP, CAST(?::TIMESTAMP AS DATE), ?, ?, "
                "?, lower(trim(?)), ?, ?, ?, ?::TIMESTAMP, CAST(?::TIMESTAMP AS DATE), 1, 1)",
                [rid, rec, rec, ch, svc, kec, kec, "ph" + rid, masked, nik, canc, canc],
            )
        for aid, rid, sched, status, chk, temp, reason, rec in _APPOINTMENTS:
            visit = (chk or rec or sched)[:10]
            con.execute(
                "INSERT INTO appointments VALUES (?, ?, 1, ?::DATE, ?, ?::TIMESTAMP, ?, true, "
                "true, ?, ?::TIMESTAMP, ?::DATE, ?::DATE, 1, 1)",
                [aid, rid, sched, status, chk, temp, reason, rec, visit, (rec or visit)[:10]],
            )
        store.refresh_closed_dates(con, "all")


def _rows(export: exports.RowExport, excel: bool = False) -> list[dict[str, str]]:
    data = exports.read_and_remove(export.path)
    if excel:
        assert data.startswith(exports.BOM)
        data = data[3:]
    return list(csv.DictReader(io.StringIO(data.decode("utf-8")), delimiter=";" if excel else ","))


@pytest.mark.parametrize(
    ("kind", "filters", "expected"),
    [
        ("requests", F(), {"R1", "R2", "R3", '\'=HYPERLINK("http://x")'}),
        ("requests", F(channels=("whatsapp",)), {"R1", "R3"}),
        ("requests", F(kecamatan=(" PARINGIN ",)), {"R1"}),
        ("requests", F(services=("kk",)), {"R3"}),
        ("appointments", F(), {"A1", "A2", "A3"}),  # the orphan passes unfiltered only
        ("appointments", F(channels=("whatsapp",)), {"A1"}),
        ("appointments", F(kecamatan=("paringin selatan",)), {"A2"}),
    ],
)
def test_row_export_range_and_filters(home: Path, kind: str, filters: F, expected: set) -> None:
    _seed()
    with store.connect() as con:
        n = exports.count_rows(con, ANALYST, kind, START, END, filters)
        result = exports.export_rows(con, ANALYST, kind, START, END, filters)
    rows = _rows(result)
    id_col = "request_id" if kind == "requests" else "appointment_id"
    assert {r[id_col] for r in rows} == expected
    assert n == result.rows == len(expected)


def test_request_export_columns_hold_no_health_or_raw_personal_data(home: Path) -> None:
    _seed()
    with store.connect() as con:
        rows = _rows(exports.export_rows(con, ADMIN, "requests", START, END, F()))
    assert list(rows[0]) == [
        "request_id",
        "received_at",
        "channel",
        "service",
        "kecamatan",
        "phone_masked",
        "nik_hash",
        "cancelled_at",
    ]
    r1 = next(r for r in rows if r["request_id"] == "R1")
    assert r1["phone_masked"] == "0812****789" and r1["nik_hash"] == "aa" * 16
    evil = next(r for r in rows if r["request_id"].startswith("'"))
    assert evil["kecamatan"] == "'@SUM(1)"


def test_appointment_export_has_temperatures_and_excel_format(home: Path) -> None:
    _seed()
    with store.connect() as con:
        result = exports.export_rows(con, ANALYST, "appointments", START, END, F(), "excel_csv")
    raw = result.path.read_bytes()
    assert raw.startswith(exports.BOM) and raw.count(exports.BOM) == 1
    assert b'"A1";' in raw  # free-text columns are always quoted
    rows = _rows(result, excel=True)
    a1 = next(r for r in rows if r["appointment_id"] == "A1")
    assert a1["temperature_c"] == "36,8"
    assert a1["channel"] == "whatsapp" and a1["kecamatan"] == "Paringin"
    assert "phone_hash" not in a1 and "nik_hash" not in a1
    assert result.file_name == "appointments-rows_2020-06-08_2020-06-15.excel.csv"


@pytest.mark.parametrize("actor", [HEAD, STAFF, None])
@pytest.mark.parametrize("kind", exports.ROW_KINDS)
def test_row_exports_denied_on_the_server(home: Path, actor: Actor | None, kind: str) -> None:
    _seed()
    with store.connect() as con:
        with pytest.raises(PermissionDenied):
            exports.export_rows(con, actor, kind, START, END, F())  # type: ignore[arg-type]
        with pytest.raises(PermissionDenied):
            exports.count_rows(con, actor, kind, START, END, F())  # type: ignore[arg-type]
        assert exports.audit_log(con).empty
    assert list(exports.tmp_dir().iterdir()) == []


def test_every_row_export_is_audited_and_file_removed(home: Path) -> None:
    _seed()
    with store.connect() as con:
        a = exports.export_rows(con, ANALYST, "requests", START, END, F(channels=("whatsapp",)))
        b = exports.export_rows(con, ADMIN, "appointments", START, END, F(), "excel_csv")
        log = exports.audit_log(con)
    assert a.path.parent == config.home() / "tmp"
    exports.read_and_remove(a.path)
    exports.read_and_remove(b.path)
    assert not a.path.exists() and not b.path.exists()
    got = [tuple(r) for r in log[["username", "what", "file_format", "row_count"]].to_numpy()]
    assert got == [
        ("adm", "rows:appointments", "excel_csv", 3),
        ("ana", "rows:requests", "csv", 2),
    ]
    assert json.loads(log.iloc[1]["filters"])["channels"] == ["whatsapp"]


def test_gzip_row_export_is_the_plain_csv_compressed(home: Path) -> None:
    _seed()
    with store.connect() as con:
        plain = exports.read_and_remove(
            exports.export_rows(con, ANALYST, "requests", START, END, F()).path
        )
        packed = exports.export_rows(con, ANALYST, "requests", START, END, F(), "csv_gz")
    assert packed.file_name.endswith(".csv.gz") and packed.mime == "application/gzip"
    assert gzip.decompress(exports.read_and_remove(packed.path)) == plain


def test_unknown_kind_and_format_refused(home: Path) -> None:
    with store.connect() as con:
        with pytest.raises(ValueError, match="unknown row export"):
            exports.export_rows(con, ANALYST, "users", START, END, F())
        with pytest.raises(ValueError, match="unknown row export format"):
            exports.export_rows(con, ANALYST, "requests", START, END, F(), "xlsx")


def test_sql_escaping_matches_python_escaping(home: Path) -> None:
    samples = [
        "=1+1",
        "+62812",
        "-2+3",
        "@x",
        "\t=1",
        "\r=1",
        "\n=1",
        "-12,5",
        "-12.5",
        "+3",
        "ok",
        "a=b",
    ]
    with store.connect() as con:
        got = [
            con.execute("SELECT " + exports._esc_sql("$v"), {"v": s}).fetchone()[0] for s in samples
        ]
    assert got == [exports.escape_cell(s) for s in samples]


def test_clean_tmp_removes_only_old_files(home: Path) -> None:
    import os

    old = exports.tmp_dir() / "export-old.csv"
    new = exports.tmp_dir() / "export-new.csv"
    old.write_text("x")
    new.write_text("y")
    os.utime(old, (0, 0))
    assert exports.clean_tmp(3600) == 1
    assert not old.exists() and new.exists()


# --- personal data: nothing raw leaves, via the real ingest -------------------------

NIKS = [f"63080{i:011d}" for i in range(1, 41)]
PHONES = [f"0812{i:08d}" for i in range(1, 41)]
NIK_RE = re.compile(rb"(?<![0-9A-Za-z])\d{16}(?![0-9A-Za-z])")
PHONE_RE = re.compile(rb"(?<![0-9A-Za-z])(?:\+?62|0)8\d{7,12}(?![0-9A-Za-z])")


def _ingest_fake_people() -> None:
    from dashboard import ingest

    requests = pd.DataFrame(
        {
            "request_id": [f"Q{i}" for i in range(40)],
            "received_at": [f"2020-06-{8 + i % 7:02d} 09:{i % 60:02d}" for i in range(40)],
            "channel": ["whatsapp", "walk_in"] * 20,
            "service": ["ktp_el"] * 40,
            "kecamatan": ["Paringin", "Juai", "Halong", "Awayan"] * 10,
            "phone": [p if i % 3 else "+62" + p[1:] for i, p in enumerate(PHONES)],
            "nik": NIKS,
            "cancelled_at": [None] * 40,
        }
    )
    appointments = pd.DataFrame(
        {
            "appointment_id": [f"J{i}" for i in range(40)],
            "request_id": [f"Q{i}" for i in range(40)],
            "queue_number": list(range(1, 41)),
            "scheduled_date": [f"2020-06-{9 + i % 6:02d}" for i in range(40)],
            "status": ["recorded", "scheduled"] * 20,
            "checked_in_at": [
                f"2020-06-{9 + i % 6:02d} 08:00" if i % 2 == 0 else None for i in range(40)
            ],
            "temperature_c": ["36,8" if i % 2 == 0 else None for i in range(40)],
            "mask": ["ya"] * 40,
            "handwash": ["ya"] * 40,
            "rejection_reason": [None] * 40,
            "recorded_at": [
                f"2020-06-{9 + i % 6:02d} 08:30" if i % 2 == 0 else None for i in range(40)
            ],
        }
    )
    requests = requests.astype(str).replace({"None": None})
    appointments = appointments.astype(str).replace({"None": None})
    ingest.ingest_table(requests, "requests", source_name="fake-requests", actor=ADMIN)
    ingest.ingest_table(appointments, "appointments", source_name="fake-appts", actor=ADMIN)


def test_no_nik_and_no_unmasked_phone_in_any_export(home: Path) -> None:
    _ingest_fake_people()
    produced: list[bytes] = []
    with store.connect() as con:
        assert exports.count_rows(con, ADMIN, "requests", START, END, F()) == 40
        for kind in exports.ROW_KINDS:
            for fmt in exports.ROW_FORMATS:
                produced.append(
                    exports.read_and_remove(
                        exports.export_rows(con, ANALYST, kind, START, END, F(), fmt).path
                    )
                )
    assert sum(len(p) for p in produced) > 0
    for data in produced:
        assert NIK_RE.search(data) is None
        assert PHONE_RE.search(data) is None
        for nik in NIKS:
            assert nik.encode() not in data
        for phone in PHONES:
            assert phone[1:].encode() not in data  # also catches +62… forms
    requests_csv = produced[0].decode()
    assert requests_csv.count("****") == 40  # every phone is there, masked


# --- the daily metrics file equals the CLI's ------------------------------------------


def test_daily_download_equals_cli_bytes(home: Path) -> None:
    from dashboard import metrics

    _ingest_fake_people()
    filters = metrics.Filters.single("whatsapp", None, None)
    with store.connect() as con:
        page_bytes = exports.daily_csv_bytes(con, HEAD, START, END, filters)
        log = exports.audit_log(con)
    cli_stdout = run_cli(
        "export", "daily", "--start", "2020-06-08", "--end", "2020-06-15", "--channel", "whatsapp"
    )
    assert page_bytes == cli_stdout
    assert page_bytes.decode().splitlines()[0].startswith("date,requests,")
    assert len(page_bytes.decode().splitlines()) == 1 + 8
    assert log.iloc[0]["what"] == "daily_metrics" and log.iloc[0]["row_count"] == 8
