"""Health screening: who was turned away at the door, why, and whether the rules held.

The funnel from scheduled to recorded, the rejection rate against its target band,
rejections by reason over time, and the temperature distribution (aggregated in 0.2 °C
bins, never individual readings) with the 37.5 °C rule and its exceptions.
"""

from __future__ import annotations

import streamlit as st

from dashboard import cache, charts, i18n, metrics, queries, targets, ui
from dashboard.i18n import t

ctx = ui.page_setup("screening", "view")

ui.page_header(ctx)
ui.alert_banners(ctx, "screening")  # missed targets (dashboard/targets.py)
if ui.no_data(ctx):
    st.stop()

funnel = cache.call(queries.screening_funnel, ctx.start, ctx.end, ctx.filters)
if int(funnel["appointments"].sum()) == 0:
    ui.no_rows(ctx)
    st.stop()

# Days for short ranges, weeks beyond a month: enough points to see a trend, few
# enough to read.
grain = "day" if ctx.days <= 31 else "week"
low, high = cache.call(targets.current)["rejection_band"]  # the admin's target (Target tab)
band_text = targets.band_text((low, high))
rates = cache.call(metrics.rates, ctx.start, ctx.end, ctx.filters)
checks = cache.call(queries.screening_checks, ctx.start, ctx.end, ctx.filters)
threshold = float(queries.FEVER_THRESHOLD_C)
threshold_text = i18n.fmt_decimal(threshold, 1)

rate = rates["rejection_rate"]
tiles = st.columns(4)
tiles[0].metric(
    t("screening.tile.checked_in"),
    i18n.fmt_int(rates["checked_in"]),
    help=t("screening.tile.checked_in.help"),
    border=True,
)
tiles[1].metric(
    t("screening.tile.turned_away"),
    i18n.fmt_int(rates["screening_rejected"]),
    border=True,
)
tiles[2].metric(
    t("screening.tile.rate"),
    i18n.fmt_pct(rate),
    help=t("screening.tile.rate.help", band=band_text),
    border=True,
)
tiles[3].metric(
    t("screening.tile.fever", threshold=threshold_text),
    i18n.fmt_int(checks["at_or_above"]),
    help=t("screening.tile.fever.help", threshold=threshold_text),
    border=True,
)

# ---------------------------------------------------------------- funnel
st.subheader(t("screening.funnel"))
st.caption(t("screening.funnel.caption"))
ui.show_chart(charts.screening_funnel(funnel), funnel, "screening_funnel", ctx)

# ---------------------------------------------------------------- rejection rate
st.subheader(t("screening.rate"))
st.caption(t("screening.rate.caption", band=band_text))
if rate is None:
    st.caption(t("screening.rate.none"))
else:
    verdict = "in" if low <= rate <= high else ("above" if rate > high else "below")
    text = t(f"screening.rate.verdict.{verdict}", rate=i18n.fmt_pct(rate), band=band_text)
    if verdict == "in":
        st.success(text, icon=":material/check_circle:")
    else:
        st.warning(text, icon=":material/warning:")
    series = cache.call(queries.rejection_rate_series, ctx.start, ctx.end, ctx.filters, grain)
    ui.show_chart(
        charts.rejection_rate_band(series, (low, high), grain=grain),
        series,
        "screening_rejection_rate",
        ctx,
    )

# ---------------------------------------------------------------- reasons
st.subheader(t("screening.reasons"))
reasons = cache.call(metrics.rejections_by_reason, ctx.start, ctx.end, ctx.filters, grain)
if reasons.empty:
    st.caption(t("screening.reasons.none"))
else:
    st.caption(t("screening.reasons.caption"))
    ui.show_chart(
        charts.rejections_by_reason(reasons, grain=grain), reasons, "screening_reasons", ctx
    )

# ---------------------------------------------------------------- temperature
st.subheader(t("screening.temperature"))
bins = cache.call(queries.temperature_bins, ctx.start, ctx.end, ctx.filters)
if bins.empty:
    st.caption(t("screening.temperature.none"))
else:
    st.caption(t("screening.temperature.caption", threshold=threshold_text))
    ui.show_chart(charts.temperature_histogram(bins, threshold), bins, "screening_temperature", ctx)

# Whether the door rules were applied: each of these should be 0.
exceptions = [
    key
    for key in (
        "admitted_with_fever",
        "fever_below_threshold",
        "admitted_without_mask",
        "admitted_without_handwash",
    )
    if checks[key]
]
for key in exceptions:
    st.warning(
        t(f"screening.check.{key}", n=i18n.fmt_int(checks[key]), threshold=threshold_text),
        icon=":material/rule:",
    )
if not exceptions and checks["checked_in"]:
    st.caption(t("screening.check.all_ok", threshold=threshold_text))
unmeasured = checks["checked_in"] - checks["measured"]
if unmeasured:
    st.caption(t("screening.check.unmeasured", n=i18n.fmt_int(unmeasured)))
