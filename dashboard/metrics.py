"""The contract's daily metrics and derived figures (CONTRACT section 3), as small frames.

Every number is aggregated in DuckDB with bound parameters; only per-day or per-bucket
rows come back. `daily_csv` is the one writer of the `export daily` text: the CLI and
the page download both call it, so they are byte-identical.

Filters apply to requests directly and to appointments through their request, so an
orphan appointment (request not known) counts only in unfiltered views.

Backlog and the service filter: `backlog_end` is defined for e-KTP recording requests
(service `ktp_el`) only. Channel and kecamatan filters narrow it; a service filter that
includes `ktp_el` leaves it as is; a service filter without `ktp_el` makes it empty
(not applicable), rather than a misleading 0. The same holds for `open_request_ages`
and `project_clearance`, which are about the same backlog.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

import duckdb

from dashboard import capacity

if TYPE_CHECKING:
    import pandas as pd

DAILY_COLUMNS: tuple[str, ...] = (
    "date",
    "requests",
    "requests_whatsapp",
    "requests_walk_in",
    "requests_online",
    "requests_app",
    "scheduled",
    "checked_in",
    "screening_rejected",
    "recorded",
    "no_show",
    "cap",
    "utilization",
    "backlog_end",
)

CHANNELS = ("whatsapp", "walk_in", "online", "app")
RECORDING_SERVICE = "ktp_el"
AGE_BUCKETS: tuple[tuple[str, int, int | None], ...] = (
    ("0-7", 0, 7),
    ("8-14", 8, 14),
    ("15-30", 15, 30),
    ("31-60", 31, 60),
    (">60", 61, None),
)


@dataclass(frozen=True)
class Filters:
    """What the numbers are narrowed to; an empty tuple means all.

    Kecamatan values are compared on lower(trim(...)), the store's `kecamatan_key`.
    """

    channels: tuple[str, ...] = ()
    kecamatan: tuple[str, ...] = ()
    services: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        # Accept lists or a single string from callers; keep the dataclass hashable.
        for name in ("channels", "kecamatan", "services"):
            value = getattr(self, name)
            if isinstance(value, str):
                value = (value,)
            object.__setattr__(self, name, tuple(v for v in (value or ()) if v is not None))

    @classmethod
    def single(
        cls, channel: str | None = None, kecamatan: str | None = None, service: str | None = None
    ) -> Filters:
        """One value per dimension, None or "" meaning all (the CLI's options)."""
        return cls(
            channels=(channel,) if channel else (),
            kecamatan=(kecamatan,) if kecamatan else (),
            services=(service,) if service else (),
        )

    @property
    def active(self) -> bool:
        return bool(self.channels or self.kecamatan or self.services)

    @property
    def backlog_applies(self) -> bool:
        """Whether the backlog (ktp_el only) means anything under this service filter."""
        return not self.services or RECORDING_SERVICE in self.services


NO_FILTERS = Filters()


# ------------------------------------------------------------------ the SQL
#
# Static statements with bound values. The pieces several queries share are TEMP table
# macros (installed per connection by `_prepare`, so read-only connections work too): the
# filters are always bound (an empty list means all), so no SQL text is pasted together.

# Requests and appointments passing the filters. Without any filter the plain tables are
# installed under the same names (same signature, arguments unused), so the common
# unfiltered view pays for no filter test and no semi-join: `_prepare` picks the pair.
_MACROS_FILTERED = (
    """
CREATE OR REPLACE TEMP MACRO m_requests(f_channels, f_kecamatan, f_services) AS TABLE
SELECT r.request_id, r.received_date, r.channel, r.service, r.cancelled_date
FROM requests AS r
WHERE (len(CAST(f_channels AS VARCHAR[])) = 0
       OR list_contains(CAST(f_channels AS VARCHAR[]), r.channel))
  AND (len(CAST(f_kecamatan AS VARCHAR[])) = 0
       OR list_contains(list_transform(CAST(f_kecamatan AS VARCHAR[]), lambda k: lower(trim(k))),
                        r.kecamatan_key))
  AND (len(CAST(f_services AS VARCHAR[])) = 0
       OR list_contains(CAST(f_services AS VARCHAR[]), r.service))
""",
    # An orphan appointment has no request, so the semi-join drops it (CONTRACT 3).
    """
CREATE OR REPLACE TEMP MACRO m_appointments(f_channels, f_kecamatan, f_services) AS TABLE
SELECT a.* FROM appointments AS a
WHERE a.request_id IN (SELECT request_id FROM m_requests(f_channels, f_kecamatan, f_services))
""",
)

_MACROS_UNFILTERED = (
    """
CREATE OR REPLACE TEMP MACRO m_requests(f_channels, f_kecamatan, f_services) AS TABLE
SELECT r.request_id, r.received_date, r.channel, r.service, r.cancelled_date
FROM requests AS r
""",
    # Every appointment, orphans included (CONTRACT 3: they pass unfiltered views).
    """
CREATE OR REPLACE TEMP MACRO m_appointments(f_channels, f_kecamatan, f_services) AS TABLE
SELECT a.* FROM appointments AS a
""",
)

_MACROS = (
    # ktp_el requests passing the filters with the date each closes (NULL: still open).
    # `request_closures` is kept by every import (store.refresh_closed_dates, the one
    # definition): the earliest of any recorded appointment's recorded_date and the
    # cancellation date, never before the day it was received.
    """
CREATE OR REPLACE TEMP MACRO m_open_close(f_channels, f_kecamatan, f_services) AS TABLE
SELECT fr.request_id, fr.received_date, rc.closed_date
FROM m_requests(f_channels, f_kecamatan, f_services) AS fr
LEFT JOIN request_closures AS rc ON rc.request_id = fr.request_id
WHERE fr.service = 'ktp_el'
""",
    # Lead time in days of each request received l_start..l_end that has an appointment:
    # the earliest scheduled_date among its appointments minus the received date.
    """
CREATE OR REPLACE TEMP MACRO m_lead_days(f_channels, f_kecamatan, f_services, l_start, l_end)
AS TABLE
-- Group only the appointments of requests in the range (not all of history).
WITH in_range AS (
    SELECT request_id, received_date FROM m_requests(f_channels, f_kecamatan, f_services)
    WHERE received_date BETWEEN l_start AND l_end
)
SELECT CAST(first_slot.first_date - fr.received_date AS BIGINT) AS days
FROM in_range AS fr
JOIN (
    SELECT request_id, min(scheduled_date) AS first_date FROM appointments
    WHERE request_id IN (SELECT request_id FROM in_range) GROUP BY request_id
) AS first_slot ON first_slot.request_id = fr.request_id
""",
)

_DAILY_SQL = """
WITH cal AS (
    SELECT * FROM cap_calendar($cal_start, $cal_end, $cal_default_cap, $cal_extra_holidays)
),
fr AS (SELECT * FROM m_requests($f_channels, $f_kecamatan, $f_services)),
fa AS (SELECT * FROM m_appointments($f_channels, $f_kecamatan, $f_services)),
open_close AS (SELECT * FROM m_open_close($f_channels, $f_kecamatan, $f_services)),
req AS (
    SELECT received_date AS date, count(*) AS requests,
           count(*) FILTER (WHERE channel = 'whatsapp') AS requests_whatsapp,
           count(*) FILTER (WHERE channel = 'walk_in') AS requests_walk_in,
           count(*) FILTER (WHERE channel = 'online') AS requests_online,
           count(*) FILTER (WHERE channel = 'app') AS requests_app
    FROM fr WHERE received_date BETWEEN $start AND $end GROUP BY 1
),
sch AS (
    SELECT scheduled_date AS date,
           count(*) FILTER (WHERE status NOT IN ('cancelled', 'rescheduled')) AS scheduled,
           count(*) FILTER (WHERE status = 'no_show') AS no_show
    FROM fa WHERE scheduled_date BETWEEN $start AND $end GROUP BY 1
),
vis AS (
    SELECT visit_date AS date,
           count(*) AS checked_in,
           count(*) FILTER (WHERE status = 'rejected') AS screening_rejected
    FROM fa WHERE status IN ('recorded', 'rejected') AND visit_date BETWEEN $start AND $end
    GROUP BY 1
),
rec AS (
    SELECT recorded_date AS date, count(*) AS recorded
    FROM fa WHERE status = 'recorded' AND recorded_date BETWEEN $start AND $end GROUP BY 1
),
-- Backlog as a running sum: +1 on the day a request is received, -1 on the day it
-- closes; everything before $start is folded into the first day. One pass, no
-- per-day subquery, however long the range.
flows AS (
    SELECT greatest(received_date, CAST($start AS DATE)) AS date, count(*) AS delta
    FROM open_close WHERE received_date <= $end GROUP BY 1
    UNION ALL
    SELECT greatest(closed_date, CAST($start AS DATE)) AS date, -count(*) AS delta
    FROM open_close WHERE closed_date <= $end GROUP BY 1
),
net AS (SELECT date, sum(delta) AS delta FROM flows GROUP BY date)
SELECT cal.date,
       coalesce(req.requests, 0) AS requests,
       coalesce(req.requests_whatsapp, 0) AS requests_whatsapp,
       coalesce(req.requests_walk_in, 0) AS requests_walk_in,
       coalesce(req.requests_online, 0) AS requests_online,
       coalesce(req.requests_app, 0) AS requests_app,
       coalesce(sch.scheduled, 0) AS scheduled,
       coalesce(vis.checked_in, 0) AS checked_in,
       coalesce(vis.screening_rejected, 0) AS screening_rejected,
       coalesce(rec.recorded, 0) AS recorded,
       coalesce(sch.no_show, 0) AS no_show,
       cal.cap,
       CASE WHEN cal.cap > 0 THEN round(coalesce(rec.recorded, 0) / cal.cap, 4) END AS utilization,
       CAST(sum(coalesce(net.delta, 0)) OVER (
           ORDER BY cal.date ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
       ) AS BIGINT) AS backlog_end
FROM cal
LEFT JOIN req ON req.date = cal.date
LEFT JOIN sch ON sch.date = cal.date
LEFT JOIN vis ON vis.date = cal.date
LEFT JOIN rec ON rec.date = cal.date
LEFT JOIN net ON net.date = cal.date
ORDER BY cal.date
"""


def _prepare(con: duckdb.DuckDBPyConnection, filters: Filters) -> dict[str, Any]:
    """Install the macros on `con`; return the filter values they are called with."""
    pair = _MACROS_FILTERED if filters.active else _MACROS_UNFILTERED
    for statement in (*pair, *_MACROS):
        con.execute(statement)
    return _filter_params(filters)


def _filter_params(filters: Filters) -> dict[str, Any]:
    """The bound filter values; kecamatan is normalised in SQL with lower(trim(...)),
    exactly as ingest builds `kecamatan_key`."""
    return {
        "f_channels": list(filters.channels),
        "f_kecamatan": list(filters.kecamatan),
        "f_services": list(filters.services),
    }


def _check_range(start: date, end: date) -> tuple[date, date]:
    start, end = _as_date(start), _as_date(end)
    if end < start:
        raise ValueError(f"the end date {end.isoformat()} is before the start {start.isoformat()}")
    return start, end


def _as_date(value: Any) -> date:
    if isinstance(value, datetime):  # pd.Timestamp too
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        return date.fromisoformat(value.strip())
    raise ValueError(f"{value!r} is not a date")


# ------------------------------------------------------------------------- daily


def daily(
    con: duckdb.DuckDBPyConnection, start: date, end: date, filters: Filters = NO_FILTERS
) -> pd.DataFrame:
    """One row per date `start`..`end` inclusive with the columns `DAILY_COLUMNS`.

    `date` is datetime64 (midnight); counts and `cap` are int64; `utilization` is
    recorded/cap rounded to 4 decimals, NaN when the cap is 0; `backlog_end` is Int64,
    NA when the service filter excludes ktp_el (see the module docstring).

    Backlog: opened = ktp_el requests by received date, closed = the same by close date;
    backlog_end(d) = (opened up to d) - (closed up to d), a running sum over the days
    with everything before `start` folded into the first day, so the query is one pass
    over the tables however long the range.
    """
    import pandas as pd

    frame = _daily_result(con, start, end, filters).df()
    int_columns = [c for c in DAILY_COLUMNS if c not in ("date", "utilization", "backlog_end")]
    frame = frame.astype({c: "int64" for c in int_columns})
    frame["utilization"] = frame["utilization"].astype("float64")
    frame["backlog_end"] = frame["backlog_end"].astype("Int64")
    if not filters.backlog_applies:
        frame["backlog_end"] = pd.array([pd.NA] * len(frame), dtype="Int64")
    return frame[list(DAILY_COLUMNS)]


def _daily_result(
    con: duckdb.DuckDBPyConnection, start: date, end: date, filters: Filters
) -> duckdb.DuckDBPyConnection:
    start, end = _check_range(start, end)
    params: dict[str, Any] = {"start": start, "end": end}
    params.update(capacity.calendar_params(con, start, end))
    params.update(_prepare(con, filters))
    return con.execute(_DAILY_SQL, params)


def daily_csv(
    con: duckdb.DuckDBPyConnection, start: date, end: date, filters: Filters = NO_FILTERS
) -> str:
    """The exact text of `python -m dashboard export daily`: a header line, then one line
    per date; `\\n` line ends (the last line too), ISO dates, utilization with 4
    decimals, empty cells for an undefined utilization or backlog.

    Same query as `daily`, fetched as tuples: no pandas import, which is most of the
    CLI's start-up time otherwise.
    """
    rows = _daily_result(con, start, end, filters).fetchall()
    backlog = filters.backlog_applies
    lines = [",".join(DAILY_COLUMNS)]
    for row in rows:
        day, *counts, cap, utilization, backlog_end = row
        cells = [day.isoformat(), *(str(int(c)) for c in counts), str(int(cap))]
        cells.append("" if utilization is None else f"{utilization:.4f}")
        cells.append("" if not backlog or backlog_end is None else str(int(backlog_end)))
        lines.append(",".join(cells))
    return "\n".join(lines) + "\n"


# ------------------------------------------------------------- derived figures

_LEAD_TIMES_SQL = """
SELECT days, count(*) AS requests
FROM m_lead_days($f_channels, $f_kecamatan, $f_services, $start, $end)
GROUP BY days ORDER BY days
"""

_LEAD_SUMMARY_SQL = """
SELECT quantile_cont(days, 0.5) AS median, quantile_cont(days, 0.9) AS p90,
       avg(CASE WHEN days <= 14 THEN 1.0 ELSE 0.0 END) AS share_within_14,
       count(*) AS n
FROM m_lead_days($f_channels, $f_kecamatan, $f_services, $start, $end)
"""


def lead_times(
    con: duckdb.DuckDBPyConnection, start: date, end: date, filters: Filters = NO_FILTERS
) -> pd.DataFrame:
    """Lead-time distribution `days, requests` for requests received `start`..`end`.

    Lead time = the request's first appointment's scheduled_date - date(received_at), in
    days; "first" is the earliest scheduled_date among all its appointments, whatever
    their status (a rescheduled slot was still the first one offered). Requests with no
    appointment yet have no lead time and are left out.
    """
    start, end = _check_range(start, end)
    params = {"start": start, "end": end, **_prepare(con, filters)}
    return con.execute(_LEAD_TIMES_SQL, params).df().astype({"days": "int64", "requests": "int64"})


def lead_time_summary(
    con: duckdb.DuckDBPyConnection, start: date, end: date, filters: Filters = NO_FILTERS
) -> dict[str, float | int | None]:
    """`median`, `p90` (interpolated, days), `share_within_14` (0..1) and `n` of the lead
    times of `lead_times`; the first three are None when `n` is 0."""
    start, end = _check_range(start, end)
    params = {"start": start, "end": end, **_prepare(con, filters)}
    median, p90, share, n = con.execute(_LEAD_SUMMARY_SQL, params).fetchall()[0]
    if not n:
        return {"median": None, "p90": None, "share_within_14": None, "n": 0}
    return {
        "median": float(median),
        "p90": float(p90),
        "share_within_14": float(share),
        "n": int(n),
    }


_REJECTIONS_SQL = """
SELECT CAST(CASE WHEN $grain = 'week' THEN date_trunc('week', visit_date) ELSE visit_date END
            AS DATE) AS period,
       coalesce(rejection_reason, 'unknown') AS reason,
       count(*) AS rejections
FROM m_appointments($f_channels, $f_kecamatan, $f_services)
WHERE status = 'rejected' AND visit_date BETWEEN $start AND $end
GROUP BY ALL
ORDER BY period, reason
"""

GRAINS = ("day", "week")


def rejections_by_reason(
    con: duckdb.DuckDBPyConnection,
    start: date,
    end: date,
    filters: Filters = NO_FILTERS,
    grain: str = "day",
) -> pd.DataFrame:
    """Screening rejections `period, reason, rejections` by visit date.

    `grain` 'day' or 'week' (weeks start on Monday; `period` is the Monday). A rejection
    without a reason counts as `unknown`.
    """
    if grain not in GRAINS:
        raise ValueError(f"grain must be one of {', '.join(GRAINS)}, not {grain!r}")
    start, end = _check_range(start, end)
    params = {"start": start, "end": end, "grain": grain, **_prepare(con, filters)}
    return con.execute(_REJECTIONS_SQL, params).df().astype({"rejections": "int64"})


_RATES_SQL = """
SELECT count(*) FILTER (WHERE status IN ('recorded', 'rejected')
                        AND visit_date BETWEEN $start AND $end) AS checked_in,
       count(*) FILTER (WHERE status = 'rejected'
                        AND visit_date BETWEEN $start AND $end) AS screening_rejected,
       count(*) FILTER (WHERE status = 'recorded'
                        AND recorded_date BETWEEN $start AND $end) AS recorded,
       count(*) FILTER (WHERE status = 'no_show'
                        AND scheduled_date BETWEEN $start AND $end) AS no_show,
       count(*) FILTER (WHERE status NOT IN ('cancelled', 'rescheduled')
                        AND scheduled_date BETWEEN $start AND $end) AS scheduled
FROM m_appointments($f_channels, $f_kecamatan, $f_services)
"""


def rates(
    con: duckdb.DuckDBPyConnection, start: date, end: date, filters: Filters = NO_FILTERS
) -> dict[str, float | int | None]:
    """Period totals and rates, each count as in `daily` summed over `start`..`end`.

    `rejection_rate` = screening_rejected / checked_in; `no_show_rate` =
    no_show / (no_show + checked_in); each None when its denominator is 0.
    """
    start, end = _check_range(start, end)
    params = {"start": start, "end": end, **_prepare(con, filters)}
    checked_in, rejected, recorded, no_show, scheduled = con.execute(_RATES_SQL, params).fetchall()[
        0
    ]
    return {
        "checked_in": int(checked_in),
        "screening_rejected": int(rejected),
        "recorded": int(recorded),
        "no_show": int(no_show),
        "scheduled": int(scheduled),
        "rejection_rate": rejected / checked_in if checked_in else None,
        "no_show_rate": no_show / (no_show + checked_in) if (no_show + checked_in) else None,
    }


def rates_of_days(frame: pd.DataFrame) -> dict[str, float | int | None]:
    """`rates` of a period from its `daily` rows (same filters), without a query: by
    CONTRACT 3 a period's counts are its days' counts summed, and the rates are defined
    on those sums, so the keys and values are `rates`' own (tests/test_report.py and
    tests/test_projection.py compare the two)."""
    checked_in = int(frame["checked_in"].sum())
    rejected = int(frame["screening_rejected"].sum())
    no_show = int(frame["no_show"].sum())
    return {
        "checked_in": checked_in,
        "screening_rejected": rejected,
        "recorded": int(frame["recorded"].sum()),
        "no_show": no_show,
        "scheduled": int(frame["scheduled"].sum()),
        "rejection_rate": rejected / checked_in if checked_in else None,
        "no_show_rate": no_show / (no_show + checked_in) if (no_show + checked_in) else None,
    }


_AGE_BUCKETS_SQL = """
SELECT count(*) FILTER (WHERE age <= 7) AS b0,
       count(*) FILTER (WHERE age BETWEEN 8 AND 14) AS b1,
       count(*) FILTER (WHERE age BETWEEN 15 AND 30) AS b2,
       count(*) FILTER (WHERE age BETWEEN 31 AND 60) AS b3,
       count(*) FILTER (WHERE age > 60) AS b4
FROM (
    SELECT CAST($as_of AS DATE) - received_date AS age
    FROM m_open_close($f_channels, $f_kecamatan, $f_services)
    WHERE received_date <= $as_of AND (closed_date IS NULL OR closed_date > $as_of)
)
"""


def open_request_ages(
    con: duckdb.DuckDBPyConnection, as_of: date, filters: Filters = NO_FILTERS
) -> pd.DataFrame:
    """How long the backlog at the end of `as_of` has waited: `bucket, requests` for
    0-7, 8-14, 15-30, 31-60 and >60 days since received (always all five rows, in order;
    they add up to `backlog_end` of that day). No rows when the service filter excludes
    ktp_el (the backlog does not apply)."""
    import pandas as pd

    if not filters.backlog_applies:
        return pd.DataFrame({"bucket": pd.Series([], dtype="str"), "requests": []}).astype(
            {"requests": "int64"}
        )
    params = {"as_of": _as_date(as_of), **_prepare(con, filters)}
    counts = con.execute(_AGE_BUCKETS_SQL, params).fetchall()[0]
    return pd.DataFrame(
        {"bucket": [b[0] for b in AGE_BUCKETS], "requests": [int(c) for c in counts]}
    ).astype({"bucket": "str", "requests": "int64"})


# ------------------------------------------------------------------ projection

#: Days of history the projection learns demand and rates from.
RECENT_DAYS = 28

_DEMAND_SQL = """
SELECT isodow(received_date) AS dow, count(*) AS requests
FROM m_requests($f_channels, $f_kecamatan, $f_services)
WHERE service = 'ktp_el' AND received_date BETWEEN $start AND $end
GROUP BY 1
"""

_BACKLOG_AT_SQL = """
SELECT count(*)
FROM m_open_close($f_channels, $f_kecamatan, $f_services)
WHERE received_date <= $as_of AND (closed_date IS NULL OR closed_date > $as_of)
"""


@dataclass(frozen=True)
class Projection:
    """The outcome of `project_clearance` (see its docstring for the model)."""

    clear_date: date | None
    backlog_now: int
    daily_demand: float
    show_rate: float
    pass_rate: float
    series: pd.DataFrame
    demand_by_weekday: dict[int, float]
    rates_assumed: bool = False
    what_if_cap: int | None = None
    applicable: bool = True


def _empty_series() -> pd.DataFrame:
    import pandas as pd

    return pd.DataFrame(
        {
            "date": pd.Series([], dtype="datetime64[us]"),
            "cap": pd.Series([], dtype="int64"),
            "expected_recorded": pd.Series([], dtype="float64"),
            "backlog": pd.Series([], dtype="float64"),
        }
    )


def _from_daily(
    frame: pd.DataFrame | None, window_start: date, as_of: date
) -> tuple[int | None, dict[str, float | int | None] | None]:
    """(backlog_end of `as_of`, the window's rates) from a caller's `daily` frame, each
    None where the frame does not have the day, or all days of the window."""
    if frame is None or not len(frame):
        return None, None
    import pandas as pd

    days = pd.to_datetime(frame["date"]).dt.date
    at = frame.loc[days == as_of, "backlog_end"]
    backlog = None if len(at) != 1 or pd.isna(at.iloc[0]) else int(at.iloc[0])
    in_window = (days >= window_start) & (days <= as_of)
    window = frame[in_window]
    # Every day once: a frame with a gap or a repeated day must not pass for the window.
    whole = len(window) == RECENT_DAYS and days[in_window].nunique() == RECENT_DAYS
    return backlog, (rates_of_days(window) if whole else None)


def project_clearance(
    con: duckdb.DuckDBPyConnection,
    as_of: date,
    filters: Filters = NO_FILTERS,
    what_if_cap: int | None = None,
    horizon_days: int = 730,
    *,
    daily: pd.DataFrame | None = None,
) -> Projection:
    """When would the e-KTP backlog clear? A day-by-day fluid projection.

    Inputs, all from the store:
    - `backlog_now`: `backlog_end` of `as_of` (open ktp_el requests);
    - demand: new ktp_el requests per day over the last 28 days (`as_of`-27..`as_of`),
      by day of the week (4 of each weekday in the window, so count / 4);
    - the cap of each day ahead from the capacity calendar (rules, holidays, overrides);
      with `what_if_cap`, every open day (cap > 0) gets that cap instead, closed days
      stay closed;
    - show rate = checked_in / (checked_in + no_show) and pass rate = 1 - rejection rate
      (screening_rejected / checked_in), both over the same 28 days; when a denominator
      is 0 the rate is taken as 1 and `rates_assumed` is set.

    Each day d after `as_of`: waiting = backlog(d-1) + demand(weekday of d); the office
    can record at most cap(d) x show x pass people (a no-show or a turned-away person
    stays in the backlog and needs another slot); expected_recorded(d) =
    min(waiting, that); backlog(d) = waiting - expected_recorded(d). `clear_date` is the
    first day the backlog reaches 0 (`as_of` itself when it is 0 already), or None when
    it does not within `horizon_days`. `series` has one row per projected day up to the
    clear date (or the horizon): `date, cap, expected_recorded, backlog`.
    Not applicable (`applicable=False`) when the service filter excludes ktp_el.

    `daily`: a `daily` frame with the same `filters` the caller already has (the monthly
    report's previous + current month). Where it has the row of `as_of`, its
    `backlog_end` is `backlog_now` (the same definition, CONTRACT 3), and where it has
    all 28 days of the window, the rates are summed from its rows (`rates_of_days`):
    the same numbers without the two reads, the first of which scans all of history.
    """
    as_of = _as_date(as_of)
    if what_if_cap is not None:
        if isinstance(what_if_cap, bool) or not isinstance(what_if_cap, int) or what_if_cap < 0:
            raise ValueError(f"the what-if cap must be a whole number >= 0, not {what_if_cap!r}")
    if horizon_days < 1:
        raise ValueError("horizon_days must be at least 1")
    if not filters.backlog_applies:
        return Projection(None, 0, 0.0, 1.0, 1.0, _empty_series(), {}, True, what_if_cap, False)

    params = _prepare(con, filters)
    window_start = as_of - timedelta(days=RECENT_DAYS - 1)
    given_backlog, recent = _from_daily(daily, window_start, as_of)
    if given_backlog is None:
        backlog_now = int(con.execute(_BACKLOG_AT_SQL, {"as_of": as_of, **params}).fetchall()[0][0])
    else:
        backlog_now = given_backlog
    demand_rows = con.execute(
        _DEMAND_SQL, {"start": window_start, "end": as_of, **params}
    ).fetchall()
    weeks = RECENT_DAYS / 7
    demand = {dow: 0.0 for dow in range(1, 8)}
    for dow, count in demand_rows:
        demand[int(dow)] = count / weeks
    daily_demand = sum(demand.values()) / 7

    if recent is None:
        recent = rates(con, window_start, as_of, filters)
    assumed = False
    if recent["no_show_rate"] is None:
        show_rate, assumed = 1.0, True
    else:
        show_rate = 1.0 - float(recent["no_show_rate"])
    if recent["rejection_rate"] is None:
        pass_rate, assumed = 1.0, True
    else:
        pass_rate = 1.0 - float(recent["rejection_rate"])

    if backlog_now == 0:
        return Projection(
            as_of,
            0,
            daily_demand,
            show_rate,
            pass_rate,
            _empty_series(),
            demand,
            assumed,
            what_if_cap,
        )

    import pandas as pd

    ahead = capacity.calendar_rows(
        con, as_of + timedelta(days=1), as_of + timedelta(days=horizon_days)
    )
    backlog = float(backlog_now)
    clear_date: date | None = None
    dates, caps, recorded, backlogs = [], [], [], []
    for day, cap, _source in ahead:
        if what_if_cap is not None and cap > 0:
            cap = what_if_cap
        waiting = backlog + demand[day.isoweekday()]
        done = min(waiting, cap * show_rate * pass_rate)
        backlog = waiting - done
        if backlog < 1e-9:
            backlog = 0.0
        dates.append(day)
        caps.append(cap)
        recorded.append(done)
        backlogs.append(backlog)
        if backlog == 0.0:
            clear_date = day
            break
    series = pd.DataFrame(
        {
            "date": pd.to_datetime(pd.Series(dates, dtype="object")).astype("datetime64[us]"),
            "cap": pd.Series(caps, dtype="int64"),
            "expected_recorded": pd.Series(recorded, dtype="float64"),
            "backlog": pd.Series(backlogs, dtype="float64"),
        }
    )
    return Projection(
        clear_date,
        backlog_now,
        daily_demand,
        show_rate,
        pass_rate,
        series,
        demand,
        assumed,
        what_if_cap,
    )
