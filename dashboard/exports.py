"""Downloads: chart frames, the daily metrics file and row-level exports, all audited.

Three kinds of export leave the dashboard (CONTRACT.md section 4: every export is logged):

- a chart's frame (every role that sees the chart): `frame_bytes(df, fmt)` in CSV,
  Excel-CSV or XLSX, after `escape_formulas`;
- the daily metrics file: `daily_csv_bytes`, byte-for-byte the CLI's `export daily`;
- row-level requests/appointments (`export_rows` permission, checked here on the server):
  `count_rows` first, then `export_rows`, which has DuckDB write the file (`COPY ... TO`
  with bound parameters) into `$DASHBOARD_HOME/tmp` so Python never holds the rows.

Personal data in row exports: NIK only as `nik_hash`; the phone only as `phone_masked`.
`phone_hash` is left out on purpose: `nik_hash` already lets an analyst link a person's
requests, and a second linkable identifier adds nothing an analysis needs (data
minimisation, UU 27/2022). Temperatures and screening results appear only in the
appointment export, which only analyst and admin may take.

Formula injection (OWASP "CSV injection"): a text cell starting with `=`, `+`, `-`, `@`,
tab, CR or LF gets a leading `'` and is quoted, so a spreadsheet shows it as text instead
of running it. Real numbers are left alone: numeric columns, and text that is a plain
number such as `-12,5`. Chart files quote a cell when it is escaped or must be quoted;
row exports (written by DuckDB, which cannot quote per cell) quote every free-text
column (`FORCE_QUOTE`) and escape with the same rule in SQL (`_esc_sql`).

Nothing here calls Streamlit: `ui_exports.py` draws the buttons and calls these.
"""

from __future__ import annotations

import dataclasses
import io
import json
import os
import re
import shutil
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from dashboard import config, roles
from dashboard.roles import Actor

#: The characters that make a spreadsheet treat a cell as a formula (OWASP), plus LF.
DANGEROUS_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n")

# A sign, then digits with `.`/`,` separators only: cannot call a function or reference
# a cell, so `-12,5` stays a number for the spreadsheet instead of turning into text.
_PLAIN_NUMBER = re.compile(r"[+-]?\d[\d.,]*")

#: Formats of a chart download.
FORMATS = ("csv", "excel_csv", "xlsx")
#: Formats of a row-level export (XLSX is left out: Excel stops at 1,048,576 rows and
#: openpyxl keeps a workbook in memory). `csv_gz` is the plain CSV gzipped by DuckDB:
#: Streamlit keeps a generated download in memory until its orphan sweep drops it (two
#: script runs later), and gzip cuts that about sevenfold (136 -> 20 MiB for 1M rows).
ROW_FORMATS = ("csv", "excel_csv", "csv_gz")

MIME = {
    "csv": "text/csv",
    "excel_csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv_gz": "application/gzip",
}
EXTENSION = {"csv": ".csv", "excel_csv": ".excel.csv", "xlsx": ".xlsx", "csv_gz": ".csv.gz"}

BOM = b"\xef\xbb\xbf"


# --- formula escaping -------------------------------------------------------------


def escape_cell(value: str) -> str:
    """`value` with a leading `'` when a spreadsheet would read it as a formula."""
    if value.startswith(DANGEROUS_PREFIXES) and not _PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


def _is_text_column(series: pd.Series) -> bool:
    # pandas 3 gives text the `str` dtype, not object (PLATFORM.md): check both.
    dtype = series.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        return True
    return pd.api.types.is_string_dtype(dtype) or pd.api.types.is_object_dtype(dtype)


def escape_formulas(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of `df` whose text cells (and column names) cannot run as formulas.

    Numeric, boolean and date columns are returned untouched; in text columns only
    `str` values change, so a mixed object column keeps its numbers as numbers.
    """
    out = df.copy()
    for name in out.columns:
        column = out[name]
        if not _is_text_column(column):
            continue
        if isinstance(column.dtype, pd.CategoricalDtype):
            column = column.astype(object)
        out[name] = column.map(lambda v: escape_cell(v) if isinstance(v, str) else v)
    out.columns = [escape_cell(c) if isinstance(c, str) else c for c in out.columns]
    return out


# --- chart frames to bytes --------------------------------------------------------


def _format_number(value: float, decimal: str) -> str:
    # Positional, shortest round-trip form: never `1e-05`, which Excel reads as text.
    text = np.format_float_positional(value, trim="-")
    return text.replace(".", decimal) if decimal != "." else text


def _column_cells(series: pd.Series, decimal: str) -> list[str | None]:
    """Each non-text cell as text; None marks a text cell, which the caller writes."""
    if pd.api.types.is_datetime64_any_dtype(series.dtype):
        stamps = series.dt.tz_localize(None) if series.dt.tz is not None else series
        only_dates = bool((stamps.dropna() == stamps.dropna().dt.normalize()).all())
        fmt = "%Y-%m-%d" if only_dates else "%Y-%m-%d %H:%M:%S"
        return ["" if pd.isna(v) else v.strftime(fmt) for v in stamps]
    cells: list[str | None] = []
    for v in series.tolist():
        if v is None or (not isinstance(v, str) and pd.isna(v)):
            cells.append("")
        elif isinstance(v, bool | np.bool_):
            cells.append("true" if v else "false")
        elif isinstance(v, int | np.integer):
            cells.append(str(int(v)))
        elif isinstance(v, float | np.floating):
            cells.append(_format_number(float(v), decimal))
        elif isinstance(v, datetime):
            cells.append(v.strftime("%Y-%m-%d %H:%M:%S"))
        elif isinstance(v, date):
            cells.append(v.isoformat())
        else:
            cells.append(None)  # text: written (and maybe quoted) by the caller
    return cells


def _quote(text: str, sep: str) -> str:
    needs = text.startswith("'") or any(ch in text for ch in (sep, '"', "\r", "\n"))
    return '"' + text.replace('"', '""') + '"' if needs else text


def to_csv_bytes(df: pd.DataFrame, *, excel: bool = False) -> bytes:
    """`df` as CSV after formula escaping.

    Plain CSV: UTF-8, `,`, `.` decimals, LF. Excel-CSV (what Excel in an Indonesian
    locale opens correctly by double-click): UTF-8 with BOM, `;`, comma decimals, CRLF.
    An escaped cell (leading `'`) is always quoted; others only when they must be.
    """
    sep, decimal, eol = (";", ",", "\r\n") if excel else (",", ".", "\n")
    safe = escape_formulas(df)
    columns = []
    for name in safe.columns:
        cells = _column_cells(safe[name], decimal)
        raw = safe[name].tolist()
        columns.append([_quote(str(raw[i]), sep) if c is None else c for i, c in enumerate(cells)])
    lines = [sep.join(_quote(str(c), sep) for c in safe.columns)]
    lines.extend(sep.join(row) for row in zip(*columns, strict=True))
    body = eol.join(lines) + eol
    return (BOM if excel else b"") + body.encode("utf-8")


def _xlsx_value(v: Any) -> Any:
    if v is None or (not isinstance(v, str) and pd.isna(v)):
        return None
    if isinstance(v, pd.Timestamp):
        v = v.tz_localize(None) if v.tzinfo is not None else v
        return v.to_pydatetime()
    if isinstance(v, np.generic):
        return v.item()
    return v


def to_xlsx_bytes(df: pd.DataFrame, sheet: str = "data") -> bytes:
    """`df` as one XLSX sheet; every text cell is written as a string, never a formula."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    safe = escape_formulas(df)
    book = Workbook(write_only=True)
    title = re.sub(r"[\[\]:*?/\\]", "_", sheet)[:31] or "data"
    ws = book.create_sheet(title)

    def cell(value: Any) -> WriteOnlyCell:
        c = WriteOnlyCell(ws, value=value)
        if isinstance(value, str):
            # openpyxl turns any str starting with `=` into a formula: force a string.
            c.data_type = "s"
        elif isinstance(value, datetime):
            c.number_format = "yyyy-mm-dd hh:mm:ss"
        elif isinstance(value, date):
            c.number_format = "yyyy-mm-dd"
        return c

    ws.append([cell(str(c)) for c in safe.columns])
    for row in safe.itertuples(index=False, name=None):
        ws.append([cell(_xlsx_value(v)) for v in row])
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def frame_bytes(df: pd.DataFrame, fmt: str) -> bytes:
    """A chart's frame in one of FORMATS."""
    if fmt == "csv":
        return to_csv_bytes(df)
    if fmt == "excel_csv":
        return to_csv_bytes(df, excel=True)
    if fmt == "xlsx":
        return to_xlsx_bytes(df)
    raise ValueError(f"unknown export format {fmt!r}; expected one of {', '.join(FORMATS)}")


def _slug(text: str) -> str:
    return re.sub(r"[^0-9A-Za-z]+", "-", text).strip("-").lower() or "export"


def filename(name: str, start: date | None, end: date | None, fmt: str) -> str:
    """`overview-throughput_2020-06-08_2020-06-30.csv`: page/chart name and date range."""
    parts = [_slug(name)]
    if start is not None:
        parts.append(start.isoformat())
    if end is not None:
        parts.append(end.isoformat())
    return "_".join(parts) + EXTENSION[fmt]


# --- audit ------------------------------------------------------------------------


def _listify(value: Any) -> Any:
    if isinstance(value, str):
        return value
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): _listify(v) for k, v in value.items()}
    if isinstance(value, Sequence | set | frozenset):
        return [_listify(v) for v in value]
    return value


def filters_json(filters: Any, start: date | None = None, end: date | None = None) -> str:
    """The filters (a metrics.Filters, a mapping or None) and date range as JSON."""
    if filters is None:
        data: dict[str, Any] = {}
    elif dataclasses.is_dataclass(filters) and not isinstance(filters, type):
        data = dataclasses.asdict(filters)
    elif isinstance(filters, Mapping):
        data = dict(filters)
    else:
        data = {"filters": str(filters)}
    if start is not None:
        data["start"] = start
    if end is not None:
        data["end"] = end
    return json.dumps(_listify(data), sort_keys=True, ensure_ascii=False)


def audit(
    con: duckdb.DuckDBPyConnection,
    actor: Actor,
    what: str,
    filters: Any,
    fmt: str,
    rows: int,
) -> int:
    """Append one `export_audit` row (who, when, what, filters, format, rows); its id.

    `filters` may already be JSON text (from `filters_json`, with the date range) or
    anything `filters_json` accepts.
    """
    text = filters if isinstance(filters, str) else filters_json(filters)
    row = con.execute(
        "INSERT INTO export_audit VALUES "
        "(nextval('export_seq'), now(), ?, ?, ?, ?, ?, ?) RETURNING export_id",
        [actor.username, actor.role, what, text, fmt, int(rows)],
    ).fetchone()
    return int(row[0]) if row else 0


def audit_log(con: duckdb.DuckDBPyConnection, limit: int | None = 200) -> pd.DataFrame:
    """The latest exports first (admin page). Times are UTC."""
    return con.execute(
        "SELECT export_id, timezone('UTC', exported_at) AS exported_at_utc, username, role, "
        "what, filters, file_format, row_count FROM export_audit "
        "ORDER BY export_id DESC LIMIT ?",
        [int(limit) if limit is not None else 2**62],
    ).df()


# --- the daily metrics file ---------------------------------------------------------


def daily_csv_bytes(
    con: duckdb.DuckDBPyConnection, actor: Actor, start: date, end: date, filters: Any
) -> bytes:
    """The CLI's `export daily` bytes for this range and filters, audited."""
    from dashboard import metrics  # the metrics module owns the contract's numbers

    roles.require(actor, "export_aggregate")
    text = metrics.daily_csv(con, start, end, filters)
    # One line per date plus the header: count lines rather than re-querying.
    rows = max(text.count("\n") - 1, 0)
    audit(con, actor, "daily_metrics", filters_json(filters, start, end), "csv", rows)
    return text.encode("utf-8")


# --- row-level exports ----------------------------------------------------------------


def _esc_sql(column: str) -> str:
    """SQL twin of `escape_cell` for a text column (the same rule, run inside DuckDB)."""
    return (
        f"CASE WHEN regexp_matches({column}, '^[=+@\\t\\r\\n-]') "
        f"AND NOT regexp_matches({column}, '^[+-]?[0-9][0-9.,]*$') "
        f"THEN '''' || {column} ELSE {column} END"
    )


def _comma_decimal(column: str) -> str:
    return f"replace(CAST({column} AS VARCHAR), '.', ',')"


@dataclass(frozen=True)
class _Col:
    name: str
    sql: str
    text: bool = False  # free text: formula-escaped and always quoted
    decimal: bool = False  # written with a comma in Excel-CSV


# The allow-list of what leaves the store, per export. Nothing personal beyond
# nik_hash and phone_masked; health data only in appointments.
_ROW_COLUMNS: dict[str, tuple[_Col, ...]] = {
    "requests": (
        _Col("request_id", "r.request_id", text=True),
        _Col("received_at", "r.received_at"),
        _Col("channel", "r.channel"),
        _Col("service", "r.service", text=True),
        _Col("kecamatan", "r.kecamatan", text=True),
        _Col("phone_masked", "r.phone_masked", text=True),
        _Col("nik_hash", "r.nik_hash"),
        _Col("cancelled_at", "r.cancelled_at"),
    ),
    "appointments": (
        _Col("appointment_id", "a.appointment_id", text=True),
        _Col("request_id", "a.request_id", text=True),
        _Col("queue_number", "a.queue_number"),
        _Col("scheduled_date", "a.scheduled_date"),
        _Col("status", "a.status"),
        _Col("checked_in_at", "a.checked_in_at"),
        _Col("temperature_c", "a.temperature_c", decimal=True),
        _Col("mask", "a.mask"),
        _Col("handwash", "a.handwash"),
        _Col("rejection_reason", "a.rejection_reason"),
        _Col("recorded_at", "a.recorded_at"),
        _Col("visit_date", "a.visit_date"),
        _Col("recorded_date", "a.recorded_date"),
        _Col("channel", "r.channel"),
        _Col("service", "r.service", text=True),
        _Col("kecamatan", "r.kecamatan", text=True),
    ),
}
ROW_KINDS = tuple(_ROW_COLUMNS)

_REQUEST_FILTER = (
    "(len($channels) = 0 OR list_contains($channels, r.channel))"
    " AND (len($kecamatan) = 0 OR list_contains($kecamatan, r.kecamatan_key))"
    " AND (len($services) = 0 OR list_contains($services, r.service))"
)

# Requests by the day they arrived; appointments by their scheduled day. Filters reach
# an appointment through its request; an orphan passes only an unfiltered export.
_ROW_FROM: dict[str, str] = {
    "requests": (
        "FROM requests r WHERE r.received_date BETWEEN $start AND $end AND " + _REQUEST_FILTER
    ),
    "appointments": (
        "FROM appointments a LEFT JOIN requests r ON r.request_id = a.request_id "
        "WHERE a.scheduled_date BETWEEN $start AND $end "
        "AND ($unfiltered OR (r.request_id IS NOT NULL AND " + _REQUEST_FILTER + "))"
    ),
}


def _filter_params(start: date, end: date, filters: Any) -> dict[str, Any]:
    channels = [str(c) for c in getattr(filters, "channels", ()) or ()]
    kecamatan = [str(k).strip().lower() for k in getattr(filters, "kecamatan", ()) or ()]
    services = [str(s) for s in getattr(filters, "services", ()) or ()]
    return {
        "start": start,
        "end": end,
        "channels": channels,
        "kecamatan": kecamatan,
        "services": services,
        "unfiltered": not (channels or kecamatan or services),
    }


def _typed(sql: str) -> str:
    # Empty Python lists bind without an element type; cast the list parameters once.
    for name in ("channels", "kecamatan", "services"):
        sql = sql.replace(f"${name}", f"${name}::VARCHAR[]")
    return sql.replace("$start", "$start::DATE").replace("$end", "$end::DATE")


def _params_for(sql: str, params: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in params.items() if f"${k}" in sql}


def _check_kind(kind: str) -> None:
    if kind not in _ROW_COLUMNS:
        raise ValueError(f"unknown row export {kind!r}; expected one of {', '.join(ROW_KINDS)}")


def row_query(kind: str, *, excel: bool = False) -> str:
    """The SELECT of a row export (parameters `$start`, `$end`, filter lists).

    Identifiers and expressions come from the fixed allow-list above; every value is a
    bound parameter. No ORDER BY: sorting a million rows nearly doubles DuckDB's peak
    memory (bench/bench_export_memory.py); analysts sort in their own tool.
    """
    _check_kind(kind)
    select = []
    for c in _ROW_COLUMNS[kind]:
        expr = _esc_sql(c.sql) if c.text else c.sql
        if c.decimal and excel:
            expr = _comma_decimal(expr)
        select.append(f'{expr} AS "{c.name}"')
    return _typed("SELECT " + ", ".join(select) + " " + _ROW_FROM[kind])


def count_rows(
    con: duckdb.DuckDBPyConnection, actor: Actor, kind: str, start: date, end: date, filters: Any
) -> int:
    """How many rows `export_rows` would write (shown before the download)."""
    roles.require(actor, "export_rows")
    _check_kind(kind)
    sql = _typed("SELECT count(*) " + _ROW_FROM[kind])
    row = con.execute(sql, _params_for(sql, _filter_params(start, end, filters))).fetchone()
    return int(row[0]) if row else 0


@dataclass(frozen=True)
class RowExport:
    """A finished row export: the file DuckDB wrote, its rows and a download name."""

    path: Path
    rows: int
    file_name: str
    mime: str


def tmp_dir() -> Path:
    """`$DASHBOARD_HOME/tmp`, where row exports are written (and removed once read)."""
    path = config.home() / "tmp"
    path.mkdir(parents=True, exist_ok=True)
    return path


def clean_tmp(max_age_seconds: float = 3600.0) -> int:
    """Remove export files older than `max_age_seconds` (left by an abandoned download)."""
    removed = 0
    cutoff = time.time() - max_age_seconds
    for path in tmp_dir().glob("export-*"):
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink()
                removed += 1
        except FileNotFoundError:
            continue
    return removed


def export_rows(
    con: duckdb.DuckDBPyConnection,
    actor: Actor,
    kind: str,
    start: date,
    end: date,
    filters: Any,
    fmt: str = "csv",
) -> RowExport:
    """Write the `kind` rows of the range and filters to a temp file; audit it.

    The role is checked here, not only by hiding the button: a head or staff member
    calling this gets PermissionDenied. DuckDB streams the query into the file, so a
    million rows never sit in Python memory. The caller removes the file
    (`read_and_remove`).
    """
    roles.require(actor, "export_rows")
    _check_kind(kind)
    if fmt not in ROW_FORMATS:
        raise ValueError(
            f"unknown row export format {fmt!r}; expected one of {', '.join(ROW_FORMATS)}"
        )
    excel = fmt == "excel_csv"
    query = row_query(kind, excel=excel)
    quoted = ", ".join(f'"{c.name}"' for c in _ROW_COLUMNS[kind] if c.text)
    options = "HEADER, DELIMITER " + ("';'" if excel else "','")
    if quoted:
        options += f", FORCE_QUOTE ({quoted})"
    if fmt == "csv_gz":
        options += ", COMPRESSION 'gzip'"
    sql = f"COPY ({query}) TO $path ({options})"

    clean_tmp()
    fd, name = tempfile.mkstemp(prefix=f"export-{kind}-", suffix=EXTENSION[fmt], dir=tmp_dir())
    os.close(fd)
    path = Path(name)
    params = _params_for(sql, _filter_params(start, end, filters))
    params["path"] = str(path)
    try:
        row = con.execute(sql, params).fetchone()
        rows = int(row[0]) if row else 0
        if excel:
            _prepend_bom(path)
        audit(con, actor, f"rows:{kind}", filters_json(filters, start, end), fmt, rows)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return RowExport(
        path=path,
        rows=rows,
        file_name=filename(f"{kind}-rows", start, end, fmt),
        mime=MIME[fmt],
    )


def _prepend_bom(path: Path) -> None:
    # DuckDB writes no BOM, and a BOM in the first column's name would be quoted with
    # it. Stream-copy behind the BOM in 1 MiB chunks: constant memory, one extra pass.
    staged = path.with_name(path.name + ".bom")
    with path.open("rb") as src, staged.open("wb") as dst:
        dst.write(BOM)
        shutil.copyfileobj(src, dst, 1 << 20)
    staged.replace(path)


def read_and_remove(path: Path) -> bytes:
    """The file's bytes (one allocation of the file's size), then delete it.

    Streamlit 1.67 keeps every download as one `bytes` object in its in-memory media
    store, whatever it is handed (bytes, file object or callable), so this one copy is
    the minimum; the rows themselves never were Python objects.
    """
    try:
        with path.open("rb") as f:
            return f.read()
    finally:
        path.unlink(missing_ok=True)
