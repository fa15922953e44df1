"""Files in -> validated rows -> store, with quarantine and an import ledger (CONTRACT 1, 4).

How an import runs:

1. Read. CSV is read by DuckDB as text (`all_varchar`) with the delimiter (`,`/`;`/tab)
   and the header taken from the first line; lines DuckDB finds not to be UTF-8 make us
   transcode the file from Windows-1252 and read it again; control bytes (a NUL in a
   cell) make us read a copy without them. Ragged lines land in DuckDB's
   `reject_errors` with their line number and go to quarantine. XLSX (one sheet at a
   time, python-calamine behind workbook.py's limits; `ingest_path` imports every sheet
   as its own import) and Parquet/DataFrames (pyarrow) become the same table of text
   cells. Every data row keeps its spreadsheet row
   number (header = 1). A register sheet or CSV (CONTRACT 1.5; `kind="register"`, or
   told by its first rows) is reshaped by register.py into a requests table and an
   appointments table: two imports, its requests then its appointments. The register
   sheets of a workbook go through register_batch.py together (one validation pass per
   kind, one transaction), each part still counted, ledgered and quarantined as its own.
2. Validate, in one SQL pass on a private in-memory DuckDB: parse every value
   (CONTRACT 1.3), apply every rule of 1.4, hash NIK/phone with the installation key
   (section 4), and build the JSON of each refused row: the cells of the columns the
   import uses, NIK/phone masked and any run of 8+ digits masked (`pii.mask_digits`).
   Columns it does not use are named in the result (`ignored`) and never kept.
3. Merge, in one transaction with the store attached to that private database
   (`store.attached`, store.py's docstring): new IDs inserted, changed rows replaced,
   identical rows left alone, quarantine and the `imports` ledger written, the data
   version bumped. A failure anywhere rolls the store back to exactly what it was; a
   dry run (`ingest --dry-run`) does everything, counts, and rolls back on purpose.

Which column means what: the header's names and their aliases, or a column mapping
(dashboard/mapping.py: a hand-written file, or one saved for the same header).

Where the time goes (1M rows, bench/RESULTS.md): reading ~0.5 s, the validation pass
~1.4 s plus ~0.8 s for the two HMACs of a request, writing ~0.9 s.

Orphan appointments and cross-row inconsistencies are loaded; `orphan_appointments` and
`consistency_warnings` query them live, because an orphan stops being one when its
request arrives in a later file.
"""

from __future__ import annotations

import bisect
import codecs
import contextlib
import csv
import hashlib
import io
import itertools
import json
import shutil
import tempfile
import threading
import time as time_module
import uuid
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from dashboard import config, pii, register, register_batch, roles, store
from dashboard import mapping as mapping_mod

if TYPE_CHECKING:  # heavy to import; a CSV import from the command line needs neither
    import pandas as pd
    import pyarrow as pa

    from dashboard import workbook

Progress = Callable[[float, str], None]

KINDS = ("requests", "appointments")
#: The one-sheet register (CONTRACT 1.5): read by register.py as both logs, imported as two.
REGISTER = "register"

# canonical column -> accepted header spellings, as `_norm_header` writes them
# (`No. HP` -> `no_hp`, `NIK Pemohon` -> `nik_pemohon`)
_ALIASES: dict[str, dict[str, tuple[str, ...]]] = {
    "requests": {
        "request_id": ("id_permohonan",),
        "received_at": ("waktu_masuk",),
        "channel": ("kanal",),
        "service": ("layanan",),
        "kecamatan": (),
        # what offices write for the applicant's number and NIK (CONTRACT 1.5)
        "phone": (
            "no_hp",
            "nomor_hp",
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
        ),
        "nik": ("nik_pemohon", "no_nik", "nomor_nik"),
        "cancelled_at": ("waktu_batal",),
    },
    "appointments": {
        "appointment_id": ("id_jadwal",),
        "request_id": ("id_permohonan",),
        "queue_number": ("no_antrian",),
        "scheduled_date": ("tanggal_jadwal",),
        "status": (),
        "checked_in_at": ("waktu_datang",),
        "temperature_c": ("suhu",),
        "mask": ("masker",),
        "handwash": ("cuci_tangan",),
        "rejection_reason": ("alasan_tolak",),
        "recorded_at": ("waktu_rekam",),
    },
}
# The contract's input columns of each log, in its order (writers of logs use these).
INPUT_COLUMNS: dict[str, tuple[str, ...]] = {kind: tuple(_ALIASES[kind]) for kind in KINDS}
REQUIRED: dict[str, tuple[str, ...]] = {
    "requests": ("request_id", "received_at", "channel"),
    "appointments": ("appointment_id", "request_id", "scheduled_date", "status"),
}
ID_COLUMN = {"requests": "request_id", "appointments": "appointment_id"}
_CONTRACT_COLUMNS = frozenset(c for kind in KINDS for c in _ALIASES[kind])

# Enum aliases, matched after lower/trim with spaces and '-' written as '_'.
CHANNELS: dict[str, tuple[str, ...]] = {
    "whatsapp": ("whatsapp", "wa", "whats_app"),
    "walk_in": (
        "walk_in",
        "walkin",
        "datang_langsung",
        "langsung",
        "loket",
        "titip_berkas",
    ),
    "online": ("online", "web", "website", "daring"),
    "app": ("app", "aplikasi", "android", "playstore"),
}
STATUSES: dict[str, tuple[str, ...]] = {
    "scheduled": ("scheduled", "terjadwal"),
    "recorded": ("recorded", "terekam", "selesai"),
    "rejected": ("rejected", "ditolak"),
    "no_show": ("no_show", "noshow", "tidak_hadir"),
    "cancelled": ("cancelled", "canceled", "batal"),
    "rescheduled": ("rescheduled", "dijadwal_ulang", "dijadwalkan_ulang"),
}
REASONS: dict[str, tuple[str, ...]] = {
    "fever": ("fever", "demam"),
    "no_mask": ("no_mask", "tidak_bermasker", "tanpa_masker", "tidak_pakai_masker"),
    "no_handwash": ("no_handwash", "tidak_cuci_tangan"),
    "symptoms": ("symptoms", "gejala"),
    "other": ("other", "lainnya", "lain_lain"),
}
SERVICES: dict[str, tuple[str, ...]] = {"ktp_el": ("ktp_el", "e_ktp", "ektp", "ktp")}
_TRUE = ("ya", "yes", "y", "true", "1")
_FALSE = ("tidak", "no", "n", "false", "0")

_STORE_COLUMNS = {
    "requests": [
        "request_id",
        "received_at",
        "received_date",
        "channel",
        "service",
        "kecamatan",
        "kecamatan_key",
        "phone_hash",
        "phone_masked",
        "nik_hash",
        "cancelled_at",
        "cancelled_date",
        "import_id",
        "source_row",
    ],
    "appointments": [
        "appointment_id",
        "request_id",
        "queue_number",
        "scheduled_date",
        "status",
        "checked_in_at",
        "temperature_c",
        "mask",
        "handwash",
        "rejection_reason",
        "recorded_at",
        "visit_date",
        "recorded_date",
        "import_id",
        "source_row",
    ],
}

_DB_CONFIG = {
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
}


class _Preview(Exception):
    """Raised at the end of a dry run's transaction so that it rolls back."""


class IngestError(ValueError):
    """A file refused whole; `str(e)` is one line saying what to fix."""


@dataclass
class ImportResult:
    """What one import did; rows_read = inserted + updated + unchanged + quarantined."""

    import_id: int
    file_name: str
    kind: str
    rows_read: int
    inserted: int
    updated: int
    unchanged: int
    quarantined: int
    orphans: int = 0
    warnings: int = 0
    seconds: float = field(default=0.0, compare=False)
    #: header cells of the columns the import does not use (as written, digit runs
    #: masked): named in the summary, their cells never stored (CONTRACT 1.4)
    ignored: list[str] = field(default_factory=list)
    #: a preview (`ingest --dry-run`): every number as the import would have it, and
    #: nothing written (the transaction was rolled back)
    dry_run: bool = False
    #: rows of a register that are not data and were left out, not quarantined
    #: (`3 title rows, 1 total row`, register.py); empty for the two logs
    skipped: str = ""
    #: dry runs only, for the upload page's preview: the first quarantined rows
    #: (`row_number`, `column`, `reason`; reasons mask personal data as quarantine does)
    preview_quarantine: list[dict[str, Any]] = field(default_factory=list)
    #: dry runs only: the first and last received (requests) or scheduled (appointments)
    #: date of the rows that would load; None when none would
    preview_dates: tuple[date, date] | None = None

    def summary_line(self) -> str:
        line = (
            f"{self.file_name} ({self.kind}): {self.rows_read} read, {self.inserted} inserted, "
            f"{self.updated} updated, {self.unchanged} unchanged, "
            f"{self.quarantined} quarantined; {self.orphans} orphan appointments, "
            f"{self.warnings} warnings"
        )
        line += f"; skipped: {self.skipped}" if self.skipped else ""
        return line + (f"; ignored: {', '.join(self.ignored)}" if self.ignored else "")


# ---------------------------------------------------------------------------- header


_norm_header = mapping_mod.norm_header


def _header_text(name: str) -> str:
    """A header cell as messages and the import summary show it: on one line, with any
    long run of digits masked (a header can be a NIK when the header row is missing)."""
    return pii.mask_digits(" ".join(name.replace("\ufeff", "").split())) or ""


def _lookup(kind: str) -> dict[str, str]:
    table: dict[str, str] = {}
    for canonical, aliases in _ALIASES[kind].items():
        table[canonical] = canonical
        for alias in aliases:
            table[alias] = canonical
    return table


def _map_header(
    header: Sequence[str], kind: str | None, columns: mapping_mod.ColumnMapping | None = None
) -> tuple[str, dict[str, int]]:
    """Decide the kind and map canonical column -> position; IngestError when unusable.

    `columns` (a hand-written mapping, or the one confirmed earlier for this header, which
    is looked up when none is given) says what some or all columns mean; the others are
    recognised by their usual names.
    """
    normed = [_norm_header(h) for h in header]
    if not any(normed):
        raise IngestError("no header row: the first line must name the columns")
    seen: dict[str, int] = {}
    for i, name in enumerate(normed):
        if not name:
            continue
        if name in seen:
            raise IngestError(
                f'column "{_header_text(header[i])}" appears twice in the header '
                f"(columns {seen[name] + 1} and {i + 1}); rename or remove one"
            )
        seen[name] = i
    if kind is not None and kind not in KINDS:
        raise IngestError(f"unknown kind {kind!r}: use requests or appointments")
    if columns is None:
        columns = mapping_mod.saved_for(header)
    if columns is not None and columns.kind:
        if kind and kind != columns.kind:
            raise IngestError(
                f"the column mapping ({columns.source}) is for {columns.kind}, "
                f"not {kind}: leave out --kind or use another mapping"
            )
        kind = columns.kind

    def mapping(k: str) -> dict[str, int]:
        lookup = _lookup(k)
        found: dict[str, int] = {}
        for i, name in enumerate(normed):
            named, meaning = columns.meaning(header[i]) if columns else (False, None)
            canonical = meaning if named else lookup.get(name)
            if canonical is None or canonical not in _ALIASES[k]:
                continue
            if canonical in found:
                raise IngestError(
                    f'columns "{_header_text(header[found[canonical]])}" and '
                    f'"{_header_text(header[i])}" '
                    f"both mean {canonical}; keep one"
                )
            found[canonical] = i
        return found

    candidates = [kind] if kind else ["appointments", "requests"]
    for k in candidates:
        found = mapping(k)
        if all(col in found for col in REQUIRED[k]):
            return k, found
    if kind:
        missing = [c for c in REQUIRED[kind] if c not in mapping(kind)]
        if columns is not None:
            raise IngestError(
                f"the column mapping ({columns.source}) leaves the required {kind} "
                f"column(s) {', '.join(missing)} unmapped: map them to the file's columns"
            )
        raise IngestError(
            f"not a {kind} file: the header lacks required column(s) {', '.join(missing)}"
        )
    if not any(n in _lookup("requests") or n in _lookup("appointments") for n in normed):
        raise IngestError(
            "no header row with known column names: the first line must name the columns "
            "(requests: request_id, received_at, channel; appointments: appointment_id, "
            "request_id, scheduled_date, status)"
        )
    raise IngestError(
        "the header has neither the requests columns (request_id, received_at, channel) "
        "nor the appointments columns (appointment_id, request_id, scheduled_date, status)"
    )


# ---------------------------------------------------------------------------- reading


@dataclass
class _Source:
    """A file turned into `src(row_no, rid, c0..cN)` of text cells in the private DB.

    `row_no` is the spreadsheet row (header = 1); `rid` a cheap key of the source row."""

    header: list[str]
    rows_rejected: list[tuple[int, list[str], str]]  # (row, fields, reason)
    content_hash: str | None
    #: columns the source itself left out (a register's `Nama`), named with the ignored
    ignored: list[str] = field(default_factory=list)
    #: rows the source left out as not data (a register's titles), for the summary
    skipped: str = ""


# Bytes no text holds: the C0 controls but tab, LF and CR, and DEL. A few in a CSV (a NUL
# from a broken export) are removed before reading (`_without_controls`), so one bad
# cell does not cost the whole file; a file made of them is not text at all.
_CONTROL_BYTES = bytes(b for b in range(32) if b not in (9, 10, 13)) + b"\x7f"
# What people upload by mistake, by its first bytes: images, PDF, archives, programs.
_BINARY_MAGIC = (
    b"\x89PNG",
    b"\xff\xd8\xff",
    b"GIF8",
    b"%PDF",
    b"\x1f\x8b",
    b"7z\xbc\xaf",
    b"Rar!",
    b"\xfd7zXZ",
    b"\x7fELF",
    b"SQLite format 3\0",
)
_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


def _detect_format(path: Path) -> str:
    with path.open("rb") as fh:
        head = fh.read(8192)
    if not head:
        raise IngestError(f"{path.name} is empty (0 bytes): export the log again")
    if head.startswith(b"PAR1"):
        return "parquet"
    if head.startswith(b"PK\x03\x04"):
        return "xlsx"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise IngestError(
            f"{path.name} is an old Excel (.xls) file: save it as .xlsx or CSV and import that"
        )
    if head.startswith(_UTF16_BOMS):
        raise IngestError(
            f"{path.name} is not a CSV, XLSX or Parquet file (it is UTF-16 text): "
            "save it from Excel as CSV UTF-8"
        )
    # Text, even with a few stray control bytes, has almost none; UTF-16 text and
    # programs are a third NULs or more.
    controls = len(head) - len(head.translate(None, _CONTROL_BYTES))
    if head.startswith(_BINARY_MAGIC) or controls * 10 > len(head) * 3:
        raise IngestError(f"{path.name} is not a CSV, XLSX or Parquet file")
    return "csv"


def _cp1252_fallback(err: UnicodeDecodeError) -> tuple[str, int]:
    # Bytes cp1252 leaves undefined (0x81, 0x8D, ...) are taken as Latin-1.
    return err.object[err.start : err.start + 1].decode("latin-1"), err.start + 1


codecs.register_error("cp1252_latin1", _cp1252_fallback)


def _transcode(path: Path, tmp: Path) -> Path:
    """A copy of a Windows-1252 (Latin-1) file as UTF-8, for DuckDB to read."""
    target = tmp / "transcoded.csv"
    with path.open("rb") as raw, target.open("w", encoding="utf-8", newline="") as dst:
        # A UTF-8 BOM before Windows-1252 text (editors mix them): drop it, or it
        # would become "ï»¿" glued to the first column name.
        if raw.read(3) != codecs.BOM_UTF8:
            raw.seek(0)
        src = io.TextIOWrapper(raw, encoding="cp1252", errors="cp1252_latin1", newline="")
        shutil.copyfileobj(src, dst, 1 << 20)
    return target


def _header_line(target: Path, name: str) -> tuple[str, list[str]]:
    """The delimiter and the column names from the first non-blank line (UTF-8)."""
    with target.open("r", encoding="utf-8-sig", newline="") as fh:
        first = ""
        for line in fh:
            if line.strip():
                first = line
                break
    if not first:
        raise IngestError(f"{name} has no header row: the first line must name the columns")
    delim = max(
        (",", ";", "\t"),
        key=lambda d: len(next(csv.reader([first], delimiter=d), [])),
    )
    return delim, next(csv.reader([first], delimiter=delim))


_BLOCK_ROWS = 4096  # rows per block when numbering rows around refused and blank lines


def _row_number_sql(gap_lines: list[int], records: int) -> str:
    """SQL giving the spreadsheet row of each good record from its `rowid` in `src0`.

    `gap_lines` are the rows (header = 1) that are in the file but not in `src0`:
    refused lines and blank lines. A good record's row is its index plus the gaps
    before it. The gaps are counted per block of rows in Python and written into the
    SQL as constant lists: how many come before each block, and where inside it the
    others fall. A lookup per row, no join, so the scan keeps file order (which the
    store's write needs, see `_merge`) and no copy of the cells is made.
    """
    lines = sorted(gap_lines)
    # good records (the header included) before each gap
    good_before = [line - j for j, line in enumerate(lines, start=1)]
    blocks = records // _BLOCK_ROWS + 1
    before = [bisect.bisect_left(good_before, b * _BLOCK_ROWS) for b in range(blocks)]
    inside: list[list[int]] = [[] for _ in range(blocks)]
    for g in good_before:
        if g // _BLOCK_ROWS < blocks:
            inside[g // _BLOCK_ROWS].append(g)
    block = f"rowid // {_BLOCK_ROWS} + 1"
    inside_sql = "[" + ", ".join("[" + ", ".join(map(str, ins)) + "]" for ins in inside) + "]"
    return (
        f"rowid + 1 + {before!r}[{block}] + "
        f"len(list_filter(CAST({inside_sql} AS BIGINT[][])[{block}], lambda g: g <= rowid))"
    )


def _read_cells(
    con: duckdb.DuckDBPyConnection, target: Path, name: str, delim: str, width: int
) -> None:
    """`src0`: every line of the file as `width` text cells; ragged lines to `reject_errors`."""
    con.execute("DROP TABLE IF EXISTS src0")
    con.execute("DROP TABLE IF EXISTS reject_errors")
    con.execute("DROP TABLE IF EXISTS reject_scans")
    try:
        con.execute(
            "CREATE TABLE src0 AS SELECT * FROM read_csv($path, all_varchar = true, "
            "header = false, delim = $delim, quote = '\"', escape = '\"', "
            "store_rejects = true, columns = $columns, auto_detect = false)",
            {
                "path": str(target),
                "delim": delim,
                "columns": {f"c{i}": "VARCHAR" for i in range(width)},
            },
        )
    except duckdb.Error as exc:
        # DuckDB may quote the offending line: no number in it reaches the message
        first = pii.mask_digits(str(exc).splitlines()[0])
        raise IngestError(f"{name} could not be read as CSV: {first}") from exc


def _load_csv(con: duckdb.DuckDBPyConnection, path: Path, tmp: Path) -> _Source:
    """Read a CSV as offices write it: UTF-8 (BOM or not), else Windows-1252/Latin-1.

    The file's fingerprint for the ledger is computed on a second thread while DuckDB
    reads (both release the GIL). DuckDB itself checks the encoding: lines that are not
    UTF-8 come back as rejects, and then the file is transcoded and read again. A file
    whose lines end in both CRLF and LF (DuckDB refuses those) is read from a copy with
    LF only. A file with control bytes (a NUL in a cell) is read again from a copy
    without them, once the scan has found them.
    """
    with ThreadPoolExecutor(max_workers=1) as pool:
        fingerprint = pool.submit(_scan_file, path)
        target, utf8, lf_scan = path, True, None
        try:
            delim, header = _header_line(path, path.name)
        except UnicodeDecodeError:
            target, utf8 = _transcode(path, tmp), False
            delim, header = _header_line(target, path.name)
        failed: IngestError | None = None
        try:
            _read_cells(con, target, path.name, delim, len(header))
        except IngestError as exc:
            failed = exc
        if fingerprint.result().controls:
            target = _without_controls(target, tmp)
            delim, header = _header_line(target, path.name)
            try:
                _read_cells(con, target, path.name, delim, len(header))
                failed = None
            except IngestError as exc:
                failed = exc
        if failed is not None:
            if not _mixed_newlines(target):
                raise failed
            # DuckDB's reader stops at a change of line ending: read a copy with LF only.
            target = _lf_only(target, tmp)
            lf_scan = pool.submit(_scan_file, target)
            _read_cells(con, target, path.name, delim, len(header))
        if (
            utf8
            and con.execute(
                "SELECT count(*) FROM reject_errors WHERE error_type = 'INVALID ENCODING'"
            ).fetchall()[0][0]
        ):
            target = _transcode(target, tmp)
            _read_cells(con, target, path.name, delim, len(header))
        # The ledger keeps the fingerprint of the file as given; blank lines are looked
        # for in what DuckDB read.
        scan = fingerprint.result()
        blank_inside = (lf_scan.result() if lf_scan else scan).blank_inside
    rejects = con.execute(
        "SELECT line, any_value(csv_line), any_value(error_type) FROM reject_errors "
        "GROUP BY line ORDER BY line"
    ).fetchall()
    rejected: list[tuple[int, list[str], str]] = []
    for line, text, _etype in rejects:
        fields = next(csv.reader([(text or "").strip("\r\n")], delimiter=delim), [])
        rejected.append(
            (
                int(line),
                fields,
                f"the row has {len(fields)} cells but the header has {len(header)}: "
                "look for a stray delimiter or an unclosed quote",
            )
        )
    # DuckDB skips blank lines without a trace, but a spreadsheet shows them as rows.
    gaps = [r[0] for r in rejected] + (_blank_lines(target, delim) if blank_inside else [])
    if gaps:
        row_no = _row_number_sql(gaps, con.execute("SELECT count(*) FROM src0").fetchall()[0][0])
        con.execute(
            f"CREATE VIEW src AS SELECT {row_no} AS row_no, rowid AS rid, * FROM src0 "  # noqa: S608 - integers we computed
            "WHERE rowid > 0"
        )
    else:
        con.execute(
            "CREATE VIEW src AS SELECT rowid + 1 AS row_no, rowid AS rid, * FROM src0 "
            "WHERE rowid > 0"
        )
    return _Source(header=header, rows_rejected=rejected, content_hash=scan.sha256)


def _cell_text(value: Any) -> str | None:
    """A spreadsheet cell as the text an office would have typed (dates as ISO)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return value.isoformat()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    text = str(value)
    return text if text.strip() else None


def _load_arrow(con: duckdb.DuckDBPyConnection, table: pa.Table, header: list[str]) -> None:
    """Register an Arrow table (any types) as `src(row_no, c0..cN)` of text cells."""
    import pyarrow as pa

    renamed = table.rename_columns([f"c{i}" for i in range(table.num_columns)])
    # Row numbers as a spreadsheet would show them (header = row 1), fixed before any scan.
    renamed = renamed.append_column(
        "row_no", pa.array(range(2, table.num_rows + 2), type=pa.int64())
    )
    con.register("arrow_in", renamed)
    # Typed timestamps/dates/numbers become their canonical text; the SQL parses them back.
    casts = "".join(f", CAST(c{i} AS VARCHAR) AS c{i}" for i in range(len(header)))
    con.execute(f"CREATE TABLE src AS SELECT row_no, row_no AS rid{casts} FROM arrow_in")  # noqa: S608 - c0..cN
    con.unregister("arrow_in")


def _load_xlsx(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    sheet: str | None = None,
    book: workbook.Workbook | None = None,
    content_hash: str | None = None,
    rows: Iterable[workbook.Row] | None = None,
) -> _Source:
    """One sheet (the first unless named) through `workbook` (limits, a reader process
    that cannot take this one down); row numbers as the spreadsheet shows them.
    `book`: a workbook already open (one reader for all its sheets). `rows`: the sheet's
    rows already being read (its first rows looked at for a register).

    The header is the first of the first 20 non-empty rows that names two or more
    columns the import knows (else the first non-empty row): title rows above it are
    skipped, as are blank rows and total rows (`JUMLAH`, `TOTAL`); all are counted for
    the summary, not quarantined."""
    import pyarrow as pa

    from dashboard import workbook

    header: list[str] | None = None
    width = 0
    columns: list[list[str | None]] = []
    row_numbers: list[int] = []
    above: list[tuple[int, list[str | None]]] = []  # non-empty rows until the header is known
    skipped = {"title row": 0, "blank row": 0, "total row": 0}
    previous: int | None = None  # the reader leaves blank rows out: count the gaps

    def add(number: int, cells: list[str | None]) -> None:
        if _is_total_row(cells):
            skipped["total row"] += 1
            return
        row_numbers.append(number)
        for i in range(width):
            columns[i].append(cells[i] if i < len(cells) else None)

    def choose_header() -> None:
        nonlocal header, width, columns
        pick = next((i for i, (_, c) in enumerate(above) if _known_names(c) >= 2), 0)
        header = [c or "" for c in above[pick][1]]
        width = len(header)
        columns = [[] for _ in range(width)]
        skipped["title row"] = pick
        for number, cells in above[pick + 1 :]:
            add(number, cells[:width])

    try:
        with contextlib.ExitStack() as stack:
            if rows is None:
                if book is None:
                    book = stack.enter_context(workbook.Workbook(path))
                rows = book.rows(sheet or book.sheets[0].name)
            for number, values in rows:
                cells = [_cell_text(c) for c in (values if header is None else values[:width])]
                if not any(cells):
                    continue  # blank and trailing empty rows are formatting, not data
                if previous is not None:
                    skipped["blank row"] += number - previous - 1
                previous = number
                if header is None:
                    above.append((number, cells))
                    if _known_names(cells) >= 2 or len(above) >= _HEADER_SEARCH_ROWS:
                        choose_header()
                    continue
                add(number, cells)
            if header is None and above:
                choose_header()
    except workbook.WorkbookError as exc:
        raise IngestError(str(exc)) from None
    if header is None:
        which = f"sheet {sheet!r}" if sheet else "the first sheet"
        raise IngestError(f"{path.name}: {which} is empty")
    table = pa.table(
        {f"c{i}": pa.array(columns[i], type=pa.string()) for i in range(width)}
        | {"row_no": pa.array(row_numbers, type=pa.int64())}
    )
    con.register("arrow_in", table)
    casts = ", ".join(f"c{i}" for i in range(width))
    con.execute(f"CREATE TABLE src AS SELECT row_no, row_no AS rid, {casts} FROM arrow_in")  # noqa: S608 - c0..cN
    con.unregister("arrow_in")
    return _Source(
        header=header,
        rows_rejected=[],
        content_hash=content_hash or _file_hash(path),
        skipped=register.skipped_text(skipped),
    )


#: How far down a sheet the header may be (title rows above it: CONTRACT 1.5).
_HEADER_SEARCH_ROWS = 20
_KNOWN_NAMES = frozenset(_lookup("requests")) | frozenset(_lookup("appointments"))


def _known_names(cells: Sequence[str | None]) -> int:
    """How many cells are column names the import knows (a header row has several)."""
    return sum(1 for c in cells if c and _norm_header(c) in _KNOWN_NAMES)


def _is_total_row(cells: Sequence[str | None]) -> bool:
    """A `JUMLAH`/`TOTAL` row under a table: its first filled cell says so."""
    first = next((c for c in cells if c), "")
    return _norm_header(first).startswith(register.TOTAL_WORDS)


@dataclass
class _Scan:
    sha256: str
    blank_inside: bool  # a blank line before some later content
    controls: bool = False  # a control byte (`_CONTROL_BYTES`) somewhere


def _scan_file(path: Path) -> _Scan:
    """The file's SHA-256, and whether a blank line comes before some later content.

    Blank lines at the end are harmless; one further up shifts every later row number,
    which `_blank_lines` then works out (a second, slower pass, only for such files).
    A blank line inside a quoted cell also answers True; `_blank_lines` sorts it out.
    """
    digest = hashlib.sha256()
    pending = inside = controls = False  # pending: a blank line seen, no content after it yet
    tail = b"\n"  # as if a line had just ended: a blank first line counts
    # Byte searches only, one per chunk (~1 ns a byte); the control-byte test is one
    # translate (~0.4 ns a byte) until the first is found.
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 22):
            digest.update(chunk)
            if not inside:
                inside, pending = _blank_before_content(tail, chunk, pending, b"\r" in chunk)
            if not controls:
                controls = len(chunk.translate(None, _CONTROL_BYTES)) != len(chunk)
            tail = chunk[-2:]
    return _Scan(digest.hexdigest(), inside, controls)


def _mixed_newlines(path: Path) -> bool:
    """Whether lines end in both CRLF and bare LF (lines appended in another editor)."""
    crlf = bare_lf = False
    prev = b""
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 22):
            # a CRLF split between two chunks counts once, as a pair
            pairs = chunk.count(b"\r\n") + (prev == b"\r" and chunk[:1] == b"\n")
            crlf = crlf or pairs > 0
            bare_lf = bare_lf or chunk.count(b"\n") > pairs
            prev = chunk[-1:]
    return crlf and bare_lf


def _blank_before_content(
    tail: bytes, chunk: bytes, pending: bool, has_cr: bool
) -> tuple[bool, bool]:
    """(a blank line is followed by content, a blank line is still pending) after `chunk`."""
    if pending and chunk.strip(b"\r\n"):
        return True, False
    edge = tail + chunk[:2]  # a blank line across the previous chunk's end
    if b"\n\n" in edge or b"\n\r\n" in edge:
        first = 0
    else:
        # One search: with CRs about, lines end in CRLF (a file that mixes line ends is
        # scanned again as the LF-only copy it is then read from).
        first = chunk.find(b"\n\r\n" if has_cr else b"\n\n")
        if first < 0:
            return False, pending
    if chunk[first:].strip(b"\r\n"):
        return True, False
    return False, True


def _without_controls(source: Path, tmp: Path) -> Path:
    """A copy of the file without its control bytes (tab, CR and LF kept), so a NUL in
    one cell neither refuses the file nor reaches the store. Safe in UTF-8 and
    Windows-1252 alike: these bytes are never part of a longer character."""
    target = tmp / "no_controls.csv"
    with source.open("rb") as src, target.open("wb") as dst:
        while chunk := src.read(1 << 22):
            dst.write(chunk.translate(None, _CONTROL_BYTES))
    return target


def _lf_only(source: Path, tmp: Path) -> Path:
    """A copy of the file with every CRLF line end written as LF."""
    target = tmp / "lf_only.csv"
    with source.open("rb") as src, target.open("wb") as dst:
        carry = b""
        while chunk := src.read(1 << 22):
            chunk = carry + chunk
            carry = b"\r" if chunk.endswith(b"\r") else b""
            dst.write((chunk[:-1] if carry else chunk).replace(b"\r\n", b"\n"))
        dst.write(carry)
    return target


def _blank_lines(target: Path, delim: str) -> list[int]:
    """The rows (header = 1, quoted line breaks inside a cell not counted) that are blank."""
    try:
        with target.open("r", encoding="utf-8-sig", newline="") as fh:
            reader = csv.reader(fh, delimiter=delim)
            return [row for row, cells in enumerate(reader, start=1) if not cells]
    except csv.Error:
        return []  # a cell over the csv module's size limit: keep DuckDB's numbering


def _file_hash(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 22):
            digest.update(chunk)
    return digest.hexdigest()


def _load_parquet(con: duckdb.DuckDBPyConnection, path: Path) -> _Source:
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(path)
    except Exception as exc:  # noqa: BLE001 - a damaged file is refused whole
        reason = pii.mask_digits(" ".join(str(exc).split()))
        raise IngestError(f"{path.name} could not be read as Parquet: {reason}") from exc
    header = list(table.column_names)
    _load_arrow(con, table, header)
    return _Source(header=header, rows_rejected=[], content_hash=_file_hash(path))


# ---------------------------------------------------------------------------- SQL


def _enum_sql(expr: str, mapping: dict[str, tuple[str, ...]]) -> str:
    """CASE mapping normalised aliases to the canonical value (constants from this module)."""
    key = f"regexp_replace(lower({expr}), '[\\s\\-]+', '_', 'g')"
    whens = " ".join(
        f"WHEN {key} IN ({', '.join(repr(a) for a in aliases)}) THEN '{canonical}'"
        for canonical, aliases in mapping.items()
    )
    return f"CASE {whens} END"


# Offsets come only after a time: `...08:15+08:00`, `...17:30:00Z`, `...08:15+0800`.
_OFFSET_RE = r"\d:\d\d(?::\d\d(?:\.\d+)?)?\s*(?:[zZ]|[+-]\d\d(?::?\d\d)?)$"
# Everything DuckDB's own cast does not take: day-first dates, `.` as time separator.
_SLOW_RE = (
    r"^(?:(\d{4})-(\d{1,2})-(\d{1,2})|(\d{1,2})[/.-](\d{1,2})[/.-](\d{4}))"
    r"(?:[ T]+(\d{1,2})[:.](\d{2})(?:[:.](\d{2}))?)?$"
)
_SLOW_GROUPS = "['y', 'm', 'd', 'd2', 'm2', 'y2', 'hh', 'mi', 'ss']"


def _ts_layers(v: str, c: str) -> tuple[str, str, str]:
    """SQL for three query layers that parse timestamp column `v` into `t_{c}`.

    DuckDB's cast takes ISO forms fast; only what it refuses (about a quarter of rows
    in real logs) goes through the regex. Offsets are converted to office time ($tz).
    Each layer's expression is evaluated once (no expression is repeated per row).
    """
    fast = (
        f"CASE WHEN regexp_matches({v}, '{_OFFSET_RE}') "
        f"THEN timezone($tz, try_cast({v} AS TIMESTAMPTZ)) "
        f"ELSE try_cast({v} AS TIMESTAMP) END AS f_{c}"
    )
    slow = (
        f"CASE WHEN f_{c} IS NULL AND {v} IS NOT NULL "
        f"THEN regexp_extract({v}, '{_SLOW_RE}', {_SLOW_GROUPS}) END AS s_{c}"
    )
    s = f"s_{c}"
    built = (
        f"coalesce(nullif({s}.y, ''), {s}.y2) || '-' || coalesce(nullif({s}.m, ''), {s}.m2) "
        f"|| '-' || coalesce(nullif({s}.d, ''), {s}.d2) || ' ' || "
        f"coalesce(nullif({s}.hh, ''), '0') || ':' || coalesce(nullif({s}.mi, ''), '0') "
        f"|| ':' || coalesce(nullif({s}.ss, ''), '0')"
    )
    final = (
        f"coalesce(f_{c}, CASE WHEN {s}.y <> '' OR {s}.y2 <> '' "
        f"THEN try_cast({built} AS TIMESTAMP) END) AS t_{c}"
    )
    return fast, slow, final


def _year_ok_sql(expr: str) -> str:
    # Years outside this window are typos (e.g. `8/6/20` read as year 20), not dates.
    return f"CASE WHEN year({expr}) BETWEEN 1900 AND 2100 THEN {expr} END"


def _bool_sql(expr: str) -> str:
    t = ", ".join(repr(v) for v in _TRUE)
    f = ", ".join(repr(v) for v in _FALSE)
    return f"CASE WHEN lower({expr}) IN ({t}) THEN true WHEN lower({expr}) IN ({f}) THEN false END"


def _quote_value(expr: str) -> str:
    """`"value"` for a reason text, shortened so a wild cell cannot flood the message,
    and any NIK or phone number in it masked (before shortening, so no cut run escapes)."""
    return f"'\"' || left({pii.mask_digits_sql(expr)}, 60) || '\"'"


def _validation_sql(kind: str, mapping: dict[str, int], header: list[str]) -> tuple[str, str, dict]:
    """The one SELECT that parses, validates and hashes every row of `src`.

    Identifiers in the text are the contract's column names and c0..cN; every value
    that comes from outside (time zone, key pads, header names for the JSON) is a bound
    parameter. Returns (select, raw-JSON expression over c0..cN, parameters).
    """
    params: dict[str, Any] = {"tz": config.office_tz()}
    cols = _ALIASES[kind]
    # raw text of each canonical column, trimmed, '' -> NULL
    raw = {
        c: (f"nullif(trim(c{mapping[c]}), '')" if c in mapping else "CAST(NULL AS VARCHAR)")
        for c in cols
    }
    inner: list[str] = ["row_no", "rid"]
    inner += [f"{raw[c]} AS v_{c}" for c in cols]
    # (condition, reason) pairs: the row is refused where the condition is true, with
    # 'column: reason'; a NULL condition passes.
    checks: list[tuple[str, str]] = []
    outs: list[str] = []

    for c in REQUIRED[kind]:
        checks.append((f"v_{c} IS NULL", f"'{c}: missing (required)'"))

    # Parsed values, computed in a middle layer so each is evaluated once.
    mid: list[str] = ["*"]
    ts_cols = (
        ["received_at", "cancelled_at"]
        if kind == "requests"
        else ["scheduled_date", "checked_in_at", "recorded_at"]
    )
    pre1: list[str] = ["*"]
    pre2: list[str] = ["*"]
    pre: list[str] = ["*"]
    for c in ts_cols:
        fast, slow, final = _ts_layers(f"v_{c}", c)
        pre1.append(fast)
        pre2.append(slow)
        pre.append(final)
        mid.append(f"{_year_ok_sql(f't_{c}')} AS p_{c}")
        checks.append(
            (
                f"v_{c} IS NOT NULL AND p_{c} IS NULL",
                f"'{c}: ' || {_quote_value(f'v_{c}')} || ' is not a date'",
            )
        )

    if kind == "requests":
        params.update(pii.hmac_sql_params(pii.load_key()))
        mid.append(f"{_enum_sql('v_channel', CHANNELS)} AS p_channel")
        checks.append(
            (
                "v_channel IS NOT NULL AND p_channel IS NULL",
                f"'channel: ' || {_quote_value('v_channel')} || "
                "' is not a known channel (whatsapp, walk_in, online, app)'",
            )
        )
        mid.append(f"{pii.phone_sql('v_phone')} AS p_phone")
        checks.append(
            (
                "v_phone IS NOT NULL AND coalesce(length(p_phone) NOT BETWEEN 8 AND 15, true)",
                "'phone: not a phone number (needs 8 to 15 digits)'",
            )
        )
        mid.append(f"{pii.nik_sql('v_nik')} AS p_nik")
        checks.append(
            (
                f"v_nik IS NOT NULL AND NOT {pii.nik_valid_sql('p_nik')}",
                "'nik: not a NIK (needs exactly 16 digits)'",
            )
        )
        service_key = "regexp_replace(lower(v_service), '[\\s\\-]+', '_', 'g')"
        outs = [
            "v_request_id AS request_id",
            "p_received_at AS received_at",
            "CAST(p_received_at AS DATE) AS received_date",
            "p_channel AS channel",
            f"coalesce({_enum_sql('v_service', SERVICES)}, {service_key}, 'ktp_el') AS service",
            "v_kecamatan AS kecamatan",
            "lower(v_kecamatan) AS kecamatan_key",
            f"CASE WHEN p_phone IS NOT NULL THEN {pii.hmac_sql('p_phone')} END AS phone_hash",
            f"{pii.mask_phone_sql('p_phone')} AS phone_masked",
            f"CASE WHEN p_nik IS NOT NULL THEN {pii.hmac_sql('p_nik')} END AS nik_hash",
            "p_cancelled_at AS cancelled_at",
            "CAST(p_cancelled_at AS DATE) AS cancelled_date",
        ]
    else:
        mid.append(f"{_enum_sql('v_status', STATUSES)} AS p_status")
        checks.append(
            (
                "v_status IS NOT NULL AND p_status IS NULL",
                f"'status: ' || {_quote_value('v_status')} || ' is not a known status "
                "(scheduled, recorded, rejected, no_show, cancelled, rescheduled)'",
            )
        )
        mid.append(f"{_enum_sql('v_rejection_reason', REASONS)} AS p_rejection_reason")
        checks.append(
            (
                "v_rejection_reason IS NOT NULL AND p_rejection_reason IS NULL",
                f"'rejection_reason: ' || {_quote_value('v_rejection_reason')} || "
                "' is not a known reason (fever, no_mask, no_handwash, symptoms, other)'",
            )
        )
        mid.append(
            "coalesce(try_cast(v_queue_number AS INTEGER), CASE WHEN try_cast(v_queue_number "
            "AS DOUBLE) = floor(try_cast(v_queue_number AS DOUBLE)) THEN try_cast("
            "try_cast(v_queue_number AS DOUBLE) AS INTEGER) END) AS p_queue_number"
        )
        checks.append(
            (
                "v_queue_number IS NOT NULL AND coalesce(p_queue_number < 0, true)",
                f"'queue_number: ' || {_quote_value('v_queue_number')} || ' is not a whole number'",
            )
        )
        mid.append(
            "try_cast(replace(v_temperature_c, ',', '.') AS DECIMAL(6, 2)) AS p_temperature_c"
        )
        checks.append(
            (
                "v_temperature_c IS NOT NULL AND p_temperature_c IS NULL",
                f"'temperature_c: ' || {_quote_value('v_temperature_c')} || ' is not a number'",
            )
        )
        checks.append(
            (
                "p_temperature_c NOT BETWEEN 30 AND 45",
                "'temperature_c: ' || CAST(CAST(p_temperature_c AS DECIMAL(5, 1)) AS VARCHAR) "
                "|| ' °C is outside the plausible 30–45 °C'",
            )
        )
        for c in ("mask", "handwash"):
            mid.append(f"{_bool_sql(f'v_{c}')} AS p_{c}")
            checks.append(
                (
                    f"v_{c} IS NOT NULL AND p_{c} IS NULL",
                    f"'{c}: ' || {_quote_value(f'v_{c}')} || ' is not yes/no (ya/tidak)'",
                )
            )
        checks.append(
            (
                "p_status = 'rejected' AND p_recorded_at IS NOT NULL",
                "'recorded_at: set on a rejected appointment (a person turned away is not "
                "recorded)'",
            )
        )
        checks.append(
            (
                "p_status = 'recorded' AND p_rejection_reason IS NOT NULL",
                "'rejection_reason: set on a recorded appointment (clear the reason or the "
                "status)'",
            )
        )
        checks.append(
            ("p_recorded_at < p_checked_in_at", "'recorded_at: earlier than checked_in_at'")
        )
        visit = (
            "coalesce(CAST(p_checked_in_at AS DATE), CAST(p_recorded_at AS DATE), "
            "CAST(p_scheduled_date AS DATE))"
        )
        outs = [
            "v_appointment_id AS appointment_id",
            "v_request_id AS request_id",
            "p_queue_number AS queue_number",
            "CAST(p_scheduled_date AS DATE) AS scheduled_date",
            "p_status AS status",
            "p_checked_in_at AS checked_in_at",
            "CAST(p_temperature_c AS DECIMAL(4, 1)) AS temperature_c",
            "p_mask AS mask",
            "p_handwash AS handwash",
            "p_rejection_reason AS rejection_reason",
            "p_recorded_at AS recorded_at",
            f"{visit} AS visit_date",
            f"coalesce(CAST(p_recorded_at AS DATE), {visit}) AS recorded_date",
        ]

    # The refused row as read, for quarantine: the cells of the columns the import uses
    # (ignored columns are never kept), header names as keys (bound); NIK and phone
    # masked as in the store, any other run of 8+ digits masked too (pii.mask_digits).
    json_parts: list[str] = []
    for canonical, i in sorted(mapping.items(), key=lambda item: item[1]):
        params[f"h{i}"] = header[i]
        cell = f"c{i}"
        if canonical == "phone":
            masked = pii.mask_phone_sql(pii.phone_sql(cell))
            cell = f"CASE WHEN {cell} IS NULL THEN NULL ELSE coalesce({masked}, repeat('*', length({cell}))) END"
        elif canonical == "nik":
            cell = pii.mask_nik_sql(cell)
        else:
            cell = pii.mask_digits_sql(cell)
        json_parts.append(f"$h{i}, {cell}")
    raw_json = f"json_object({', '.join(json_parts)})" if json_parts else "'{}'"
    all_cols = ", ".join(f"c{i}" for i in range(len(header)))
    store_cols = [c for c in _STORE_COLUMNS[kind] if c != "import_id"]

    # A good row needs only the cheap test; 'column: reason; ...' is built for the refused
    # (concat_ws skips the checks that passed).
    bad = f"coalesce({' OR '.join(f'({cond})' for cond, _ in checks)}, false)"
    errs = "concat_ws('; ', " + ", ".join(f"CASE WHEN {c} THEN {m} END" for c, m in checks) + ")"
    sql = f"""
        SELECT row_no AS source_row, rid, {", ".join(store_cols[:-1])},
               ok, CASE WHEN NOT ok THEN errs END AS errs,
               CASE WHEN NOT ok THEN {raw_json} END AS raw
        FROM (
            SELECT row_no, rid, {all_cols}, ok, CASE WHEN NOT ok THEN {errs} END AS errs,
                   {", ".join(outs)}
            FROM (SELECT *, NOT {bad} AS ok FROM (
                SELECT {", ".join(mid)} FROM (
                    SELECT {", ".join(pre)} FROM (
                    SELECT {", ".join(pre2)} FROM (
                    SELECT {", ".join(pre1)} FROM (
                        SELECT {", ".join(inner)}, {all_cols} FROM src
                    )))
                )
            ))
        )
    """  # noqa: S608 - identifiers are the contract's names and c0..cN; values are bound
    return sql, raw_json, params


# ---------------------------------------------------------------------------- pipeline


def _private_connection(tmp: Path) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(":memory:", config=dict(_DB_CONFIG))
    con.execute("SET TimeZone = 'UTC'")
    con.execute("SET temp_directory = $d", {"d": str(tmp / "spill")})
    con.execute("SET memory_limit = '1GB'")
    con.execute("SET preserve_insertion_order = true")  # rowid = line order of the file
    return con


def _stage(
    con: duckdb.DuckDBPyConnection,
    source: _Source,
    kind: str | None,
    columns: mapping_mod.ColumnMapping | None = None,
) -> tuple[str, int, list[str]]:
    """Validate `src` into `parsed` (+ `dup_rows`) and the refused rows into `quar`.

    Returns the kind, the rows read and the ignored columns' header names."""
    kind, mapping = _map_header(source.header, kind, columns)
    used = set(mapping.values())
    ignored = source.ignored + [
        _header_text(name)
        for i, name in enumerate(source.header)
        if i not in used and _header_text(name)
    ]
    sql, raw_json, params = _validation_sql(kind, mapping, source.header)
    con.execute(f"CREATE TABLE parsed AS {sql}", params)  # noqa: S608 - see _validation_sql
    idc = ID_COLUMN[kind]
    con.execute(
        "CREATE TABLE quar (row_number BIGINT, column_name VARCHAR, reason VARCHAR, raw VARCHAR)"
    )
    con.execute(
        "INSERT INTO quar SELECT source_row, split_part(errs, ':', 1), errs, raw "
        "FROM parsed WHERE NOT ok"
    )
    # The same ID twice: the later row wins. Grouping finds the few repeated IDs cheaply.
    con.execute(
        f"CREATE TABLE dup_rows AS SELECT p.source_row AS row_no, p.rid, d.kept_row "  # noqa: S608 - idc allow-listed
        f"FROM parsed p JOIN (SELECT {idc}, max(source_row) AS kept_row FROM parsed "  # idc: ID_COLUMN allow-list
        f"WHERE ok GROUP BY {idc} HAVING count(*) > 1) d ON p.{idc} = d.{idc} "
        "WHERE p.ok AND p.source_row <> d.kept_row"
    )
    con.execute(
        f"INSERT INTO quar SELECT d.row_no, $idc, 'duplicate in file: the same ' || $idc || "  # noqa: S608 - raw_json is our SQL over c0..cN
        "' appears again in row ' || CAST(d.kept_row AS VARCHAR) || ', which was kept', "
        f"{raw_json} FROM src JOIN dup_rows d ON d.rid = src.rid",
        {k: v for k, v in params.items() if k.startswith("h")} | {"idc": idc},
    )
    read = con.execute("SELECT count(*) FROM parsed").fetchall()[0][0]
    if con.execute("SELECT count(*) FROM dup_rows").fetchall()[0][0]:
        # Only the kept copy goes on; a delete keeps the rest of `parsed` in file order.
        con.execute("DELETE FROM parsed WHERE source_row IN (SELECT row_no FROM dup_rows)")
    if source.rows_rejected:  # ragged lines: one statement with lists, not one per line
        rejected = source.rows_rejected
        con.execute(
            "INSERT INTO quar SELECT unnest($rows), unnest($columns), unnest($reasons), "
            "unnest($raws)",
            {
                "rows": [r[0] for r in rejected],
                # a register's refusals say `status: ...` like the validation's; ragged
                # lines name no column
                "columns": [
                    c if (c := r[2].split(":", 1)[0]) in _CONTRACT_COLUMNS else None
                    for r in rejected
                ],
                "reasons": [r[2] for r in rejected],
                "raws": [
                    json.dumps(_masked_fields(source.header, mapping, r[1])) for r in rejected
                ],
            },
        )
    # The raw cells are no longer needed: free them before the merge needs memory.
    objects = dict(
        con.execute(
            "SELECT table_name, table_type FROM information_schema.tables "
            "WHERE table_name IN ('src', 'src0')"
        ).fetchall()
    )
    for name in ("src", "src0"):  # views first, then what they read
        if name in objects:
            what = "VIEW" if objects[name] == "VIEW" else "TABLE"
            con.execute(f"DROP {what} {name}")  # noqa: S608 - fixed names
    return kind, int(read) + len(source.rows_rejected), ignored


def _masked_fields(header: list[str], mapping: dict[str, int], fields: list[str]) -> dict:
    """A ragged line as a dict for quarantine, like `_validation_sql`'s JSON: the cells
    of the columns the import uses, then the cells beyond the header (`_extra_1`, ...),
    which may be the shifted ignored columns, so every digit run in them is masked."""
    out: dict[str, Any] = {}
    canonical_at = {pos: c for c, pos in mapping.items()}
    for i, value in enumerate(fields):
        if i >= len(header):
            out[f"_extra_{i - len(header) + 1}"] = pii.mask_digits(value)
        elif i in canonical_at:
            column = canonical_at[i]
            if column == "nik":
                value = pii.mask_nik(value)
            elif column == "phone":
                value = pii.mask_phone(value)
            else:
                value = pii.mask_digits(value)
            out[header[i]] = value
    return out


def _value_columns(kind: str) -> list[str]:
    """The stored columns that carry the row's values (not where or when it came from)."""
    return [c for c in _STORE_COLUMNS[kind] if c not in ("import_id", "source_row")]


def _merge(
    priv: duckdb.DuckDBPyConnection,
    kind: str,
    file_name: str,
    rows_read: int,
    content_hash: str | None,
    actor: roles.Actor,
    started_at: datetime,
    ignored: list[str],
    dry_run: bool = False,
) -> ImportResult:
    """One transaction on the store: rows, quarantine, ledger, data version.

    The store is attached to the private database, so the staged rows go in table to
    table (no copy through Python); temp views name them from inside the store's catalog.
    A dry run does all of it, counts, and rolls the transaction back: the numbers are
    exactly those a real import would give, and the store file is left byte for byte.
    """
    idc = ID_COLUMN[kind]
    cols = _STORE_COLUMNS[kind]
    staged = [c for c in cols if c != "import_id"]
    priv.execute(
        f"CREATE TEMP VIEW stage AS SELECT {', '.join(staged)} FROM memory.main.parsed WHERE ok"  # noqa: S608 - names from _STORE_COLUMNS
    )
    priv.execute("CREATE TEMP VIEW quar_in AS SELECT * FROM memory.main.quar")
    quarantined = int(priv.execute("SELECT count(*) FROM quar").fetchall()[0][0])
    preview_quarantine: list[dict[str, Any]] = []
    preview_dates: tuple[date, date] | None = None
    if dry_run:  # what the upload page shows before anything is written; cheap here
        preview_quarantine = [
            {"row_number": n, "column": c, "reason": r}
            for n, c, r in priv.execute(
                "SELECT row_number, column_name, reason FROM quar "
                "ORDER BY row_number NULLS LAST LIMIT 5"
            ).fetchall()
        ]
        day = "received_date" if kind == "requests" else "scheduled_date"
        first, last = priv.execute(f"SELECT min({day}), max({day}) FROM stage").fetchall()[0]  # noqa: S608 - fixed names
        preview_dates = (first, last) if first is not None else None
    with store.attached(priv) as con:
        # A dry run raises _Preview at the end: the transaction rolls back, the count stays.
        with contextlib.suppress(_Preview), store.transaction(con):
            import_id = int(con.execute("SELECT nextval('import_seq')").fetchall()[0][0])
            # Each staged row: new, the same as stored (unchanged) or changed. Values are
            # compared column by column, and only for IDs the store already has.
            same = " AND ".join(f"s.{c} IS NOT DISTINCT FROM e.{c}" for c in _value_columns(kind))
            con.execute(
                f"CREATE TEMP TABLE cls AS SELECT s.{idc} AS rid, CASE WHEN e.{idc} IS NULL "  # noqa: S608 - kind/idc/columns allow-listed
                f"THEN 'new' WHEN {same} THEN 'same' ELSE 'changed' END AS state "
                f"FROM stage s LEFT JOIN {kind} e ON e.{idc} = s.{idc}"
            )
            inserted, updated, unchanged = con.execute(
                "SELECT count(*) FILTER (state = 'new'), count(*) FILTER (state = 'changed'), "
                "count(*) FILTER (state = 'same') FROM cls"
            ).fetchall()[0]
            all_new = updated == 0 and unchanged == 0
            # Requests whose closed_date may change: those written now, and for
            # appointments the requests served by a `recorded` one (only those close a
            # request), as written now and as replaced.
            if kind == "requests":
                touched = "SELECT rid AS request_id FROM cls WHERE state <> 'same'"
            elif all_new:
                touched = "SELECT request_id FROM stage WHERE status = 'recorded'"
            else:
                touched = (
                    "SELECT s.request_id FROM stage s JOIN cls c ON c.rid = s.appointment_id "
                    "WHERE c.state <> 'same' AND s.status = 'recorded' "
                    "UNION SELECT a.request_id FROM appointments a "
                    "JOIN cls c ON c.rid = a.appointment_id "
                    "WHERE c.state = 'changed' AND a.status = 'recorded'"
                )
            con.execute(f"CREATE OR REPLACE TEMP TABLE touched_requests AS {touched}")  # noqa: S608 - fixed text
            if updated:
                con.execute(
                    f"DELETE FROM {kind} WHERE {idc} IN "  # noqa: S608 - allow-listed
                    "(SELECT rid FROM cls WHERE state = 'changed')"
                )
            select_cols = ", ".join("$import_id" if c == "import_id" else f"s.{c}" for c in cols)
            # All new (the usual first load of a file): no join needed to pick the rows.
            only_new = (
                "" if all_new else (f" JOIN cls c ON c.rid = s.{idc} WHERE c.state <> 'same'")
            )
            # In file order: rows written out of order cost DuckDB 0.4 s more per 1M rows
            # here and a further 1.2 s rewriting them at the next checkpoint.
            con.execute(
                f"INSERT INTO {kind} ({', '.join(cols)}) SELECT {select_cols} FROM stage s"  # noqa: S608
                + only_new
                + " ORDER BY s.source_row",
                {"import_id": import_id},
            )
            con.execute(
                "INSERT INTO quarantine SELECT $import_id, $file, $kind, row_number, "
                "column_name, reason, raw, now() FROM quar_in",
                {"import_id": import_id, "file": file_name, "kind": kind},
            )
            store.refresh_closed_dates(con, "touched")
            con.execute("DROP TABLE touched_requests")
            orphans, warnings = _import_findings(con, kind, import_id)
            con.execute(
                "INSERT INTO imports (import_id, file_name, content_hash, kind, rows_read, "
                "inserted, updated, unchanged, quarantined, orphans, warnings, imported_by, "
                "started_at, finished_at, ignored) VALUES ($id, $file, $hash, $kind, $read, "
                "$ins, $upd, $unch, $quar, $orph, $warn, $by, $started, now(), $ignored)",
                {
                    "id": import_id,
                    "file": file_name,
                    "hash": content_hash,
                    "kind": kind,
                    "read": rows_read,
                    "ins": inserted,
                    "upd": updated,
                    "unch": unchanged,
                    "quar": quarantined,
                    "orph": orphans,
                    "warn": warnings,
                    "by": actor.username,
                    "started": started_at,
                    "ignored": ignored,
                },
            )
            store.bump_data_version(con)
            if dry_run:
                raise _Preview
    return ImportResult(
        import_id=import_id,
        file_name=file_name,
        kind=kind,
        rows_read=rows_read,
        inserted=int(inserted),
        updated=int(updated),
        unchanged=int(unchanged),
        quarantined=quarantined,
        orphans=orphans,
        warnings=warnings,
        ignored=ignored,
        dry_run=dry_run,
        preview_quarantine=preview_quarantine,
        preview_dates=preview_dates,
    )


def _warnings_from(rows: str, keep: str = "") -> str:
    """The warnings among `rows` (appointment_id, request_id, recorded_at, checked_in_at,
    received_at): appointments visited/recorded before their request came in. `keep`:
    columns of `rows` passed on in front (`sheet, part, `; register_batch.py)."""
    return f"""
        SELECT {keep}CASE WHEN recorded_at < received_at THEN 'recorded_before_received'
                    ELSE 'checked_in_before_received' END AS kind,
               appointment_id, request_id, received_at,
               CASE WHEN recorded_at < received_at THEN recorded_at
                    ELSE checked_in_at END AS happened_at
        FROM {rows}
        WHERE recorded_at < received_at OR checked_in_at < received_at
    """  # noqa: S608 - table names and SQL from this module only


def _warnings_sql(appointments: str = "appointments", requests: str = "requests") -> str:
    """Appointments visited/recorded before their request came in (loaded, but suspect).

    The sources are table names from this module (the store's, or this import's
    `stage`), so an import only joins its own rows, not the whole store.
    """
    return _warnings_from(
        "(SELECT a.appointment_id, a.request_id, a.recorded_at, a.checked_in_at, r.received_at "  # noqa: S608
        f"FROM {appointments} a JOIN {requests} r USING (request_id))"
    )


_WARNINGS_SQL = _warnings_sql()


def _import_findings(con: duckdb.DuckDBPyConnection, kind: str, import_id: int) -> tuple[int, int]:
    """Orphans among this file's appointments; cross-row warnings touching this file."""
    if kind == "appointments":
        # One join finds both: appointments without their request, and those whose
        # request came in after they happened.
        con.execute(
            "CREATE TEMP TABLE findings AS SELECT a.appointment_id, a.request_id, "
            "a.recorded_at, a.checked_in_at, r.received_at "
            "FROM stage a LEFT JOIN requests r USING (request_id) "
            "WHERE r.received_at IS NULL OR a.recorded_at < r.received_at "
            "OR a.checked_in_at < r.received_at"
        )
        orphans = con.execute("SELECT count(*) FROM findings WHERE received_at IS NULL").fetchall()[
            0
        ][0]
        found = _warnings_from("findings")
    else:
        orphans = 0
        found = _warnings_sql(requests="stage")
    con.execute(
        "INSERT INTO import_warnings SELECT $import_id, w.kind, w.appointment_id, "  # noqa: S608 - fixed SQL
        "'appointment ' || w.appointment_id || ' of request ' || w.request_id || ': ' || "
        "replace(w.kind, '_', ' ') || ' (' || strftime(w.happened_at, '%Y-%m-%d %H:%M') || "
        "' < ' || strftime(w.received_at, '%Y-%m-%d %H:%M') || ')' "
        f"FROM ({found}) w",
        {"import_id": import_id},
    )
    if kind == "appointments":
        con.execute("DROP TABLE findings")
    warnings = con.execute(
        "SELECT count(*) FROM import_warnings WHERE import_id = ?", [import_id]
    ).fetchone()[0]
    return int(orphans), int(warnings)


#: Work folders under `$DASHBOARD_HOME/tmp`: an import's, and an uploaded file's copy.
WORK_PREFIXES = ("ingest-", "upload-")


def sweep_stale(tmp_root: Path, max_age_s: float = 86_400) -> None:
    """Remove work folders left by imports or uploads killed mid-way (a crash cannot run
    `finally`, and an upload folder holds the raw file with its personal data)."""
    cutoff = time_module.time() - max_age_s
    for folder in (f for prefix in WORK_PREFIXES for f in tmp_root.glob(f"{prefix}*")):
        try:
            if folder.stat().st_mtime < cutoff:
                shutil.rmtree(folder, ignore_errors=True)
        except OSError:
            pass  # another import removed it first


def _run(
    loader: Callable[[duckdb.DuckDBPyConnection, Path], _Source],
    kind: str | None,
    file_name: str,
    actor: roles.Actor,
    progress: Progress | None,
    *,
    columns: mapping_mod.ColumnMapping | None = None,
    dry_run: bool = False,
) -> ImportResult:
    started_at = datetime.now(UTC)
    clock = time_module.perf_counter()
    report = progress or (lambda _f, _m: None)
    tmp_root = config.home() / "tmp"
    tmp_root.mkdir(parents=True, exist_ok=True)
    sweep_stale(tmp_root)
    tmp = Path(tempfile.mkdtemp(prefix=f"ingest-{uuid.uuid4().hex[:8]}-", dir=tmp_root))
    priv = _private_connection(tmp)
    try:
        report(0.05, f"reading {file_name}")
        source = loader(priv, tmp)
        report(0.35, "checking every row")
        kind, rows_read, ignored = _stage(priv, source, kind, columns)
        report(0.7, "comparing with the store" if dry_run else "saving to the store")
        result = _merge(
            priv,
            kind,
            file_name,
            rows_read,
            source.content_hash,
            actor,
            started_at,
            ignored,
            dry_run,
        )
        result.seconds = time_module.perf_counter() - clock
        result.skipped = source.skipped
        report(1.0, result.summary_line())
        return result
    finally:
        priv.close()
        shutil.rmtree(tmp, ignore_errors=True)


# ---------------------------------------------------------------------------- public API


def ingest_file(
    path: str | Path,
    kind: str | None = None,
    *,
    actor: roles.Actor,
    display_name: str | None = None,
    progress: Progress | None = None,
    columns: mapping_mod.ColumnMapping | None = None,
    dry_run: bool = False,
) -> ImportResult:
    """Import one log file (CSV, XLSX or Parquet) into the store.

    `kind` (requests/appointments) is taken from the header when not given.
    `display_name` is the name recorded in the ledger (an uploaded file's own name).
    `columns` is a column mapping (dashboard/mapping.py); without it, one saved for this
    header is used. `dry_run` previews: the same result, nothing written.
    Raises IngestError (one line) when the file is refused whole; the store is then
    unchanged.
    """
    roles.require(actor, "import")
    path = Path(path)
    name = display_name or path.name
    if not path.is_file():
        raise IngestError(f"{path} does not exist or is not a file")
    fmt = _detect_format(path)

    def loader(con: duckdb.DuckDBPyConnection, tmp: Path) -> _Source:
        if fmt == "parquet":
            return _load_parquet(con, path)
        if fmt == "xlsx":
            return _load_xlsx(con, path)
        return _load_csv(con, path, tmp)

    return _run(loader, kind, name, actor, progress, columns=columns, dry_run=dry_run)


@dataclass
class SheetSkipped:
    """A sheet of a workbook that holds no log (empty, or no header the import knows):
    reported in the summary, not an error, when every sheet is imported."""

    file_name: str
    sheet: str
    reason: str

    def summary_line(self) -> str:
        return f"{self.file_name}: skipped: {self.reason}"


def ingest_path(
    path: str | Path,
    kind: str | None = None,
    *,
    actor: roles.Actor,
    sheets: Sequence[str] | None = None,
    display_name: str | None = None,
    progress: Progress | None = None,
    columns: mapping_mod.ColumnMapping | None = None,
    dry_run: bool = False,
) -> list[ImportResult | SheetSkipped]:
    """Import a file: a CSV or Parquet file as one import, a workbook sheet by sheet.

    Every sheet of a workbook is imported, each as its own import (its own ledger row,
    named `book.xlsx [Juni]`; a register sheet as two, `... (requests)` and
    `... (appointments)`), unless `sheets` names some. A log sheet is one transaction;
    register sheets in a row are one (register_batch.py), with the same numbers as one
    by one. A sheet that holds no log is reported as SheetSkipped; a sheet named in
    `sheets` must import.
    IngestError (one line) when the file is refused whole: not readable, over a limit,
    a named sheet missing or refused, or no sheet holding a log at all.
    """
    roles.require(actor, "import")
    path = Path(path)
    name = display_name or path.name
    if not path.is_file():
        raise IngestError(f"{path} does not exist or is not a file")
    options = {"columns": columns, "dry_run": dry_run}
    if kind == REGISTER and columns is not None:
        raise IngestError(
            "a column mapping is for the two logs; a register's columns are known by their "
            "names (CONTRACT 1.5): leave out --mapping"
        )
    fmt = _detect_format(path)
    if fmt != "xlsx":
        if sheets:
            raise IngestError(f"{name} is not a workbook (.xlsx): leave out --sheet")
        if fmt == "csv" and _wants_register(kind, columns, lambda: _csv_rows(path, head=True)):
            return list(
                _ingest_register(
                    _csv_rows(path), name, actor, progress, dry_run, content_hash=_file_hash(path)
                )
            )
        if kind == REGISTER:
            raise IngestError(f"{name}: a register is read from a workbook (.xlsx) or a CSV file")
        return [
            ingest_file(path, kind, actor=actor, display_name=name, progress=progress, **options)
        ]
    from dashboard import workbook

    # Register sheets wait in `batch` (one import of all, register_batch.py) until a log
    # sheet or the end comes; their place in `results` holds their label until then.
    results: list[ImportResult | SheetSkipped | str] = []
    batch: list[tuple[str, register.Register]] = []
    prepared: dict[int, register_batch.Prepared] = {}  # their rows as arrays, made ahead

    # Once a register is read, the store is opened in a thread while the other sheets are
    # (register_batch.open_store_meanwhile); joined before anything else opens it.
    opening: list[threading.Thread] = []

    def flush() -> None:
        for thread in opening:
            thread.join()
        if not batch:
            return
        done = register_batch.import_registers(
            batch, actor, progress, dry_run, content_hash=content_hash, prepared=prepared
        )
        prepared.clear()
        parts = iter(done)
        for label, reg in batch:
            at = results.index(label)
            results[at : at + 1] = list(itertools.islice(parts, 2 if reg.has_appointments else 1))
        batch.clear()

    try:
        with workbook.Workbook(path, start_reader=True) as book, register_batch.gc_paused():
            available = [s.name for s in book.sheets]
            missing = [s for s in sheets or () if s not in available]
            if missing:
                raise IngestError(
                    f"{name} has no sheet named {pii.mask_digits(missing[0])!r} "
                    f"(its sheets: {', '.join(available)})"
                )
            content_hash = _file_hash(path)
            book.prefetch(sheets or available)
            for sheet in sheets or available:
                label = f"{name} [{sheet}]" if len(available) > 1 else name
                try:
                    done = _import_sheet(
                        book,
                        path,
                        sheet,
                        label,
                        kind,
                        actor,
                        progress,
                        content_hash,
                        options,
                        flush,
                    )
                except IngestError as exc:
                    if sheets:
                        raise
                    results.append(SheetSkipped(label, sheet, str(exc)))
                    continue
                if isinstance(done, register.Register):
                    batch.append((label, done))
                    prepared.update(register_batch.prepare(done))
                    results.append(label)
                    if not opening:
                        opening.append(register_batch.open_store_meanwhile())
                else:
                    results.extend(done)
            flush()
    except workbook.WorkbookError as exc:
        raise IngestError(str(exc)) from None
    finally:
        for thread in opening:
            thread.join()
    if not any(isinstance(r, ImportResult) for r in results):
        reasons = "; ".join(f"{r.sheet}: {r.reason}" for r in results)  # type: ignore[union-attr]
        raise IngestError(f"{name}: no sheet holds a requests or appointments log ({reasons})")
    return results  # type: ignore[return-value] - every label was replaced by flush()


def _import_sheet(
    book: workbook.Workbook,
    path: Path,
    sheet: str,
    label: str,
    kind: str | None,
    actor: roles.Actor,
    progress: Progress | None,
    content_hash: str,
    options: dict[str, Any],
    flush: Callable[[], None],
) -> list[ImportResult] | register.Register:
    """One sheet: a register (told, or seen in its first rows) read as one, for the
    caller to import with the other register sheets; else one log, imported here after
    `flush()` has imported the registers before it (imports stay in sheet order). The
    sheet is read once: its first rows are looked at, then read on from there."""
    from dashboard import workbook

    rows = book.rows(sheet)
    try:
        try:
            head = list(itertools.islice(rows, register.HEADER_SEARCH_ROWS))
            if _wants_register(kind, options["columns"], lambda: head):
                return register.read(itertools.chain(head, rows), label)
        except workbook.WorkbookError as exc:
            raise IngestError(str(exc)) from None
        except register.RegisterError as exc:
            raise IngestError(str(exc)) from None

        def loader(con: duckdb.DuckDBPyConnection, _tmp: Path) -> _Source:
            chained = itertools.chain(head, rows)
            return _load_xlsx(con, path, sheet, book, content_hash, rows=chained)

        flush()
        return [_run(loader, kind, label, actor, progress, **options)]
    finally:
        # A sheet left half-read would leave the reader sending rows nobody reads.
        rows.close()


def _wants_register(
    kind: str | None,
    columns: mapping_mod.ColumnMapping | None,
    head: Callable[[], Sequence[tuple[int, Sequence[Any]]]],
) -> bool:
    """Whether to read a sheet as a register: told so, or (nothing told) its first rows
    `head()` are a register's and its header is not one confirmed as a log's mapping."""
    if kind == REGISTER:
        return True
    if kind is not None or columns is not None:
        return False

    rows = head()
    if not register.is_register(rows):
        return False
    first = next((cells for _n, cells in rows if any(_cell_text(c) for c in cells)), [])
    return mapping_mod.saved_for([_cell_text(c) or "" for c in first]) is None


# The C0 controls but tab, LF and CR, and DEL, as `str.translate` removes them.
_CONTROL_CHARS = dict.fromkeys(_CONTROL_BYTES)


def _csv_rows(path: Path, head: bool = False) -> list[tuple[int, list[str]]]:
    """A register saved as CSV as (row number, cells): UTF-8 (BOM or not), else
    Windows-1252. `head`: only the first 64 KiB, to tell whether it is a register."""

    with path.open("rb") as fh:
        data = fh.read(1 << 16) if head else fh.read()
    if head:
        data = data[: data.rfind(b"\n") + 1] or data  # whole lines only
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        if head:  # a character cut at the end, or Windows-1252: either reads well enough
            text = data.decode("utf-8-sig", errors="replace")
        else:
            text = data.decode("cp1252", errors="cp1252_latin1")
    return register.csv_rows(text.translate(_CONTROL_CHARS))


def _ingest_register(
    rows: Sequence[tuple[int, Sequence[Any]]],
    label: str,
    actor: roles.Actor,
    progress: Progress | None,
    dry_run: bool,
    *,
    content_hash: str | None,
) -> list[ImportResult]:
    """A register sheet or CSV (CONTRACT 1.5) as its two parts, `label (requests)` then
    `label (appointments)`, through register_batch.py (one transaction)."""
    with register_batch.gc_paused():
        try:
            reg = register.read(rows, label)
        except register.RegisterError as exc:
            raise IngestError(str(exc)) from None
        return register_batch.import_registers(
            [(label, reg)], actor, progress, dry_run, content_hash=content_hash
        )


def ingest_table(
    table: pd.DataFrame | pa.Table,
    kind: str,
    *,
    source_name: str,
    actor: roles.Actor,
    progress: Progress | None = None,
    dry_run: bool = False,
) -> ImportResult:
    """Import a DataFrame or Arrow table whose columns are the contract's names.

    `dry_run`: everything done and counted, then rolled back (as `ingest_file`)."""
    import pyarrow as pa

    roles.require(actor, "import")
    if kind not in KINDS:
        raise IngestError(f"unknown kind {kind!r}: use requests or appointments")
    arrow = (
        table if isinstance(table, pa.Table) else pa.Table.from_pandas(table, preserve_index=False)
    )
    header = [str(c) for c in arrow.column_names]

    def loader(con: duckdb.DuckDBPyConnection, _tmp: Path) -> _Source:
        _load_arrow(con, arrow, header)
        return _Source(header=header, rows_rejected=[], content_hash=None)

    return _run(loader, kind, source_name, actor, progress, dry_run=dry_run)


# ---------------------------------------------------------------------------- live checks


def orphan_appointments(con: duckdb.DuckDBPyConnection, limit: int = 200) -> pd.DataFrame:
    """Appointments whose request is not in the store (yet), oldest slot first."""
    return con.execute(
        "SELECT a.appointment_id, a.request_id, a.scheduled_date, a.status, a.import_id "
        "FROM appointments a ANTI JOIN requests r USING (request_id) "
        "ORDER BY a.scheduled_date, a.appointment_id LIMIT ?",
        [int(limit)],
    ).df()


def orphan_count(con: duckdb.DuckDBPyConnection) -> int:
    return int(
        con.execute(
            "SELECT count(*) FROM appointments a ANTI JOIN requests r USING (request_id)"
        ).fetchone()[0]
    )


def consistency_warnings(con: duckdb.DuckDBPyConnection, limit: int = 200) -> pd.DataFrame:
    """Loaded rows that contradict each other: visited/recorded before the request came in."""
    return con.execute(
        f"SELECT * FROM ({_WARNINGS_SQL}) ORDER BY received_at, appointment_id LIMIT ?",  # noqa: S608
        [int(limit)],
    ).df()


def consistency_warning_count(con: duckdb.DuckDBPyConnection) -> int:
    return int(con.execute(f"SELECT count(*) FROM ({_WARNINGS_SQL})").fetchone()[0])  # noqa: S608


def recent_imports(con: duckdb.DuckDBPyConnection, limit: int = 50) -> pd.DataFrame:
    """The import ledger, newest first (for the upload page)."""
    return con.execute(
        "SELECT import_id, file_name, kind, rows_read, inserted, updated, unchanged, "
        "quarantined, orphans, warnings, imported_by, started_at, finished_at "
        "FROM imports ORDER BY import_id DESC LIMIT ?",
        [int(limit)],
    ).df()


def quarantine_rows(
    con: duckdb.DuckDBPyConnection, import_id: int | None = None, limit: int = 500
) -> pd.DataFrame:
    """Refused rows (already masked), for the data-quality page."""
    return con.execute(
        "SELECT import_id, file_name, kind, row_number, column_name, reason, raw "
        "FROM quarantine WHERE $id IS NULL OR import_id = $id "
        "ORDER BY import_id DESC, row_number LIMIT $limit",
        {"id": import_id, "limit": int(limit)},
    ).df()
