"""Sign-in, the page guard and sign-in throttling: the only door into every page.

`guard(permission)` is the first call of every page (through `ui.page_setup`). It builds
one `streamlit_authenticator.Authenticate` per run from a copy of the enabled accounts
in `users.json`, shows the sign-in form and stops the run while nobody is signed in, and
for a signed-in session re-reads the account from the store on every run: a removed or
disabled account, or one whose sessions were revoked (sign-out, password reset), is
signed out at once; the role comes from the store, never from the session or cookie.

Why we wrap the library (PLATFORM.md, streamlit-authenticator 0.4.2):
- its `max_login_attempts` counts only after a correct password, so it throttles nothing.
  We hook `authentication_controller.login` of our own instance: a user name with 5
  failures within 15 minutes is refused for 15 minutes, even with the right password,
  BEFORE the library checks the password; every failure is logged with time, name and
  client in `$DASHBOARD_HOME/logs/login_failures.jsonl`.
- its remember-me cookie is a signed token valid until expiry, even after sign-out. We
  sign tokens with a random per-installation key (`secrets/cookie_key`, 0600) and refuse
  a token issued before the account's `tokens_valid_after` (set on sign-out, password
  reset, disabling), so a copied or not-yet-deleted cookie stops working.
- it writes the cookie from a component rendered inside `login()`; we render the form in
  a placeholder that is cleared after a successful sign-in, so we postpone the cookie
  component until after the form is gone (it then stays mounted on the page).
"""

from __future__ import annotations

import contextlib
import fcntl
import importlib
import json
import os
import secrets
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import streamlit as st
import streamlit_authenticator as stauth
from streamlit_authenticator.models import cookie_model

from dashboard import config, i18n, roles, users

COOKIE_NAME = "disdukcapil_dashboard_session"
COOKIE_EXPIRY_DAYS = float(os.environ.get("DASHBOARD_COOKIE_DAYS", "1"))
LOGIN_FORM_KEY = "login"
LOGIN_BUTTON_LABEL = "Masuk / Sign in"
#: The library owns the session key `logout`; a widget with that key would break it.
LOGOUT_BUTTON_KEY = "auth_sign_out"

MAX_FAILURES = 5
FAILURE_WINDOW = timedelta(minutes=15)
LOCKOUT = timedelta(minutes=15)
#: One client (IP) trying many names is also slowed down; offices share one IP, so high.
MAX_CLIENT_FAILURES = 30
_SHARED_CLIENTS = frozenset({"unknown", "127.0.0.1", "::1"})

_SIGNED_IN_AT = "_auth_signed_in_at"
_FLASH = "_auth_flash"
_DELETE_COOKIE = "_auth_delete_cookie"
_LIBRARY_KEYS = ("name", "username", "authentication_status", "email", "roles")

_TEXT: dict[str, tuple[str, str]] = {
    "form_title": ("Masuk ke dasbor", "Sign in to the dashboard"),
    "username": ("Nama pengguna", "Username"),
    "password": ("Kata sandi", "Password"),
    "wrong": ("Nama pengguna atau kata sandi salah.", "Wrong username or password."),
    "empty": ("Isi nama pengguna dan kata sandi.", "Enter your username and password."),
    "locked": (
        "Terlalu banyak percobaan gagal. Coba lagi setelah {until}.",
        "Too many failed attempts. Try again after {until}.",
    ),
    "forbidden": (
        "Halaman ini bukan untuk peran Anda ({role}).",
        "This page is not for your role ({role}).",
    ),
    "ended": (
        "Sesi Anda berakhir (akun diubah atau dinonaktifkan). Silakan masuk lagi.",
        "Your session ended (account changed or disabled). Please sign in again.",
    ),
    "signed_out": ("Anda telah keluar.", "You have signed out."),
    "sign_out": ("Keluar", "Sign out"),
}


i18n.register({f"auth.{k}": v for k, v in _TEXT.items() if f"auth.{k}" not in i18n.STRINGS})


def text(key: str, both: bool = False, **values: Any) -> str:
    """An auth message in this run's language, or in both (Indonesian first): the
    sign-in form and the refusals are read before anyone could pick a language."""
    if both:
        return f"{i18n.t(f'auth.{key}', 'id', **values)} / {i18n.t(f'auth.{key}', 'en', **values)}"
    return i18n.t(f"auth.{key}", **values)


# --- the installation's cookie key -------------------------------------------------------


def cookie_key() -> str:
    """64 hex chars in `$DASHBOARD_HOME/secrets/cookie_key`, created 0600 on first use."""
    path = config.home() / "secrets" / "cookie_key"
    path.parent.mkdir(parents=True, exist_ok=True)
    os.chmod(path.parent, 0o700)
    if not path.exists():
        # O_EXCL: two processes starting at once must not write different keys.
        with contextlib.suppress(FileExistsError):
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as fh:
                fh.write(secrets.token_hex(32))
    key = path.read_text().strip()
    if len(key) < 32:
        raise RuntimeError(f"{path} is too short to be a cookie key; delete it to regenerate")
    return key


# --- throttling and the failure log ------------------------------------------------------


def _now() -> datetime:
    """The clock of the throttle (tests replace it)."""
    return datetime.now(UTC)


def failure_log_path() -> Path:
    path = config.home() / "logs" / "login_failures.jsonl"
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def record_failure(
    username: str, client: str | None, *, event: str = "failure", now: datetime | None = None
) -> None:
    """Append one line: `failure` (wrong name/password) or `locked` (refused, locked out)."""
    entry = {
        "at": (now or _now()).astimezone(UTC).isoformat(timespec="seconds"),
        "username": users.normalize_username(username)[:64],
        "client": client or "unknown",
        "event": event,
    }
    path = failure_log_path()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    with os.fdopen(fd, "a", encoding="utf-8") as fh:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        fh.write(json.dumps(entry) + "\n")


def login_failures(limit: int | None = None) -> list[dict[str, str]]:
    """The failure log, newest first."""
    path = failure_log_path()
    if not path.exists():
        return []
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        with contextlib.suppress(ValueError):
            rows.append(json.loads(line))
    rows.reverse()
    return rows[:limit] if limit else rows


def _recent_failures(now: datetime, match: Callable[[dict[str, str]], bool]) -> list[datetime]:
    since = now - FAILURE_WINDOW - LOCKOUT
    times = []
    for row in login_failures():
        if row.get("event") != "failure" or not match(row):
            continue
        at = datetime.fromisoformat(row["at"])
        if since <= at <= now:
            times.append(at)
    return sorted(times)


def _lock_end(times: list[datetime], limit: int, now: datetime) -> datetime | None:
    """Lock from the `limit`-th failure within the window, for LOCKOUT; refusals while
    locked are logged as `locked`, not `failure`, so they do not stretch the lock."""
    end = None
    for i in range(limit - 1, len(times)):
        if times[i] - times[i - limit + 1] <= FAILURE_WINDOW and now < times[i] + LOCKOUT:
            end = times[i] + LOCKOUT
    return end


def locked_until(username: str, *, now: datetime | None = None) -> datetime | None:
    """When the lock-out of this user name ends, or None if it may try now."""
    now = now or _now()
    name = users.normalize_username(username)[:64]
    return _lock_end(_recent_failures(now, lambda r: r.get("username") == name), MAX_FAILURES, now)


def client_locked_until(client: str | None, *, now: datetime | None = None) -> datetime | None:
    # Loopback means a reverse proxy in front: every person shares that address, and
    # locking it would let one stranger lock the whole office out.
    if not client or client in _SHARED_CLIENTS:
        return None
    now = now or _now()
    times = _recent_failures(now, lambda r: _client_ip_only(str(r.get("client"))) == client)
    return _lock_end(times, MAX_CLIENT_FAILURES, now)


def _client() -> str:
    """The caller's address as Streamlit sees it (plus a proxy's X-Forwarded-For)."""
    ip = None
    forwarded = None
    with contextlib.suppress(Exception):
        ip = st.context.ip_address
    with contextlib.suppress(Exception):
        forwarded = st.context.headers.get("X-Forwarded-For")
    # Outside a real server (AppTest) these are not strings.
    ip = ip if isinstance(ip, str) else None
    forwarded = forwarded if isinstance(forwarded, str) else None
    client = ip or "unknown"
    if forwarded:
        client = f"{client} (forwarded for {forwarded.split(',')[0].strip()[:64]})"
    return client


def _local_time(moment: datetime) -> str:
    from zoneinfo import ZoneInfo  # noqa: PLC0415

    return moment.astimezone(ZoneInfo(config.office_tz())).strftime("%H:%M")


# --- the authenticator of this run --------------------------------------------------------


def _credentials() -> dict[str, Any]:
    """A fresh copy for the library (it writes into what it gets); enabled users only."""
    return {
        "usernames": {
            u.username: {
                "name": u.name,
                "email": u.email or "",
                "password": u.password_hash,
                "roles": [u.role],
            }
            for u in users.list_users()
            if not u.disabled
        }
    }


def _token_issued_at(token: dict[str, Any]) -> float:
    return float(token.get("exp_date", 0)) - COOKIE_EXPIRY_DAYS * 86400


def token_acceptable(token: dict[str, Any]) -> bool:
    """A remember-me cookie's token signs in only an enabled account, and only if it was
    issued after that account's last sign-out, password reset or disabling."""
    user = users.get(str(token.get("username", "")))
    return (
        user is not None
        and not user.disabled
        and _token_issued_at(token) >= user.tokens_valid_after
        and float(token.get("exp_date", 0)) > time.time()
    )


_DUMMY_HASH: list[bytes] = []


def _equalize_timing(password: str) -> None:
    """The library answers at once for an unknown name but spends ~0.3 s in bcrypt for a
    known one, which tells a stranger which names exist; spend the same time here."""
    import bcrypt  # noqa: PLC0415

    if not _DUMMY_HASH:
        _DUMMY_HASH.append(bcrypt.hashpw(secrets.token_bytes(16), bcrypt.gensalt()))
    with contextlib.suppress(ValueError):
        bcrypt.checkpw(password.encode("utf-8")[:72], _DUMMY_HASH[0])


def _hook_login(authenticator: stauth.Authenticate) -> None:
    """Throttle and log password attempts; refuse revoked cookies. Per instance only."""
    original = authenticator.authentication_controller.login

    def login(username: str | None = None, password: str | None = None, *args, **kwargs):
        token = kwargs.get("token")
        if username:
            name = users.normalize_username(username)
            client = _client()
            until = locked_until(name) or client_locked_until(_client_ip_only(client))
            if until is not None:
                record_failure(name, client, event="locked")
                st.session_state["authentication_status"] = False
                st.session_state[_FLASH] = ("locked", _local_time(until))
                return False
            if (
                name
                not in authenticator.authentication_controller.authentication_model.credentials[
                    "usernames"
                ]
            ):
                _equalize_timing(password or "")
            ok = original(username, password, *args, **kwargs)
            if ok:
                st.session_state[_SIGNED_IN_AT] = time.time()
                st.session_state.pop(_FLASH, None)
            else:
                record_failure(name, client)
                st.session_state[_FLASH] = ("wrong", "")
            return ok
        if token:
            if not token_acceptable(token):
                # Left in the browser, harmless: refused on every load, replaced at sign-in.
                return None
            result = original(*args, **kwargs)
            if st.session_state.get("authentication_status"):
                st.session_state[_SIGNED_IN_AT] = _token_issued_at(token)
            return result
        if password is not None or username is not None:
            st.session_state[_FLASH] = ("empty", "")
        return original(username, password, *args, **kwargs)

    authenticator.authentication_controller.login = login


def _client_ip_only(client: str) -> str:
    return client.split(" ", 1)[0]


# The package exports the class under the module's name, so fetch the module itself.
stx_cookies = importlib.import_module("extra_streamlit_components.CookieManager")


class _RequestCookieManager(stx_cookies.CookieManager):
    """The library's cookie manager without its start-up component.

    `stx.CookieManager()` renders a `getAll` component on every run whose answer makes
    Streamlit run every freshly loaded page twice (and, e.g., snap tabs back to the
    first). streamlit-authenticator 0.4.2 reads the cookie from the request
    (`st.context.cookies`) anyway, so we take the cookies from there; setting and
    deleting still go through the component.
    """

    def __init__(self, key: str = "init") -> None:
        self.cookie_manager = stx_cookies._component_func
        try:
            self.cookies = {str(k): v for k, v in dict(st.context.cookies).items()}
        except Exception:  # noqa: BLE001 - no request outside a server (AppTest)
            self.cookies = {}


class _StxForCookieModel:
    """What `cookie_model` looks up as `stx`: only `CookieManager` is used there."""

    CookieManager = _RequestCookieManager


# Scoped to the library's cookie model module: nothing else sees the replacement.
cookie_model.stx = _StxForCookieModel


def _new_authenticator() -> stauth.Authenticate:
    sleep = 0.0 if os.environ.get("DASHBOARD_TESTING") == "1" else None
    extra = {} if sleep is None else {"login_sleep_time": sleep}
    authenticator = stauth.Authenticate(
        _credentials(),
        cookie_name=COOKIE_NAME,
        cookie_key=cookie_key(),
        cookie_expiry_days=COOKIE_EXPIRY_DAYS,
        auto_hash=False,
        **extra,
    )
    _hook_login(authenticator)
    return authenticator


# --- the guard -----------------------------------------------------------------------------


def current_user() -> users.User | None:
    """The signed-in account, re-read from the store; None if not (or no longer) valid."""
    state = st.session_state
    if not state.get("authentication_status") or not state.get("username"):
        return None
    user = users.get(str(state["username"]))
    if user is None or user.disabled:
        return None
    signed_in_at = state.setdefault(_SIGNED_IN_AT, time.time())
    if signed_in_at < user.tokens_valid_after:
        return None
    return user


def _clear_session(flash: str | None) -> None:
    """End the session: forget everything this session knew (filters, widgets, name)."""
    state = st.session_state
    for key in list(state.keys()):
        del state[key]
    for key in _LIBRARY_KEYS:
        state[key] = None
    # `logout=True` stops the library from signing in again from a cookie this session.
    state["logout"] = True
    state[_DELETE_COOKIE] = True
    if flash:
        state[_FLASH] = (flash, "")


def _show_flash() -> None:
    flash = st.session_state.get(_FLASH)
    if not flash:
        return
    key, until = flash
    if key == "signed_out":
        st.info(text(key, both=True))
    elif key == "locked":
        st.error(text(key, both=True, until=until))
    else:
        st.error(text(key, both=True))


def _sign_in_form(authenticator: stauth.Authenticate) -> None:
    """Draw the form (and sign in, if it was just submitted); clear it after success."""
    real_set_cookie = authenticator.cookie_controller.set_cookie
    wanted: list[bool] = []
    authenticator.cookie_controller.set_cookie = lambda: wanted.append(True)
    placeholder = st.empty()
    with placeholder.container():
        try:
            authenticator.login(
                location="main",
                key=LOGIN_FORM_KEY,
                fields={
                    "Form name": text("form_title", both=True),
                    "Username": text("username", both=True),
                    "Password": text("password", both=True),
                    "Login": LOGIN_BUTTON_LABEL,
                },
            )
        except stauth.LoginError:
            st.session_state["authentication_status"] = False
            st.session_state[_FLASH] = ("wrong", "")
        if not st.session_state.get("authentication_status"):
            _show_flash()
    if st.session_state.get("authentication_status"):
        placeholder.empty()
        if wanted:
            real_set_cookie()


def guard(permission: str = "view") -> roles.Actor:
    """Sign-in and role check; call first on every page. Never returns without an actor.

    Not signed in: draws the sign-in form and stops the run (nothing else is drawn).
    Signed in without `permission`: says the page is not for this role and stops.
    """
    authenticator = _new_authenticator()
    state = st.session_state
    if state.pop(_DELETE_COOKIE, False):
        with contextlib.suppress(Exception):
            authenticator.cookie_controller.delete_cookie()
    if state.get("authentication_status") and current_user() is None:
        _clear_session("ended")
        state.pop(_DELETE_COOKIE, None)
        with contextlib.suppress(Exception):
            authenticator.cookie_controller.delete_cookie()
    if not state.get("authentication_status"):
        _sign_in_form(authenticator)
    user = current_user()
    if user is None:
        st.stop()
    actor = user.actor()
    state["roles"] = [user.role]  # what the library shows; the store is the authority
    if not actor.can(permission):
        st.error(text("forbidden", both=True, role=user.role))
        st.stop()
    return actor


def _sign_out() -> None:
    username = st.session_state.get("username")
    if username:
        users.revoke_sessions(str(username))
    _clear_session("signed_out")


def sign_out() -> None:
    """End this session and every remember-me cookie of the account (call, then rerun)."""
    _sign_out()


def logout_button(location: str = "sidebar") -> None:
    """The sign-out button. Runs as a callback, so the next run starts signed out."""
    where = st.sidebar if location == "sidebar" else st
    where.button(text("sign_out"), key=LOGOUT_BUTTON_KEY, on_click=_sign_out)
