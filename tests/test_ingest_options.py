"""`ingest --dry-run`, `--mapping FILE` and `--sheet NAME` (CONTRACT 5): a preview that
writes nothing, a hand-written column mapping (and one saved earlier for the same header),
and every sheet of a workbook, each as its own import."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from openpyxl import Workbook

from dashboard import cli, config, mapping, roles, store
from tests.fixtures import run_process

STAFF = roles.Actor(username="petugas", role="staff")

# Three requests with the office's own column names; R3 has a bad channel (quarantined).
OWN_NAMES_CSV = (
    "Nomor Permohonan;Tgl Masuk;Lewat;Nama;Catatan\n"
    "R1;08/06/2020 08.15;WA;Siti;\n"
    "R2;08/06/2020 09.00;Datang langsung;Budi;\n"
    "R3;09/06/2020 10.00;merpati;Ani;\n"
)
OWN_NAMES_MAPPING = {
    "kind": "requests",
    "columns": {
        "Nomor Permohonan": "request_id",
        "Tgl. Masuk": "received_at",
        "lewat": "channel",
        "Nama": None,
    },
}
REQUESTS_CSV = (
    "request_id,received_at,channel\nA1,2020-06-08 08:00,whatsapp\nA2,2020-06-08 09:00,walk_in\n"
)


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _count(table: str) -> int:
    with store.connect(read_only=True) as con:
        return int(con.execute(f"SELECT count(*) FROM {table}").fetchone()[0])  # noqa: S608 - fixed names


def test_a_dry_run_prints_the_real_numbers_and_leaves_the_store_byte_for_byte(
    home: Path, tmp_path: Path
) -> None:
    logs = tmp_path / "logs.csv"
    logs.write_text(REQUESTS_CSV, encoding="utf-8")
    first = run_process(home, "ingest", str(logs))
    assert first.returncode == 0, first.stderr
    logs.write_text(REQUESTS_CSV + "A3,2020-06-09 08:00,wa\nA4,not a date,wa\n", encoding="utf-8")
    db = config.db_path()
    before = (_digest(db), sorted(p.name for p in home.iterdir()))
    with store.connect(read_only=True) as con:
        version = store.data_version(con)

    preview = run_process(home, "ingest", str(logs), "--dry-run")
    assert preview.returncode == 0, preview.stderr
    # Hand count: A1, A2 unchanged; A3 new; A4 quarantined (bad date).
    assert "read 4, inserted 1, updated 0, unchanged 2, quarantined 1" in preview.stdout
    assert "dry run: nothing was saved" in preview.stdout
    assert (_digest(db), sorted(p.name for p in home.iterdir())) == before
    with store.connect(read_only=True) as con:
        assert store.data_version(con) == version
    assert _count("requests") == 2 and _count("quarantine") == 0 and _count("imports") == 1

    real = run_process(home, "ingest", str(logs))
    assert "read 4, inserted 1, updated 0, unchanged 2, quarantined 1" in real.stdout
    assert _count("requests") == 3 and _count("imports") == 2


def test_a_hand_written_mapping_imports_a_file_with_the_offices_own_names(
    home: Path, tmp_path: Path
) -> None:
    logs = tmp_path / "register_kecil.csv"
    logs.write_text(OWN_NAMES_CSV, encoding="utf-8")
    refused = run_process(home, "ingest", str(logs))
    assert refused.returncode == 1 and "refused" in refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 1

    rules = tmp_path / "kolom.json"
    rules.write_text(json.dumps(OWN_NAMES_MAPPING), encoding="utf-8")
    done = run_process(home, "ingest", str(logs), "--mapping", str(rules))
    assert done.returncode == 0, done.stderr
    assert "read 3, inserted 2, updated 0, unchanged 0, quarantined 1" in done.stdout
    # Nama is ignored on purpose (null), Catatan because nothing maps it.
    assert done.stdout.rstrip().endswith("ignored: Nama, Catatan")
    with store.connect(read_only=True) as con:
        rows = con.execute(
            "SELECT request_id, channel, strftime(received_at, '%Y-%m-%d %H:%M') "
            "FROM requests ORDER BY 1"
        ).fetchall()
        raw = con.execute("SELECT raw FROM quarantine").fetchone()[0]
    assert rows == [("R1", "whatsapp", "2020-06-08 08:15"), ("R2", "walk_in", "2020-06-08 09:00")]
    assert "Ani" not in raw  # an ignored column's cells are not kept, even in quarantine


def test_a_mapping_saved_for_a_header_is_used_by_the_cli_without_being_named(
    home: Path, tmp_path: Path
) -> None:
    logs = tmp_path / "juni.csv"
    logs.write_text(OWN_NAMES_CSV, encoding="utf-8")
    header = OWN_NAMES_CSV.splitlines()[0].split(";")
    mapping.save(header, mapping.parse(OWN_NAMES_MAPPING, "page"), actor=STAFF)
    done = run_process(home, "ingest", str(logs))
    assert done.returncode == 0, done.stderr
    assert "inserted 2" in done.stdout


def test_a_mapping_that_leaves_a_required_column_unmapped_is_refused_in_one_line(
    home: Path, tmp_path: Path
) -> None:
    logs = tmp_path / "juni.csv"
    logs.write_text(OWN_NAMES_CSV, encoding="utf-8")
    rules = tmp_path / "kolom.json"
    partial = {"kind": "requests", "columns": {"Nomor Permohonan": "request_id", "Nama": None}}
    rules.write_text(json.dumps(partial), encoding="utf-8")
    done = run_process(home, "ingest", str(logs), "--mapping", str(rules))
    assert done.returncode == 1
    (line,) = done.stderr.strip().splitlines()
    assert "leaves the required requests column(s) received_at, channel unmapped" in line
    assert not config.db_path().exists() or _count("requests") == 0

    rules.write_text("{not json", encoding="utf-8")
    done = run_process(home, "ingest", str(logs), "--mapping", str(rules))
    assert done.returncode == 1
    assert done.stderr.strip() == "error: --mapping kolom.json: not a JSON mapping file (line 1)"


def _two_sheet_book(path: Path) -> Path:
    book = Workbook()
    juni = book.active
    juni.title = "Juni"
    juni.append(["request_id", "received_at", "channel"])
    juni.append(["J1", "2020-06-08 08:00", "wa"])
    juni.append(["J2", "2020-06-09 08:00", "walk-in"])
    book.create_sheet("Catatan").append(["Dibuat oleh petugas loket"])
    juli = book.create_sheet("Juli")
    juli.append(["request_id", "received_at", "channel"])
    juli.append(["L1", "2020-07-01 08:00", "wa"])
    book.create_sheet("Kosong")
    book.save(path)
    return path


def test_every_sheet_of_a_workbook_is_imported_and_reported(home: Path, tmp_path: Path) -> None:
    book = _two_sheet_book(tmp_path / "register.xlsx")
    done = run_process(home, "ingest", str(book))
    assert done.returncode == 0, done.stderr
    lines = done.stdout.strip().splitlines()
    assert lines[0].startswith(f"{book} [Juni] (requests): read 2, inserted 2")
    assert lines[1].startswith(f"{book} [Catatan]: skipped: ")
    assert lines[2].startswith(f"{book} [Juli] (requests): read 1, inserted 1")
    assert lines[3].startswith(f"{book} [Kosong]: skipped: ") and "empty" in lines[3]
    with store.connect(read_only=True) as con:
        files = [r[0] for r in con.execute("SELECT file_name FROM imports ORDER BY 1").fetchall()]
    assert files == ["register.xlsx [Juli]", "register.xlsx [Juni]"]
    assert _count("requests") == 3


def test_sheet_limits_the_import_and_an_unknown_sheet_is_refused(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    book = _two_sheet_book(tmp_path / "register.xlsx")
    assert cli.main(["ingest", str(book), "--sheet", "Juli"]) == 0
    out = capsys.readouterr().out
    assert "[Juli] (requests): read 1, inserted 1" in out and "Juni" not in out
    assert cli.main(["ingest", str(book), "--sheet", "Agustus"]) == 1
    err = capsys.readouterr().err.strip()
    assert err.endswith("has no sheet named 'Agustus' (its sheets: Juni, Catatan, Juli, Kosong)")
    # A sheet named on purpose must import: one without a log is an error, not a skip.
    assert cli.main(["ingest", str(book), "--sheet", "Catatan"]) == 1
    assert "refused" in capsys.readouterr().err
    csv_file = tmp_path / "a.csv"
    csv_file.write_text(REQUESTS_CSV, encoding="utf-8")
    assert cli.main(["ingest", str(csv_file), "--sheet", "Juni"]) == 1
    assert "not a workbook" in capsys.readouterr().err


def test_a_workbook_with_no_log_anywhere_is_refused_whole(home: Path, tmp_path: Path) -> None:
    book = Workbook()
    book.active.append(["Daftar hadir rapat"])
    book.create_sheet("Lain").append(["x", "y"])
    path = tmp_path / "rapat.xlsx"
    book.save(path)
    done = run_process(home, "ingest", str(path))
    assert done.returncode == 1
    (line,) = done.stderr.strip().splitlines()
    assert "no sheet holds a requests or appointments log" in line
    assert not config.db_path().exists() or _count("imports") == 0


def test_a_log_sheet_under_title_rows_is_found_and_the_total_row_skipped(
    home: Path, tmp_path: Path
) -> None:
    book = Workbook()
    sheet = book.active
    sheet.title = "Juni"
    sheet.append(["DAFTAR PERMOHONAN KTP-EL"])
    sheet.append(["DINAS KEPENDUDUKAN DAN PENCATATAN SIPIL KAB. BALANGAN"])
    sheet.append(["BULAN JUNI 2020"])
    sheet.append([])
    # The contract's names (a register's `ID Permohonan, Waktu Masuk, Kanal` would make
    # it a register; tests/test_register.py covers that).
    sheet.append(["request_id", "received_at", "channel", "Nama"])  # row 5
    sheet.append(["T1", "08/06/2020 08.00", "WA", "Siti"])  # row 6
    sheet.append(["T2", "31/06/2020 08.00", "WA", "Budi"])  # row 7: no 31 June
    sheet.append(["T3", "09/06/2020 08.00", "Datang langsung", "Ani"])  # row 8
    sheet.append(["JUMLAH", 3])  # row 9
    path = tmp_path / "permohonan.xlsx"
    book.save(path)
    done = run_process(home, "ingest", str(path))
    assert done.returncode == 0, done.stderr
    # Hand count: rows 6-8 are data (T2 quarantined); rows 1-3 titles, row 4 blank,
    # row 9 the total.
    line = done.stdout.strip().splitlines()[0]
    assert "read 3, inserted 2, updated 0, unchanged 0, quarantined 1" in line
    assert "skipped: 3 title rows, 1 blank row, 1 total row" in line
    assert "ignored: Nama" in line
    with store.connect(read_only=True) as con:
        assert con.execute("SELECT row_number, column_name FROM quarantine").fetchall() == [
            (7, "received_at")
        ]
        assert con.execute("SELECT request_id, source_row FROM requests ORDER BY 1").fetchall() == [
            ("T1", 6),
            ("T3", 8),
        ]
