"""Daily capacity: the cap rules, Indonesian holidays, date overrides and their audit log.

The cap in force on a date (CONTRACT section 2) is decided, first match wins:

1. a date override covering the day (one date or a range, with a reason); when several
   cover it, the one created last wins (source `override`);
2. an Indonesian national public holiday: 0 (source `holiday`);
3. a weekday rule for that day of the week (source `weekday`); built in: Saturday and
   Sunday are 0 until a weekday rule says otherwise;
4. the default rule, else `config.DEFAULT_CAP` (source `default`).

Default and weekday rules are effective-dated: a change applies from its
`effective_from` date on (default: today in office time), so past days keep the cap that
was in force then. Among rules for the same scope, the one with the latest
`effective_from` on or before the day wins (ties: the one created last), the usual reading
of effective-dated tables. Every change writes its rule and an append-only
`capacity_audit` row in one transaction and bumps the data version.

Holidays live in the `holidays` table so a read-only connection (the CLI's
`export daily`) computes the calendar in SQL without importing the `holidays` package
(~60 ms of import time). `ensure_holidays` fills it; every capacity write fills
2015-2035 the first time. Reads of years the table does not cover fall back to the
package, passing those dates as a bound parameter, so the answer is right either way.

The cap is defined once, as the table macro `cap_calendar` (installed per connection by
`calendar_params`); `metrics.daily` reads it with `calendar_sql()` and the same parameters.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any, TypeVar
from zoneinfo import ZoneInfo

import duckdb

from dashboard import config, roles, store

if TYPE_CHECKING:  # pandas costs ~0.5 s to import; the CLI's export path avoids it
    import pandas as pd

#: Years filled on the first capacity write (and by `ensure_holidays()` without years).
HOLIDAY_YEARS = range(2015, 2036)

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_WEEKDAYS_ID = ("senin", "selasa", "rabu", "kamis", "jumat", "sabtu", "minggu")

_META_HOLIDAYS = "holiday_years"  # "2015..2035": the span the holidays table covers

T = TypeVar("T")


class CapacityError(ValueError):
    """A capacity change that cannot be made; the message says what to fix."""


# --------------------------------------------------------------------------- the SQL

# The cap of each day as a table macro, so every query that needs the cap (this module,
# metrics.daily) calls one definition with bound values instead of pasting SQL together.
# A TEMP macro lives with the connection, so read-only connections can create it too.
# Built-in weekday rule (CONTRACT 2): Saturday and Sunday closed unless a rule says so.
_CALENDAR_MACRO = """
CREATE OR REPLACE TEMP MACRO cap_calendar(cal_start, cal_end, cal_default_cap, cal_extra) AS TABLE
SELECT cal_days.date,
       CAST(CASE WHEN cal_ov.cap IS NOT NULL THEN cal_ov.cap
            WHEN cal_hol.day IS NOT NULL THEN 0
            WHEN cal_wk.cap IS NOT NULL THEN cal_wk.cap
            WHEN cal_days.dow IN (6, 7) THEN 0
            ELSE coalesce(cal_df.cap, cal_default_cap) END AS INTEGER) AS cap,
       CASE WHEN cal_ov.cap IS NOT NULL THEN 'override'
            WHEN cal_hol.day IS NOT NULL THEN 'holiday'
            WHEN cal_wk.cap IS NOT NULL OR cal_days.dow IN (6, 7) THEN 'weekday'
            ELSE 'default' END AS source
FROM (
    SELECT CAST(d AS DATE) AS date, isodow(d) AS dow
    FROM generate_series(CAST(cal_start AS DATE), CAST(cal_end AS DATE), INTERVAL 1 DAY) AS g(d)
) AS cal_days
LEFT JOIN (
    SELECT day FROM holidays
    UNION
    SELECT unnest(CAST(cal_extra AS DATE[])) AS day
) AS cal_hol ON cal_hol.day = cal_days.date
LEFT JOIN (
    SELECT CAST(g.d AS DATE) AS date, arg_max(o.cap, (o.created_at, o.override_id)) AS cap
    FROM capacity_overrides AS o,
         generate_series(o.date_from, o.date_to, INTERVAL 1 DAY) AS g(d)
    WHERE o.date_to >= CAST(cal_start AS DATE) AND o.date_from <= CAST(cal_end AS DATE)
    GROUP BY g.d
) AS cal_ov ON cal_ov.date = cal_days.date
LEFT JOIN LATERAL (
    SELECT arg_max(r.cap, (r.effective_from, r.created_at, r.rule_id)) AS cap
    FROM capacity_rules AS r
    WHERE r.scope = 'weekday' AND r.weekday = cal_days.dow AND r.effective_from <= cal_days.date
) AS cal_wk ON true
LEFT JOIN LATERAL (
    SELECT arg_max(r.cap, (r.effective_from, r.created_at, r.rule_id)) AS cap
    FROM capacity_rules AS r
    WHERE r.scope = 'default' AND r.effective_from <= cal_days.date
) AS cal_df ON true
"""

#: How a query reads the calendar; bind `calendar_params(con, start, end)` with it.
CALENDAR_SQL = (
    "SELECT date, cap, source FROM "
    "cap_calendar($cal_start, $cal_end, $cal_default_cap, $cal_extra_holidays)"
)


def calendar_sql() -> str:
    """The SELECT giving `date, cap, source` per day; parameters from `calendar_params`.

    Its parameter names start with `cal_` so a bigger query (metrics.daily) can call the
    macro next to its own named parameters.
    """
    return CALENDAR_SQL


def calendar_params(con: duckdb.DuckDBPyConnection, start: date, end: date) -> dict[str, Any]:
    """Install the `cap_calendar` macro on `con`; return the named parameters
    `calendar_sql()` needs for the days `start`..`end`."""
    start, end = _as_date(start, "start"), _as_date(end, "end")
    con.execute(_CALENDAR_MACRO)
    return {
        "cal_start": start,
        "cal_end": end,
        "cal_default_cap": config.DEFAULT_CAP,
        "cal_extra_holidays": _missing_holidays(con, start.year, end.year),
    }


_CALENDAR_ORDERED = """
SELECT date, cap, source
FROM cap_calendar($cal_start, $cal_end, $cal_default_cap, $cal_extra_holidays)
ORDER BY date
"""


def calendar(con: duckdb.DuckDBPyConnection, start: date, end: date) -> pd.DataFrame:
    """One row per day `start`..`end`: `date` (datetime64), `cap` (int), `source`."""
    params = calendar_params(con, start, end)
    if params["cal_start"] > params["cal_end"]:
        raise CapacityError("the end date is before the start date")
    return con.execute(_CALENDAR_ORDERED, params).df()


def calendar_rows(
    con: duckdb.DuckDBPyConnection, start: date, end: date
) -> list[tuple[date, int, str]]:
    """The same as `calendar`, as plain tuples (no pandas: the CLI's `capacity show`)."""
    params = calendar_params(con, start, end)
    if params["cal_start"] > params["cal_end"]:
        raise CapacityError("the end date is before the start date")
    return [(d, int(c), s) for d, c, s in con.execute(_CALENDAR_ORDERED, params).fetchall()]


def cap_on(con: duckdb.DuckDBPyConnection, day: date) -> tuple[int, str]:
    """The cap in force on one day and its source."""
    _, cap, source = calendar_rows(con, day, day)[0]
    return cap, source


# ------------------------------------------------------------------------ holidays


def _covered_years(con: duckdb.DuckDBPyConnection) -> tuple[int, int] | None:
    # fetchall, not store.get_meta's fetchone: DuckDB 2.0 keeps a half-fetched result
    # open, and the next register() on this connection would refuse to run.
    rows = con.execute("SELECT value FROM meta WHERE key = ?", [_META_HOLIDAYS]).fetchall()
    raw = rows[0][0] if rows else None
    if not raw:
        return None
    low, _, high = raw.partition("..")
    return int(low), int(high)


def _holidays_for(years: Iterable[int]) -> dict[date, str]:
    # Imported here: the package costs ~60 ms and the read path rarely needs it.
    import holidays

    return dict(holidays.country_holidays("ID", years=list(years)).items())


def _missing_holidays(con: duckdb.DuckDBPyConnection, first: int, last: int) -> list[date]:
    covered = _covered_years(con)
    years = [y for y in range(first, last + 1) if not covered or not covered[0] <= y <= covered[1]]
    if not years:
        return []
    return sorted(_holidays_for(years))


def ensure_holidays(con: duckdb.DuckDBPyConnection, years: Iterable[int] | None = None) -> int:
    """Fill the `holidays` table (Indonesian national public holidays) for `years`.

    Idempotent and cheap when the years are covered already (no package import).
    Without `years`, fills HOLIDAY_YEARS. The covered span grows to include all years
    asked for. Returns the number of holiday rows added.
    """
    wanted = set(years) if years is not None else set(HOLIDAY_YEARS)
    covered = _covered_years(con)
    if covered is None:
        wanted |= set(HOLIDAY_YEARS)
    else:
        wanted -= set(range(covered[0], covered[1] + 1))
    if not wanted:
        return 0
    low = min(wanted | ({covered[0]} if covered else set()))
    high = max(wanted | ({covered[1]} if covered else set()))
    # Fill the whole span so the meta "low..high" never claims a gap as covered.
    span = [y for y in range(low, high + 1) if not covered or not covered[0] <= y <= covered[1]]
    found = sorted(_holidays_for(span).items())
    # Bound lists, not a registered frame: register() refuses while a result is open.
    added = con.execute(
        "INSERT INTO holidays SELECT unnest(CAST($days AS DATE[])), unnest(CAST($names AS VARCHAR[])) "
        "ON CONFLICT (day) DO NOTHING",
        {"days": [d for d, _ in found], "names": [n for _, n in found]},
    ).fetchall()
    store.set_meta(con, _META_HOLIDAYS, f"{low}..{high}")
    return int(added[0][0]) if added else 0


def holidays_between(con: duckdb.DuckDBPyConnection, start: date, end: date) -> pd.DataFrame:
    """`day, name` of the holidays in the store between two dates (for the capacity page)."""
    return con.execute(
        "SELECT day, name FROM holidays WHERE day BETWEEN ? AND ? ORDER BY day",
        [_as_date(start, "start"), _as_date(end, "end")],
    ).df()


# -------------------------------------------------------------------------- writes


def set_default(
    con: duckdb.DuckDBPyConnection,
    cap: int,
    *,
    reason: str,
    actor: roles.Actor,
    effective_from: date | None = None,
) -> int:
    """Change the default cap from `effective_from` (default today, office time) on.

    Returns the new rule's id. Raises CapacityError or roles.PermissionDenied.
    """
    roles.require(actor, "capacity")
    cap = _check_cap(cap)
    reason = _check_reason(reason)
    since = _as_date(effective_from, "effective_from") if effective_from else office_today()

    def write() -> int:
        old = _rule_in_force(con, "default", None, since)
        old_value = str(old) if old is not None else f"{config.DEFAULT_CAP}"
        rule_id = _insert_rule(con, "default", None, cap, since, reason, actor)
        _audit(con, actor, f"default from {since.isoformat()}", old_value, str(cap), reason)
        return rule_id

    return _write(con, write)


def set_weekday(
    con: duckdb.DuckDBPyConnection,
    weekday: int | str,
    cap: int,
    *,
    reason: str,
    actor: roles.Actor,
    effective_from: date | None = None,
) -> int:
    """Set the cap of one day of the week (`monday`..`sunday`, `senin`..`minggu`, or ISO
    1..7) from `effective_from` (default today, office time) on. Returns the rule id."""
    roles.require(actor, "capacity")
    dow = parse_weekday(weekday)
    cap = _check_cap(cap)
    reason = _check_reason(reason)
    since = _as_date(effective_from, "effective_from") if effective_from else office_today()

    def write() -> int:
        old = _rule_in_force(con, "weekday", dow, since)
        if old is None:
            old = 0 if dow in (6, 7) else _rule_in_force(con, "default", None, since)
            old = config.DEFAULT_CAP if old is None else old
        rule_id = _insert_rule(con, "weekday", dow, cap, since, reason, actor)
        scope = f"weekday:{WEEKDAYS[dow - 1]} from {since.isoformat()}"
        _audit(con, actor, scope, str(old), str(cap), reason)
        return rule_id

    return _write(con, write)


def set_override(
    con: duckdb.DuckDBPyConnection,
    date_from: date,
    date_to: date | None,
    cap: int,
    *,
    reason: str,
    actor: roles.Actor,
) -> int:
    """Set the cap of one date (`date_to` None or equal) or a date range, beating holidays
    and weekends. Returns the override id."""
    roles.require(actor, "capacity")
    first = _as_date(date_from, "date_from")
    last = _as_date(date_to, "date_to") if date_to else first
    if last < first:
        raise CapacityError(
            f"the range ends ({last.isoformat()}) before it starts ({first.isoformat()}); "
            "swap the dates"
        )
    cap = _check_cap(cap)
    reason = _check_reason(reason)

    def write() -> int:
        ensure_holidays(con, range(first.year, last.year + 1))
        before = [cap for _, cap, _ in calendar_rows(con, first, last)]
        low, high = min(before), max(before)
        old_value = str(low) if low == high else f"{low}-{high} (varies)"
        override_id = con.execute("SELECT nextval('capacity_seq')").fetchone()[0]
        con.execute(
            "INSERT INTO capacity_overrides VALUES (?, ?, ?, ?, ?, ?, now())",
            [override_id, first, last, cap, reason, actor.username],
        )
        scope = (
            f"date:{first.isoformat()}"
            if first == last
            else f"range:{first.isoformat()}..{last.isoformat()}"
        )
        _audit(con, actor, scope, old_value, str(cap), reason)
        return int(override_id)

    return _write(con, write)


def audit(con: duckdb.DuckDBPyConnection, limit: int | None = None) -> pd.DataFrame:
    """The capacity audit log, newest first (`changed_at` shown in UTC)."""
    sql = (
        "SELECT audit_id, timezone('UTC', changed_at) AS changed_at_utc, changed_by, scope, "
        "old_value, new_value, reason FROM capacity_audit ORDER BY audit_id DESC"
    )
    if limit is not None:
        return con.execute(sql + " LIMIT ?", [int(limit)]).df()
    return con.execute(sql).df()


def rules(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every default/weekday rule ever set (weekday as a name), newest first."""
    return con.execute(
        "SELECT rule_id, scope, CASE WHEN weekday IS NULL THEN NULL "
        "ELSE list_extract(CAST($names AS VARCHAR[]), weekday) END AS weekday, cap, "
        "effective_from, reason, created_by FROM capacity_rules ORDER BY rule_id DESC",
        {"names": list(WEEKDAYS)},
    ).df()


def overrides(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every date override, newest first."""
    return con.execute(
        "SELECT override_id, date_from, date_to, cap, reason, created_by "
        "FROM capacity_overrides ORDER BY override_id DESC"
    ).df()


# ------------------------------------------------------------------------- helpers


def office_today() -> date:
    """Today's date in the office time zone."""
    return datetime.now(ZoneInfo(config.office_tz())).date()


def parse_weekday(value: int | str) -> int:
    """ISO weekday number (1 = Monday) from a number or an English/Indonesian name."""
    if isinstance(value, int) and not isinstance(value, bool):
        if 1 <= value <= 7:
            return value
    elif isinstance(value, str):
        name = value.strip().lower().replace("'", "")
        for names in (WEEKDAYS, _WEEKDAYS_ID):
            if name in names:
                return names.index(name) + 1
    raise CapacityError(
        f"{value!r} is not a day of the week; use monday..sunday (or senin..minggu)"
    )


def _as_date(value: Any, what: str) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise CapacityError(f"{what}: {value!r} is not a date; write it as YYYY-MM-DD")


def _check_cap(cap: Any) -> int:
    if isinstance(cap, bool) or not isinstance(cap, int):
        if isinstance(cap, float) and cap.is_integer():
            cap = int(cap)
        elif isinstance(cap, str) and cap.strip().isdigit():
            cap = int(cap.strip())
        else:
            raise CapacityError(f"the cap must be a whole number, not {cap!r}")
    if not 0 <= cap <= config.MAX_DAILY_CAP:
        raise CapacityError(
            f"the cap must be between 0 and {config.MAX_DAILY_CAP} recordings a day, not {cap}"
        )
    return cap


def _check_reason(reason: Any) -> str:
    text = reason.strip() if isinstance(reason, str) else ""
    if not text:
        raise CapacityError("give a reason for the change (it goes into the audit log)")
    return text


def _rule_in_force(
    con: duckdb.DuckDBPyConnection, scope: str, weekday: int | None, day: date
) -> int | None:
    row = con.execute(
        "SELECT arg_max(cap, (effective_from, created_at, rule_id)) FROM capacity_rules "
        "WHERE scope = ? AND weekday IS NOT DISTINCT FROM ? AND effective_from <= ?",
        [scope, weekday, day],
    ).fetchone()
    return None if row is None or row[0] is None else int(row[0])


def _insert_rule(
    con: duckdb.DuckDBPyConnection,
    scope: str,
    weekday: int | None,
    cap: int,
    since: date,
    reason: str,
    actor: roles.Actor,
) -> int:
    rule_id = con.execute("SELECT nextval('capacity_seq')").fetchone()[0]
    con.execute(
        "INSERT INTO capacity_rules VALUES (?, ?, ?, ?, ?, ?, ?, now())",
        [rule_id, scope, weekday, cap, since, reason, actor.username],
    )
    return int(rule_id)


def _audit(
    con: duckdb.DuckDBPyConnection,
    actor: roles.Actor,
    scope: str,
    old_value: str | None,
    new_value: str,
    reason: str,
) -> None:
    # Same sequence as the rules: unique across concurrent writers without max+1 races.
    con.execute(
        "INSERT INTO capacity_audit VALUES (nextval('capacity_seq'), ?, ?, ?, ?, ?, ?)",
        [datetime.now(UTC), actor.username, scope, old_value, new_value, reason],
    )


def _write(con: duckdb.DuckDBPyConnection, work: Callable[[], T], attempts: int = 20) -> T:
    """Run `work` in one transaction with the holidays filled and the version bumped,
    retried on a conflict with another writer (`store.retry_conflicts`)."""

    def whole() -> T:
        ensure_holidays(con)
        result = work()
        store.bump_data_version(con)
        return result

    return store.retry_conflicts(con, whole, attempts)
