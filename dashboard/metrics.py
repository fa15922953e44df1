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
from datetime import date
from typing import Any

import duckdb
import pandas as pd

from dashboard import capacity

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

_MACROS = (
    # Requests passing the filters.
    """
CREATE OR REPLACE TEMP MACRO m_requests(f_channels, f_kecamatan, f_services) AS TABLE
SELECT r.request_id, r.received_date, r.channel, r.service, r.cancelled_date
FROM requests AS r
WHERE (len(CAST(f_channels AS VARCHAR[])) = 0
       OR list_contains(CAST(f_channels AS VARCHAR[]), r.channel))
  AND (len(CAST(f_kecamatan AS VARCHAR[])) = 0
       OR list_contains(CAST(f_kecamatan AS VARCHAR[]), r.kecamatan_key))
  AND (len(CAST(f_services AS VARCHAR[])) = 0
       OR list_contains(CAST(f_services AS VARCHAR[]), r.service))
""",
    # Appointments whose request passes the filters; with no filter at all every
    # appointment passes, orphans included (CONTRACT 3).
    """
CREATE OR REPLACE TEMP MACRO m_appointments(f_channels, f_kecamatan, f_services, f_active)
AS TABLE
SELECT a.* FROM appointments AS a
WHERE NOT f_active
   OR a.request_id IN (SELECT request_id FROM m_requests(f_channels, f_kecamatan, f_services))
""",
    # ktp_el requests passing the filters with the date each closes (NULL: still open).
    # Closed at the earliest of any recorded appointment's recorded_date and the
    # cancellation date, never before the day it was received (a request recorded
    # "before" it arrived is a data-quality warning; a negative open span means nothing).
    """
CREATE OR REPLACE TEMP MACRO m_open_close(f_channels, f_kecamatan, f_services) AS TABLE
SELECT fr.request_id, fr.received_date,
       CASE WHEN rec.first_recorded IS NOT NULL OR fr.cancelled_date IS NOT NULL
            THEN greatest(fr.received_date, least(rec.first_recorded, fr.cancelled_date))
       END AS closed_date
FROM m_requests(f_channels, f_kecamatan, f_services) AS fr
LEFT JOIN (
    SELECT request_id, min(recorded_date) AS first_recorded
    FROM appointments WHERE status = 'recorded' GROUP BY request_id
) AS rec ON rec.request_id = fr.request_id
WHERE fr.service = 'ktp_el'
""",
)

_DAILY_SQL = """
WITH cal AS (
    SELECT * FROM cap_calendar($cal_start, $cal_end, $cal_default_cap, $cal_extra_holidays)
),
fr AS (SELECT * FROM m_requests($f_channels, $f_kecamatan, $f_services)),
fa AS (SELECT * FROM m_appointments($f_channels, $f_kecamatan, $f_services, $f_active)),
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
    for statement in _MACROS:
        con.execute(statement)
    return _filter_params(filters)


def _filter_params(filters: Filters) -> dict[str, Any]:
    """The bound filter values (kecamatan normalised like `kecamatan_key`)."""
    return {
        "f_channels": list(filters.channels),
        "f_kecamatan": [k.strip().lower() for k in filters.kecamatan],
        "f_services": list(filters.services),
        "f_active": filters.active,
    }


def _check_range(start: date, end: date) -> tuple[date, date]:
    start, end = _as_date(start), _as_date(end)
    if end < start:
        raise ValueError(f"the end date {end.isoformat()} is before the start {start.isoformat()}")
    return start, end


def _as_date(value: Any) -> date:
    if isinstance(value, pd.Timestamp):
        return value.date()
    if hasattr(value, "date") and callable(value.date):
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
    start, end = _check_range(start, end)
    params: dict[str, Any] = {"start": start, "end": end}
    params.update(capacity.calendar_params(con, start, end))
    params.update(_prepare(con, filters))
    frame = con.execute(_DAILY_SQL, params).df()
    int_columns = [c for c in DAILY_COLUMNS if c not in ("date", "utilization", "backlog_end")]
    frame = frame.astype({c: "int64" for c in int_columns})
    frame["utilization"] = frame["utilization"].astype("float64")
    frame["backlog_end"] = frame["backlog_end"].astype("Int64")
    if not filters.backlog_applies:
        frame["backlog_end"] = pd.NA
        frame["backlog_end"] = frame["backlog_end"].astype("Int64")
    return frame[list(DAILY_COLUMNS)]


def daily_csv(
    con: duckdb.DuckDBPyConnection, start: date, end: date, filters: Filters = NO_FILTERS
) -> str:
    """The exact text of `python -m dashboard export daily`: a header line, then one line
    per date; `\\n` line ends (the last line too), ISO dates, utilization with 4
    decimals, empty cells for an undefined utilization or backlog."""
    frame = daily(con, start, end, filters)
    lines = [",".join(DAILY_COLUMNS)]
    for row in frame.itertuples(index=False):
        cells = []
        for name, value in zip(DAILY_COLUMNS, row, strict=True):
            if name == "date":
                cells.append(pd.Timestamp(value).date().isoformat())
            elif name == "utilization":
                cells.append("" if pd.isna(value) else f"{value:.4f}")
            elif pd.isna(value):
                cells.append("")
            else:
                cells.append(str(int(value)))
        lines.append(",".join(cells))
    return "\n".join(lines) + "\n"
