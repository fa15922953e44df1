"""Sign-in throttling and the sign-in failure log, without Streamlit.

`auth.py` calls `begin_attempt` BEFORE it checks a password: under an exclusive file lock
it refuses the attempt when the user name (or the client address) is locked, and
otherwise counts it at once. So of any number of attempts submitted at the same moment
for one name, at most `MAX_FAILURES` reach the password check; `end_attempt` takes the
count back after a correct password and logs a wrong one.

Rules: 5 attempts for one user name within 15 minutes lock that name for 15 minutes, even
with the right password; one client address with 30 lock itself (loopback and unknown
addresses are shared by a whole office behind a proxy, so never). Refusals during a lock
are logged as `locked` but not counted, so they do not stretch it.
`python -m dashboard users unlock NAME` and the admin page end a name's lock (`unlock`).

Two files under `$DASHBOARD_HOME/logs/`:
- `signin_state.json`: what the throttle reads on every attempt. Per name only the last
  5 attempt times, per client the last 30, and only for the last 30 minutes: its size
  does not depend on how many failures happened before. Names are kept as keyed hashes
  (`secrets/signin.key`): whatever a stranger types as a name, sometimes a password, is
  not written there in clear, and a known and an unknown name behave the same.
- `login_failures.jsonl`: the log an administrator reads (time, name, client, event).
  A typed name is written only when it is a known user, `(unknown)` otherwise. Rotated
  to `login_failures.jsonl.1` past 1 MB, so at most ~2 MB are ever kept. Never read by
  a sign-in.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from dashboard import config, users

MAX_FAILURES = 5
FAILURE_WINDOW = timedelta(minutes=15)
LOCKOUT = timedelta(minutes=15)
#: One client (IP) trying many names is also slowed down; offices share one IP, so high.
MAX_CLIENT_FAILURES = 30
SHARED_CLIENTS = frozenset({"unknown", "127.0.0.1", "::1"})
#: The failure log is rotated past this size (one older file is kept).
LOG_MAX_BYTES = 1_000_000
#: What the log says instead of a name that is not a user (it may be a typed password).
UNKNOWN = "(unknown)"


def _now() -> datetime:
    """The clock of the throttle (tests replace it)."""
    return datetime.now(UTC)


def now() -> datetime:
    """The throttle's current time (`_now`, which tests replace)."""
    return _now()


def _logs() -> Path:
    path = config.home() / "logs"
    path.mkdir(parents=True, exist_ok=True)
    return path


def failure_log_path() -> Path:
    """`$DASHBOARD_HOME/logs/login_failures.jsonl`."""
    return _logs() / "login_failures.jsonl"


def state_path() -> Path:
    """`$DASHBOARD_HOME/logs/signin_state.json`: recent attempt times per name and client."""
    return _logs() / "signin_state.json"


@contextlib.contextmanager
def _locked() -> Iterator[None]:
    """One writer at a time, across threads and processes (flock per open file)."""
    with config.file_lock(_logs() / "signin_state.lock"):
        yield


# --- names as keyed hashes -----------------------------------------------------------------


def _key() -> bytes:
    """32 random bytes in `secrets/signin.key` (0600), created atomically on first use."""
    return config.secret("signin.key", config.random_bytes(32), lambda raw: len(raw) == 32)


def _name_key(username: str) -> str:
    name = users.normalize_username(username)[:64]
    return hmac.new(_key(), name.encode("utf-8"), hashlib.sha256).hexdigest()[:32]


def _client_ip(client: str | None) -> str | None:
    """The address a client lock applies to; None for shared addresses."""
    ip = (client or "unknown").split(" ", 1)[0]
    return None if ip in SHARED_CLIENTS else ip


# --- the state file ------------------------------------------------------------------------


def _read_state() -> dict[str, dict[str, list[float]]]:
    try:
        data = json.loads(state_path().read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        data = {}
    return {"names": dict(data.get("names", {})), "clients": dict(data.get("clients", {}))}


def _write_state(state: dict[str, dict[str, list[float]]], at: float) -> None:
    """Keep only what can still lock someone, then replace the file whole."""
    since = at - (FAILURE_WINDOW + LOCKOUT).total_seconds()
    for group, keep in (("names", MAX_FAILURES), ("clients", MAX_CLIENT_FAILURES)):
        state[group] = {
            key: sorted(times)[-keep:]
            for key, times in state[group].items()
            if times and max(times) >= since
        }
    config.write_atomic(state_path(), json.dumps(state))


def _lock_end(times: list[float], limit: int, at: float) -> float | None:
    """Locked from the `limit`-th attempt within the window on, for LOCKOUT."""
    times = sorted(times)
    end = None
    window, lockout = FAILURE_WINDOW.total_seconds(), LOCKOUT.total_seconds()
    for i in range(limit - 1, len(times)):
        if times[i] - times[i - limit + 1] <= window and at < times[i] + lockout:
            end = times[i] + lockout
    return end


def _until(state: dict[str, dict[str, list[float]]], name_key: str, ip: str | None, at: float):
    end = _lock_end(state["names"].get(name_key, []), MAX_FAILURES, at)
    if end is None and ip is not None:
        end = _lock_end(state["clients"].get(ip, []), MAX_CLIENT_FAILURES, at)
    return None if end is None else datetime.fromtimestamp(end, UTC)


def locked_until(username: str, *, now: datetime | None = None) -> datetime | None:
    """When the lock-out of this user name ends, or None if it may try now."""
    at = (now or _now()).timestamp()
    end = _lock_end(_read_state()["names"].get(_name_key(username), []), MAX_FAILURES, at)
    return None if end is None else datetime.fromtimestamp(end, UTC)


def client_locked_until(client: str | None, *, now: datetime | None = None) -> datetime | None:
    """When the lock-out of this client address ends; never for shared addresses."""
    ip = _client_ip(client)
    if ip is None:
        return None
    at = (now or _now()).timestamp()
    end = _lock_end(_read_state()["clients"].get(ip, []), MAX_CLIENT_FAILURES, at)
    return None if end is None else datetime.fromtimestamp(end, UTC)


def _count(state: dict[str, dict[str, list[float]]], name_key: str, ip: str | None, at: float):
    state["names"].setdefault(name_key, []).append(at)
    if ip is not None:
        state["clients"].setdefault(ip, []).append(at)


# --- attempts ------------------------------------------------------------------------------


def begin_attempt(username: str, client: str | None, *, now: datetime | None = None):
    """Count a password attempt before the password is checked.

    Returns None when the attempt may go on (it is counted as a failure until
    `end_attempt` says otherwise), or the time the lock ends (the refusal is logged).
    """
    moment = now or _now()
    at = moment.timestamp()
    name_key, ip = _name_key(username), _client_ip(client)
    with _locked():
        state = _read_state()
        until = _until(state, name_key, ip, at)
        if until is not None:
            _log(username, client, "locked", moment)
            return until
        _count(state, name_key, ip, at)
        _write_state(state, at)
    return None


def end_attempt(username: str, client: str | None, started: datetime, ok: bool) -> None:
    """After the password check: a correct password takes its count back; a wrong one
    stays counted and is logged."""
    if not ok:
        with _locked():
            _log(username, client, "failure", started)
        return
    at = started.timestamp()
    name_key, ip = _name_key(username), _client_ip(client)
    with _locked():
        state = _read_state()
        for group, key in (("names", name_key), ("clients", ip)):
            times = state[group].get(key or "", [])
            if at in times:
                times.remove(at)
        _write_state(state, at)


def record_failure(
    username: str, client: str | None, *, event: str = "failure", now: datetime | None = None
) -> None:
    """A failure that was not counted by `begin_attempt` (counted and logged), or a
    `locked` refusal (logged only)."""
    moment = now or _now()
    with _locked():
        if event == "failure":
            state = _read_state()
            _count(state, _name_key(username), _client_ip(client), moment.timestamp())
            _write_state(state, moment.timestamp())
        _log(username, client, event, moment)


def unlock(username: str, *, by: str) -> bool:
    """End the lock of a user name (its counted attempts are forgotten); logged.
    Returns whether the name was locked."""
    moment = _now()
    name_key = _name_key(username)
    with _locked():
        state = _read_state()
        was_locked = _lock_end(state["names"].get(name_key, []), MAX_FAILURES, moment.timestamp())
        state["names"].pop(name_key, None)
        _write_state(state, moment.timestamp())
        _log(username, f"by {by}"[:80], "unlocked", moment)
    return was_locked is not None


def locked_users(*, now: datetime | None = None) -> dict[str, datetime]:
    """The known user names locked now -> when their lock ends (for the admin page)."""
    at = (now or _now()).timestamp()
    names = _read_state()["names"]
    locked = {}
    for user in users.list_users():
        end = _lock_end(names.get(_name_key(user.username), []), MAX_FAILURES, at)
        if end is not None:
            locked[user.username] = datetime.fromtimestamp(end, UTC)
    return locked


# --- the failure log -----------------------------------------------------------------------


def _shown_name(username: str) -> str:
    name = users.normalize_username(username)[:64]
    return name if name and users.get(name) is not None else UNKNOWN


def _log(username: str, client: str | None, event: str, moment: datetime) -> None:
    """Append one line; call with `_locked()` held (the rotation must not race)."""
    entry = {
        "at": moment.astimezone(UTC).isoformat(timespec="seconds"),
        "username": _shown_name(username),
        "client": client or "unknown",
        "event": event,
    }
    path = failure_log_path()
    with contextlib.suppress(FileNotFoundError):
        if path.stat().st_size >= LOG_MAX_BYTES:
            os.replace(path, path.with_name(path.name + ".1"))
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    with os.fdopen(fd, "a", encoding="utf-8") as fh:
        fh.write(json.dumps(entry) + "\n")


def login_failures(limit: int | None = None) -> list[dict[str, Any]]:
    """The failure log (with its rotated part), newest first."""
    path = failure_log_path()
    rows: list[dict[str, Any]] = []
    for part in (path, path.with_name(path.name + ".1")):
        if limit and len(rows) >= limit:
            break
        if not part.exists():
            continue
        lines = part.read_text(encoding="utf-8").splitlines()
        for line in reversed(lines):
            with contextlib.suppress(ValueError):
                rows.append(json.loads(line))
    return rows[:limit] if limit else rows
