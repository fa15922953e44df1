"""The page guard: sign-in form, throttling, role checks from the store, sign-out."""

from __future__ import annotations

import os
import stat
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from dashboard import auth, roles, throttle, users

PASSWORD = "rahasia-123"
SUBMIT = f"FormSubmitter:{auth.LOGIN_FORM_KEY}-{auth.LOGIN_BUTTON_LABEL}"
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

PAGE = """
import streamlit as st
from dashboard import auth
actor = auth.guard({permission!r})
st.session_state["chosen_kecamatan"] = "paringin"
st.markdown(f"SECRET-DATA {{actor.username}} {{actor.role}}")
auth.logout_button()
"""


class Clock:
    """The throttle's clock, moved by hand."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    fake = Clock(T0)
    monkeypatch.setattr(throttle, "_now", fake)
    return fake


@pytest.fixture
def accounts(home: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("DASHBOARD_TESTING", "1")
    admin = roles.Actor.cli()
    users.add("ani", name="Ani", role="staff", password=PASSWORD, actor=admin)
    users.add("kepala", name="Kepala", role="head", password=PASSWORD, actor=admin)
    users.add("boss", name="Boss", role="admin", password=PASSWORD, actor=admin)
    return home


def _page(tmp_path: Path, permission: str = "view") -> AppTest:
    script = tmp_path / f"page_{permission}.py"
    script.write_text(PAGE.format(permission=permission))
    return AppTest.from_file(str(script), default_timeout=30)


def _markdown(at: AppTest) -> str:
    return "\n".join(m.value for m in at.markdown)


def _errors(at: AppTest) -> str:
    return "\n".join(e.value for e in at.error)


def _sign_in(at: AppTest, username: str, password: str) -> AppTest:
    at.text_input[0].input(username)
    at.text_input[1].input(password)
    return at.button(key=SUBMIT).click().run()


# --- throttling, without Streamlit ---------------------------------------------------


def _fail(username: str, at: datetime, n: int = 1, client: str = "10.0.0.7") -> None:
    for _ in range(n):
        auth.record_failure(username, client, now=at)


def test_five_failures_within_15_minutes_lock_for_15_minutes(home: Path) -> None:
    for minute in (0, 3, 6, 9):
        _fail("ani", T0 + timedelta(minutes=minute))
    assert auth.locked_until("ani", now=T0 + timedelta(minutes=10)) is None
    fifth = T0 + timedelta(minutes=14)
    _fail("ANI ", fifth)  # same account, as the form normalises it
    assert auth.locked_until("ani", now=fifth) == fifth + timedelta(minutes=15)
    assert auth.locked_until("ani", now=fifth + timedelta(minutes=14, seconds=59)) is not None
    assert auth.locked_until("ani", now=fifth + timedelta(minutes=15)) is None
    assert auth.locked_until("budi", now=fifth) is None  # per user name


def test_failures_spread_over_more_than_15_minutes_do_not_lock(home: Path) -> None:
    for minute in (0, 4, 8, 12, 16):  # first and fifth are 16 minutes apart
        _fail("ani", T0 + timedelta(minutes=minute))
    assert auth.locked_until("ani", now=T0 + timedelta(minutes=16)) is None


def test_refusals_during_a_lock_out_do_not_extend_it(home: Path) -> None:
    _fail("ani", T0, n=5)
    for minute in range(1, 15):
        auth.record_failure("ani", "10.0.0.7", event="locked", now=T0 + timedelta(minutes=minute))
    assert auth.locked_until("ani", now=T0 + timedelta(minutes=15)) is None


def test_one_client_trying_many_names_is_locked(home: Path) -> None:
    for i in range(auth.MAX_CLIENT_FAILURES):
        _fail(f"guess{i}", T0 + timedelta(seconds=i), client="10.9.9.9")
    now = T0 + timedelta(minutes=1)
    assert auth.client_locked_until("10.9.9.9", now=now) is not None
    assert auth.client_locked_until("10.0.0.1", now=now) is None
    assert auth.client_locked_until("unknown", now=now) is None
    # Behind a reverse proxy everyone is 127.0.0.1: that address is never locked.
    for i in range(auth.MAX_CLIENT_FAILURES):
        _fail(f"guess{i}", T0 + timedelta(seconds=i), client="127.0.0.1 (forwarded for 1.2.3.4)")
    assert auth.client_locked_until("127.0.0.1", now=now) is None


def test_cookie_key_is_random_per_installation_and_private(home: Path, tmp_path: Path) -> None:
    key = auth.cookie_key()
    path = home / "secrets" / "cookie_key"
    assert len(key) == 64 and int(key, 16) >= 0
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert auth.cookie_key() == key  # stable once created
    os.environ["DASHBOARD_HOME"] = str(tmp_path / "other")
    assert auth.cookie_key() != key


def _token(username: str, issued: float) -> dict:
    """A token as a sign-in at `issued` writes it, its id active since then."""
    token = auth.new_token(username, issued_at=issued)
    auth.record_activity(token["token_id"], username, issued)
    return token


def test_a_token_issued_before_sign_out_is_refused(accounts: Path) -> None:
    copied = _token("ani", time.time())
    assert auth.token_acceptable(copied)
    time.sleep(0.01)  # the sign-out must be later than the sign-in on the wall clock
    users.revoke_sessions("ani")
    assert not auth.token_acceptable(copied)  # a copied cookie stops working
    assert auth.token_acceptable(_token("ani", time.time()))
    users.set_disabled("ani", True, actor=roles.Actor.cli())
    assert not auth.token_acceptable(_token("ani", time.time() + 1), now=time.time() + 2)
    assert not auth.token_acceptable(_token("nobody", time.time()))
    now = time.time()
    expired = {**_token("kepala", now), "exp_date": now - 1}
    assert not auth.token_acceptable(expired)


# --- the guard under AppTest -----------------------------------------------------------


def test_signed_out_page_shows_only_the_form(accounts: Path, tmp_path: Path) -> None:
    at = _page(tmp_path).run()
    assert not at.exception
    assert "SECRET-DATA" not in _markdown(at)
    assert [t.label for t in at.text_input] == [
        "Nama pengguna / Username",
        "Kata sandi / Password",
    ]
    assert at.text_input[1].proto.type == at.text_input[1].proto.PASSWORD


def test_sign_in_and_wrong_password(accounts: Path, tmp_path: Path, clock: Clock) -> None:
    at = _sign_in(_page(tmp_path).run(), "ani", "wrong-password")
    assert "SECRET-DATA" not in _markdown(at)
    assert "kata sandi salah" in _errors(at)
    at = _sign_in(at, "Ani", PASSWORD)
    assert not at.exception
    assert "SECRET-DATA ani staff" in _markdown(at)
    assert not at.text_input  # the form is gone once signed in
    at.run()
    assert "SECRET-DATA ani staff" in _markdown(at)


def test_lock_out_refuses_the_right_password_then_expires(
    accounts: Path, tmp_path: Path, clock: Clock
) -> None:
    at = _page(tmp_path).run()
    for _ in range(5):
        at = _sign_in(at, "ani", "wrong-password")
        clock.advance(minutes=1)
    assert auth.locked_until("ani") == T0 + timedelta(minutes=19)

    at = _sign_in(at, "ani", PASSWORD)  # right password, but locked
    assert "SECRET-DATA" not in _markdown(at)
    assert "Terlalu banyak percobaan" in _errors(at)
    assert at.session_state["authentication_status"] is not True

    other = _sign_in(_page(tmp_path).run(), "kepala", PASSWORD)  # other names unaffected
    assert "SECRET-DATA kepala head" in _markdown(other)

    clock.advance(minutes=13)  # 09:18; the fifth failure was at 09:04, locked until 09:19
    at = _sign_in(at, "ani", PASSWORD)
    assert "SECRET-DATA" not in _markdown(at)
    clock.advance(minutes=1)
    at = _sign_in(at, "ani", PASSWORD)
    assert "SECRET-DATA ani staff" in _markdown(at)

    log = auth.login_failures()
    events = [(row["username"], row["event"]) for row in reversed(log)]
    assert events == [("ani", "failure")] * 5 + [("ani", "locked")] * 2
    assert all(row["client"] and row["at"] for row in log)
    assert log[0]["at"] == "2026-03-02T09:18:00+00:00"


def test_unknown_user_names_are_logged_but_not_what_was_typed(
    accounts: Path, tmp_path: Path
) -> None:
    # Someone typing their password into the name box: it must not be kept anywhere.
    at = _sign_in(_page(tmp_path).run(), "Tr0ub4dor-mallory", PASSWORD)
    _sign_in(at, "ani", "wrong-password")
    assert [r["username"] for r in auth.login_failures()] == ["ani", "(unknown)"]
    for path in accounts.rglob("*"):
        if path.is_file():
            assert b"tr0ub4dor" not in path.read_bytes().lower(), path


def test_forbidden_page_says_so_and_shows_no_data(accounts: Path, tmp_path: Path) -> None:
    at = _sign_in(_page(tmp_path, "users").run(), "ani", PASSWORD)
    assert not at.exception
    assert "SECRET-DATA" not in _markdown(at)
    assert "bukan untuk peran Anda (staff)" in _errors(at)
    assert "not for your role" in _errors(at)
    assert not at.sidebar.button  # the run stopped before anything else was drawn
    admin = _sign_in(_page(tmp_path, "users").run(), "boss", PASSWORD)
    assert "SECRET-DATA boss admin" in _markdown(admin)


def test_role_comes_from_the_store_not_the_session(accounts: Path, tmp_path: Path) -> None:
    at = _page(tmp_path, "users")
    at.session_state["authentication_status"] = True
    at.session_state["username"] = "ani"
    at.session_state["roles"] = ["admin"]  # what a tampered session might claim
    at.run()
    assert "SECRET-DATA" not in _markdown(at)
    assert "(staff)" in _errors(at)


def test_role_change_disable_and_remove_apply_on_the_next_run(
    accounts: Path, tmp_path: Path
) -> None:
    at = _sign_in(_page(tmp_path).run(), "ani", PASSWORD)
    assert "SECRET-DATA ani staff" in _markdown(at)
    record = users._read()
    record["ani"]["role"] = "analyst"
    users._write(record)
    assert "SECRET-DATA ani analyst" in _markdown(at.run())

    users.set_disabled("ani", True, actor=roles.Actor.cli())
    at.run()
    assert "SECRET-DATA" not in _markdown(at)
    assert "Sesi Anda berakhir" in _errors(at)
    assert at.session_state["authentication_status"] is None
    at = _sign_in(at, "ani", PASSWORD)  # a disabled account cannot sign in again
    assert "SECRET-DATA" not in _markdown(at)

    other = _sign_in(_page(tmp_path).run(), "kepala", PASSWORD)
    users.remove("kepala", actor=roles.Actor.cli())
    assert "SECRET-DATA" not in _markdown(other.run())


def test_password_reset_ends_existing_sessions(accounts: Path, tmp_path: Path) -> None:
    at = _sign_in(_page(tmp_path).run(), "ani", PASSWORD)
    assert "SECRET-DATA" in _markdown(at)
    time.sleep(0.01)  # the reset must be later than the sign-in on the wall clock
    users.set_password("ani", "another-pass-1", actor=roles.Actor.cli())
    assert "SECRET-DATA" not in _markdown(at.run())
    at = _sign_in(at, "ani", "another-pass-1")
    assert "SECRET-DATA ani staff" in _markdown(at)


def test_sign_out_ends_the_session(accounts: Path, tmp_path: Path) -> None:
    at = _sign_in(_page(tmp_path).run(), "ani", PASSWORD)
    assert at.session_state["chosen_kecamatan"] == "paringin"
    before = time.time()
    at.sidebar.button(key=auth.LOGOUT_BUTTON_KEY).click().run()
    assert not at.exception
    assert "SECRET-DATA" not in _markdown(at)
    assert "Anda telah keluar" in "\n".join(i.value for i in at.info)
    assert at.session_state["authentication_status"] is None
    assert at.session_state["logout"] is True  # no cookie sign-in for this session
    assert "chosen_kecamatan" not in at.session_state  # session state cleared
    assert users.get("ani").tokens_valid_after >= before  # its cookies are revoked
    at.run()
    assert "SECRET-DATA" not in _markdown(at)
