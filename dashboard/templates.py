"""Blank Excel templates an office fills in and imports as they are (no mapping step).

`build(kind, kecamatan=())` returns the bytes of an .xlsx workbook for one of three shapes:

- `requests` (permohonan, CONTRACT 1.1) and `appointments` (jadwal, 1.2): the two logs,
  headed with the Indonesian names the import knows (`ingest._ALIASES`);
- `register` (1.5): the office's one-sheet register as offices write it (`No`, `Tanggal
  Daftar`, ..., `Keterangan`; the names `register.FIELDS` knows). No `Nama` column: names
  are never stored, so the template does not ask for them.

The first sheet is the table: the header row bold and frozen, column widths set, a number
format on each whole column (text `@` on NIK, phone and ID columns so that Excel keeps
all 16 digits of a NIK instead of showing 6.30801E+15; `dd/mm/yyyy` and `dd/mm/yyyy hh:mm`
on dates; `0.0` on the temperature), and drop-down lists (data validation) on rows 2 to
`LAST_ROW` holding words the import accepts. A format set on the column (a column style)
is what Excel's "format the whole column" writes: Excel and LibreOffice give it to every
cell typed in that column, and the file stays a few kilobytes. The second sheet, Petunjuk,
says what each column means, which are required and which words are accepted, Indonesian
first, then English; the import skips it (it holds no log).

The headers and words are written here, not taken from ingest.py and register.py, so that
building a template loads neither DuckDB nor pandas (a download button calls `build` on
every page run); tests/test_templates.py proves every header and word is one the import
knows, and that a filled template imports with the counts put in.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from dataclasses import dataclass

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

KINDS = ("requests", "appointments", "register")

#: The last row the drop-downs and checks cover (row 1 is the header).
LAST_ROW = 5000

#: What a download of the template is called and its type, for the upload page's buttons.
FILE_NAMES = {
    "requests": "templat_permohonan.xlsx",
    "appointments": "templat_jadwal.xlsx",
    "register": "templat_register.xlsx",
}
MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# Number formats of the columns.
TEXT = "@"
DATE = "dd/mm/yyyy"
DATETIME = "dd/mm/yyyy hh:mm"
DECIMAL = "0.0"
INTEGER = "0"
GENERAL = "General"

# The words of the drop-downs: each one the import accepts (CONTRACT 1.3, 1.5).
CHANNEL_WORDS = ("WA", "Datang langsung", "Titip berkas", "Online", "Aplikasi")
STATUS_WORDS = ("terjadwal", "terekam", "ditolak", "tidak hadir", "batal", "dijadwal ulang")
REASON_WORDS = ("demam", "tidak bermasker", "tidak cuci tangan", "gejala", "lainnya")
YES_NO = ("ya", "tidak")
#: A register's `Keterangan`: the status, and after `ditolak -` the reason.
REGISTER_WORDS = (
    "terjadwal",
    "sudah rekam",
    *(f"ditolak - {reason}" for reason in REASON_WORDS),
    "tidak datang",
    "batal",
    "dijadwal ulang",
)
#: The plausible temperatures (CONTRACT 1.4); outside them a row is quarantined.
TEMPERATURE_RANGE = (30, 45)

# Excel refuses a list written in the rule itself when it is longer than this; a longer
# kecamatan list is written on the Petunjuk sheet and the rule points at those cells.
_INLINE_LIST_MAX = 255
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # what a worksheet cannot hold


@dataclass(frozen=True)
class Column:
    """One column of a template: its header, format, width and what it means."""

    header: str
    fmt: str
    width: float
    required: bool
    meaning_id: str
    meaning_en: str
    #: which drop-down: "channel", "status", "reason", "yes_no", "register_status",
    #: "kecamatan", "temperature" (a number check, not a list) or None
    choices: str | None = None
    #: what the cell takes, when it is not a drop-down's words (`dd/mm/yyyy`, ...)
    accepted: str = ""


_DATE_HELP = "dd/mm/yyyy, mis./e.g. 08/06/2020"
_DATETIME_HELP = "dd/mm/yyyy hh:mm, mis./e.g. 08/06/2020 08:15"
_NIK = Column(
    "nik",
    TEXT,
    20,
    False,
    "NIK pemohon (16 digit); disimpan hanya sebagai kode acak (hash)",
    "The applicant's NIK (16 digits); stored only as a keyed hash",
    accepted="16 digit / 16 digits",
)
_PHONE_ID = "Nomor HP/WA pemohon; disimpan hanya sebagai hash dan tersamar (0812****789)"
_PHONE_EN = "The applicant's phone/WhatsApp number; stored only hashed and masked (0812****789)"
_KECAMATAN = Column(
    "kecamatan",
    GENERAL,
    20,
    False,
    "Kecamatan tempat tinggal pemohon",
    "The applicant's district (kecamatan)",
    "kecamatan",
)
_TEMPERATURE = Column(
    "suhu",
    DECIMAL,
    8,
    False,
    "Suhu tubuh saat skrining, °C",
    "Body temperature at the health screen, °C",
    "temperature",
    f"{TEMPERATURE_RANGE[0]}–{TEMPERATURE_RANGE[1]}, mis./e.g. 36,5",
)
_MASK = Column("masker", GENERAL, 9, False, "Memakai masker?", "Wearing a mask?", "yes_no")
_HANDWASH = Column(
    "cuci_tangan", GENERAL, 12, False, "Sudah cuci tangan?", "Washed hands?", "yes_no"
)

COLUMNS: dict[str, tuple[Column, ...]] = {
    "requests": (
        Column(
            "id_permohonan",
            TEXT,
            18,
            True,
            "Nomor permohonan, unik di kantor ini",
            "Request number, unique in this office",
        ),
        Column(
            "waktu_masuk",
            DATETIME,
            17,
            True,
            "Tanggal dan jam permohonan masuk",
            "When the request reached the office",
            accepted=_DATETIME_HELP,
        ),
        Column(
            "kanal",
            GENERAL,
            16,
            True,
            "Lewat mana permohonan masuk",
            "How the request came in (channel)",
            "channel",
        ),
        Column(
            "layanan",
            GENERAL,
            12,
            False,
            "Jenis layanan; kosong = perekaman KTP-el",
            "Service; empty = e-KTP recording",
            accepted="kosong/empty = KTP-el; kk, akta_lahir, ...",
        ),
        _KECAMATAN,
        Column("no_hp", TEXT, 16, False, _PHONE_ID, _PHONE_EN, accepted="8–15 digit / digits"),
        _NIK,
        Column(
            "waktu_batal",
            DATETIME,
            17,
            False,
            "Jika permohonan dibatalkan: kapan",
            "When the request was withdrawn, if it was",
            accepted=_DATETIME_HELP,
        ),
    ),
    "appointments": (
        Column(
            "id_jadwal",
            TEXT,
            16,
            True,
            "Nomor jadwal, unik di kantor ini",
            "Appointment number, unique in this office",
        ),
        Column(
            "id_permohonan",
            TEXT,
            18,
            True,
            "Nomor permohonan yang dilayani jadwal ini",
            "The request this appointment serves",
        ),
        Column(
            "no_antrian",
            INTEGER,
            11,
            False,
            "Nomor antrean",
            "Queue number",
            accepted="angka bulat / whole number",
        ),
        Column(
            "tanggal_jadwal",
            DATE,
            14,
            True,
            "Tanggal jadwal perekaman",
            "The date the recording is scheduled for",
            accepted=_DATE_HELP,
        ),
        Column(
            "status",
            GENERAL,
            15,
            True,
            "Keadaan jadwal: ditolak = ditolak di skrining kesehatan; dijadwal ulang = "
            "diganti jadwal baru (baris lain)",
            "The appointment's state: ditolak = turned away at the health screen; "
            "dijadwal ulang = replaced by a later appointment (another row)",
            "status",
        ),
        Column(
            "waktu_datang",
            DATETIME,
            17,
            False,
            "Tanggal dan jam datang (skrining kesehatan)",
            "Arrival and health screen",
            accepted=_DATETIME_HELP,
        ),
        _TEMPERATURE,
        _MASK,
        _HANDWASH,
        Column(
            "alasan_tolak",
            GENERAL,
            18,
            False,
            "Alasan ditolak; hanya bila status ditolak",
            "Why the person was turned away; only with status ditolak",
            "reason",
        ),
        Column(
            "waktu_rekam",
            DATETIME,
            17,
            False,
            "Tanggal dan jam perekaman selesai; kosong bila ditolak",
            "When the recording finished; empty when turned away",
            accepted=_DATETIME_HELP,
        ),
    ),
    "register": (
        Column(
            "No",
            INTEGER,
            6,
            True,
            "Nomor urut dalam bulan (1, 2, 3, ...); dengan bulan Tanggal Daftar menjadi "
            "nomor permohonan (REG-2020-06-0012): jangan ubah No baris yang sudah diimpor",
            "Row number within the month (1, 2, 3, ...); with the month of Tanggal Daftar it "
            "becomes the request number (REG-2020-06-0012): do not renumber imported rows",
            accepted="angka bulat / whole number",
        ),
        Column(
            "Tanggal Daftar",
            DATE,
            14,
            True,
            "Tanggal mendaftar (permohonan masuk)",
            "The date the person registered (request received)",
            accepted=_DATE_HELP,
        ),
        Column("NIK", TEXT, 20, False, _NIK.meaning_id, _NIK.meaning_en, accepted=_NIK.accepted),
        Column("No. WA", TEXT, 16, False, _PHONE_ID, _PHONE_EN, accepted="8–15 digit / digits"),
        Column(
            "Kecamatan",
            GENERAL,
            20,
            False,
            _KECAMATAN.meaning_id,
            _KECAMATAN.meaning_en,
            "kecamatan",
        ),
        Column(
            "Via",
            GENERAL,
            16,
            True,
            "Lewat mana mendaftar",
            "How the person registered (channel)",
            "channel",
        ),
        Column(
            "No. Antrean",
            INTEGER,
            11,
            False,
            "Nomor antrean",
            "Queue number",
            accepted="angka bulat / whole number",
        ),
        Column(
            "Tanggal Rekam",
            DATE,
            14,
            False,
            "Tanggal jadwal perekaman; kosong = belum dijadwalkan (belum ada jadwal)",
            "The date the recording is scheduled for; empty = not scheduled yet",
            accepted=_DATE_HELP,
        ),
        Column(
            "Suhu",
            DECIMAL,
            8,
            False,
            _TEMPERATURE.meaning_id,
            _TEMPERATURE.meaning_en,
            "temperature",
            _TEMPERATURE.accepted,
        ),
        Column("Masker", GENERAL, 9, False, _MASK.meaning_id, _MASK.meaning_en, "yes_no"),
        Column(
            "Cuci Tangan",
            GENERAL,
            12,
            False,
            _HANDWASH.meaning_id,
            _HANDWASH.meaning_en,
            "yes_no",
        ),
        Column(
            "Keterangan",
            GENERAL,
            26,
            False,
            "Hasilnya; kosong = terjadwal; batal juga membatalkan permohonan",
            "The outcome; empty = scheduled; batal also cancels the request",
            "register_status",
        ),
    ),
}

_LISTS: dict[str, tuple[str, ...]] = {
    "channel": CHANNEL_WORDS,
    "status": STATUS_WORDS,
    "reason": REASON_WORDS,
    "yes_no": YES_NO,
    "register_status": REGISTER_WORDS,
}

#: The data sheet's name per kind (an import names it: `templat.xlsx [Permohonan]`).
SHEET_NAMES = {"requests": "Permohonan", "appointments": "Jadwal", "register": "Register"}
INSTRUCTIONS_SHEET = "Petunjuk"

# kind -> (Indonesian title, English title, a row is ... in Indonesian, in English)
_TITLES = {
    "requests": ("permohonan", "requests", "satu baris per permohonan", "one row per request"),
    "appointments": (
        "jadwal perekaman",
        "appointments",
        "satu baris per jadwal perekaman",
        "one row per scheduled recording slot",
    ),
    "register": (
        "buku register",
        "register",
        "satu baris per pendaftar",
        "one row per person registering",
    ),
}


def clean_kecamatan(names: Sequence[str]) -> list[str]:
    """The drop-down's kecamatan: trimmed, one spelling per name (case does not matter,
    as in the store), control characters removed, sorted."""
    seen: dict[str, str] = {}
    for name in names:
        text = " ".join(_ILLEGAL.sub("", str(name or "")).split())
        if text and text.casefold() not in seen:
            seen[text.casefold()] = text
    return sorted(seen.values(), key=str.casefold)


def _inline_list(words: Sequence[str]) -> str | None:
    """A list written in the rule itself (`"WA,Datang langsung"`), or None when Excel
    could not take it (too long, or a word holding the list's comma or a quote)."""
    if any("," in w or '"' in w for w in words):
        return None
    formula = '"' + ",".join(words) + '"'
    return formula if len(formula) <= _INLINE_LIST_MAX else None


def build(kind: str, kecamatan: Sequence[str] = ()) -> bytes:
    """The template of `kind` (requests, appointments or register) as .xlsx bytes.

    `kecamatan`: the office's kecamatan for a drop-down (e.g. `queries.kecamatan_names`);
    none given, the column is free text. ValueError for an unknown kind. Takes a few
    milliseconds; needs no store.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown template {kind!r}: use {', '.join(KINDS)}")
    columns = COLUMNS[kind]
    wants_kecamatan = any(c.choices == "kecamatan" for c in columns)
    names = clean_kecamatan(kecamatan) if wants_kecamatan else []
    book = Workbook()
    sheet = book.active
    sheet.title = SHEET_NAMES[kind]
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="DDEBF7")
    sheet.append([c.header for c in columns])
    for cell in sheet[1]:
        cell.font = bold
        cell.fill = fill
        cell.number_format = GENERAL
        cell.alignment = Alignment(vertical="center")
    sheet.freeze_panes = "A2"

    help_sheet = book.create_sheet(INSTRUCTIONS_SHEET)
    kecamatan_cells = _write_instructions(help_sheet, kind, columns, names, bold, fill)

    for index, column in enumerate(columns, start=1):
        letter = get_column_letter(index)
        dimension = sheet.column_dimensions[letter]
        dimension.width = column.width
        dimension.number_format = column.fmt  # the column's style: every cell typed there
        rule = _validation(column, names, kecamatan_cells)
        if rule is not None:
            rule.add(f"{letter}2:{letter}{LAST_ROW}")
            sheet.add_data_validation(rule)

    book.active = 0
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _validation(
    column: Column, names: list[str], kecamatan_cells: str | None
) -> DataValidation | None:
    """The data-validation rule of a column, or None (no drop-down, or no kecamatan)."""
    if column.choices == "temperature":
        low, high = TEMPERATURE_RANGE
        return DataValidation(
            type="decimal",
            operator="between",
            formula1=str(low),
            formula2=str(high),
            allow_blank=True,
            showErrorMessage=True,
            errorTitle="Suhu / temperature",
            error=f"Suhu {low}–{high} °C, mis. 36,5 (temperature {low}–{high} °C)",
        )
    if column.choices == "kecamatan":
        if not names:
            return None
        formula = _inline_list(names) or kecamatan_cells
        # A warning, not a stop: a kecamatan new to the store can still be typed.
        return DataValidation(
            type="list",
            formula1=formula,
            allow_blank=True,
            showErrorMessage=True,
            errorStyle="warning",
            errorTitle="Kecamatan",
            error="Kecamatan ini belum ada di daftar; tetap pakai? "
            "(This kecamatan is not in the list; keep it?)",
        )
    if column.choices is None:
        return None
    words = _LISTS[column.choices]
    return DataValidation(
        type="list",
        formula1=_inline_list(words),
        allow_blank=True,
        showErrorMessage=True,
        errorTitle=column.header,
        error="Pilih dari daftar (choose from the list): " + ", ".join(words),
    )


def _accepted(column: Column) -> str:
    if column.choices in _LISTS:
        return ", ".join(_LISTS[column.choices])
    if column.choices == "kecamatan":
        return "daftar kecamatan di bawah, bila ada / the kecamatan list below, if any"
    return column.accepted


def _write_instructions(
    sheet: Worksheet,
    kind: str,
    columns: Sequence[Column],
    names: list[str],
    bold: Font,
    fill: PatternFill,
) -> str | None:
    """Fill the Petunjuk sheet; the cells holding the kecamatan list (`Petunjuk!$A$n:$A$m`)
    for a drop-down that is too long to write in its rule, else None."""
    title_id, title_en, row_id, row_en = _TITLES[kind]
    required = ", ".join(c.header for c in columns if c.required)
    data_sheet = SHEET_NAMES[kind]
    free_kecamatan = any(c.choices == "kecamatan" for c in columns)
    lines_id = [
        f"Isi sheet {data_sheet}: {row_id}, mulai baris 2; jangan ubah nama kolom di baris 1.",
        f"Kolom wajib: {required}. Kolom lain boleh kosong.",
        "Pilih isian dari daftar (panah di sel); kata lain membuat baris dikarantina saat "
        "impor" + (" (kecuali kecamatan: yang baru tetap boleh)." if free_kecamatan else "."),
        "Tanggal ditulis dd/mm/yyyy (08/06/2020); tanggal dan jam dd/mm/yyyy hh:mm "
        "(08/06/2020 08:15).",
        "NIK dan nomor HP berformat teks agar 16 digit NIK tetap utuh; keduanya disimpan "
        "hanya sebagai kode acak (hash).",
        "Nama tidak perlu ditulis: nama tidak pernah disimpan. Kolom tambahan (Nama, Catatan) "
        "boleh ada; isinya diabaikan.",
        "Satu sheet per bulan boleh (salin sheet ini: Juni, Juli, ...); setiap sheet diimpor, "
        "sheet Petunjuk ini dilewati.",
        "Impor: menu Kualitas data & impor, atau python -m dashboard ingest FILE.xlsx. "
        "Mengimpor ulang file yang sama tidak menggandakan data.",
    ]
    lines_en = [
        f"Fill in the {data_sheet} sheet: {row_en}, from row 2 on; do not rename "
        "the columns in row 1.",
        f"Required columns: {required}. The others may be left empty.",
        "Choose values from the drop-down lists; other words send the row to quarantine"
        + (" (except kecamatan: a new one is fine)." if free_kecamatan else "."),
        "Dates as dd/mm/yyyy (08/06/2020); date and time as dd/mm/yyyy hh:mm (08/06/2020 08:15).",
        "NIK and phone columns are formatted as text so that a 16-digit NIK stays whole; "
        "both are stored only as keyed hashes.",
        "Names are not needed: they are never stored. Extra columns (Nama, Catatan) may stay; "
        "their contents are ignored.",
        "One sheet per month is fine (copy this sheet: Juni, Juli, ...); every sheet is "
        "imported, this Petunjuk sheet is skipped.",
        "Import: page Kualitas data & impor, or python -m dashboard ingest FILE.xlsx. "
        "Importing the same file again does not duplicate anything.",
    ]
    if kind == "register":
        lines_id.insert(
            2,
            "Tanggal Rekam kosong = belum dijadwalkan; Keterangan kosong = terjadwal; "
            "ditolak - <alasan> menyimpan alasannya.",
        )
        lines_en.insert(
            2,
            "Tanggal Rekam empty = not scheduled yet; Keterangan empty = scheduled; "
            "ditolak - <reason> keeps the reason.",
        )
    elif kind == "appointments":
        lines_id.insert(
            2,
            "Baris jadwal memakai id_permohonan dari templat permohonan; status ditolak "
            "tanpa waktu_rekam, terekam tanpa alasan_tolak.",
        )
        lines_en.insert(
            2,
            "Each appointment names its request's id_permohonan; status ditolak has no "
            "waktu_rekam, terekam no alasan_tolak.",
        )

    def put(values: Sequence[str], font: Font | None = None) -> int:
        sheet.append([_as_text(v) for v in values])
        row = sheet.max_row
        for cell in sheet[row]:
            if isinstance(cell.value, str) and cell.value.startswith("="):
                cell.data_type = "s"  # a name from the store is text, never a formula
            if font is not None:
                cell.font = font
        return row

    put([f"Petunjuk pengisian templat {title_id}"], Font(bold=True, size=13))
    put([f"Instructions for the {title_en} template"], Font(italic=True))
    put([])
    put(["Bahasa Indonesia"], bold)
    for line in lines_id:
        put(["• " + line])
    put([])
    put(["English"], bold)
    for line in lines_en:
        put(["• " + line])
    put([])
    header = put(["Kolom / Column", "Wajib / Required", "Arti", "Meaning", "Isian / Values"], bold)
    for cell in sheet[header]:
        cell.fill = fill
    wrapped = Alignment(wrap_text=True, vertical="top")
    for column in columns:
        row = put(
            [
                column.header,
                "ya / yes" if column.required else "tidak / no",
                column.meaning_id,
                column.meaning_en,
                _accepted(column),
            ]
        )
        for cell in sheet[row]:
            cell.alignment = wrapped  # long meanings wrap inside their column
    for letter, width in zip("ABCDE", (22, 16, 48, 48, 44), strict=True):
        sheet.column_dimensions[letter].width = width
    if not names:
        return None
    put([])
    put(["Daftar kecamatan / Kecamatan list"], bold)
    first = sheet.max_row + 1
    for name in names:
        put([name])
    return f"{INSTRUCTIONS_SHEET}!$A${first}:$A${sheet.max_row}"


def _as_text(value: str) -> str:
    return _ILLEGAL.sub("", value)
