"""Throughput: recordings per day against the cap, utilisation, roll-ups, weekday pattern.

Answers "are we using the cap, and when do we hit it?": the daily bars with the cap as
a stepped line, utilisation on open days, weekly and monthly totals, the average by
weekday, demand by channel, and the days at or over the cap.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import cache, charts, i18n, metrics, ui
from dashboard.i18n import t

ctx = ui.page_setup("throughput", "view")

ui.page_header(ctx)
ui.alert_banners(ctx, "throughput")  # missed targets (dashboard/targets.py)
if ui.no_data(ctx):
    st.stop()

daily = cache.call(metrics.daily, ctx.start, ctx.end, ctx.filters)
if not ui.has_activity(daily):
    ui.no_rows(ctx)
    st.stop()

open_days = daily[daily["cap"] > 0]
at_cap = open_days[open_days["recorded"] >= open_days["cap"]]
recorded, cap_total = int(daily["recorded"].sum()), int(open_days["cap"].sum())

tiles = st.columns(4)
tiles[0].metric(t("chart.recorded"), i18n.fmt_int(recorded), border=True)
tiles[1].metric(t("throughput.open_days"), i18n.fmt_int(len(open_days)), border=True)
tiles[2].metric(
    t("throughput.utilization_avg"),
    i18n.fmt_pct(recorded / cap_total if cap_total else None),
    border=True,
)
tiles[3].metric(
    t("throughput.at_cap"),
    t("throughput.at_cap.value", n=i18n.fmt_int(len(at_cap)), open=i18n.fmt_int(len(open_days))),
    help=t("throughput.at_cap.help"),
    border=True,
)

st.subheader(t("throughput.daily"))
st.caption(t("throughput.daily.caption"))
per_day = daily[["date", "recorded", "cap", "utilization"]].reset_index(drop=True)
ui.show_chart(charts.throughput(per_day), per_day, "throughput_daily", ctx)

st.subheader(t("throughput.utilization"))
st.caption(t("throughput.utilization.caption"))
ui.show_chart(
    charts.utilization(per_day), per_day[per_day["cap"] > 0], "throughput_utilization", ctx
)

st.subheader(t("throughput.requests"))
st.caption(t("throughput.requests.caption"))
by_channel = [f"requests_{c}" for c in charts.CHANNELS]
long = daily[["date", *by_channel]].melt(
    id_vars="date",
    value_vars=by_channel,
    var_name="channel",
    value_name="requests",
)
long["channel"] = long["channel"].str.removeprefix("requests_")
grain = "day" if ctx.days <= 120 else "week"
if grain == "week":
    week = pd.to_datetime(long["date"])
    long["date"] = week - pd.to_timedelta(week.dt.weekday, unit="D")
    long = long.groupby(["date", "channel"], as_index=False)["requests"].sum()
long = long[["date", "channel", "requests"]]
ui.show_chart(
    charts.requests_by_channel(long, grain=grain), long, "throughput_requests_by_channel", ctx
)

st.subheader(t("throughput.rollups"))
left, right = st.columns(2)
with left:
    st.markdown(f"**{t('throughput.weekly')}**")
    weekly = charts.period_rollup(daily, "week")
    ui.show_chart(charts.rollup(weekly, "week"), weekly, "throughput_weekly", ctx)
with right:
    st.markdown(f"**{t('throughput.monthly')}**")
    monthly = charts.period_rollup(daily, "month")
    ui.show_chart(charts.rollup(monthly, "month"), monthly, "throughput_monthly", ctx)

st.subheader(t("throughput.weekday"))
st.caption(t("throughput.weekday.caption"))
weekdays = charts.weekday_summary(daily)
if len(weekdays):
    ui.show_chart(charts.weekday_pattern(weekdays), weekdays, "throughput_weekday", ctx)

st.subheader(t("throughput.at_cap"))
if at_cap.empty:
    st.caption(t("throughput.at_cap.none"))
else:
    table = pd.DataFrame(
        {
            t("chart.date"): [i18n.fmt_date(pd.Timestamp(d).date()) for d in at_cap["date"]],
            t("chart.weekday"): [
                i18n.day_name(pd.Timestamp(d).isoweekday()) for d in at_cap["date"]
            ],
            t("chart.recorded"): at_cap["recorded"].to_numpy(),
            t("chart.cap"): at_cap["cap"].to_numpy(),
        }
    )
    st.dataframe(table, hide_index=True, width="content")
