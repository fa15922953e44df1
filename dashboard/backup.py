"""Backups of the installation, and putting one back (README "Backups").

A backup is one zip file, 0600, by default `$DASHBOARD_HOME/backups/backup-YYYYMMDD-HHMMSS.zip`
(office time), holding:

- `manifest.json`: the format and its version, the store's schema version, when it was
  made (UTC), row counts, and a fingerprint of the personal-data key (not the key);
- `dashboard.duckdb`: a consistent copy of the store, the capacity rules and their
  audit log included;
- `users.json`: the sign-in accounts (bcrypt hashes, never passwords).

The hashing key `secrets/pii.key` is NOT in it: a stolen backup holding the key lets
anyone hash every possible NIK (a region code, a birth date and a serial: a small space)
and so re-identify people; kept apart, a backup shows no one. The cost: restored onto
a new machine with a new key, people imported afterwards no longer link to earlier
rows; so the key is copied once, by hand, to a safe place (it never changes), and
`restore` says when the key of the backup and the installation's key differ.

The copy is made while the dashboard runs: like any unit of work it takes the store's
lock (store.connect) for the moment of a CHECKPOINT and a file copy, then the copy is
checked and zipped outside the lock. `restore` takes the lock the same way, keeps the
current store as `dashboard.duckdb.before-restore-<time>` and swaps the backup in with
one rename, so the dashboard's next page run reads the restored store.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import hmac
import json
import os
import shutil
import tempfile
import time
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import duckdb

from dashboard import __version__, config, store

FORMAT = "disdukcapil-dashboard-backup"
FORMAT_VERSION = 1
EXTENSION = ".zip"
MANIFEST = "manifest.json"
STORE_MEMBER = "dashboard.duckdb"
USERS_MEMBER = "users.json"

#: Tables counted in the manifest (those a store of that schema has).
_COUNTED = (
    "requests",
    "appointments",
    "quarantine",
    "imports",
    "capacity_rules",
    "capacity_overrides",
    "capacity_audit",
    "export_audit",
    "settings_audit",
    "whatsapp_dismissed",
)


class BackupError(RuntimeError):
    """A backup or restore that cannot be done; the text is one line saying what to fix."""


@dataclass(frozen=True)
class Backup:
    path: Path
    manifest: dict[str, Any]


@dataclass(frozen=True)
class Restored:
    manifest: dict[str, Any]
    kept_aside: Path | None
    key_matches: bool | None  # None: the backup or the installation has no key


def _known_schema() -> int:
    return max(version for version, _ in store.MIGRATIONS)


def key_fingerprint(key: bytes) -> str:
    """Tells whether two keys are the same without revealing either."""
    return hmac.new(key, b"dashboard backup key check", hashlib.sha256).hexdigest()[:16]


def _installed_key_fingerprint(home: Path) -> str | None:
    path = home / "secrets" / "pii.key"
    return key_fingerprint(path.read_bytes()) if path.is_file() else None


def _stamp() -> str:
    return datetime.now(ZoneInfo(config.office_tz())).strftime("%Y%m%d-%H%M%S")


def _counts(con: duckdb.DuckDBPyConnection) -> tuple[int, dict[str, int]]:
    present = {
        row[0]
        for row in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database()"
        ).fetchall()
    }
    counts = {
        table: int(con.execute(f'SELECT count(*) FROM "{table}"').fetchall()[0][0])  # noqa: S608 - names from _COUNTED
        for table in _COUNTED
        if table in present
    }
    schema = 0
    if "schema_migrations" in present:
        schema = int(
            con.execute("SELECT coalesce(max(version), 0) FROM schema_migrations").fetchall()[0][0]
        )
    return schema, counts


def _sweep(folder: Path, pattern: str, max_age_seconds: float = 3600.0) -> None:
    """Remove what a killed backup or restore left (copies of the store: personal data)."""
    cutoff = time.time() - max_age_seconds
    for path in folder.glob(pattern):
        with contextlib.suppress(OSError):
            if path.stat().st_mtime < cutoff:
                path.unlink()


def _new_path(folder: Path, label: str) -> Path:
    base = f"backup-{_stamp()}" + (f"-{label}" if label else "")
    path = folder / f"{base}{EXTENSION}"
    n = 2
    while path.exists():  # two backups in one second
        path = folder / f"{base}-{n}{EXTENSION}"
        n += 1
    return path


def create(
    out: Path | None = None,
    *,
    target: Path | None = None,
    con: duckdb.DuckDBPyConnection | None = None,
    label: str = "",
    folder: Path | None = None,
    timeout: float = 60.0,
) -> Backup:
    """Back up the store `target` (default: the installation's) and users.json.

    `con`: a connection that already holds the store (store._migrate passes its own);
    otherwise the store's lock is taken like any unit of work. Raises BackupError,
    store.StoreBusy or store.StoreUnusable.
    """
    target = Path(target) if target is not None else config.db_path()
    if out is not None:
        out = Path(out)
        if out.exists():
            raise BackupError(f"{out} already exists; choose another --out name")
        if not out.resolve().parent.is_dir():
            raise BackupError(f"--out {out}: the folder {out.parent} does not exist")
        folder = out.resolve().parent
    else:
        folder = Path(folder) if folder is not None else config.backups_dir()
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    # The copy is written under a temporary name and renamed: no half backup is ever
    # taken for a whole one (by `newest()` or a person).
    _sweep(folder, ".backup-*")
    fd, raw_copy = tempfile.mkstemp(prefix=".backup-", suffix=".duckdb", dir=folder)
    os.close(fd)
    raw = Path(raw_copy)
    try:
        if con is not None:
            _copy_store(con, target, raw)
        else:
            with store.connect(target, timeout=timeout) as own:
                _copy_store(own, target, raw)
        with contextlib.closing(
            duckdb.connect(str(raw), read_only=True, config=dict(store._CONFIG))
        ) as check:
            schema, counts = _counts(check)
        home = target.parent
        users_file = home / USERS_MEMBER
        users_text = users_file.read_text(encoding="utf-8") if users_file.is_file() else None
        if users_text is not None:
            counts["users"] = len(json.loads(users_text or "{}").get("users", {}))
        manifest = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "schema_version": schema,
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "app_version": __version__,
            "label": label,
            "counts": counts,
            "includes_users": users_text is not None,
            "includes_pii_key": False,
            "pii_key_fingerprint": _installed_key_fingerprint(home),
        }
        path = out if out is not None else _new_path(folder, label)
        _write_zip(path, manifest, raw, users_text)
    finally:
        with contextlib.suppress(FileNotFoundError):
            raw.unlink()
    return Backup(path, manifest)


def _copy_store(con: duckdb.DuckDBPyConnection, target: Path, dest: Path) -> None:
    """With the store held: CHECKPOINT (the WAL folded into the file), then copy it.

    While this process holds the store, no other process can write it; inside this
    process the callers (the CLI, a migration under store's migration lock) are alone.
    """
    con.execute("CHECKPOINT")
    shutil.copyfile(target, dest)


def _write_zip(path: Path, manifest: dict[str, Any], raw: Path, users_text: str | None) -> None:
    fd, tmp = tempfile.mkstemp(prefix=".backup-", suffix=".zip.part", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            with zipfile.ZipFile(fh, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
                zf.writestr(MANIFEST, json.dumps(manifest, indent=2, sort_keys=True))
                zf.write(raw, STORE_MEMBER)
                if users_text is not None:
                    zf.writestr(USERS_MEMBER, users_text)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def read_manifest(path: Path) -> dict[str, Any]:
    """The manifest of a backup file; BackupError (one line) for anything else."""
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"{path}: no such file; give a file made by `python -m dashboard backup`")
    not_backup = BackupError(
        f"{path} is not a backup of this dashboard; give a file made by "
        "`python -m dashboard backup` (backups/backup-*.zip)"
    )
    try:
        with zipfile.ZipFile(path) as zf:
            names = set(zf.namelist())
            if MANIFEST not in names or STORE_MEMBER not in names:
                raise not_backup
            manifest = json.loads(zf.read(MANIFEST))
    except (zipfile.BadZipFile, ValueError, KeyError, OSError):
        raise not_backup from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise not_backup
    if int(manifest.get("format_version", 0)) > FORMAT_VERSION:
        raise BackupError(
            f"{path} was made by a newer release of the dashboard (backup format "
            f"{manifest.get('format_version')}); restore it with that release"
        )
    if int(manifest.get("schema_version", 0)) > _known_schema():
        raise BackupError(
            f"{path} holds a store of a newer release (schema version "
            f"{manifest.get('schema_version')}, this one knows up to {_known_schema()}); "
            "restore it with that release"
        )
    return manifest


def newest(home: Path | None = None, *, max_schema: int | None = None) -> Path | None:
    """The newest backup in `<home>/backups` that this release can restore, or None."""
    folder = (Path(home) if home is not None else config.home()) / "backups"
    if not folder.is_dir():
        return None
    best: tuple[str, Path] | None = None
    for path in folder.glob(f"backup-*{EXTENSION}"):
        try:
            manifest = read_manifest(path)
        except BackupError:
            continue
        if max_schema is not None and int(manifest.get("schema_version", 0)) > max_schema:
            continue
        key = (str(manifest.get("created_at", "")), path)
        if best is None or key > best:
            best = key
    return best[1] if best else None


# --- restore -------------------------------------------------------------------------------


def _lock_file(path: Path, timeout: float) -> int | None:
    """Take the lock DuckDB takes (fcntl, the whole file), waiting while a unit of work
    or an import holds it; None when there is no store yet. StoreBusy after `timeout`."""
    try:
        fd = os.open(path, os.O_RDWR)
    except FileNotFoundError:
        return None
    deadline = time.monotonic() + timeout
    delay = 0.05
    while True:
        try:
            fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return fd
        except OSError:
            if time.monotonic() >= deadline:
                os.close(fd)
                raise store.StoreBusy(
                    f"the store {path} is busy (an import is running?); "
                    "try the restore again when it has finished"
                ) from None
            time.sleep(delay)
            delay = min(delay * 2, 1.0)


def _files_state(path: Path) -> tuple[tuple[int, int, int], ...]:
    out = []
    for p in (path, Path(f"{path}.wal")):
        try:
            st = p.stat()
            out.append((st.st_ino, st.st_size, st.st_mtime_ns))
        except FileNotFoundError:
            out.append((0, 0, 0))
    return tuple(out)


def _current_version(path: Path) -> int:
    """The live store's data version (0 if there is none or it cannot be read)."""
    if not path.exists():
        return 0
    try:
        with store.connect(path, read_only=True) as con:
            return store.data_version(con)
    except (store.StoreUnusable, duckdb.Error):
        return 0


def restore(path: Path, *, timeout: float = 60.0) -> Restored:
    """Put the backup `path` back: the store (and users.json, if the backup has it).

    The current store is kept as `dashboard.duckdb.before-restore-<time>` (with its WAL,
    if one was left), users.json as `users.json.before-restore-<time>`. Raises BackupError
    or store.StoreBusy; on any failure the installation is as it was.
    """
    manifest = read_manifest(path)
    home = config.home()
    target = config.db_path()
    _sweep(home, ".restore-*")
    fd, staged_name = tempfile.mkstemp(prefix=".restore-", suffix=".duckdb", dir=home)
    os.close(fd)
    staged = Path(staged_name)
    try:
        with zipfile.ZipFile(path) as zf:
            with zf.open(STORE_MEMBER) as src, staged.open("wb") as dst:
                shutil.copyfileobj(src, dst, 1 << 20)
            users_text = zf.read(USERS_MEMBER).decode() if USERS_MEMBER in zf.namelist() else None
        try:
            with contextlib.closing(
                duckdb.connect(str(staged), read_only=True, config=dict(store._CONFIG))
            ) as check:
                schema, counts = _counts(check)
                restored_version = store.data_version(check)
        except duckdb.Error:
            raise BackupError(
                f"{path} is damaged (its store cannot be read); use another backup"
            ) from None
        wanted = manifest.get("counts", {})
        if schema != manifest.get("schema_version") or any(
            counts.get(t) != n for t, n in wanted.items() if t != "users"
        ):
            raise BackupError(
                f"{path} is damaged (its contents differ from its manifest); use another backup"
            )
        stamp = _stamp()
        aside = home / f"{target.name}.before-restore-{stamp}"
        for attempt in range(50):
            before = _files_state(target)
            live_version = _current_version(target)
            # Pages cache by data version: the restored store must not reuse one they saw.
            _set_data_version(staged, max(live_version, restored_version) + 1)
            lock = _lock_file(target, timeout)
            if lock is None or _files_state(target) == before:
                break
            os.close(lock)  # written to meanwhile: read its version again
            if attempt == 49:
                raise store.StoreBusy(
                    f"the store {target} keeps changing (imports running?); "
                    "try the restore again when they have finished"
                )
        try:
            if lock is not None:
                # A hard link keeps the current store under its new name while the path
                # never goes missing (a process opening it meanwhile would create an
                # empty store there). A WAL left by a crash belongs to the old file.
                os.link(target, aside)
                wal = Path(f"{target}.wal")
                if wal.exists():
                    os.replace(wal, Path(f"{aside}.wal"))
            os.chmod(staged, 0o600)
            os.replace(staged, target)
        finally:
            if lock is not None:
                os.close(lock)
        if users_text is not None:
            _restore_users(home, users_text, stamp)
    finally:
        with contextlib.suppress(FileNotFoundError):
            staged.unlink()
    current_key = _installed_key_fingerprint(home)
    backup_key = manifest.get("pii_key_fingerprint")
    matches = None if current_key is None or backup_key is None else current_key == backup_key
    return Restored(manifest, aside if aside.exists() else None, matches)


def _set_data_version(db: Path, version: int) -> None:
    with contextlib.closing(duckdb.connect(str(db), config=dict(store._CONFIG))) as con:
        store.set_meta(con, "data_version", str(version))
        con.execute("CHECKPOINT")


def _restore_users(home: Path, text: str, stamp: str) -> None:
    from dashboard import users  # bcrypt and the sign-in library: only when needed

    data = json.loads(text or "{}")
    current = home / USERS_MEMBER
    # The accounts file's own lock and atomic write (users.py), so a sign-in reading it
    # sees the old accounts or the restored ones, never half of either.
    with users._locked():
        if current.exists():
            shutil.copy2(current, home / f"{USERS_MEMBER}.before-restore-{stamp}")
        users._write(dict(data.get("users", {})))
