"""Sign-in, sessions and the page guard: the only door into every page.

`guard(permission)` is the first call of every page (through `ui.page_setup`). It builds
one `streamlit_authenticator.Authenticate` per run from a copy of the enabled accounts
in `users.json`, shows the sign-in form and stops the run while nobody is signed in, and
for a signed-in session re-reads the account from the store on every run: a removed or
disabled account, or one whose sessions were revoked (sign-out, password reset), is
signed out at once; the role comes from the store, never from the session or cookie.

Why we wrap the library (PLATFORM.md, streamlit-authenticator 0.4.2):
- its `max_login_attempts` counts only after a correct password, so it throttles nothing,
  and it answers at once for an unknown name or a password bcrypt refuses (empty, over
  72 bytes), which tells a stranger which names exist. We hook
  `authentication_controller.login` of our own instance: `throttle.begin_attempt` counts
  the attempt under a file lock BEFORE any password is checked (and refuses a locked
  name or client), then `check_password` runs exactly one bcrypt check on every path
  (the account's hash, or a dummy hash), and only a correct password lets the library
  finish the sign-in (its own check is skipped, so it costs no second bcrypt).
- its remember-me cookie is a signed token with only a name and an expiry. We write our
  own token, signed with a random per-installation key (`secrets/cookie_key`), with its
  issue time (`issued_at`) and an id (`token_id`), and accept it only when it was issued
  after the account's `tokens_valid_after` (creation, sign-out, password reset, disabling), is
  younger than the absolute session lifetime, and its id was active within the idle
  timeout (`sessions.json`, see below). A token without them is refused. (Not the JWT
  claims `iat`/`jti`: PyJWT raises on an `iat` in the future, e.g. after the server's
  clock was set back, and the library would not catch it.)
- a session, signed in by password or by cookie, ends after `DASHBOARD_IDLE_HOURS`
  (default 8) without a page run and `DASHBOARD_SESSION_HOURS` (default 24) after its
  sign-in, whatever the cookie's lifetime (`DASHBOARD_COOKIE_DAYS`, default 1); all three
  are read in `session_settings()`. The last activity of each session id is kept in
  `$DASHBOARD_HOME/sessions.json`, written at most once a minute per session, so a
  browser that comes back with its cookie after the idle timeout is refused too.
- it writes the cookie from a component rendered inside `login()`; we render the form in
  a placeholder that is cleared after a successful sign-in, so we postpone the cookie
  component until after the form is gone (it then stays mounted on the page).
"""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import secrets
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import bcrypt
import jwt
import streamlit as st
import streamlit_authenticator as stauth
from streamlit_authenticator.models import cookie_model

from dashboard import config, i18n, roles, throttle, users

# Kept here too: pages and tests name them as auth's.
from dashboard.throttle import (  # noqa: F401
    LOCKOUT,
    MAX_CLIENT_FAILURES,
    MAX_FAILURES,
    client_locked_until,
    locked_until,
    login_failures,
    record_failure,
)

COOKIE_NAME = "disdukcapil_dashboard_session"
LOGIN_FORM_KEY = "login"
LOGIN_BUTTON_LABEL = "Masuk / Sign in"
#: The library owns the session key `logout`; a widget with that key would break it.
LOGOUT_BUTTON_KEY = "auth_sign_out"

_SIGNED_IN_AT = "_auth_signed_in_at"
_SESSION_ID = "_auth_session_id"
_LAST_ACTIVE = "_auth_last_active"
_ACTIVITY_WRITTEN = "_auth_activity_written"
_FLASH = "_auth_flash"
_DELETE_COOKIE = "_auth_delete_cookie"
_LIBRARY_KEYS = ("name", "username", "authentication_status", "email", "roles")
#: A session's last activity is written to `sessions.json` at most this often.
ACTIVITY_WRITE_EVERY = 60.0

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
    "expired": (
        "Sesi Anda berakhir karena terlalu lama tidak aktif atau terlalu lama. Silakan masuk lagi.",
        "Your session expired (idle or open too long). Please sign in again.",
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


# --- session settings --------------------------------------------------------------------


@dataclass(frozen=True)
class SessionSettings:
    """How long a sign-in lasts. Read from the environment by `session_settings()` only."""

    cookie_days: float = 1.0
    idle_hours: float = 8.0
    session_hours: float = 24.0

    @property
    def idle_seconds(self) -> float:
        return self.idle_hours * 3600

    @property
    def session_seconds(self) -> float:
        return self.session_hours * 3600


def _positive(name: str, default: float) -> float:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not value > 0:
        raise ValueError(f"{name} must be a positive number, not {raw!r}")
    return value


def session_settings() -> SessionSettings:
    """`DASHBOARD_COOKIE_DAYS` (remember-me cookie, default 1), `DASHBOARD_IDLE_HOURS`
    (idle timeout, default 8) and `DASHBOARD_SESSION_HOURS` (absolute lifetime, 24)."""
    return SessionSettings(
        cookie_days=_positive("DASHBOARD_COOKIE_DAYS", SessionSettings.cookie_days),
        idle_hours=_positive("DASHBOARD_IDLE_HOURS", SessionSettings.idle_hours),
        session_hours=_positive("DASHBOARD_SESSION_HOURS", SessionSettings.session_hours),
    )


def _clock() -> float:
    """The sessions' clock, seconds since the epoch (tests replace it)."""
    return time.time()


# --- the installation's cookie key -------------------------------------------------------


def cookie_key() -> str:
    """64 hex chars in `$DASHBOARD_HOME/secrets/cookie_key`, created 0600 on first use."""
    # Written to a temporary file and linked into place (config.secret): eight people
    # opening a fresh server at once all get the same, whole key.
    key = config.secret(
        "cookie_key",
        lambda: secrets.token_hex(32).encode(),
        lambda raw: len(raw.strip()) >= 32,
    )
    return key.decode().strip()


# --- one password check on every path ------------------------------------------------------

#: A bcrypt hash (cost 12, as `stauth.Hasher.hash`) of a random string nobody kept: what
#: an unknown name, a disabled account or an unusable password is checked against, so
#: every attempt costs the same one bcrypt check. Never accepted, whatever matches it.
DUMMY_HASH = b"$2b$12$St1lYIRTxziVD7fcjXdL/O89xGs4erlsEpyW9VEqEwMNObPMwMgkC"


def check_password(user: users.User | None, password: str | None) -> bool:
    """Exactly one `bcrypt.checkpw`, whatever the name and password; True only for an
    enabled account and its password (as the form sends it: stripped, 1-72 bytes)."""
    secret = (password or "").strip().encode("utf-8")
    usable = 0 < len(secret) <= users.MAX_PASSWORD_BYTES
    if not usable:
        # bcrypt 5 raises at once for more than 72 bytes: check a stand-in instead, so
        # this answer takes as long as any other.
        secret = b"\x00not-a-password"
    real = user is not None and not user.disabled and usable
    target = user.password_hash.encode("utf-8") if real and user else DUMMY_HASH
    try:
        matched = bcrypt.checkpw(secret, target)
    except ValueError:  # a damaged stored hash: refuse, never crash the form
        matched = False
    return bool(real and matched)


def password_attempt(username: str, password: str | None, client: str) -> datetime | bool:
    """One sign-in by password: counted first (under the throttle's lock), then one
    bcrypt check. Returns True (right password), False (wrong) or the end of a lock."""
    started = throttle.now()
    until = throttle.begin_attempt(username, client, now=started)
    if until is not None:
        return until
    ok = check_password(users.get(username), password)
    throttle.end_attempt(username, client, started, ok)
    return ok


# --- sessions and tokens -------------------------------------------------------------------


def sessions_path() -> Path:
    """`$DASHBOARD_HOME/sessions.json`: session id -> user name and last activity."""
    return config.home() / "sessions.json"


@contextlib.contextmanager
def _sessions_locked() -> Iterator[dict[str, dict[str, Any]]]:
    """Read-modify-write of `sessions.json` by one writer at a time; pruned on write."""
    path = sessions_path()
    with config.file_lock(path.with_suffix(".json.lock")):
        data = _read_sessions()
        yield data
        limit = _clock() - session_settings().idle_seconds
        kept = {k: v for k, v in data.items() if float(v.get("seen", 0)) >= limit}
        config.write_atomic(path, json.dumps(kept))


def _read_sessions() -> dict[str, dict[str, Any]]:
    try:
        return dict(json.loads(sessions_path().read_text(encoding="utf-8")))
    except (FileNotFoundError, ValueError):
        return {}


def last_activity(session_id: str) -> float | None:
    """When the session (token) id was last active, as the server saw it; None if never
    or so long ago that it was forgotten."""
    record = _read_sessions().get(session_id)
    return float(record["seen"]) if record else None


def record_activity(session_id: str, username: str, at: float | None = None) -> None:
    """Note that the session id is active now (sign-in, or a page run)."""
    at = _clock() if at is None else at
    with _sessions_locked() as data:
        data[session_id] = {"user": users.normalize_username(username), "seen": at}


def forget_sessions(username: str) -> None:
    """Drop every session id of the account (sign-out: its cookies are refused)."""
    name = users.normalize_username(username)
    with _sessions_locked() as data:
        for key in [k for k, v in data.items() if v.get("user") == name]:
            del data[key]


def new_token(username: str, *, issued_at: float | None = None) -> dict[str, Any]:
    """The remember-me token of a new sign-in: name, issue time, id and expiry."""
    iat = _clock() if issued_at is None else issued_at
    return {
        "username": users.normalize_username(username),
        "issued_at": iat,
        "token_id": secrets.token_urlsafe(16),
        "exp_date": iat + session_settings().cookie_days * 86400,
    }


def token_acceptable(token: dict[str, Any], *, now: float | None = None) -> bool:
    """A remember-me token signs in only an enabled account, and only if it carries its
    issue time and id, was issued after the account's `tokens_valid_after` (creation,
    sign-out, password reset, disabling), is within the session lifetime and the cookie's
    expiry, and its id was active within the idle timeout."""
    now = _clock() if now is None else now
    settings = session_settings()
    iat, jti = token.get("issued_at"), token.get("token_id")
    if not isinstance(iat, int | float) or not isinstance(jti, str) or not jti:
        return False
    user = users.get(str(token.get("username", "")))
    if user is None or user.disabled or iat < user.tokens_valid_after:
        return False
    if now - iat > settings.session_seconds or float(token.get("exp_date", 0)) <= now:
        return False
    seen = last_activity(jti)
    return seen is not None and now - seen <= settings.idle_seconds


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


def _start_session(username: str, issued_at: float, session_id: str) -> None:
    state = st.session_state
    now = _clock()
    state[_SIGNED_IN_AT] = issued_at
    state[_SESSION_ID] = session_id
    state[_LAST_ACTIVE] = now
    state[_ACTIVITY_WRITTEN] = now
    record_activity(session_id, username, now)


def _hook_login(authenticator: stauth.Authenticate) -> None:
    """Throttle and log password attempts; refuse revoked cookies. Per instance only."""
    controller = authenticator.authentication_controller
    original = controller.login
    model = controller.authentication_model

    def login(username: str | None = None, password: str | None = None, *args, **kwargs):
        token = kwargs.get("token")
        if username:
            name = users.normalize_username(username)
            client = _client()
            result = password_attempt(name, password, client)
            if isinstance(result, datetime):
                st.session_state["authentication_status"] = False
                st.session_state[_FLASH] = ("locked", _local_time(result))
                return False
            if not result or name not in model.credentials["usernames"]:
                st.session_state["authentication_status"] = False
                st.session_state[_FLASH] = ("wrong", "")
                return False
            # Checked above: let the library finish without a second bcrypt check.
            model.check_credentials = lambda *_: True
            try:
                ok = original(name, password, *args, **kwargs)
            finally:
                del model.check_credentials
            if ok:
                _start_session(name, _clock(), secrets.token_urlsafe(16))
                st.session_state.pop(_FLASH, None)
            return ok
        if token:
            if not token_acceptable(token):
                # Left in the browser, harmless: refused on every load, replaced at sign-in.
                return None
            result = original(*args, **kwargs)
            if st.session_state.get("authentication_status"):
                _start_session(
                    str(token["username"]), float(token["issued_at"]), str(token["token_id"])
                )
            return result
        if password is not None or username is not None:
            st.session_state[_FLASH] = ("empty", "")
        return original(username, password, *args, **kwargs)

    controller.login = login


def _set_cookie(authenticator: stauth.Authenticate) -> None:
    """Write our token (issue time and id of this session) instead of the library's."""
    state = st.session_state
    cookie = authenticator.cookie_controller.cookie_model
    token = new_token(str(state["username"]), issued_at=float(state[_SIGNED_IN_AT]))
    token["token_id"] = str(state[_SESSION_ID])
    encoded = jwt.encode(token, cookie.cookie_key, algorithm="HS256")
    cookie.cookie_manager.set(
        cookie.cookie_name, encoded, expires_at=datetime.fromtimestamp(token["exp_date"])
    )


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
        cookie_expiry_days=session_settings().cookie_days,
        auto_hash=False,
        **extra,
    )
    _hook_login(authenticator)
    return authenticator


# --- the guard -----------------------------------------------------------------------------


def _session_state_of(user: users.User) -> str | None:
    """Why this signed-in session must end ("ended", "expired"), or None if it may go on.
    A session set up without signing in (tests set the state) starts now."""
    state = st.session_state
    now = _clock()
    signed_in_at = float(state.setdefault(_SIGNED_IN_AT, now))
    state.setdefault(_SESSION_ID, secrets.token_urlsafe(16))
    last_active = float(state.setdefault(_LAST_ACTIVE, now))
    if signed_in_at < user.tokens_valid_after:
        return "ended"
    settings = session_settings()
    if now - signed_in_at > settings.session_seconds or now - last_active > settings.idle_seconds:
        return "expired"
    return None


def current_user() -> users.User | None:
    """The signed-in account, re-read from the store; None if not (or no longer) valid."""
    state = st.session_state
    if not state.get("authentication_status") or not state.get("username"):
        return None
    user = users.get(str(state["username"]))
    if user is None or user.disabled or _session_state_of(user) is not None:
        return None
    return user


def _touch() -> None:
    """This run is activity: keep it in the session, and on the server at most once a
    minute (a browser that comes back with its cookie is judged by it)."""
    state = st.session_state
    now = _clock()
    state[_LAST_ACTIVE] = now
    if now - float(state.get(_ACTIVITY_WRITTEN, 0)) >= ACTIVITY_WRITE_EVERY:
        state[_ACTIVITY_WRITTEN] = now
        record_activity(str(state[_SESSION_ID]), str(state["username"]), now)


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
            _set_cookie(authenticator)


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
        user = users.get(str(state.get("username") or ""))
        why = _session_state_of(user) if user is not None and not user.disabled else "ended"
        _clear_session(why or "ended")
        state.pop(_DELETE_COOKIE, None)
        with contextlib.suppress(Exception):
            authenticator.cookie_controller.delete_cookie()
    if not state.get("authentication_status"):
        _sign_in_form(authenticator)
    user = current_user()
    if user is None:
        st.stop()
    _touch()
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
        with contextlib.suppress(OSError):
            forget_sessions(str(username))
    _clear_session("signed_out")


def sign_out() -> None:
    """End this session and every remember-me cookie of the account (call, then rerun)."""
    _sign_out()


def logout_button(location: str = "sidebar") -> None:
    """The sign-out button. Runs as a callback, so the next run starts signed out."""
    where = st.sidebar if location == "sidebar" else st
    where.button(text("sign_out"), key=LOGOUT_BUTTON_KEY, on_click=_sign_out)
