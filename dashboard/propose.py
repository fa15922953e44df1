"""What each column of an unfamiliar file probably means, for staff to confirm (CONTRACT 1.4).

When the import does not recognise a header, or only part of it, the upload page shows
every column with a proposed meaning and a few sample values; staff confirm or change
each one, and the confirmed choices become a column mapping (dashboard/mapping.py) that
the import takes and that is saved for the next file with the same header.

- `peek(path)` reads only the top of each sheet (or of the one table of a CSV/Parquet
  file): the header, up to five data rows, a row count, and what the import would make
  of it as it stands (`kind`, and the required columns it cannot find, `missing`).
- `propose(header, samples, kind)` proposes a contract column (or None: ignore) for every
  column, from, in order of trust: the names the import knows (ingest's aliases, a mapping
  saved for this header), a tolerant reading of the name (the register's spellings,
  Indonesian words such as `Tgl Masuk` or `Lewat`, near misses of known names), and the
  values themselves (16 digits are a NIK, `08...` a phone number, `WA` a channel, ...).
  Evidence for the same meaning adds up; one meaning goes to one column only, the one
  with the strongest evidence. A name column (`Nama`, `Nama Pemohon`) is never proposed:
  names are never stored.
- `to_mapping(kind, choices)` turns the confirmed choices into a `ColumnMapping`.

Nothing here writes or logs: sample values stay in memory, and what a proposal shows has
its digit runs masked (`pii.mask_digits`) and its names cut to initials.
"""

from __future__ import annotations

import codecs
import csv
import difflib
import io
import itertools
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from dashboard import ingest, pii, register
from dashboard import mapping as mapping_mod
from dashboard.mapping import norm_header

# ---------------------------------------------------------------------------- peek

#: Bytes read from the top of a CSV for its header and samples (a row is ~100-300 bytes).
_CSV_HEAD_BYTES = 1 << 16


@dataclass(frozen=True)
class SheetPeek:
    """The top of one sheet (or of a CSV/Parquet file), as the upload page shows it."""

    sheet: str | None  # None for CSV/Parquet
    header: list[str]  # header cells as written
    samples: list[list[str]]  # up to 5 data rows as text ("" for empty), for proposals only
    rows: int  # data rows in the sheet/file (count; for CSV count lines cheaply)
    # "requests" | "appointments" | "register" | None: what the import would recognise as
    # it stands (ingest's header mapping / register.is_register)
    kind: str | None
    missing: list[str]  # required columns of the best-guess kind not recognised ([] if none)


def peek(path: Path, *, max_samples: int = 5) -> list[SheetPeek]:
    """Every sheet of a workbook (dashboard.workbook, with its limits), or the one table of a
    CSV/Parquet; IngestError (one line) for a file the import would refuse whole.

    A sheet that is empty, or that the workbook's limits refuse, comes back with an empty
    header (the import skips it too, and names the reason); when every sheet is refused
    so, the file is.
    """
    path = Path(path)
    if not path.is_file():
        raise ingest.IngestError(f"{path.name} does not exist or is not a file")
    fmt = ingest._detect_format(path)
    if fmt == "xlsx":
        return _peek_workbook(path, max_samples)
    if fmt == "parquet":
        header, samples, rows = _parquet_top(path, max_samples)
        return [_finish(None, header, samples, rows, strict=True, label=path.name)]
    return [_peek_csv(path, max_samples)]


def _finish(
    sheet: str | None,
    header: list[str],
    samples: list[list[str]],
    rows: int,
    *,
    strict: bool,
    label: str,
    is_register: bool = False,
) -> SheetPeek:
    """A log's (or register's) peek: its kind as the import sees it, and what is missing.

    `strict`: the table is the whole file, so a header the import refuses whole (none, or
    a column named twice) refuses the file; a workbook sheet is only skipped."""
    width = len(header)
    samples = [(row + [""] * width)[:width] for row in samples]
    if is_register:
        return SheetPeek(sheet, header, samples, rows, ingest.REGISTER, _register_missing(header))
    problem = _header_problem(header)
    if problem:
        if strict:
            raise ingest.IngestError(f"{label}: {problem}")
        return SheetPeek(sheet, header, samples, rows, None, [])
    try:
        kind, _found = ingest._map_header(header, None)
        return SheetPeek(sheet, header, samples, rows, kind, [])
    except (ingest.IngestError, mapping_mod.MappingError):
        pass
    guess, _proposals = propose(header, samples, None)
    known = _recognised(header, guess)
    missing = [c for c in ingest.REQUIRED[guess] if c not in known]
    return SheetPeek(sheet, header, samples, rows, None, missing)


def _header_problem(header: Sequence[str]) -> str | None:
    """Why the import refuses this header whole (as ingest words it), or None."""
    normed = [norm_header(h) for h in header]
    if not any(normed):
        return "no header row: the first line must name the columns"
    seen: dict[str, int] = {}
    for i, name in enumerate(normed):
        if name and name in seen:
            return (
                f'column "{ingest._header_text(header[i])}" appears twice in the header '
                f"(columns {seen[name] + 1} and {i + 1}); rename or remove one"
            )
        seen.setdefault(name, i)
    return None


def _recognised(header: Sequence[str], kind: str) -> set[str]:
    """The contract columns of `kind` the import finds by name (aliases, saved mapping)."""
    saved = _saved(header)
    lookup = ingest._lookup(kind)
    found = set()
    for cell in header:
        named, meaning = saved.meaning(cell) if saved else (False, None)
        column = meaning if named else lookup.get(norm_header(cell))
        if column in ingest.INPUT_COLUMNS[kind]:
            found.add(column)
    return found


def _register_missing(header: Sequence[str]) -> list[str]:
    """The contract columns a register cannot be read without (register.read's rule)."""
    fields = {_REGISTER_FIELD.get(norm_header(h)) for h in header}
    missing = []
    if not fields & {"id", "no"}:
        missing.append("request_id")
    if "received" not in fields:
        missing.append("received_at")
    if "channel" not in fields:
        missing.append("channel")
    return missing


def _trim(cells: Sequence[str]) -> list[str]:
    """A header row without the empty cells at its right (formatting, not columns)."""
    cells = list(cells)
    while cells and not cells[-1].strip():
        cells.pop()
    return cells


def _total_row(texts: Sequence[str]) -> bool:
    """A register's `JUMLAH` row (register.py skips it)."""
    first = norm_header(next((t for t in texts if t.strip()), ""))
    return any(first.startswith(w) for w in register.TOTAL_WORDS)


def _texts(cells: Iterable[Any]) -> list[str]:
    return [ingest._cell_text(c) or "" for c in cells]


def _peek_workbook(path: Path, max_samples: int) -> list[SheetPeek]:
    from dashboard import workbook

    out: list[SheetPeek] = []
    refused: list[str] = []
    try:
        with workbook.Workbook(path) as book:
            for info in book.sheets:
                try:
                    out.append(_peek_sheet(book, info.name, max_samples, path.name))
                except workbook.WorkbookError as exc:
                    refused.append(str(exc))
                    out.append(SheetPeek(info.name, [], [], 0, None, []))
    except workbook.WorkbookError as exc:
        raise ingest.IngestError(str(exc)) from None
    if refused and len(refused) == len(out):
        raise ingest.IngestError("; ".join(refused))
    return out


def _peek_sheet(book: Any, name: str, max_samples: int, label: str) -> SheetPeek:
    """One sheet read to its end (the row count), keeping only the header and samples."""
    rows = book.rows(name)
    try:
        head = list(itertools.islice(rows, register.HEADER_SEARCH_ROWS))
        if ingest._wants_register(None, None, lambda: head):
            filled = [(n, c) for n, c in head if any(_texts(c))]
            index, span, names = register.find_header(filled) or (0, 1, [])
            header = _trim(names)
            body = itertools.chain(filled[index + span :], rows)
            is_register = True
        else:
            body = itertools.chain(head, rows)
            header = []
            for _number, cells in body:
                if any(_texts(cells)):
                    header = _trim(_texts(cells))
                    break
            is_register = False
        width = len(header)
        samples: list[list[str]] = []
        count = 0
        for _number, cells in body:
            texts = _texts(cells[:width])
            if not any(texts) or (is_register and _total_row(texts)):
                continue  # formatting and totals, not data (as the import reads them)
            count += 1
            if len(samples) < max_samples:
                samples.append(texts)
    finally:
        rows.close()
    if not header:
        return SheetPeek(name, [], [], 0, None, [])
    return _finish(name, header, samples, count, strict=False, label=label, is_register=is_register)


def _parquet_top(path: Path, max_samples: int) -> tuple[list[str], list[list[str]], int]:
    import pyarrow.parquet as pq

    try:
        with pq.ParquetFile(path) as pf:
            header = [str(n) for n in pf.schema_arrow.names]
            rows = pf.metadata.num_rows
            batch = next(pf.iter_batches(batch_size=max(max_samples, 1)), None)
    except Exception as exc:  # noqa: BLE001 - a damaged file is refused whole, as ingest does
        reason = pii.mask_digits(" ".join(str(exc).split()))
        raise ingest.IngestError(f"{path.name} could not be read as Parquet: {reason}") from exc
    samples = [] if batch is None else [_texts(r.values()) for r in batch.to_pylist()]
    return header, samples[:max_samples], rows


def _peek_csv(path: Path, max_samples: int) -> SheetPeek:
    """The header and samples from the first 64 KiB; the rows by counting line ends."""
    with path.open("rb") as fh:
        data = fh.read(_CSV_HEAD_BYTES)
    if len(data) == _CSV_HEAD_BYTES:
        data = data[: data.rfind(b"\n") + 1] or data  # whole lines only
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:  # Windows-1252, as ingest reads it (a stray BOM dropped)
        data = data.removeprefix(codecs.BOM_UTF8)
        text = data.decode("cp1252", errors="cp1252_latin1")
    text = text.translate(ingest._CONTROL_CHARS)
    if ingest._wants_register(None, None, lambda: register.csv_rows(text)):
        # A register is a month or a year of rows: read whole, as its import reads it.
        rows = ingest._csv_rows(path)
        filled = [(n, c) for n, c in rows if any(x.strip() for x in c)]
        index, span, names = register.find_header(filled) or (0, 1, [])
        body = [c for _n, c in filled[index + span :] if not _total_row(c)]
        samples = [[x.strip() for x in c] for c in body[:max_samples]]
        count = len(body)
        return _finish(
            None, _trim(names), samples, count, strict=True, label=path.name, is_register=True
        )
    lines = text.splitlines(keepends=True)
    header_at = next((i for i, line in enumerate(lines) if line.strip()), None)
    if header_at is None:
        raise ingest.IngestError(
            f"{path.name} has no header row: the first line must name the columns"
        )
    first = lines[header_at]
    delim = max((",", ";", "\t"), key=lambda d: len(next(csv.reader([first], delimiter=d), [])))
    reader = csv.reader(io.StringIO("".join(lines[header_at:]), newline=""), delimiter=delim)
    header = next(reader)
    samples = []
    try:
        for cells in reader:
            if len(samples) >= max_samples:
                break
            if any(c.strip() for c in cells):
                samples.append(cells)
    except csv.Error:
        pass  # a cell cut at the 64 KiB mark: the samples so far are enough
    count = _count_lines(path) - header_at - 1
    return _finish(None, header, samples, max(count, 0), strict=True, label=path.name)


def _count_lines(path: Path) -> int:
    """Lines of a text file less the blank ones at its end: one byte search per chunk, so
    a line break inside a quoted cell or a blank line in the middle counts as a row."""
    lines = 0
    last = b""
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 22):
            lines += chunk.count(b"\n")
            last = chunk[-1:]
        if last and last != b"\n":
            lines += 1  # a last line without a line end
        fh.seek(max(0, fh.tell() - _CSV_HEAD_BYTES))
        tail = fh.read().split(b"\n")
    if tail and tail[-1] == b"":
        tail.pop()  # what follows the last line end is not a line
    blank = 0
    for line in reversed(tail):
        if line.strip(b"\r\t "):
            break
        blank += 1
    return lines - blank


# ---------------------------------------------------------------------------- propose


@dataclass(frozen=True)
class ColumnProposal:
    """One column's proposed meaning, for staff to confirm or change."""

    header: str  # as written (digit runs masked with pii.mask_digits)
    meaning: str | None  # a contract column of `kind`, or None (= ignore)
    why: str  # "alias" | "name" | "values" | "none"
    samples: list[str]  # up to 3 sample values, digit runs masked (pii.mask_digits)


# How much each kind of evidence counts. Evidence for the same meaning of one column adds
# up (a `Tgl Masuk` column with dates beats a `Tgl Lahir` column with dates); the greedy
# assignment then gives each meaning to the column with the most.
_SAVED = 110  # a mapping staff confirmed for this very header
_ALIAS = 100  # a name the import itself knows (ingest._ALIASES)
_REGISTER_NAME = 75  # a spelling the register reader knows (register.FIELDS)
_WORDS = 50  # Indonesian words, plus 10 for each group of words matched
_CLOSE = 45  # a near miss of a known name (a typo), times how near
_VALUE = {
    "nik": 80,
    "phone": 75,
    "channel": 80,
    "status": 80,
    "temperature_c": 70,
    "date": 40,
    "mask": 30,
    "handwash": 29,  # the second yes/no column, after `mask`
}
#: Share of a column's non-empty samples that must look alike for its values to count.
_VALUE_SHARE = 0.8

# register field -> the contract column it fills (the row number `No` fills none here)
_REGISTER_COLUMN = {
    "id": "request_id",
    "received": "received_at",
    "channel": "channel",
    "nik": "nik",
    "phone": "phone",
    "kecamatan": "kecamatan",
    "service": "service",
    "queue": "queue_number",
    "scheduled": "scheduled_date",
    "temperature": "temperature_c",
    "mask": "mask",
    "handwash": "handwash",
    "checkin": "checked_in_at",
    "recorded": "recorded_at",
    "status": "status",
}
_REGISTER_FIELD = {name: f for f, names in register.FIELDS.items() for name in names}

_ID = {"id", "no", "nomor", "nomer", "nmr", "kode"}
_WHEN = {"tgl", "tanggal", "waktu", "wkt", "jam", "pukul", "hari"}
# (contract column, groups of words: the header must hold one word of every group)
_WORD_RULES: tuple[tuple[str, tuple[frozenset[str], ...]], ...] = tuple(
    (column, tuple(frozenset(g) for g in groups))
    for column, groups in (
        (
            "request_id",
            (_ID, {"permohonan", "pendaftaran", "register", "registrasi", "reg", "berkas"}),
        ),
        ("appointment_id", (_ID, {"jadwal", "janji", "booking", "appointment", "temu"})),
        (
            "received_at",
            (_WHEN, {"masuk", "daftar", "pendaftaran", "pengajuan", "diterima", "terima"}),
        ),
        ("received_at", (_WHEN, {"permohonan"})),
        ("received_at", ({"masuk", "diterima"},)),
        ("cancelled_at", (_WHEN, {"batal", "pembatalan", "dibatalkan"})),
        (
            "channel",
            ({"via", "lewat", "kanal", "cara", "media", "saluran", "sumber", "jalur"},),
        ),
        ("service", ({"layanan", "pelayanan", "keperluan"},)),
        ("service", ({"jenis"}, {"permohonan", "layanan", "pelayanan", "dokumen"})),
        ("kecamatan", ({"kecamatan", "kec"},)),
        (
            "phone",
            (
                {
                    "hp",
                    "telp",
                    "tlp",
                    "telpon",
                    "telepon",
                    "wa",
                    "whatsapp",
                    "ponsel",
                    "handphone",
                    "kontak",
                    "seluler",
                },
            ),
        ),
        ("nik", ({"nik"},)),
        ("nik", ({"induk"}, {"kependudukan"})),
        ("queue_number", ({"antrian", "antrean", "antri", "antre"},)),
        ("scheduled_date", ({"jadwal", "dijadwalkan"},)),
        ("scheduled_date", ({"tgl", "tanggal", "hari"}, {"rekam", "perekaman"})),
        ("scheduled_date", ({"rekam", "perekaman"},)),
        ("recorded_at", ({"jam", "waktu", "pukul", "wkt"}, {"rekam", "perekaman", "selesai"})),
        ("recorded_at", ({"selesai"},)),
        ("checked_in_at", ({"datang", "hadir", "kedatangan", "tiba", "checkin"},)),
        ("status", ({"status", "keterangan", "ket", "hasil"},)),
        ("temperature_c", ({"suhu", "temperatur", "temperature", "temp"},)),
        ("mask", ({"masker", "mask"},)),
        ("handwash", ({"cuci", "handwash"},)),
        ("rejection_reason", ({"alasan", "tolak", "ditolak", "penolakan"},)),
    )
)
# A `Nama ...` column is a person's name unless another word says it names a place or a
# service (`Nama Kecamatan`).
_NOT_A_PERSON = frozenset({"kecamatan", "kec", "layanan", "pelayanan", "service", "kanal"})

_NIK_VALUE = re.compile(r"[0-9]{16}")
_PHONE_CLEAN = re.compile(r"[\s().-]")
_PHONE_VALUE = re.compile(r"\+?[0-9]+")
_DATE_VALUE = re.compile(pii.DATE_RUN_PATTERN)
_DATE_PARTS = re.compile(
    r"([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})|([0-9]{1,2})[/.-]([0-9]{1,2})[/.-]([0-9]{4})"
)
# an ISO offset after a time (`+08:00`, `Z`); a day-first date's `-2020` is none
_ISO_TAIL = re.compile(r"(?<=:[0-9]{2})(?:\.[0-9]+)?\s*(?:[zZ]|[+-][0-9]{2}(?::?[0-9]{2})?)$")
_TEMPERATURE_VALUE = re.compile(r"[0-9]{2}[.,][0-9]{1,2}")
_YES_NO = frozenset(ingest._TRUE + ingest._FALSE) - {"1", "0"}  # 1/0 could be anything
_CHANNEL_WORDS = frozenset(a for aliases in ingest.CHANNELS.values() for a in aliases)
_STATUS_WORDS = frozenset(a for aliases in ingest.STATUSES.values() for a in aliases) | frozenset(
    w for words in register.STATUS_WORDS.values() for w in words
)


def _saved(header: Sequence[str]) -> mapping_mod.ColumnMapping | None:
    try:
        return mapping_mod.saved_for(header)
    except mapping_mod.MappingError:
        return None  # a saved mapping that no longer fits: propose afresh


def _is_person_name(key: str) -> bool:
    words = set(key.split("_"))
    return "nama" in words and not words & _NOT_A_PERSON


def _spellings(kind: str) -> dict[str, str]:
    """Every known spelling of a column of `kind` (ingest's and the register's) -> column."""
    out = {s: c for s, c in ingest._lookup(kind).items()}
    for spelling, f in _REGISTER_FIELD.items():
        column = _REGISTER_COLUMN.get(f)
        if column in ingest.INPUT_COLUMNS[kind]:
            out.setdefault(spelling, column)
    return out


def _name_evidence(key: str, kind: str) -> dict[str, int]:
    """Contract column -> strength, from a header's name alone (not ingest's aliases)."""
    columns = ingest.INPUT_COLUMNS[kind]
    out: dict[str, int] = {}

    def add(column: str | None, strength: int) -> None:
        if column in columns and strength > out.get(column, 0):
            out[column] = strength

    add(_REGISTER_COLUMN.get(_REGISTER_FIELD.get(key, "")), _REGISTER_NAME)
    words = set(key.split("_"))
    for column, groups in _WORD_RULES:
        if all(words & g for g in groups):
            add(column, _WORDS + 10 * len(groups))
    spellings = _spellings(kind)
    for near in difflib.get_close_matches(key, list(spellings), n=3, cutoff=0.85):
        ratio = difflib.SequenceMatcher(None, key, near).ratio()
        add(spellings[near], round(_CLOSE * ratio))
    return out


def _share(values: Sequence[str], test: Any) -> float:
    return sum(1 for v in values if test(v)) / len(values) if values else 0.0


def _is_phone(value: str) -> bool:
    compact = _PHONE_CLEAN.sub("", value)
    if not _PHONE_VALUE.fullmatch(compact):
        return False
    digits = pii.normalize_phone(compact) or ""
    return digits.startswith("08") and 9 <= len(digits) <= 13


def _is_date(value: str) -> bool:
    """A date or timestamp in the contract's forms (1.3) naming a real day."""
    text = _ISO_TAIL.sub("", value.strip().replace("T", " ", 1))
    if not _DATE_VALUE.fullmatch(text):
        return False
    parts = _DATE_PARTS.match(text)
    if parts is None:
        return False  # a time alone
    y, m, d = (parts.group(1), parts.group(2), parts.group(3))
    if y is None:
        d, m, y = parts.group(4), parts.group(5), parts.group(6)
    try:
        date(int(y), int(m), int(d))
    except ValueError:
        return False
    return True


def _enum_key(value: str) -> str:
    return re.sub(r"[\s\-]+", "_", value.strip().lower())


def _is_status(value: str) -> bool:
    key = _enum_key(value)
    return key in _STATUS_WORDS or norm_header(value) in _STATUS_WORDS or key.startswith("ditolak")


def _is_temperature(value: str) -> bool:
    if not _TEMPERATURE_VALUE.fullmatch(value.strip()):
        return False
    return 30.0 <= float(value.strip().replace(",", ".")) <= 45.0


def _value_evidence(values: Sequence[str], kind: str) -> dict[str, int]:
    """Contract column -> strength, from what a column's sample values look like."""
    columns = ingest.INPUT_COLUMNS[kind]
    tests: list[tuple[str, Any]] = [
        ("nik", lambda v: bool(_NIK_VALUE.fullmatch(re.sub(r"\s", "", v)))),
        ("phone", _is_phone),
        ("channel", lambda v: _enum_key(v) in _CHANNEL_WORDS),
        ("status", _is_status),
        ("temperature_c", _is_temperature),
        ("mask", lambda v: v.strip().lower() in _YES_NO),
        ("handwash", lambda v: v.strip().lower() in _YES_NO),
    ]
    out: dict[str, int] = {}
    for column, test in tests:
        share = _share(values, test)
        if column in columns and share >= _VALUE_SHARE:
            out[column] = round(_VALUE[column] * share)
    share = _share(values, _is_date)
    if share >= _VALUE_SHARE:
        column = "received_at" if kind == "requests" else "scheduled_date"
        out[column] = round(_VALUE["date"] * share)
    return out


def _column_values(samples: Sequence[Sequence[Any]], i: int) -> list[str]:
    """Column `i`'s non-empty sample values, trimmed (rows may be short; None is empty)."""
    cells = (row[i] for row in samples if i < len(row) and row[i] is not None)
    return [text for text in (str(c).strip() for c in cells) if text]


def _shown_samples(values: Sequence[str], person: bool) -> list[str]:
    """Up to three sample values as a page may show them: digit runs masked, and a
    person's name cut to initials (`Siti Aminah` -> `S*** A*****`)."""
    shown = []
    for value in values[:3]:
        if person:
            value = " ".join(w[:1] + "*" * (len(w) - 1) for w in value.split())
        shown.append(pii.mask_digits(" ".join(value.split())) or "")
    return shown


def _assign(
    header: Sequence[str], samples: Sequence[Sequence[str]], kind: str
) -> tuple[list[ColumnProposal], int, int]:
    """One proposal per column for `kind`; also (required columns found, total strength)."""
    saved = _saved(header)
    if saved is not None and saved.kind not in (None, kind):
        saved = None
    lookup = ingest._lookup(kind)
    evidence: list[dict[str, dict[str, int]]] = []  # column -> meaning -> source -> strength
    fixed: dict[int, str] = {}  # columns decided before any assignment: why
    person: set[int] = set()
    values_of: list[list[str]] = []
    for i, cell in enumerate(header):
        key = norm_header(cell)
        values = _column_values(samples, i)
        values_of.append(values)
        found: dict[str, dict[str, int]] = {}
        evidence.append(found)
        if _is_person_name(key):
            person.add(i)
            fixed[i] = "name"
            continue
        named, meaning = saved.meaning(cell) if saved else (False, None)
        if named:
            if meaning is None:
                fixed[i] = "alias"  # confirmed earlier as a column to ignore
            elif meaning in ingest.INPUT_COLUMNS[kind]:
                found.setdefault(meaning, {})["alias"] = _SAVED
        if key in lookup:
            found.setdefault(lookup[key], {})["alias"] = max(
                _ALIAS, found.get(lookup[key], {}).get("alias", 0)
            )
        if not key:
            continue
        for column, strength in _name_evidence(key, kind).items():
            found.setdefault(column, {})["name"] = strength
        for column, strength in _value_evidence(values, kind).items():
            found.setdefault(column, {})["values"] = strength

    # Strongest evidence first; on a tie, the column further left.
    ranked = sorted(
        (
            (-sum(sources.values()), i, meaning)
            for i, found in enumerate(evidence)
            if i not in fixed
            for meaning, sources in found.items()
        )
    )
    chosen: dict[int, tuple[str, int]] = {}
    taken: set[str] = set()
    for negative, i, meaning in ranked:
        if i in chosen or meaning in taken:
            continue
        chosen[i] = (meaning, -negative)
        taken.add(meaning)

    order = ("alias", "name", "values")
    proposals = []
    for i, cell in enumerate(header):
        meaning, why = None, fixed.get(i, "none")
        if i in chosen:
            meaning = chosen[i][0]
            sources = evidence[i][meaning]
            why = max(order, key=lambda s: (sources.get(s, -1), -order.index(s)))
        proposals.append(
            ColumnProposal(
                header=pii.mask_digits(str(cell)) or "",
                meaning=meaning,
                why=why,
                samples=_shown_samples(values_of[i], i in person),
            )
        )
    required = sum(1 for c in ingest.REQUIRED[kind] if c in taken)
    return proposals, required, sum(s for _m, s in chosen.values())


def _register_proposals(
    header: Sequence[str], samples: Sequence[Sequence[str]]
) -> list[ColumnProposal]:
    """What the register reader makes of each column (it takes no mapping: for showing)."""
    proposals = []
    used: set[str] = set()
    fields = {_REGISTER_FIELD.get(norm_header(h)) for h in header}
    for i, cell in enumerate(header):
        key = norm_header(cell)
        values = _column_values(samples, i)
        field = _REGISTER_FIELD.get(key, "")
        column = None if _is_person_name(key) else _REGISTER_COLUMN.get(field)
        if field == "no" and "id" not in fields:
            column = "request_id"  # the register numbers its requests with the month
        if column in used:
            column = None  # the register keeps the first spelling; the other is ignored
        if column:
            used.add(column)
        proposals.append(
            ColumnProposal(
                header=pii.mask_digits(str(cell)) or "",
                meaning=column,
                why="name" if column or _is_person_name(key) else "none",
                samples=_shown_samples(values, _is_person_name(key)),
            )
        )
    return proposals


def propose(
    header: list[str], samples: list[list[str]], kind: str | None
) -> tuple[str, list[ColumnProposal]]:
    """The kind (given, else the best guess) and one proposal per column.

    Without a kind, the mapping saved for this header decides, else the log whose
    required columns are best covered (then the most evidence; requests on a tie). For a
    register (`kind="register"`) the proposals show what the register reader takes each
    column for; a register takes no mapping."""
    header = ["" if h is None else str(h) for h in header]
    if kind == ingest.REGISTER:
        return kind, _register_proposals(header, samples)
    if kind is not None and kind not in ingest.KINDS:
        raise ValueError(f"unknown kind {kind!r}: use requests, appointments or register")
    if kind is None:
        saved = _saved(header)
        kind = saved.kind if saved is not None else None
    if kind is not None:
        return kind, _assign(header, samples, kind)[0]
    best: tuple[tuple[int, int, int], str, list[ColumnProposal]] | None = None
    for index, candidate in enumerate(("requests", "appointments")):
        proposals, required, strength = _assign(header, samples, candidate)
        score = (required, strength, -index)
        if best is None or score > best[0]:
            best = (score, candidate, proposals)
    assert best is not None
    return best[1], best[2]


# ---------------------------------------------------------------------------- to_mapping


def to_mapping(
    kind: str | None,
    proposals_or_choices: Sequence[ColumnProposal]
    | Mapping[str, str | None]
    | Sequence[tuple[str, str | None]],
    *,
    header: Sequence[str] | None = None,
) -> mapping_mod.ColumnMapping:
    """The confirmed choices as the mapping `ingest.ingest_path(columns=...)` and
    `mapping.save(header, m, actor=...)` take; MappingError (one line) when unusable.

    Choices are proposals (as confirmed or changed), `{header: meaning}`, or
    `(header, meaning)` pairs. A proposal's header has its digit runs masked: when the
    file's header may hold one, pass `header` (the file's cells, in the proposals' order)
    and the choices are matched to it by position.
    """
    if kind == ingest.REGISTER:
        raise mapping_mod.MappingError(
            "a register's columns are known by their names (CONTRACT 1.5): it takes no mapping"
        )
    if isinstance(proposals_or_choices, Mapping):
        pairs = list(proposals_or_choices.items())
    else:
        pairs = [
            (p.header, p.meaning) if isinstance(p, ColumnProposal) else (p[0], p[1])
            for p in proposals_or_choices
        ]
    if header is not None:
        if len(header) != len(pairs):
            raise mapping_mod.MappingError(
                f"{len(pairs)} choices for a header of {len(header)} columns"
            )
        pairs = [(str(h), meaning) for h, (_shown, meaning) in zip(header, pairs, strict=True)]
    # Columns without a name cannot be mapped (the import ignores them anyway).
    columns = {h: meaning for h, meaning in pairs if norm_header(h)}
    if len(columns) < sum(1 for h, _m in pairs if norm_header(h)):
        raise mapping_mod.MappingError("a column is named twice in the choices; keep one")
    return mapping_mod.parse({"kind": kind, "columns": columns}, "confirmed")
