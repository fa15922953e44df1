"""Administration page (admin only): accounts, office settings, targets, and the logs an
administrator reviews.

Accounts: add one (a random first password is shown once, never stored in clear),
disable or enable it, or reset its password (a new random one, shown once; the person's
open sessions and remember-me cookies stop working). `dashboard.users` re-checks the
`users` permission of the signed-in actor on every change.

Office (Kantor): name, regency, address, time zone and the kecamatan list, one form
with a required reason (`settings.set_office`). Targets (Target): the five targets behind
the alerts, their values and which are defaults, one form with a required reason
(`targets.set_target`, one audited change per target that changed). Rates are entered as
percentages here and stored as fractions. Both re-check the `users` permission on the
server, refuse bad input with the core's message, clear the caches after a save so
every page's banners follow, and show their audit log below.

Logs: the capacity audit log, the export audit log and the sign-in failure log (with the
refusals during a lock-out), newest first; below it the accounts locked out now, which
an admin can unlock (`users.unlock` re-checks the role).
"""

from __future__ import annotations

import os
import zoneinfo

import pandas as pd
import streamlit as st

from dashboard import (
    auth,
    cache,
    capacity,
    exports,
    i18n,
    roles,
    settings,
    store,
    targets,
    throttle,
    ui,
    users,
)

ctx = ui.page_setup("admin", "users")
lang = ctx.lang

LOG_ROWS = 500


def tr(key: str, **values: object) -> str:
    """This page's strings (registered in dashboard/i18n.py under "admin.")."""
    return i18n.t(f"admin.{key}", lang, **values)


def show_log(frame: pd.DataFrame, key: str) -> None:
    if frame.empty:
        st.caption(tr("log.empty"))
        return
    # The audit logs' columns under readable headings (the frame keeps its names).
    labels = {
        column: st.column_config.Column(tr(f"col.{column}"))
        for column in frame.columns
        if f"admin.col.{column}" in i18n.STRINGS
    }
    st.dataframe(frame, hide_index=True, key=key, column_config=labels)


tab_users, tab_office, tab_targets, tab_capacity, tab_exports, tab_failures = st.tabs(
    [
        tr("tab.users"),
        tr("office.tab"),
        tr("targets.tab"),
        tr("tab.capacity"),
        tr("tab.exports"),
        tr("tab.failures"),
    ],
    key="admin_tab",
    on_change="rerun",  # the open tab survives reruns
)

with tab_users:
    with st.form("admin_add_user", clear_on_submit=True):
        st.markdown(f"**{tr('add.title')}**")
        c1, c2 = st.columns(2)
        new_username = c1.text_input(tr("add.username"), key="admin_add_username")
        new_name = c2.text_input(tr("add.name"), key="admin_add_name")
        new_email = c1.text_input(tr("add.email"), key="admin_add_email")
        new_role = c2.selectbox(
            tr("add.role"),
            options=list(roles.ROLES),
            format_func=lambda r: i18n.role_label(r, lang),
            key="admin_add_role",
        )
        add_clicked = st.form_submit_button(
            tr("add.submit"), type="primary", key="admin_add_submit"
        )
    if add_clicked:
        first_password = users.random_password()
        try:
            created = users.add(
                new_username,
                name=new_name,
                role=new_role,
                password=first_password,
                email=new_email,
                actor=ctx.actor,
            )
        except (users.UserError, roles.PermissionDenied) as exc:
            st.error(tr("refused", why=str(exc)))
        else:
            st.success(tr("add.done", user=created.username))
            st.code(first_password, language=None)

    accounts = users.list_users()
    with st.form("admin_change_user"):
        st.markdown(f"**{tr('change.title')}**")
        c1, c2 = st.columns(2)
        target = c1.selectbox(
            tr("change.user"),
            options=[u.username for u in accounts],
            key="admin_change_user",
        )
        action = c2.radio(
            tr("change.action"),
            options=["disable", "enable", "reset"],
            format_func=lambda a: tr(f"action.{a}"),
            horizontal=True,
            key="admin_change_action",
        )
        change_clicked = st.form_submit_button(tr("change.submit"), key="admin_change_submit")
    if change_clicked and target:
        try:
            if action == "reset":
                new_password = users.random_password()
                users.set_password(target, new_password, actor=ctx.actor)
                st.success(tr("change.reset", user=target))
                st.code(new_password, language=None)
            else:
                users.set_disabled(target, action == "disable", actor=ctx.actor)
                st.success(tr(f"change.{action}d", user=target))
        except (users.UserError, roles.PermissionDenied) as exc:
            st.error(tr("refused", why=str(exc)))

    accounts = users.list_users()  # again: show the change made just now
    if not accounts:
        st.caption(tr("users.none"))
    else:
        st.dataframe(
            pd.DataFrame(
                {
                    tr("col.username"): [u.username for u in accounts],
                    tr("col.name"): [u.name for u in accounts],
                    tr("col.role"): [i18n.role_label(u.role, lang) for u in accounts],
                    tr("col.email"): [u.email or "" for u in accounts],
                    tr("col.status"): [
                        tr("status.disabled") if u.disabled else tr("status.active")
                        for u in accounts
                    ],
                    tr("col.created_at"): [u.created_at for u in accounts],
                }
            ),
            hide_index=True,
            key="admin_users_table",
        )

with tab_office:
    st.caption(tr("office.intro"))
    office = cache.call(settings.office)
    defaults_slot = st.container()  # filled after the form, so a save shows at once
    env_tz = os.environ.get("DASHBOARD_TZ")
    if env_tz and env_tz != office.timezone:
        st.info(tr("office.tz_env", env=env_tz), icon=":material/schedule:")
    # Indonesia's three zones first, then every other IANA name.
    zones = list(settings.INDONESIAN_ZONES) + sorted(
        zoneinfo.available_timezones() - set(settings.INDONESIAN_ZONES)
    )
    if office.timezone not in zones:
        zones.insert(0, office.timezone)
    with st.form("admin_office"):
        c1, c2 = st.columns(2)
        office_name = c1.text_input(
            i18n.t("settings.field.name", lang), value=office.name, key="admin_office_name"
        )
        office_regency = c2.text_input(
            i18n.t("settings.field.regency", lang),
            value=office.regency,
            key="admin_office_regency",
        )
        office_address = c1.text_input(
            i18n.t("settings.field.address", lang),
            value=office.address,
            key="admin_office_address",
        )
        office_tz = c2.selectbox(
            i18n.t("settings.field.timezone", lang),
            options=zones,
            index=zones.index(office.timezone),
            key="admin_office_timezone",
        )
        office_kecamatan = st.text_area(
            i18n.t("settings.field.kecamatan", lang),
            value="\n".join(office.kecamatan),
            help=tr("office.kecamatan.help"),
            key="admin_office_kecamatan",
        )
        office_whatsapp = st.text_input(
            i18n.t("settings.field.whatsapp", lang),
            value=", ".join(office.whatsapp),
            help=i18n.t("settings.field.whatsapp.help", lang),
            key="admin_office_whatsapp",
        )
        office_reason = st.text_input(tr("office.reason"), key="admin_office_reason")
        office_clicked = st.form_submit_button(
            tr("office.submit"), type="primary", key="admin_office_submit"
        )
    if office_clicked:
        try:
            with store.connect() as con:
                before = settings.office(con)
                settings.set_office(  # re-checks the role on the server
                    con,
                    ctx.actor,
                    reason=office_reason,
                    name=office_name,
                    regency=office_regency,
                    address=office_address,
                    timezone=office_tz,
                    kecamatan=office_kecamatan,
                    whatsapp=office_whatsapp,
                )
                after = settings.office(con)
        except settings.SettingsError as exc:
            # The message may quote what was typed (a kecamatan name): shown literally.
            st.error(tr("refused", why=ui.escape_md(exc.message(lang))), icon=":material/block:")
        except roles.PermissionDenied as exc:
            st.error(tr("refused", why=str(exc)), icon=":material/block:")
        except store.StoreBusy:
            st.error(i18n.t("status.busy", lang))
        else:
            # From the next run on: the sidebar's kecamatan, "today", the templates.
            cache.clear()
            if after == before:
                st.info(tr("office.unchanged"))
            else:
                st.success(tr("office.saved"), icon=":material/check_circle:")
    office_set = cache.call(settings.is_set)
    unset = [i18n.t(f"settings.field.{f}", lang) for f in settings.FIELDS if not office_set[f]]
    if unset:
        defaults_slot.caption(tr("office.defaults", fields=", ".join(unset)))
    st.markdown(f"**{tr('office.audit')}**")
    show_log(cache.call(settings.audit, LOG_ROWS, "office."), "admin_office_audit")

with tab_targets:
    st.caption(tr("targets.intro"))
    wanted = cache.call(targets.current)
    # Filled after the form: a save shows its values in the table on the same run.
    table_slot = st.container()
    low, high = wanted["rejection_band"]
    with st.form("admin_targets"):
        c1, c2 = st.columns(2)
        days_inputs = {
            key: column.number_input(
                i18n.t(f"targets.name.{key}", lang),
                value=int(wanted[key]),
                step=1,
                key=f"admin_target_{key}",
            )
            for key, column in (
                ("backlog_clear_days", c1),
                ("max_days_at_cap", c2),
                ("import_stale_days", c1),
            )
        }
        no_show_pct = c2.number_input(
            tr("targets.no_show_pct"),
            value=round(wanted["no_show_max"] * 100, 2),
            step=0.5,
            format="%.1f",
            key="admin_target_no_show_pct",
        )
        band_low_pct = c1.number_input(
            tr("targets.band_low"),
            value=round(low * 100, 2),
            step=0.5,
            format="%.1f",
            key="admin_target_band_low",
        )
        band_high_pct = c2.number_input(
            tr("targets.band_high"),
            value=round(high * 100, 2),
            step=0.5,
            format="%.1f",
            key="admin_target_band_high",
        )
        targets_reason = st.text_input(tr("targets.reason"), key="admin_targets_reason")
        targets_clicked = st.form_submit_button(
            tr("targets.submit"), type="primary", key="admin_targets_submit"
        )
    if targets_clicked:
        proposed = {
            **days_inputs,
            "rejection_band": (round(band_low_pct / 100, 6), round(band_high_pct / 100, 6)),
            "no_show_max": round(no_show_pct / 100, 6),
        }
        try:
            # Every value checked before any is saved: a bad one saves none of them.
            checked = {key: targets.check_value(key, proposed[key]) for key in targets.KEYS}
            settings.check_reason(targets_reason)
            changed = [key for key in targets.KEYS if checked[key] != wanted[key]]
            if changed:
                with store.connect() as con:
                    for key in changed:  # each re-checks the role on the server, audited
                        targets.set_target(con, ctx.actor, key, checked[key], reason=targets_reason)
        except targets.TargetError as exc:
            st.error(tr("refused", why=targets.form_message(exc, lang)), icon=":material/block:")
        except settings.SettingsError as exc:
            st.error(tr("refused", why=exc.message(lang)), icon=":material/block:")
        except roles.PermissionDenied as exc:
            st.error(tr("refused", why=str(exc)), icon=":material/block:")
        except store.StoreBusy:
            st.error(i18n.t("status.busy", lang))
        else:
            cache.clear()  # every page's banners and the screening band follow at once
            if changed:
                names = ", ".join(i18n.t(f"targets.name.{k}", lang) for k in changed)
                st.success(tr("targets.saved", keys=names), icon=":material/check_circle:")
            else:
                st.info(tr("targets.unchanged"))
    shown = cache.call(targets.current)
    table_slot.dataframe(
        pd.DataFrame(
            {
                tr("targets.col.target"): [i18n.t(f"targets.name.{k}", lang) for k in targets.KEYS],
                tr("targets.col.value"): [
                    targets.format_value(k, shown[k], lang) for k in targets.KEYS
                ],
                tr("targets.col.source"): [
                    tr("targets.default") if shown["is_default"][k] else tr("targets.set")
                    for k in targets.KEYS
                ],
                tr("targets.col.range"): [targets.range_text(k, lang) for k in targets.KEYS],
                tr("targets.col.rule"): [i18n.t(f"targets.rule.{k}", lang) for k in targets.KEYS],
            }
        ),
        hide_index=True,
        key="admin_targets_table",
    )
    st.markdown(f"**{tr('targets.audit')}**")
    show_log(cache.call(settings.audit, LOG_ROWS, "target."), "admin_targets_audit")

with tab_capacity:
    roles.require(ctx.actor, "audit")
    show_log(cache.call(capacity.audit, LOG_ROWS), "admin_capacity_audit")

with tab_exports:
    if hasattr(exports, "audit_log"):
        show_log(cache.fresh(exports.audit_log, LOG_ROWS), "admin_export_audit")
    else:
        st.caption(tr("exports.missing"))

with tab_failures:
    st.caption(
        tr(
            "failures.caption",
            n=auth.MAX_FAILURES,
            m=int(auth.LOCKOUT.total_seconds() // 60),
        )
    )
    failures = pd.DataFrame(
        auth.login_failures(LOG_ROWS), columns=["at", "username", "client", "event"]
    ).rename(
        columns={
            "at": tr("col.at"),
            "username": tr("col.username"),
            "client": tr("col.client"),
            "event": tr("col.event"),
        }
    )
    show_log(failures, "admin_login_failures")

    st.markdown(f"**{tr('locked.title')}**")
    locked = throttle.locked_users()
    if not locked:
        st.caption(tr("locked.none"))
    else:
        with st.form("admin_unlock"):
            to_unlock = st.selectbox(
                tr("locked.user"),
                options=sorted(locked),
                format_func=lambda u: tr("locked.until", user=u, until=f"{locked[u]:%H:%M}"),
                key="admin_unlock_user",
            )
            unlock_clicked = st.form_submit_button(tr("locked.submit"), key="admin_unlock_submit")
        if unlock_clicked and to_unlock:
            try:
                users.unlock(to_unlock, actor=ctx.actor)  # re-checks the role on the server
            except (users.UserError, roles.PermissionDenied) as exc:
                st.error(tr("refused", why=str(exc)))
            else:
                st.success(tr("locked.done", user=to_unlock))
