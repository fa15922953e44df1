"""The blank import templates (dashboard/templates.py, `python -m dashboard template`).

First what a template holds, read back with openpyxl: the header, the frozen pane, the
column formats, the drop-downs (their lists and the cells they cover) and the Petunjuk
sheet. Then each template is FILLED the way an office would (rows appended under the
header, words from its drop-downs, real dates) and imported with `ingest.ingest_path`,
with no kind and no mapping: it must import whole, and the store must hold exactly the
rows put in. Every expected count is counted by hand from the rows written next to it.
"""

from __future__ import annotations

import io
import re
import time
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from openpyxl.workbook.workbook import Workbook

from dashboard import cli, ingest, pii, queries, register, store, templates
from dashboard.mapping import norm_header
from dashboard.roles import Actor
from tests.fixtures import run_process

ROOT = Path(__file__).resolve().parent.parent
ADMIN = Actor.cli("tester")

# Given in any order and spelling; the drop-down holds one spelling each, sorted.
KECAMATAN = ("Paringin", "Awayan", " Halong ", "PARINGIN", "Juai", "")
KECAMATAN_LIST = '"Awayan,Halong,Juai,Paringin"'

HEADERS = {
    "requests": [
        "id_permohonan",
        "waktu_masuk",
        "kanal",
        "layanan",
        "kecamatan",
        "no_hp",
        "nik",
        "waktu_batal",
    ],
    "appointments": [
        "id_jadwal",
        "id_permohonan",
        "no_antrian",
        "tanggal_jadwal",
        "status",
        "waktu_datang",
        "suhu",
        "masker",
        "cuci_tangan",
        "alasan_tolak",
        "waktu_rekam",
    ],
    "register": [
        "No",
        "Tanggal Daftar",
        "NIK",
        "No. WA",
        "Kecamatan",
        "Via",
        "No. Antrean",
        "Tanggal Rekam",
        "Suhu",
        "Masker",
        "Cuci Tangan",
        "Keterangan",
    ],
}

# header -> number format of its column
TEXT, DAY, MOMENT = "@", "dd/mm/yyyy", "dd/mm/yyyy hh:mm"
FORMATS = {
    "requests": {
        "id_permohonan": TEXT,
        "waktu_masuk": MOMENT,
        "kanal": "General",
        "layanan": "General",
        "kecamatan": "General",
        "no_hp": TEXT,
        "nik": TEXT,
        "waktu_batal": MOMENT,
    },
    "appointments": {
        "id_jadwal": TEXT,
        "id_permohonan": TEXT,
        "no_antrian": "0",
        "tanggal_jadwal": DAY,
        "status": "General",
        "waktu_datang": MOMENT,
        "suhu": "0.0",
        "masker": "General",
        "cuci_tangan": "General",
        "alasan_tolak": "General",
        "waktu_rekam": MOMENT,
    },
    "register": {
        "No": "0",
        "Tanggal Daftar": DAY,
        "NIK": TEXT,
        "No. WA": TEXT,
        "Kecamatan": "General",
        "Via": "General",
        "No. Antrean": "0",
        "Tanggal Rekam": DAY,
        "Suhu": "0.0",
        "Masker": "General",
        "Cuci Tangan": "General",
        "Keterangan": "General",
    },
}

CHANNELS = '"WA,Datang langsung,Titip berkas,Online,Aplikasi"'
YES_NO = '"ya,tidak"'
# column letter -> (type, formula1, formula2) of its rule; every rule covers rows 2..5000
RULES = {
    "requests": {"C": ("list", CHANNELS, None), "E": ("list", KECAMATAN_LIST, None)},
    "appointments": {
        "E": (
            "list",
            '"terjadwal,terekam,ditolak,tidak hadir,batal,dijadwal ulang"',
            None,
        ),
        "G": ("decimal", "30", "45"),
        "H": ("list", YES_NO, None),
        "I": ("list", YES_NO, None),
        "J": ("list", '"demam,tidak bermasker,tidak cuci tangan,gejala,lainnya"', None),
    },
    "register": {
        "E": ("list", KECAMATAN_LIST, None),
        "F": ("list", CHANNELS, None),
        "I": ("decimal", "30", "45"),
        "J": ("list", YES_NO, None),
        "K": ("list", YES_NO, None),
        "L": (
            "list",
            '"terjadwal,sudah rekam,ditolak - demam,ditolak - tidak bermasker,'
            "ditolak - tidak cuci tangan,ditolak - gejala,ditolak - lainnya,tidak datang,"
            'batal,dijadwal ulang"',
            None,
        ),
    },
}
KECAMATAN_COLUMN = {"requests": "E", "register": "E"}


def _open(data: bytes) -> Workbook:
    return load_workbook(io.BytesIO(data))


def _rules(sheet) -> dict[str, Any]:
    """column letter -> its data-validation rule; each rule covers one column."""
    found = {}
    for rule in sheet.data_validations.dataValidation:
        ranges = str(rule.sqref).split()
        assert len(ranges) == 1, ranges
        letter = re.match(r"[A-Z]+", ranges[0]).group(0)
        assert letter not in found
        found[letter] = rule
    return found


def _key(word: str) -> str:
    """A value as ingest's enum matching normalises it (`_enum_sql`)."""
    return re.sub(r"[\s\-]+", "_", word.strip().lower())


# ---------------------------------------------------------------- what a template holds


@pytest.mark.parametrize("kind", templates.KINDS)
def test_header_frozen_bold_widths_and_formats(kind: str) -> None:
    book = _open(templates.build(kind, KECAMATAN))
    assert book.sheetnames == [templates.SHEET_NAMES[kind], "Petunjuk"]
    sheet = book.worksheets[0]
    assert book.active.title == sheet.title  # opens on the table
    assert [c.value for c in sheet[1]] == HEADERS[kind]
    assert sheet.max_row == 1  # blank below the header
    assert sheet.freeze_panes == "A2"
    for index, cell in enumerate(sheet[1], start=1):
        assert cell.font.bold, cell.value
        letter = cell.column_letter
        dimension = sheet.column_dimensions[letter]
        assert dimension.width >= max(6, len(cell.value) * 0.8), cell.value
        assert dimension.number_format == FORMATS[kind][cell.value], cell.value
        assert templates.COLUMNS[kind][index - 1].header == cell.value
    assert "Nama" not in HEADERS[kind]  # names are never stored: not asked for


@pytest.mark.parametrize("kind", templates.KINDS)
def test_drop_downs_hold_the_words_and_cover_rows_2_to_5000(kind: str) -> None:
    rules = _rules(_open(templates.build(kind, KECAMATAN)).worksheets[0])
    assert sorted(rules) == sorted(RULES[kind])
    for letter, (kind_of_rule, formula1, formula2) in RULES[kind].items():
        rule = rules[letter]
        assert str(rule.sqref) == f"{letter}2:{letter}5000"
        assert (rule.type, rule.formula1, rule.formula2) == (kind_of_rule, formula1, formula2)
        assert rule.allow_blank and rule.showErrorMessage
        # the kecamatan list only warns (a new kecamatan may be typed); the others stop
        warning = letter == KECAMATAN_COLUMN.get(kind)
        assert (rule.errorStyle == "warning") is warning
        # what Excel accepts: a list of at most 255 characters, a title of at most 32
        assert len(rule.formula1) <= 255
        assert len(rule.errorTitle or "") <= 32 and len(rule.error or "") <= 255


@pytest.mark.parametrize("kind", ["requests", "register"])
def test_no_kecamatan_known_no_kecamatan_list(kind: str) -> None:
    book = _open(templates.build(kind))
    rules = _rules(book.worksheets[0])
    assert KECAMATAN_COLUMN[kind] not in rules
    assert len(rules) == len(RULES[kind]) - 1
    texts = [c for row in book["Petunjuk"].iter_rows(values_only=True) for c in row if c]
    assert not any("Daftar kecamatan" in t for t in texts)


def test_a_long_kecamatan_list_is_kept_on_the_petunjuk_sheet() -> None:
    # 40 kecamatan (a large regency) do not fit in a list of 255 characters: the rule
    # points at the list on the Petunjuk sheet. A name with a comma forces it too. A name
    # that looks like a formula stays text.
    names = [f"Kecamatan Nomor {i:02d}" for i in range(40)] + ["=HYPERLINK(1)"]
    book = _open(templates.build("register", names))
    rule = _rules(book.worksheets[0])["E"]
    match = re.fullmatch(r"Petunjuk!\$A\$(\d+):\$A\$(\d+)", rule.formula1)
    assert match, rule.formula1
    first, last = int(match.group(1)), int(match.group(2))
    help_sheet = book["Petunjuk"]
    listed = [help_sheet.cell(row=r, column=1) for r in range(first, last + 1)]
    assert [c.value for c in listed] == ["=HYPERLINK(1)"] + names[:-1]
    assert all(c.data_type == "s" for c in listed)
    assert help_sheet.cell(row=first - 1, column=1).value == "Daftar kecamatan / Kecamatan list"

    comma = _rules(_open(templates.build("requests", ["Awayan", "Batu, Mandi"])).worksheets[0])
    assert comma["E"].formula1.startswith("Petunjuk!$A$")


@pytest.mark.parametrize("kind", templates.KINDS)
def test_petunjuk_explains_every_column_indonesian_first(kind: str) -> None:
    help_sheet = _open(templates.build(kind, KECAMATAN))["Petunjuk"]
    rows = [list(r) for r in help_sheet.iter_rows(values_only=True)]
    first_cells = [r[0] for r in rows]
    assert first_cells.index("Bahasa Indonesia") < first_cells.index("English")
    text = " ".join(str(c) for r in rows for c in r if c)
    for phrase in (
        "nama tidak pernah disimpan",
        "never stored",
        "Satu sheet per bulan boleh",
        "One sheet per month is fine",
        "dd/mm/yyyy",
    ):
        assert phrase in text, phrase
    # the column table: every header once, with whether it is required and its words
    table = first_cells.index("Kolom / Column")
    described = {r[0]: r for r in rows[table + 1 : table + 1 + len(HEADERS[kind])]}
    assert list(described) == HEADERS[kind]
    required = {h for h, r in described.items() if r[1] == "ya / yes"}
    assert (
        required
        == {
            "requests": {"id_permohonan", "waktu_masuk", "kanal"},
            "appointments": {"id_jadwal", "id_permohonan", "tanggal_jadwal", "status"},
            "register": {"No", "Tanggal Daftar", "Via"},
        }[kind]
    )
    assert all(r[2] and r[3] for r in described.values())  # meaning in both languages
    words = {"register": "Keterangan", "requests": "kanal", "appointments": "status"}[kind]
    assert "batal" in described[words][4] or "WA" in described[words][4]
    kecamatan = [i for i, c in enumerate(first_cells) if c == "Daftar kecamatan / Kecamatan list"]
    assert bool(kecamatan) is (kind != "appointments")
    if kecamatan:
        names = first_cells[kecamatan[0] + 1 :]
        assert names == ["Awayan", "Halong", "Juai", "Paringin"]


def test_build_is_cheap_and_refuses_an_unknown_kind() -> None:
    templates.build("requests")  # openpyxl loaded
    many = [f"Kecamatan {i}" for i in range(500)]
    for kind in templates.KINDS:
        started = time.perf_counter()
        templates.build(kind, many)
        assert time.perf_counter() - started < 0.5, kind
    with pytest.raises(ValueError, match="unknown template"):
        templates.build("permohonan")
    assert set(templates.FILE_NAMES) == set(templates.KINDS)


# -------------------------------------------------------- the import knows every word


def test_headers_are_the_names_the_import_knows() -> None:
    for kind in ingest.KINDS:
        lookup = ingest._lookup(kind)
        meant = [lookup.get(norm_header(h)) for h in HEADERS[kind]]
        assert None not in meant, (kind, meant)
        assert len(set(meant)) == len(meant)
        assert set(meant) == set(ingest.INPUT_COLUMNS[kind])  # every contract column
    fields = [register._field(h) for h in HEADERS["register"]]
    assert fields == [
        "no",
        "received",
        "nik",
        "phone",
        "kecamatan",
        "channel",
        "queue",
        "scheduled",
        "temperature",
        "mask",
        "handwash",
        "status",
    ]
    assert register.is_register([(1, HEADERS["register"])])


def test_drop_down_words_are_words_the_import_accepts() -> None:
    def canonical(word: str, table: dict[str, tuple[str, ...]]) -> str | None:
        return next((c for c, aliases in table.items() if _key(word) in aliases), None)

    assert {canonical(w, ingest.CHANNELS) for w in templates.CHANNEL_WORDS} == set(ingest.CHANNELS)
    statuses = [canonical(w, ingest.STATUSES) for w in templates.STATUS_WORDS]
    assert sorted(statuses) == sorted(ingest.STATUSES)  # each status once
    reasons = [canonical(w, ingest.REASONS) for w in templates.REASON_WORDS]
    assert sorted(reasons) == sorted(ingest.REASONS)
    assert templates.YES_NO[0] in ingest._TRUE and templates.YES_NO[1] in ingest._FALSE
    seen = set()
    for word in templates.REGISTER_WORDS:
        status, reason, known = register._status(word)
        assert known, word
        seen.add(status)
        if status == "rejected":
            assert canonical(reason, ingest.REASONS), word
    assert seen == set(ingest.STATUSES)


# ------------------------------------------------------------- filled, then imported


def _fill(folder: Path, kind: str, rows: list[list[Any]], name: str) -> Path:
    """The template of `kind`, rows typed under its header, saved as `name`."""
    book = _open(templates.build(kind, KECAMATAN))
    sheet = book.worksheets[0]
    for row in rows:
        assert len(row) == len(HEADERS[kind])
        sheet.append(row)
    path = folder / name
    book.save(path)
    return path


D = datetime
NIK = "6311010101010001"  # text, as the column's `@` format keeps it
PHONE = "081234567890"

# 8 requests: WA x3, walk-in x3 (Datang langsung x2, Titip berkas), Online, Aplikasi.
# P-008 is withdrawn. One NIK and one phone number.
REQUEST_ROWS = [
    ["P-001", D(2020, 6, 8, 8, 15), "WA", None, "Paringin", PHONE, NIK, None],
    ["P-002", D(2020, 6, 8, 9, 0), "Datang langsung", None, "Awayan", None, None, None],
    ["P-003", D(2020, 6, 8, 9, 30), "Titip berkas", None, "Halong", None, None, None],
    ["P-004", D(2020, 6, 9, 10, 0), "Online", None, "Juai", None, None, None],
    ["P-005", D(2020, 6, 9, 10, 30), "Aplikasi", None, "Paringin", None, None, None],
    ["P-006", D(2020, 6, 9, 11, 0), "WA", None, None, None, None, None],
    ["P-007", D(2020, 6, 9, 13, 0), "Datang langsung", None, "Awayan", None, None, None],
    ["P-008", D(2020, 6, 9, 14, 0), "WA", None, "Halong", None, None, D(2020, 6, 10, 9, 0)],
]

# 10 appointments, every status and every reason once (rejections: 5):
# recorded 1, rejected 5, no_show 1, cancelled 1, rescheduled 1, scheduled 1.
# P-002 was turned away (J-02), rescheduled (J-09) and scheduled again (J-10).
APPOINTMENT_ROWS = [
    [
        "J-01",
        "P-001",
        1,
        date(2020, 6, 10),
        "terekam",
        D(2020, 6, 10, 8, 5),
        36.5,
        "ya",
        "ya",
        None,
        D(2020, 6, 10, 8, 20),
    ],  # fmt: skip
    [
        "J-02",
        "P-002",
        2,
        date(2020, 6, 10),
        "ditolak",
        D(2020, 6, 10, 8, 30),
        38.2,
        "ya",
        "ya",
        "demam",
        None,
    ],  # fmt: skip
    [
        "J-03",
        "P-003",
        3,
        date(2020, 6, 10),
        "ditolak",
        D(2020, 6, 10, 8, 40),
        36.6,
        "tidak",
        "ya",
        "tidak bermasker",
        None,
    ],  # fmt: skip
    [
        "J-04",
        "P-004",
        4,
        date(2020, 6, 11),
        "ditolak",
        D(2020, 6, 11, 8, 5),
        36.7,
        "ya",
        "tidak",
        "tidak cuci tangan",
        None,
    ],  # fmt: skip
    [
        "J-05",
        "P-005",
        5,
        date(2020, 6, 11),
        "ditolak",
        D(2020, 6, 11, 8, 15),
        37.0,
        "ya",
        "ya",
        "gejala",
        None,
    ],  # fmt: skip
    [
        "J-06",
        "P-006",
        6,
        date(2020, 6, 11),
        "ditolak",
        D(2020, 6, 11, 8, 25),
        36.4,
        "ya",
        "ya",
        "lainnya",
        None,
    ],  # fmt: skip
    ["J-07", "P-007", 7, date(2020, 6, 12), "tidak hadir", None, None, None, None, None, None],
    ["J-08", "P-008", 8, date(2020, 6, 12), "batal", None, None, None, None, None, None],
    ["J-09", "P-002", 9, date(2020, 6, 12), "dijadwal ulang", None, None, None, None, None, None],
    ["J-10", "P-002", 1, date(2020, 6, 15), "terjadwal", None, None, None, None, None, None],
]


def _imported(results: list) -> list[ingest.ImportResult]:
    """The imports of a result list; the one skipped sheet must be Petunjuk."""
    skipped = [r for r in results if isinstance(r, ingest.SheetSkipped)]
    assert [s.sheet for s in skipped] == ["Petunjuk"]
    return [r for r in results if isinstance(r, ingest.ImportResult)]


def _counts(result: ingest.ImportResult) -> tuple[int, int, int, int, int]:
    return (result.rows_read, result.inserted, result.updated, result.unchanged, result.quarantined)


def _query(sql: str) -> list[tuple]:
    with store.connect(read_only=True) as con:
        return con.execute(sql).fetchall()


def test_filled_requests_and_appointments_templates_import_as_filled(
    home: Path, tmp_path: Path
) -> None:
    requests = _fill(tmp_path, "requests", REQUEST_ROWS, "permohonan_juni.xlsx")
    appointments = _fill(tmp_path, "appointments", APPOINTMENT_ROWS, "jadwal_juni.xlsx")

    [req] = _imported(ingest.ingest_path(requests, actor=ADMIN))
    assert req.kind == "requests" and req.file_name == "permohonan_juni.xlsx [Permohonan]"
    assert _counts(req) == (8, 8, 0, 0, 0)
    assert req.ignored == []
    [app] = _imported(ingest.ingest_path(appointments, actor=ADMIN))
    assert app.kind == "appointments"
    assert _counts(app) == (10, 10, 0, 0, 0)
    assert (app.orphans, app.ignored) == (0, [])

    assert _query("SELECT channel, count(*) FROM requests GROUP BY 1 ORDER BY 1") == [
        ("app", 1),
        ("online", 1),
        ("walk_in", 3),
        ("whatsapp", 3),
    ]
    assert _query("SELECT received_at FROM requests WHERE request_id = 'P-001'") == [
        (D(2020, 6, 8, 8, 15),)
    ]
    assert _query(
        "SELECT request_id, cancelled_date FROM requests WHERE cancelled_at IS NOT NULL"
    ) == [("P-008", date(2020, 6, 10))]
    assert _query("SELECT kecamatan, count(*) FROM requests GROUP BY 1 ORDER BY 1 NULLS LAST") == [
        ("Awayan", 2),
        ("Halong", 2),
        ("Juai", 1),
        ("Paringin", 2),
        (None, 1),
    ]
    # the 16-digit NIK arrived whole (its hash is the hash of all 16 digits); no raw data
    assert _query("SELECT nik_hash, phone_masked FROM requests WHERE nik_hash IS NOT NULL") == [
        (pii.hash_value(NIK), pii.mask_phone(PHONE))
    ]

    assert _query("SELECT status, count(*) FROM appointments GROUP BY 1 ORDER BY 1") == [
        ("cancelled", 1),
        ("no_show", 1),
        ("recorded", 1),
        ("rejected", 5),
        ("rescheduled", 1),
        ("scheduled", 1),
    ]
    assert _query(
        "SELECT rejection_reason, count(*) FROM appointments "
        "WHERE rejection_reason IS NOT NULL GROUP BY 1 ORDER BY 1"
    ) == [("fever", 1), ("no_handwash", 1), ("no_mask", 1), ("other", 1), ("symptoms", 1)]
    assert _query(
        "SELECT count(*) FILTER (mask = false), count(*) FILTER (handwash = false), "
        "count(temperature_c), max(temperature_c) FROM appointments"
    ) == [(1, 1, 6, Decimal("38.2"))]
    assert _query(
        "SELECT scheduled_date, recorded_at FROM appointments WHERE appointment_id = 'J-01'"
    ) == [(date(2020, 6, 10), D(2020, 6, 10, 8, 20))]

    # The same files again: nothing changes.
    [again] = _imported(ingest.ingest_path(requests, actor=ADMIN))
    assert _counts(again) == (8, 0, 0, 8, 0)


# The register: one sheet a month. Juni (the template's sheet), 11 rows:
#   rows 1-10 have a Tanggal Rekam -> 10 appointments: every Keterangan word once;
#   row 11 has none and no Keterangan -> a request without an appointment yet.
# Juli (a copy of the sheet, as an office makes one): 1 row, recorded.
# Channels: WA rows 1, 6, 7, 8, 11 + Juli = 6; walk-in rows 2, 3, 9, 10 = 4; online 4;
# app 5. Row 8 `batal` cancels its request on its Tanggal Rekam (12 Jun).
REGISTER_JUNI = [
    [
        1,
        date(2020, 6, 8),
        NIK,
        PHONE,
        "Paringin",
        "WA",
        1,
        date(2020, 6, 10),
        36.5,
        "ya",
        "ya",
        "sudah rekam",
    ],  # fmt: skip
    [
        2,
        date(2020, 6, 8),
        None,
        None,
        "Awayan",
        "Datang langsung",
        2,
        date(2020, 6, 10),
        38.1,
        "ya",
        "ya",
        "ditolak - demam",
    ],  # fmt: skip
    [
        3,
        date(2020, 6, 8),
        None,
        None,
        "Halong",
        "Titip berkas",
        3,
        date(2020, 6, 10),
        36.6,
        "tidak",
        "ya",
        "ditolak - tidak bermasker",
    ],  # fmt: skip
    [
        4,
        date(2020, 6, 9),
        None,
        None,
        "Juai",
        "Online",
        4,
        date(2020, 6, 11),
        36.5,
        "ya",
        "tidak",
        "ditolak - tidak cuci tangan",
    ],  # fmt: skip
    [
        5,
        date(2020, 6, 9),
        None,
        None,
        None,
        "Aplikasi",
        5,
        date(2020, 6, 11),
        37.0,
        "ya",
        "ya",
        "ditolak - gejala",
    ],  # fmt: skip
    [
        6,
        date(2020, 6, 9),
        None,
        None,
        None,
        "WA",
        6,
        date(2020, 6, 11),
        36.4,
        "ya",
        "ya",
        "ditolak - lainnya",
    ],  # fmt: skip
    [
        7,
        date(2020, 6, 9),
        None,
        None,
        None,
        "WA",
        7,
        date(2020, 6, 12),
        None,
        None,
        None,
        "tidak datang",
    ],  # fmt: skip
    [
        8,
        date(2020, 6, 10),
        None,
        None,
        None,
        "WA",
        8,
        date(2020, 6, 12),
        None,
        None,
        None,
        "batal",
    ],  # fmt: skip
    [
        9,
        date(2020, 6, 10),
        None,
        None,
        None,
        "Datang langsung",
        9,
        date(2020, 6, 15),
        None,
        None,
        None,
        "dijadwal ulang",
    ],  # fmt: skip
    [
        10,
        date(2020, 6, 10),
        None,
        None,
        None,
        "Datang langsung",
        10,
        date(2020, 6, 16),
        None,
        None,
        None,
        "terjadwal",
    ],  # fmt: skip
    [11, date(2020, 6, 10), None, None, "Paringin", "WA", None, None, None, None, None, None],
]
REGISTER_JULI = [
    [
        1,
        date(2020, 7, 1),
        None,
        None,
        "Halong",
        "WA",
        1,
        date(2020, 7, 3),
        36.5,
        "ya",
        "ya",
        "sudah rekam",
    ],  # fmt: skip
]


def test_filled_register_template_imports_as_requests_and_appointments(
    home: Path, tmp_path: Path
) -> None:
    book = _open(templates.build("register", KECAMATAN))
    juni = book.worksheets[0]
    juni.title = "Juni"
    juli = book.copy_worksheet(juni)
    juli.title = "Juli"
    for row in REGISTER_JUNI:
        juni.append(row)
    for row in REGISTER_JULI:
        juli.append(row)
    path = tmp_path / "register_2020.xlsx"
    book.save(path)

    results = _imported(ingest.ingest_path(path, actor=ADMIN))
    assert [(r.file_name, r.kind) for r in results] == [
        ("register_2020.xlsx [Juni] (requests)", "requests"),
        ("register_2020.xlsx [Juni] (appointments)", "appointments"),
        ("register_2020.xlsx [Juli] (requests)", "requests"),
        ("register_2020.xlsx [Juli] (appointments)", "appointments"),
    ]
    assert [_counts(r) for r in results] == [
        (11, 11, 0, 0, 0),
        (10, 10, 0, 0, 0),
        (1, 1, 0, 0, 0),
        (1, 1, 0, 0, 0),
    ]
    assert all(r.ignored == [] and r.skipped == "" and r.orphans == 0 for r in results)

    ids = [r[0] for r in _query("SELECT request_id FROM requests ORDER BY 1")]
    assert ids == [f"REG-2020-06-{n:04d}" for n in range(1, 12)] + ["REG-2020-07-0001"]
    assert _query(
        "SELECT count(*) FROM appointments WHERE appointment_id <> request_id || '-A'"
    ) == [(0,)]
    assert _query("SELECT channel, count(*) FROM requests GROUP BY 1 ORDER BY 1") == [
        ("app", 1),
        ("online", 1),
        ("walk_in", 4),
        ("whatsapp", 6),
    ]
    assert _query("SELECT status, count(*) FROM appointments GROUP BY 1 ORDER BY 1") == [
        ("cancelled", 1),
        ("no_show", 1),
        ("recorded", 2),
        ("rejected", 5),
        ("rescheduled", 1),
        ("scheduled", 1),
    ]
    assert _query(
        "SELECT rejection_reason, count(*) FROM appointments "
        "WHERE rejection_reason IS NOT NULL GROUP BY 1 ORDER BY 1"
    ) == [("fever", 1), ("no_handwash", 1), ("no_mask", 1), ("other", 1), ("symptoms", 1)]
    assert _query(
        "SELECT request_id, cancelled_date FROM requests WHERE cancelled_at IS NOT NULL"
    ) == [("REG-2020-06-0008", date(2020, 6, 12))]
    assert _query(
        "SELECT received_date, nik_hash, phone_masked FROM requests WHERE nik_hash IS NOT NULL"
    ) == [(date(2020, 6, 8), pii.hash_value(NIK), pii.mask_phone(PHONE))]
    assert _query(
        "SELECT scheduled_date, temperature_c, mask, handwash FROM appointments "
        "WHERE appointment_id = 'REG-2020-06-0003-A'"
    ) == [(date(2020, 6, 10), Decimal("36.6"), False, True)]


def test_kecamatan_names_one_spelling_each(home: Path, tmp_path: Path) -> None:
    rows = [
        ["K-1", D(2020, 6, 8, 8), "WA", None, "Paringin", None, None, None],
        ["K-2", D(2020, 6, 8, 9), "WA", None, "Paringin", None, None, None],
        ["K-3", D(2020, 6, 8, 10), "WA", None, "PARINGIN", None, None, None],
        ["K-4", D(2020, 6, 8, 11), "WA", None, "Halong", None, None, None],
        ["K-5", D(2020, 6, 8, 12), "WA", None, None, None, None, None],
    ]
    ingest.ingest_path(_fill(tmp_path, "requests", rows, "k.xlsx"), actor=ADMIN)
    with store.connect(read_only=True) as con:
        assert queries.kecamatan_names(con) == ["Halong", "Paringin"]
        assert queries.kecamatan_names(con, limit=1) == ["Halong"]


# ---------------------------------------------------------------------- the command line


def test_cli_writes_a_template_with_the_stores_kecamatan_and_does_not_overwrite(
    home: Path, tmp_path: Path
) -> None:
    ingest.ingest_path(_fill(tmp_path, "requests", REQUEST_ROWS, "p.xlsx"), actor=ADMIN)
    out = tmp_path / "templat_register.xlsx"

    done = run_process(home, "template", "register", "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == (
        f"wrote the register template to {out} (4 kecamatan in its list)"
    )
    book = _open(out.read_bytes())
    assert [c.value for c in book.worksheets[0][1]] == HEADERS["register"]
    assert _rules(book.worksheets[0])["E"].formula1 == KECAMATAN_LIST  # from the store
    written = out.read_bytes()

    again = run_process(home, "template", "register", "--out", str(out))
    assert again.returncode == 1
    assert again.stderr == f"error: {out} exists already; use --force to replace it\n"
    assert out.read_bytes() == written

    forced = run_process(home, "template", "requests", "--out", str(out), "--force")
    assert forced.returncode == 0, forced.stderr
    assert [c.value for c in _open(out.read_bytes()).worksheets[0][1]] == HEADERS["requests"]
    assert not list(tmp_path.glob("*.part"))


def test_cli_without_a_store_creates_none(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "jadwal.xlsx"
    assert cli.main(["template", "appointments", "--out", str(out)]) == 0
    assert "(no kecamatan list)" in capsys.readouterr().out
    assert [c.value for c in _open(out.read_bytes()).worksheets[0][1]] == HEADERS["appointments"]
    assert not (home / "dashboard.duckdb").exists()  # read-only: no store made

    for args, message in (
        (["--out", str(tmp_path / "x.csv")], "name the file .xlsx"),
        (["--out", str(tmp_path / "no" / "x.xlsx")], "does not exist"),
    ):
        assert cli.main(["template", "requests", *args]) == 1
        err = capsys.readouterr().err
        assert message in err and err.count("\n") == 1
