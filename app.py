"""The landing page: sign-in, then the overview of the chosen period; nothing else.

Five tiles (recorded vs cap, backlog, screening rejections, WhatsApp share, no-shows),
each compared with the previous period of equal length and coloured by whether the
change is good news (`dashboard/overview.py`, shared with the monthly report), a small
throughput chart and the button that makes the heads' PDF report (`dashboard/report.py`).
The details live on the other pages.
"""

from __future__ import annotations

import streamlit as st

from dashboard import cache, charts, i18n, metrics, overview, report, ui
from dashboard.i18n import t

ctx = ui.page_setup("overview", "view")

prev_start, prev_end = ctx.previous
ui.page_header(ctx, t("overview.period", range=ctx.range_text()))
ui.alert_banners(ctx, "overview")  # missed targets (dashboard/targets.py)
if ui.no_data(ctx):
    st.stop()

# One daily query over both periods; the tiles are computed as the monthly report's.
both = cache.call(metrics.daily, prev_start, ctx.end, ctx.filters)
now, _before = overview.split(both, ctx.start)

st.caption(t("overview.compared", range=i18n.fmt_range(prev_start, prev_end)))
tiles = overview.tiles_from(both, ctx.start)
for column, tile in zip(st.columns(len(tiles)), tiles, strict=True):
    delta = ui.delta_args(tile.change, tile.change_kind, "down" if tile.good == "down" else "up")
    if tile.good == "neutral" and delta.get("delta"):
        delta["delta_color"] = "off"  # a channel's share is neither good nor bad
    column.metric(
        tile.label(),
        tile.value_text(),
        help=t(f"tile.{tile.key}.help", date=i18n.fmt_date(ctx.end)),
        border=True,
        **delta,
    )

st.subheader(t("overview.throughput"))
if not ui.has_activity(now):
    ui.no_rows(ctx)
else:
    frame = now[["date", "recorded", "cap"]].reset_index(drop=True)
    ui.show_chart(charts.throughput(frame, height=260), frame, "overview_throughput", ctx)

period = report.for_view(ctx.start, ctx.end)
st.download_button(
    t("report.button", period=period.label()),
    data=report.generator(period, ctx.actor, ctx.lang, ctx.filters),
    file_name=report.filename(period, ctx.lang),
    mime=report.MIME,
    key="dl-report",
    on_click="ignore",
    icon=":material/picture_as_pdf:",
    help=t("report.button.help"),
)
st.caption(t(f"report.for.{period.kind}", period=period.label()))

if ctx.last_import is not None:
    st.caption(t("status.last_import", when=i18n.fmt_datetime(ctx.last_import)))
