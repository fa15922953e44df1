"""Altair chart builders: small, already aggregated frames in, a chart out. No queries.

Every chart says what good looks like (the cap as a stepped line on throughput, 100 %
on utilisation, the 14-day mark on lead times), carries tooltips with exact values,
formats numbers the Indonesian way when the page is in Indonesian (a Vega locale, so
`1.234` and `12,5%`), and uses the same colour for a channel everywhere
(`CHANNEL_COLORS`). A builder refuses more than `MAX_ROWS` rows: charts are drawn in the
browser, and a frame that large means a query forgot to aggregate.

Dates are sent as ISO text and read with UTC time units, so a date never shifts by a
day in a browser that sits in another time zone.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import altair as alt
import pandas as pd

from dashboard import i18n
from dashboard.i18n import t

MAX_ROWS = 5_000

#: Fixed channel colours, used by every chart that shows channels (colour-blind safe pairs).
CHANNEL_COLORS: dict[str, str] = {
    "whatsapp": "#1E9E55",
    "walk_in": "#E07B39",
    "online": "#3C78D8",
    "app": "#8E6CC9",
}
CHANNELS: tuple[str, ...] = tuple(CHANNEL_COLORS)

BAR_COLOR = "#7FB3C8"
BAR_AT_CAP_COLOR = "#1F5F7A"
CAP_COLOR = "#C77C02"
LINE_COLOR = "#1F5F7A"
GOOD_COLOR = "#2E8B57"
MUTED_COLOR = "#9AA5AE"
WHAT_IF_COLOR = "#C2410C"

DEFAULT_HEIGHT = 280


def _sunday_first(names: tuple[str, ...]) -> list[str]:
    """i18n's (CLDR's) Monday-first day names in d3's order, which starts on Sunday."""
    return [names[-1], *names[:-1]]


# d3 locales (Vega's `config.locale`): separators and names from i18n (Babel's CLDR data),
# so a chart's axis reads like the table beside it.
_LOCALES: dict[str, dict] = {
    "id": {
        "number": {
            "decimal": i18n.number_symbols("id")[1],
            "thousands": i18n.number_symbols("id")[0],
            "grouping": [3],
            "currency": ["Rp", ""],
        },
        "time": {
            "dateTime": "%A, %e %B %Y %H.%M.%S",
            "date": "%d/%m/%Y",
            "time": "%H.%M.%S",
            "periods": ["AM", "PM"],
            "days": _sunday_first(i18n.DAYS["id"]),
            "shortDays": _sunday_first(i18n.DAYS_SHORT["id"]),
            "months": list(i18n.MONTHS_LONG["id"]),
            "shortMonths": list(i18n.MONTHS_SHORT["id"]),
        },
    },
    "en": {
        "number": {
            "decimal": i18n.number_symbols("en")[1],
            "thousands": i18n.number_symbols("en")[0],
            "grouping": [3],
            "currency": ["$", ""],
        },
        "time": {
            "dateTime": "%a %b %e %X %Y",
            "date": "%m/%d/%Y",
            "time": "%H:%M:%S",
            "periods": ["AM", "PM"],
            "days": _sunday_first(i18n.DAYS["en"]),
            "shortDays": _sunday_first(i18n.DAYS_SHORT["en"]),
            "months": list(i18n.MONTHS_LONG["en"]),
            "shortMonths": list(i18n.MONTHS_SHORT["en"]),
        },
    },
}

_DATE_AXIS_FORMAT = "%-d %b"


def check_rows(df: pd.DataFrame, name: str = "chart") -> None:
    """Refuse frames over MAX_ROWS: the data must be aggregated before it is drawn."""
    if len(df) > MAX_ROWS:
        raise ValueError(f"{name}: {len(df)} rows given, at most {MAX_ROWS} may be drawn")


def _lang(lang: str | None) -> str:
    return i18n.normalize_lang(lang or i18n.current_language())


def finish(chart: alt.TopLevelMixin, lang: str | None = None) -> alt.TopLevelMixin:
    """Apply the number/date locale and the calm house style; call once, last."""
    return chart.configure(locale=_LOCALES[_lang(lang)]).configure_view(stroke=None)


def _iso(values: pd.Series) -> pd.Series:
    """Dates as `YYYY-MM-DD` text (read with utc time units by the charts)."""
    return pd.to_datetime(values).dt.strftime("%Y-%m-%d")


def _date_labels(values: pd.Series, lang: str) -> list[str]:
    return [i18n.fmt_date(pd.Timestamp(v).date(), lang) for v in values]


def _x_date(title: str, span_days: int | None = None, **kwargs) -> alt.X:
    """A date x axis; over long spans the ticks name month and year (`Agu 2020`)."""
    return alt.X("utcyearmonthdate(date):T", title=title, axis=_date_axis(span_days), **kwargs)


def _date_axis(span_days: int | None) -> alt.Axis:
    if not span_days or span_days <= 150:
        return alt.Axis(format=_DATE_AXIS_FORMAT, labelOverlap=True, grid=False)
    # Month ticks, or the labels repeat ("Jun 2020, Jun 2020, ...").
    return alt.Axis(format="%b %Y", tickCount="month", labelOverlap=True, grid=False)


def _span(dates: pd.Series) -> int:
    """Days between the first and the last date of a column (0 when empty)."""
    if not len(dates):
        return 0
    values = pd.to_datetime(dates)
    return int((values.max() - values.min()).days)


def channel_color(lang: str | None = None, field: str = "channel") -> alt.Color:
    """Colour by channel code with the fixed palette and translated legend labels."""
    lang = _lang(lang)
    label_expr = " : ".join(
        f"datum.value === '{code}' ? '{i18n.channel_label(code, lang)}'" for code in CHANNELS
    )
    return alt.Color(
        f"{field}:N",
        title=t("chart.channel", lang),
        scale=alt.Scale(domain=list(CHANNELS), range=list(CHANNEL_COLORS.values())),
        legend=alt.Legend(labelExpr=f"{label_expr} : datum.value", orient="bottom"),
    )


# ---------------------------------------------------------------- throughput


def throughput(
    daily: pd.DataFrame, lang: str | None = None, height: int = DEFAULT_HEIGHT
) -> alt.TopLevelMixin:
    """Recorded per day as bars (dark when the cap was reached), the cap as a stepped line.

    `daily`: columns `date`, `recorded`, `cap`.
    """
    check_rows(daily, "throughput")
    lang = _lang(lang)
    data = pd.DataFrame(
        {
            "date": _iso(daily["date"]),
            "label": _date_labels(daily["date"], lang),
            "recorded": daily["recorded"].astype("int64"),
            "cap": daily["cap"].astype("int64"),
        }
    )
    yes, no = t("chart.yes", lang), t("chart.no", lang)
    data["at_cap"] = [
        yes if c > 0 and r >= c else no for r, c in zip(data.recorded, data.cap, strict=True)
    ]
    tooltip = [
        alt.Tooltip("label:N", title=t("chart.date", lang)),
        alt.Tooltip("recorded:Q", title=t("chart.recorded", lang), format=",d"),
        alt.Tooltip("cap:Q", title=t("chart.cap", lang), format=",d"),
        alt.Tooltip("at_cap:N", title=t("chart.at_cap", lang)),
    ]
    span = _span(daily["date"])
    base = alt.Chart(data)
    bars = base.mark_bar(cornerRadiusTopLeft=2, cornerRadiusTopRight=2).encode(
        x=_x_date(t("chart.date", lang), span),
        y=alt.Y("recorded:Q", title=t("chart.recorded", lang), axis=alt.Axis(format=",d")),
        color=alt.Color(
            "at_cap:N",
            title=t("chart.at_cap", lang),
            scale=alt.Scale(domain=[no, yes], range=[BAR_COLOR, BAR_AT_CAP_COLOR]),
            legend=alt.Legend(orient="bottom"),
        ),
        tooltip=tooltip,
    )
    # Over months the bars get thin: a finer cap line keeps them readable.
    cap = base.mark_line(
        interpolate="step", color=CAP_COLOR, strokeWidth=2.5 if span <= 120 else 1.25
    ).encode(
        x=_x_date(t("chart.date", lang), span, bandPosition=0.5),
        y="cap:Q",
        tooltip=tooltip,
    )
    return finish(alt.layer(bars, cap).properties(height=height), lang)


def utilization(daily: pd.DataFrame, lang: str | None = None) -> alt.TopLevelMixin:
    """Utilisation (recorded / cap) per open day with the 100 % line; closed days left out.

    `daily`: columns `date`, `recorded`, `cap`, `utilization` (empty when cap is 0).
    """
    check_rows(daily, "utilization")
    lang = _lang(lang)
    open_days = daily[daily["cap"] > 0]
    data = pd.DataFrame(
        {
            "date": _iso(open_days["date"]),
            "label": _date_labels(open_days["date"], lang),
            "utilization": open_days["utilization"].astype("float64"),
            "recorded": open_days["recorded"].astype("int64"),
            "cap": open_days["cap"].astype("int64"),
        }
    )
    tooltip = [
        alt.Tooltip("label:N", title=t("chart.date", lang)),
        alt.Tooltip("utilization:Q", title=t("chart.utilization", lang), format=".1%"),
        alt.Tooltip("recorded:Q", title=t("chart.recorded", lang), format=",d"),
        alt.Tooltip("cap:Q", title=t("chart.cap", lang), format=",d"),
    ]
    line = (
        alt.Chart(data)
        .mark_line(point=alt.OverlayMarkDef(size=30), color=LINE_COLOR)
        .encode(
            x=_x_date(t("chart.date", lang), _span(open_days["date"])),
            y=alt.Y("utilization:Q", title=t("chart.utilization", lang), axis=alt.Axis(format="%")),
            tooltip=tooltip,
        )
    )
    full = (
        alt.Chart(pd.DataFrame({"y": [1.0]}))
        .mark_rule(color=CAP_COLOR, strokeDash=[6, 3], strokeWidth=2)
        .encode(y="y:Q")
    )
    return finish(alt.layer(line, full).properties(height=220), lang)


def rollup(
    frame: pd.DataFrame, grain: str, lang: str | None = None, height: int = 240
) -> alt.TopLevelMixin:
    """Weekly or monthly totals: recorded as bars, the period's total cap as a tick.

    `frame`: columns `period` (first day of the week/month), `recorded`, `cap`.
    """
    check_rows(frame, f"rollup_{grain}")
    lang = _lang(lang)
    if grain == "week":
        labels = [i18n.fmt_date(pd.Timestamp(v).date(), lang) for v in frame["period"]]
        title = t("chart.week", lang)
    else:
        labels = [
            f"{i18n.month_name(pd.Timestamp(v).month, lang)} {pd.Timestamp(v).year}"
            for v in frame["period"]
        ]
        title = t("chart.month", lang)
    data = pd.DataFrame(
        {
            "label": labels,
            "recorded": frame["recorded"].astype("int64"),
            "cap": frame["cap"].astype("int64"),
        }
    )
    data["utilization"] = [
        (r / c) if c else None for r, c in zip(data.recorded, data.cap, strict=True)
    ]
    x = alt.X("label:N", title=title, sort=labels, axis=alt.Axis(labelAngle=-40))
    tooltip = [
        alt.Tooltip("label:N", title=title),
        alt.Tooltip("recorded:Q", title=t("chart.recorded", lang), format=",d"),
        alt.Tooltip("cap:Q", title=t("chart.cap", lang), format=",d"),
        alt.Tooltip("utilization:Q", title=t("chart.utilization", lang), format=".1%"),
    ]
    base = alt.Chart(data)
    bars = base.mark_bar(color=BAR_COLOR).encode(
        x=x,
        y=alt.Y("recorded:Q", title=t("chart.recorded", lang), axis=alt.Axis(format=",d")),
        tooltip=tooltip,
    )
    cap = base.mark_tick(color=CAP_COLOR, thickness=3, size=28).encode(
        x=x, y="cap:Q", tooltip=tooltip
    )
    return finish(alt.layer(bars, cap).properties(height=height), lang)


def weekday_pattern(frame: pd.DataFrame, lang: str | None = None) -> alt.TopLevelMixin:
    """Average recorded per open day by weekday, with the average cap as a tick.

    `frame`: columns `weekday` (ISO 1..7), `avg_recorded`, `avg_cap`, `open_days`.
    """
    check_rows(frame, "weekday_pattern")
    lang = _lang(lang)
    data = frame.copy()
    data["day"] = [i18n.day_name(int(d), lang) for d in data["weekday"]]
    order = [i18n.day_name(d, lang) for d in range(1, 8)]
    x = alt.X("day:N", title=t("chart.weekday", lang), sort=order, axis=alt.Axis(labelAngle=0))
    tooltip = [
        alt.Tooltip("day:N", title=t("chart.weekday", lang)),
        alt.Tooltip("avg_recorded:Q", title=t("chart.avg_recorded", lang), format=",.1f"),
        alt.Tooltip("avg_cap:Q", title=t("chart.avg_cap", lang), format=",.1f"),
        alt.Tooltip("open_days:Q", title=t("chart.open_days", lang), format=",d"),
    ]
    base = alt.Chart(data)
    bars = base.mark_bar(color=BAR_COLOR).encode(
        x=x, y=alt.Y("avg_recorded:Q", title=t("chart.avg_recorded", lang)), tooltip=tooltip
    )
    cap = base.mark_tick(color=CAP_COLOR, thickness=3, size=40).encode(
        x=x, y="avg_cap:Q", tooltip=tooltip
    )
    return finish(alt.layer(bars, cap).properties(height=220), lang)


def requests_by_channel(
    frame: pd.DataFrame, lang: str | None = None, grain: str = "day"
) -> alt.TopLevelMixin:
    """Requests received, stacked by channel (fixed colours).

    `frame`: long form, columns `date` (day or first day of the week), `channel`, `requests`.
    """
    check_rows(frame, "requests_by_channel")
    lang = _lang(lang)
    data = pd.DataFrame(
        {
            "date": _iso(frame["date"]),
            "label": _date_labels(frame["date"], lang),
            "channel": frame["channel"].astype(str),
            "requests": frame["requests"].astype("int64"),
        }
    )
    data["channel_label"] = [i18n.channel_label(c, lang) for c in data["channel"]]
    title = t("chart.week", lang) if grain == "week" else t("chart.date", lang)
    span = _span(frame["date"])
    encoding: dict = {"x": _x_date(title, span)}
    if grain == "week":
        # Each bar spans its week: Monday to the next Monday, on a UTC scale like the days.
        data["week_end"] = _iso(pd.to_datetime(frame["date"]) + pd.Timedelta(days=7))
        encoding = {
            "x": alt.X("date:T", title=title, scale=alt.Scale(type="utc"), axis=_date_axis(span)),
            "x2": "week_end:T",
        }
    chart = (
        alt.Chart(data)
        .mark_bar(stroke="white", strokeWidth=0.5)
        .encode(
            **encoding,
            y=alt.Y("sum(requests):Q", title=t("chart.requests", lang), axis=alt.Axis(format=",d")),
            color=channel_color(lang),
            order=alt.Order("channel:N"),
            tooltip=[
                alt.Tooltip("label:N", title=title),
                alt.Tooltip("channel_label:N", title=t("chart.channel", lang)),
                alt.Tooltip("requests:Q", title=t("chart.requests", lang), format=",d"),
            ],
        )
        .properties(height=240)
    )
    return finish(chart, lang)


# ---------------------------------------------------------------- backlog


def backlog(daily: pd.DataFrame, lang: str | None = None) -> alt.TopLevelMixin:
    """Backlog at the end of each day. `daily`: columns `date`, `backlog_end`."""
    check_rows(daily, "backlog")
    lang = _lang(lang)
    data = pd.DataFrame(
        {
            "date": _iso(daily["date"]),
            "label": _date_labels(daily["date"], lang),
            "backlog": daily["backlog_end"].astype("int64"),
        }
    )
    chart = (
        alt.Chart(data)
        .mark_area(
            line=alt.LineConfig(color=LINE_COLOR, strokeWidth=2),
            color=alt.Gradient(
                gradient="linear",
                stops=[
                    alt.GradientStop(color="#FFFFFF", offset=0),
                    alt.GradientStop(color=BAR_COLOR, offset=1),
                ],
                x1=1,
                x2=1,
                y1=1,
                y2=0,
            ),
        )
        .encode(
            x=_x_date(t("chart.date", lang), _span(daily["date"])),
            y=alt.Y("backlog:Q", title=t("chart.backlog", lang), axis=alt.Axis(format=",d")),
            tooltip=[
                alt.Tooltip("label:N", title=t("chart.date", lang)),
                alt.Tooltip("backlog:Q", title=t("chart.backlog", lang), format=",d"),
            ],
        )
        .properties(height=260)
    )
    return finish(chart, lang)


def age_buckets(frame: pd.DataFrame, lang: str | None = None) -> alt.TopLevelMixin:
    """Open requests by age bucket, in the order given. `frame`: `bucket`, `requests`."""
    check_rows(frame, "age_buckets")
    lang = _lang(lang)
    data = pd.DataFrame(
        {"bucket": frame["bucket"].astype(str), "requests": frame["requests"].astype("int64")}
    )
    order = list(data["bucket"])
    # Older requests in warmer colours: the oldest are the ones to look at first.
    palette = ["#9CC5D6", "#6FA8BF", "#E3B04B", "#D9822B", "#B5471B", "#8E2C0F"]
    chart = (
        alt.Chart(data)
        .mark_bar()
        .encode(
            x=alt.X(
                "bucket:N", title=t("chart.age", lang), sort=order, axis=alt.Axis(labelAngle=0)
            ),
            y=alt.Y("requests:Q", title=t("chart.requests", lang), axis=alt.Axis(format=",d")),
            color=alt.Color(
                "bucket:N", scale=alt.Scale(domain=order, range=palette[: len(order)]), legend=None
            ),
            tooltip=[
                alt.Tooltip("bucket:N", title=t("chart.age", lang)),
                alt.Tooltip("requests:Q", title=t("chart.requests", lang), format=",d"),
            ],
        )
        .properties(height=240)
    )
    return finish(chart, lang)


def projection(
    series: pd.DataFrame,
    lang: str | None = None,
    what_if: pd.DataFrame | None = None,
    what_if_cap: int | None = None,
) -> alt.TopLevelMixin:
    """Projected backlog day by day at the current cap, and under a what-if cap.

    `series` and `what_if`: columns `date`, `backlog` (as `metrics.project_clearance`).
    """
    lang = _lang(lang)
    frames = [series.assign(scenario=t("chart.projection.current", lang))]
    domain = [t("chart.projection.current", lang)]
    colors = [LINE_COLOR]
    if what_if is not None:
        label = f"{t('chart.projection.what_if', lang)} ({what_if_cap})"
        frames.append(what_if.assign(scenario=label))
        domain.append(label)
        colors.append(WHAT_IF_COLOR)
    both = pd.concat(frames, ignore_index=True)
    check_rows(both, "projection")
    data = pd.DataFrame(
        {
            "date": _iso(both["date"]),
            "label": _date_labels(both["date"], lang),
            "backlog": both["backlog"].astype("float64").round(0),
            "scenario": both["scenario"],
        }
    )
    chart = (
        alt.Chart(data)
        .mark_line(strokeWidth=2.5)
        .encode(
            x=_x_date(t("chart.date", lang), _span(both["date"])),
            y=alt.Y("backlog:Q", title=t("chart.backlog", lang), axis=alt.Axis(format=",d")),
            color=alt.Color(
                "scenario:N",
                title=t("chart.scenario", lang),
                scale=alt.Scale(domain=domain, range=colors),
                legend=alt.Legend(orient="bottom"),
            ),
            strokeDash=alt.StrokeDash(
                "scenario:N",
                scale=alt.Scale(domain=domain, range=[[1, 0], [6, 3]][: len(domain)]),
                legend=None,
            ),
            tooltip=[
                alt.Tooltip("scenario:N", title=t("chart.scenario", lang)),
                alt.Tooltip("label:N", title=t("chart.date", lang)),
                alt.Tooltip("backlog:Q", title=t("chart.backlog", lang), format=",d"),
            ],
        )
        .properties(height=260)
    )
    return finish(chart, lang)


def lead_times(
    frame: pd.DataFrame, lang: str | None = None, mark_days: int = 14
) -> alt.TopLevelMixin:
    """Lead time distribution: requests by whole days to the first appointment.

    Bars span [d, d+1); the line sits at `mark_days + 1`, so bars left of it are the
    requests scheduled within `mark_days` days. `frame`: columns `days`, `requests`.
    """
    check_rows(frame, "lead_times")
    lang = _lang(lang)
    data = pd.DataFrame(
        {"days": frame["days"].astype("int64"), "requests": frame["requests"].astype("int64")}
    )
    data["days_end"] = data["days"] + 1
    yes, no = t("chart.yes", lang), t("chart.no", lang)
    data["within"] = [yes if d <= mark_days else no for d in data["days"]]
    within_title = t("backlog.lead.within14", lang)
    bars = (
        alt.Chart(data)
        .mark_bar(stroke="white", strokeWidth=0.5)
        .encode(
            # "binned": the bars already are one-day bins [d, d+1), drawn upright.
            x=alt.X(
                "days:Q",
                bin="binned",
                title=t("chart.lead_days", lang),
                scale=alt.Scale(domainMin=0),
                axis=alt.Axis(format=",d", tickMinStep=1),
            ),
            x2="days_end:Q",
            y=alt.Y("requests:Q", title=t("chart.requests", lang), axis=alt.Axis(format=",d")),
            color=alt.Color(
                "within:N",
                title=within_title,
                scale=alt.Scale(domain=[yes, no], range=[GOOD_COLOR, MUTED_COLOR]),
                legend=alt.Legend(orient="bottom"),
            ),
            tooltip=[
                alt.Tooltip("days:Q", title=t("chart.lead_days", lang), format=",d"),
                alt.Tooltip("requests:Q", title=t("chart.requests", lang), format=",d"),
            ],
        )
    )
    mark = alt.Chart(pd.DataFrame({"x": [mark_days + 1], "text": [t("chart.mark_14", lang)]}))
    rule = mark.mark_rule(color=CAP_COLOR, strokeDash=[6, 3], strokeWidth=2).encode(x="x:Q")
    text = mark.mark_text(align="left", dx=4, dy=-6, color=CAP_COLOR, baseline="top").encode(
        x="x:Q", y=alt.value(0), text="text:N"
    )
    return finish(alt.layer(bars, rule, text).properties(height=240), lang)


# ---------------------------------------------------------------- helpers for pages


def period_rollup(daily: pd.DataFrame, grain: str) -> pd.DataFrame:
    """Sum a small daily frame (`date`, `recorded`, `cap`) by ISO week or calendar month.

    Returns `period` (first day of the week/month; the first period may start before
    the range), `recorded`, `cap`, `days`.
    """
    if grain not in ("week", "month"):
        raise ValueError(f"unknown grain {grain!r}")
    dates = pd.to_datetime(daily["date"])
    if grain == "week":
        period = dates - pd.to_timedelta(dates.dt.weekday, unit="D")
    else:
        period = dates.dt.to_period("M").dt.start_time
    frame = pd.DataFrame(
        {"period": period.dt.date, "recorded": daily["recorded"], "cap": daily["cap"]}
    )
    out = (
        frame.groupby("period", sort=True)
        .agg(recorded=("recorded", "sum"), cap=("cap", "sum"), days=("cap", "size"))
        .reset_index()
    )
    return out


def weekday_summary(daily: pd.DataFrame) -> pd.DataFrame:
    """Average recorded and cap per OPEN day (cap > 0), by ISO weekday (1..7)."""
    open_days = daily[daily["cap"] > 0]
    weekday = pd.to_datetime(open_days["date"]).dt.weekday + 1
    frame = pd.DataFrame(
        {"weekday": weekday, "recorded": open_days["recorded"], "cap": open_days["cap"]}
    )
    return (
        frame.groupby("weekday", sort=True)
        .agg(
            avg_recorded=("recorded", "mean"),
            avg_cap=("cap", "mean"),
            open_days=("cap", "size"),
        )
        .reset_index()
    )


def dates_between(start: date, end: date) -> Sequence[date]:
    """Every date from start to end inclusive (small helper for empty frames)."""
    return [d.date() for d in pd.date_range(start, end, freq="D")]


# --- screening, channels ---
# Builders for the screening and channels pages (pages helper 2). Same rules as above:
# aggregated frames in, a chart out, fixed channel colours, tooltips with exact values.

#: Screening outcomes: passed in the "good" green, turned away in a warm red.
PASSED_COLOR = GOOD_COLOR
TURNED_AWAY_COLOR = "#C0392B"
TARGET_BAND_COLOR = "#CDE8D6"

#: Rejection reasons in a fixed order and colour (fever warmest).
REJECTION_REASONS: dict[str, str] = {
    "fever": "#C0392B",
    "symptoms": "#E67E22",
    "no_mask": "#8E6CC9",
    "no_handwash": "#3C78D8",
    "other": "#7F8C8D",
    "unknown": "#BDC3C7",
}


def _period_axis(grain: str, lang: str, labels: list[str] | None = None) -> tuple[alt.X, str]:
    """Days on a time axis; weeks as one band each (on a time axis a week's bar would be
    a day wide), labelled with their first day, in order."""
    if grain == "week":
        title = t("chart.week", lang)
        if labels is not None:
            order = list(dict.fromkeys(labels))
            return alt.X("label:N", title=title, sort=order, axis=alt.Axis(labelAngle=-40)), title
        return _x_date(title), title
    return _x_date(t("chart.date", lang)), t("chart.date", lang)


def screening_funnel(frame: pd.DataFrame, lang: str | None = None) -> alt.TopLevelMixin:
    """The screening funnel as horizontal bars in stage order, with the share of the
    scheduled appointments in the tooltip.

    `frame`: columns `stage` (scheduled, checked_in, passed, turned_away, recorded, ...
    in order), `appointments`.
    """
    check_rows(frame, "screening_funnel")
    lang = _lang(lang)
    stages = [str(s) for s in frame["stage"]]
    data = pd.DataFrame(
        {
            "stage": stages,
            "label": [t(f"screening.stage.{s}", lang) for s in stages],
            "appointments": frame["appointments"].astype("int64"),
        }
    )
    scheduled = int(data.loc[data["stage"] == "scheduled", "appointments"].sum())
    data["of_scheduled"] = [(n / scheduled) if scheduled else None for n in data["appointments"]]
    colors = {"passed": PASSED_COLOR, "turned_away": TURNED_AWAY_COLOR, "no_show": MUTED_COLOR}
    order = list(data["label"])
    bar_colors = [colors.get(s, BAR_COLOR) for s in stages]
    base = alt.Chart(data).encode(
        y=alt.Y("label:N", title=None, sort=order, axis=alt.Axis(labelLimit=220)),
        x=alt.X(
            "appointments:Q",
            title=t("screening.chart.appointments", lang),
            axis=alt.Axis(format=",d"),
        ),
        tooltip=[
            alt.Tooltip("label:N", title=t("screening.chart.stage", lang)),
            alt.Tooltip(
                "appointments:Q", title=t("screening.chart.appointments", lang), format=",d"
            ),
            alt.Tooltip(
                "of_scheduled:Q", title=t("screening.chart.of_scheduled", lang), format=".1%"
            ),
        ],
    )
    bars = base.mark_bar().encode(
        color=alt.Color("label:N", scale=alt.Scale(domain=order, range=bar_colors), legend=None)
    )
    text = base.mark_text(align="left", dx=4, color="#333333").encode(
        text=alt.Text("appointments:Q", format=",d")
    )
    return finish(alt.layer(bars, text).properties(height=36 * len(data) + 20), lang)


def rejection_rate_band(
    frame: pd.DataFrame,
    band: tuple[float, float],
    lang: str | None = None,
    grain: str = "week",
) -> alt.TopLevelMixin:
    """Rejection rate per period as a line, over the target band (a shaded strip).

    `frame`: columns `period`, `checked_in`, `screening_rejected`, `rejection_rate`
    (NaN where nobody checked in: a gap, not a zero). `band`: (low, high) fractions.
    """
    check_rows(frame, "rejection_rate_band")
    lang = _lang(lang)
    data = pd.DataFrame(
        {
            "date": _iso(frame["period"]),
            "label": _date_labels(frame["period"], lang),
            "rate": frame["rejection_rate"].astype("float64"),
            "checked_in": frame["checked_in"].astype("int64"),
            "rejected": frame["screening_rejected"].astype("int64"),
        }
    )
    x, title = _period_axis(grain, lang)
    low, high = band
    strip = (
        alt.Chart(pd.DataFrame({"low": [low], "high": [high]}))
        .mark_rect(color=TARGET_BAND_COLOR, opacity=0.7)
        .encode(
            y=alt.Y("low:Q"),
            y2="high:Q",
            tooltip=[
                alt.Tooltip("low:Q", title=t("screening.chart.band_low", lang), format=".1%"),
                alt.Tooltip("high:Q", title=t("screening.chart.band_high", lang), format=".1%"),
            ],
        )
    )
    line = (
        alt.Chart(data)
        .mark_line(point=alt.OverlayMarkDef(size=40), color=LINE_COLOR)
        .encode(
            x=x,
            y=alt.Y(
                "rate:Q", title=t("screening.chart.rejection_rate", lang), axis=alt.Axis(format="%")
            ),
            tooltip=[
                alt.Tooltip("label:N", title=title),
                alt.Tooltip(
                    "rate:Q", title=t("screening.chart.rejection_rate", lang), format=".1%"
                ),
                alt.Tooltip(
                    "rejected:Q", title=t("screening.chart.turned_away", lang), format=",d"
                ),
                alt.Tooltip(
                    "checked_in:Q", title=t("screening.chart.checked_in", lang), format=",d"
                ),
            ],
        )
    )
    return finish(alt.layer(strip, line).properties(height=240), lang)


def rejections_by_reason(
    frame: pd.DataFrame, lang: str | None = None, grain: str = "day"
) -> alt.TopLevelMixin:
    """Screening rejections per period, stacked by reason (fixed reason colours).

    `frame`: columns `period`, `reason`, `rejections` (as `metrics.rejections_by_reason`).
    """
    check_rows(frame, "rejections_by_reason")
    lang = _lang(lang)
    data = pd.DataFrame(
        {
            "date": _iso(frame["period"]),
            "label": _date_labels(frame["period"], lang),
            "reason": frame["reason"].astype(str),
            "rejections": frame["rejections"].astype("int64"),
        }
    )
    data["reason_label"] = [t(f"screening.reason.{r}", lang) for r in data["reason"]]
    data = data.sort_values("date", kind="stable")
    reasons = list(REJECTION_REASONS)
    label_expr = " : ".join(
        f"datum.value === '{r}' ? '{t(f'screening.reason.{r}', lang)}'" for r in reasons
    )
    x, title = _period_axis(grain, lang, list(data["label"]))
    chart = (
        alt.Chart(data)
        .mark_bar()
        .encode(
            x=x,
            y=alt.Y(
                "sum(rejections):Q",
                title=t("screening.chart.turned_away", lang),
                axis=alt.Axis(format=",d", tickMinStep=1),
            ),
            color=alt.Color(
                "reason:N",
                title=t("screening.chart.reason", lang),
                scale=alt.Scale(domain=reasons, range=list(REJECTION_REASONS.values())),
                legend=alt.Legend(labelExpr=f"{label_expr} : datum.value", orient="bottom"),
            ),
            order=alt.Order("reason:N"),
            tooltip=[
                alt.Tooltip("label:N", title=title),
                alt.Tooltip("reason_label:N", title=t("screening.chart.reason", lang)),
                alt.Tooltip(
                    "rejections:Q", title=t("screening.chart.turned_away", lang), format=",d"
                ),
            ],
        )
        .properties(height=300)
    )
    return finish(chart, lang)


def temperature_histogram(
    frame: pd.DataFrame, threshold: float, lang: str | None = None
) -> alt.TopLevelMixin:
    """People checked in by temperature bin, passed and turned away stacked, with the
    fever threshold as a rule (the bins are aligned so it is a bin edge).

    `frame`: columns `bin_start`, `bin_end`, `passed`, `turned_away` (as
    `queries.temperature_bins`).
    """
    check_rows(frame, "temperature_histogram")
    lang = _lang(lang)
    passed, away = t("screening.chart.passed", lang), t("screening.chart.turned_away", lang)
    parts = []
    for column, outcome in (("passed", passed), ("turned_away", away)):
        parts.append(
            pd.DataFrame(
                {
                    "bin_start": frame["bin_start"].astype("float64"),
                    "bin_end": frame["bin_end"].astype("float64"),
                    "outcome": outcome,
                    "people": frame[column].astype("int64"),
                }
            )
        )
    data = pd.concat(parts, ignore_index=True)
    data = data[data["people"] > 0]
    temp_title = t("screening.chart.temperature", lang)
    bars = (
        alt.Chart(data)
        .mark_bar(stroke="white", strokeWidth=0.5)
        .encode(
            x=alt.X(
                "bin_start:Q",
                title=temp_title,
                bin="binned",
                scale=alt.Scale(zero=False),
                axis=alt.Axis(format=".1f", tickMinStep=0.2),
            ),
            x2="bin_end:Q",
            y=alt.Y(
                "sum(people):Q",
                title=t("screening.chart.people", lang),
                axis=alt.Axis(format=",d", tickMinStep=1),
            ),
            color=alt.Color(
                "outcome:N",
                title=t("screening.chart.outcome", lang),
                scale=alt.Scale(domain=[passed, away], range=[PASSED_COLOR, TURNED_AWAY_COLOR]),
                legend=alt.Legend(orient="bottom"),
            ),
            order=alt.Order("outcome:N"),
            tooltip=[
                alt.Tooltip("bin_start:Q", title=t("screening.chart.from", lang), format=".1f"),
                alt.Tooltip("bin_end:Q", title=t("screening.chart.below", lang), format=".1f"),
                alt.Tooltip("outcome:N", title=t("screening.chart.outcome", lang)),
                alt.Tooltip("people:Q", title=t("screening.chart.people", lang), format=",d"),
            ],
        )
    )
    mark = alt.Chart(
        pd.DataFrame(
            {
                "x": [float(threshold)],
                "text": [
                    t("screening.chart.threshold", lang, value=i18n.fmt_decimal(threshold, 1, lang))
                ],
            }
        )
    )
    rule = mark.mark_rule(color=CAP_COLOR, strokeDash=[6, 3], strokeWidth=2).encode(x="x:Q")
    text = mark.mark_text(align="left", dx=4, dy=-6, color=CAP_COLOR, baseline="top").encode(
        x="x:Q", y=alt.value(0), text="text:N"
    )
    return finish(alt.layer(bars, rule, text).properties(height=300), lang)


def channel_share(
    frame: pd.DataFrame, lang: str | None = None, grain: str = "week"
) -> alt.TopLevelMixin:
    """Each channel's share of the requests per period, as 100 % stacked bars.

    `frame`: columns `period`, `channel`, `requests`, `share` (as `queries.channel_share`).
    """
    check_rows(frame, "channel_share")
    lang = _lang(lang)
    data = pd.DataFrame(
        {
            "date": _iso(frame["period"]),
            "label": _date_labels(frame["period"], lang),
            "channel": frame["channel"].astype(str),
            "requests": frame["requests"].astype("int64"),
            "share": frame["share"].astype("float64"),
        }
    )
    data["channel_label"] = [i18n.channel_label(c, lang) for c in data["channel"]]
    data = data.sort_values("date", kind="stable")
    x, title = _period_axis(grain, lang, list(data["label"]))
    chart = (
        alt.Chart(data)
        .mark_bar()
        .encode(
            x=x,
            y=alt.Y(
                "share:Q",
                title=t("channels.chart.share", lang),
                stack="normalize",
                axis=alt.Axis(format="%"),
            ),
            color=channel_color(lang),
            order=alt.Order("channel:N"),
            tooltip=[
                alt.Tooltip("label:N", title=title),
                alt.Tooltip("channel_label:N", title=t("chart.channel", lang)),
                alt.Tooltip("share:Q", title=t("channels.chart.share", lang), format=".1%"),
                alt.Tooltip("requests:Q", title=t("chart.requests", lang), format=",d"),
            ],
        )
        .properties(height=320)
    )
    return finish(chart, lang)


def channel_outcomes(frame: pd.DataFrame, lang: str | None = None) -> alt.TopLevelMixin:
    """Per channel, its share of the requests (light) beside its share of the
    recordings (full colour): a channel whose second bar is shorter waits longer.

    `frame`: columns `channel`, `requests`, `recorded`, `request_share`, `recorded_share`.
    """
    check_rows(frame, "channel_outcomes")
    lang = _lang(lang)
    of_requests = t("channels.chart.of_requests", lang)
    of_recorded = t("channels.chart.of_recordings", lang)
    parts = []
    for share, count, measure in (
        ("request_share", "requests", of_requests),
        ("recorded_share", "recorded", of_recorded),
    ):
        parts.append(
            pd.DataFrame(
                {
                    "channel": frame["channel"].astype(str),
                    "measure": measure,
                    "share": frame[share].astype("float64").fillna(0.0),
                    "count": frame[count].astype("int64"),
                }
            )
        )
    data = pd.concat(parts, ignore_index=True)
    data["channel_label"] = [i18n.channel_label(c, lang) for c in data["channel"]]
    order = [i18n.channel_label(c, lang) for c in CHANNELS]
    chart = (
        alt.Chart(data)
        .mark_bar()
        .encode(
            y=alt.Y("channel_label:N", title=None, sort=order),
            yOffset=alt.YOffset("measure:N", sort=[of_requests, of_recorded]),
            x=alt.X("share:Q", title=t("channels.chart.share", lang), axis=alt.Axis(format="%")),
            # The axis names the channels; the colour keeps them recognisable.
            color=channel_color(lang).legend(None),
            opacity=alt.Opacity(
                "measure:N",
                title=None,
                scale=alt.Scale(domain=[of_requests, of_recorded], range=[0.45, 1.0]),
                legend=alt.Legend(orient="bottom"),
            ),
            tooltip=[
                alt.Tooltip("channel_label:N", title=t("chart.channel", lang)),
                alt.Tooltip("measure:N", title=t("channels.chart.measure", lang)),
                alt.Tooltip("share:Q", title=t("channels.chart.share", lang), format=".1%"),
                alt.Tooltip("count:Q", title=t("channels.chart.count", lang), format=",d"),
            ],
        )
        # Room for two bars per channel plus the axis and the legend below.
        .properties(height=64 * max(1, frame["channel"].nunique()) + 110)
    )
    return finish(chart, lang)


def lead_time_by_channel(
    frame: pd.DataFrame, lang: str | None = None, mark_days: int = 14
) -> alt.TopLevelMixin:
    """Median lead time per channel as bars, the 90th percentile as a tick, and the
    `mark_days` line (what good looks like).

    `frame`: columns `channel`, `n`, `median`, `p90`, `share_within_14`.
    """
    check_rows(frame, "lead_time_by_channel")
    lang = _lang(lang)
    data = pd.DataFrame(
        {
            "channel": frame["channel"].astype(str),
            "median": frame["median"].astype("float64"),
            "p90": frame["p90"].astype("float64"),
            "within": frame["share_within_14"].astype("float64"),
            "n": frame["n"].astype("int64"),
        }
    )
    data["channel_label"] = [i18n.channel_label(c, lang) for c in data["channel"]]
    order = [i18n.channel_label(c, lang) for c in CHANNELS]
    y = alt.Y("channel_label:N", title=None, sort=order)
    longest = float(data["p90"].max()) if data["p90"].notna().any() else 0.0
    x_max = max(longest, float(mark_days)) * 1.08 + 1
    tooltip = [
        alt.Tooltip("channel_label:N", title=t("chart.channel", lang)),
        alt.Tooltip("median:Q", title=t("channels.chart.median_days", lang), format=",.1f"),
        alt.Tooltip("p90:Q", title=t("channels.chart.p90_days", lang), format=",.1f"),
        alt.Tooltip("within:Q", title=t("backlog.lead.within14", lang), format=".0%"),
        alt.Tooltip("n:Q", title=t("chart.requests", lang), format=",d"),
    ]
    base = alt.Chart(data)
    bars = base.mark_bar().encode(
        y=y,
        # Room to the right of the longest 90th percentile, so its tick is not clipped.
        x=alt.X(
            "median:Q",
            title=t("chart.lead_days", lang),
            scale=alt.Scale(domain=[0, x_max], nice=False),
        ),
        color=channel_color(lang).legend(None),
        tooltip=tooltip,
    )
    p90 = base.mark_tick(color="#333333", thickness=2, size=18).encode(
        y=y, x="p90:Q", tooltip=tooltip
    )
    mark = alt.Chart(pd.DataFrame({"x": [mark_days], "text": [t("chart.mark_14", lang)]}))
    rule = mark.mark_rule(color=CAP_COLOR, strokeDash=[6, 3], strokeWidth=2).encode(x="x:Q")
    return finish(alt.layer(bars, p90, rule).properties(height=48 * max(1, len(data)) + 70), lang)


def kecamatan_channel_heatmap(
    frame: pd.DataFrame, lang: str | None = None, unknown_label: str = "–"
) -> alt.TopLevelMixin:
    """Requests per kecamatan (rows) and channel (columns), darker = more, with counts.

    `frame`: columns `kecamatan` (display name; None = not given), `channel`, `requests`,
    `share` (of the kecamatan's requests).
    """
    check_rows(frame, "kecamatan_channel_heatmap")
    lang = _lang(lang)
    data = pd.DataFrame(
        {
            "kecamatan": [
                unknown_label if (k is None or pd.isna(k)) else str(k) for k in frame["kecamatan"]
            ],
            "channel": frame["channel"].astype(str),
            "requests": frame["requests"].astype("int64"),
            "share": frame["share"].astype("float64"),
        }
    )
    data["channel_label"] = [i18n.channel_label(c, lang) for c in data["channel"]]
    rows = list(dict.fromkeys(data["kecamatan"]))
    columns = [i18n.channel_label(c, lang) for c in CHANNELS]
    base = alt.Chart(data).encode(
        x=alt.X(
            "channel_label:N",
            title=t("chart.channel", lang),
            sort=columns,
            axis=alt.Axis(labelAngle=0, orient="top"),
        ),
        y=alt.Y("kecamatan:N", title=t("filter.kecamatan", lang), sort=rows),
        tooltip=[
            alt.Tooltip("kecamatan:N", title=t("filter.kecamatan", lang)),
            alt.Tooltip("channel_label:N", title=t("chart.channel", lang)),
            alt.Tooltip("requests:Q", title=t("chart.requests", lang), format=",d"),
            alt.Tooltip(
                "share:Q", title=t("channels.chart.share_in_kecamatan", lang), format=".1%"
            ),
        ],
    )
    cells = base.mark_rect(stroke="white", strokeWidth=1).encode(
        color=alt.Color(
            "requests:Q",
            title=t("chart.requests", lang),
            scale=alt.Scale(scheme="blues"),
            legend=alt.Legend(orient="bottom", format=",d"),
        )
    )
    # Dark text on light cells, light text on dark ones.
    top = float(data["requests"].max()) if len(data) else 0.0
    text = base.mark_text(baseline="middle").encode(
        text=alt.Text("requests:Q", format=",d"),
        color=alt.condition(
            alt.datum.requests > top * 0.6, alt.value("white"), alt.value("#222222")
        ),
    )
    return finish(alt.layer(cells, text).properties(height=30 * max(1, len(rows)) + 150), lang)
