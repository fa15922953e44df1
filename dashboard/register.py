"""The office's one-sheet register (*buku register*, CONTRACT 1.5) read as the two logs.

Many offices keep one spreadsheet instead of a requests log and an appointments log: a
title above the header, a `No` column numbering each month's rows, one sheet a month, a
`JUMLAH` (total) row at the bottom. `read(rows)` turns one sheet's rows into two tables
of text cells named with the contract's columns, each row keeping its sheet row number,
so that ingest.py validates, quarantines and merges them exactly like the two logs.

This module only reshapes: it never parses a value the validation parses again, except
where the register needs it to build something (the month of `Tanggal Daftar` for the
request ID, the scheduled date for `Jam Datang`/`Jam Selesai`). Dates that are Excel
serial numbers (a date cell saved as text, `43990`) become ISO text here, because the
validation does not know Excel's calendar. No Streamlit, no database: testable alone.

What it handles of a real register:

- the header: the first of the first `HEADER_SEARCH_ROWS` rows that names at least
  `MIN_HEADER_NAMES` known register columns; the non-empty rows above it are title rows;
- a header over two rows (merged cells): when the row under the header holds only
  column names (text without digits, at least one known), each column's name is the
  lower cell, or the upper cell when the lower is empty (a cell merged down), or the
  upper group label with the lower cell (`Jadwal` over `Tanggal` -> `Jadwal Tanggal`);
  a group label spans the columns to its right whose upper cell is empty and whose
  lower cell is filled;
- blank spacer rows, `JUMLAH`/`TOTAL` rows, rows numbered in advance but not filled in,
  and rows under a total row that have no `No` (a signature block): skipped and
  counted (`Register.skipped_text`), never quarantined;
- everything else is a data row: one request, and an appointment when it has a
  `Tanggal Rekam` (or a `Keterangan` that says the person came or not).

The data rows are read a column at a time (`_data_rows`): each field's cells once, a
value that repeats (dates, words, times) converted once, then each row put together. A
50,000-row register takes ~0.3 s, a third of reading it cell by cell.

Rows this module cannot turn into contract rows (no ID can be made, an unknown
`Keterangan`) come back in `Table.rejected` with a reason a person can act on; the
import quarantines them with the rest. Personal data is passed on only in the cells the
validation hashes and masks (NIK, phone); reasons mask any long digit run.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from operator import itemgetter
from typing import Any

from dashboard import pii
from dashboard.mapping import norm_header

#: Rows searched for the header (titles and spacers above it are usually 3-6).
HEADER_SEARCH_ROWS = 20
#: Known register column names a row needs to be taken for the header.
MIN_HEADER_NAMES = 3

# Register field -> header spellings (as `norm_header` writes them), most specific first:
# when two columns mean the same field, the one whose spelling comes first is used and
# the other is named among the ignored columns (`No. HP` beats `No. WA`).
FIELDS: dict[str, tuple[str, ...]] = {
    "id": (
        "no_register",
        "no_registrasi",
        "nomor_register",
        "no_reg",
        "no_berkas",
        "nomor_berkas",
        "id_permohonan",
        "request_id",
    ),
    "no": ("no", "no_urut", "nomor", "nomor_urut", "nomer"),
    "received": (
        "tanggal_daftar",
        "tgl_daftar",
        "tanggal_pendaftaran",
        "tgl_pengajuan",
        "tanggal_pengajuan",
        "waktu_masuk",
        "tanggal_masuk",
        "tgl_masuk",
        "received_at",
    ),
    "channel": ("via", "kanal", "cara_daftar", "cara_pendaftaran", "channel"),
    "nik": ("nik", "nik_pemohon", "no_nik", "nomor_nik"),
    "phone": (
        "no_hp",
        "nomor_hp",
        "hp",
        "no_telp",
        "nomor_telp",
        "telp",
        "telepon",
        "no_telepon",
        "nomor_telepon",
        "no_wa",
        "nomor_wa",
        "no_whatsapp",
        "nomor_whatsapp",
        "no_hp_wa",
        "phone",
    ),
    "kecamatan": ("kecamatan", "kec"),
    "service": ("layanan", "jenis_layanan", "service"),
    "queue": (
        "no_antrean",
        "no_antrian",
        "nomor_antrean",
        "nomor_antrian",
        "antrean",
        "antrian",
        "queue_number",
    ),
    "scheduled": (
        "tanggal_rekam",
        "tgl_rekam",
        "jadwal_perekaman",
        "tgl_jadwal",
        "tanggal_jadwal",
        "jadwal_tanggal",
        "jadwal_tgl",
        "jadwal_tanggal_rekam",
        "scheduled_date",
    ),
    "temperature": ("suhu", "suhu_c", "suhu_tubuh", "temperature_c"),
    "mask": ("masker", "pakai_masker", "mask"),
    "handwash": ("cuci_tangan", "handwash"),
    "checkin": ("jam_datang", "jam_hadir", "waktu_datang", "checked_in_at"),
    "recorded": ("jam_selesai", "jam_rekam", "waktu_rekam", "recorded_at"),
    "status": ("status", "keterangan", "ket"),
}
_FIELD_OF = {name: f for f, names in FIELDS.items() for name in names}


def _columns(kind: str) -> tuple[str, ...]:
    """The contract's input columns of `kind`, defined once in ingest (which imports this
    module, hence the import here)."""
    from dashboard.ingest import INPUT_COLUMNS

    return INPUT_COLUMNS[kind]


# register field -> the contract column it fills unchanged (the others are built)
_REQUEST_PLAIN = {"channel": "channel", "service": "service", "kecamatan": "kecamatan"}
_REQUEST_PLAIN |= {"phone": "phone", "nik": "nik"}
_APPOINTMENT_PLAIN = {
    "queue": "queue_number",
    "temperature": "temperature_c",
    "mask": "mask",
    "handwash": "handwash",
}

# `Keterangan` words (matched as `norm_header` writes them) -> status. `ditolak ...`
# is read apart: the words after it are the rejection reason.
STATUS_WORDS: dict[str, tuple[str, ...]] = {
    "recorded": ("sudah_rekam", "sudah_direkam", "terekam", "selesai", "recorded"),
    "no_show": ("tidak_datang", "tidak_hadir", "no_show", "noshow"),
    "cancelled": ("batal", "dibatalkan", "cancelled", "canceled"),
    "scheduled": ("terjadwal", "belum_rekam", "scheduled"),
    "rescheduled": ("dijadwal_ulang", "dijadwalkan_ulang", "rescheduled"),
}
_STATUS_OF = {w: s for s, words in STATUS_WORDS.items() for w in words}
_REJECTED = ("ditolak", "tolak", "rejected")
ACCEPTED_WORDS = (
    "sudah rekam, terekam, selesai; ditolak - <alasan> (demam, tidak bermasker, ...); "
    "tidak datang; batal; terjadwal or empty"
)
# Statuses that say the person was expected on a date: without `Tanggal Rekam` the row
# still goes to the appointments part, where the missing date is reported.
_NEEDS_DATE = ("recorded", "rejected", "no_show", "rescheduled")

#: what the first cell of a total row starts with (normalised)
TOTAL_WORDS = ("jumlah", "total", "jml", "grand_total")
_SERIAL_TEXT = re.compile(r"\d{5}(?:[.,]\d+)?")
# Excel serials 20000-80000 are 1954-2119: a register's dates, never a row count.
_SERIAL_MIN, _SERIAL_MAX = 20_000, 80_000
_EXCEL_EPOCH = datetime(1899, 12, 30)
_DAY_FIRST = re.compile(
    r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})(?:[ T]+(\d{1,2})[:.](\d{2})(?:[:.](\d{2}))?)?"
)
_TIME_TEXT = re.compile(r"(\d{1,2})[:.](\d{2})(?:[:.](\d{2}))?")


class RegisterError(ValueError):
    """A sheet that is not a usable register; `str(e)` is one line saying what to fix."""


@dataclass
class Table:
    """One part of the register as the contract's log: text cells under `header`."""

    header: tuple[str, ...]
    #: (sheet row number, one text cell or None per header column)
    rows: list[tuple[int, list[str | None]]] = field(default_factory=list)
    #: (sheet row number, the cells as far as they were made, reason) for quarantine
    rejected: list[tuple[int, list[str | None], str]] = field(default_factory=list)


@dataclass
class Register:
    """A sheet read as a register (see `read`)."""

    requests: Table
    appointments: Table
    #: whether the register has a scheduled-date column at all (else no appointments part)
    has_appointments: bool
    #: header cells of the columns no contract column comes from, as written (masked)
    ignored: list[str]
    #: rows skipped and why, in sheet order of first appearance: {"title row": 3, ...}
    skipped: dict[str, int]
    #: the sheet rows that make up the header (one, or two for a split header)
    header_rows: tuple[int, ...]

    def skipped_text(self) -> str:
        """`3 title rows, 1 blank row, 1 total row` (empty when nothing was skipped)."""
        return skipped_text(self.skipped)


def skipped_text(counts: dict[str, int]) -> str:
    """`{"title row": 3, "total row": 1}` -> `3 title rows, 1 total row` (zeros left out)."""
    return ", ".join(f"{n} {what if n == 1 else _PLURAL[what]}" for what, n in counts.items() if n)


_PLURAL = {
    "title row": "title rows",
    "blank row": "blank rows",
    "column-number row": "column-number rows",
    "total row": "total rows",
    "row below the total": "rows below the total",
    "numbered empty row": "numbered empty rows",
}


# ---------------------------------------------------------------------------- cells


def cell_text(value: Any) -> str | None:
    """A cell as the text an office would have typed; None when empty."""
    if value is None:
        return None
    # The two usual cells first, by exact type (a register has a million of them).
    if value.__class__ is str:
        return value.strip() or None
    if value.__class__ is float:
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, timedelta):
        return _clock(value.total_seconds())
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    text = str(value).strip()
    return text or None


def _clock(seconds: float) -> str:
    seconds = round(seconds) % 86_400
    return f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


def _from_serial(serial: float) -> datetime | None:
    if not _SERIAL_MIN <= serial <= _SERIAL_MAX:
        return None
    return _EXCEL_EPOCH + timedelta(days=serial)


def read_date(value: Any) -> tuple[str | None, datetime | None]:
    """(the text to import, the moment as read here) of a date cell.

    Excel date cells and Excel serial numbers (a number, or digits stored as text) become
    ISO text; text in the contract's forms (1.3) is passed on as written, and read here
    only so the register can use it (None when it cannot be read: the validation then
    quarantines the cell with its own message).
    """
    if isinstance(value, datetime):
        return value.isoformat(sep=" "), value
    if isinstance(value, date):
        return value.isoformat(), datetime.combine(value, time())
    if isinstance(value, int | float) and not isinstance(value, bool):
        moment = _from_serial(float(value))
        return (_iso(moment), moment) if moment else (cell_text(value), None)
    text = cell_text(value)
    if text is None:
        return None, None
    if _SERIAL_TEXT.fullmatch(text):
        moment = _from_serial(float(text.replace(",", ".")))
        if moment is not None:
            return _iso(moment), moment
    return text, _parse_text_date(text)


def _iso(moment: datetime) -> str:
    if moment.time() == time():
        return moment.date().isoformat()
    return moment.replace(microsecond=0).isoformat(sep=" ")


def _parse_text_date(text: str) -> datetime | None:
    match = _DAY_FIRST.fullmatch(text)
    try:
        if match:  # day-first, always (CONTRACT 1.3: never guessed)
            d, m, y, hh, mi, ss = match.groups()
            return datetime(int(y), int(m), int(d), int(hh or 0), int(mi or 0), int(ss or 0))
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment.replace(tzinfo=None)


def _read_time(value: Any) -> tuple[int, int, int] | datetime | None:
    """A `Jam Datang`/`Jam Selesai` cell: (h, m, s), a full moment, or None if unreadable."""
    if isinstance(value, datetime):
        return value
    if isinstance(value, time):
        return value.hour, value.minute, value.second
    if isinstance(value, timedelta):
        value = value.total_seconds() / 86_400
    if isinstance(value, int | float) and not isinstance(value, bool) and 0 <= value < 1:
        h, m, s = (int(p) for p in _clock(value * 86_400).split(":"))
        return h, m, s
    text = cell_text(value)
    if text is None:
        return None
    match = _TIME_TEXT.fullmatch(text)
    if match:
        h, m, s = (int(g or 0) for g in match.groups())
        return (h, m, s) if h < 24 and m < 60 and s < 60 else None
    return _parse_text_date(text)


def _shown(text: str) -> str:
    """A cell quoted in a reason: one line, at most 60 characters, digit runs masked."""
    return '"' + (pii.mask_digits(" ".join(text.split())) or "")[:60] + '"'


# ---------------------------------------------------------------------------- header


def _field(name: str) -> str | None:
    return _FIELD_OF.get(norm_header(name)) if name else None


def _names(cells: Sequence[Any]) -> list[str]:
    return [cell_text(c) or "" for c in cells]


def _looks_like_names(cells: Sequence[str]) -> bool:
    """A row of column names: text without digits (a data row has a No, dates, a NIK)."""
    filled = [c for c in cells if c]
    return bool(filled) and all(
        re.search(r"[^\W\d_]", c) and not re.search(r"\d", c) for c in filled
    )


def _header_score(cells: Sequence[str]) -> int:
    return len({f for f in map(_field, cells) if f})


def _combine(top: list[str], low: list[str]) -> list[str]:
    """One name per column from a header over two rows (see the module docstring)."""
    width = max(len(top), len(low))
    top = top + [""] * (width - len(top))
    low = low + [""] * (width - len(low))
    names: list[str] = []
    group = ""
    for i in range(width):
        if top[i]:
            # a label with names under it is a group; one merged downwards is not
            group = top[i] if low[i] else ""
        elif not low[i]:
            group = ""  # the group's span ends where the lower row is empty too
        if not low[i]:
            names.append(top[i])
        elif _field(low[i]) or not group:
            names.append(low[i])
        else:
            names.append(f"{group} {low[i]}")
    return names


def find_header(rows: Sequence[tuple[int, Sequence[Any]]]) -> tuple[int, int, list[str]] | None:
    """(index of the header's first row, rows it spans, column names) within the first
    `HEADER_SEARCH_ROWS` rows; None when no row names enough register columns."""
    for index, (_number, cells) in enumerate(rows[:HEADER_SEARCH_ROWS]):
        names = _names(cells)
        if _header_score(names) < MIN_HEADER_NAMES:
            continue
        if index + 1 < len(rows):
            low = _names(rows[index + 1][1])
            if _looks_like_names(low):
                combined = _combine(names, low)
                if _header_score(combined) >= _header_score(names):
                    return index, 2, combined
        return index, 1, names
    return None


def is_register(rows: Sequence[tuple[int, Sequence[Any]]]) -> bool:
    """Whether the first rows of a sheet are a register's (for automatic detection).

    A register when its header has a `Tanggal Daftar`-like column and a `Keterangan`- or
    `Tanggal Rekam`-like one (a log has one side only), or when title rows stand above a
    header of register columns (a log's header is its first row).
    """
    rows = [r for r in rows if any(cell_text(c) for c in r[1])]
    found = find_header(rows)
    if found is None:
        return False
    index, span, names = found
    fields = {f for f in map(_field, names) if f}
    return index > 0 or ("received" in fields and bool(fields & {"status", "scheduled"}))


# ---------------------------------------------------------------------------- rows


def _status(text: str | None) -> tuple[str | None, str | None, bool]:
    """(status, rejection reason as written, known) of a `Keterangan` cell."""
    if text is None:
        return "scheduled", None, True
    key = norm_header(text)
    if key in _STATUS_OF:
        return _STATUS_OF[key], None, True
    for word in _REJECTED:
        if key == word or key.startswith(word + "_"):
            # `ditolak - demam`, `Ditolak (tidak bermasker)`: the words after it
            rest = re.sub(rf"(?i)^\W*{word}", "", text).strip(" \t-–—:;,.()[]")
            return "rejected", rest or None, True
    return None, None, False


def _whole_number(value: Any) -> int | None:
    if value.__class__ is float:  # the usual `No` cell
        return int(value) if value.is_integer() else None
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else None
    text = cell_text(value)
    if text and re.fullmatch(r"\d+(?:[.,]0+)?", text):
        return int(re.split(r"[.,]", text)[0])
    return None


def read(rows: Iterable[tuple[int, Sequence[Any]]], label: str = "the sheet") -> Register:
    """One sheet's rows (`workbook.Row`s or (row number, cells) pairs, blank ones
    included or not) as a register. RegisterError when it is not a usable register."""
    filled = [(n, c if c.__class__ is list else list(c)) for n, c in rows if _has_text(c)]
    found = find_header(filled)
    if found is None:
        raise RegisterError(
            f"{label}: no register header in the first {HEADER_SEARCH_ROWS} rows "
            "(a row naming columns such as No, Tanggal Daftar, Via, Tanggal Rekam, Keterangan)"
        )
    index, span, names = found
    columns: dict[str, int] = {}
    for i, name in sorted(enumerate(names), key=lambda p: (_rank(p[1]), p[0])):
        f = _field(name)
        if f and f not in columns:
            columns[f] = i
    missing = []
    if "id" not in columns and "no" not in columns:
        missing.append("No (or No. Register / No. Berkas / ID Permohonan)")
    if "received" not in columns:
        missing.append("Tanggal Daftar (or Tgl Pengajuan / Waktu Masuk)")
    if "channel" not in columns:
        missing.append("Via (or Kanal / Cara Daftar)")
    if missing:
        raise RegisterError(
            f"{label}: the register header lacks {'; '.join(missing)}; add the column"
        )
    # With an ID column the No only numbers the rows: not stored, so named as ignored.
    used = {i for f, i in columns.items() if not (f == "no" and "id" in columns)}
    ignored = [
        pii.mask_digits(" ".join(n.split())) or ""
        for i, n in enumerate(names)
        if n and i not in used
    ]
    has_appointments = "scheduled" in columns
    result = Register(
        requests=Table(_columns("requests")),
        appointments=Table(_columns("appointments")),
        has_appointments=has_appointments,
        ignored=ignored,
        skipped={},
        header_rows=tuple(filled[index + k][0] for k in range(span)),
    )

    def skip(what: str, count: int = 1) -> None:
        if count > 0:
            result.skipped[what] = result.skipped.get(what, 0) + count

    skip("title row", index)
    first_number = filled[0][0]
    last_number = filled[-1][0]
    # Blank rows between the first and the last filled row: the sheet reader leaves them
    # out (gaps in the numbers), a CSV gives them as empty rows.
    skip("blank row", (last_number - first_number + 1) - len({n for n, _ in filled}))
    after_total = False
    body = filled[index + span :]
    if body and _column_numbers(_names(body[0][1])):
        skip("column-number row")  # `1 | 2 | 3 | ...` under the header, as forms have
        body = body[1:]
    no_at = columns.get("no")
    data: list[tuple[int, list[Any]]] = []
    for number, cells in body:
        first = _first_text(cells)
        # A digit first (a No, a date) is no total word: norm_header is left for text.
        if not ("0" <= first[0] <= "9") and any(
            norm_header(first).startswith(w) for w in TOTAL_WORDS
        ):
            skip("total row")
            after_total = True
            continue
        if after_total and _numbered(cells, columns) is None:
            skip("row below the total")  # a signature block, a note
            continue
        if not any(i != no_at and not _blank(v) for i, v in enumerate(cells)):
            skip("numbered empty row")  # rows numbered in advance, not filled in yet
            continue
        data.append((number, cells))
    _data_rows(result, columns, data)
    if has_appointments is False:
        result.appointments.rows.clear()
        result.appointments.rejected.clear()
    return result


def _blank(value: Any) -> bool:
    """`cell_text(value) is None`, without its cost for the usual cells."""
    if value.__class__ is str:
        return not value.strip()
    return value.__class__ not in _NEVER_BLANK and cell_text(value) is None


# Cells whose text is never empty (cell_text): numbers, booleans, dates and times.
_NEVER_BLANK = frozenset({float, int, bool, datetime, date, time, timedelta})


def _has_text(cells: Sequence[Any]) -> bool:
    return any(not _blank(v) for v in cells)


def _first_text(cells: Sequence[Any]) -> str:
    """The first cell's text that is not empty (the row has one); "0" for a number, a
    date or a boolean, whose text (digits, ISO, true/false) is never a total word."""
    for value in cells:
        if value.__class__ in _NEVER_BLANK:
            return "0"
        text = cell_text(value)
        if text:
            return text
    return "0"


def _numbered(cells: list[Any], columns: dict[str, int]) -> Any:
    """The row's ID cell's text, or its whole `No` (None when neither is there)."""
    i = columns.get("id", columns.get("no"))
    value = cells[i] if i is not None and i < len(cells) else None
    return cell_text(value) if "id" in columns else _whole_number(value)


def _column_numbers(cells: list[str]) -> bool:
    """`1 | 2 | 3 | ...` or `(1) | (2) | ...`: the column numbers official forms print."""
    filled = [c.strip("()") for c in cells if c]
    return len(filled) >= MIN_HEADER_NAMES and filled == [str(k) for k in range(1, len(filled) + 1)]


def _rank(name: str) -> int:
    key = norm_header(name) if name else ""
    f = _FIELD_OF.get(key)
    return FIELDS[f].index(key) if f else 0


_MISSING = object()


def _mapped(fn: Any, values: list[Any]) -> list[Any]:
    """`[fn(v) for v in values]`, with `fn` run once per distinct cell (a register's
    dates, words and times repeat). Keys carry the type but for text: `1`, `1.0` and
    `True` are equal in Python and not the same cell."""
    table: dict[Any, Any] = {}
    out = []
    for value in values:
        key = value if value.__class__ is str else (value.__class__, value)
        got = table.get(key, _MISSING)
        if got is _MISSING:
            got = table[key] = fn(value)
        out.append(got)
    return out


def _texts(values: list[Any]) -> list[str | None]:
    """`cell_text` of each cell; text cells (most of them) without a call."""
    return [(v.strip() or None) if v.__class__ is str else cell_text(v) for v in values]


def _data_rows(
    result: Register, columns: dict[str, int], data: list[tuple[int, list[Any]]]
) -> None:
    """Add the register's data rows to both parts (or to their `rejected`).

    Column by column: each field's cells are read once (`_mapped`, `_texts`), each
    contract column is made as a list, and the rows are zipped from them at the end."""
    n = len(data)
    rows = [cells for _number, cells in data]
    # Rows as wide as the header (the usual case) are read a column at a time in C.
    full = not rows or min(map(len, rows)) > max(columns.values())

    def column(f: str) -> list[Any]:
        i = columns.get(f)
        if i is None:
            return [None] * n
        if full:
            return list(map(itemgetter(i), rows))
        return [cells[i] if i < len(cells) else None for cells in rows]

    received = _mapped(read_date, column("received"))  # (text, moment)
    scheduled = _mapped(_read_scheduled, column("scheduled"))  # (text, moment, day)
    status_texts = _texts(column("status"))
    statuses = _mapped(_status, status_texts)  # (status, reason, known)

    if "id" in columns:
        request_ids = _texts(column("id"))
        problems = [None if r is not None else _NO_ID for r in request_ids]
    else:
        no_cells = column("no")
        made = [
            _made_id(no, got, cell)
            for no, got, cell in zip(
                _mapped(_whole_number, no_cells), received, no_cells, strict=True
            )
        ]
        request_ids = [m[0] for m in made]
        problems = [m[1] for m in made]
    problems = [
        p if p is not None or st[2] else _unknown_status(text)
        for p, st, text in zip(problems, statuses, status_texts, strict=True)
    ]

    req_names = _columns("requests")
    req: dict[str, list[Any]] = {c: _texts(column(f)) for f, c in _REQUEST_PLAIN.items()}
    req["request_id"] = request_ids
    req["received_at"] = [r[0] for r in received]
    req["cancelled_at"] = [
        ((s[2] if s[1] else r[0]) if st[0] == "cancelled" else None)
        for r, s, st in zip(received, scheduled, statuses, strict=True)
    ]
    req_rows = list(map(list, zip(*(req.get(c) or [None] * n for c in req_names), strict=True)))
    numbers = [number for number, _cells in data]
    result.requests.rows.extend((numbers[k], req_rows[k]) for k in range(n) if problems[k] is None)
    result.requests.rejected.extend(
        (numbers[k], req_rows[k], problems[k]) for k in range(n) if problems[k] is not None
    )

    # An appointment: a date to come, or a word saying the person came (or did not).
    wants = [
        s[0] is not None or st[0] in _NEEDS_DATE for s, st in zip(scheduled, statuses, strict=True)
    ]
    app_names = _columns("appointments")
    app: dict[str, list[Any]] = {c: _texts(column(f)) for f, c in _APPOINTMENT_PLAIN.items()}
    app["appointment_id"] = [f"{r}-A" if r else None for r in request_ids]
    app["request_id"] = request_ids
    app["scheduled_date"] = [s[2] if s[1] else s[0] for s in scheduled]
    app["status"] = [st[0] for st in statuses]
    app["rejection_reason"] = [st[1] for st in statuses]
    time_problems: list[str | None] = [None] * n
    for f, name, word in (
        ("checkin", "checked_in_at", "Jam Datang"),
        ("recorded", "recorded_at", "Jam Selesai"),
    ):
        raw = column(f)
        values: list[str | None] = []
        for k, (text, moment, sched) in enumerate(
            zip(_texts(raw), _mapped(_read_time, raw), scheduled, strict=True)
        ):
            value, problem = (None, None) if text is None else _time_cell(text, moment, sched)
            values.append(value)
            if problem is not None and time_problems[k] is None:
                time_problems[k] = f"{name}: {_shown(text)} in {word} {problem}"
        app[name] = values
    app_rows = list(map(list, zip(*(app.get(c) or [None] * n for c in app_names), strict=True)))
    for k in range(n):
        if not wants[k]:
            continue
        problem = problems[k] or time_problems[k]
        if problem:
            result.appointments.rejected.append((numbers[k], app_rows[k], problem))
        else:
            result.appointments.rows.append((numbers[k], app_rows[k]))


_NO_ID = "request_id: the register's ID column is empty in this row; fill it in"


def _read_scheduled(value: Any) -> tuple[str | None, datetime | None, str | None]:
    """`read_date` of a `Tanggal Rekam` cell, and its day as ISO text (None if unread)."""
    text, moment = read_date(value)
    return text, moment, moment.date().isoformat() if moment else None


def _made_id(
    no: int | None, received: tuple[str | None, datetime | None], cell: Any
) -> tuple[str | None, str | None]:
    """(the request ID made from `No` and the month of `Tanggal Daftar`, or the problem)."""
    received_text, received_at = received
    if no is None or no < 1:
        raw_no = cell_text(cell)
        if raw_no is None:
            return None, "request_id: No is empty; number the row"
        return None, f"request_id: No {_shown(raw_no)} is not a row number; write a whole number"
    if received_at is None:
        if received_text is None:
            return None, "received_at: missing (required; the request ID is made from it and No)"
        return None, f"received_at: {_shown(received_text)} is not a date"
    return f"REG-{received_at:%Y-%m}-{no:04d}", None


def _unknown_status(text: str | None) -> str:
    return (
        f"status: {_shown(text or '')} in Keterangan is not a known word "
        f"(accepted: {ACCEPTED_WORDS})"
    )


def _time_cell(
    text: str, moment: Any, sched: tuple[str | None, datetime | None, str | None]
) -> tuple[str | None, str | None]:
    """(the value, or what is wrong with it) of a `Jam Datang`/`Jam Selesai` cell whose
    text is `text` and reading `_read_time`'s `moment`, on the row's scheduled date."""
    if isinstance(moment, datetime) and moment.year < 1901:
        # a time typed in a cell Excel formats as a date-time: day 0 of its calendar
        moment = moment.hour, moment.minute, moment.second
    if isinstance(moment, datetime):
        return moment.replace(microsecond=0).isoformat(sep=" "), None
    if moment is None:
        return None, "is not a time (write HH:MM)"
    if sched[1] is not None:
        return f"{sched[2]} {moment[0]:02d}:{moment[1]:02d}:{moment[2]:02d}", None
    return text, None  # no date to put it on: reported as not a date


# ---------------------------------------------------------------------------- CSV


def csv_rows(text: str) -> list[tuple[int, list[str]]]:
    """A register saved as CSV: (row number, cells), blank rows included. The delimiter
    (`,`, `;` or tab) is the one that splits the widest of the first rows into most cells
    (the title rows above the header have one cell whatever the delimiter)."""
    head = text.splitlines()[:HEADER_SEARCH_ROWS]
    delim = max(
        (",", ";", "\t"),
        key=lambda d: max((len(r) for r in csv.reader(head, delimiter=d)), default=0),
    )
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delim)
    return [(number, cells) for number, cells in enumerate(reader, start=1)]
