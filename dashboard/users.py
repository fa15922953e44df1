"""The people who may sign in: a small JSON file under `$DASHBOARD_HOME`, never in git.

Why a file and not the DuckDB store: sign-in must keep working while an import holds the
store's lock, and a user list of a few dozen people needs no database. The file is
`$DASHBOARD_HOME/users.json` (mode 0600); every change is written to a temporary file
and renamed over it while holding an exclusive lock on `users.json.lock`, so a reader
never sees half a file and two writers (the CLI and the dashboard) never lose each
other's change.

Passwords are kept only as bcrypt hashes (`stauth.Hasher.hash`). Every change made on
someone's behalf re-checks `roles.require(actor, "users")` here, on the server, whatever
the page already checked. `tokens_valid_after` lets sign-out, a password reset or
disabling an account end the person's other sessions and their remember-me cookies; a
new account starts with it set to its creation, so a removed name created again never
inherits the old account's cookies.

Demo accounts (`create_demo_users`, first `make run`) are one per role except admin:
whoever reads the terminal of a demo installation must not become its administrator.
`remove_demo_users` (through `python -m dashboard demo remove`) removes them, and the
`demo_admin` that earlier versions created.
"""

from __future__ import annotations

import argparse
import contextlib
import getpass
import json
import re
import secrets
import sys
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from dashboard import config, roles

USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9_.-]{1,31}$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MIN_PASSWORD_LENGTH = 8
#: bcrypt 5 refuses longer passwords instead of silently truncating them.
MAX_PASSWORD_BYTES = 72
DEMO_USERS = {
    "demo_head": ("head", "Demo Kepala Dinas"),
    "demo_staff": ("staff", "Demo Petugas"),
    "demo_analyst": ("analyst", "Demo Analis"),
}
#: Demo accounts earlier versions created; `remove_demo_users` removes them too.
LEGACY_DEMO_USERS = ("demo_admin",)


class UserError(ValueError):
    """A user change was refused; `str(e)` is one line saying why."""


@dataclass(frozen=True)
class User:
    """One account as stored. `password_hash` never leaves the server."""

    username: str
    name: str
    role: str
    password_hash: str
    email: str | None = None
    disabled: bool = False
    created_at: str = ""
    tokens_valid_after: float = 0.0

    def actor(self) -> roles.Actor:
        return roles.Actor(username=self.username, role=self.role)


def users_path() -> Path:
    """`$DASHBOARD_HOME/users.json`."""
    return config.home() / "users.json"


@contextlib.contextmanager
def _locked() -> Iterator[None]:
    """Exclusive lock for read-modify-write of the users file (CLI and app may race)."""
    with config.file_lock(users_path().with_suffix(".json.lock")):
        yield


def _read() -> dict[str, dict[str, Any]]:
    path = users_path()
    if not path.exists():
        return {}
    data = json.loads(path.read_text(encoding="utf-8") or "{}")
    return dict(data.get("users", {}))


def _write(users: dict[str, dict[str, Any]]) -> None:
    text = json.dumps({"version": 1, "users": users}, indent=2, sort_keys=True)
    config.write_atomic(users_path(), text, durable=True)


def _to_user(record: dict[str, Any]) -> User:
    fields = User.__dataclass_fields__
    return User(**{k: v for k, v in record.items() if k in fields})


def _now_iso() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def normalize_username(username: str) -> str:
    """User names are compared lower-case and trimmed (as the sign-in form does)."""
    return (username or "").strip().lower()


def validate_password(password: str) -> None:
    """Raise UserError unless the password can be hashed and later typed into the form."""
    if password is None or password == "":
        raise UserError("the password is empty")
    if password != password.strip():
        # The sign-in form strips what is typed; such a password could never match.
        raise UserError("the password must not start or end with a space")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UserError(f"the password must be at least {MIN_PASSWORD_LENGTH} characters")
    if len(password.encode("utf-8")) > MAX_PASSWORD_BYTES:
        raise UserError(
            f"the password is longer than {MAX_PASSWORD_BYTES} bytes (bcrypt limit); "
            "choose a shorter one"
        )


def hash_password(password: str) -> str:
    """bcrypt hash as streamlit-authenticator checks it (~0.3 s by design)."""
    validate_password(password)
    import streamlit_authenticator as stauth  # heavy import: only when hashing

    return stauth.Hasher.hash(password)


def random_password() -> str:
    """A new random password (16 URL-safe characters, ~96 bits)."""
    return secrets.token_urlsafe(12)


def get(username: str) -> User | None:
    """The stored account, or None. Read fresh from disk on every call."""
    record = _read().get(normalize_username(username))
    return _to_user(record) if record else None


def list_users() -> list[User]:
    """All accounts, sorted by user name."""
    return [_to_user(r) for _, r in sorted(_read().items())]


def has_users() -> bool:
    return bool(_read())


def add(
    username: str,
    *,
    name: str,
    role: str,
    password: str,
    email: str | None = None,
    actor: roles.Actor,
) -> User:
    """Create an account; refuses a taken or malformed name, unknown role, bad password."""
    roles.require(actor, "users")
    uname = normalize_username(username)
    if not USERNAME_RE.match(uname):
        raise UserError(
            f"user name {username!r} is not valid: use 2-32 letters, digits, '.', '_' or '-'"
        )
    if role not in roles.ROLES:
        raise UserError(f"role {role!r} is not one of {', '.join(roles.ROLES)}")
    name = (name or "").strip()
    if not name:
        raise UserError("the name is empty")
    email = (email or "").strip() or None
    if email is not None and not EMAIL_RE.match(email):
        raise UserError(f"e-mail {email!r} is not valid")
    password_hash = hash_password(password)
    with _locked():
        users = _read()
        if uname in users:
            raise UserError(f"user {uname!r} exists already")
        user = User(
            username=uname,
            name=name,
            role=role,
            password_hash=password_hash,
            email=email,
            disabled=False,
            created_at=_now_iso(),
            # Cookies issued to an earlier account of the same name are never valid.
            tokens_valid_after=time.time(),
        )
        users[uname] = asdict(user)
        _write(users)
    return user


def _update(username: str, **changes: Any) -> User:
    uname = normalize_username(username)
    with _locked():
        users = _read()
        if uname not in users:
            raise UserError(f"user {uname!r} does not exist")
        record = dict(users[uname])
        record.update(changes)
        _check_an_admin_remains({**users, uname: record})
        users[uname] = record
        _write(users)
    return _to_user(record)


def _check_an_admin_remains(users: dict[str, dict[str, Any]]) -> None:
    had_admin = any(r.get("role") == "admin" and not r.get("disabled") for r in _read().values())
    has_admin = any(r.get("role") == "admin" and not r.get("disabled") for r in users.values())
    if had_admin and not has_admin:
        raise UserError("refused: this would leave no enabled admin account")


def remove(username: str, *, actor: roles.Actor) -> None:
    """Delete an account (its sessions end on their next page load)."""
    roles.require(actor, "users")
    uname = normalize_username(username)
    with _locked():
        users = _read()
        if uname not in users:
            raise UserError(f"user {uname!r} does not exist")
        rest = {k: v for k, v in users.items() if k != uname}
        _check_an_admin_remains(rest)
        _write(rest)


def set_password(username: str, password: str, *, actor: roles.Actor) -> User:
    """Replace the password; other sessions and cookies of that user stop working."""
    roles.require(actor, "users")
    return _update(username, password_hash=hash_password(password), tokens_valid_after=time.time())


def set_disabled(username: str, disabled: bool, *, actor: roles.Actor) -> User:
    """Disable (sign-in refused, sessions end) or enable an account."""
    roles.require(actor, "users")
    changes: dict[str, Any] = {"disabled": bool(disabled)}
    if disabled:
        changes["tokens_valid_after"] = time.time()
    return _update(username, **changes)


def revoke_sessions(username: str) -> None:
    """Sign-out: sessions and remember-me cookies issued before now stop working.

    No actor check: ending one's own sessions only ever reduces access.
    """
    with contextlib.suppress(UserError):
        _update(username, tokens_valid_after=time.time())


def unlock(username: str, *, actor: roles.Actor) -> bool:
    """End the sign-in lock-out of an account (5 failures in 15 minutes lock its name);
    logged in the failure log. Returns whether it was locked."""
    roles.require(actor, "users")
    from dashboard import throttle  # imports this module: load it only when used

    uname = normalize_username(username)
    if get(uname) is None:
        raise UserError(f"user {uname!r} does not exist")
    return throttle.unlock(uname, by=actor.username)


def ensure_first_admin() -> str | None:
    """On a fresh installation create `admin` with a random password and return it."""
    with _locked():
        if _read():
            return None
    password = random_password()
    try:
        add(
            "admin",
            name="Administrator",
            role="admin",
            password=password,
            actor=roles.Actor.cli("init"),
        )
    except UserError:
        return None  # another process created users meanwhile
    return password


def create_demo_users() -> dict[str, tuple[str, str]]:
    """One demo account per role but admin (demo_head, demo_staff, demo_analyst).

    Returns {username: (role, password)} for the accounts created now; existing ones are
    kept as they are (their passwords are not known any more, so they are not returned).
    """
    created: dict[str, tuple[str, str]] = {}
    for uname, (role, name) in DEMO_USERS.items():
        if get(uname) is not None:
            continue
        password = random_password()
        add(uname, name=name, role=role, password=password, actor=roles.Actor.cli("init"))
        created[uname] = (role, password)
    return created


def remove_demo_users(*, actor: roles.Actor) -> list[str]:
    """Remove the demo accounts (and an old `demo_admin`); returns the names removed."""
    roles.require(actor, "users")
    with _locked():  # all or nothing: one write, checked before it is made
        users = _read()
        removed = [u for u in (*DEMO_USERS, *LEGACY_DEMO_USERS) if u in users]
        rest = {k: v for k, v in users.items() if k not in removed}
        _check_an_admin_remains(rest)
        if removed:
            _write(rest)
    return removed


# --- command line: `python -m dashboard users ...` -------------------------------------


def _read_password(prompt: str = "Password: ") -> str:
    """One line from stdin, or a hidden prompt (asked twice) on a terminal; never argv."""
    if sys.stdin.isatty():
        first = getpass.getpass(prompt)
        again = getpass.getpass("Repeat password: ")
        if first != again:
            raise UserError("the two passwords differ")
        return first
    line = sys.stdin.readline()
    return line.rstrip("\r\n")


def _cli_add(args: argparse.Namespace) -> int:
    password = _read_password()
    user = add(
        args.username,
        name=args.name,
        role=args.role,
        password=password,
        email=args.email,
        actor=roles.Actor.cli(),
    )
    print(f"added user {user.username} ({user.role})")
    return 0


def _cli_list(args: argparse.Namespace) -> int:
    print("username,name,role,email,disabled,created_at")
    for u in list_users():
        fields = [u.username, u.name, u.role, u.email or "", str(u.disabled).lower(), u.created_at]
        print(",".join(_csv_field(f) for f in fields))
    return 0


def _csv_field(value: str) -> str:
    if any(c in value for c in ',"\n'):
        return '"' + value.replace('"', '""') + '"'
    return value


def _cli_remove(args: argparse.Namespace) -> int:
    remove(args.username, actor=roles.Actor.cli())
    print(f"removed user {normalize_username(args.username)}")
    return 0


def _cli_passwd(args: argparse.Namespace) -> int:
    set_password(args.username, _read_password("New password: "), actor=roles.Actor.cli())
    print(f"password changed for {normalize_username(args.username)}")
    return 0


def _cli_disable(args: argparse.Namespace) -> int:
    set_disabled(args.username, args.disable, actor=roles.Actor.cli())
    state = "disabled" if args.disable else "enabled"
    print(f"user {normalize_username(args.username)} {state}")
    return 0


def _cli_unlock(args: argparse.Namespace) -> int:
    uname = normalize_username(args.username)
    was_locked = unlock(uname, actor=roles.Actor.cli())
    print(f"user {uname} unlocked" if was_locked else f"user {uname} was not locked")
    return 0


def _guarded(handler: Any) -> Any:
    def run(args: argparse.Namespace) -> int:
        try:
            return handler(args)
        except (UserError, roles.PermissionDenied) as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1

    return run


def register_cli(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Add `users add|list|remove|passwd|disable|enable|unlock`; each sets `func(args)`."""
    parser = subparsers.add_parser(
        "users",
        help="manage the people who may sign in",
        description="Manage dashboard accounts. Passwords are read from standard input "
        "(one line) or asked for on a terminal; never give them as arguments.",
    )
    sub = parser.add_subparsers(dest="users_command", required=True)

    p = sub.add_parser("add", help="add a user; the password is read from standard input")
    p.add_argument("username")
    p.add_argument("--role", required=True, choices=roles.ROLES)
    p.add_argument("--name", required=True)
    p.add_argument("--email")
    p.set_defaults(func=_guarded(_cli_add))

    p = sub.add_parser("list", help="list users as CSV (no passwords)")
    p.set_defaults(func=_guarded(_cli_list))

    p = sub.add_parser("remove", help="delete a user")
    p.add_argument("username")
    p.set_defaults(func=_guarded(_cli_remove))

    p = sub.add_parser("passwd", help="set a new password, read from standard input")
    p.add_argument("username")
    p.set_defaults(func=_guarded(_cli_passwd))

    p = sub.add_parser("disable", help="refuse sign-in for a user")
    p.add_argument("username")
    p.set_defaults(func=_guarded(_cli_disable), disable=True)

    p = sub.add_parser("enable", help="allow sign-in again")
    p.add_argument("username")
    p.set_defaults(func=_guarded(_cli_disable), disable=False)

    p = sub.add_parser(
        "unlock",
        help="end a sign-in lock-out (5 failed attempts in 15 minutes lock a name)",
    )
    p.add_argument("username")
    p.set_defaults(func=_guarded(_cli_unlock))
    return parser
