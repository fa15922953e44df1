"""Hostile workbooks are refused with one line, and the process reading them survives.

Each workbook is written here, zip structure and XML by hand, so a test can say exactly
what a file declares and what it holds: a cell at XFD1048576 (under an honest, a lying
and a missing `<dimension>`), 20,000 columns, a zip bomb, too many sheets or entries.
Before dashboard/workbook.py, calamine read these in the test process itself: the
512 GiB allocation aborted pytest outright, so these tests passing at all is the proof
that the reader process, not this one, takes the hit.
"""

from __future__ import annotations

import struct
import subprocess
import sys
import zlib
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path

import pytest

from dashboard import ingest, roles, workbook

ROOT = Path(__file__).resolve().parent.parent
ADMIN = roles.Actor("admin", "admin")

_NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
_REL_NS = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_DOC_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


# ---------------------------------------------------------------- writing workbooks


def _deflated(chunks: Iterable[bytes]) -> tuple[bytes, int, int]:
    """Raw deflate of the chunks, their CRC-32 and total size."""
    packer = zlib.compressobj(6, zlib.DEFLATED, -15)
    out, crc, size = [], 0, 0
    for chunk in chunks:
        out.append(packer.compress(chunk))
        crc, size = zlib.crc32(chunk, crc), size + len(chunk)
    out.append(packer.flush())
    return b"".join(out), crc, size


def write_zip(path: Path, entries: list[tuple[str, bytes, int, int]]) -> None:
    """A zip archive of already deflated entries: (name, data, crc, size)."""
    body, central = bytearray(), bytearray()
    for name, data, crc, size in entries:
        raw = name.encode()
        header = struct.pack(
            "<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0x21, crc, len(data), size, len(raw), 0
        )
        central += struct.pack(
            "<IHHHHHHIIIHHHHHII",
            0x02014B50,
            20,
            20,
            0,
            8,
            0,
            0x21,
            crc,
            len(data),
            size,
            len(raw),
            0,
            0,
            0,
            0,
            0,
            len(body),
        )
        central += raw
        body += header + raw + data
    end = struct.pack(
        "<IHHHHIIH", 0x06054B50, 0, 0, len(entries), len(entries), len(central), len(body), 0
    )
    path.write_bytes(bytes(body + central + end))


def _sheet_xml(rows: str, dimension: str | None) -> bytes:
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    return f"<worksheet {_NS}>{dim}<sheetData>{rows}</sheetData></worksheet>".encode()


def make_xlsx(path: Path, sheets: dict[str, Iterable[bytes] | bytes]) -> Path:
    """An XLSX with these sheets (name -> the sheet's XML, whole or in chunks)."""
    names = list(sheets)
    book = "".join(
        f'<sheet name="{n}" sheetId="{i + 1}" r:id="rId{i + 1}"/>' for i, n in enumerate(names)
    )
    rels = "".join(
        f'<Relationship Id="rId{i + 1}" Type="{_DOC_REL}/worksheet" '
        f'Target="worksheets/sheet{i + 1}.xml"/>'
        for i in range(len(names))
    )
    overrides = "".join(
        f'<Override PartName="/xl/worksheets/sheet{i + 1}.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        for i in range(len(names))
    )
    parts: list[tuple[str, Iterable[bytes]]] = [
        (
            "[Content_Types].xml",
            [
                b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                b'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package'
                b'.relationships+xml"/><Override PartName="/xl/workbook.xml" ContentType='
                b'"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
                + overrides.encode()
                + b"</Types>"
            ],
        ),
        (
            "_rels/.rels",
            [
                f'<Relationships xmlns="{_PKG_REL}"><Relationship Id="rId1" Type="{_DOC_REL}/'
                'officeDocument" Target="xl/workbook.xml"/></Relationships>'.encode()
            ],
        ),
        (
            "xl/workbook.xml",
            [f"<workbook {_NS} {_REL_NS}><sheets>{book}</sheets></workbook>".encode()],
        ),
        (
            "xl/_rels/workbook.xml.rels",
            [f'<Relationships xmlns="{_PKG_REL}">{rels}</Relationships>'.encode()],
        ),
    ]
    for i, name in enumerate(names):
        xml = sheets[name]
        parts.append((f"xl/worksheets/sheet{i + 1}.xml", [xml] if isinstance(xml, bytes) else xml))
    write_zip(path, [(name, *_deflated(chunks)) for name, chunks in parts])
    return path


def cell(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def row(number: int, *cells: str) -> str:
    return f'<row r="{number}">{"".join(cells)}</row>'


HEADER = row(1, cell("A1", "request_id"), cell("B1", "received_at"), cell("C1", "channel"))


def refusal(path: Path) -> str:
    """The one-line IngestError an import of `path` raises (nothing is imported)."""
    with pytest.raises(ingest.IngestError) as caught:
        ingest.ingest_file(path, actor=ADMIN)
    message = str(caught.value)
    assert "\n" not in message
    return message


# ---------------------------------------------------------------- the far cell


def test_a_sheet_that_declares_the_whole_grid_is_refused_before_reading(
    home: Path, tmp_path: Path
) -> None:
    path = make_xlsx(
        tmp_path / "budget.xlsx",
        {"Juni": _sheet_xml(HEADER + row(1048576, cell("XFD1048576", "x")), "A1:XFD1048576")},
    )
    assert workbook.sheets(path) == [workbook.SheetInfo("Juni", 1048576, 16384)]
    assert refusal(path) == (
        "budget.xlsx: sheet 'Juni' declares 1,048,576 rows x 16,384 columns (over the limit "
        "of 1,000 columns); delete the empty rows and columns below and right of the table "
        "and save again"
    )


@pytest.mark.parametrize("dimension", ["A1:C2", None], ids=["lying", "missing"])
def test_a_far_cell_under_a_small_or_no_dimension_is_refused(
    home: Path, tmp_path: Path, dimension: str | None
) -> None:
    # A1..XFD1048576 is 17 billion cells: calamine asks for 512 GiB and, in this
    # process, would abort pytest. The reader process dies instead.
    path = make_xlsx(
        tmp_path / "budget.xlsx",
        {"Juni": _sheet_xml(HEADER + row(1048576, cell("XFD1048576", "x")), dimension)},
    )
    message = refusal(path)
    assert message.startswith("budget.xlsx: sheet 'Juni' could not be read within the reader's")
    assert message.endswith(
        "delete the empty rows and columns below and right of the table and save again"
    )
    # The process is alive, and so is the next import.
    good = make_xlsx(tmp_path / "good.xlsx", {"Juni": _sheet_xml(HEADER, "A1:C1")})
    assert ingest.ingest_file(good, actor=ADMIN).rows_read == 0


def test_a_lone_far_cell_is_refused_by_its_true_extent(home: Path, tmp_path: Path) -> None:
    # No dimension and one cell: calamine reads it cheaply, but from A1 (as the sheet
    # shows it, and as a dense read allocates) it spans the whole grid.
    path = make_xlsx(
        tmp_path / "budget.xlsx", {"Juni": _sheet_xml(row(1048576, cell("XFD1048576", "x")), None)}
    )
    assert refusal(path) == (
        "budget.xlsx: sheet 'Juni' has 1,048,576 rows x 16,384 columns (over the limit of "
        "1,000 columns); delete the empty rows and columns below and right of the table and "
        "save again"
    )


def test_twenty_thousand_columns_are_refused(home: Path, tmp_path: Path) -> None:
    # Cells without an `r` attribute are placed one after the other: no letters needed.
    wide = "<row>" + "<c><v>1</v></c>" * 20_000 + "</row>"
    path = make_xlsx(tmp_path / "wide.xlsx", {"Sheet1": _sheet_xml(wide, None)})
    assert "has 1 rows x 20,000 columns (over the limit of 1,000 columns)" in refusal(path)


def test_too_many_cells_are_refused(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(workbook, "MAX_SHEET_CELLS", 50)
    body = HEADER + "".join(row(r, cell(f"A{r}", "R"), cell(f"C{r}", "wa")) for r in range(2, 20))
    path = make_xlsx(tmp_path / "long.xlsx", {"Sheet1": _sheet_xml(body, None)})
    assert "has 19 rows x 3 columns (over the limit of 50 cells)" in refusal(path)


# ---------------------------------------------------------------- the archive


def _zeros(megabytes: int) -> Iterable[bytes]:
    yield f"<worksheet {_NS}><sheetData>".encode()
    block = b"0" * 2**20
    for _ in range(megabytes):
        yield block


def test_a_zip_bomb_is_refused_at_the_unpacked_size_limit(home: Path, tmp_path: Path) -> None:
    path = make_xlsx(tmp_path / "bomb.xlsx", {"Sheet1": _zeros(600)})
    assert path.stat().st_size < 1_000_000  # 600 MB of zeros in well under a megabyte
    assert refusal(path) == (
        "bomb.xlsx unpacks to more than 512 MB (over the limit for a workbook); save only "
        "the sheets with the log, or export them as CSV"
    )


def test_the_command_line_refuses_a_bomb_with_one_line(home: Path, tmp_path: Path) -> None:
    path = make_xlsx(tmp_path / "bomb.xlsx", {"Sheet1": _zeros(600)})
    done = subprocess.run(
        [sys.executable, "-m", "dashboard", "ingest", str(path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 1
    lines = [line for line in (done.stdout + done.stderr).splitlines() if line.strip()]
    assert len(lines) == 1
    assert "bomb.xlsx unpacks to more than 512 MB" in lines[0]


def test_too_many_sheets_are_refused(home: Path, tmp_path: Path) -> None:
    sheets = {f"S{i}": _sheet_xml(HEADER, "A1:C1") for i in range(workbook.MAX_SHEETS + 1)}
    path = make_xlsx(tmp_path / "many.xlsx", sheets)
    assert refusal(path) == (
        "many.xlsx has 101 sheets (over the limit of 100); save the sheets with the log in a "
        "workbook of their own"
    )


def test_too_many_archive_entries_are_refused(home: Path, tmp_path: Path) -> None:
    path = tmp_path / "entries.xlsx"
    write_zip(path, [(f"x/{i}.xml", *_deflated([b"<a/>"])) for i in range(1_001)])
    assert refusal(path).startswith("entries.xlsx holds 1,001 files inside (over the limit")


def test_the_workbook_cell_limit_counts_every_sheet_read(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(workbook, "MAX_WORKBOOK_CELLS", 10)
    body = HEADER + row(2, cell("A2", "R1"))
    path = make_xlsx(
        tmp_path / "two.xlsx", {"Mei": _sheet_xml(body, None), "Juni": _sheet_xml(body, None)}
    )
    with workbook.Workbook(path) as book:
        assert len(list(book.rows("Mei"))) == 2
        with pytest.raises(workbook.WorkbookError, match="more than 10 cells"):
            list(book.rows("Juni"))


# ---------------------------------------------------------------- what a good workbook gives


def test_rows_keep_their_sheet_numbers_and_columns_from_a(tmp_path: Path) -> None:
    # Title above, a blank row, the table starting in column B: as the sheet shows it.
    body = (
        row(2, cell("B2", "DAFTAR PEREKAMAN JUNI 2020"))
        + row(4, cell("B4", "No"), cell("C4", "Nama"))
        + row(5, cell("B5", "1"), cell("C5", "Bu&#1;di&#7;\tA\x00"))  # control characters
        + row(7, '<c r="B7"><v>2</v></c>', '<c r="D7" s="1"/>')
    )
    path = make_xlsx(tmp_path / "reg.xlsx", {"Juni": _sheet_xml(body, "B2:D7"), "Juli": b""})
    assert workbook.sheets(path) == [
        workbook.SheetInfo("Juni", 7, 4),
        workbook.SheetInfo("Juli", None, None),
    ]
    assert list(workbook.read_sheet(path, "Juni")) == [
        (2, ["", "DAFTAR PEREKAMAN JUNI 2020", ""]),
        (4, ["", "No", "Nama"]),
        (5, ["", "1", "Budi\tA"]),
        (7, ["", 2.0, ""]),
    ]


def test_a_cell_with_control_characters_still_loads(home: Path, tmp_path: Path) -> None:
    # Excel writes a control character as `_x0000_`; calamine turns it back into one.
    body = HEADER + row(
        2, cell("A2", "R_x0000_1"), cell("B2", "2020-06-08 08:00"), cell("C2", "w\x01a_x001F_")
    )
    path = make_xlsx(tmp_path / "ctrl.xlsx", {"Sheet1": _sheet_xml(body, "A1:C2")})
    result = ingest.ingest_file(path, actor=ADMIN)
    assert (result.inserted, result.quarantined) == (1, 0)
    from dashboard import store

    with store.connect() as con:
        assert con.execute("SELECT request_id, channel FROM requests").fetchall() == [
            ("R1", "whatsapp")
        ]


def test_openpyxl_workbook_reads_as_before(tmp_path: Path) -> None:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Juni"
    ws.append(["request_id", "received_at", "channel"])
    ws.append(["R1", datetime(2020, 6, 8, 8, 15), "wa"])
    ws.append([None, None, None])
    wb.save(tmp_path / "req.xlsx")
    assert list(workbook.read_sheet(tmp_path / "req.xlsx")) == [
        (1, ["request_id", "received_at", "channel"]),
        (2, ["R1", datetime(2020, 6, 8, 8, 15), "wa"]),
    ]


def test_a_sheet_left_half_read_does_not_leak_into_the_next(tmp_path: Path) -> None:
    many = HEADER + "".join(row(r, cell(f"A{r}", f"R{r}")) for r in range(2, 5000))
    path = make_xlsx(
        tmp_path / "two.xlsx",
        {"Mei": _sheet_xml(many, None), "Juni": _sheet_xml(row(1, cell("A1", "juni")), None)},
    )
    with workbook.Workbook(path) as book:
        for _ in book.rows("Mei"):
            break
        assert list(book.rows("Juni")) == [(1, ["juni"])]


def test_the_readme_states_every_limit() -> None:
    readme = " ".join((ROOT / "README.md").read_text(encoding="utf-8").split())
    limits = {
        "MAX_SHEETS": f"{workbook.MAX_SHEETS:,}",
        "MAX_ZIP_ENTRIES": f"{workbook.MAX_ZIP_ENTRIES:,}",
        "MAX_UNZIPPED_BYTES": f"{workbook.MAX_UNZIPPED_BYTES // 2**20:,} MB",
        "MAX_COLUMNS": f"{workbook.MAX_COLUMNS:,}",
        "MAX_SHEET_CELLS": f"{workbook.MAX_SHEET_CELLS:,}",
        "MAX_WORKBOOK_CELLS": f"{workbook.MAX_WORKBOOK_CELLS:,}",
        "READER_MEMORY_BYTES": f"{workbook.READER_MEMORY_BYTES // 2**30} GiB",
        "READER_CPU_SECONDS": f"{workbook.READER_CPU_SECONDS} CPU seconds",
    }
    for name, value in limits.items():
        assert f"(`{name}`)" in readme, name
        assert value in readme, (name, value)


# ---------------------------------------------------------------- sheets named ahead


def _three(tmp_path: Path) -> Path:
    def sheet(n: int, first: int) -> bytes:
        body = HEADER + "".join(row(r, cell(f"A{r}", f"R{first + r}")) for r in range(2, n))
        return _sheet_xml(body, None)

    return make_xlsx(
        tmp_path / "three.xlsx",
        {"Mei": sheet(3000, 0), "Juni": sheet(40, 5000), "Juli": sheet(3, 9000)},
    )


def test_prefetched_sheets_read_as_one_by_one(tmp_path: Path) -> None:
    path = _three(tmp_path)
    with workbook.Workbook(path) as book:
        plain = {name: list(book.rows(name)) for name in ("Mei", "Juni", "Juli")}
    assert [len(v) for v in plain.values()] == [2999, 39, 2]  # header + data rows
    assert plain["Juli"] == [(1, ["request_id", "received_at", "channel"]), (2, ["R9002", "", ""])]
    with workbook.Workbook(path) as book:
        book.prefetch(["Mei", "Juni", "Juli"])
        assert {name: list(book.rows(name)) for name in ("Mei", "Juni", "Juli")} == plain
    with workbook.Workbook(path) as book:
        book.prefetch(["Mei", "Juni", "Juli"])
        # another order than announced: the reader starts again, the rows are the same
        assert list(book.rows("Juli")) == plain["Juli"]
        assert list(book.rows("Mei")) == plain["Mei"]


def test_a_prefetched_sheet_refused_here_leaves_the_next_readable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The limit lowered in this process only: the reader (its own process, the
    released limit) sends Juni, this side refuses it, and Juli still reads."""
    monkeypatch.setattr(workbook, "MAX_SHEET_CELLS", 200)
    path = _three(tmp_path)
    with workbook.Workbook(path) as book:
        book.prefetch(["Juni", "Mei", "Juli"])
        assert len(list(book.rows("Juni"))) == 39  # 40 rows x 3 columns = 120 cells
        with pytest.raises(workbook.WorkbookError, match="over the limit of 200 cells"):
            list(book.rows("Mei"))
        assert list(book.rows("Juli"))[-1] == (2, ["R9002", "", ""])
