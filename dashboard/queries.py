"""Named, parameterised SQL for the page aggregates that are not contract metrics.

The contract's own numbers (CONTRACT section 3) live in `metrics.py`; this module holds
what the screening, channels and data-quality pages add on top: channel shares, the
kecamatan x channel table, the temperature distribution, the import ledger and the
quarantine. Every function runs one statement with bound values and returns a small,
already aggregated frame (never raw appointment rows). Where a page number *is* a
contract metric (the screening funnel, rejection rates, lead times) it is built from
`metrics`, so each number has one definition.

Filters come from `metrics` too: the request/appointment filter CTE (`fr`, `fa`) and its
bound parameters are reused, so "filtered by channel" means the same thing everywhere,
including that an orphan appointment counts only in unfiltered views.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import duckdb
import pandas as pd

from dashboard import config, metrics, store
from dashboard.metrics import Filters

#: Time grains a chart may group by; the value is bound into `date_trunc`, never pasted.
GRAINS: tuple[str, ...] = ("day", "week", "month")

#: Body temperature at or above which a person is turned away (Kemenkes protocol).
FEVER_THRESHOLD_C = Decimal("37.5")

#: Width of a temperature bin; bins are aligned so the threshold is a bin edge.
TEMPERATURE_BIN_C = Decimal("0.2")

#: Most rows a quarantine page may ask for at once.
MAX_PAGE_SIZE = 500

# The filter CTEs: `fr` (requests passing the filters) and `fa` (appointments whose
# request passes them), from the table macros `metrics._prepare` installs on the
# connection, so the filters have one definition. The macros take the bound filter
# values `metrics._filter_params` returns, in that order.
_FILTER_ARGS = ", ".join("$" + name for name in metrics._filter_params(metrics.NO_FILTERS))
_FILTERED = "".join(
    (
        "fr AS (SELECT * FROM m_requests(",
        _FILTER_ARGS,
        ")),\nfa AS (SELECT * FROM m_appointments(",
        _FILTER_ARGS,
        ")),\n",
    )
)


def _with_filters(body: str) -> str:
    """The filter CTEs, then `body` (more CTEs and the final SELECT); constant text only."""
    return "".join(("WITH ", _FILTERED, body))


def _check_grain(grain: str) -> str:
    if grain not in GRAINS:
        raise ValueError(f"grain must be one of {', '.join(GRAINS)}, not {grain!r}")
    return grain


def _range_params(
    con: duckdb.DuckDBPyConnection, start: date, end: date, filters: Filters
) -> dict[str, Any]:
    """Install the filter macros on `con`; the bound values for range + filters."""
    start, end = metrics._check_range(start, end)
    params: dict[str, Any] = {"start": start, "end": end}
    params.update(metrics._prepare(con, filters))
    return params


# ------------------------------------------------------------------------ channels

_CHANNEL_SHARE_SQL = _with_filters(
    """
per AS (
    -- A week or month that began before the range is labelled with the range's first
    -- day, so no label falls outside the dates the person chose.
    SELECT greatest(CAST(date_trunc($grain, received_date) AS DATE), CAST($start AS DATE))
               AS period,
           channel, count(*) AS requests
    FROM fr WHERE received_date BETWEEN $start AND $end
    GROUP BY ALL
)
SELECT period, channel, requests,
       requests / sum(requests) OVER (PARTITION BY period) AS share
FROM per ORDER BY period, channel
"""
)


def channel_share(
    con: duckdb.DuckDBPyConnection,
    start: date,
    end: date,
    filters: Filters = metrics.NO_FILTERS,
    grain: str = "week",
) -> pd.DataFrame:
    """Requests received per period and channel, with each channel's share of the period.

    Columns: period (date: the day, or the first day of the week/month within the
    range), channel, requests, share (0..1; the shares of a period sum to 1). Periods
    and channels without requests are absent.
    """
    params = _range_params(con, start, end, filters)
    params["grain"] = _check_grain(grain)
    frame = con.execute(_CHANNEL_SHARE_SQL, params).df()
    frame["period"] = pd.to_datetime(frame["period"])
    return frame.astype({"requests": "int64", "share": "float64"})


_CHANNEL_OUTCOME_SQL = _with_filters(
    """
req AS (
    SELECT channel, count(*) AS requests
    FROM fr WHERE received_date BETWEEN $start AND $end GROUP BY channel
),
rec AS (
    -- Recordings by the channel of their request; an orphan has no channel and is left
    -- out of this comparison.
    SELECT fr.channel, count(*) AS recorded
    FROM fa JOIN fr ON fr.request_id = fa.request_id
    WHERE fa.status = 'recorded' AND fa.recorded_date BETWEEN $start AND $end
    GROUP BY fr.channel
),
both_ AS (
    SELECT coalesce(req.channel, rec.channel) AS channel,
           coalesce(req.requests, 0) AS requests,
           coalesce(rec.recorded, 0) AS recorded
    FROM req FULL OUTER JOIN rec ON rec.channel = req.channel
)
SELECT channel, requests, recorded,
       requests / nullif(sum(requests) OVER (), 0) AS request_share,
       recorded / nullif(sum(recorded) OVER (), 0) AS recorded_share
FROM both_ ORDER BY channel
"""
)


def channel_outcomes(
    con: duckdb.DuckDBPyConnection,
    start: date,
    end: date,
    filters: Filters = metrics.NO_FILTERS,
) -> pd.DataFrame:
    """Each channel's share of the requests received vs its share of the recordings done.

    Columns: channel, requests (received in the range), recorded (appointments recorded
    in the range, by their request's channel), request_share, recorded_share (NaN when
    there are no requests / recordings at all). A channel whose recorded share stays
    well below its request share is one whose people wait longer.
    """
    frame = con.execute(_CHANNEL_OUTCOME_SQL, _range_params(con, start, end, filters)).df()
    return frame.astype(
        {
            "requests": "int64",
            "recorded": "int64",
            "request_share": "float64",
            "recorded_share": "float64",
        }
    )


_KECAMATAN_CHANNEL_SQL = _with_filters(
    """
per AS (
    SELECT r.kecamatan_key, fr.channel, count(*) AS requests
    FROM fr JOIN requests AS r ON r.request_id = fr.request_id
    WHERE fr.received_date BETWEEN $start AND $end
    GROUP BY ALL
),
names AS (
    -- The spelling used most in the whole store, as the sidebar's kecamatan filter shows.
    SELECT kecamatan_key, mode(kecamatan) AS kecamatan
    FROM requests WHERE kecamatan_key IN (SELECT kecamatan_key FROM per)
    GROUP BY kecamatan_key
)
SELECT per.kecamatan_key, names.kecamatan, per.channel, per.requests,
       per.requests / sum(per.requests) OVER (PARTITION BY per.kecamatan_key) AS share
FROM per LEFT JOIN names ON names.kecamatan_key = per.kecamatan_key
ORDER BY per.kecamatan_key NULLS LAST, per.channel
"""
)


def kecamatan_channel(
    con: duckdb.DuckDBPyConnection,
    start: date,
    end: date,
    filters: Filters = metrics.NO_FILTERS,
) -> pd.DataFrame:
    """Requests received per kecamatan and channel (for a heatmap).

    Columns: kecamatan_key (lower/trim; None when the request gave no kecamatan),
    kecamatan (the most used spelling, for display), channel, requests, share (of the
    kecamatan's requests).
    """
    frame = con.execute(_KECAMATAN_CHANNEL_SQL, _range_params(con, start, end, filters)).df()
    return frame.astype({"requests": "int64", "share": "float64"})


# The lead time of CONTRACT 3 as `metrics.lead_times` defines it (the earliest
# scheduled_date among all of a request's appointments, whatever their status, minus the
# received date; requests with no appointment left out), grouped by channel in one pass.
# Only the appointments of requests received in the range are grouped: grouping all of
# them first (1M rows) took 0.2 s per channel. tests/test_queries.py checks each channel
# against `metrics.lead_time_summary` so the two cannot drift apart.
_LEAD_BY_CHANNEL_SQL = _with_filters(
    """
in_range AS (
    SELECT request_id, received_date, channel FROM fr
    WHERE received_date BETWEEN $start AND $end
),
first_slot AS (
    SELECT request_id, min(scheduled_date) AS first_date FROM appointments
    WHERE request_id IN (SELECT request_id FROM in_range)
    GROUP BY request_id
),
lead AS (
    SELECT i.channel, CAST(f.first_date - i.received_date AS BIGINT) AS days
    FROM in_range AS i JOIN first_slot AS f ON f.request_id = i.request_id
)
SELECT channel, count(*) AS n, quantile_cont(days, 0.5) AS median,
       quantile_cont(days, 0.9) AS p90,
       avg(CASE WHEN days <= 14 THEN 1.0 ELSE 0.0 END) AS share_within_14
FROM lead GROUP BY channel
"""
)


def lead_time_by_channel(
    con: duckdb.DuckDBPyConnection,
    start: date,
    end: date,
    filters: Filters = metrics.NO_FILTERS,
) -> pd.DataFrame:
    """Lead time (CONTRACT 3: first appointment's date - date received) per channel.

    Columns: channel, n, median, p90, share_within_14; one row per channel (in the
    order of `metrics.CHANNELS`, within the channel filter) with at least one scheduled
    request; the figures equal `metrics.lead_time_summary` narrowed to that channel.
    """
    channels = filters.channels or metrics.CHANNELS
    found = con.execute(_LEAD_BY_CHANNEL_SQL, _range_params(con, start, end, filters)).df()
    by_channel = {row.channel: row for row in found.itertuples(index=False)}
    rows = [
        {
            "channel": channel,
            "n": int(by_channel[channel].n),
            "median": float(by_channel[channel].median),
            "p90": float(by_channel[channel].p90),
            "share_within_14": float(by_channel[channel].share_within_14),
        }
        for channel in channels
        if channel in by_channel and by_channel[channel].n
    ]
    columns = ["channel", "n", "median", "p90", "share_within_14"]
    frame = pd.DataFrame(rows, columns=columns)
    return frame.astype(
        {"n": "int64", "median": "float64", "p90": "float64", "share_within_14": "float64"}
    )


# ----------------------------------------------------------------------- screening

#: The funnel's stages in order; each is a sum of a contract metric over the range
#: except `passed` (checked in and not turned away).
FUNNEL_STAGES: tuple[str, ...] = ("scheduled", "checked_in", "passed", "turned_away", "recorded")


def screening_funnel(
    con: duckdb.DuckDBPyConnection,
    start: date,
    end: date,
    filters: Filters = metrics.NO_FILTERS,
) -> pd.DataFrame:
    """The screening funnel over the range: scheduled -> checked in -> passed / turned
    away -> recorded, plus no-shows, as the sums of the contract's daily metrics.

    Columns: stage (FUNNEL_STAGES, then `no_show`), appointments. Each stage counts by
    its own date (scheduled by scheduled date, checked in by visit date, recorded by
    recorded date), exactly as the daily metrics do, so at the edges of a range a
    stage can exceed the one before it.
    """
    daily = metrics.daily(con, start, end, filters)
    checked_in = int(daily["checked_in"].sum())
    rejected = int(daily["screening_rejected"].sum())
    values = {
        "scheduled": int(daily["scheduled"].sum()),
        "checked_in": checked_in,
        "passed": checked_in - rejected,
        "turned_away": rejected,
        "recorded": int(daily["recorded"].sum()),
        "no_show": int(daily["no_show"].sum()),
    }
    return pd.DataFrame({"stage": list(values), "appointments": list(values.values())}).astype(
        {"appointments": "int64"}
    )


def rejection_rate_series(
    con: duckdb.DuckDBPyConnection,
    start: date,
    end: date,
    filters: Filters = metrics.NO_FILTERS,
    grain: str = "week",
) -> pd.DataFrame:
    """Rejection rate (screening_rejected / checked_in) per period, from the daily metrics.

    Columns: period (first day of the period within the range), checked_in,
    screening_rejected, rejection_rate (NaN for a period nobody checked in).
    """
    _check_grain(grain)
    daily = metrics.daily(con, start, end, filters)
    dates = pd.to_datetime(daily["date"])
    if grain == "day":
        period = dates
    else:
        # Weeks start on Monday; a period that began before the range takes its first day.
        period = dates.dt.to_period("W-SUN" if grain == "week" else "M").dt.start_time
        period = period.where(period >= dates.min(), dates.min())
    grouped = (
        daily.assign(period=period)
        .groupby("period", as_index=False)[["checked_in", "screening_rejected"]]
        .sum()
    )
    grouped["rejection_rate"] = grouped["screening_rejected"] / grouped["checked_in"].where(
        grouped["checked_in"] > 0
    )
    return grouped.astype(
        {"checked_in": "int64", "screening_rejected": "int64", "rejection_rate": "float64"}
    )


_TEMPERATURE_SQL = _with_filters(
    """
measured AS (
    -- Checked-in people (status recorded or rejected, CONTRACT 3) with a temperature.
    -- In whole tenths of a degree, so the binning is exact integer arithmetic. Bin
    -- edges sit where the threshold sits (37.5 with 0.2 bins: ..., 37.3, 37.5, 37.7), so
    -- a bin lies wholly below or wholly at/above the threshold.
    SELECT ((CAST(round(temperature_c * 10) AS INTEGER) - $offset_10) // $width_10)
               * $width_10 + $offset_10 AS bin_10,
           status
    FROM fa
    WHERE status IN ('recorded', 'rejected') AND temperature_c IS NOT NULL
      AND visit_date BETWEEN $start AND $end
)
SELECT bin_10 / 10 AS bin_start,
       (bin_10 + $width_10) / 10 AS bin_end,
       bin_10 >= $threshold_10 AS at_or_above,
       count(*) FILTER (WHERE status = 'recorded') AS passed,
       count(*) FILTER (WHERE status = 'rejected') AS turned_away,
       count(*) AS checked_in
FROM measured GROUP BY bin_10 ORDER BY bin_10
"""
)


def _temperature_params() -> dict[str, Any]:
    width_10 = int(TEMPERATURE_BIN_C * 10)
    threshold_10 = int(FEVER_THRESHOLD_C * 10)
    # Temperatures are >= 30 °C (ingest's plausible range), so floor division is exact.
    return {
        "width_10": width_10,
        "offset_10": threshold_10 % width_10,
        "threshold_10": threshold_10,
    }


def temperature_bins(
    con: duckdb.DuckDBPyConnection,
    start: date,
    end: date,
    filters: Filters = metrics.NO_FILTERS,
) -> pd.DataFrame:
    """Temperatures of the people checked in (by visit date), counted in 0.2 °C bins.

    Columns: bin_start, bin_end (°C; a bin holds bin_start <= t < bin_end),
    at_or_above (the bin is at or above FEVER_THRESHOLD_C), passed, turned_away,
    checked_in. Only bins with someone in them are returned; no individual reading
    leaves the database.
    """
    params = _range_params(con, start, end, filters)
    params.update(_temperature_params())
    frame = con.execute(_TEMPERATURE_SQL, params).df()
    return frame.astype(
        {
            "bin_start": "float64",
            "bin_end": "float64",
            "at_or_above": "bool",
            "passed": "int64",
            "turned_away": "int64",
            "checked_in": "int64",
        }
    )


_SCREENING_CHECKS_SQL = _with_filters(
    """
seen AS (
    SELECT * FROM fa
    WHERE status IN ('recorded', 'rejected') AND visit_date BETWEEN $start AND $end
)
SELECT count(*) AS checked_in,
       count(temperature_c) AS measured,
       count(*) FILTER (WHERE temperature_c >= $threshold) AS at_or_above,
       count(*) FILTER (WHERE temperature_c >= $threshold AND status = 'recorded')
           AS admitted_with_fever,
       count(*) FILTER (WHERE rejection_reason = 'fever' AND temperature_c < $threshold)
           AS fever_below_threshold,
       count(*) FILTER (WHERE mask = false AND status = 'recorded') AS admitted_without_mask,
       count(*) FILTER (WHERE handwash = false AND status = 'recorded')
           AS admitted_without_handwash
FROM seen
"""
)


def screening_checks(
    con: duckdb.DuckDBPyConnection,
    start: date,
    end: date,
    filters: Filters = metrics.NO_FILTERS,
) -> dict[str, int]:
    """Whether the screening rules were applied, over the people checked in in the range.

    Keys: checked_in, measured (with a temperature), at_or_above (>= the threshold),
    admitted_with_fever (at/above it yet recorded), fever_below_threshold (turned away
    for fever with a reading below it), admitted_without_mask, admitted_without_handwash.
    The last four should be 0; anything else is worth a word with the screening desk.
    """
    params = _range_params(con, start, end, filters)
    params["threshold"] = FEVER_THRESHOLD_C
    cursor = con.execute(_SCREENING_CHECKS_SQL, params)
    names = [d[0] for d in cursor.description]
    row = cursor.fetchone()
    return {name: int(value or 0) for name, value in zip(names, row or (), strict=False)}


# -------------------------------------------------------------------- data quality

_IMPORT_HISTORY_SQL = """
SELECT import_id, file_name, kind, rows_read, inserted, updated, unchanged, quarantined,
       orphans, warnings, imported_by,
       -- The ledger stores instants; show them on the office clock.
       timezone($tz, started_at) AS started_at,
       timezone($tz, finished_at) AS finished_at
FROM imports
ORDER BY import_id DESC
LIMIT $limit
"""


def import_history(con: duckdb.DuckDBPyConnection, limit: int = 200) -> pd.DataFrame:
    """The import ledger, newest first: the five accounting numbers per file, plus
    orphans, warnings, who imported it and when (office-local time)."""
    return con.execute(
        _IMPORT_HISTORY_SQL, {"tz": config.office_tz(), "limit": _check_limit(limit)}
    ).df()


def _check_limit(limit: int, most: int = 10_000) -> int:
    limit = int(limit)
    if not 1 <= limit <= most:
        raise ValueError(f"limit must be between 1 and {most}, not {limit}")
    return limit


#: The `column` value that selects rows refused as a whole (their column_name is NULL).
WHOLE_ROW = "(row)"

# A quarantine filter: each condition is off when its value is NULL.
_QUARANTINE_WHERE = """
WHERE ($import_id IS NULL OR import_id = $import_id)
  AND ($column IS NULL OR ($column = $whole_row AND column_name IS NULL)
       OR column_name = $column)
  AND ($reason IS NULL OR contains(lower(reason), lower($reason)))
"""

_QUARANTINE_ROWS_SQL = "".join(
    (
        "SELECT import_id, file_name, kind, row_number, column_name, reason, raw FROM quarantine",
        _QUARANTINE_WHERE,
        "ORDER BY import_id DESC, row_number, column_name NULLS FIRST LIMIT $limit OFFSET $offset",
    )
)

_QUARANTINE_COUNT_SQL = "".join(("SELECT count(*) FROM quarantine", _QUARANTINE_WHERE))


def _quarantine_params(
    import_id: int | None, column: str | None, reason: str | None
) -> dict[str, Any]:
    return {
        "import_id": None if import_id is None else int(import_id),
        "column": column or None,
        "whole_row": WHOLE_ROW,
        "reason": (reason or "").strip() or None,
    }


def quarantine_rows(
    con: duckdb.DuckDBPyConnection,
    *,
    import_id: int | None = None,
    column: str | None = None,
    reason: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> pd.DataFrame:
    """One page of quarantined rows, newest import first, then by row number.

    `import_id` None = every import; `column` None = any column, WHOLE_ROW = rows
    refused as a whole (no single column), a name = that column; `reason` = text the reason
    contains (case-insensitive). Columns: import_id, file_name, kind, row_number,
    column_name, reason, raw (the row as read, JSON, with NIK/phone masked by ingest).
    """
    params = _quarantine_params(import_id, column, reason)
    params["limit"] = _check_limit(limit, MAX_PAGE_SIZE)
    params["offset"] = max(0, int(offset))
    return con.execute(_QUARANTINE_ROWS_SQL, params).df()


def quarantine_count(
    con: duckdb.DuckDBPyConnection,
    *,
    import_id: int | None = None,
    column: str | None = None,
    reason: str | None = None,
) -> int:
    """How many quarantined rows match the same filter as `quarantine_rows`."""
    row = con.execute(_QUARANTINE_COUNT_SQL, _quarantine_params(import_id, column, reason))
    return int(row.fetchone()[0])


_QUARANTINE_SUMMARY_SQL = """
SELECT column_name, count(*) AS rows
FROM quarantine
WHERE ($import_id IS NULL OR import_id = $import_id)
GROUP BY column_name
ORDER BY rows DESC, column_name NULLS FIRST
"""


def quarantine_summary(
    con: duckdb.DuckDBPyConnection, import_id: int | None = None
) -> pd.DataFrame:
    """Quarantined rows per column (None = the row as a whole): what to fix first, and
    the choices for the column filter. Columns: column_name, rows."""
    params = {"import_id": None if import_id is None else int(import_id)}
    return con.execute(_QUARANTINE_SUMMARY_SQL, params).df().astype({"rows": "int64"})


_QUARANTINE_IMPORTS_SQL = """
SELECT import_id, file_name, quarantined
FROM imports WHERE quarantined > 0
ORDER BY import_id DESC
LIMIT 500
"""


def quarantine_imports(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The imports that quarantined something (newest first), for the import filter.
    Columns: import_id, file_name, quarantined."""
    return con.execute(_QUARANTINE_IMPORTS_SQL).df()


# ---------------------------------------------------------------- the sidebar's facts


def store_info(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """What the sidebar and empty states need: demo flag, last import, data dates, options.

    `first_date`/`last_date` span the days with activity: requests received, and
    appointments checked in or recorded (scheduled dates may lie in the future).
    """
    dates = con.execute(
        """
        SELECT
          (SELECT min(received_date) FROM requests),
          (SELECT max(received_date) FROM requests),
          (SELECT min(visit_date) FROM appointments),
          (SELECT max(visit_date) FROM appointments WHERE status IN ('recorded', 'rejected')),
          (SELECT count(*) FROM requests),
          (SELECT count(*) FROM appointments)
        """
    ).fetchone()
    first_candidates = [d for d in (dates[0], dates[2]) if d is not None]
    last_candidates = [d for d in (dates[1], dates[3]) if d is not None]
    last_import = con.execute(
        "SELECT timezone(?, max(finished_at)) FROM imports", [config.office_tz()]
    ).fetchone()[0]
    kecamatan = con.execute(
        """
        SELECT kecamatan_key, mode(kecamatan) AS label
        FROM requests WHERE kecamatan_key IS NOT NULL AND kecamatan_key <> ''
        GROUP BY kecamatan_key ORDER BY kecamatan_key LIMIT 500
        """
    ).fetchall()
    services = con.execute(
        "SELECT DISTINCT service FROM requests ORDER BY service LIMIT 100"
    ).fetchall()
    return {
        "is_demo": store.is_demo(con),
        "last_import": last_import,
        "first_date": min(first_candidates) if first_candidates else None,
        "last_date": max(last_candidates) if last_candidates else None,
        "requests": int(dates[4]),
        "appointments": int(dates[5]),
        "kecamatan": [(str(k), str(label)) for k, label in kecamatan],
        "services": [str(s) for (s,) in services],
    }


_KECAMATAN_NAMES_SQL = """
SELECT mode(kecamatan) AS kecamatan
FROM requests WHERE kecamatan_key IS NOT NULL AND kecamatan_key <> ''
GROUP BY kecamatan_key ORDER BY kecamatan_key LIMIT $limit
"""


def kecamatan_names(con: duckdb.DuckDBPyConnection, limit: int = 500) -> list[str]:
    """The kecamatan the store's requests name, one spelling each (the one used most, as
    the sidebar's filter shows it), sorted: for the drop-down of the import templates
    (dashboard/templates.py). Read-only; at most `limit`."""
    rows = con.execute(_KECAMATAN_NAMES_SQL, {"limit": _check_limit(limit)}).fetchall()
    return [str(name) for (name,) in rows]
