"""Column mappings: which of a file's columns means which contract column (CONTRACT 1.4).

An office's file often names its columns its own way (`Tgl Masuk`, `Via`). A mapping says
what each of them means. It comes from one of two places:

- written by hand and given to `python -m dashboard ingest --mapping FILE`;
- saved under the header's fingerprint (`save`, for the upload page's mapping step;
  `$DASHBOARD_HOME/mappings/<fingerprint>.json`), so the next file with the same header is
  mapped the same way automatically, on the page and from the command line.

The file format (JSON, UTF-8):

    {
      "kind": "requests",
      "columns": {
        "Tgl Masuk": "received_at",
        "Via": "channel",
        "Nama": null
      }
    }

`kind` is `requests` or `appointments` (optional: without it the header tells). Each key of
`columns` is a header cell as written (matched the way headers are: case, spaces and
punctuation do not matter); its value is a contract column of that kind, or `null` to
ignore the column. Columns the mapping does not name are recognised by their usual names.
Personal-data columns stay personal data whatever they are mapped to: a column mapped to
`nik` or `phone` is hashed, an ignored one is never stored.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from dashboard import config, pii, roles

MAX_MAPPING_BYTES = 256 * 1024
_FINGERPRINT = re.compile(r"^[0-9a-f]{16}$")


class MappingError(ValueError):
    """A mapping that cannot be used; `str(e)` is one line saying what to fix."""


def norm_header(name: str) -> str:
    """`No. HP` -> `no_hp`: lower case; every run of anything but letters and digits one
    `_`, none at the ends. Headers and mapping keys are compared in this form."""
    return re.sub(r"[\W_]+", "_", str(name).replace("\ufeff", "").lower()).strip("_")


@dataclass(frozen=True)
class ColumnMapping:
    """A confirmed or hand-written mapping; `columns` keys are normalised header names."""

    kind: str | None
    columns: dict[str, str | None]
    source: str = ""  # where it came from, for messages: a file name or "saved"
    header: tuple[str, ...] = field(default=())  # as shown when it was saved (masked)

    def meaning(self, header_cell: str) -> tuple[bool, str | None]:
        """(named by this mapping, the contract column or None to ignore)."""
        key = norm_header(header_cell)
        if key in self.columns:
            return True, self.columns[key]
        return False, None


def parse(data: Any, source: str) -> ColumnMapping:
    """Check a mapping's structure and names; MappingError (one line) when unusable."""
    if not isinstance(data, dict) or not isinstance(data.get("columns"), dict):
        raise MappingError(
            f'{source}: a mapping is a JSON object with "columns": {{"header": "column", ...}}'
        )
    from dashboard.ingest import INPUT_COLUMNS  # ingest imports this module

    kind = data.get("kind")
    if kind is not None and kind not in INPUT_COLUMNS:
        raise MappingError(f'{source}: "kind" must be requests or appointments, not {kind!r}')
    allowed = set(INPUT_COLUMNS[kind]) if kind else {c for cs in INPUT_COLUMNS.values() for c in cs}
    columns: dict[str, str | None] = {}
    targets: dict[str, str] = {}
    for header, meaning in data["columns"].items():
        key = norm_header(header)
        shown = pii.mask_digits(str(header)) or ""
        if not key:
            raise MappingError(f"{source}: an empty header name is mapped; remove it")
        if meaning is not None and (not isinstance(meaning, str) or meaning not in allowed):
            raise MappingError(
                f'{source}: "{shown}" is mapped to {meaning!r}, which is not a column of '
                f"{kind or 'either log'} ({', '.join(sorted(allowed))}; or null to ignore)"
            )
        if key in columns:
            raise MappingError(f'{source}: "{shown}" is mapped twice; keep one')
        if meaning is not None and meaning in targets:
            raise MappingError(
                f'{source}: "{targets[meaning]}" and "{shown}" are both mapped to {meaning}; '
                "keep one"
            )
        if meaning is not None:
            targets[meaning] = shown
        columns[key] = meaning
    header = tuple(str(h) for h in data.get("header", ()) if isinstance(h, str))
    return ColumnMapping(kind=kind, columns=columns, source=source, header=header)


def load_file(path: str | Path) -> ColumnMapping:
    """A hand-written mapping file (format in the module docstring and the README)."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise MappingError(f"{path.name}: cannot read the mapping file ({exc.strerror})") from None
    if len(raw) > MAX_MAPPING_BYTES:
        raise MappingError(f"{path.name}: a mapping file is at most {MAX_MAPPING_BYTES} bytes")
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        where = f" (line {exc.lineno})" if isinstance(exc, json.JSONDecodeError) else ""
        raise MappingError(f"{path.name}: not a JSON mapping file{where}") from None
    return parse(data, path.name)


# --- saved mappings, keyed by the header's fingerprint ------------------------------------


def fingerprint(header: Sequence[str]) -> str:
    """The same for two headers that differ only in case, spaces or punctuation."""
    joined = "\x1f".join(norm_header(h) for h in header)
    return hashlib.sha256(joined.encode("utf-8")).hexdigest()[:16]


def _folder() -> Path:
    return config.home() / "mappings"


def _path(fp: str) -> Path:
    if not _FINGERPRINT.match(fp):
        raise MappingError(f"{fp!r} is not a mapping fingerprint")
    return _folder() / f"{fp}.json"


def saved_for(header: Sequence[str]) -> ColumnMapping | None:
    """The mapping confirmed earlier for this header, if any."""
    path = _path(fingerprint(header))
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None  # a damaged file is as good as none: the page asks again
    return parse(data, "saved")


def save(header: Sequence[str], mapping: ColumnMapping, *, actor: roles.Actor) -> str:
    """Keep `mapping` for files with this header; returns the fingerprint."""
    roles.require(actor, "import")
    fp = fingerprint(header)
    folder = _folder()
    folder.mkdir(parents=True, exist_ok=True)
    record = {
        "kind": mapping.kind,
        # header names as shown, digit runs masked (a header can hold a number by mistake)
        "header": [pii.mask_digits(str(h)) or "" for h in header],
        "columns": {k: v for k, v in mapping.columns.items()},
        "saved_by": actor.username,
        "saved_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    config.write_atomic(_path(fp), json.dumps(record, indent=2, ensure_ascii=False))
    return fp


@dataclass(frozen=True)
class SavedMapping:
    fingerprint: str
    kind: str | None
    header: tuple[str, ...]
    columns: dict[str, str | None]
    saved_by: str
    saved_at: str


def list_saved() -> list[SavedMapping]:
    """Every saved mapping, newest first."""
    out = []
    folder = _folder()
    if not folder.is_dir():
        return []
    for path in folder.glob("*.json"):
        if not _FINGERPRINT.match(path.stem):
            continue
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            parsed = parse(data, "saved")
        except (OSError, ValueError):
            continue
        out.append(
            SavedMapping(
                fingerprint=path.stem,
                kind=parsed.kind,
                header=parsed.header,
                columns=parsed.columns,
                saved_by=str(data.get("saved_by", "")),
                saved_at=str(data.get("saved_at", "")),
            )
        )
    return sorted(out, key=lambda m: m.saved_at, reverse=True)


def remove(fp: str, *, actor: roles.Actor) -> bool:
    """Forget a saved mapping; False when there was none."""
    roles.require(actor, "import")
    try:
        _path(fp).unlink()
    except FileNotFoundError:
        return False
    return True
