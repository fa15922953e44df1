"""What an import keeps of a messy row (CONTRACT 1.4, 4): digit runs masked in quarantine
and its reasons, ignored columns named but never kept, the header spellings offices use
for NIK and phone, and control bytes in a CSV removed instead of refusing the file.

tests/test_pii_everywhere.py searches everything an import leaves for raw values; these
tests pin down each rule on its own.
"""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dashboard import cli, ingest, pii, roles, store

ADMIN = roles.Actor.cli("tester")
NIK = "6308011234560001"


def write(path: Path, text: str | bytes) -> Path:
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    return path


def quarantine() -> list[tuple[int, str | None, str, dict]]:
    with store.connect() as con:
        rows = con.execute(
            "SELECT row_number, column_name, reason, raw FROM quarantine ORDER BY row_number"
        ).fetchall()
    return [(r[0], r[1], r[2], json.loads(r[3])) for r in rows]


# ------------------------------------------------------------------ pii.mask_digits

MASK_CASES = [
    ("catatan 6308 0112 3456 0001", "catatan **** **** **** ****"),
    ("+62 812-3456-7890", "+** ***-****-****"),
    ("0812.3456.789", "****.****.***"),
    ("(0526) 209 1234", "(****) *** ****"),
    ("hp\n0812\n3456\n7890", "hp\n****\n****\n****"),
    (NIK, "*" * 16),
    ("12345678", "********"),
    ("1234567", "1234567"),  # 7 digits: not a NIK or a phone number
    ("antrian 12, kamar 3", "antrian 12, kamar 3"),
    # dates and timestamps in the contract's forms stay visible (a bad one too)
    ("2020-06-08 08:15", "2020-06-08 08:15"),
    ("08-06-2020 08.15", "08-06-2020 08.15"),
    ("31/02/2020", "31/02/2020"),
    ("2020-06-08T08:15:00.123+08:00", "2020-06-08T08:15:00.123+08:00"),
    ("8/6/2020 8:15:30", "8/6/2020 8:15:30"),
    # ... but not a date with more digits glued on
    ("08-06-2020 0812", "**-**-**** ****"),
    ("", ""),
    (None, None),
]


@pytest.mark.parametrize(("text", "masked"), MASK_CASES)
def test_mask_digits(text: str | None, masked: str | None) -> None:
    assert pii.mask_digits(text) == masked


def _sql_mask(con: duckdb.DuckDBPyConnection, text: str | None) -> str | None:
    return con.execute(f"SELECT {pii.mask_digits_sql('$v')}", {"v": text}).fetchone()[0]


@pytest.mark.parametrize(("text", "masked"), MASK_CASES)
def test_mask_digits_sql_matches_python(text: str | None, masked: str | None) -> None:
    assert _sql_mask(duckdb.connect(), text) == masked


_CON = duckdb.connect()  # one for all the generated examples
_ALPHABET = st.sampled_from(list("0123456789" * 4 + " .-/():+\n\t\u00a0TZabé,;*\"'"))


@settings(max_examples=300, deadline=None)
@given(st.lists(_ALPHABET, max_size=40).map("".join))
def test_mask_digits_sql_agrees_on_any_text(text: str) -> None:
    assert _sql_mask(_CON, text) == pii.mask_digits(text)


# ------------------------------------------------------------------ headers

REQ = "request_id,received_at,channel"


@pytest.mark.parametrize(
    ("header", "canonical"),
    [
        ("NIK Pemohon", "nik"),
        ("No. NIK", "nik"),
        ("nomor_nik", "nik"),
        ("No HP", "phone"),
        ("No. HP", "phone"),
        ("No. WA", "phone"),
        ("No WhatsApp", "phone"),
        ("no_whatsapp", "phone"),
        ("Nomor HP", "phone"),
        ("Telepon", "phone"),
        ("Telp", "phone"),
        (" No./HP ", "phone"),
        ("NO.  HP", "phone"),
        ("(No. HP)", "phone"),
    ],
)
def test_header_spellings_of_nik_and_phone(
    home: Path, tmp_path: Path, header: str, canonical: str
) -> None:
    value = NIK if canonical == "nik" else "0812-3456-7890"
    f = write(tmp_path / "r.csv", f'{REQ},"{header}"\nR1,2020-06-08,wa,{value}\n')
    result = ingest.ingest_file(f, actor=ADMIN)
    assert (result.inserted, result.ignored) == (1, [])
    with store.connect() as con:
        nik_hash, phone_hash = con.execute("SELECT nik_hash, phone_hash FROM requests").fetchone()
    expected = pii.hash_value(NIK if canonical == "nik" else "081234567890")
    assert (nik_hash if canonical == "nik" else phone_hash) == expected


# ------------------------------------------------------------------ ignored columns


def test_ignored_columns_are_named_and_never_kept(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    f = write(
        tmp_path / "r.csv",
        f"{REQ},Nama,Catatan,nik\n"
        "R1,2020-06-08,wa,Budi Santoso,rumah dekat pasar,\n"
        "R2,31/02/2020,wa,Ani Lestari,hp 0813 9999 8888,\n"
        f"R3,2020-06-08,wa,Cici Paramita,ok,{NIK},extra 0813 9999 7777\n",
    )
    assert cli.main(["ingest", str(f)]) == 0
    line = capsys.readouterr().out.strip()
    assert line.endswith("; ignored: Nama, Catatan")
    with store.connect() as con:
        ledger = con.execute("SELECT ignored FROM imports").fetchone()[0]
        everything = " ".join(
            str(v)
            for table in ("requests", "quarantine", "imports")
            for row in con.execute(f"SELECT * FROM {table}").fetchall()  # noqa: S608 - fixed names
            for v in row
        )
    assert ledger == ["Nama", "Catatan"]
    for name in ("Budi", "Ani", "Cici", "pasar", "9999"):
        assert name not in everything
    (_, column, _, bad_date), (_, _, _, ragged) = quarantine()
    # only the cells of the columns the import uses, and a ragged row's extra cells
    assert column == "received_at"
    assert bad_date == {
        "request_id": "R2",
        "received_at": "31/02/2020",
        "channel": "wa",
        "nik": None,
    }
    assert ragged == {
        "request_id": "R3",
        "received_at": "2020-06-08",
        "channel": "wa",
        "nik": "6308********0001",
        "_extra_1": "extra **** **** ****",
    }


def test_header_cells_with_numbers_are_masked_in_the_summary(home: Path, tmp_path: Path) -> None:
    f = write(tmp_path / "r.csv", f"{REQ},Kontak 0812 3456 7890,\nR1,2020-06-08,wa,x,y\n")
    result = ingest.ingest_file(f, actor=ADMIN)
    # an empty header cell names nothing
    assert result.ignored == ["Kontak **** **** ****"]
    assert result.summary_line().endswith("; ignored: Kontak **** **** ****")


def test_no_ignored_columns_no_ignored_part(home: Path, tmp_path: Path) -> None:
    f = write(tmp_path / "r.csv", f"{REQ}\nR1,2020-06-08,wa\n")
    result = ingest.ingest_file(f, actor=ADMIN)
    assert result.ignored == []
    assert "ignored" not in cli._ingest_line("r.csv", result)


def test_refusal_does_not_echo_a_number_from_the_header(home: Path, tmp_path: Path) -> None:
    f = write(tmp_path / "r.csv", f"{REQ},{NIK},{NIK}\nR1,2020-06-08,wa,,\n")
    with pytest.raises(ingest.IngestError) as info:
        ingest.ingest_file(f, actor=ADMIN)
    assert "appears twice" in str(info.value) and "1234" not in str(info.value)


# ------------------------------------------------------------------ quarantine values


def test_reasons_and_raw_cells_mask_numbers_in_any_column(home: Path, tmp_path: Path) -> None:
    f = write(
        tmp_path / "r.csv",
        f"{REQ},kecamatan,phone\n"
        f"R1,{NIK},wa,Awayan,\n"
        "R2,2020-06-08,fax 0812 3456 7890,catatan 6308 0112 3456 0009,\n"
        'R3,31/02/2020,wa,"baris\n0812-3456-7891",\n'
        "R4,2020-06-08,wa,,0812\n",
    )
    ingest.ingest_file(f, actor=ADMIN)
    (_, _, r1, raw1), (_, _, r2, raw2), (_, _, r3, raw3), (_, _, r4, raw4) = quarantine()
    assert r1 == 'received_at: "****************" is not a date'
    assert raw1["received_at"] == "*" * 16
    assert r2.startswith('channel: "fax **** **** ****" is not a known channel')
    assert raw2["kecamatan"] == "catatan **** **** **** ****"
    assert r3 == 'received_at: "31/02/2020" is not a date'  # a bad date stays visible
    assert raw3["kecamatan"] == "baris\n****-****-****"
    assert raw4["phone"] == "****"  # the recognised columns keep their own masks


def test_reason_masks_before_shortening(home: Path, tmp_path: Path) -> None:
    """The 60-character cut must not leave the head of a long number readable."""
    cell = "x" * 50 + " 0812 3456 7890 1234"
    f = write(tmp_path / "r.csv", f"{REQ}\nR1,2020-06-08,{cell}\n")
    ingest.ingest_file(f, actor=ADMIN)
    [(_, _, reason, _)] = quarantine()
    assert "0812" not in reason and '"' + "x" * 50 + " ****" in reason


# ------------------------------------------------------------------ control bytes


def test_a_nul_byte_in_a_cell_does_not_refuse_the_file(home: Path, tmp_path: Path) -> None:
    f = write(
        tmp_path / "r.csv",
        b"request_id,received_at,channel,kecamatan\n"
        b"R1,2020-06-08,wa,Hal\x00ong\n"
        b"R2,2020-06-08,wa,Awa\x1b[31myan\x07\n"
        b"R3,2020-06-08,wa,\tJuai\n",
    )
    result = ingest.ingest_file(f, actor=ADMIN)
    assert (result.rows_read, result.inserted, result.quarantined) == (3, 3, 0)
    with store.connect() as con:
        kecamatan = con.execute("SELECT kecamatan FROM requests ORDER BY request_id").fetchall()
    assert kecamatan == [("Halong",), ("Awa[31myan",), ("\tJuai",)]  # tab kept


def test_control_bytes_far_into_the_file_and_in_the_header(home: Path, tmp_path: Path) -> None:
    good = b"".join(b"R%d,2020-06-08,wa\r\n" % i for i in range(2000))  # ~40 KB
    f = write(
        tmp_path / "r.csv",
        b"request_id,rec\x00eived_at,channel\r\n" + good + b"RX,2020-\x0006-08,wa\r\n",
    )
    result = ingest.ingest_file(f, actor=ADMIN)
    assert (result.rows_read, result.inserted, result.quarantined) == (2001, 2001, 0)


def test_a_nul_in_a_windows_1252_file(home: Path, tmp_path: Path) -> None:
    f = write(
        tmp_path / "r.csv",
        "request_id,received_at,channel,kecamatan\nR1,2020-06-08,wa,Pa\x00ri“ngin\n".encode(
            "cp1252"
        ),
    )
    assert ingest.ingest_file(f, actor=ADMIN).inserted == 1
    with store.connect() as con:
        assert con.execute("SELECT kecamatan FROM requests").fetchone() == ("Pari“ngin",)


def _zip_of_text() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("notes.txt", "not a workbook")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("photo.csv", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8, "not a CSV, XLSX or Parquet"),
        ("scan.csv", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "not a CSV, XLSX or Parquet"),
        ("unicode.csv", "request_id,received_at\n".encode("utf-16"), "UTF-16"),
        ("program.csv", b"\x01\x02\x00\x00" * 500, "not a CSV, XLSX or Parquet"),
        ("arsip.xlsx", _zip_of_text(), "could not be read as XLSX"),
    ],
)
def test_binary_files_are_still_refused_whole(
    home: Path, tmp_path: Path, name: str, content: bytes, message: str
) -> None:
    with pytest.raises(ingest.IngestError, match=message) as info:
        ingest.ingest_file(write(tmp_path / name, content), actor=ADMIN)
    assert "\n" not in str(info.value)


# ------------------------------------------------------------------ the ledger


def test_migration_4_adds_the_ignored_column_and_masks_old_quarantine(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A store as release 3 left it: a quarantined row holding every cell as written.
    old_raw = json.dumps(
        {"request_id": "R1", "received_at": "31/02/2020", "no_whatsapp": "0812-3456-7890"}
    )
    with monkeypatch.context() as m:
        m.setattr(store, "MIGRATIONS", [mig for mig in store.MIGRATIONS if mig[0] <= 3])
        m.setattr(store, "_migrated", set())
        with store.connect() as con:
            con.execute(
                "INSERT INTO imports (import_id, file_name, kind, rows_read, inserted, updated, "
                "unchanged, quarantined, imported_by, started_at, finished_at) "
                "VALUES (nextval('import_seq'), 'old.csv', 'requests', 1, 0, 0, 0, 1, 'x', "
                "now(), now())"
            )
            con.execute(
                "INSERT INTO quarantine VALUES (1, 'old.csv', 'requests', 2, 'channel', "
                "'channel: \"wa 6308011234560001\" is not a known channel', ?, now())",
                [old_raw],
            )
    store._migrated.clear()
    f = write(tmp_path / "new.csv", f"{REQ},Nama\nR2,2020-06-08,wa,Budi\n")
    ingest.ingest_file(f, actor=ADMIN)
    with store.connect() as con:
        assert con.execute("SELECT file_name, ignored FROM imports ORDER BY 1").fetchall() == [
            ("new.csv", ["Nama"]),
            ("old.csv", None),
        ]
        reason, raw = con.execute("SELECT reason, raw FROM quarantine").fetchone()
    assert reason == 'channel: "wa ****************" is not a known channel'
    assert json.loads(raw) == {
        "request_id": "R1",
        "received_at": "31/02/2020",
        "no_whatsapp": "****-****-****",
    }


# ------------------------------------------------------------------ the upload page


def test_upload_page_names_the_ignored_columns_as_plain_text(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from streamlit.testing.v1 import AppTest

    from dashboard import users
    from tests.upload_steps import check_and_save

    monkeypatch.setenv("DASHBOARD_TESTING", "1")
    users.add("petugas", name="Petugas", role="staff", password="rahasia-123", actor=ADMIN)
    page = Path(__file__).resolve().parent.parent / "pages" / "data_quality.py"
    at = AppTest.from_file(str(page), default_timeout=60)
    at.session_state["authentication_status"] = True
    at.session_state["username"] = "petugas"
    at.run()
    content = (
        f"{REQ},[klik](http://x.test),![foto](http://x.test/a.png),No. KK 6308 0112 3456 0001\n"
    )
    at = check_and_save(at, "r.csv", (content + "R1,2020-06-08,wa,a,b,c\n").encode())
    assert not at.exception
    [caption] = [str(c.value) for c in at.caption if "Kolom yang tidak dipakai" in str(c.value)]
    assert "](" not in caption.replace("\\]\\(", "")  # no link, no image
    assert "\\[klik\\]" in caption and "\\!\\[foto\\]" in caption
    assert "**** **** **** ****" in caption.replace("\\*", "*")
