"""Office settings (admin): the office's name, regency, address, time zone and the
kecamatan of its regency; every change audited.

What reads them: the report's letterhead (name, regency, address), the sidebar's
kecamatan filter and the import templates' drop-down (the kecamatan list), and the
office-local "today" (the time zone).

Storage (migration 5 in store.py): `office_settings(key, value)` holds one JSON value
per setting that was ever set; a key not there has its default (`DEFAULTS`). Every
change writes one append-only `settings_audit` row per setting that changed (who, when,
old, new, reason) in the same transaction as the value, and bumps the data version so
the pages' caches (keyed on it) show the change at once. `dashboard.targets` writes to
the same audit table.

The time zone (README "Office settings"): `DASHBOARD_TZ`, when set in the environment,
wins; otherwise the time zone set here; otherwise Asia/Makassar (WITA). Reading the
setting needs the store, so it is not read on every `config.office_tz()` call: the
pages (`ui.page_setup`, through the cache) and the command line (at the start of the
commands that use "today") call `apply_timezone`, which hands it to
`config.set_office_tz_setting` for the rest of the process.
"""

from __future__ import annotations

import json
import os
import re
import zoneinfo
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import duckdb

from dashboard import config, i18n, roles, store

if TYPE_CHECKING:
    import pandas as pd

DEFAULT_NAME = "Dinas Kependudukan dan Pencatatan Sipil"
NAME_MAX = 120
REGENCY_MAX = 120
ADDRESS_MAX = 300
KECAMATAN_MAX = 200  # a regency has at most a few dozen; a typo guard
KECAMATAN_NAME_MAX = 80

#: The fields of `Office`, in the order forms and `settings show` list them.
FIELDS: tuple[str, ...] = ("name", "regency", "address", "timezone", "kecamatan", "whatsapp")

#: Indonesia's three zones, offered first by the admin form.
INDONESIAN_ZONES: tuple[str, ...] = ("Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura")

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class SettingsError(i18n.TranslatedError):
    """A setting that cannot be saved; `str()` is one English line, `message(lang)` the
    same in the page's language."""


@dataclass(frozen=True)
class Office:
    """The office as the dashboard and the report name it."""

    name: str
    regency: str
    address: str
    timezone: str
    kecamatan: tuple[str, ...]
    #: the office's own WhatsApp numbers or names (its replies in an exported chat are not
    #: requests; dashboard/whatsapp_import.py); set here or on the WhatsApp import
    whatsapp: tuple[str, ...] = ()


def default_timezone() -> str:
    """The zone of an office that set none: DASHBOARD_TZ, else Asia/Makassar (WITA)."""
    return os.environ.get("DASHBOARD_TZ") or config.DEFAULT_TZ


def defaults() -> Office:
    """What an office that set nothing sees."""
    return Office(
        name=DEFAULT_NAME, regency="", address="", timezone=default_timezone(), kecamatan=()
    )


# ---------------------------------------------------------------------------- reads


def _stored(con: duckdb.DuckDBPyConnection, table: str) -> dict[str, Any]:
    """`key -> decoded JSON value` of `office_settings` or `targets` (allow-listed).

    A store opened read-only before migration 5 ran has no such table: nothing is set.
    """
    sql = {
        "office_settings": "SELECT key, value FROM office_settings",
        "targets": "SELECT key, value FROM targets",
    }[table]
    try:
        rows = con.execute(sql).fetchall()
    except duckdb.CatalogException:
        return {}
    return {key: json.loads(value) for key, value in rows}


def office(con: duckdb.DuckDBPyConnection) -> Office:
    """The office settings, defaults where nothing was set."""
    stored = _stored(con, "office_settings")
    base = defaults()
    return Office(
        name=str(stored.get("name", base.name)),
        regency=str(stored.get("regency", base.regency)),
        address=str(stored.get("address", base.address)),
        timezone=str(stored.get("timezone", base.timezone)),
        kecamatan=tuple(str(k) for k in stored.get("kecamatan", base.kecamatan)),
        whatsapp=tuple(str(w) for w in stored.get("whatsapp", base.whatsapp)),
    )


def is_set(con: duckdb.DuckDBPyConnection) -> dict[str, bool]:
    """For each field, whether the admin set it (False: the default shows)."""
    stored = _stored(con, "office_settings")
    return {field: field in stored for field in FIELDS}


def template_kecamatan(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The kecamatan of the import templates' drop-down: the office settings' list when
    the admin set one, else those the store's requests name (`queries.kecamatan_names`)."""
    names = office(con).kecamatan
    if names:
        return list(names)
    from dashboard import queries

    return queries.kecamatan_names(con)


def kecamatan_key(name: str) -> str:
    """The filter key of a kecamatan name, as the store keys it (ingest: lower(trim))."""
    return name.strip().lower()


def audit(
    con: duckdb.DuckDBPyConnection, limit: int | None = None, prefix: str = ""
) -> pd.DataFrame:
    """The settings and targets audit log, newest first (`changed_at` in UTC).

    `prefix`: only settings whose name starts with it (`office.` or `target.`).
    """
    sql = (
        "SELECT audit_id, timezone('UTC', changed_at) AS changed_at_utc, changed_by, setting, "
        "old_value, new_value, reason FROM settings_audit WHERE starts_with(setting, $prefix) "
        "ORDER BY audit_id DESC"
    )
    params: dict[str, Any] = {"prefix": prefix}
    if limit is not None:
        sql += " LIMIT $limit"
        params["limit"] = max(int(limit), 0)
    return con.execute(sql, params).df()


# --------------------------------------------------------------------------- writes


def _one_line(value: Any, field: str, limit: int, *, required: bool) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise SettingsError("settings.err.text", field=field)
    text = " ".join(_CONTROL.sub(" ", value).split())
    if required and not text:
        raise SettingsError("settings.err.empty", field=field)
    if len(text) > limit:
        raise SettingsError("settings.err.long", field=field, limit=limit, n=len(text))
    return text


def check_timezone(value: Any) -> str:
    """An IANA time zone name (e.g. Asia/Makassar), or SettingsError."""
    name = value.strip() if isinstance(value, str) else ""
    if not name or name not in zoneinfo.available_timezones():
        raise SettingsError("settings.err.timezone", value=str(value))
    return name


def clean_kecamatan(value: Any) -> tuple[str, ...]:
    """The kecamatan list as stored: from a list or a text with one name per line or
    comma; trimmed, one spelling per name (case-insensitive), sorted
    (`templates.clean_kecamatan`, so the templates' drop-down is the same list)."""
    from dashboard import templates  # openpyxl: only when a list is written

    if value is None:
        return ()
    if isinstance(value, str):
        names: Iterable[Any] = re.split(r"[,\n;]", value)
    elif isinstance(value, list | tuple):
        names = value
    else:
        raise SettingsError("settings.err.kecamatan_type")
    cleaned = templates.clean_kecamatan([str(n) for n in names])
    for name in cleaned:
        if len(name) > KECAMATAN_NAME_MAX:
            raise SettingsError(
                "settings.err.kecamatan_long", name=name[:30], limit=KECAMATAN_NAME_MAX
            )
    if len(cleaned) > KECAMATAN_MAX:
        raise SettingsError("settings.err.kecamatan_many", n=len(cleaned), limit=KECAMATAN_MAX)
    return tuple(cleaned)


def _validate(field: str, value: Any) -> Any:
    if field == "name":
        return _one_line(value, field, NAME_MAX, required=True)
    if field == "regency":
        return _one_line(value, field, REGENCY_MAX, required=False)
    if field == "address":
        return _one_line(value, field, ADDRESS_MAX, required=False)
    if field == "timezone":
        return check_timezone(value)
    if field == "kecamatan":
        return clean_kecamatan(value)
    if field == "whatsapp":
        from dashboard import whatsapp_import

        try:
            return whatsapp_import.parse_office(value)
        except whatsapp_import.WhatsAppImportError as exc:
            raise SettingsError("settings.err.whatsapp", problem=str(exc)) from None
    raise SettingsError("settings.err.unknown", field=field, fields=", ".join(FIELDS))


def check_reason(reason: Any) -> str:
    """A non-empty reason for the audit log (one line), or SettingsError."""
    text = " ".join(reason.split()) if isinstance(reason, str) else ""
    if not text:
        raise SettingsError("settings.err.reason")
    return text


def _as_text(value: Any) -> str:
    """How a value is written into the audit log: plain text, lists comma-separated."""
    if isinstance(value, list | tuple):
        if len(value) == 2 and all(isinstance(v, float) for v in value):
            return f"{value[0]:g}-{value[1]:g}"
        return ", ".join(str(v) for v in value)
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def set_office(
    con: duckdb.DuckDBPyConnection, actor: roles.Actor, *, reason: str, **changes: Any
) -> None:
    """Change office settings (admin only: permission `users`).

    `changes`: any of name, regency, address, timezone, kecamatan (a list, or a text
    with one name per comma or line). Each is validated (SettingsError with a message
    saying what to fix); every field whose value really changes gets one audit row.
    Nothing changes (and nothing is audited) when every value equals the current one.
    """
    # The office's WhatsApp identity alone may also be set by those who import chats.
    roles.require(actor, "import" if set(changes) == {"whatsapp"} else "users")
    if not changes:
        raise SettingsError("settings.err.nothing")
    cleaned = {field: _validate(field, value) for field, value in changes.items()}
    reason = check_reason(reason)

    def work() -> bool:
        current = office(con)
        stored = _stored(con, "office_settings")
        changed = False
        for field, new in cleaned.items():
            old = getattr(current, field)
            if old == new:
                continue  # the value in force (set, or the default): nothing to audit
            write_value(
                con,
                "office_settings",
                field,
                list(new) if isinstance(new, tuple) else new,
                setting=f"office.{field}",
                old_text=_as_text(old) if field in stored else f"{_as_text(old)} (default)",
                actor=actor,
                reason=reason,
            )
            changed = True
        return changed

    write(con, work)


def write_value(
    con: duckdb.DuckDBPyConnection,
    table: str,
    key: str,
    value: Any,
    *,
    setting: str,
    old_text: str | None,
    actor: roles.Actor,
    reason: str,
) -> None:
    """Upsert one JSON value and append its audit row; call inside `write`."""
    sql = {
        "office_settings": (
            "INSERT INTO office_settings VALUES (?, ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value"
        ),
        "targets": (
            "INSERT INTO targets VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value"
        ),
    }[table]
    con.execute(sql, [key, json.dumps(value, ensure_ascii=False)])
    con.execute(
        "INSERT INTO settings_audit VALUES (nextval('settings_seq'), ?, ?, ?, ?, ?, ?)",
        [datetime.now(UTC), actor.username, setting, old_text, _as_text(value), reason],
    )


def write(con: duckdb.DuckDBPyConnection, work: Callable[[], bool], attempts: int = 20) -> bool:
    """Run `work` in one transaction and, when it says it changed something, bump the
    data version (the pages' caches key on it); retried on a conflict with another
    writer (`store.retry_conflicts`)."""

    def whole() -> bool:
        changed = work()
        if changed:
            store.bump_data_version(con)
        return changed

    return store.retry_conflicts(con, whole, attempts)


# ------------------------------------------------------------------------ time zone


def apply_timezone(timezone: str | None) -> str:
    """Make `timezone` (the office settings' zone, `office(con).timezone`) the process's
    office time zone; DASHBOARD_TZ, when set, still wins. Returns the zone in force.

    The default zone is remembered as "none set", so nothing of this process's
    environment at one moment sticks once it changes (tests change it)."""
    config.set_office_tz_setting(None if timezone == default_timezone() else timezone)
    return config.office_tz()


def timezone_overridden(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether DASHBOARD_TZ is set and differs from the zone set here (the form says so)."""
    env = os.environ.get("DASHBOARD_TZ")
    stored = _stored(con, "office_settings").get("timezone")
    return bool(env and stored and env != stored)


def apply_timezone_from_store(timeout: float = 10.0) -> str:
    """`apply_timezone` for a command-line process: reads the setting once, read-only.

    No store yet, or one that cannot be read now: the environment or the default
    applies (the command itself reports a store it needs and cannot open)."""
    if not config.db_path().is_file():
        return config.office_tz()
    try:
        with store.connect(read_only=True, timeout=timeout) as con:
            stored = _stored(con, "office_settings")
    except Exception:  # noqa: BLE001 - "today" falls back to the environment's zone
        return config.office_tz()
    config.set_office_tz_setting(stored.get("timezone"))
    return config.office_tz()
