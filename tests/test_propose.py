"""Proposing what each column of an unfamiliar file means (dashboard/propose.py): `peek` at
a file's sheets, `propose` a meaning per column from names and values, and `to_mapping` of
the confirmed choices, which the import then takes."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from openpyxl import Workbook

from dashboard import ingest, mapping, pii, propose, roles, store

STAFF = roles.Actor(username="petugas", role="staff")

NIKS = [f"630801123456{n:04d}" for n in range(1, 8)]
PHONES = [f"08123456{n:04d}" for n in range(1, 8)]
# The office's own names, `;` and Windows-1252 (é), as Indonesian Excel writes CSV.
# Seven requests: R6 has a channel no one knows and R7 a day that does not exist, so the
# import quarantines both; the five others go in.
OWN_HEADER = ["Nomor Permohonan", "Tgl Masuk", "Lewat", "Nama", "HP", "Nomor Induk"]
OWN_ROWS = [
    ["R1", "08/06/2020 08.15", "WA", "Siti Aminah", PHONES[0], NIKS[0]],
    ["R2", "08/06/2020 09.00", "Datang langsung", "Budi Séno", "+62 812-3456-0002", NIKS[1]],
    ["R3", "09/06/2020 10.30", "wa", "Ani", PHONES[2], NIKS[2]],
    ["R4", "09/06/2020 11.00", "Titip berkas", "Dedi", "", NIKS[3]],
    ["R5", "10/06/2020 08.00", "WhatsApp", "Rina", PHONES[4], ""],
    ["R6", "10/06/2020 09.00", "merpati", "Joko", PHONES[5], NIKS[5]],
    ["R7", "31/02/2020 09.00", "WA", "Tuti", PHONES[6], NIKS[6]],
]


def _own_csv(path: Path) -> Path:
    lines = [";".join(OWN_HEADER)] + [";".join(r) for r in OWN_ROWS]
    path.write_bytes(("\r\n".join(lines) + "\r\n\r\n").encode("cp1252"))
    return path


def _by_header(proposals: list[propose.ColumnProposal]) -> dict[str, propose.ColumnProposal]:
    return {p.header: p for p in proposals}


def test_the_offices_own_names_and_values_get_the_right_proposals(home: Path) -> None:
    kind, proposals = propose.propose(OWN_HEADER, [r[:] for r in OWN_ROWS[:5]], None)
    assert kind == "requests"
    got = _by_header(proposals)
    assert [p.header for p in proposals] == OWN_HEADER
    assert (got["Nomor Permohonan"].meaning, got["Nomor Permohonan"].why) == ("request_id", "name")
    assert (got["Tgl Masuk"].meaning, got["Tgl Masuk"].why) == ("received_at", "name")
    # `Lewat` is a word for the channel, but the WA / Datang langsung values say it louder
    assert (got["Lewat"].meaning, got["Lewat"].why) == ("channel", "values")
    assert (got["Nama"].meaning, got["Nama"].why) == (None, "name")
    assert got["HP"].meaning == "phone"
    # nothing in `Nomor Induk` names a NIK: its 16-digit values do
    assert (got["Nomor Induk"].meaning, got["Nomor Induk"].why) == ("nik", "values")
    assert got["Tgl Masuk"].samples == ["08/06/2020 08.15", "08/06/2020 09.00", "09/06/2020 10.30"]


def test_no_proposal_shows_a_nik_a_phone_number_or_a_name(home: Path) -> None:
    _kind, proposals = propose.propose(OWN_HEADER, OWN_ROWS[:5], None)
    shown = repr(proposals)
    for secret in [*NIKS, *PHONES, "8123456", "Aminah", "Budi"]:
        assert secret not in shown
    got = _by_header(proposals)
    assert got["Nomor Induk"].samples == ["*" * 16] * 3
    assert got["HP"].samples == ["*" * 12, "+** ***-****-****", "*" * 12]
    assert got["Nama"].samples == ["S*** A*****", "B*** S***", "A**"]
    # a header holding a number (a data row taken for the header) is masked too
    _kind, (p,) = propose.propose([NIKS[0]], [[NIKS[1]]], "requests")
    assert p.header == "*" * 16 and NIKS[0] not in repr(p)


def test_values_alone_tell_nik_phone_date_channel_status_temperature_and_yes_no(
    home: Path,
) -> None:
    header = ["Kolom A", "Kolom B", "Kolom C", "Kolom D"]
    rows = [
        [NIKS[0], "+6281234560001", "2020-06-08T08:15:00+08:00", "walk-in"],
        [NIKS[1], "0852 1111 2222", "08-06-2020", "Datang langsung"],
        ["", "62 811 555 6666", "8/6/2020", "WA"],
    ]
    kind, proposals = propose.propose(header, rows, None)
    assert kind == "requests"
    assert [(p.meaning, p.why) for p in proposals] == [
        ("nik", "values"),
        ("phone", "values"),
        ("received_at", "values"),
        ("channel", "values"),
    ]
    header = ["Kolom 1", "Kolom 2", "Kolom 3", "Kolom 4", "Kolom 5", "Kolom 6"]
    rows = [
        ["09/06/2020", "sudah rekam", "36,8", "ya", "tidak", "x"],
        ["10/06/2020", "ditolak - demam", "38.1", "Tidak", "ya", "y"],
        ["10/06/2020", "batal", "36,5", "ya", "ya", "z"],
    ]
    _kind, proposals = propose.propose(header, rows, "appointments")
    assert [p.meaning for p in proposals] == [
        "scheduled_date",
        "status",
        "temperature_c",
        "mask",  # the first yes/no column
        "handwash",  # the second
        None,
    ]
    assert proposals[-1].why == "none"


def test_one_meaning_goes_to_one_column_the_one_with_the_strongest_evidence(home: Path) -> None:
    header = ["Tgl Lahir", "Tgl Masuk", "No WA", "HP", "Nama Pemohon", "Nama Kecamatan"]
    rows = [
        ["01/02/1990", "08/06/2020", "081234560001", "081299990001", "Siti", "Paringin"],
        ["03/04/1985", "08/06/2020", "081234560002", "081299990002", "Budi", "Halong"],
    ]
    _kind, proposals = propose.propose(header, rows, "requests")
    got = {p.header: p.meaning for p in proposals}
    # dates of birth look like dates, but `Tgl Masuk` has the name as well
    assert got["Tgl Lahir"] is None and got["Tgl Masuk"] == "received_at"
    # both hold phone numbers; `No WA` is a name the import knows
    assert got["No WA"] == "phone" and got["HP"] is None
    assert got["Nama Pemohon"] is None and got["Nama Kecamatan"] == "kecamatan"
    meanings = [m for m in got.values() if m]
    assert len(meanings) == len(set(meanings))


def test_a_saved_mapping_and_the_imports_aliases_come_first(home: Path) -> None:
    header = ["Kode", "Masuk Tanggal", "Cara", "Nama"]
    saved = propose.to_mapping(
        "requests",
        {"Kode": "request_id", "Masuk Tanggal": "received_at", "Cara": "channel", "Nama": None},
    )
    mapping.save(header, saved, actor=STAFF)
    rows = [["K1", "08/06/2020", "WA", "Siti"]]
    kind, proposals = propose.propose(header, rows, None)
    assert kind == "requests"
    assert [(p.meaning, p.why) for p in proposals] == [
        ("request_id", "alias"),
        ("received_at", "alias"),
        ("channel", "alias"),
        (None, "name"),
    ]
    _kind, proposals = propose.propose(["waktu_masuk", "KANAL"], [], "requests")
    assert [(p.meaning, p.why) for p in proposals] == [
        ("received_at", "alias"),
        ("channel", "alias"),
    ]


def test_peek_at_a_windows_1252_semicolon_csv(home: Path, tmp_path: Path) -> None:
    (sheet,) = propose.peek(_own_csv(tmp_path / "permohonan.csv"))
    assert sheet.sheet is None
    assert sheet.header == OWN_HEADER
    assert sheet.samples == OWN_ROWS[:5]  # as written, é included
    assert sheet.rows == 7  # the blank line at the end is not a row
    assert sheet.kind is None  # the import does not know these names
    assert sheet.missing == ["request_id", "received_at", "channel"]
    assert [
        len(r) for r in propose.peek(tmp_path / "permohonan.csv", max_samples=2)[0].samples
    ] == [
        6,
        6,
    ]


def test_peek_at_a_two_sheet_workbook(home: Path, tmp_path: Path) -> None:
    book = Workbook()
    juni = book.active
    juni.title = "Juni"
    juni.append(["request_id", "received_at", "channel", None])  # a formatted empty cell
    for n in range(1, 8):
        juni.append([f"J{n}", datetime(2020, 6, n, 8, 0), "wa"])
    jadwal = book.create_sheet("Jadwal")
    jadwal.append(["No Jadwal", "Nomor Permohonan", "Tanggal Rekam", "Keterangan", "Suhu"])
    jadwal.append(["A1", "J1", "09/06/2020", "terekam", 36.5])
    jadwal.append([])
    jadwal.append(["A2", "J2", "10/06/2020", "ditolak", 38.2])
    path = tmp_path / "buku.xlsx"
    book.save(path)
    first, second = propose.peek(path)
    assert (first.sheet, first.header, first.rows) == (
        "Juni",
        ["request_id", "received_at", "channel"],
        7,
    )
    assert first.samples[0] == ["J1", "2020-06-01 08:00:00", "wa"] and len(first.samples) == 5
    assert (first.kind, first.missing) == ("requests", [])
    assert second.sheet == "Jadwal" and second.rows == 2
    assert second.samples == [
        ["A1", "J1", "09/06/2020", "terekam", "36.5"],
        ["A2", "J2", "10/06/2020", "ditolak", "38.2"],
    ]
    # `Suhu` is an alias the import knows; the other names are not (yet)
    assert second.kind is None
    assert second.missing == ["appointment_id", "request_id", "scheduled_date", "status"]
    kind, proposals = propose.propose(second.header, second.samples, None)
    assert kind == "appointments"
    assert [p.meaning for p in proposals] == [
        "appointment_id",
        "request_id",
        "scheduled_date",
        "status",
        "temperature_c",
    ]


def test_peek_tells_a_register(home: Path, tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(["DAFTAR PEREKAMAN KTP-EL BULAN JUNI 2020"])
    sheet.append(["No", "Nama", "Tanggal Daftar", "Via", "Tanggal Rekam", "Keterangan"])
    for n in range(1, 4):
        sheet.append([n, "Siti", "08/06/2020", "WA", "09/06/2020", "sudah rekam"])
    sheet.append(["JUMLAH", None, None, None, None, 3])
    path = tmp_path / "register.xlsx"
    book.save(path)
    (peeked,) = propose.peek(path)
    assert peeked.kind == "register" and peeked.missing == []
    assert peeked.header[:3] == ["No", "Nama", "Tanggal Daftar"]
    assert peeked.rows == 3 and len(peeked.samples) == 3
    kind, proposals = propose.propose(peeked.header, peeked.samples, peeked.kind)
    assert kind == "register"
    assert [p.meaning for p in proposals] == [
        "request_id",
        None,
        "received_at",
        "channel",
        "scheduled_date",
        "status",
    ]
    with pytest.raises(mapping.MappingError, match="register"):
        propose.to_mapping("register", proposals)


def test_a_fully_recognised_header_gets_its_kind_and_nothing_missing(
    home: Path, tmp_path: Path
) -> None:
    path = tmp_path / "requests.csv"
    path.write_text(
        "request_id,waktu_masuk,kanal,no_hp\nA1,2020-06-08 08:00,wa,081234567890\n",
        encoding="utf-8",
    )
    (peeked,) = propose.peek(path)
    assert (peeked.kind, peeked.missing, peeked.rows) == ("requests", [], 1)


def test_a_file_the_import_refuses_whole_is_refused_by_peek(home: Path, tmp_path: Path) -> None:
    empty = tmp_path / "kosong.csv"
    empty.write_bytes(b"")
    twice = tmp_path / "dua.csv"
    twice.write_text("request_id;Tgl;TGL\nA;1;2\n", encoding="utf-8")
    pdf = tmp_path / "scan.csv"
    pdf.write_bytes(b"%PDF-1.4 binary")
    for path, words in ((empty, "empty"), (twice, "appears twice"), (pdf, "not a CSV")):
        with pytest.raises(ingest.IngestError) as err:
            propose.peek(path)
        assert words in str(err.value) and "\n" not in str(err.value)


def test_the_confirmed_proposals_import_the_file(home: Path, tmp_path: Path) -> None:
    path = _own_csv(tmp_path / "permohonan.csv")
    (peeked,) = propose.peek(path)
    kind, proposals = propose.propose(peeked.header, peeked.samples, peeked.kind)
    columns = propose.to_mapping(kind, proposals, header=peeked.header)
    assert columns.kind == "requests"
    assert columns.meaning("Nama") == (True, None)
    (result,) = ingest.ingest_path(path, actor=STAFF, columns=columns)
    assert isinstance(result, ingest.ImportResult)
    assert (result.kind, result.rows_read, result.inserted, result.quarantined) == (
        "requests",
        7,
        5,
        2,  # R6: merpati is no channel; R7: 31 February
    )
    assert result.ignored == ["Nama"]
    with store.connect(read_only=True) as con:
        rows = con.execute(
            "SELECT request_id, channel, phone_masked, nik_hash IS NOT NULL FROM requests "
            "ORDER BY request_id"
        ).fetchall()
    assert rows == [
        ("R1", "whatsapp", "0812****001", True),
        ("R2", "walk_in", "0812****002", True),
        ("R3", "whatsapp", "0812****003", True),
        ("R4", "walk_in", None, True),
        ("R5", "whatsapp", "0812****005", False),
    ]
    # saved, the same header is then recognised as it stands
    mapping.save(peeked.header, columns, actor=STAFF)
    (again,) = propose.peek(path)
    assert (again.kind, again.missing) == ("requests", [])


def test_to_mapping_takes_changed_choices_and_refuses_a_meaning_twice(home: Path) -> None:
    _kind, proposals = propose.propose(OWN_HEADER, OWN_ROWS[:5], "requests")
    changed = {p.header: p.meaning for p in proposals} | {"HP": None}
    m = propose.to_mapping("requests", changed)
    assert m.meaning("hp") == (True, None) and m.meaning("Tgl. Masuk") == (True, "received_at")
    pairs = [("Tgl Masuk", "received_at"), ("Tgl Lahir", "received_at")]
    with pytest.raises(mapping.MappingError, match="both mapped to received_at"):
        propose.to_mapping("requests", pairs)
    # a header holding a number keeps its own key when the file's header is passed
    header = ["request_id", NIKS[0]]
    _kind, proposals = propose.propose(header, [["A", "x"]], "requests")
    m = propose.to_mapping("requests", proposals, header=header)
    assert m.meaning(NIKS[0]) == (True, None)
    assert pii.mask_digits(NIKS[0]) == proposals[1].header


def test_peek_at_parquet_and_at_a_register_saved_as_csv(home: Path, tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.table(
        {
            "Kode": ["A", "B", "C"],
            "Masuk": pa.array([datetime(2020, 6, 8, 8, 15), None, None], pa.timestamp("s")),
            "Via": ["wa", "loket", None],
        }
    )
    pq.write_table(table, tmp_path / "log.parquet")
    (peeked,) = propose.peek(tmp_path / "log.parquet")
    assert (peeked.sheet, peeked.header, peeked.rows) == (None, ["Kode", "Masuk", "Via"], 3)
    assert peeked.samples == [["A", "2020-06-08 08:15:00", "wa"], ["B", "", "loket"], ["C", "", ""]]
    assert peeked.kind is None
    # the best guess is a requests log, whose ID and time the import does not find by name
    assert peeked.missing == ["request_id", "received_at", "channel"]
    register_csv = tmp_path / "register.csv"
    register_csv.write_text(
        "DAFTAR PEREKAMAN KTP-EL\n\nNo;Nama;Tanggal Daftar;Via;Keterangan\n"
        "1;Siti;08/06/2020;WA;\n2;Budi;08/06/2020;Loket;batal\nJUMLAH;;;;\n\n",
        encoding="utf-8",
    )
    (peeked,) = propose.peek(register_csv)
    assert (peeked.kind, peeked.missing, peeked.rows) == ("register", [], 2)
    assert peeked.header == ["No", "Nama", "Tanggal Daftar", "Via", "Keterangan"]
    assert peeked.samples[1] == ["2", "Budi", "08/06/2020", "Loket", "batal"]
