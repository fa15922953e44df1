"""Data quality and imports (staff, admin): load a log file, and see what the imports did.

An upload form (CSV, XLSX or Parquet; the log's kind from its header unless chosen)
that imports through `ingest.ingest_path` (a workbook sheet by sheet) and shows all five
numbers of each import (read, inserted, updated, unchanged, quarantined); a refused file
shows what to fix and changes nothing. Below: the import ledger, the quarantined rows with their reasons
(filterable, a page at a time), appointments whose request is not known yet, and rows
that contradict each other. None of this follows the period or the filters: it is
about the files, not the days.
"""

from __future__ import annotations

import math
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path

import pandas as pd
import streamlit as st

from dashboard import cache, config, i18n, ingest, queries, roles, store, ui
from dashboard.i18n import t

ctx = ui.page_setup("data_quality", "data_quality")

ui.page_header(ctx, caption=t("dq.caption"))

KINDS = ("", "requests", "appointments")
PAGE_SIZE = 50
_LAST_IMPORT = "dq_last_import"
RESULT_NUMBERS = ("rows_read", "inserted", "updated", "unchanged", "quarantined")


def _safe_name(name: str) -> str:
    """The uploaded file's own name without any folder part (it names the temp copy,
    so ingest's messages speak of the file the person chose)."""
    base = Path(name or "").name.strip()
    return base if base not in ("", ".", "..") else "upload"


def import_upload(uploaded, kind: str) -> None:
    """Save the upload to a private temp folder, import it, remember the outcome.

    The copy lives under `$DASHBOARD_HOME/tmp` only for the import and is removed
    whatever happens. A refused file (IngestError) leaves the store as it was.
    """
    name = _safe_name(uploaded.name)
    shown = ui.escape_md(name)  # the name is the uploader's text: never markdown
    tmp_root = config.home() / "tmp"
    tmp_root.mkdir(parents=True, exist_ok=True)
    # Copies left by a server killed mid-import hold raw personal data: remove them.
    ingest.sweep_stale(tmp_root)
    folder = Path(tempfile.mkdtemp(prefix="upload-", dir=tmp_root))
    bar = st.progress(0.0, text=t("dq.upload.progress", name=shown))

    def progress(fraction: float, _message: str) -> None:
        bar.progress(min(max(float(fraction), 0.0), 1.0), text=t("dq.upload.progress", name=shown))

    outcome: dict
    outcomes: list[dict] = []
    try:
        target = folder / name
        with target.open("wb") as fh:
            uploaded.seek(0)
            shutil.copyfileobj(uploaded, fh)
        # A workbook: every sheet, each its own import (a sheet with no log is skipped).
        results = ingest.ingest_path(
            target, kind or None, actor=ctx.actor, display_name=name, progress=progress
        )
        outcomes = [
            {"ok": True, **asdict(r)}
            if isinstance(r, ingest.ImportResult)
            else {"ok": True, "skipped": True, "file_name": r.file_name, "reason": r.reason}
            for r in results
        ]
        outcome = outcomes[0]
    except ingest.IngestError as exc:
        # The reason quotes the file's name and header cells: escaped, shown as text.
        reason = ui.escape_md(str(exc))
        outcome = {"ok": False, "file_name": name, "message": t("dq.upload.refused", reason=reason)}
    except store.StoreBusy:
        outcome = {"ok": False, "file_name": name, "message": t("dq.upload.busy")}
    except store.StoreDiskFull:
        outcome = {"ok": False, "file_name": name, "message": t("dq.upload.disk_full")}
    except roles.PermissionDenied:
        outcome = {"ok": False, "file_name": name, "message": t("dq.upload.denied")}
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        bar.empty()
    st.session_state[_LAST_IMPORT] = outcomes or [outcome]
    if outcome["ok"]:
        # New data: every cached number is stale, and so is what the sidebar drew above
        # (last import, date range, filter options): clear, then draw the page again.
        cache.clear()
        st.rerun()


def show_outcome(outcome: dict) -> None:
    if outcome.get("skipped"):
        reason = ui.escape_md(outcome["reason"])
        st.info(
            t("dq.upload.skipped", name=ui.escape_md(outcome["file_name"]), reason=reason),
            icon=":material/skip_next:",
        )
        return
    if not outcome["ok"]:
        st.error(
            f"**{t('dq.upload.refused_title', name=ui.escape_md(outcome['file_name']))}**\n\n"
            f"{outcome['message']}",
            icon=":material/block:",
        )
        return
    st.success(
        t(
            "dq.upload.done",
            name=ui.escape_md(outcome["file_name"]),
            kind=t(f"dq.kind.{outcome['kind']}"),
        ),
        icon=":material/task_alt:",
    )
    numbers = st.columns(len(RESULT_NUMBERS))
    for column, key in zip(numbers, RESULT_NUMBERS, strict=True):
        column.metric(t(f"dq.result.{key}"), i18n.fmt_int(outcome[key]), border=True)
    st.caption(
        t(
            "dq.result.more",
            orphans=i18n.fmt_int(outcome["orphans"]),
            warnings=i18n.fmt_int(outcome["warnings"]),
        )
    )
    if outcome["quarantined"]:
        st.caption(t("dq.result.quarantine_hint"))
    if outcome.get("ignored"):
        # Header cells come from the file: shown as text, never as a link or an image.
        names = ", ".join(ui.escape_md(name) for name in outcome["ignored"])
        st.caption(t("dq.result.ignored", names=names))


def local_table(frame: pd.DataFrame, columns: tuple[str, ...]) -> pd.DataFrame:
    """The columns a person reads, with translated headers and dates the office's way."""
    out = pd.DataFrame(index=frame.index)
    for column in columns:
        values = frame[column]
        if column in ("started_at", "finished_at", "received_at", "happened_at"):
            values = values.map(
                lambda v: i18n.fmt_datetime(pd.Timestamp(v).to_pydatetime()) if pd.notna(v) else ""
            )
        elif column == "scheduled_date":
            values = values.map(
                lambda v: i18n.fmt_date(pd.Timestamp(v).date()) if pd.notna(v) else ""
            )
        elif column == "kind":
            values = values.map(
                lambda v: t(f"dq.kind.{v}") if f"dq.kind.{v}" in i18n.STRINGS else v
            )
        out[t(f"dq.col.{column}")] = values
    return out


# ---------------------------------------------------------------- upload
st.subheader(t("dq.upload"))
if not ctx.actor.can("import"):
    st.info(t("dq.upload.denied"), icon=":material/lock:")
else:
    st.caption(t("dq.upload.caption"))
    with st.form("dq_upload", clear_on_submit=True):
        uploaded = st.file_uploader(
            t("dq.upload.file"), type=["csv", "xlsx", "parquet"], key="dq_upload_file"
        )
        kind = st.selectbox(
            t("dq.upload.kind"),
            options=list(KINDS),
            format_func=lambda k: t(f"dq.kind.{k or 'auto'}"),
            key="dq_upload_kind",
        )
        submitted = st.form_submit_button(t("dq.upload.submit"), type="primary")
    if submitted:
        if uploaded is None:
            st.warning(t("dq.upload.none"), icon=":material/upload_file:")
        else:
            import_upload(uploaded, kind)
    for last in st.session_state.get(_LAST_IMPORT, ()):
        show_outcome(last)

# ---------------------------------------------------------------- ledger
history = cache.call(queries.import_history, 200)
orphan_total = cache.call(ingest.orphan_count)
warning_total = cache.call(ingest.consistency_warning_count)
quarantine_total = cache.call(queries.quarantine_count)

tiles = st.columns(4)
tiles[0].metric(t("dq.tile.imports"), i18n.fmt_int(len(history)), border=True)
tiles[1].metric(
    t("dq.tile.quarantined"),
    i18n.fmt_int(quarantine_total),
    help=t("dq.tile.quarantined.help"),
    border=True,
)
tiles[2].metric(
    t("dq.tile.orphans"), i18n.fmt_int(orphan_total), help=t("dq.orphans.caption"), border=True
)
tiles[3].metric(
    t("dq.tile.warnings"), i18n.fmt_int(warning_total), help=t("dq.warnings.caption"), border=True
)

st.subheader(t("dq.history"))
if history.empty:
    st.info(t("dq.history.none"), icon=":material/inbox:")
else:
    st.caption(t("dq.history.caption"))
    st.dataframe(
        local_table(
            history,
            (
                "import_id",
                "file_name",
                "kind",
                *RESULT_NUMBERS,
                "orphans",
                "warnings",
                "imported_by",
                "started_at",
            ),
        ),
        hide_index=True,
        width="stretch",
    )

# ---------------------------------------------------------------- quarantine
st.subheader(t("dq.quarantine"))
if quarantine_total == 0:
    st.caption(t("dq.quarantine.none"))
else:
    st.caption(t("dq.quarantine.caption"))
    imports = cache.call(queries.quarantine_imports)
    import_labels = {
        int(row.import_id): t(
            "dq.quarantine.import_option",
            id=int(row.import_id),
            name=row.file_name,
            n=i18n.fmt_int(row.quarantined),
        )
        for row in imports.itertuples(index=False)
    }
    pick = st.columns(3)
    import_id = pick[0].selectbox(
        t("dq.quarantine.filter_import"),
        options=[None, *import_labels],
        format_func=lambda i: t("dq.quarantine.all_imports") if i is None else import_labels[i],
        key="dq_q_import",
    )
    summary = cache.call(queries.quarantine_summary, import_id)
    column_options = [
        queries.WHOLE_ROW if pd.isna(c) else str(c) for c in summary["column_name"].tolist()
    ]
    if st.session_state.get("dq_q_column") not in (None, *column_options):
        st.session_state["dq_q_column"] = None  # that column has nothing in this import
    column = pick[1].selectbox(
        t("dq.quarantine.filter_column"),
        options=[None, *column_options],
        format_func=lambda c: (
            t("dq.quarantine.all_columns")
            if c is None
            else (t("dq.quarantine.whole_row") if c == queries.WHOLE_ROW else c)
        ),
        key="dq_q_column",
    )
    reason = pick[2].text_input(
        t("dq.quarantine.filter_reason"),
        key="dq_q_reason",
        placeholder=t("dq.quarantine.reason_placeholder"),
    )
    where = {"import_id": import_id, "column": column, "reason": reason or None}
    matching = cache.call(queries.quarantine_count, **where)
    pages = max(1, math.ceil(matching / PAGE_SIZE))
    if st.session_state.get("dq_q_page", 1) > pages:
        st.session_state["dq_q_page"] = 1  # the filter changed under a later page
    page = 1
    if pages > 1:
        page = int(
            st.number_input(
                t("dq.quarantine.page", pages=pages),
                min_value=1,
                max_value=pages,
                step=1,
                key="dq_q_page",
            )
        )
    st.caption(
        t(
            "dq.quarantine.count",
            n=i18n.fmt_int(matching),
            first=i18n.fmt_int(min(matching, (page - 1) * PAGE_SIZE + 1)),
            last=i18n.fmt_int(min(matching, page * PAGE_SIZE)),
        )
    )
    if matching:
        rows = cache.call(
            queries.quarantine_rows, **where, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE
        )
        st.dataframe(
            local_table(
                rows, ("import_id", "file_name", "row_number", "column_name", "reason", "raw")
            ),
            hide_index=True,
            width="stretch",
        )


# ---------------------------------------------------------------- orphans and warnings
def findings(key: str, total: int, fetch: Callable[..., pd.DataFrame], columns: tuple) -> None:
    """One list of loaded-but-suspect rows (orphans, warnings): the first 200, and how many."""
    st.subheader(t(key))
    st.caption(t(f"{key}.caption"))
    if total == 0:
        st.caption(t(f"{key}.none"))
        return
    rows = cache.call(fetch, 200)
    st.dataframe(local_table(rows, columns), hide_index=True, width="stretch")
    if total > len(rows):
        st.caption(t("dq.first_n", n=i18n.fmt_int(len(rows))))


left, right = st.columns(2)
with left:
    findings(
        "dq.orphans",
        orphan_total,
        ingest.orphan_appointments,
        ("appointment_id", "request_id", "scheduled_date", "status", "import_id"),
    )
with right:
    findings(
        "dq.warnings",
        warning_total,
        ingest.consistency_warnings,
        ("kind", "appointment_id", "request_id", "received_at", "happened_at"),
    )
