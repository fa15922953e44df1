"""Installation settings: where the data lives, the office time zone, limits; and how
the installation's files are kept private.

Everything comes from the environment with a safe default, so the CLI, the pages and
the tests agree on one place to look.

File modes (README "Who can read the files"): the store holds health data and keyed
hashes of NIKs, so only the account that runs the office's dashboard may read anything
under `DASHBOARD_HOME`. Every entry point (the CLI's `main()`, every page through
`ui.page_setup`, `make run`) sets the umask to 077, so whatever any of them creates
(the store, its WAL, exports, logs, backups) is 0600 in 0700 folders; `home()` itself
is 0700, and an installation made before this (0755/0644) is tightened the first time
any entry point looks at it.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import secrets
import stat
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent

#: Highest daily cap a form or the CLI accepts (a typo guard, not a policy).
MAX_DAILY_CAP = int(os.environ.get("DASHBOARD_MAX_CAP", "500"))

#: Default cap before any rule is set (CONTRACT.md section 2).
DEFAULT_CAP = 10

#: New files 0600, new folders 0700: nobody but the dashboard's account reads them.
UMASK = 0o077

#: What `home()` tightens on an installation made before file modes were enforced:
#: the files directly in the home, and the folders whose every file is private. Not
#: the shipped sample logs in `data/samples`, which are not the office's data.
_PRIVATE_FILES = ("dashboard.duckdb", "dashboard.duckdb.wal", "users.json", "users.json.lock")
_PRIVATE_DIRS = ("secrets", "logs", "tmp", "backups")


def secure_umask() -> None:
    """Make every file this process creates from now on private (entry points call it)."""
    os.umask(UMASK)


def home() -> Path:
    """`$DASHBOARD_HOME`, default `data/` in the project; created 0700 on first use."""
    raw = os.environ.get("DASHBOARD_HOME")
    path = Path(raw).expanduser() if raw else PROJECT_ROOT / "data"
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    if stat.S_IMODE(path.stat().st_mode) & 0o077:
        _tighten(path)
    return path


def _chmod(path: Path, mode: int) -> None:
    # Someone else's file (a shared install) is left as it is: reading still works.
    with contextlib.suppress(OSError):
        os.chmod(path, mode, follow_symlinks=False)


def _tighten(root: Path) -> None:
    """0700 on the home and its private folders, 0600 on the files they hold."""
    for name in _PRIVATE_DIRS:
        folder = root / name
        if folder.is_dir() and not folder.is_symlink():
            for child in folder.iterdir():
                if child.is_file() and not child.is_symlink():
                    _chmod(child, 0o600)
            _chmod(folder, 0o700)
    for child in root.iterdir():
        if child.is_file() and not child.is_symlink():
            if child.name in _PRIVATE_FILES or child.name.startswith("dashboard.duckdb"):
                _chmod(child, 0o600)
    _chmod(root, 0o700)


def private_dir(name: str) -> Path:
    """`$DASHBOARD_HOME/<name>`, created 0700 (secrets, backups, ...)."""
    path = home() / name
    path.mkdir(mode=0o700, exist_ok=True)
    if stat.S_IMODE(path.stat().st_mode) & 0o077:
        _chmod(path, 0o700)
    return path


def secret(name: str, make: Callable[[], bytes], valid: Callable[[bytes], bool]) -> bytes:
    """The secret `$DASHBOARD_HOME/secrets/<name>`, created on first use; 0600.

    Created atomically: the new value is written and flushed to a temporary file in the
    same folder, which is then hard-linked to its name. `link` fails if the name exists,
    so when many threads or processes start at once exactly one value wins and everyone
    reads it; and a reader never sees a file that is still being written (the name
    appears only once the content is complete). Raises RuntimeError, one line, when the
    stored secret is damaged (`valid` says no).
    """
    folder = private_dir("secrets")
    path = folder / name
    if not path.exists():
        fd, tmp = tempfile.mkstemp(prefix=f".{name}-", suffix=".new", dir=folder)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(make())
                fh.flush()
                os.fsync(fh.fileno())
            try:
                os.link(tmp, path)
            except FileExistsError:
                pass  # another starter won the race: everyone keeps theirs
            except OSError:
                # A file system without hard links: a rename is atomic too (only the
                # first-wins guarantee is lost, in a window of microseconds).
                if not path.exists():
                    os.replace(tmp, path)
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
    value = path.read_bytes()
    if not valid(value):
        raise RuntimeError(
            f"{path} is damaged; put back the copy you keep of it, or delete it to make a "
            "new one (README: Backups)"
        )
    return value


@contextlib.contextmanager
def file_lock(path: Path) -> Iterator[None]:
    """An exclusive lock on `path` (created 0600), across threads and processes: for the
    read-modify-write of a small file (users, sessions, the sign-in state)."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def write_atomic(path: Path, text: str, *, durable: bool = False) -> None:
    """Replace `path` (0600) with `text`: written to a temporary file beside it, then
    renamed over it, so a reader sees the old file or the new one, never half of one.
    `durable` also flushes it to disk first (the users file: losing it locks everyone out)."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}-", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            if durable:
                fh.flush()
                os.fsync(fh.fileno())
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def random_bytes(count: int) -> Callable[[], bytes]:
    """A `make` for `secret()`: `count` random bytes."""
    return lambda: secrets.token_bytes(count)


def db_path() -> Path:
    """The one DuckDB file of the installation."""
    return home() / "dashboard.duckdb"


def backups_dir() -> Path:
    """`$DASHBOARD_HOME/backups`: `python -m dashboard backup` and migrations write here."""
    return private_dir("backups")


#: The office time zone when neither DASHBOARD_TZ nor the office settings name one (WITA).
DEFAULT_TZ = "Asia/Makassar"

# The office settings' time zone (dashboard/settings.py), handed over once per page run
# or command by `settings.apply_timezone`: reading it here would open the store on
# every call.
_office_tz_setting: str | None = None


def set_office_tz_setting(name: str | None) -> None:
    """Use the office settings' time zone from now on in this process (None: forget it)."""
    global _office_tz_setting
    _office_tz_setting = name or None


def office_tz() -> str:
    """Office time zone (IANA name): DASHBOARD_TZ when set (it wins), else the office
    settings' time zone, else WITA."""
    return os.environ.get("DASHBOARD_TZ") or _office_tz_setting or DEFAULT_TZ
