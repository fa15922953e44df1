"""The heads' monthly (or weekly) report: an A4 PDF in Indonesian or English (issue 11).

What it holds, in order:
1. a letterhead from the office settings (name, regency, address), the period, the
   period it is compared with, the filters if any and when it was made;
2. the overview's five tiles (`overview.tiles_from`, the same computation as the
   landing page) for the period and the previous calendar month (or ISO week), with
   the change coloured good / bad / neutral;
3. sentences that state the facts with their numbers (recordings against the cap, the
   backlog and when it clears, screening rejections, channel mix, no-shows), what needs
   a decision (a backlog that clears later than the office's `backlog_clear_days`
   target after the period, or never), and the alerts of `targets.evaluate` for the
   period (evaluated as of the period's last day);
4. the charts the pages draw, from the same builders in `charts.py` with the same
   frames: recordings per day against the cap, the backlog, its clearance projection,
   screening rejections by reason and the channel mix;
5. a data-quality footnote (rows quarantined by imports made in the period, open days
   on which no import was made) and a page footer with page numbers.

A period without any activity gives a short report that says so, not empty charts.

How it is drawn, and why:
- Charts are rendered offline by vl-convert (no browser, no network) to PDF, i.e. as
  vectors, sharp at any print size. vl-convert carries its own Liberation Sans inside
  its library, so the charts' text looks the same on a machine without system fonts.
- fpdf2 lays out the text pages and leaves a box per chart; pypdf then places each
  chart's PDF page into its box as a Form XObject, scaled and moved with one `cm`
  (`_place_charts` says why not `merge_transformed_page`). fpdf2 cannot read Vega's
  SVG, and a PNG would be either blurry or heavy (3x: 233 KB a chart against 19 KB).
- The text uses the PDF core font Helvetica (no font file needed, so the report works
  on a machine without fonts) in the Windows-1252 encoding, which has the en dash and
  curly quotes the strings use. The few characters beyond it (`≤`, `≥`, `→`, ...) are
  written as ASCII (`<=`); tests/test_report.py checks the extracted text for both.
- vl-convert keeps the GIL for the whole of a render, so in this process it cannot
  overlap anything: the charts render in one helper process (`_render`, started at the
  first report and kept; its JavaScript engine's ~0.35 s start is paid once, beside the
  first report's reads), on the other core while the reads, the specs and the layout
  go on here. Should the helper fail, the charts render here (`render_chart`).
- Every number is read once, on the caller's connection: one `metrics.daily` over the
  previous and this period (the one read that scans all of history, for the backlog);
  the projection takes its backlog and rates from that frame, and `targets.evaluate`
  takes the frame, the rates and the projection (bench/RESULTS.md has the timings).
  The two small reads (rejections, channels) come first so that their charts render
  while `daily` runs.

Access: every role that sees the overview (`view`) and takes aggregate downloads
(`export_aggregate`), re-checked here. Every report made is logged in `export_audit`
(what `report:monthly` / `report:weekly`, the period and filters, format `pdf`, the
number of days covered) before its bytes are returned. No Streamlit here.
"""

from __future__ import annotations

import atexit
import contextlib
import io
import json
import re
import select
import struct
import subprocess
import sys
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import duckdb

from dashboard import capacity, config, i18n, metrics, overview, roles
from dashboard.i18n import t

if TYPE_CHECKING:
    import pandas as pd

KINDS = ("month", "week")
MIME = "application/pdf"

#: Width the charts are drawn at (Vega pixels = PDF points before scaling into the box).
CHART_WIDTH_PX = 640
#: Charts' keys, in the order the report shows them.
CHART_KEYS: tuple[str, ...] = ("throughput", "backlog", "projection", "reasons", "channels")

_MONTH = re.compile(r"(\d{4})-(\d{2})")
_WEEK = re.compile(r"(\d{4})-W(\d{2})")

# Characters beyond Windows-1252 that the strings may hold, as the core font can show.
_ASCII_FOR = str.maketrans(
    {"≤": "<=", "≥": ">=", "→": "->", "←": "<-", "≈": "~", "−": "-", "✓": "v", "⚠": "!"}
)

_TZ_NAMES = {"Asia/Jakarta": "WIB", "Asia/Makassar": "WITA", "Asia/Jayapura": "WIT"}

_GOOD_RGB = (46, 139, 87)
_BAD_RGB = (192, 57, 43)
_NEUTRAL_RGB = (110, 118, 125)
_MUTED_RGB = (95, 105, 112)
_RULE_RGB = (200, 205, 210)


class ReportError(ValueError):
    """A period the report cannot be made for; `str()` is one line saying why."""


# ---------------------------------------------------------------- periods


@dataclass(frozen=True)
class Period:
    """A calendar month or an ISO week; `end` is today's date for the running one."""

    kind: str  # "month" | "week"
    year: int
    number: int  # the month 1..12, or the ISO week 1..53
    start: date
    end: date
    prev_start: date
    prev_end: date
    partial: bool = False  # the month or week is still running: up to today

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def code(self) -> str:
        """`2020-07` or `2020-W28`, as the command line takes it."""
        if self.kind == "month":
            return f"{self.year}-{self.number:02d}"
        return f"{self.year}-W{self.number:02d}"

    def label(self, lang: str | None = None) -> str:
        """`Juli 2020` / `Minggu ke-28 2020`."""
        if self.kind == "month":
            return i18n.fmt_month(self.year, self.number, lang)
        return i18n.fmt_week(self.year, self.number, lang)

    def previous_label(self, lang: str | None = None) -> str:
        if self.kind == "month":
            return i18n.fmt_month(self.prev_start.year, self.prev_start.month, lang)
        iso = self.prev_start.isocalendar()
        return i18n.fmt_week(iso.year, iso.week, lang)


def _today(today: date | None) -> date:
    return today if today is not None else capacity.office_today()


def month_period(year: int, month: int, today: date | None = None) -> Period:
    """The calendar month; refused when it has not begun yet (ReportError)."""
    today = _today(today)
    if not 1 <= month <= 12 or not 1900 <= year <= 9999:
        raise ReportError(f"{year}-{month:02d} is not a month; use YYYY-MM, e.g. 2020-07")
    start = date(year, month, 1)
    if start > today:
        raise ReportError(
            f"{year}-{month:02d} is in the future (today is {today.isoformat()}); "
            "choose a month that has begun"
        )
    last = (start.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    prev_end = start - timedelta(days=1)
    return Period(
        "month",
        year,
        month,
        start,
        min(last, today),
        prev_end.replace(day=1),
        prev_end,
        partial=last > today,
    )


def week_period(iso_year: int, iso_week: int, today: date | None = None) -> Period:
    """The ISO week (Monday to Sunday); refused when it does not exist or has not begun."""
    today = _today(today)
    try:
        start = date.fromisocalendar(iso_year, iso_week, 1)
    except ValueError:
        raise ReportError(
            f"{iso_year}-W{iso_week:02d} is not a week; use YYYY-Www with a week the year "
            "has, e.g. 2020-W28"
        ) from None
    if start > today:
        raise ReportError(
            f"{iso_year}-W{iso_week:02d} is in the future (today is {today.isoformat()}); "
            "choose a week that has begun"
        )
    last = start + timedelta(days=6)
    return Period(
        "week",
        iso_year,
        iso_week,
        start,
        min(last, today),
        start - timedelta(days=7),
        start - timedelta(days=1),
        partial=last > today,
    )


def parse_month(text: str, today: date | None = None) -> Period:
    """`YYYY-MM` -> the month (ReportError with one line when malformed or future)."""
    match = _MONTH.fullmatch(text.strip())
    if not match:
        raise ReportError(f"{text!r} is not a month; use YYYY-MM, e.g. 2020-07")
    year, month = int(match[1]), int(match[2])
    if not 1 <= month <= 12:
        raise ReportError(f"{text!r} is not a month; use YYYY-MM, e.g. 2020-07")
    return month_period(year, month, today)


def parse_week(text: str, today: date | None = None) -> Period:
    """`YYYY-Www` (ISO week) -> the week (ReportError when malformed or future)."""
    match = _WEEK.fullmatch(text.strip().upper())
    if not match:
        raise ReportError(f"{text!r} is not a week; use YYYY-Www, e.g. 2020-W28")
    return week_period(int(match[1]), int(match[2]), today)


def for_view(start: date, end: date, today: date | None = None) -> Period:
    """The report for a page's date range: that ISO week when the range is exactly one
    (Monday to Sunday), otherwise the calendar month of its last day. A range reaching
    past today counts up to today (a custom range may end in the future)."""
    today = _today(today)
    end = min(end, today)
    start = min(start, end)
    if start.isoweekday() == 1 and end - start == timedelta(days=6):
        iso = start.isocalendar()
        return week_period(iso.year, iso.week, today)
    return month_period(end.year, end.month, today)


# ---------------------------------------------------------------- the content


@dataclass
class Chart:
    """One chart of the report: its spec, its rendered PDF (a future) or why none."""

    key: str
    spec: dict[str, Any] | None
    pdf: Future | None = None
    empty_text: str = ""


@dataclass
class Content:
    """Everything the report shows, before layout (the numbers tests compare with)."""

    period: Period
    lang: str
    office: Any  # settings.Office
    filters: metrics.Filters
    generated_at: datetime
    has_data: bool
    tiles: list[overview.Tile] = field(default_factory=list)
    sentences: list[str] = field(default_factory=list)
    decisions: list[str] = field(default_factory=list)
    alerts: list[str] = field(default_factory=list)
    quality: str = ""
    charts: list[Chart] = field(default_factory=list)
    #: A backlog that clears later than this many days after the period needs a
    #: decision: the office's `backlog_clear_days` target (targets.py).
    decision_days: int = 30


_QUALITY_SQL = """
WITH days AS (
    SELECT CAST(d AS DATE) AS day
    FROM range(CAST($start AS TIMESTAMP), CAST($end AS TIMESTAMP) + INTERVAL 1 DAY,
               INTERVAL 1 DAY) AS r(d)
),
-- a day the logs say something about: a request received, someone who came (recorded or
-- turned away) or did not come (CONTRACT 3's days), or an import started (a quiet day's
-- header-only file); a month loaded in bulk later covers its days by its rows
logged_days AS (
    SELECT received_date AS day FROM requests
    WHERE received_date BETWEEN $start AND $end
    UNION
    SELECT visit_date FROM appointments
    WHERE status IN ('recorded', 'rejected', 'no_show') AND visit_date BETWEEN $start AND $end
    UNION
    SELECT recorded_date FROM appointments
    WHERE status = 'recorded' AND recorded_date BETWEEN $start AND $end
    UNION
    SELECT CAST(timezone($tz, started_at) AS DATE) FROM imports
)
SELECT
    (SELECT count(*) FROM quarantine
     WHERE CAST(timezone($tz, quarantined_at) AS DATE) BETWEEN $start AND $end)
        AS quarantined,
    (SELECT count(*) FROM days WHERE day NOT IN (SELECT day FROM logged_days WHERE day IS NOT NULL)
        AND day IN (SELECT unnest($open_days))) AS open_days_not_logged
"""


def _quality(
    con: duckdb.DuckDBPyConnection, period: Period, open_days: list[date]
) -> tuple[int, int]:
    """(rows quarantined by imports made in the period, open days the logs say nothing
    about: no request received, nobody came or was marked absent, no import started)."""
    row = con.execute(
        _QUALITY_SQL,
        {
            "start": period.start,
            "end": period.end,
            "tz": config.office_tz(),
            "open_days": open_days,
        },
    ).fetchall()[0]
    return int(row[0]), int(row[1])


# Charts render in a helper process, not in this one: vl-convert keeps the GIL for the
# whole of a render (~0.07 s a chart; a Python thread beside it gets ~8% of its time,
# a DuckDB read beside it waits), so in-process rendering cannot overlap the reads, the
# specs or the layout; in a process of its own it runs on the other core. One process,
# started at the first report and kept for the life of this one (its JavaScript engine
# costs ~0.35 s to start, paid once, beside the first report's reads). It imports only
# vl_convert and speaks length-prefixed frames over its stdin/stdout; it exits when its
# stdin closes (this process ending, however it ends). Should it fail to start or die,
# the charts render here instead (`render_chart`): the same charts, without the overlap.
_WORKER_SOURCE = r"""
import os, struct, sys
# The frames get a descriptor of their own; anything the engine prints goes to stderr.
wr = os.fdopen(os.dup(1), "wb")
os.dup2(2, 1)
import vl_convert
vl_convert.vegalite_to_pdf({"mark": "point", "data": {"values": [{}]}})
rd = sys.stdin.buffer
while True:
    head = rd.read(4)
    if len(head) < 4:
        break
    spec = rd.read(struct.unpack(">I", head)[0]).decode("utf-8")
    try:
        status, body = b"0", vl_convert.vegalite_to_pdf(spec)
    except Exception as exc:
        status, body = b"1", f"{type(exc).__name__}: {exc}".encode("utf-8", "replace")
    wr.write(status + struct.pack(">I", len(body)) + body)
    wr.flush()
"""

# One thread hands the charts to the helper, in order: one chart at a time is what
# vl-convert does anyway, and the order makes each chart's future resolve in turn.
_RENDERER: ThreadPoolExecutor | None = None
_RENDERER_LOCK = threading.Lock()
_WORKER: subprocess.Popen[bytes] | None = None
_WORKER_FAILED = False  # once it failed, this process renders its charts itself


#: a chart the helper has not drawn after this many seconds is left out of the report
#: (a chart takes 0.05-0.3 s; a helper that hangs is ended, the next chart starts a
#: new one)
CHART_TIMEOUT_S = 30.0


class ChartRenderError(RuntimeError):
    """vl-convert refused a chart spec (in the helper process); `str()` says why."""


class ChartTimeout(ChartRenderError):
    """The helper process did not answer within `CHART_TIMEOUT_S`: it was ended."""


def _renderer() -> ThreadPoolExecutor:
    global _RENDERER
    with _RENDERER_LOCK:
        if _RENDERER is None:
            _RENDERER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="report-charts")
        return _RENDERER


def _on_cursor(
    con: duckdb.DuckDBPyConnection, fn: Callable[..., Any], *args: Any, **kw: Any
) -> Future:
    """Run `fn(cursor, ...)` on a thread of its own with its own cursor (a DuckDB
    connection may not be used from two threads at once; a cursor per thread may).
    `daily`, the one heavy read, runs there while this thread does the small ones."""
    cursor = con.cursor()

    def work() -> Any:
        try:
            return fn(cursor, *args, **kw)
        finally:
            cursor.close()

    future: Future = Future()

    def run() -> None:
        try:
            future.set_result(work())
        except BaseException as exc:  # noqa: BLE001 - handed to whoever waits on it
            future.set_exception(exc)

    threading.Thread(target=run, name="report-query", daemon=True).start()
    return future


def render_chart(spec: dict[str, Any]) -> bytes:
    """One chart spec (Vega-Lite JSON) -> a one-page vector PDF, offline, in this
    process (what the benchmark times as the charts alone)."""
    import vl_convert

    return vl_convert.vegalite_to_pdf(spec)


def _worker() -> subprocess.Popen[bytes] | None:
    """The helper process, started if need be; None when it cannot be had."""
    global _WORKER, _WORKER_FAILED
    if _WORKER is not None and _WORKER.poll() is None:
        return _WORKER
    if _WORKER_FAILED:
        return None
    try:
        _WORKER = subprocess.Popen(
            [sys.executable, "-c", _WORKER_SOURCE],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
    except OSError:
        _WORKER_FAILED = True
        return None
    atexit.register(_stop_worker)
    return _WORKER


def _stop_worker(kill: bool = False) -> None:
    """End the helper (at exit; a test that wants a fresh one; `kill`: at once, when it
    hangs)."""
    global _WORKER
    worker, _WORKER = _WORKER, None
    if worker is None:
        return
    if kill:
        worker.kill()
    with contextlib.suppress(OSError):
        worker.stdin.close()  # type: ignore[union-attr]
    try:
        worker.wait(timeout=2)
    except subprocess.TimeoutExpired:
        worker.kill()
        worker.wait()


def _read_exactly(stream: Any, size: int) -> bytes:
    data = stream.read(size)
    if len(data) != size:
        raise EOFError("the chart process ended")
    return data


def _render(spec: dict[str, Any]) -> bytes:
    """One chart on the helper process (the renderer thread only), else here."""
    global _WORKER_FAILED
    worker = _worker()
    if worker is None:
        return render_chart(spec)
    payload = json.dumps(spec).encode("utf-8")
    try:
        worker.stdin.write(struct.pack(">I", len(payload)) + payload)  # type: ignore[union-attr]
        worker.stdin.flush()  # type: ignore[union-attr]
        ready, _, _ = select.select([worker.stdout], [], [], CHART_TIMEOUT_S)
        if not ready:
            # hung (not dead): end it; the next chart starts a new helper
            _stop_worker(kill=True)
            raise ChartTimeout(f"the chart was not drawn within {CHART_TIMEOUT_S:g} s")
        head = _read_exactly(worker.stdout, 5)
        body = _read_exactly(worker.stdout, struct.unpack(">I", head[1:])[0])
    except (OSError, EOFError, ValueError):
        # It died (killed, out of memory): this chart and the rest render here.
        _WORKER_FAILED = True
        _stop_worker()
        return render_chart(spec)
    if head[:1] != b"0":
        raise ChartRenderError(body.decode("utf-8", "replace"))
    return body


def _warm_up() -> None:
    """Start the helper process (its JavaScript engine starts at once, ~0.35 s, beside
    the first report's reads); a no-op once it runs."""
    _worker()


def chart_spec(chart: Any) -> dict[str, Any]:
    """A page's Altair chart as the report draws it: its spec at the print width.

    Validation is skipped: the builders' charts are validated by the page tests, and
    validating five specs would cost the report ~0.1 s each time."""
    spec = chart.to_dict(validate=False)
    spec["width"] = CHART_WIDTH_PX
    return spec


def _submit(spec: dict[str, Any], render: bool) -> Future | None:
    return _renderer().submit(_render, spec) if render else None


def _pct_change(now: int, before: int) -> float | None:
    return (now - before) / before if before else None


def collect(
    con: duckdb.DuckDBPyConnection,
    period: Period,
    *,
    lang: str = "id",
    filters: metrics.Filters = metrics.NO_FILTERS,
    now: datetime | None = None,
    render: bool = True,
) -> Content:
    """Query everything the report shows and start rendering its charts.

    With `render=False` the chart specs are built but not rendered (the benchmark
    renders them itself)."""
    from dashboard import settings, targets

    lang = i18n.normalize_lang(lang)
    if render:
        _renderer().submit(_warm_up)
    # Previous + this period in one pass (the tiles compare the two); the one read that
    # scans all of history (for the backlog), so it starts first, on a thread of its
    # own, while the small reads run here and their charts render.
    daily_job = _on_cursor(con, metrics.daily, period.prev_start, period.end, filters)
    try:
        tz = ZoneInfo(config.office_tz())
        generated = (now or datetime.now(tz)).astimezone(tz)
        office = settings.office(con)
        content = Content(period, lang, office, filters, generated, has_data=False)
        content.decision_days = int(targets.current(con)["backlog_clear_days"])
        return _fill(con, content, daily_job, render)
    finally:
        # Never return (or fail) while the thread still reads through `con`: the caller
        # closes the connection next.
        daily_job.exception()


def _fill(
    con: duckdb.DuckDBPyConnection, content: Content, daily_job: Future, render: bool
) -> Content:
    """The rest of `collect`, in the order that lets the charts render early."""
    import pandas as pd

    from dashboard import charts, queries, targets

    period, lang, filters = content.period, content.lang, content.filters
    # The pages' grain: days up to a month, weeks beyond.
    grain = "day" if period.days <= 31 else "week"
    reasons = metrics.rejections_by_reason(con, period.start, period.end, filters, grain)
    if reasons.empty:
        reasons_chart = Chart("reasons", None, None, t("report.chart.no_rejections", lang))
    else:
        spec = chart_spec(charts.rejections_by_reason(reasons, lang, grain=grain))
        reasons_chart = Chart("reasons", spec, _submit(spec, render))
    share = queries.channel_share(con, period.start, period.end, filters, grain)
    if share.empty:
        channels_chart = Chart("channels", None, None, t("report.chart.no_requests", lang))
    else:
        spec = chart_spec(charts.channel_share(share, lang, grain=grain))
        channels_chart = Chart("channels", spec, _submit(spec, render))

    both = daily_job.result()
    daily, _before = overview.split(both, period.start)
    activity = ("requests", "scheduled", "checked_in", "recorded", "no_show")
    content.has_data = any(int(daily[c].sum()) > 0 for c in activity)
    if content.has_data:
        # Each chart goes to the renderer as soon as its frame is there; the rest of
        # the work below runs while they render.
        per_day = daily[["date", "recorded", "cap"]]
        spec = chart_spec(charts.throughput(per_day, lang))
        content.charts.append(Chart("throughput", spec, _submit(spec, render)))
        if filters.backlog_applies:
            line = daily[["date", "backlog_end"]]
            spec = chart_spec(charts.backlog(line, lang))
            content.charts.append(Chart("backlog", spec, _submit(spec, render)))
        else:
            text = t("report.chart.not_applicable", lang)
            content.charts.append(Chart("backlog", None, None, text))
    # From the frame at hand: backlog_end of the period's end and the last 28 days'
    # rates (a month's report has them all) are not read again.
    projection = (
        metrics.project_clearance(
            con, period.end, filters, horizon_days=targets.HORIZON_DAYS, daily=both
        )
        if filters.backlog_applies
        else None
    )
    if content.has_data:
        if projection is not None and projection.backlog_now > 0 and len(projection.series):
            series = projection.series[["date", "cap", "expected_recorded", "backlog"]]
            spec = chart_spec(charts.projection(series, lang))
            content.charts.append(Chart("projection", spec, _submit(spec, render)))
        else:
            text = t("report.chart.no_backlog", lang)
            content.charts.append(Chart("projection", None, None, text))
        content.charts += [reasons_chart, channels_chart]

    open_days = [d.date() for d in pd.to_datetime(daily.loc[daily["cap"] > 0, "date"])]
    quarantined, silent = _quality(con, period, open_days)
    content.quality = t(
        "report.quality",
        lang,
        quarantined=i18n.fmt_int(quarantined, lang),
        silent=i18n.fmt_int(silent, lang),
        open=i18n.fmt_int(len(open_days), lang),
    )
    rates_now = overview.period_rates(daily)
    # The alerts from the same figures; the days-at-cap rule is the whole office's, so
    # a filtered frame is not one evaluate may use (it reads its own then).
    alerts = targets.evaluate(
        con,
        period.start,
        period.end,
        filters=filters,
        today=period.end,
        daily=None if filters.active else daily,
        rates=rates_now,
        projection=projection,
    )
    content.alerts = [alert.message(lang) for alert in alerts]
    if not content.has_data:
        # A silent month can still have missed targets (no import for weeks).
        return content

    # The overview's computation: tiles and rates from the one daily frame.
    content.tiles = overview.tiles_from(both, period.start)
    content.sentences, content.decisions = _sentences(
        content, daily, rates_now, reasons, projection, lang
    )
    return content


def _change_words(change: int, lang: str) -> str:
    """`naik 6` / `turun 2` / `tetap` (a count's change)."""
    if change > 0:
        return t("report.up_by", lang, n=i18n.fmt_int(change, lang))
    if change < 0:
        return t("report.down_by", lang, n=i18n.fmt_int(-change, lang))
    return t("report.unchanged", lang)


def _long_date(day: date, lang: str) -> str:
    """`14 Maret 2021` / `14 March 2021`: dates in running text, month in full."""
    return f"{day.day} {i18n.month_name(day.month, lang, short=False)} {day.year}"


def _sentences(
    content: Content,
    daily: pd.DataFrame,
    rates_now: dict[str, Any],
    reasons: pd.DataFrame,
    projection: metrics.Projection | None,
    lang: str,
) -> tuple[list[str], list[str]]:
    """The plain-language summary and what needs a decision, every number from the
    same frames as the tiles and the charts."""
    tiles = {tile.key: tile for tile in content.tiles}
    period = content.period
    prev = period.previous_label(lang)
    out: list[str] = []
    decisions: list[str] = []

    rec = tiles["recorded"]
    recorded, cap = int(rec.value or 0), int(rec.cap or 0)
    out.append(
        t(
            "report.s.recorded",
            lang,
            recorded=i18n.fmt_int(recorded, lang),
            cap=i18n.fmt_int(cap, lang),
            util=i18n.fmt_pct(recorded / cap if cap else None, lang=lang),
            change=_change_words(recorded - int(rec.previous or 0), lang),
            prev=prev,
            before=i18n.fmt_int(rec.previous, lang),
        )
    )

    backlog = tiles["backlog"]
    if backlog.value is not None and backlog.previous is not None:
        now_b, before_b = int(backlog.value), int(backlog.previous)
        pct = _pct_change(now_b, before_b)
        if now_b == before_b:
            text = t("report.s.backlog_same", lang, n=i18n.fmt_int(now_b, lang))
        elif pct is None:
            text = t("report.s.backlog_from_zero", lang, n=i18n.fmt_int(now_b, lang))
        else:
            key = "report.s.backlog_up" if now_b > before_b else "report.s.backlog_down"
            text = t(key, lang, pct=i18n.fmt_pct(abs(pct), 0, lang), n=i18n.fmt_int(now_b, lang))
        if projection is not None and now_b > 0:
            open_caps = [int(c) for c in projection.series["cap"] if int(c) > 0]
            cap_now = open_caps[0] if open_caps else 0
            if projection.clear_date is not None:
                text += t(
                    "report.s.clears",
                    lang,
                    cap=i18n.fmt_int(cap_now, lang),
                    date=_long_date(projection.clear_date, lang),
                )
                days = (projection.clear_date - period.end).days
                if days > content.decision_days:
                    decisions.append(
                        t(
                            "report.decide.backlog",
                            lang,
                            days=i18n.fmt_int(days, lang),
                            limit=i18n.fmt_int(content.decision_days, lang),
                        )
                    )
            else:
                text += t("report.s.never", lang, cap=i18n.fmt_int(cap_now, lang))
                decisions.append(t("report.decide.never", lang))
        else:
            text += "."
        out.append(text)

    checked_in = int(rates_now["checked_in"])
    if checked_in:
        by_reason = reasons.groupby("reason")["rejections"].sum().sort_values(ascending=False)
        top = (
            t(
                "report.s.top_reason",
                lang,
                reason=t(f"screening.reason.{by_reason.index[0]}", lang).lower(),
                n=i18n.fmt_int(int(by_reason.iloc[0]), lang),
            )
            if len(by_reason)
            else ""
        )
        out.append(
            t(
                "report.s.screening",
                lang,
                rejected=i18n.fmt_int(rates_now["screening_rejected"], lang),
                checked_in=i18n.fmt_int(checked_in, lang),
                rate=i18n.fmt_pct(rates_now["rejection_rate"], lang=lang),
            )
            + top
            + "."
        )
    else:
        out.append(t("report.s.no_visits", lang))

    total = int(daily["requests"].sum())
    if total:
        wa = tiles["whatsapp"]
        out.append(
            t(
                "report.s.channels",
                lang,
                share=i18n.fmt_pct(wa.value, lang=lang),
                whatsapp=i18n.fmt_int(int(daily["requests_whatsapp"].sum()), lang),
                total=i18n.fmt_int(total, lang),
                change=wa.change_text(lang) if wa.change is not None else "–",
                prev=prev,
            )
        )
    else:
        out.append(t("report.s.no_requests", lang))

    no_show = int(rates_now["no_show"])
    expected = no_show + checked_in
    if expected:
        out.append(
            t(
                "report.s.no_show",
                lang,
                n=i18n.fmt_int(no_show, lang),
                expected=i18n.fmt_int(expected, lang),
                rate=i18n.fmt_pct(rates_now["no_show_rate"], lang=lang),
            )
        )
    return out, decisions


# ---------------------------------------------------------------- layout

_MM = 72 / 25.4  # PDF points per millimetre
_PAGE_W, _PAGE_H = 210.0, 297.0
_MARGIN = 16.0


def _text(value: object) -> str:
    """Text the core font can show: Windows-1252, the rest transliterated."""
    text = str(value).translate(_ASCII_FOR)
    return text.encode("cp1252", "replace").decode("cp1252")


def _tz_name(tz: str) -> str:
    return _TZ_NAMES.get(tz, tz)


def _filters_text(filters: metrics.Filters, lang: str) -> str:
    parts = []
    if filters.channels:
        parts.append(", ".join(i18n.channel_label(c, lang) for c in filters.channels))
    if filters.kecamatan:
        parts.append(", ".join(k.title() for k in filters.kecamatan))
    if filters.services:
        parts.append(", ".join(i18n.service_label(s, lang) for s in filters.services))
    return "; ".join(parts)


def _make_pdf(title: str, footer_left: str, lang: str) -> Any:
    from fpdf import FPDF

    class _Pdf(FPDF):
        def footer(self) -> None:
            self.set_y(-12)
            self.set_font("Helvetica", size=8)
            self.set_text_color(*_MUTED_RGB)
            # The page number keeps its place: a long office name is shortened instead.
            room = self.w - self.l_margin - self.r_margin - 32
            left = _text(footer_left)
            while self.get_string_width(left) > room and len(left) > 1:
                left = left[:-2].rstrip() + "…"
            self.cell(room, 5, left, align="L")
            self.set_x(self.l_margin)
            self.cell(
                0, 5, _text(t("report.page", lang, n=self.page_no(), total="{nb}")), align="R"
            )

    pdf = _Pdf(orientation="portrait", unit="mm", format="A4")
    # The core fonts' Windows-1252 (not Latin-1) has the en dash and curly quotes.
    pdf.core_fonts_encoding = "windows-1252"
    pdf.set_margins(_MARGIN, _MARGIN, _MARGIN)
    pdf.set_auto_page_break(True, margin=18)
    pdf.set_title(_text(title))
    pdf.set_lang("id-ID" if lang == "id" else "en")
    pdf.set_creator("dashboard.report")
    return pdf


def _heading(pdf: Any, text: str, size: float = 12) -> None:
    pdf.set_font("Helvetica", "B", size)
    pdf.set_text_color(20, 30, 40)
    pdf.multi_cell(0, size * 0.5, _text(text), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(1)


def _para(pdf: Any, text: str, size: float = 10, rgb: tuple[int, int, int] = (20, 30, 40)) -> None:
    pdf.set_font("Helvetica", size=size)
    pdf.set_text_color(*rgb)
    pdf.multi_cell(0, size * 0.48, _text(text), new_x="LMARGIN", new_y="NEXT")


def _bullets(pdf: Any, items: list[str]) -> None:
    pdf.set_font("Helvetica", size=10)
    pdf.set_text_color(20, 30, 40)
    for item in items:
        pdf.set_x(_MARGIN)
        pdf.cell(5, 4.8, _text("•"))
        pdf.multi_cell(0, 4.8, _text(item), new_x="LMARGIN", new_y="NEXT")
        pdf.ln(0.8)


def _rule(pdf: Any) -> None:
    pdf.set_draw_color(*_RULE_RGB)
    pdf.line(_MARGIN, pdf.get_y(), _PAGE_W - _MARGIN, pdf.get_y())
    pdf.ln(2)


def _tiles_table(pdf: Any, content: Content) -> None:
    lang = content.lang
    widths = (62.0, 40.0, 40.0, 36.0)
    heads = (
        t("report.tiles.figure", lang),
        t("report.tiles.now", lang, period=content.period.label(lang)),
        t("report.tiles.before", lang, period=content.period.previous_label(lang)),
        t("report.tiles.change", lang),
    )
    pdf.set_font("Helvetica", "B", 9)
    pdf.set_fill_color(236, 240, 243)
    pdf.set_text_color(20, 30, 40)
    for width, head, align in zip(widths, heads, "LRRR", strict=True):
        pdf.cell(width, 7, _text(head), border="B", align=align, fill=True)
    pdf.ln(7)
    colours = {"good": _GOOD_RGB, "bad": _BAD_RGB, "neutral": _NEUTRAL_RGB}
    for tile in content.tiles:
        pdf.set_font("Helvetica", size=10)
        pdf.set_text_color(20, 30, 40)
        # "Backlog now" on the page; in a report about a past month, at the period's end.
        label = t("report.tile.backlog", lang) if tile.key == "backlog" else tile.label(lang)
        pdf.cell(widths[0], 7, _text(label), border="B")
        pdf.set_font("Helvetica", "B", 10)
        pdf.cell(widths[1], 7, _text(tile.value_text(lang)), border="B", align="R")
        pdf.set_font("Helvetica", size=10)
        pdf.cell(widths[2], 7, _text(tile.previous_text(lang)), border="B", align="R")
        pdf.set_text_color(*colours[tile.verdict])
        pdf.cell(widths[3], 7, _text(tile.change_text(lang)), border="B", align="R")
        pdf.ln(7)
    pdf.ln(1)
    _para(pdf, t("report.tiles.legend", lang), size=8, rgb=_MUTED_RGB)


@dataclass(frozen=True)
class _Box:
    page: int  # 0-based
    x: float  # mm from the left
    y: float  # mm from the top
    w: float
    h: float
    pdf: bytes


def _chart_size(pdf_bytes: bytes) -> tuple[float, float]:
    from pypdf import PdfReader

    box = PdfReader(io.BytesIO(pdf_bytes)).pages[0].mediabox
    return float(box.width), float(box.height)


def layout(content: Content) -> bytes:
    """The report as PDF bytes (waits for the charts still rendering)."""
    lang = content.lang
    period = content.period
    office = content.office
    title = t(f"report.title.{period.kind}", lang)
    pdf = _make_pdf(
        f"{title} - {period.label(lang)}",
        f"{office.name} · {title} · {period.label(lang)}",
        lang,
    )
    pdf.add_page()

    # Letterhead.
    pdf.set_font("Helvetica", "B", 15)
    pdf.set_text_color(20, 30, 40)
    pdf.multi_cell(0, 7, _text(office.name), new_x="LMARGIN", new_y="NEXT")
    if office.regency:
        _para(pdf, office.regency, size=11)
    if office.address:
        _para(pdf, office.address, size=9, rgb=_MUTED_RGB)
    pdf.ln(2)
    _rule(pdf)
    _heading(pdf, f"{title}: {period.label(lang)}", 14)
    lines = [
        t(
            "report.period",
            lang,
            range=i18n.fmt_range(period.start, period.end, lang),
            days=i18n.fmt_int(period.days, lang),
        )
        + (t("report.partial", lang) if period.partial else ""),
        t(
            "report.compared",
            lang,
            period=period.previous_label(lang),
            range=i18n.fmt_range(period.prev_start, period.prev_end, lang),
        ),
    ]
    if content.filters.active:
        lines.append(t("report.filters", lang, filters=_filters_text(content.filters, lang)))
    lines.append(
        t(
            "report.generated",
            lang,
            when=i18n.fmt_datetime_long(content.generated_at.replace(tzinfo=None), lang),
            tz=_tz_name(config.office_tz()),
        )
    )
    for line in lines:
        _para(pdf, line, size=9, rgb=_MUTED_RGB)
    pdf.ln(3)

    if not content.has_data:
        _heading(pdf, t("report.no_data.title", lang))
        _para(pdf, t("report.no_data.body", lang, period=period.label(lang)))
        pdf.ln(3)
        _heading(pdf, t("report.alerts", lang), 11)
        _bullets(pdf, content.alerts or [t("report.alerts.none", lang)])
        pdf.ln(4)
        _para(pdf, content.quality, size=8, rgb=_MUTED_RGB)
        return bytes(pdf.output())

    _heading(pdf, t("report.tiles", lang))
    _tiles_table(pdf, content)
    pdf.ln(3)
    _heading(pdf, t("report.summary", lang))
    _bullets(pdf, content.sentences)
    if content.decisions:
        pdf.ln(1)
        _heading(pdf, t("report.decisions", lang), 11)
        _bullets(pdf, content.decisions)
    pdf.ln(1)
    _heading(pdf, t("report.alerts", lang), 11)
    _bullets(pdf, content.alerts or [t("report.alerts.none", lang)])

    boxes: list[_Box] = []
    width = _PAGE_W - 2 * _MARGIN
    for chart in content.charts:
        try:
            rendered = chart.pdf.result() if chart.pdf is not None else None
        except ChartTimeout:
            rendered, chart.empty_text = None, t("report.chart.timeout", lang)
        height = 12.0
        if rendered is not None:
            cw, ch = _chart_size(rendered)
            height = width * ch / cw
        # Heading, caption and chart stay together on one page.
        if pdf.get_y() + 16 + height > _PAGE_H - 20:
            pdf.add_page()
        else:
            pdf.ln(4)
        _heading(pdf, t(f"report.chart.{chart.key}", lang), 11)
        _para(pdf, t(f"report.chart.{chart.key}.caption", lang), size=8, rgb=_MUTED_RGB)
        pdf.ln(1)
        if rendered is None:
            _para(pdf, chart.empty_text, size=10, rgb=_MUTED_RGB)
            continue
        boxes.append(_Box(pdf.page_no() - 1, _MARGIN, pdf.get_y(), width, height, rendered))
        pdf.set_y(pdf.get_y() + height)

    if pdf.get_y() > _PAGE_H - 40:
        pdf.add_page()
    pdf.ln(5)
    _rule(pdf)
    _para(pdf, content.quality, size=8, rgb=_MUTED_RGB)
    return _place_charts(bytes(pdf.output()), boxes)


def _place_charts(document: bytes, boxes: list[_Box]) -> bytes:
    """Put each chart's vector page into its box on the laid-out pages.

    Each chart page becomes a Form XObject (its content stream and resources as they
    are) drawn with one `cm ... Do` at its box. pypdf's `merge_transformed_page` does
    the same drawing but parses and rewrites every operator of both pages on each merge
    (~0.1-0.2 s a chart here); a form needs no parsing."""
    if not boxes:
        return document
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import (
        ArrayObject,
        DecodedStreamObject,
        DictionaryObject,
        FloatObject,
        NameObject,
    )

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(document)))
    for number, box in enumerate(boxes, start=1):
        chart = PdfReader(io.BytesIO(box.pdf)).pages[0]
        left, bottom, right, top = (float(v) for v in chart.mediabox)
        cw, ch = right - left, top - bottom
        contents = chart["/Contents"].get_object()
        parts = contents if isinstance(contents, ArrayObject) else [contents]
        form = DecodedStreamObject()
        form.set_data(b"\n".join(part.get_object().get_data() for part in parts))
        form.update(
            {
                NameObject("/Type"): NameObject("/XObject"),
                NameObject("/Subtype"): NameObject("/Form"),
                NameObject("/BBox"): ArrayObject(
                    [FloatObject(left), FloatObject(bottom), FloatObject(right), FloatObject(top)]
                ),
                NameObject("/Resources"): chart["/Resources"].get_object().clone(writer),
            }
        )
        form_ref = writer._add_object(form)
        scale = min(box.w * _MM / cw, box.h * _MM / ch)
        x = box.x * _MM - left * scale
        # PDF y runs upwards from the bottom edge; the layout's from the top.
        y = (_PAGE_H - box.y - box.h) * _MM - bottom * scale
        name = f"/Chart{number}"
        page = writer.pages[box.page]
        resources = page.setdefault(NameObject("/Resources"), DictionaryObject()).get_object()
        xobjects = resources.setdefault(NameObject("/XObject"), DictionaryObject()).get_object()
        xobjects[NameObject(name)] = form_ref
        draw = DecodedStreamObject()
        draw.set_data(f"q {scale:.5f} 0 0 {scale:.5f} {x:.3f} {y:.3f} cm {name} Do Q".encode())
        existing = page["/Contents"]
        streams = (
            existing.get_object() if isinstance(existing.get_object(), ArrayObject) else [existing]
        )
        page[NameObject("/Contents")] = ArrayObject([*streams, writer._add_object(draw)])
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


# ---------------------------------------------------------------- the entry point


def build(
    con: duckdb.DuckDBPyConnection,
    period: Period,
    *,
    actor: roles.Actor,
    lang: str = "id",
    filters: metrics.Filters = metrics.NO_FILTERS,
    now: datetime | None = None,
) -> bytes:
    """The report as PDF bytes, audited. `con` must be writable (the audit row).

    Raises `roles.PermissionDenied` for an actor who may not see the overview or take
    aggregate downloads."""
    from dashboard import exports

    roles.require(actor, "view")
    roles.require(actor, "export_aggregate")
    content = collect(con, period, lang=lang, filters=filters, now=now)
    data = layout(content)
    # Logged before the bytes leave: a report that cannot be logged is not made.
    exports.audit(
        con,
        actor,
        f"report:{'monthly' if period.kind == 'month' else 'weekly'}",
        exports.filters_json(filters, period.start, period.end),
        "pdf",
        period.days,
    )
    return data


def filename(period: Period, lang: str = "id") -> str:
    """`laporan-bulanan-2020-07.pdf` / `monthly-report-2020-W28.pdf`."""
    stem = t(f"report.file.{period.kind}", lang)
    return f"{stem}-{period.code}.pdf"


def current_actor(actor: roles.Actor) -> roles.Actor:
    """The account as it is now: a button may be clicked long after the page was drawn,
    and a user disabled or moved to another role since then must not get the report."""
    from dashboard import users

    user = users.get(actor.username)
    if user is None or user.disabled:
        raise roles.PermissionDenied(f"{actor.username} is no longer an active account")
    return user.actor()


def generator(
    period: Period, actor: roles.Actor, lang: str, filters: metrics.Filters
) -> Callable[[], bytes]:
    """The deferred callable behind the overview's download button: the report is made
    at the click, on its own short store connection, for the account as it is then."""

    def generate() -> bytes:
        from dashboard import store

        who = current_actor(actor)
        with store.connect() as con:
            return build(con, period, actor=who, lang=lang, filters=filters)

    return generate
