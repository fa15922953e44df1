"""XLSX workbooks read with limits, so that no uploaded file can take the server down.

calamine (python-calamine) is fast, but it builds each sheet as one dense block from
the first to the last cell it finds, and a Rust allocation failure aborts the whole
process: a 1.5 KB file with cells at A1 and XFD1048576 asks for 512 GiB and kills the
dashboard for everyone. So a workbook is read in three steps:

1. The archive is checked here, with the standard library, before calamine sees it:
   at most MAX_ZIP_ENTRIES entries, only stored/deflated entries, and every entry is
   inflated (and thrown away) while counting, so the archive unpacks to at most
   MAX_UNZIPPED_BYTES whatever its headers claim (a zip bomb stops at the limit, after
   about a second). The sheet list and each sheet's declared `<dimension>` are taken
   on the way, so a sheet that *declares* too many rows or columns is refused before
   anything is read.
2. The cells are read by calamine in a child process (this file run as a script) whose
   address space is capped at READER_MEMORY_BYTES and CPU time at READER_CPU_SECONDS.
   A declared dimension can lie or be missing; the true extent is what calamine finds,
   and if that does not fit, the child dies instead of the server and the sheet is
   refused. Once the sheet is loaded the child checks its true extent against the same
   cell and column limits before sending anything.
3. The child streams the rows (control characters removed from text) back in batches;
   the parent works on one batch while the child reads the next. The sheets to be read
   can be named ahead (`prefetch`): the child then parses the next sheet while the
   parent works on this one (the pipe is widened so that a sheet's first batches fit).
   The child applies the cell limits itself before sending a sheet, with the same
   function and running total as the parent, so no round trip is needed per sheet.

Why a child process and not a scan of the sheet XML: calamine places a cell from its
`r` attribute, or by counting when `r` is missing, and sizes the block from the first
and last cells it keeps; a scan that copies those rules costs as much as calamine's own
parse (0.35 s per million cells here, in Python) and breaks silently when calamine
changes. A memory limit holds whatever calamine does. Measured on a generated
12-sheet, 50,000-row, 20-column register: see bench/RESULTS.md ("Workbook reader").

Every refusal is a `WorkbookError` whose text is one line naming the limit and what to
do. Limits apply per sheet (cells, columns) and per workbook (sheets, zip entries,
unpacked bytes, cells of all sheets read).
"""

from __future__ import annotations

import contextlib
import datetime
import fcntl
import itertools
import json
import pickle
import posixpath
import re
import struct
import subprocess
import sys
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from html import unescape
from pathlib import Path
from typing import Any, NamedTuple
from xml.etree import ElementTree

#: Sheets in one workbook (a register keeps one a month: eight years fit).
MAX_SHEETS = 100
#: Files inside the XLSX archive (a sheet brings two or three; Excel adds about ten).
MAX_ZIP_ENTRIES = 1_000
#: Bytes the whole archive may unpack to (a 1,000,000-cell sheet is about 50 MB of XML).
MAX_UNZIPPED_BYTES = 512 * 2**20
#: Columns of one sheet, counted from column A (Excel allows 16,384; a log has ~20).
MAX_COLUMNS = 1_000
#: Rows x columns of one sheet, counted from cell A1 (what a dense read allocates).
MAX_SHEET_CELLS = 5_000_000
#: Rows x columns of all sheets read from one workbook.
MAX_WORKBOOK_CELLS = 20_000_000
#: Address space of the process that runs calamine (a full-size sheet needs ~0.5 GiB).
READER_MEMORY_BYTES = 2 * 2**30
#: CPU seconds that process may use.
READER_CPU_SECONDS = 300

_FIX_EXTENT = "delete the empty rows and columns below and right of the table and save again"
_BATCH_ROWS = 2_000
_PIPE_BYTES = 1 << 20  # Linux's default pipe-max-size: the next sheet's first batches
_HEAD_BYTES = 64 * 1024  # a sheet's <dimension> comes before its cells
_SMALL_XML_BYTES = 8 * 2**20  # workbook.xml and its relationships
_CHUNK = 1 << 20
# Control characters (Unicode Cc) other than tab, LF and CR.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_DIMENSION = re.compile(
    rb"<(?:[A-Za-z_][\w.-]*:)?dimension\b[^>]*?\bref\s*=\s*[\"']"
    rb"\$?([A-Za-z]{1,7})\$?([0-9]{1,10})(?::\$?([A-Za-z]{1,7})\$?([0-9]{1,10}))?"
)


class WorkbookError(ValueError):
    """A workbook (or one of its sheets) refused; `str(e)` is one line saying what to fix."""


@dataclass(frozen=True)
class SheetInfo:
    """One sheet as the workbook declares it: rows and columns counted from A1
    (None when the sheet declares no dimension; the true extent is checked on reading)."""

    name: str
    rows: int | None
    cols: int | None


class Row(NamedTuple):
    """A non-empty row: its number as the spreadsheet shows it (1 = the first row) and its
    cell values from column A, as calamine gives them: "" for an empty cell, else str
    (control characters other than tab, CR and LF removed), float, int, bool, datetime,
    date, time or timedelta."""

    number: int
    cells: list[Any]


def _column_number(letters: str) -> int:
    number = 0
    for ch in letters.upper():
        number = number * 26 + ord(ch) - 64
    return number


def _limit_error(label: str, sheet: str, rows: int, cols: int, cells_before: int) -> str | None:
    """Why a sheet of `rows` x `cols` (as read) is refused after `cells_before` cells of
    the workbook were read; None when it is not. The parent and the child both ask."""
    error = _extent_error(label, sheet, "has", rows, cols)
    if error is None and cells_before + rows * cols > MAX_WORKBOOK_CELLS:
        error = (
            f"{label}: the sheets read so far hold more than "
            f"{MAX_WORKBOOK_CELLS:,} cells (the limit for a workbook); "
            "split the workbook or delete empty rows and columns"
        )
    return error


def _extent_error(label: str, sheet: str, verb: str, rows: int, cols: int) -> str | None:
    size = f"{rows:,} rows x {cols:,} columns"
    if cols > MAX_COLUMNS:
        return (
            f"{label}: sheet {sheet!r} {verb} {size} (over the limit of {MAX_COLUMNS:,} "
            f"columns); {_FIX_EXTENT}"
        )
    if rows * cols > MAX_SHEET_CELLS:
        return (
            f"{label}: sheet {sheet!r} {verb} {size} (over the limit of "
            f"{MAX_SHEET_CELLS:,} cells); {_FIX_EXTENT}"
        )
    return None


# ---------------------------------------------------------------- the archive


def _entry_chunks(raw: Any, info: zipfile.ZipInfo, budget: int, label: str) -> Iterator[bytes]:
    """The entry's unpacked bytes, at most `budget` of them in all (else WorkbookError).

    Inflates the compressed bytes directly rather than through `ZipFile.open`, which
    trusts the sizes in the headers: a bomb can declare a small size."""
    raw.seek(info.header_offset)
    head = raw.read(30)
    if len(head) < 30 or head[:4] != b"PK\x03\x04":
        raise WorkbookError(f"{label} could not be read as XLSX (a damaged archive); {_RESAVE}")
    name_len, extra_len = struct.unpack("<HH", head[26:30])
    raw.seek(info.header_offset + 30 + name_len + extra_len)
    left = info.compress_size
    inflater = zlib.decompressobj(-15) if info.compress_type == zipfile.ZIP_DEFLATED else None
    produced = 0
    while left > 0:
        data = raw.read(min(left, _CHUNK))
        if not data:
            break
        left -= len(data)
        while data:
            if inflater is None:
                out, data = data, b""
            else:
                # Bounded output per call: a megabyte of zeros inflates to a gigabyte.
                out = inflater.decompress(data, _CHUNK)
                data = inflater.unconsumed_tail
            produced += len(out)
            if produced > budget:
                raise WorkbookError(
                    f"{label} unpacks to more than {MAX_UNZIPPED_BYTES // 2**20:,} MB "
                    "(over the limit for a workbook); save only the sheets with the log, "
                    "or export them as CSV"
                )
            yield out


_RESAVE = "save it again from Excel as .xlsx or CSV"


def _attrs(element: ElementTree.Element) -> dict[str, str]:
    """Attributes by local name (`r:id` and `{ns}id` both become `id`)."""
    return {key.rsplit("}", 1)[-1]: value for key, value in element.attrib.items()}


def _local(element: ElementTree.Element) -> str:
    return element.tag.rsplit("}", 1)[-1]


def _parse_small(data: bytes) -> ElementTree.Element | None:
    try:
        return ElementTree.fromstring(data)  # noqa: S314 - bounded size; expat limits entity expansion
    except ElementTree.ParseError:
        return None


def _relationships(data: bytes | None, base: str) -> dict[str, str]:
    root = _parse_small(data) if data else None
    if root is None:
        return {}
    out = {}
    for rel in root.iter():
        attrs = _attrs(rel)
        if _local(rel) == "Relationship" and "Id" in attrs and "Target" in attrs:
            target = attrs["Target"]
            path = target.lstrip("/") if target.startswith("/") else posixpath.join(base, target)
            out[attrs["Id"]] = posixpath.normpath(path)
    return out


def _declared(head: bytes | None) -> tuple[int | None, int | None]:
    """Rows and columns from A1 to the end of the sheet's `<dimension ref>`, if any."""
    match = _DIMENSION.search(head or b"")
    if not match:
        return None, None
    col, row = (match.group(3), match.group(4)) if match.group(3) else match.group(1, 2)
    return int(row), _column_number(col.decode())


def _count_entries(path: Path) -> int | None:
    """The entry count of the archive's end record, read before `zipfile` builds one
    object per entry (millions of tiny entries would cost gigabytes). None: no record."""
    with path.open("rb") as raw:
        raw.seek(0, 2)
        size = raw.tell()
        raw.seek(max(0, size - 65_557))  # the end record (22 bytes) and a comment (<64 KB)
        tail = raw.read()
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) < at + 22:
        return None
    entries, directory_bytes = struct.unpack("<HI", tail[at + 10 : at + 16])
    # 0xFFFF: the count is in a Zip64 record, which no workbook needs; a directory far
    # larger than its count allows (an entry takes ~50-300 bytes) hides more entries.
    if entries == 0xFFFF or directory_bytes > MAX_ZIP_ENTRIES * 1024:
        return max(entries, MAX_ZIP_ENTRIES + 1)
    return entries


def _scan_archive(path: Path, label: str) -> tuple[list[SheetInfo], dict[str, str]]:
    """Check the archive's limits; the sheets it declares and each sheet's XML path."""
    entries = _count_entries(path)
    if entries is not None and entries > MAX_ZIP_ENTRIES:
        raise WorkbookError(
            f"{label} holds {entries:,} files inside (over the limit of "
            f"{MAX_ZIP_ENTRIES:,} for a workbook); {_RESAVE}"
        )
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError) as exc:
        raise WorkbookError(
            f"{label} could not be read as XLSX ({type(exc).__name__}); {_RESAVE}"
        ) from exc
    with archive:
        infos = archive.infolist()
    if len(infos) > MAX_ZIP_ENTRIES:
        raise WorkbookError(
            f"{label} holds {len(infos):,} files inside (over the limit of "
            f"{MAX_ZIP_ENTRIES:,} for a workbook); {_RESAVE}"
        )
    kept: dict[str, bytes] = {}  # the small XML files we parse, and the head of each sheet
    budget = MAX_UNZIPPED_BYTES
    with path.open("rb") as raw:
        for info in infos:
            if info.flag_bits & 0x1:
                raise WorkbookError(f"{label} is encrypted: remove the password and save again")
            if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                raise WorkbookError(f"{label} uses a compression Excel does not write; {_RESAVE}")
            name = info.filename
            small = name.endswith((".rels", "workbook.xml"))
            keep = _SMALL_XML_BYTES if small else _HEAD_BYTES
            parts: list[bytes] = []
            held = 0
            try:
                for chunk in _entry_chunks(raw, info, budget, label):
                    budget -= len(chunk)
                    if held < keep:
                        parts.append(chunk[: keep - held])
                        held += len(parts[-1])
            except zlib.error as exc:
                raise WorkbookError(
                    f"{label} could not be read as XLSX (a damaged archive); {_RESAVE}"
                ) from exc
            kept[name] = b"".join(parts)

    root_rels = _relationships(kept.get("_rels/.rels"), "")
    book_path = next(
        (p for p in root_rels.values() if p.endswith("workbook.xml") and p in kept),
        "xl/workbook.xml",
    )
    book_dir = posixpath.dirname(book_path)
    rels = _relationships(
        kept.get(posixpath.join(book_dir, "_rels", posixpath.basename(book_path) + ".rels")),
        book_dir,
    )
    root = _parse_small(kept.get(book_path, b""))
    if root is None:
        raise WorkbookError(f"{label} could not be read as XLSX (no workbook part); {_RESAVE}")
    sheets: list[SheetInfo] = []
    paths: dict[str, str] = {}
    for element in root.iter():
        if _local(element) != "sheet":
            continue
        attrs = _attrs(element)
        name = unescape(attrs.get("name", ""))
        part = rels.get(attrs.get("id", ""), "")
        rows, cols = _declared(kept.get(part))
        sheets.append(SheetInfo(name, rows, cols))
        paths[name] = part
    if len(sheets) > MAX_SHEETS:
        raise WorkbookError(
            f"{label} has {len(sheets):,} sheets (over the limit of {MAX_SHEETS:,}); "
            "save the sheets with the log in a workbook of their own"
        )
    if not sheets:
        raise WorkbookError(f"{label} has no sheets; {_RESAVE}")
    return sheets, paths


# ---------------------------------------------------------------- the workbook


class Workbook:
    """An XLSX file opened for reading with limits; use as a context manager.

    `sheets` lists every sheet as declared (checked against the limits only when read);
    `rows(name)` reads one sheet. One reader process serves all sheets of the workbook
    and ends with `close()`. `prefetch(names)` tells it which sheets will be read, in
    that order, so that it reads ahead. `start_reader`: start the reader process while
    the archive is checked (its interpreter start off the clock); it opens the file
    only when asked for a sheet, after the checks have passed.
    """

    def __init__(
        self, path: str | Path, label: str | None = None, *, start_reader: bool = False
    ) -> None:
        self.path = Path(path)
        self.label = label or self.path.name
        self._proc: subprocess.Popen[bytes] | None = None
        self._cells = 0
        self._pending: list[str] = []  # sheets asked of the reader, not yet read here
        if start_reader:
            self._reader()
        try:
            self.sheets, self._parts = _scan_archive(self.path, self.label)
        except BaseException:
            self.close(kill=True)
            raise

    def __enter__(self) -> Workbook:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def _reader(self) -> subprocess.Popen[bytes]:
        if self._proc is None:
            # -P: the script's folder (dashboard/) must not shadow standard modules.
            self._proc = subprocess.Popen(  # noqa: S603 - our own script, no shell
                [sys.executable, "-P", str(Path(__file__).resolve()), str(self.path)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,  # calamine's messages name paths; ours are one line
            )
            assert self._proc.stdout is not None
            with contextlib.suppress(OSError, AttributeError):  # Linux only; an optimisation
                fcntl.fcntl(self._proc.stdout.fileno(), fcntl.F_SETPIPE_SZ, _PIPE_BYTES)
        return self._proc

    def _declared_error(self, name: str) -> str | None:
        info = next((s for s in self.sheets if s.name == name), None)
        if info is None:
            return f"{self.label} has no sheet {name!r}"
        if info.rows is not None and info.cols is not None:
            return _extent_error(self.label, name, "declares", info.rows, info.cols)
        return None

    def _ask(self, name: str) -> None:
        proc = self._reader()
        assert proc.stdin is not None
        try:
            proc.stdin.write(json.dumps(name).encode() + b"\n")
            proc.stdin.flush()
        except OSError:
            pass  # the reader died; _receive says so
        self._pending.append(name)

    def prefetch(self, names: list[str]) -> None:
        """Ask the reader for these sheets now, to be read with `rows()` in this order
        (those refused by their declared size are left out; `rows()` says why)."""
        for name in names:
            if self._declared_error(name) is None:
                self._ask(name)

    def _receive(self, sheet: str) -> tuple:
        proc = self._reader()
        assert proc.stdout is not None
        try:
            return pickle.load(proc.stdout)  # noqa: S301 - written by our own child process
        except (EOFError, pickle.UnpicklingError):
            code = proc.wait()
            self.close(kill=True)
            raise WorkbookError(
                f"{self.label}: sheet {sheet!r} could not be read within the reader's "
                f"limit of {READER_MEMORY_BYTES // 2**30} GiB of memory and "
                f"{READER_CPU_SECONDS} s (exit {code}; a cell far below or right of the "
                f"table?); {_FIX_EXTENT}"
            ) from None

    def rows(self, name: str) -> Iterator[Row]:
        """The non-empty rows of one sheet, top to bottom (WorkbookError past a limit)."""
        error = self._declared_error(name)
        if error:
            raise WorkbookError(error)
        if self._pending[:1] != [name]:
            if self._pending:  # asked ahead for other sheets: start afresh
                self.close(kill=True)
            self._ask(name)
        self._pending.pop(0)
        kind, *payload = self._receive(name)
        if kind == "error":
            raise WorkbookError(f"{self.label}: sheet {name!r} {payload[0]}")
        rows, cols, refused = payload
        error = _limit_error(self.label, name, rows, cols, self._cells)
        if error or refused:
            if not refused:  # the reader counted otherwise and is sending the sheet
                self.close(kill=True)
            raise WorkbookError(error or f"{self.label}: sheet {name!r} is over a limit")
        self._cells += rows * cols
        finished = False
        try:
            while True:
                kind, *payload = self._receive(name)
                if kind == "end":
                    finished = True
                    return
                for number, cells in payload[0]:
                    yield Row(number, cells)
        finally:
            if not finished:
                # Left half-read: the reader is blocked on batches nobody will read.
                self.close(kill=True)

    def close(self, kill: bool = False) -> None:
        """End the reader process (`kill`: at once, without letting it finish a sheet)."""
        proc, self._proc = self._proc, None
        if proc is None:
            return
        # Sheets asked ahead and not read: the reader would block sending them.
        kill = kill or bool(self._pending)
        self._pending = []
        try:
            if kill:
                proc.kill()
            if proc.stdin:
                proc.stdin.close()
            proc.wait(timeout=5)
        except (OSError, subprocess.TimeoutExpired):
            proc.kill()
            proc.wait()
        finally:
            if proc.stdout:
                proc.stdout.close()


def sheets(path: str | Path) -> list[SheetInfo]:
    """The sheets of a workbook as it declares them (archive limits checked)."""
    return Workbook(path).sheets


def read_sheet(path: str | Path, name: str | None = None) -> Iterator[Row]:
    """The non-empty rows of one sheet (the first when `name` is None), with limits.

    Reading several sheets? Open a `Workbook` once instead: the archive is checked
    once and one reader process serves them all."""
    with Workbook(path) as book:
        yield from book.rows(book.sheets[0].name if name is None else name)


# ---------------------------------------------------------------- the reader process


_IS_STR = str.__instancecheck__
_MOMENTS = (datetime.datetime, datetime.date, datetime.time)


def _moment_columns(cells: list[Any]) -> list[int]:
    """The positions of the date and time cells of a row (most rows have none or few)."""
    return [i for i, v in enumerate(cells) if v.__class__ in _MOMENTS]


def _send(out: Any, message: tuple) -> None:
    pickle.dump(message, out, protocol=pickle.HIGHEST_PROTOCOL)
    out.flush()


def _serve(path: str) -> None:
    """The child: read sheets named on stdin, answer on stdout (pickled tuples).

    Per sheet: ("error", text), or ("size", rows, cols, refused) and, unless refused
    (`_limit_error`, counted as the parent counts), ("rows", [(row number, cells), ...])
    batches and ("end",)."""
    import gc
    import resource

    # No cycles are made here (rows are freed once sent): the cycle collector would only
    # walk the chunk being built again and again. The memory limit still holds.
    gc.disable()
    resource.setrlimit(resource.RLIMIT_AS, (READER_MEMORY_BYTES, READER_MEMORY_BYTES))
    resource.setrlimit(resource.RLIMIT_CPU, (READER_CPU_SECONDS, READER_CPU_SECONDS))
    from python_calamine import CalamineWorkbook

    out = sys.stdout.buffer
    book = None
    cells_read = 0
    for line in sys.stdin.buffer:
        name = json.loads(line)
        try:
            if book is None:
                book = CalamineWorkbook.from_path(path)
            sheet = book.get_sheet_by_name(name)
        except Exception as exc:  # noqa: BLE001 - any reader failure refuses the sheet
            _send(out, ("error", f"could not be read ({type(exc).__name__}); {_RESAVE}"))
            continue
        start, end = sheet.start, sheet.end
        rows, cols = (end[0] + 1, end[1] + 1) if end else (0, 0)
        refused = _limit_error("", name, rows, cols, cells_read) is not None
        _send(out, ("size", rows, cols, refused))
        if refused:
            continue
        cells_read += rows * cols
        # python-calamine 0.9's iter_rows starts at the sheet's row 1 but at the block's
        # first column (tests/test_workbook.py pins both): pad the columns back to A.
        pad = [""] * (start[1] if start else 0)
        # Equal dates and times sent as one object: pickle writes a repeated object as a
        # reference, where each of the ~100,000 cells of a register cost a reduce call.
        moments: dict[Any, Any] = {}
        each = sheet.iter_rows()
        number = 0
        while chunk := list(itertools.islice(each, _BATCH_ROWS)):
            # A chunk's text tested at once: per-cell Python work costs a third of
            # calamine's time.
            control = _CONTROL.search(
                "".join(filter(_IS_STR, itertools.chain.from_iterable(chunk)))
            )
            # Where the chunk's first and last rows hold dates: the columns worth looking at.
            moment_at = sorted(set(_moment_columns(chunk[0])) | set(_moment_columns(chunk[-1])))
            batch: list[tuple[int, list[Any]]] = []
            for cells in chunk:
                number += 1
                if not any(cells) and all(v == "" for v in cells):
                    continue  # empty (zeros and False are values)
                if control:
                    cells = [_CONTROL.sub("", v) if v.__class__ is str else v for v in cells]
                for i in moment_at:
                    if i < len(cells) and cells[i].__class__ in _MOMENTS:
                        cells[i] = moments.setdefault(cells[i], cells[i])
                batch.append((number, pad + cells if pad else cells))
            if batch:
                _send(out, ("rows", batch))
        _send(out, ("end",))
        del sheet, each


if __name__ == "__main__":
    _serve(sys.argv[1])
