"""The upload page's two-step import: look at a file, map what is not recognised, preview,
then save (issue 10). No Streamlit here: pages/data_quality.py draws, this module decides.

1. `stage` copies the uploaded file into a private folder `$DASHBOARD_HOME/tmp/upload-*`
   (swept by `ingest.sweep_stale` if a server dies mid-way); it stays there for the whole
   flow and `discard` removes it when the flow ends or another file is chosen.
2. `look` asks `propose.peek` what each sheet holds and `propose.propose` what each
   column probably means, and returns plain dicts the page keeps in its session: header
   cells with digit runs masked and the proposals' (masked) samples, never a raw cell.
3. `mapping_for` turns the choices made on the page (column position -> contract column
   or None) into a `mapping.ColumnMapping`; `check_choices` says, in one line, what a
   mapping still lacks before anything is saved.
4. `run` imports the ticked sheets with their mappings: `dry_run=True` for the preview
   (everything done, then rolled back), `dry_run=False` for the real import, so the two
   go through exactly the same calls.
"""

from __future__ import annotations

import itertools
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any

from dashboard import config, ingest, pii, propose, roles
from dashboard import mapping as mapping_mod

#: The kinds a column mapping can be for (a register's columns are known by name).
MAPPABLE = ingest.KINDS


def safe_name(name: str) -> str:
    """The uploaded file's own name without any folder part (it names the temp copy,
    so ingest's messages speak of the file the person chose)."""
    base = Path(name or "").name.strip()
    return base if base not in ("", ".", "..") else "upload"


def stage(fileobj: IO[bytes], name: str) -> Path:
    """Copy an upload into a new private folder; returns the copy's path.

    Folders left by a server killed mid-flow hold raw personal data: swept first."""
    tmp_root = config.home() / "tmp"
    tmp_root.mkdir(parents=True, exist_ok=True)
    ingest.sweep_stale(tmp_root)
    folder = Path(tempfile.mkdtemp(prefix="upload-", dir=tmp_root))
    target = folder / safe_name(name)
    try:
        with target.open("wb") as fh:
            fileobj.seek(0)
            shutil.copyfileobj(fileobj, fh)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return target


def discard(path: str | Path | None) -> None:
    """Remove a staged copy's folder (only ever one made by `stage`)."""
    if not path:
        return
    folder = Path(path).parent
    if folder.name.startswith("upload-") and folder.parent == config.home() / "tmp":
        shutil.rmtree(folder, ignore_errors=True)


def _masked(cells: Sequence[str]) -> list[str]:
    """Header cells as the page may keep and show them: a header row that is really a
    data row (no header at all) could hold a NIK or a phone number."""
    return [pii.mask_digits(str(c)) or "" for c in cells]


def _proposals(header: list[str], samples: list[list[str]], kind: str | None) -> dict:
    best, proposals = propose.propose(header, samples, kind)
    return {
        "kind": best,
        "columns": [
            {
                "header": pii.mask_digits(p.header) or "",
                "meaning": p.meaning,
                "why": p.why,
                "samples": [pii.mask_digits(s) or "" for s in p.samples],
            }
            for p in proposals
        ],
    }


def look(path: Path) -> list[dict[str, Any]]:
    """What each sheet (or the one table of a CSV/Parquet file) holds, for the page.

    Each dict: `index`, `sheet`, `header` (masked), `rows`, `kind` (the best guess for a
    sheet to map), `recognised`, `missing`, `saved` (a mapping confirmed earlier for this
    header, which the import uses), `needs_mapping`, `tick` (ticked at first: recognised
    sheets), `proposals` (per mappable kind: each column's proposed meaning with masked
    samples).
    IngestError when the file is refused whole."""
    out = []
    for index, peeked in enumerate(propose.peek(path)):
        header = [str(h) for h in peeked.header]
        has_header = any(mapping_mod.norm_header(h) for h in header)
        # peek already applies a saved mapping; this only says so on the page
        saved = has_header and mapping_mod.saved_for(header) is not None
        # A sheet without a header (empty, refused by a limit) cannot be mapped; ticked,
        # the import says why it skips it.
        needs = has_header and peeked.kind is None
        proposals = {}
        kind = peeked.kind
        if needs:
            # Both kinds up front: the page can switch kind without reading the file again.
            proposals = {k: _proposals(header, peeked.samples, k) for k in MAPPABLE}
            kind = propose.propose(header, peeked.samples, None)[0]
        out.append(
            {
                "index": index,
                "sheet": peeked.sheet,
                "header": _masked(header),
                "header_masked": _masked(header) != header,
                "rows": int(peeked.rows),
                "kind": kind,  # for a sheet to map: the best guess
                "recognised": peeked.kind is not None,
                "missing": list(peeked.missing),
                "saved": saved,
                "needs_mapping": needs,
                "tick": peeked.kind is not None,
                "proposals": proposals,
            }
        )
    return out


def raw_header(path: Path, sheet: dict[str, Any]) -> list[str]:
    """The sheet's header as written: kept by the page only when masking changed
    nothing, else read again from the staged file (mapping keys need the real cells)."""
    if not sheet["header_masked"]:
        return list(sheet["header"])
    peeked = propose.peek(path)[sheet["index"]]
    return [str(h) for h in peeked.header]


def check_choices(
    kind: str, choices: dict[int, str | None], header: Sequence[str]
) -> tuple[str, dict[str, str]] | None:
    """None when `choices` (position -> contract column or None) make a usable mapping
    for `kind`; else what is wrong, as an i18n key suffix and its values: `missing`
    (required columns left unmapped) or `twice` (one column chosen for two)."""
    taken: dict[str, int] = {}
    for position, meaning in sorted(choices.items()):
        if meaning is None:
            continue
        if meaning in taken:
            first, second = header[taken[meaning]], header[position]
            return "twice", {"column": meaning, "first": first, "second": second}
        taken[meaning] = position
    missing = [c for c in ingest.REQUIRED[kind] if c not in taken]
    return ("missing", {"columns": ", ".join(missing)}) if missing else None


def mapping_for(
    kind: str, choices: dict[int, str | None], header: Sequence[str]
) -> mapping_mod.ColumnMapping:
    """The mapping the choices make; every column is named (None = ignore it)."""
    pairs = [(str(header[i]), meaning) for i, meaning in sorted(choices.items())]
    return propose.to_mapping(kind, pairs)


def save_mapping(
    kind: str, choices: dict[int, str | None], header: Sequence[str], *, actor: roles.Actor
) -> tuple[str, mapping_mod.ColumnMapping]:
    """Keep the mapping for files with this header (the command line then uses it too);
    returns its fingerprint and the mapping. The role is checked by `mapping.save`."""
    roles.require(actor, "import")
    columns = mapping_for(kind, choices, header)
    return mapping_mod.save(header, columns, actor=actor), columns


def run(
    path: Path,
    name: str,
    kind: str | None,
    *,
    actor: roles.Actor,
    sheets: Sequence[str] | None,
    mappings: dict[str | None, mapping_mod.ColumnMapping],
    dry_run: bool,
    progress: ingest.Progress | None = None,
) -> list[ingest.ImportResult | ingest.SheetSkipped]:
    """Import the ticked `sheets` (None: the file's one table) with their mappings.

    `ingest_path` takes one mapping for all the sheets it reads, so the sheets go in runs
    of the same mapping, in the order given. A mapped sheet's kind is its mapping's."""
    roles.require(actor, "import")
    if sheets is None:
        columns = mappings.get(None)
        return ingest.ingest_path(
            path,
            None if columns else kind or None,
            actor=actor,
            display_name=name,
            columns=columns,
            dry_run=dry_run,
            progress=progress,
        )
    results: list[ingest.ImportResult | ingest.SheetSkipped] = []
    for columns, group in itertools.groupby(sheets, key=lambda s: mappings.get(s)):
        results.extend(
            ingest.ingest_path(
                path,
                None if columns else kind or None,
                actor=actor,
                sheets=list(group),
                display_name=name,
                columns=columns,
                dry_run=dry_run,
                progress=progress,
            )
        )
    return results
