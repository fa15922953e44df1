"""Data quality and imports (staff, admin): load a log file, and see what the imports did.

Loading a file takes two steps (issue 10; the logic is dashboard/upload.py):

1. "Periksa": the file is copied to a private temp folder (kept only while this flow
   lasts) and looked at: each sheet of a workbook with its rows and a tick box (sheets
   with no recognisable table unticked, with the reason). A sheet whose header is not
   (fully) recognised gets a mapping step: each column with its proposed meaning and a
   few masked sample values; "Simpan pemetaan" saves the mapping for that header, so the
   next file like it, here or from the command line, is mapped the same way.
2. The preview (a dry run: everything done, then rolled back) shows per sheet the five
   numbers, the date range, the ignored columns and the first quarantined rows with
   their reasons; "Simpan" then imports exactly that, shows the outcome and removes the
   temp copy. A refused file shows what to fix and changes nothing.

Then the saved mappings (removable), the import ledger, the quarantined rows with their
reasons (filterable, a page at a time), appointments whose request is not known yet, and
rows that contradict each other. None of this follows the period or the filters: it is
about the files, not the days.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd
import streamlit as st

from dashboard import (
    cache,
    config,
    i18n,
    ingest,
    queries,
    roles,
    settings,
    store,
    templates,
    ui,
    upload,
    whatsapp_import,
)
from dashboard import mapping as mapping_mod
from dashboard.i18n import t

ctx = ui.page_setup("data_quality", "data_quality")

ui.page_header(ctx, caption=t("dq.caption"))
ui.alert_banners(ctx, "data_quality")  # missed targets (dashboard/targets.py)

KINDS = ("", "requests", "appointments")
PAGE_SIZE = 50
_LAST_IMPORT = "dq_last_import"
#: the file being looked at: its staged copy, sheets, mappings chosen, preview
_FLOW = "dq_flow"
#: a one-time message after a rerun (a mapping removed)
_FLASH = "dq_flash"
#: widget keys that belong to one flow: cleared when it ends
_FLOW_WIDGETS = ("dq_sheet_", "dq_map_")
RESULT_NUMBERS = ("rows_read", "inserted", "updated", "unchanged", "quarantined")


def _kind_label(kind: str | None) -> str:
    return t(f"dq.kind.{kind}") if kind else t("dq.flow.kind_unknown")


def _outcomes(results: list) -> list[dict]:
    return [
        {"ok": True, **asdict(r)}
        if isinstance(r, ingest.ImportResult)
        else {"ok": True, "skipped": True, "file_name": r.file_name, "reason": r.reason}
        for r in results
    ]


def _attempt(
    name: str, work: Callable[[ingest.Progress], list], *, dry_run: bool
) -> tuple[list | None, dict | None]:
    """Run an import (or its preview) under a progress bar: (results, None), or (None, a
    refused outcome saying what to fix); the store is unchanged on a refusal."""
    # the name is the uploader's text: never markdown
    text = t("dq.preview.progress" if dry_run else "dq.upload.progress", name=ui.escape_md(name))
    bar = st.progress(0.0, text=text)

    def progress(fraction: float, _message: str) -> None:
        bar.progress(min(max(float(fraction), 0.0), 1.0), text=text)

    message = None
    try:
        return work(progress), None
    except ingest.IngestError as exc:
        # The reason quotes the file's name and header cells: escaped, shown as text.
        message = t("dq.upload.refused", reason=ui.escape_md(str(exc)))
    except mapping_mod.MappingError as exc:
        message = t("dq.upload.refused", reason=ui.escape_md(str(exc)))
    except store.StoreBusy:
        message = t("dq.upload.busy")
    except store.StoreDiskFull:
        message = t("dq.upload.disk_full")
    except roles.PermissionDenied:
        message = t("dq.upload.denied")
    finally:
        bar.empty()
    return None, {"ok": False, "file_name": name, "message": message}


def end_flow() -> None:
    """Forget the file being looked at and delete its temp copy."""
    flow = st.session_state.pop(_FLOW, None)
    if flow:
        upload.discard(flow["path"])
    for key in [k for k in st.session_state if str(k).startswith(_FLOW_WIDGETS)]:
        del st.session_state[key]


def start_flow(uploaded, kind: str) -> None:
    """Stage the upload and look at it; a refused file ends here with what to fix."""
    end_flow()  # a new file: the previous one's copy goes
    st.session_state.pop(_LAST_IMPORT, None)
    name = upload.safe_name(uploaded.name)
    path = upload.stage(uploaded, name)
    try:
        sheets = upload.look(path)
    except ingest.IngestError as exc:
        upload.discard(path)
        reason = t("dq.upload.refused", reason=ui.escape_md(str(exc)))
        st.session_state[_LAST_IMPORT] = [{"ok": False, "file_name": name, "message": reason}]
        return
    except BaseException:
        upload.discard(path)
        raise
    st.session_state[_FLOW] = {
        "path": str(path),
        "name": name,
        "kind": kind,
        "book": any(s["sheet"] is not None for s in sheets),
        "sheets": sheets,
        "mappings": {},  # sheet index -> {"kind", "choices": {column position: meaning}}
        "preview": None,
        "auto_preview": True,
    }


def ticked(flow: dict) -> list[dict]:
    """The sheets to import: the ticked ones of a workbook, or a file's one table."""
    if not flow["book"]:
        return list(flow["sheets"])
    return [s for s in flow["sheets"] if st.session_state.get(f"dq_sheet_{s['index']}", s["tick"])]


def _signature(flow: dict) -> tuple:
    """What a preview was made for: the sheets and their mappings."""
    return tuple((s["index"], repr(flow["mappings"].get(s["index"]))) for s in ticked(flow))


def _unmapped(flow: dict) -> list[dict]:
    return [s for s in ticked(flow) if s["needs_mapping"] and s["index"] not in flow["mappings"]]


def import_flow(flow: dict, *, dry_run: bool) -> tuple[list | None, dict | None]:
    """The ticked sheets with their mappings: a preview (dry run) or the import itself;
    both through the same call, so the preview's numbers are the import's."""
    path = Path(flow["path"])
    chosen = ticked(flow)

    def work(progress: ingest.Progress) -> list:
        mappings: dict[str | None, mapping_mod.ColumnMapping] = {}
        for sheet in chosen:
            mapped = flow["mappings"].get(sheet["index"])
            if mapped:
                header = upload.raw_header(path, sheet)
                mappings[sheet["sheet"]] = upload.mapping_for(
                    mapped["kind"], mapped["choices"], header
                )
        return upload.run(
            path,
            flow["name"],
            flow["kind"] or None,
            actor=ctx.actor,
            sheets=[s["sheet"] for s in chosen] if flow["book"] else None,
            mappings=mappings,
            dry_run=dry_run,
            progress=progress,
        )

    return _attempt(flow["name"], work, dry_run=dry_run)


def make_preview(flow: dict) -> None:
    """Dry-run the ticked sheets and keep what it would do (or why it cannot)."""
    if not ticked(flow):
        flow["preview"] = {"sig": _signature(flow), "error": t("dq.flow.none_ticked")}
        return
    unmapped = _unmapped(flow)
    if unmapped:
        names = ", ".join(ui.escape_md(s["sheet"] or flow["name"]) for s in unmapped)
        flow["preview"] = {"sig": _signature(flow), "error": t("dq.flow.map_first", names=names)}
        return
    results, refused = import_flow(flow, dry_run=True)
    flow["preview"] = {
        "sig": _signature(flow),
        "outcomes": _outcomes(results) if results is not None else [refused],
    }


def save_flow(flow: dict) -> None:
    """Import exactly what was previewed, then end the flow and draw the page again."""
    results, refused = import_flow(flow, dry_run=False)
    if results is None:
        # Nothing changed (busy store, full disk...): keep the file so Save can be retried.
        flow["preview"] = {"sig": _signature(flow), "outcomes": [refused]}
        return
    end_flow()
    st.session_state[_LAST_IMPORT] = _outcomes(results)
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
    name, kind = ui.escape_md(outcome["file_name"]), t(f"dq.kind.{outcome['kind']}")
    if outcome.get("dry_run"):
        st.info(t("dq.preview.title", name=name, kind=kind), icon=":material/preview:")
    else:
        st.success(t("dq.upload.done", name=name, kind=kind), icon=":material/task_alt:")
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
    if outcome.get("dry_run"):
        dates = outcome.get("preview_dates")
        st.caption(
            t("dq.preview.dates", first=i18n.fmt_date(dates[0]), last=i18n.fmt_date(dates[1]))
            if dates
            else t("dq.preview.no_dates")
        )
    elif outcome["quarantined"]:
        st.caption(t("dq.result.quarantine_hint"))
    if outcome.get("ignored"):
        # Header cells come from the file: shown as text, never as a link or an image.
        names = ", ".join(ui.escape_md(name) for name in outcome["ignored"])
        st.caption(t("dq.result.ignored", names=names))
    if outcome.get("dry_run") and outcome.get("preview_quarantine"):
        st.caption(t("dq.preview.quarantine", n=i18n.fmt_int(len(outcome["preview_quarantine"]))))
        # A table shows cells as text (no markdown); the reasons mask personal data.
        first = pd.DataFrame(
            outcome["preview_quarantine"], columns=["row_number", "column", "reason"]
        )
        st.dataframe(
            first.rename(
                columns={
                    "row_number": t("dq.col.row_number"),
                    "column": t("dq.col.column_name"),
                    "reason": t("dq.col.reason"),
                }
            ),
            hide_index=True,
            width="stretch",
        )


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
def sheet_list(flow: dict) -> None:
    """Each sheet of a workbook with its rows and a tick box; a file's one table as a line."""
    for sheet in flow["sheets"]:
        label = t(
            "dq.flow.sheet",
            name=ui.escape_md(sheet["sheet"] or flow["name"]),
            rows=i18n.fmt_int(sheet["rows"]),
            kind=_kind_label(sheet["kind"] if sheet["recognised"] else None),
        )
        on = True
        if flow["book"]:
            on = st.checkbox(label, value=sheet["tick"], key=f"dq_sheet_{sheet['index']}")
        else:
            st.markdown(label)
        if not sheet["recognised"] and sheet["needs_mapping"]:
            missing = ", ".join(sheet["missing"]) or "–"
            hint = "" if on else " " + t("dq.flow.tick_to_map")
            st.caption(t("dq.flow.not_recognised", missing=missing) + hint)
        elif not sheet["recognised"]:
            st.caption(t("dq.flow.no_table"))
        elif sheet["saved"]:
            st.caption(t("dq.flow.saved_mapping"))


def mapping_step(flow: dict, sheet: dict) -> None:
    """Each column with its proposed meaning and masked samples; saved for the header."""
    i = sheet["index"]
    with st.container(border=True):
        st.markdown(f"**{t('dq.map.title', name=ui.escape_md(sheet['sheet'] or flow['name']))}**")
        st.caption(t("dq.map.caption"))
        done = flow["mappings"].get(i)
        default_kind = done["kind"] if done else sheet["kind"]
        kinds = list(upload.MAPPABLE)
        kind = st.selectbox(
            t("dq.map.kind"),
            options=kinds,
            index=kinds.index(default_kind) if default_kind in kinds else 0,
            format_func=_kind_label,
            key=f"dq_map_kind_{i}",
        )
        proposal = sheet["proposals"][kind]
        # "" stands for "ignore": a None option reads as "nothing chosen" to a selectbox
        options = ["", *ingest.INPUT_COLUMNS[kind]]
        choices: dict[int, str | None] = {}
        with st.form(f"dq_map_form_{i}"):
            for j, column in enumerate(proposal["columns"]):
                same_kind = bool(done) and done["kind"] == kind
                meaning = done["choices"].get(j) if same_kind else column["meaning"]
                left, right = st.columns([2, 3])
                picked = left.selectbox(
                    ui.escape_md(column["header"]) or t("dq.map.no_name"),
                    options=options,
                    index=options.index(meaning) if meaning in options else 0,
                    format_func=lambda c: c or t("dq.map.ignore"),
                    key=f"dq_map_{i}_{kind}_{j}",
                )
                choices[j] = picked or None
                samples = ", ".join(ui.escape_md(v) for v in column["samples"] if v) or "–"
                why_key = f"dq.map.why.{column['why']}"
                why = t(why_key) if why_key in i18n.STRINGS else ui.escape_md(column["why"])
                right.caption(t("dq.map.samples", samples=samples, why=why))
            save = st.form_submit_button(t("dq.map.save"), key=f"dq_map_save_{i}")
        if not save:
            return
        if not ctx.actor.can("import"):  # the server re-checks; mapping.save does too
            st.error(t("dq.upload.denied"), icon=":material/lock:")
            return
        shown = [c["header"] for c in proposal["columns"]]
        problem = upload.check_choices(kind, choices, shown)
        if problem:
            code, values = problem
            st.error(
                t(f"dq.map.{code}", **{k: ui.escape_md(v) for k, v in values.items()}),
                icon=":material/rule:",
            )
            return
        try:
            upload.save_mapping(
                kind, choices, upload.raw_header(Path(flow["path"]), sheet), actor=ctx.actor
            )
        except mapping_mod.MappingError as exc:
            st.error(ui.escape_md(str(exc)), icon=":material/rule:")
            return
        except roles.PermissionDenied:
            st.error(t("dq.upload.denied"), icon=":material/lock:")
            return
        flow["mappings"][i] = {"kind": kind, "choices": choices}
        flow["notice"] = t("dq.map.saved", name=ui.escape_md(sheet["sheet"] or flow["name"]))
        flow["auto_preview"] = True
        st.rerun()


def show_flow(flow: dict) -> None:
    """The file being looked at: its sheets, the mapping steps, the preview, Save."""
    with st.container(border=True):
        st.markdown(f"**{t('dq.flow.title', name=ui.escape_md(flow['name']))}**")
        if flow.get("notice"):
            st.success(flow.pop("notice"), icon=":material/save:")
        sheet_list(flow)
        for sheet in ticked(flow):
            if sheet["needs_mapping"]:
                mapping_step(flow, sheet)
        if flow.pop("auto_preview", False) and ticked(flow) and not _unmapped(flow):
            make_preview(flow)
        left, right = st.columns(2)
        if left.button(t("dq.flow.preview"), key="dq_preview", icon=":material/preview:"):
            make_preview(flow)
        if right.button(t("dq.flow.cancel"), key="dq_cancel", icon=":material/close:"):
            end_flow()
            st.rerun()
        preview = flow.get("preview")
        if preview is None:
            return
        if preview["sig"] != _signature(flow):
            st.caption(t("dq.flow.stale"))
            return
        if preview.get("error"):
            st.warning(preview["error"], icon=":material/rule:")
            return
        st.caption(t("dq.preview.caption"))
        for outcome in preview["outcomes"]:
            show_outcome(outcome)
        if all(o["ok"] for o in preview["outcomes"]):
            with st.form("dq_save_form", border=False):
                save = st.form_submit_button(
                    t("dq.flow.save"), type="primary", key="dq_save", icon=":material/save:"
                )
            if save:
                if not ctx.actor.can("import"):
                    st.error(t("dq.upload.denied"), icon=":material/lock:")
                else:
                    save_flow(flow)


def templates_row() -> None:
    """Blank workbooks an office fills in and imports with no mapping step."""
    st.caption(t("dq.templates.caption"))
    names = cache.call(settings.template_kecamatan)  # the office's list when set
    buttons = st.columns(len(templates.KINDS))
    for column, kind in zip(buttons, templates.KINDS, strict=True):
        column.download_button(
            t(f"dq.templates.{kind}"),
            data=templates.build(kind, names),
            file_name=templates.FILE_NAMES[kind],
            mime=templates.MIME,
            icon=":material/download:",
            key=f"dq_template_{kind}",
        )


def saved_mappings() -> None:
    """The mappings saved for headers (used by the page and the command line), each
    removable; the remove re-checks the role (`mapping.remove` does too)."""
    saved = mapping_mod.list_saved()
    with st.expander(t("dq.mappings", n=i18n.fmt_int(len(saved))), icon=":material/schema:"):
        if flash := st.session_state.pop(_FLASH, None):
            st.success(flash, icon=":material/delete:")
        if not saved:
            st.caption(t("dq.mappings.none"))
        tz = ZoneInfo(config.office_tz())
        for item in saved:
            try:
                when = i18n.fmt_datetime(datetime.fromisoformat(item.saved_at).astimezone(tz))
            except ValueError:
                when = "–"
            text, button = st.columns([5, 1], vertical_alignment="center")
            text.markdown(
                t(
                    "dq.mappings.item",
                    kind=_kind_label(item.kind),
                    header=", ".join(ui.escape_md(h) for h in item.header) or "–",
                    by=ui.escape_md(item.saved_by),
                    when=when,
                )
            )
            if button.button(t("dq.mappings.remove"), key=f"dq_rm_{item.fingerprint}"):
                try:
                    mapping_mod.remove(item.fingerprint, actor=ctx.actor)
                except roles.PermissionDenied:
                    st.error(t("dq.upload.denied"), icon=":material/lock:")
                    continue
                st.session_state[_FLASH] = t("dq.mappings.removed")
                st.rerun()


# ---------------------------------------------------------------- WhatsApp chats
# Issue 12; the logic is dashboard/whatsapp_import.py. The session keeps the staged
# folders and, per proposal, only what the table shows (masked number, masked first
# words): never a raw number, a NIK or a message. Save reads the staged files again.
_WA_FLOW = "wa_flow"
_WA_LAST = "wa_last"
_WA_EDITOR = "wa_editor"
#: the section's expander: open or closed (its content runs only while open)
_WA_OPEN = "wa_open"
_WA_OFFICE = "wa_office"
#: the office's identity as just stored, for the form's field on the next run (a
#: widget's value cannot be set once it is drawn)
_WA_OFFICE_NEXT = "wa_office_next"
#: the uploader's generation: a new key empties it once its files were read (a form's
#: clear_on_submit would also empty the office's field)
_WA_FILES_N = "wa_files_n"


def wa_end() -> None:
    """Forget the chats being reviewed and delete their staged copies."""
    flow = st.session_state.pop(_WA_FLOW, None)
    if flow:
        whatsapp_import.discard(flow["folders"])
    st.session_state.pop(_WA_EDITOR, None)


def wa_check(files: list, office_text: str, window: int) -> None:
    """Stage the exports, remember the office's identity, and propose the requests."""
    wa_end()
    st.session_state.pop(_WA_LAST, None)
    if not files:
        st.warning(t("wa.none"), icon=":material/upload_file:")
        return
    try:
        office = whatsapp_import.parse_office(office_text)
        window = whatsapp_import.check_window(window)
    except whatsapp_import.WhatsAppImportError as exc:
        st.error(ui.escape_md(str(exc)), icon=":material/rule:")
        return
    folders = whatsapp_import.stage((f, f.name) for f in files)
    try:
        # re-checks the role; kept for the next checks and the command line
        st.session_state[_WA_OFFICE_NEXT] = ", ".join(
            whatsapp_import.save_office(office, actor=ctx.actor)
        )
        found = whatsapp_import.find(
            whatsapp_import.staged_paths(folders), office=office, window_days=window
        )
    except (store.StoreBusy, store.StoreDiskFull, roles.PermissionDenied) as exc:
        whatsapp_import.discard(folders)
        key = {
            roles.PermissionDenied: "dq.upload.denied",
            store.StoreDiskFull: "dq.upload.disk_full",
        }.get(type(exc), "dq.upload.busy")
        st.error(t(key), icon=":material/block:")
        return
    except BaseException:
        whatsapp_import.discard(folders)
        raise
    st.session_state[_WA_FILES_N] = st.session_state.get(_WA_FILES_N, 0) + 1
    if not found.chats:
        whatsapp_import.discard(folders)
        st.session_state[_WA_LAST] = [{"ok": False, "lines": found.refused}]
        st.rerun()  # the form above then shows the office's identity as now stored
    st.session_state[_WA_FLOW] = {
        "folders": folders,
        "office": office,
        "window": window,
        "chats": len(found.chats),
        "messages": found.messages,
        "refused": found.refused,
        "problems": found.problems,
        "rows": whatsapp_import.review_rows(found.proposals),
        "stored": len(found.stored),
        "dismissed": found.dismissed,
    }
    st.rerun()


def wa_table(rows: list[dict]) -> pd.DataFrame:
    """The review table: every proposal ticked, then what staff judge it by."""
    why = {
        code: t(f"wa.why.{code}") if f"wa.why.{code}" in i18n.STRINGS else code
        for row in rows
        for code in row["why"]
    }
    return pd.DataFrame(
        {
            t("wa.col.save"): [True] * len(rows),
            t("wa.col.time"): [i18n.fmt_datetime(r["received_at"]) for r in rows],
            t("wa.col.phone"): [r["phone"] or t("wa.no_phone") for r in rows],
            t("wa.col.kecamatan"): [r["kecamatan"] or "–" for r in rows],
            t("wa.col.service"): [i18n.service_label(r["service"]) for r in rows],
            t("wa.col.why"): [", ".join(why[c] for c in r["why"]) for r in rows],
            t("wa.col.snippet"): [r["snippet"] for r in rows],
        },
        index=[r["request_id"] for r in rows],
    )


def wa_save(flow: dict, ids: list[str]) -> None:
    """Import exactly the ticked proposals (the files read again: the session holds no
    raw number), then end the flow and draw the page again."""
    if not ids:
        st.warning(t("wa.none_ticked"), icon=":material/rule:")
        return

    def work(progress: ingest.Progress) -> list:
        found = whatsapp_import.find(
            whatsapp_import.staged_paths(flow["folders"]),
            office=flow["office"],
            window_days=flow["window"],
        )
        # the ticked ones, and those stored already (counted as unchanged)
        picked = [*whatsapp_import.chosen(found.proposals, ids), *found.stored]
        return [
            whatsapp_import.save(
                picked, actor=ctx.actor, source_name=found.source_name(), progress=progress
            )
        ]

    results, refused = _attempt(whatsapp_import.source_name(flow["chats"]), work, dry_run=False)
    if results is None:
        flow["error"] = refused  # nothing changed: the files stay, Save can be retried
        return
    # The unticked ones are "not a request": the next export will not propose them again.
    unticked = {row["request_id"] for row in flow["rows"]} - set(ids)
    whatsapp_import.dismiss(unticked, actor=ctx.actor)
    wa_end()
    st.session_state[_WA_LAST] = _outcomes(results)
    cache.clear()
    st.rerun()


def wa_flow(flow: dict) -> None:
    """The chats read: refusals and problems (one line each), the proposals to review."""
    rows = flow["rows"]
    st.markdown(
        t(
            "wa.read",
            chats=i18n.fmt_int(flow["chats"]),
            messages=i18n.fmt_int(flow["messages"]),
            proposals=i18n.fmt_int(len(rows)),
            likely=i18n.fmt_int(sum(r["likely"] for r in rows)),
        )
    )
    if flow.get("stored"):
        st.caption(t("wa.stored", count=i18n.fmt_int(flow["stored"])))
    if flow.get("dismissed"):
        st.caption(t("wa.dismissed", count=i18n.fmt_int(flow["dismissed"])))
    if flow["refused"]:
        st.error("\n".join(f"- {ui.escape_md(line)}" for line in flow["refused"]))
    if flow["problems"]:
        st.warning("\n".join(f"- {ui.escape_md(line)}" for line in flow["problems"]))
    if error := flow.get("error"):
        show_outcome(error)
    if not rows:
        st.info(t("wa.no_proposals"), icon=":material/inbox:")
    else:
        st.caption(t("wa.review"))
        table = wa_table(rows)
        tick = t("wa.col.save")
        with st.form("wa_save_form", border=False):
            edited = st.data_editor(
                table,
                key=_WA_EDITOR,
                hide_index=True,
                width="stretch",
                disabled=[c for c in table.columns if c != tick],
                column_config={tick: st.column_config.CheckboxColumn(tick, width="small")},
            )
            save = st.form_submit_button(
                t("wa.save"), type="primary", key="wa_save", icon=":material/save:"
            )
        if save:
            if not ctx.actor.can("import"):  # the server re-checks; save does too
                st.error(t("dq.upload.denied"), icon=":material/lock:")
            else:
                wa_save(flow, [str(i) for i in edited.index[edited[tick].astype(bool)]])
    if st.button(t("dq.flow.cancel"), key="wa_cancel", icon=":material/close:"):
        wa_end()
        st.rerun()


def whatsapp_section() -> None:
    """Chat exports in, proposed requests out for review, the ticked ones saved.

    The section runs only while its expander is open (`on_change="rerun"`): closed, it
    reads nothing from the store and draws no second uploader."""
    flow = st.session_state.get(_WA_FLOW)
    section = st.expander(t("wa.title"), key=_WA_OPEN, on_change="rerun", icon=":material/chat:")
    if not section.open:
        return
    if _WA_OFFICE_NEXT in st.session_state:
        st.session_state[_WA_OFFICE] = st.session_state.pop(_WA_OFFICE_NEXT)
    elif _WA_OFFICE not in st.session_state:
        st.session_state[_WA_OFFICE] = ", ".join(whatsapp_import.load_office())
    with section:
        st.caption(t("wa.caption"))
        with st.form("wa_check_form"):
            files = st.file_uploader(
                t("wa.files"),
                type=["txt", "zip"],
                accept_multiple_files=True,
                key=f"wa_files_{st.session_state.get(_WA_FILES_N, 0)}",
            )
            left, right = st.columns([3, 1])
            office = left.text_input(t("wa.office"), help=t("wa.office.help"), key=_WA_OFFICE)
            window = right.number_input(
                t("wa.window"),
                min_value=1,
                max_value=whatsapp_import.MAX_WINDOW_DAYS,
                value=whatsapp_import.DEFAULT_WINDOW_DAYS,
                step=1,
                help=t("wa.window.help"),
                key="wa_window",
            )
            check = st.form_submit_button(t("wa.check"), type="primary", key="wa_check")
        if check:
            wa_check(list(files or []), office, int(window))  # reruns once it has read them
        for outcome in st.session_state.get(_WA_LAST, ()):
            if outcome.get("lines") is not None:
                st.error(
                    t("wa.nothing_read")
                    + "\n"
                    + "\n".join(f"- {ui.escape_md(line)}" for line in outcome["lines"])
                )
            else:
                show_outcome(outcome)
        if flow:
            with st.container(border=True):
                wa_flow(flow)


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
        submitted = st.form_submit_button(t("dq.upload.check"), type="primary", key="dq_check")
    if submitted:
        if uploaded is None:
            st.warning(t("dq.upload.none"), icon=":material/upload_file:")
        else:
            start_flow(uploaded, kind)
    for last in st.session_state.get(_LAST_IMPORT, ()):
        show_outcome(last)
    if _FLOW in st.session_state:
        show_flow(st.session_state[_FLOW])
    templates_row()
    saved_mappings()
    whatsapp_section()

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
