"""The landing page: sign-in, then the overview of the chosen period; nothing else.

Five tiles (recorded vs cap, backlog, screening rejections, WhatsApp share, no-shows),
each compared with the previous period of equal length and coloured by whether the
change is good news, and a small throughput chart. The details live on the other pages.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import cache, charts, i18n, metrics, ui
from dashboard.i18n import t

ctx = ui.page_setup("overview", "view")

prev_start, prev_end = ctx.previous
ui.page_header(ctx, t("overview.period", range=ctx.range_text()))
if ui.no_data(ctx):
    st.stop()

# One daily query over both periods; the rates come from the same definitions.
both = cache.call(metrics.daily, prev_start, ctx.end, ctx.filters)
dates = pd.to_datetime(both["date"]).dt.date
now = both[dates >= ctx.start]
before = both[dates <= prev_end]
rates_now = cache.call(metrics.rates, ctx.start, ctx.end, ctx.filters)
rates_before = cache.call(metrics.rates, prev_start, prev_end, ctx.filters)


def _share(frame: pd.DataFrame) -> float | None:
    total = int(frame["requests"].sum())
    return int(frame["requests_whatsapp"].sum()) / total if total else None


def _change(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else a - b


recorded, cap = int(now["recorded"].sum()), int(now["cap"].sum())
backlog_now = now["backlog_end"].iloc[-1]
backlog_before = before["backlog_end"].iloc[-1]
backlog_known = not (pd.isna(backlog_now) or pd.isna(backlog_before))
share_now, share_before = _share(now), _share(before)

st.caption(t("overview.compared", range=i18n.fmt_range(prev_start, prev_end)))
tiles = st.columns(5)
tiles[0].metric(
    t("tile.recorded"),
    t("tile.recorded.value", recorded=i18n.fmt_int(recorded), cap=i18n.fmt_int(cap)),
    help=t("tile.recorded.help"),
    border=True,
    **ui.delta_args(recorded - int(before["recorded"].sum()), "int", good="up"),
)
tiles[1].metric(
    t("tile.backlog"),
    i18n.fmt_int(backlog_now) if backlog_known else "–",
    help=t("tile.backlog.help", date=i18n.fmt_date(ctx.end)),
    border=True,
    **ui.delta_args(
        int(backlog_now) - int(backlog_before) if backlog_known else None, "int", good="down"
    ),
)
tiles[2].metric(
    t("tile.rejection"),
    i18n.fmt_pct(rates_now["rejection_rate"]),
    help=t("tile.rejection.help"),
    border=True,
    **ui.delta_args(
        _change(rates_now["rejection_rate"], rates_before["rejection_rate"]), "points", "down"
    ),
)
tiles[3].metric(
    t("tile.whatsapp"),
    i18n.fmt_pct(share_now),
    help=t("tile.whatsapp.help"),
    border=True,
    **ui.delta_args(_change(share_now, share_before), "points", good="up"),
)
tiles[4].metric(
    t("tile.no_show"),
    i18n.fmt_pct(rates_now["no_show_rate"]),
    help=t("tile.no_show.help"),
    border=True,
    **ui.delta_args(
        _change(rates_now["no_show_rate"], rates_before["no_show_rate"]), "points", "down"
    ),
)

st.subheader(t("overview.throughput"))
if not ui.has_activity(now):
    ui.no_rows(ctx)
else:
    frame = now[["date", "recorded", "cap"]].reset_index(drop=True)
    ui.show_chart(charts.throughput(frame, height=260), frame, "overview_throughput", ctx)

if ctx.last_import is not None:
    st.caption(t("status.last_import", when=i18n.fmt_datetime(ctx.last_import)))
