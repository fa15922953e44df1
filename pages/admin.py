"""Administration page (admin only): accounts, and the logs an administrator reviews.

Accounts: add one (a random first password is shown once, never stored in clear),
disable or enable it, or reset its password (a new random one, shown once; the person's
open sessions and remember-me cookies stop working). `dashboard.users` re-checks the
`users` permission of the signed-in actor on every change.

Logs: the capacity audit log, the export audit log and the sign-in failure log (with the
refusals during a lock-out), newest first; below it the accounts locked out now, which
an admin can unlock (`users.unlock` re-checks the role).
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import auth, cache, capacity, exports, i18n, roles, throttle, ui, users

ctx = ui.page_setup("admin", "users")
lang = ctx.lang

LOG_ROWS = 500


def tr(key: str, **values: object) -> str:
    """This page's strings (registered in dashboard/i18n.py under "admin.")."""
    return i18n.t(f"admin.{key}", lang, **values)


def show_log(frame: pd.DataFrame, key: str) -> None:
    if frame.empty:
        st.caption(tr("log.empty"))
    else:
        st.dataframe(frame, hide_index=True, key=key)


tab_users, tab_capacity, tab_exports, tab_failures = st.tabs(
    [tr("tab.users"), tr("tab.capacity"), tr("tab.exports"), tr("tab.failures")],
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
