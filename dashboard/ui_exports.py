"""The Streamlit side of exports: download buttons next to charts and on the exports page.

Every button passes Streamlit a callable (deferred generation): nothing is built until
someone clicks, and the click is what gets audited. The callable runs on a Streamlit
worker thread without a script context, so it opens its own short store connection and
calls no `st.*`.

What Streamlit 1.67 does with the data (read in its source, measured in
bench/bench_export_memory.py): bytes, a file object or a callable's result all end up as
one `bytes` object in its in-memory media store (`convert_data_to_bytes_and_infer_mime`
reads a file object whole), kept until its orphan sweep drops it two script runs later.
Eager data would be rebuilt and stored on every rerun for every button; a callable costs
nothing until the click. So that one copy is the unavoidable allocation: a 1M-row
appointment export adds 136 MiB held (20 MiB as `.csv.gz`), reached from a DuckDB-written
temp file rather than from pandas (which peaks ~600 MiB higher).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pandas as pd
import streamlit as st

from dashboard import exports, i18n, store, users
from dashboard.roles import Actor, PermissionDenied


def label(key: str, lang: str | None = None) -> str:
    """A button or page text from i18n (`exports.*` keys, appended to i18n.py)."""
    return i18n.t(f"exports.{key}", lang)


def _ctx_parts(ctx: Any) -> tuple[Actor, str | None, date | None, date | None, Any]:
    return (
        ctx.actor,
        getattr(ctx, "lang", None),
        getattr(ctx, "start", None),
        getattr(ctx, "end", None),
        getattr(ctx, "filters", None),
    )


def chart_generator(
    df: pd.DataFrame,
    name: str,
    fmt: str,
    actor: Actor,
    start: date | None,
    end: date | None,
    filters: Any,
) -> Callable[[], bytes]:
    """The deferred callable behind one chart button: build the file, audit, return it."""
    frame = df.copy()  # the chart's frame as drawn, not a later mutation of it
    filters_text = exports.filters_json(filters, start, end)

    def generate() -> bytes:
        data = exports.frame_bytes(frame, fmt)
        with store.connect() as con:
            exports.audit(con, actor, f"chart:{name}", filters_text, fmt, len(frame))
        return data

    return generate


def chart_download(df: pd.DataFrame, name: str, ctx: Any) -> None:
    """A small "Download" popover beside a chart: CSV, Excel-CSV or XLSX of `df`.

    `df` is exactly the frame the chart draws; `name` is page and chart, e.g.
    `overview-throughput` (used in the file name and the audit). `ctx` is the page's
    `ui.PageContext` (actor, lang, start, end, filters). Every role that sees a chart
    holds `export_aggregate`, so no further check is needed to show the buttons.
    """
    actor, lang, start, end, filters = _ctx_parts(ctx)
    if not actor.can("export_aggregate"):
        return
    slug = exports.filename(name, None, None, "csv").removesuffix(".csv")
    with st.popover(
        label("download", lang), icon=":material/download:", help=label("download_help", lang)
    ):
        for fmt in exports.FORMATS:
            st.download_button(
                label(fmt, lang),
                data=chart_generator(df, name, fmt, actor, start, end, filters),
                file_name=exports.filename(name, start, end, fmt),
                mime=exports.MIME[fmt],
                key=f"dl-{slug}-{fmt}",
                on_click="ignore",
                width="stretch",
            )


def daily_download(ctx: Any, *, key: str = "dl-daily") -> None:
    """The daily metrics CSV (the CLI's `export daily` bytes) for the page's range."""
    actor, lang, start, end, filters = _ctx_parts(ctx)

    def generate() -> bytes:
        with store.connect() as con:
            return exports.daily_csv_bytes(con, actor, start, end, filters)

    st.download_button(
        label("daily", lang),
        data=generate,
        file_name=exports.filename("daily-metrics", start, end, "csv"),
        mime="text/csv",
        key=key,
        on_click="ignore",
        icon=":material/download:",
    )


def rows_generator(
    actor: Actor, kind: str, start: date, end: date, filters: Any, fmt: str
) -> Callable[[], bytes]:
    """The deferred callable of a row export: DuckDB writes, we read once and delete.

    The button may be clicked long after the page was drawn, so the account is looked
    up again at the click: a user disabled or moved to another role since then gets
    PermissionDenied, not the file.
    """

    def generate() -> bytes:
        with store.connect() as con:
            result = exports.export_rows(con, _current(actor), kind, start, end, filters, fmt)
        return exports.read_and_remove(result.path)

    return generate


def _current(actor: Actor) -> Actor:
    user = users.get(actor.username)
    if user is None or user.disabled:
        raise PermissionDenied(f"{actor.username} is no longer an active account")
    return user.actor()


def rows_download(ctx: Any, kind: str, fmt: str, *, key: str | None = None) -> None:
    """One row-level export button; the role is checked again when the file is built."""
    actor, lang, start, end, filters = _ctx_parts(ctx)
    st.download_button(
        label(f"rows_{fmt}", lang),
        data=rows_generator(actor, kind, start, end, filters, fmt),
        file_name=exports.filename(f"{kind}-rows", start, end, fmt),
        mime=exports.MIME[fmt],
        key=key or f"dl-rows-{kind}-{fmt}",
        on_click="ignore",
        icon=":material/download:",
    )
