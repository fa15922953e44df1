"""Backlog: how many e-KTP recording requests wait, how long, and when the queue clears.

The backlog at the end of each day, the open requests by age, the projected clearance
date at the current cap with a what-if cap slider that moves the date, and the lead
time from request to appointment with the share scheduled within 14 days.
"""

from __future__ import annotations

from datetime import timedelta

import pandas as pd
import streamlit as st

from dashboard import cache, charts, config, i18n, metrics, ui
from dashboard.i18n import t

ctx = ui.page_setup("backlog", "view")

ui.page_header(ctx)
ui.alert_banners(ctx, "backlog")  # missed targets (dashboard/targets.py)
if ui.no_data(ctx):
    st.stop()
if not ctx.filters.backlog_applies:
    st.info(t("backlog.not_applicable"), icon=":material/info:")
    st.stop()

# The day before the period as well: the change over the period needs its backlog.
daily = cache.call(metrics.daily, ctx.start - timedelta(days=1), ctx.end, ctx.filters)
backlog_now = int(daily["backlog_end"].iloc[-1])
backlog_before = int(daily["backlog_end"].iloc[0])
in_period = daily.iloc[1:].reset_index(drop=True)
if not ui.has_activity(in_period) and int(daily["backlog_end"].max()) == 0:
    ui.no_rows(ctx)
    st.stop()
ages = cache.call(metrics.open_request_ages, ctx.end, ctx.filters)
oldest = int(ages["requests"].iloc[-1]) if len(ages) else 0

tiles = st.columns(3)
tiles[0].metric(
    t("tile.backlog"),
    i18n.fmt_int(backlog_now),
    help=t("tile.backlog.help", date=i18n.fmt_date(ctx.end)),
    border=True,
    **ui.delta_args(backlog_now - backlog_before, "int", good="down"),
)
tiles[1].metric(
    t("backlog.new_requests"),
    i18n.fmt_int(int(in_period["requests"].sum())),
    border=True,
)
tiles[2].metric(t("backlog.oldest"), i18n.fmt_int(oldest), border=True)

st.subheader(t("backlog.line"))
st.caption(t("backlog.line.caption"))
line = in_period[["date", "backlog_end"]]
ui.show_chart(charts.backlog(line), line, "backlog_daily", ctx)

st.subheader(t("backlog.ages"))
st.caption(t("backlog.ages.caption", date=i18n.fmt_date(ctx.end)))
if backlog_now == 0:
    st.caption(t("backlog.no_open", date=i18n.fmt_date(ctx.end)))
else:
    ui.show_chart(charts.age_buckets(ages), ages, "backlog_ages", ctx)

# ---------------------------------------------------------------- projection
st.subheader(t("backlog.projection"))
current = cache.call(metrics.project_clearance, ctx.end, ctx.filters)
st.caption(
    t(
        "backlog.projection.caption",
        backlog=i18n.fmt_int(current.backlog_now),
        date=i18n.fmt_date(ctx.end),
        demand=i18n.fmt_decimal(current.daily_demand, 1),
        show=i18n.fmt_pct(current.show_rate, 0),
        pass_rate=i18n.fmt_pct(current.pass_rate, 0),
    )
)
open_caps = [int(c) for c in current.series["cap"] if int(c) > 0]
current_cap = open_caps[0] if open_caps else config.DEFAULT_CAP
slider_max = min(config.MAX_DAILY_CAP, max(50, current_cap * 3))
what_if_cap = st.slider(
    t("backlog.what_if"),
    min_value=1,
    max_value=slider_max,
    value=min(current_cap, slider_max),
    help=t("backlog.what_if.help"),
    key="backlog_what_if_cap",
)
what_if = (
    cache.call(metrics.project_clearance, ctx.end, ctx.filters, what_if_cap=int(what_if_cap))
    if what_if_cap != current_cap
    else None
)


def _clear_text(date_value: object) -> str:
    if current.backlog_now == 0:
        return t("backlog.already_clear")
    if date_value is None:
        return t("backlog.never", days=i18n.fmt_int(730))
    return i18n.fmt_date(date_value)  # type: ignore[arg-type]


cols = st.columns(2)
cols[0].metric(t("backlog.clear_date"), _clear_text(current.clear_date), border=True)
if what_if is not None:
    delta: dict = {}
    if current.clear_date and what_if.clear_date:
        days = (what_if.clear_date - current.clear_date).days
        if days:
            # Fewer days to clear is good news: an inverse colour on a signed delta.
            delta = {
                "delta": f"{i18n.fmt_signed_int(days)} {t('unit.days')}",
                "delta_color": "inverse",
            }
    cols[1].metric(
        t("backlog.clear_date.what_if", cap=i18n.fmt_int(what_if_cap)),
        _clear_text(what_if.clear_date),
        border=True,
        **delta,
    )
if current.backlog_now > 0 and len(current.series):
    series = current.series[["date", "cap", "expected_recorded", "backlog"]]
    chart_frame = series.assign(scenario="current")
    if what_if is not None and len(what_if.series):
        chart_frame = pd.concat(
            [chart_frame, what_if.series.assign(scenario=f"what_if_{what_if_cap}")],
            ignore_index=True,
        )
    ui.show_chart(
        charts.projection(
            series,
            what_if=what_if.series if what_if is not None else None,
            what_if_cap=int(what_if_cap),
        ),
        chart_frame,
        "backlog_projection",
        ctx,
    )

# ---------------------------------------------------------------- lead times
st.subheader(t("backlog.lead"))
st.caption(t("backlog.lead.caption"))
summary = cache.call(metrics.lead_time_summary, ctx.start, ctx.end, ctx.filters)
if not summary["n"]:
    st.caption(t("backlog.lead.none"))
else:
    cols = st.columns(3)
    cols[0].metric(
        t("backlog.lead.within14"), i18n.fmt_pct(summary["share_within_14"]), border=True
    )
    cols[1].metric(
        t("backlog.lead.median"),
        t("backlog.lead.days", n=i18n.fmt_decimal(summary["median"], 1)),
        border=True,
    )
    cols[2].metric(
        t("backlog.lead.p90"),
        t("backlog.lead.days", n=i18n.fmt_decimal(summary["p90"], 1)),
        border=True,
    )
    leads = cache.call(metrics.lead_times, ctx.start, ctx.end, ctx.filters)
    ui.show_chart(charts.lead_times(leads), leads, "backlog_lead_times", ctx)
