"""Targets the admin sets, and the alerts a missed target raises (issue 11, part 2).

Five targets, each with a default (what an office that set nothing sees) and a range a
value must lie in (README "Targets and alerts" says why these numbers):

| key | meaning | default | range |
|---|---|---|---|
| `backlog_clear_days` | the e-KTP backlog clears within N days at the current cap | 30 | 1-365 |
| `rejection_band` | screening rejection rate inside [low, high] | 0.02-0.05 | 0-1, low < high |
| `no_show_max` | no-show rate at most X | 0.15 | 0-1 |
| `max_days_at_cap` | at most N open days in a row with recorded >= cap | 10 | 1-60 |
| `import_stale_days` | logs imported at most N days ago | 7 | 1-90 |

When a target is missed (`evaluate`; the boundary itself always counts as met):

- backlog: `metrics.project_clearance(con, end, filters)` (the page's projection: the cap
  calendar in force from `end` on, with its holidays and overrides); clearance days =
  clear date - `end`. Missed when days > N, or when it does not clear within the
  projection's horizon (730 days). Not applicable (no alert) when the service filter
  excludes ktp_el.
- rejection band: `metrics.rates` over [start, end]; missed when rate < low or rate > high.
- no-show: `metrics.rates` over [start, end]; missed when rate > X.
  Both rates: no alert when the denominator is 0 (a period with no visits).
- days at cap: the open days (cap > 0) of [start, end] in date order, closed days
  skipped (a weekend does not break a run); the longest run of consecutive open days
  with recorded >= cap; missed when that run > N. The cap is the whole office's, so this
  one ignores the channel/kecamatan/service filters (a filtered count against the full
  cap would mean nothing).
- staleness: days from the office-local date of the last import's `finished_at` to
  `today` (injectable; default the office's today); missed when days > N, and when
  nothing was ever imported. Independent of the period and the filters.

Storage: `targets(key, value)` (JSON) and the `settings_audit` log shared with
`dashboard.settings` (setting `target.<key>`); each change is audited (who, when, old,
new, reason) in the transaction that makes it, and bumps the data version.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

import duckdb

from dashboard import capacity, config, i18n, metrics, roles, settings

if TYPE_CHECKING:
    import pandas as pd

KEYS: tuple[str, ...] = (
    "backlog_clear_days",
    "rejection_band",
    "no_show_max",
    "max_days_at_cap",
    "import_stale_days",
)

DEFAULTS: dict[str, Any] = {
    "backlog_clear_days": 30,
    "rejection_band": (0.02, 0.05),
    "no_show_max": 0.15,
    "max_days_at_cap": 10,
    "import_stale_days": 7,
}

#: Inclusive (low, high) of what a value may be; the band's two ends both lie in it.
RANGES: dict[str, tuple[float, float]] = {
    "backlog_clear_days": (1, 365),
    "rejection_band": (0.0, 1.0),
    "no_show_max": (0.0, 1.0),
    "max_days_at_cap": (1, 60),
    "import_stale_days": (1, 90),
}

#: Whole-number targets (days); the others are fractions.
WHOLE: frozenset[str] = frozenset({"backlog_clear_days", "max_days_at_cap", "import_stale_days"})

#: The page each target concerns (its banner shows there and on the overview).
PAGE_OF: dict[str, str] = {
    "backlog_clear_days": "backlog",
    "rejection_band": "screening",
    "no_show_max": "screening",  # the screening funnel shows who did not come
    "max_days_at_cap": "throughput",
    "import_stale_days": "data_quality",
}

#: Days the backlog projection looks ahead (metrics.project_clearance's default).
HORIZON_DAYS = 730


class TargetError(i18n.TranslatedError):
    """A target value that cannot be saved; `str()` is one English line naming the
    accepted range, `message(lang)` the same in the page's language."""


# ---------------------------------------------------------------------------- values


def range_text(key: str, lang: str | None = None) -> str:
    """The accepted range as people read it: `1–365 hari`, `0%–100%`."""
    low, high = RANGES[key]
    if key in WHOLE:
        return i18n.t("targets.range.days", lang, low=int(low), high=int(high))
    kind = "band" if key == "rejection_band" else "pct"
    return i18n.t(f"targets.range.{kind}", lang, low=_pct(low, lang), high=_pct(high, lang))


def form_message(error: TargetError, lang: str | None = None) -> str:
    """The refusal for a form that takes rates as percentages (the admin page): the
    range in percent, not as the fraction the command line takes."""
    key = str(error.values.get("target_key", ""))
    if key in DEFAULTS and key not in WHOLE:
        return i18n.t(
            f"targets.err.{'band' if key == 'rejection_band' else 'fraction'}_pct",
            lang,
            name=i18n.t(f"targets.name.{key}", lang),
        )
    return error.message(lang)


def _refuse(key: str, value: object) -> TargetError:
    kind = "days" if key in WHOLE else ("band" if key == "rejection_band" else "fraction")
    low, high = RANGES[key]
    return TargetError(
        f"targets.err.{kind}", target_key=key, low=f"{low:g}", high=f"{high:g}", value=str(value)
    )


def _number(text: str) -> float:
    """`0.15`, `0,15` (Indonesian decimal comma) or `15%` -> 0.15; ValueError otherwise."""
    raw = text.strip().replace(",", ".")
    if raw.endswith("%"):
        return float(raw[:-1].strip()) / 100
    return float(raw)


_BAND = re.compile(r"\s*(\S+?)\s*(?:–|-|\.\.|\bto\b|\bsampai\b)\s*(\S+)\s*")


def check_value(key: str, value: Any) -> Any:
    """The value as stored (int, float, or (low, high) floats), or TargetError naming
    the range. Strings are accepted as the command line writes them (`0.02-0.05`)."""
    if key not in DEFAULTS:
        raise TargetError("targets.err.unknown", target_key=str(key), keys=", ".join(KEYS))
    low, high = RANGES[key]
    if key == "rejection_band":
        parts: Any = value
        if isinstance(value, str):
            # `0.02-0.05`, `2%–5%`, `0.02 to 0.05`; a minus sign stays with its number.
            match = _BAND.fullmatch(value)
            parts = list(match.groups()) if match else None
        try:
            if not isinstance(parts, list | tuple) or len(parts) != 2:
                raise ValueError
            band = tuple(_number(p) if isinstance(p, str) else float(p) for p in parts)
        except (TypeError, ValueError):
            raise _refuse(key, value) from None
        if not all(math.isfinite(b) and low <= b <= high for b in band) or band[0] >= band[1]:
            raise _refuse(key, value)
        return (float(band[0]), float(band[1]))
    try:
        if isinstance(value, bool):
            raise ValueError
        number = _number(value) if isinstance(value, str) else float(value)
    except (TypeError, ValueError):
        raise _refuse(key, value) from None
    if not math.isfinite(number) or not low <= number <= high:
        raise _refuse(key, value)
    if key in WHOLE:
        if not number.is_integer():
            raise _refuse(key, value)
        return int(number)
    return float(number)


def _pct(value: float, lang: str | None) -> str:
    """A rate as a percentage, with a decimal only when it needs one (`2%`, `2,5%`)."""
    whole = abs(value * 100 - round(value * 100)) < 1e-9
    return i18n.fmt_pct(value, 0 if whole else 1, lang)


def band_text(band: tuple[float, float], lang: str | None = None) -> str:
    """The rejection band as people read it: `2%–5%`, `1,5%–4%` (id)."""
    return f"{_pct(band[0], lang)}–{_pct(band[1], lang)}"


def format_value(key: str, value: Any, lang: str | None = None) -> str:
    """A target value as people read it: `30`, `2%–5%`, `15%`."""
    if key == "rejection_band":
        return band_text(value, lang)
    if key in WHOLE:
        return i18n.fmt_int(value, lang)
    return _pct(value, lang)


def _from_json(key: str, raw: Any) -> Any:
    if key == "rejection_band":
        return (float(raw[0]), float(raw[1]))
    return int(raw) if key in WHOLE else float(raw)


def current(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """Every target's value in force: `{key: value, ..., "is_default": {key: bool}}`.

    Values: ints for the day targets, floats for `no_show_max`, a `(low, high)` tuple of
    floats for `rejection_band`. `is_default[key]` is True where nothing was set.
    """
    stored = settings._stored(con, "targets")
    values: dict[str, Any] = {}
    is_default: dict[str, bool] = {}
    for key in KEYS:
        if key in stored:
            values[key] = _from_json(key, stored[key])
            is_default[key] = False
        else:
            values[key] = DEFAULTS[key]
            is_default[key] = True
    values["is_default"] = is_default
    return values


def set_target(
    con: duckdb.DuckDBPyConnection, actor: roles.Actor, key: str, value: Any, *, reason: str
) -> None:
    """Set one target (admin only: permission `users`), range-checked and audited.

    TargetError (one line naming the range) for a value outside it; SettingsError for
    an empty reason; roles.PermissionDenied for a non-admin. Setting the value already
    in force writes nothing.
    """
    roles.require(actor, "users")
    new = check_value(key, value)
    reason = settings.check_reason(reason)

    def work() -> bool:
        before = current(con)
        old, was_default = before[key], before["is_default"][key]
        if old == new and not was_default:
            return False
        settings.write_value(
            con,
            "targets",
            key,
            list(new) if isinstance(new, tuple) else new,
            setting=f"target.{key}",
            old_text=settings._as_text(old) + (" (default)" if was_default else ""),
            actor=actor,
            reason=reason,
        )
        return True

    settings.write(con, work)


# ---------------------------------------------------------------------------- alerts


@dataclass(frozen=True)
class Alert:
    """One missed target. `value`: what was measured (days, a rate; None when the
    backlog does not clear within the horizon or nothing was ever imported);
    `threshold`: the target as text (`<= 30`, `0.02-0.05`); `since`: when the trouble
    started where that is known (the first day of the run at the cap, the day of the
    last import). `target` and `facts` carry the numbers `message` needs."""

    key: str
    page: str
    value: float | int | None
    threshold: str
    since: date | None
    target: Any = None
    facts: tuple[tuple[str, Any], ...] = field(default=())

    def message(self, lang: str) -> str:
        """One sentence with the numbers, in Indonesian (`id`) or English (`en`)."""
        facts = dict(self.facts)
        target = self.target if self.target is not None else DEFAULTS[self.key]
        if self.key == "backlog_clear_days":
            common = {
                "backlog": i18n.fmt_int(facts.get("backlog"), lang),
                "cap": i18n.fmt_int(facts.get("cap"), lang),
                "target": i18n.fmt_int(target, lang),
            }
            if self.value is None:
                return i18n.t(
                    "targets.alert.backlog_never",
                    lang,
                    horizon=i18n.fmt_int(HORIZON_DAYS, lang),
                    **common,
                )
            return i18n.t(
                "targets.alert.backlog", lang, days=i18n.fmt_int(self.value, lang), **common
            )
        if self.key == "rejection_band":
            side = "above" if (self.value or 0.0) > target[1] else "below"
            return i18n.t(
                f"targets.alert.rejection_{side}",
                lang,
                rate=i18n.fmt_pct(self.value, 1, lang),
                band=format_value(self.key, target, lang),
            )
        if self.key == "no_show_max":
            return i18n.t(
                "targets.alert.no_show",
                lang,
                rate=i18n.fmt_pct(self.value, 1, lang),
                target=_pct(target, lang),
            )
        if self.key == "max_days_at_cap":
            return i18n.t(
                "targets.alert.at_cap",
                lang,
                days=i18n.fmt_int(self.value, lang),
                since=i18n.fmt_date(self.since, lang),
                until=i18n.fmt_date(facts.get("until"), lang),
                target=i18n.fmt_int(target, lang),
            )
        if self.value is None:
            return i18n.t("targets.alert.never_imported", lang, target=i18n.fmt_int(target, lang))
        return i18n.t(
            "targets.alert.stale",
            lang,
            days=i18n.fmt_int(self.value, lang),
            date=i18n.fmt_date(self.since, lang),
            target=i18n.fmt_int(target, lang),
        )


def _threshold(key: str, value: Any) -> str:
    if key == "rejection_band":
        return f"{value[0]:g}-{value[1]:g}"
    return f"<= {value:g}"


def _alert(key: str, target: Any, value: Any, since: date | None = None, **facts: Any) -> Alert:
    return Alert(
        key=key,
        page=PAGE_OF[key],
        value=value,
        threshold=_threshold(key, target),
        since=since,
        target=target,
        facts=tuple(sorted(facts.items())),
    )


def longest_run_at_cap(days: list[tuple[date, int, int]]) -> tuple[int, date | None, date | None]:
    """`(length, first day, last day)` of the longest run of consecutive open days with
    recorded >= cap, from `(date, cap, recorded)` rows in date order. Closed days (cap
    0) are skipped, not a break. Among runs of equal length the latest wins (the most
    recent trouble). `(0, None, None)` when no open day reached its cap."""
    best: tuple[int, date | None, date | None] = (0, None, None)
    run, first = 0, None
    for day, cap, recorded in days:
        if cap <= 0:
            continue
        if recorded >= cap:
            run += 1
            first = day if run == 1 else first
            if run >= best[0]:
                best = (run, first, day)
        else:
            run, first = 0, None
    return best


def days_at_cap(
    con: duckdb.DuckDBPyConnection, start: date, end: date
) -> list[tuple[date, int, int]]:
    """`(date, cap, recorded)` per day of [start, end], whole office (no filters):
    the same figures as the throughput page's bars and cap line (`metrics.daily`)."""
    return _cap_rows(metrics.daily(con, start, end, metrics.NO_FILTERS))


def _cap_rows(frame: pd.DataFrame) -> list[tuple[date, int, int]]:
    return [
        (ts.date(), int(cap), int(recorded))
        for ts, cap, recorded in frame[["date", "cap", "recorded"]].itertuples(index=False)
    ]


_LAST_IMPORT_SQL = "SELECT CAST(timezone($tz, max(finished_at)) AS DATE) FROM imports"


def last_import_date(con: duckdb.DuckDBPyConnection) -> date | None:
    """The office-local date the last import finished, or None when none ever did."""
    return con.execute(_LAST_IMPORT_SQL, {"tz": config.office_tz()}).fetchall()[0][0]


def _check_given(
    start: date,
    end: date,
    daily: pd.DataFrame | None,
    projection: metrics.Projection | None,
) -> None:
    """Refuse figures that cannot be the ones `evaluate` would compute itself (a wrong
    frame would give silently wrong alerts)."""
    if projection is not None and projection.what_if_cap is not None:
        raise ValueError("evaluate needs the projection at the calendar's caps, not a what-if")
    if daily is not None:
        import pandas as pd

        days = list(pd.to_datetime(daily["date"]).dt.date)
        wanted = [start + timedelta(days=i) for i in range((end - start).days + 1)]
        if days != wanted:
            raise ValueError(
                f"the daily frame must have one row per day {start.isoformat()}.."
                f"{end.isoformat()}, in order"
            )


def evaluate(
    con: duckdb.DuckDBPyConnection,
    start: date,
    end: date,
    *,
    filters: metrics.Filters | None = None,
    today: date | None = None,
    daily: pd.DataFrame | None = None,
    rates: dict[str, Any] | None = None,
    projection: metrics.Projection | None = None,
) -> list[Alert]:
    """The targets missed over [start, end] (rules in the module docstring), in the
    order of `KEYS`. `today` (for the staleness target) defaults to the office's today.

    A caller that already has the figures passes them, and they are not read again
    (the monthly report: the same store, the same moment); the pages' banners pass none.
    They must be exactly what `evaluate` would compute:
    - `daily`: `metrics.daily(con, start, end)` *without* filters (the days-at-cap rule
      is the whole office's); only `date`, `cap` and `recorded` are used;
    - `rates`: `metrics.rates(con, start, end, filters)` (or `metrics.rates_of_days` of
      the filtered daily rows of [start, end]);
    - `projection`: `metrics.project_clearance(con, end, filters,
      horizon_days=HORIZON_DAYS)`.
    A `daily` frame that is not one row per day of [start, end], or a what-if
    projection, is refused (ValueError)."""
    filters = filters if filters is not None else metrics.NO_FILTERS
    today = today if today is not None else capacity.office_today()
    _check_given(start, end, daily, projection)
    if daily is None and rates is None and projection is None:
        # The pages' banners: one `daily` read of the period gives the rates (summed,
        # CONTRACT 3) and the projection's backlog and recent rates (the same numbers
        # without its history scan), and, unfiltered, the days at the cap.
        period = metrics.daily(con, start, end, filters)
        rates = metrics.rates_of_days(period)
        projection = metrics.project_clearance(
            con, end, filters, horizon_days=HORIZON_DAYS, daily=period
        )
        if filters == metrics.NO_FILTERS:
            daily = period
    wanted = current(con)
    alerts: list[Alert] = []

    limit = wanted["backlog_clear_days"]
    if projection is None:
        projection = metrics.project_clearance(con, end, filters, horizon_days=HORIZON_DAYS)
    if projection.applicable and projection.backlog_now > 0:
        open_caps = [int(c) for c in projection.series["cap"] if int(c) > 0]
        cap = open_caps[0] if open_caps else capacity.cap_on(con, end)[0]
        clear_days = (projection.clear_date - end).days if projection.clear_date else None
        if clear_days is None or clear_days > limit:
            alerts.append(
                _alert(
                    "backlog_clear_days",
                    limit,
                    clear_days,
                    backlog=projection.backlog_now,
                    cap=cap,
                    clear_date=projection.clear_date,
                )
            )

    if rates is None:
        rates = metrics.rates(con, start, end, filters)
    low, high = wanted["rejection_band"]
    rate = rates["rejection_rate"]
    if rate is not None and (rate < low or rate > high):
        alerts.append(
            _alert(
                "rejection_band",
                (low, high),
                rate,
                rejected=rates["screening_rejected"],
                checked_in=rates["checked_in"],
            )
        )
    no_show = rates["no_show_rate"]
    if no_show is not None and no_show > wanted["no_show_max"]:
        alerts.append(
            _alert(
                "no_show_max",
                wanted["no_show_max"],
                no_show,
                no_show=rates["no_show"],
                checked_in=rates["checked_in"],
            )
        )

    days = days_at_cap(con, start, end) if daily is None else _cap_rows(daily)
    run, first, last = longest_run_at_cap(days)
    if run > wanted["max_days_at_cap"]:
        alerts.append(_alert("max_days_at_cap", wanted["max_days_at_cap"], run, first, until=last))

    stale_limit = wanted["import_stale_days"]
    last_import = last_import_date(con)
    if last_import is None:
        alerts.append(_alert("import_stale_days", stale_limit, None))
    else:
        age = (today - last_import).days
        if age > stale_limit:
            alerts.append(_alert("import_stale_days", stale_limit, age, last_import))
    return alerts


def period_ending(day: date, days: int) -> tuple[date, date]:
    """`(start, end)` of the `days` days ending on `day` (the `check` command's period)."""
    return day - timedelta(days=days - 1), day
