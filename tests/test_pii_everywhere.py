"""No raw NIK or phone number survives an import, wherever a messy file carries it (CONTRACT 4).

Distinct NIKs and phone numbers are planted in every place an office's CSV or workbook
can hold them: the recognised NIK/phone columns (valid values, and invalid ones so the
row is quarantined), columns the import does not use, free-text notes, the extra cells
of ragged rows, short rows, quoted cells with line breaks, `+62 812-3456-7890` forms, a
header cell, a cell with a NUL byte. The files go in through the command line (a real
subprocess) and through the upload page (AppTest); then every raw value is looked for,
as written and as its digits with any separators: in every file under DASHBOARD_HOME
(the store, its `.wal`, `tmp/`, `logs/`), in every VARCHAR (and list) column of every
table through SQL (the file may be compressed, so a byte search alone could miss one),
in the CLI's output, `export daily`, the row exports of requests and appointments, and
every element of the page's text. Zero hits.
"""

from __future__ import annotations

import io
import itertools
import re
from datetime import date, datetime
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import Workbook
from streamlit.testing.v1 import AppTest

from dashboard import exports, metrics, roles, store, users
from tests.fixtures import run_process
from tests.upload_steps import check_and_save

ROOT = Path(__file__).resolve().parent.parent
ADMIN = roles.Actor.cli("tester")


class Planter:
    """Hands out distinct NIKs and phone numbers and remembers each one planted."""

    def __init__(self, series: int) -> None:
        self._n = itertools.count(series * 100 + 1)
        self.planted: list[str] = []

    def nik(self, spaced: bool = False) -> str:
        digits = f"6308{next(self._n):012d}"
        value = " ".join(digits[i : i + 4] for i in range(0, 16, 4)) if spaced else digits
        return self._keep(value)

    def bad_nik(self) -> str:
        """15 digits: not a NIK, so the row is quarantined."""
        return self._keep(f"6371{next(self._n):011d}")

    def phone(self, form: str = "plain") -> str:
        digits = f"0857{next(self._n):08d}"
        value = {
            "plain": digits,
            "intl": f"+62 {digits[1:4]}-{digits[4:8]}-{digits[8:]}",
            "dots": f"{digits[:4]}.{digits[4:8]}.{digits[8:]}",
            "spaced": f"{digits[:4]} {digits[4:8]} {digits[8:]}",
        }[form]
        return self._keep(value)

    def bad_phone(self) -> str:
        """17 digits: not a phone number, so the row is quarantined."""
        return self._keep(f"0878{next(self._n):013d}")

    def _keep(self, value: str) -> str:
        self.planted.append(value)
        return value


def _core(value: str) -> str:
    """The digits that identify the person: a phone's without its `0`/`62` prefix."""
    digits = re.sub(r"\D", "", value)
    if len(digits) != 16 and digits.startswith("62"):
        return digits[2:]
    return digits[1:] if len(digits) != 16 and digits.startswith("0") else digits


def _needles(planted: list[str]) -> list[tuple[str, re.Pattern[str]]]:
    """For each value: its digits with up to three separator characters between any two
    (so `0857-0000-0101`, `0857 0000 0101`, `+62 857...` and bare digits all match)."""
    out = []
    for value in planted:
        core = _core(value)
        out.append((value, re.compile(r"[^0-9A-Za-z]{0,3}".join(map(re.escape, core)))))
    return out


def _hits(text: str, needles: list[tuple[str, re.Pattern[str]]], where: str) -> list[str]:
    return [f"{where}: {value!r}" for value, pattern in needles if pattern.search(text)] + [
        f"{where}: {value!r} (as written)"
        for value, _ in needles
        if value in text or re.sub(r"\D", "", value) in text
    ]


# ------------------------------------------------------------------ the messy files


def requests_csv(p: Planter, series: int) -> bytes:
    header = (
        "request_id,received_at,channel,No. HP,NIK Pemohon,Nama,NIK Ayah,"
        f"HP Keluarga,Catatan,Kontak {p.phone('spaced')}"
    )
    r = f"S{series}-"
    rows = [
        # good: the recognised columns are hashed, the rest are ignored (never stored)
        f"{r}1,2020-06-08 08:15,wa,{p.phone()},{p.nik()},Budi,{p.nik()},"
        f'"{p.phone("intl")}","catatan {p.nik(spaced=True)}",{p.phone("dots")}',
        # bad date: quarantined with every kind of value in it
        f"{r}2,31/02/2020,wa,{p.phone('intl')},{p.nik()},Ani,{p.nik(spaced=True)},"
        f"{p.phone()},hp {p.phone('spaced')},{p.phone()}",
        # invalid NIK and phone in the recognised columns: quarantined
        f"{r}3,2020-06-08,loket,{p.bad_phone()},{p.bad_nik()},Cici,,,,",
        # a NIK in a value the reason quotes (channel, received_at)
        f"{r}4,{p.nik()},fax {p.phone()},,,Dodi,,,,",
        # ragged: two cells too many, the extra ones carry numbers
        f"{r}5,2020-06-08,wa,{p.phone()},{p.nik()},Eko,{p.nik()},,,,"
        f"extra {p.nik(spaced=True)},{p.phone('intl')}",
        # short: the cells stop early, a NIK where the date should be
        f"{r}6,{p.nik(spaced=True)},wa",
        # a quoted cell with line breaks, in a good row and in a ragged one
        f'{r}7,2020-06-08,wa,,,Fani,,,"baris satu\n{p.nik(spaced=True)}\nhp {p.phone()}",',
        f'{r}8,2020-06-08,wa,,,Gita,,,"a\n{p.phone("intl")}",,{p.nik()}',
        # a NUL byte in a cell: the file still loads, the byte is removed
        f"{r}9,2020-06-08,wa,{p.phone()},,Hen\0ri,{p.nik()},,,",
        # the same ID twice: the earlier copy goes to quarantine as a duplicate
        f"{r}10,2020-06-08,wa,{p.phone()},{p.nik()},Ina,{p.nik()},{p.phone()},,",
        f"{r}10,2020-06-09,wa,,,Ina,,,,",
    ]
    return ("\r\n".join([header, *rows]) + "\r\n").encode()


def appointments_csv(p: Planter, series: int) -> bytes:
    # appointments have no NIK or phone column: both are ignored here
    header = "appointment_id,request_id,scheduled_date,status,NIK,No HP,Keterangan"
    r = f"S{series}-"
    rows = [
        f"A{r}1,{r}1,10/06/2020,terjadwal,{p.nik()},{p.phone()},ket {p.phone('intl')}",
        f"A{r}2,{r}1,10/06/2020,hilang {p.nik()},{p.nik()},{p.phone()},x",
        f"A{r}3,{r}1,{p.phone('dots')},scheduled,,,",
        f"A{r}4,{r}1,10/06/2020,scheduled,{p.nik()},{p.phone()},y,{p.nik(spaced=True)}",
        f"A{r}5,{r}1,10/06/2020",
    ]
    return ("\n".join([header, *rows]) + "\n").encode()


def requests_xlsx(p: Planter, series: int) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(["ID Permohonan", "Waktu Masuk", "Kanal", "No. WA", "NIK", "Nama", "Catatan"])
    r = f"X{series}-"
    # numbers typed into cells as numbers, as offices do
    ws.append(
        [
            f"{r}1",
            datetime(2020, 6, 8, 8, 15),
            "WhatsApp",
            int(p.phone()),
            int(p.nik()),
            "Joko",
            f"catatan\n{p.nik(spaced=True)}",
        ]
    )
    ws.append([f"{r}2", "31/02/2020", "wa", p.phone("intl"), p.nik(), "Kiki", f"hp {p.phone()}"])
    ws.append([f"{r}3", "2020-06-08", "wa", p.bad_phone(), int(p.bad_nik()), "Lia", None])
    ws.append([f"{r}4", p.nik(), "wa", None, None, "Mira", p.phone("dots")])
    ws.append([f"{r}5", "2020-06-08", "wa", p.phone(), p.nik(), "Nia", None, p.nik(), p.phone()])
    ws.append([f"{r}6", p.phone()])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


# ------------------------------------------------------------------ running it


def _upload(at: AppTest, name: str, content: bytes, mime: str) -> AppTest:
    return check_and_save(at, name, content, mime)  # check, then save what it previews


def _page_text(at: AppTest) -> str:
    """Every text a person could read on the page, tables as CSV."""
    parts: list[str] = []
    for kind in (
        "markdown",
        "text",
        "caption",
        "success",
        "error",
        "warning",
        "info",
        "exception",
        "title",
        "header",
        "subheader",
        "code",
        "json",
    ):
        parts += [str(e.value) for e in getattr(at, kind)]
    parts += [f"{m.label} {m.value}" for m in at.metric]
    for frame in at.dataframe:
        value = frame.value
        parts.append(value.to_csv() if isinstance(value, pd.DataFrame) else str(value))
    return "\n".join(parts)


def _sql_text(home: Path) -> str:
    """Every text (and list) value of every table, read through SQL."""
    parts: list[str] = []
    with store.connect(home / "dashboard.duckdb") as con:
        columns = con.execute(
            "SELECT table_name, column_name FROM duckdb_columns() WHERE NOT internal "
            "AND (data_type LIKE 'VARCHAR%' OR data_type LIKE '%[]' OR data_type = 'JSON')"
        ).fetchall()
        assert ("quarantine", "raw") in columns and ("imports", "ignored") in columns
        for table, column in columns:
            values = con.execute(
                f'SELECT CAST("{column}" AS VARCHAR) FROM "{table}"'  # noqa: S608 - from the catalog
            ).fetchall()
            parts += [f"{table}.{column}: {v[0]}" for v in values if v[0] is not None]
    return "\n".join(parts)


def test_no_raw_nik_or_phone_anywhere_after_messy_imports(home: Path, tmp_path: Path) -> None:
    cli_set, page_set = Planter(1), Planter(2)
    files = {
        "permohonan.csv": requests_csv(cli_set, 1),
        "jadwal.csv": appointments_csv(cli_set, 1),
        "register.xlsx": requests_xlsx(cli_set, 1),
    }
    outputs: list[str] = []

    # 1. The command line, as a nightly job runs it.
    for name, content in files.items():
        path = tmp_path / name
        path.write_bytes(content)
        done = run_process(home, "ingest", str(path), "--user", "malam")
        outputs += [done.stdout, done.stderr]
        assert done.returncode == 0, done.stderr  # a NUL byte no longer refuses the file
        assert "; ignored: " in done.stdout
    assert "ignored: Nama, NIK Ayah, HP Keluarga, Catatan, Kontak **** **** ****" in outputs[0]
    assert "ignored: NIK, No HP, Keterangan" in outputs[2]

    # 2. The upload page, signed in as staff (another set of values).
    users.add("petugas", name="Petugas", role="staff", password="rahasia-123", actor=ADMIN)
    at = AppTest.from_file(str(ROOT / "pages" / "data_quality.py"), default_timeout=90)
    at.session_state["authentication_status"] = True
    at.session_state["username"] = "petugas"
    at.run()
    page_texts: list[str] = []
    uploads = [
        ("permohonan_web.csv", requests_csv(page_set, 2), "text/csv"),
        ("jadwal_web.csv", appointments_csv(page_set, 2), "text/csv"),
        (
            "register_web.xlsx",
            requests_xlsx(page_set, 2),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
    ]
    for name, content, mime in uploads:
        at = _upload(at, name, content, mime)
        assert not at.exception
        shown = "\n".join(str(e.value) for e in at.success).replace("\\", "")
        assert f"{name} diimpor" in shown
        page_texts.append(_page_text(at))
    assert "Kolom yang tidak dipakai" in page_texts[0]

    # The good rows loaded, the NUL-byte row among them; the rest are in quarantine.
    with store.connect() as con:
        loaded = {r[0] for r in con.execute("SELECT request_id FROM requests").fetchall()}
        quarantined = con.execute("SELECT count(*) FROM quarantine").fetchone()[0]
    assert {"S1-1", "S1-7", "S1-9", "S1-10", "X1-1", "S2-1", "S2-9", "X2-1"} <= loaded
    # per set: 7 requests rows (CSV), 4 appointments, 4 workbook rows
    assert quarantined == 2 * (7 + 4 + 4)

    # 3. The exports: the daily file (CLI) and the row exports of both logs.
    done = run_process(home, "export", "daily", "--start", "2020-06-01", "--end", "2020-06-30")
    assert done.returncode == 0, done.stderr
    outputs += [done.stdout, done.stderr]
    export_texts = []
    with store.connect() as con:
        for kind in ("requests", "appointments"):
            result = exports.export_rows(
                con, ADMIN, kind, date(2020, 6, 1), date(2020, 6, 30), metrics.Filters()
            )
            assert result.rows > 0
            export_texts.append(exports.read_and_remove(result.path).decode("utf-8"))

    # 4. Look everywhere.
    needles = _needles(cli_set.planted + page_set.planted)
    found: list[str] = []
    for path in sorted(home.rglob("*")):
        if path.is_file() and "secrets" not in path.relative_to(home).parts:
            found += _hits(path.read_bytes().decode("latin-1"), needles, str(path.name))
    assert any(p.name == "dashboard.duckdb" for p in home.rglob("*"))
    found += _hits(_sql_text(home), needles, "SQL")
    found += _hits("\n".join(outputs), needles, "CLI output")
    for i, text in enumerate(export_texts):
        found += _hits(text, needles, f"row export {i}")
    for i, text in enumerate(page_texts):
        found += _hits(text, needles, f"upload page {i}")
    assert found == []


def test_the_search_would_see_a_raw_value(tmp_path: Path) -> None:
    """The needles match what a leak looks like (so the test above can fail)."""
    p = Planter(9)
    nik, phone = p.nik(), p.phone("intl")
    needles = _needles(p.planted)
    assert _hits(f'{{"catatan": "{nik[:4]} {nik[4:8]} {nik[8:]}"}}', needles, "x")
    assert _hits("0" + _core(phone), needles, "x")
    assert _hits(phone.replace("-", "\\-"), needles, "x")  # as escaped Markdown shows it
    assert not _hits("6308********0101 0857****101 **** **** **** ****", needles, "x")


@pytest.fixture(autouse=True)
def _testing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DASHBOARD_TESTING", "1")
