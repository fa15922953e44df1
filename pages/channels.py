"""Request channels: how people ask for a slot, and whether one channel waits longer.

Each channel's share of the requests over time; its share of the recordings beside its
share of the requests, with the lead time by channel ("does one channel wait
longer?"); and requests per kecamatan and channel as a heatmap.
"""

from __future__ import annotations

import streamlit as st

from dashboard import cache, charts, i18n, queries, ui
from dashboard.i18n import t

ctx = ui.page_setup("channels", "view")

ui.page_header(ctx)
if ui.no_data(ctx):
    st.stop()

grain = "day" if ctx.days <= 31 else "week"
share = cache.call(queries.channel_share, ctx.start, ctx.end, ctx.filters, grain)
if share.empty:
    ui.no_rows(ctx)
    st.stop()

outcomes = cache.call(queries.channel_outcomes, ctx.start, ctx.end, ctx.filters)
total = int(outcomes["requests"].sum())
tiles = st.columns(len(charts.CHANNELS))
by_channel = outcomes.set_index("channel")
for column, channel in zip(tiles, charts.CHANNELS, strict=True):
    requests = int(by_channel["requests"].get(channel, 0))
    column.metric(
        i18n.channel_label(channel),
        i18n.fmt_pct(requests / total if total else None),
        help=t("channels.tile.help", n=i18n.fmt_int(requests), total=i18n.fmt_int(total)),
        border=True,
    )

# ---------------------------------------------------------------- share over time
st.subheader(t("channels.share"))
st.caption(t(f"channels.share.caption.{grain}"))
ui.show_chart(charts.channel_share(share, grain=grain), share, "channels_share", ctx)

# ---------------------------------------------------------------- who waits longer
st.subheader(t("channels.wait"))
st.caption(t("channels.wait.caption"))
leads = cache.call(queries.lead_time_by_channel, ctx.start, ctx.end, ctx.filters)

left, right = st.columns(2)
with left:
    st.markdown(f"**{t('channels.outcomes')}**")
    if int(outcomes["recorded"].sum()) == 0:
        st.caption(t("channels.outcomes.none"))
    else:
        ui.show_chart(charts.channel_outcomes(outcomes), outcomes, "channels_outcomes", ctx)
with right:
    st.markdown(f"**{t('channels.lead')}**")
    if leads.empty:
        st.caption(t("channels.lead.none"))
    else:
        ui.show_chart(charts.lead_time_by_channel(leads), leads, "channels_lead_times", ctx)

# The plain-language answer: the channel furthest behind its share of the requests,
# and the one with the longest median wait.
findings = []
if total and int(outcomes["recorded"].sum()):
    gaps = outcomes.assign(gap=outcomes["request_share"] - outcomes["recorded_share"])
    worst = gaps.sort_values("gap", ascending=False).iloc[0]
    if worst["gap"] >= 0.05:
        findings.append(
            t(
                "channels.finding.gap",
                channel=i18n.channel_label(str(worst["channel"])),
                requests=i18n.fmt_pct(worst["request_share"]),
                recorded=i18n.fmt_pct(worst["recorded_share"]),
            )
        )
    else:
        findings.append(t("channels.finding.balanced"))
if len(leads) > 1:
    slowest = leads.sort_values("median", ascending=False).iloc[0]
    fastest = leads.sort_values("median").iloc[0]
    if slowest["median"] > fastest["median"]:
        findings.append(
            t(
                "channels.finding.slowest",
                slow=i18n.channel_label(str(slowest["channel"])),
                slow_days=i18n.fmt_decimal(slowest["median"], 1),
                fast=i18n.channel_label(str(fastest["channel"])),
                fast_days=i18n.fmt_decimal(fastest["median"], 1),
            )
        )
for finding in findings:
    st.info(finding, icon=":material/lightbulb:")

# ---------------------------------------------------------------- kecamatan x channel
st.subheader(t("channels.heatmap"))
st.caption(t("channels.heatmap.caption"))
grid = cache.call(queries.kecamatan_channel, ctx.start, ctx.end, ctx.filters)
ui.show_chart(
    charts.kecamatan_channel_heatmap(grid, unknown_label=t("channels.kecamatan.unknown")),
    grid,
    "channels_kecamatan",
    ctx,
)
