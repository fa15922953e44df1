"""Capacity page (staff, admin): change the daily cap, see the next weeks, read the audit.

Three forms (default cap, a weekday's cap, an override for a date or a range), each with
a required reason. The default-cap form previews, before saving, when the e-KTP backlog
would clear under the new cap compared with the current calendar
(`metrics.project_clearance`). Every write goes through `dashboard.capacity` with the
signed-in actor, so the core re-checks the role and refuses bad input with its own
message; after a write the caches are cleared so the table, the audit log and every other
page show the change at once.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import pandas as pd
import streamlit as st

from dashboard import cache, capacity, config, i18n, metrics, roles, store, ui

ctx = ui.page_setup("capacity", "capacity")
lang = ctx.lang

WEEKS_AHEAD = 8


def tr(key: str, **values: object) -> str:
    """This page's strings (registered in dashboard/i18n.py under "capacity.")."""
    return i18n.t(f"capacity.{key}", lang, **values)


def save(write: Callable[[store.duckdb.DuckDBPyConnection], object], what: str) -> bool:
    """Run one capacity write as the signed-in actor; report the core's verdict."""
    try:
        with store.connect() as con:
            write(con)
    except (capacity.CapacityError, roles.PermissionDenied) as exc:
        st.error(tr("refused", why=str(exc)), icon=":material/block:")
        return False
    except store.StoreBusy:
        st.error(tr("busy"))
        return False
    cache.clear()  # the table, the audit and every page's numbers follow at once
    st.success(tr("saved", what=what), icon=":material/check_circle:")
    return True


def clearance(projection: metrics.Projection) -> str:
    if not projection.applicable:
        return tr("preview.na")
    if projection.clear_date is None:
        return tr("preview.never", days=730)
    if projection.backlog_now == 0:
        return tr("preview.cleared")
    return i18n.fmt_date(projection.clear_date, lang)


def cap_is_valid(value: object) -> bool:
    return isinstance(value, int) and 0 <= value <= config.MAX_DAILY_CAP


today = capacity.office_today()
as_of = ui.anchor_date(today, ctx.last_date)  # the backlog "now": today, or the last data day

st.title(i18n.t("page.capacity", lang))
st.caption(tr("intro"))

# Tracked tabs: the open tab survives the rerun of a form submission, so the success
# or refusal message is seen where the form was.
tab_default, tab_weekday, tab_override = st.tabs(
    [tr("tab.default"), tr("tab.weekday"), tr("tab.override")], key="cap_tab", on_change="rerun"
)

with tab_default:
    with st.form("cap_default"):
        new_cap = st.number_input(
            tr("cap"), value=config.DEFAULT_CAP, step=1, key="cap_default_value"
        )
        since = st.date_input(
            tr("effective"), value=today, format="DD/MM/YYYY", key="cap_default_since"
        )
        reason = st.text_input(tr("reason"), help=tr("reason.help"), key="cap_default_reason")
        left, right = st.columns(2)
        preview_clicked = left.form_submit_button(tr("preview"), key="cap_default_preview")
        save_clicked = right.form_submit_button(tr("save"), type="primary", key="cap_default_save")
    if preview_clicked or save_clicked:
        new_cap = int(new_cap) if new_cap is not None else None
        before = cache.call(metrics.project_clearance, as_of, metrics.NO_FILTERS)
        after = (
            cache.call(metrics.project_clearance, as_of, metrics.NO_FILTERS, new_cap)
            if cap_is_valid(new_cap)
            else None
        )
        if preview_clicked:
            st.markdown(f"**{tr('preview.title', as_of=i18n.fmt_date(as_of, lang))}**")
            if after is None:
                st.warning(tr("preview.bad", max=config.MAX_DAILY_CAP))
            else:
                c1, c2 = st.columns(2)
                c1.metric(tr("preview.current"), clearance(before))
                c2.metric(tr("preview.new", cap=new_cap), clearance(after))
                st.caption(
                    tr(
                        "preview.basis",
                        backlog=i18n.fmt_int(before.backlog_now, lang),
                        demand=i18n.fmt_decimal(before.daily_demand, 1, lang),
                        show=i18n.fmt_pct(before.show_rate, 0, lang),
                        passed=i18n.fmt_pct(before.pass_rate, 0, lang),
                    )
                )
        else:
            done = save(
                lambda con: capacity.set_default(
                    con, new_cap, reason=reason, actor=ctx.actor, effective_from=since
                ),
                tr("saved.default", cap=new_cap, since=i18n.fmt_date(since, lang)),
            )
            if done and after is not None:
                st.caption(tr("preview.saved", before=clearance(before), after=clearance(after)))

with tab_weekday:
    with st.form("cap_weekday"):
        weekday = st.selectbox(
            tr("weekday"),
            options=list(range(1, 8)),
            format_func=lambda d: i18n.day_name(d, lang),
            key="cap_weekday_day",
        )
        weekday_cap = st.number_input(
            tr("cap"), value=config.DEFAULT_CAP, step=1, key="cap_weekday_value"
        )
        weekday_since = st.date_input(
            tr("effective"), value=today, format="DD/MM/YYYY", key="cap_weekday_since"
        )
        weekday_reason = st.text_input(
            tr("reason"), help=tr("reason.help"), key="cap_weekday_reason"
        )
        weekday_clicked = st.form_submit_button(tr("save"), type="primary", key="cap_weekday_save")
    if weekday_clicked:
        save(
            lambda con: capacity.set_weekday(
                con,
                weekday,
                weekday_cap,
                reason=weekday_reason,
                actor=ctx.actor,
                effective_from=weekday_since,
            ),
            tr(
                "saved.weekday",
                day=i18n.day_name(weekday, lang),
                cap=weekday_cap,
                since=i18n.fmt_date(weekday_since, lang),
            ),
        )

with tab_override:
    with st.form("cap_override"):
        first = st.date_input(tr("from"), value=today, format="DD/MM/YYYY", key="cap_override_from")
        last = st.date_input(tr("to"), value=None, format="DD/MM/YYYY", key="cap_override_to")
        override_cap = st.number_input(
            tr("cap"), value=config.DEFAULT_CAP, step=1, key="cap_override_value"
        )
        override_reason = st.text_input(
            tr("reason"), help=tr("reason.help"), key="cap_override_reason"
        )
        override_clicked = st.form_submit_button(
            tr("save"), type="primary", key="cap_override_save"
        )
    if override_clicked:
        span = (
            i18n.fmt_date(first, lang)
            if not last or last == first
            else i18n.fmt_range(first, last, lang)
        )
        save(
            lambda con: capacity.set_override(
                con, first, last, override_cap, reason=override_reason, actor=ctx.actor
            ),
            tr("saved.override", range=span, cap=override_cap),
        )

# --- the next eight weeks (read after any write above, so they show it) ---------------

st.subheader(tr("weeks.title"))
start = st.date_input(tr("weeks.start"), value=today, format="DD/MM/YYYY", key="cap_weeks_start")
end = start + timedelta(days=7 * WEEKS_AHEAD - 1)
calendar = cache.call(capacity.calendar, start, end)
booked = cache.call(metrics.daily, start, end, metrics.NO_FILTERS)[["date", "scheduled"]]
holidays = cache.call(capacity.holidays_between, start, end)
holiday_names = {
    pd.Timestamp(d).date(): n for d, n in zip(holidays["day"], holidays["name"], strict=True)
}
weeks = calendar.merge(booked, on="date", how="left")
days: list[date] = [pd.Timestamp(d).date() for d in weeks["date"]]
over = (weeks["scheduled"] > weeks["cap"]).tolist()
table = pd.DataFrame(
    {
        tr("col.date"): [i18n.fmt_date(d, lang) for d in days],
        tr("col.day"): [i18n.day_name(d.isoweekday(), lang) for d in days],
        tr("col.cap"): weeks["cap"].astype("int64"),
        tr("col.source"): [tr(f"source.{s}") for s in weeks["source"]],
        tr("col.holiday"): [holiday_names.get(d, "") for d in days],
        tr("col.booked"): weeks["scheduled"].fillna(0).astype("int64"),
        tr("col.flag"): [tr("flag.over") if o else "" for o in over],
    }
)
if any(over):
    st.warning(tr("weeks.over", n=sum(over)))
else:
    st.caption(tr("weeks.ok"))
st.dataframe(table, hide_index=True, key="cap_weeks_table")

st.subheader(tr("audit.title"))
audit = cache.call(capacity.audit, 200)
if audit.empty:
    st.caption(tr("audit.empty"))
else:
    shown = audit.drop(columns=["audit_id"]).rename(columns=lambda c: tr(f"audit.{c}"))
    st.dataframe(shown, hide_index=True, key="cap_audit_table")
