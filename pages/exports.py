"""Exports page: the daily metrics file for everyone; row-level data for analyst and admin.

The guard comes first. The row-level section is drawn only for `export_rows`, and the
export functions check the role again on the server when the file is built, so a hidden
button is not the only lock. Row counts come from a COUNT query before any download.
"""

from __future__ import annotations

import streamlit as st

from dashboard import cache, exports, i18n, ui, ui_exports

ctx = ui.page_setup("exports", "view")
lang = ctx.lang

st.title(i18n.t("exports.title", lang))
st.caption(i18n.t("exports.intro", lang))

st.subheader(i18n.t("exports.daily.header", lang))
st.caption(i18n.t("exports.daily.caption", lang, range=i18n.fmt_range(ctx.start, ctx.end, lang)))
ui_exports.daily_download(ctx)

st.subheader(i18n.t("exports.rows.header", lang))
if not ctx.actor.can("export_rows"):
    st.info(i18n.t("exports.rows.denied", lang), icon=":material/lock:")
else:
    st.caption(i18n.t("exports.rows.caption", lang))
    for kind in exports.ROW_KINDS:
        rows = cache.call(exports.count_rows, ctx.actor, kind, ctx.start, ctx.end, ctx.filters)
        with st.container(border=True, key=f"rows-{kind}"):
            st.markdown(f"**{i18n.t(f'exports.rows.{kind}', lang)}**")
            st.metric(
                i18n.t(f"exports.rows.{kind}", lang),
                i18n.t("exports.rows.count", lang, n=i18n.fmt_int(rows, lang)),
                label_visibility="collapsed",
            )
            if rows == 0:
                st.caption(i18n.t("exports.rows.none", lang))
                continue
            if rows > 1_048_576:
                st.warning(i18n.t("exports.rows.too_big_for_excel", lang))
            for column, fmt in zip(
                st.columns(len(exports.ROW_FORMATS)), exports.ROW_FORMATS, strict=True
            ):
                with column:
                    ui_exports.rows_download(ctx, kind, fmt)
