"""The overview's five tiles, computed once for the landing page and the monthly report.

Each tile is a figure of the period with its change against a previous period (for the
page: the period of equal length just before; for the report: the previous calendar
month or ISO week) and the direction that is good news:

| key | value | change | good |
|---|---|---|---|
| `recorded` | recordings finished (and the sum of the daily caps) | count | up |
| `backlog` | `backlog_end` of the last day | count | down |
| `rejection` | screening_rejected / checked_in | points | down |
| `whatsapp` | WhatsApp requests / all requests | points | neutral |
| `no_show` | no_show / (no_show + checked_in) | points | down |

The WhatsApp share is neither good nor bad (product owner's decision, issue 11): its
change is shown in a neutral colour.

Everything comes from one `metrics.daily` frame over both periods (the rates too:
`period_rates`), so the page and the report agree by construction and the page needs
one query, not three. `tiles(con, ...)` runs it; `tiles_from(frame, start)` builds the
tiles from a frame a page already has (the overview gets it through the cache). No
Streamlit here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

import duckdb

from dashboard import i18n, metrics

if TYPE_CHECKING:
    import pandas as pd

#: Tile keys in display order.
KEYS: tuple[str, ...] = ("recorded", "backlog", "rejection", "whatsapp", "no_show")


@dataclass(frozen=True)
class Tile:
    """One overview figure: its value now, before, the change and what good looks like."""

    key: str
    value: float | None  # a count, or a fraction 0..1 for the rate tiles
    previous: float | None
    kind: str  # "int" (a count; change in units) or "rate" (change in points)
    good: str  # "up", "down" or "neutral"
    cap: int | None = None  # the `recorded` tile: the sum of the daily caps
    previous_cap: int | None = None

    @property
    def change(self) -> float | None:
        if self.value is None or self.previous is None:
            return None
        return self.value - self.previous

    @property
    def change_kind(self) -> str:
        """`ui.delta_args` kind: "int" or "points"."""
        return "int" if self.kind == "int" else "points"

    @property
    def verdict(self) -> str:
        """ "good", "bad" or "neutral" (no change, no comparison, or a neutral tile)."""
        change = self.change
        if change is None or abs(change) < 1e-12 or self.good == "neutral":
            return "neutral"
        return "good" if (change > 0) == (self.good == "up") else "bad"

    def label(self, lang: str | None = None) -> str:
        return i18n.t(f"tile.{self.key}", lang)

    def value_text(self, lang: str | None = None) -> str:
        if self.key == "recorded":
            return i18n.t(
                "tile.recorded.value",
                lang,
                recorded=i18n.fmt_int(self.value, lang),
                cap=i18n.fmt_int(self.cap, lang),
            )
        return self.format(self.value, lang)

    def previous_text(self, lang: str | None = None) -> str:
        if self.key == "recorded":
            return i18n.t(
                "tile.recorded.value",
                lang,
                recorded=i18n.fmt_int(self.previous, lang),
                cap=i18n.fmt_int(self.previous_cap, lang),
            )
        return self.format(self.previous, lang)

    def format(self, value: float | None, lang: str | None = None) -> str:
        return i18n.fmt_int(value, lang) if self.kind == "int" else i18n.fmt_pct(value, lang=lang)

    def change_text(self, lang: str | None = None) -> str:
        change = self.change
        if self.kind == "int":
            return i18n.fmt_signed_int(change, lang)
        return i18n.fmt_pct_points(change, lang=lang)


def _sum(frame: pd.DataFrame, column: str) -> int:
    return int(frame[column].sum())


def _share(frame: pd.DataFrame) -> float | None:
    total = _sum(frame, "requests")
    return _sum(frame, "requests_whatsapp") / total if total else None


def _last_backlog(frame: pd.DataFrame) -> int | None:
    import pandas as pd

    if not len(frame):
        return None
    value = frame["backlog_end"].iloc[-1]
    return None if pd.isna(value) else int(value)


def period_rates(frame: pd.DataFrame) -> dict[str, Any]:
    """`metrics.rates` of a period from its `metrics.daily` rows: the same keys and, by
    CONTRACT 3 (a period's counts are its days' counts summed; rejection rate =
    screening_rejected / checked_in, no-show rate = no_show / (no_show + checked_in)),
    the same values, without querying the store again (tests/test_report.py compares
    the two). One definition, `metrics.rates_of_days` (the projection uses it too)."""
    return metrics.rates_of_days(frame)


def split(both: pd.DataFrame, start: date) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(the period from `start` on, the previous period before it) of a daily frame."""
    import pandas as pd

    dates = pd.to_datetime(both["date"]).dt.date
    return both[dates >= start].reset_index(drop=True), both[dates < start].reset_index(drop=True)


def tiles_from(both: pd.DataFrame, start: date) -> list[Tile]:
    """The tiles from one `metrics.daily` frame over the previous and the current period
    (`both`, in date order); `start` is the current period's first day."""
    now, before = split(both, start)
    rates_now, rates_before = period_rates(now), period_rates(before)
    backlog_now, backlog_before = _last_backlog(now), _last_backlog(before)
    known = backlog_now is not None and backlog_before is not None
    return [
        Tile(
            "recorded",
            _sum(now, "recorded"),
            _sum(before, "recorded"),
            "int",
            "up",
            cap=_sum(now, "cap"),
            previous_cap=_sum(before, "cap"),
        ),
        # Both ends or neither: a change against an unknown backlog means nothing.
        Tile(
            "backlog",
            backlog_now if known else None,
            backlog_before if known else None,
            "int",
            "down",
        ),
        Tile(
            "rejection", rates_now["rejection_rate"], rates_before["rejection_rate"], "rate", "down"
        ),
        Tile("whatsapp", _share(now), _share(before), "rate", "neutral"),
        Tile("no_show", rates_now["no_show_rate"], rates_before["no_show_rate"], "rate", "down"),
    ]


def previous_range(start: date, end: date) -> tuple[date, date]:
    """The period of equal length just before [start, end] (the page's comparison)."""
    prev_end = start - timedelta(days=1)
    return prev_end - (end - start), prev_end


def tiles(
    con: duckdb.DuckDBPyConnection,
    start: date,
    end: date,
    filters: metrics.Filters = metrics.NO_FILTERS,
    previous: tuple[date, date] | None = None,
) -> list[Tile]:
    """The five tiles of [start, end] against `previous` (default: the equal-length
    period just before). `previous` must end the day before `start`."""
    prev_start, prev_end = previous or previous_range(start, end)
    if prev_end != start - timedelta(days=1) or prev_start > prev_end:
        raise ValueError("the previous period must end the day before the period starts")
    return tiles_from(metrics.daily(con, prev_start, end, filters), start)
