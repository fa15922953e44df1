"""Sign-in under attack (issue 9): attempts counted before the password check, one bcrypt
check on every path, a bounded failure log, unlocking, and sessions that end.

Proofs count what happens (bcrypt calls, bytes read), never how long it takes.
"""

from __future__ import annotations

import io
import json
import threading
import time
from pathlib import Path

import bcrypt
import pytest
from streamlit.testing.v1 import AppTest

from dashboard import auth, cli, roles, throttle, users

PASSWORD = "rahasia-123"
SUBMIT = f"FormSubmitter:{auth.LOGIN_FORM_KEY}-{auth.LOGIN_BUTTON_LABEL}"
PAGE = """
import streamlit as st
from dashboard import auth
actor = auth.guard("view")
st.markdown(f"SECRET-DATA {actor.username}")
"""


@pytest.fixture
def accounts(home: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("DASHBOARD_TESTING", "1")
    admin = roles.Actor.cli()
    users.add("ani", name="Ani", role="staff", password=PASSWORD, actor=admin)
    users.add("boss", name="Boss", role="admin", password=PASSWORD, actor=admin)
    return home


class BcryptChecks:
    """Counts `bcrypt.checkpw` calls that really computed a hash (did not raise)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.done: list[bytes] = []
        self._lock = threading.Lock()
        real = bcrypt.checkpw

        def counting(password: bytes, hashed: bytes) -> bool:
            result = real(password, hashed)  # raises for > 72 bytes: not counted
            with self._lock:
                self.done.append(hashed)
            return result

        monkeypatch.setattr(bcrypt, "checkpw", counting)

    def take(self) -> list[bytes]:
        done, self.done = self.done, []
        return done


@pytest.fixture
def checks(monkeypatch: pytest.MonkeyPatch) -> BcryptChecks:
    return BcryptChecks(monkeypatch)


def _login(username: str, password: str) -> bool | None:
    """What the sign-in form does on submit, through our hook, outside a server."""
    controller = auth._new_authenticator().authentication_controller
    return controller.login(username, password)


def _page(tmp_path: Path) -> AppTest:
    script = tmp_path / "page.py"
    script.write_text(PAGE)
    return AppTest.from_file(str(script), default_timeout=30)


def _sign_in(at: AppTest, username: str, password: str) -> AppTest:
    at.text_input[0].input(username)
    at.text_input[1].input(password)
    return at.button(key=SUBMIT).click().run()


def _markdown(at: AppTest) -> str:
    return "\n".join(m.value for m in at.markdown)


# --- 1. attempts are counted before the password is checked ---------------------------------


def test_simultaneous_attempts_reach_bcrypt_at_most_five_times(
    accounts: Path, checks: BcryptChecks
) -> None:
    attempts = 12
    start = threading.Barrier(attempts)
    results: list[bool | None] = []

    def attempt() -> None:
        start.wait()
        results.append(_login("ani", "wrong-password"))

    threads = [threading.Thread(target=attempt) for _ in range(attempts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == attempts and not any(results)
    assert len(checks.take()) <= throttle.MAX_FAILURES
    assert throttle.locked_until("ani") is not None
    events = [row["event"] for row in throttle.login_failures()]
    assert events.count("failure") <= throttle.MAX_FAILURES
    assert events.count("failure") + events.count("locked") == attempts


def test_right_password_does_not_count_towards_the_lock(accounts: Path) -> None:
    for _ in range(throttle.MAX_FAILURES + 2):
        assert _login("ani", PASSWORD)
    assert throttle.locked_until("ani") is None


# --- 2. one bcrypt check on every path -------------------------------------------------------


@pytest.mark.parametrize(
    ("username", "password"),
    [
        ("mallory", "guess-123"),  # unknown name
        ("ani", "wrong-password"),  # wrong password
        ("ani", ""),  # empty password
        ("ani", "x" * 100),  # 100 bytes: bcrypt 5 raises for more than 72
        ("mallory", "x" * 100),
        ("ANI ", "wrong-password"),  # case and space variant of a real name
        ("ANI ", ""),
        (" Ani", "x" * 100),
        ("a ni", "wrong-password"),  # not a name at all
        ("ani", PASSWORD),  # and the right one
    ],
)
def test_every_path_costs_exactly_one_bcrypt_check(
    accounts: Path, checks: BcryptChecks, username: str, password: str
) -> None:
    ok = _login(username, password)
    assert len(checks.take()) == 1
    assert bool(ok) == (users.normalize_username(username) == "ani" and password == PASSWORD)


def test_a_disabled_account_costs_one_check_and_fails(accounts: Path, checks: BcryptChecks):
    users.set_disabled("ani", True, actor=roles.Actor.cli())
    assert not _login("ani", PASSWORD)
    assert checks.take() == [auth.DUMMY_HASH]


def test_the_dummy_hash_costs_what_a_real_one_does(accounts: Path) -> None:
    # Same algorithm and cost as the hashes users get: the same time per check.
    real = users.get("ani").password_hash
    assert auth.DUMMY_HASH[:7].decode() == real[:7] == "$2b$12$"


# --- 3. the failure log: bounded, not read by a sign-in, no typed names ----------------------


def _bytes_read_during(monkeypatch: pytest.MonkeyPatch, action) -> dict[str, int]:
    """Run `action`; return {path: size} of every file opened for reading meanwhile."""
    opened: dict[str, int] = {}
    real_open = io.open

    def spying_open(file, mode="r", *args, **kwargs):
        handle = real_open(file, mode, *args, **kwargs)
        if isinstance(file, str | Path) and "r" in mode and "+" not in mode:
            opened[str(file)] = opened.get(str(file), 0) + Path(file).stat().st_size
        return handle

    monkeypatch.setattr(io, "open", spying_open)
    import builtins

    monkeypatch.setattr(builtins, "open", spying_open)
    action()
    monkeypatch.undo()
    return opened


def test_a_sign_in_reads_the_same_with_200000_past_failures(
    accounts: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = throttle.failure_log_path()
    line = json.dumps(
        {
            "at": "2020-01-01T00:00:00+00:00",
            "username": "ani",
            "client": "10.0.0.9",
            "event": "failure",
        }
    )
    log.write_text((line + "\n") * 200_000)
    assert log.stat().st_size > 15_000_000
    read = _bytes_read_during(monkeypatch, lambda: _login("ani", "wrong-password"))
    assert str(log) not in read
    assert sum(read.values()) < 50_000, read  # users.json, the state file and a key
    assert throttle.locked_until("ani") is None  # old failures lock nothing


def test_the_failure_log_is_rotated(accounts: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(throttle, "LOG_MAX_BYTES", 2_000)
    for i in range(200):
        throttle.record_failure("ani", f"10.0.{i // 250}.{i % 250}", event="locked")
    logs = sorted(p.name for p in throttle.failure_log_path().parent.glob("login_failures*"))
    assert logs == ["login_failures.jsonl", "login_failures.jsonl.1"]
    for name in logs:
        assert (throttle.failure_log_path().parent / name).stat().st_size < 2_200
    assert len(throttle.login_failures(5)) == 5


def test_the_throttle_state_stays_small(accounts: Path) -> None:
    for _ in range(50):
        throttle.record_failure("ani", "10.0.0.7")
    state = json.loads(throttle.state_path().read_text())
    assert [len(times) for times in state["names"].values()] == [throttle.MAX_FAILURES]
    assert "ani" not in throttle.state_path().read_text()  # names are keyed hashes


def test_unknown_and_known_names_lock_alike(accounts: Path) -> None:
    # A lock that only known names got would tell a stranger which names exist.
    for name in ("ani", "nobody-here"):
        for _ in range(throttle.MAX_FAILURES):
            _login(name, "wrong-password")
        assert throttle.locked_until(name) is not None
    assert [r["username"] for r in throttle.login_failures()].count("(unknown)") == 5


# --- 3. unlocking ---------------------------------------------------------------------------


def _lock(name: str) -> None:
    for _ in range(throttle.MAX_FAILURES):
        throttle.record_failure(name, "10.0.0.7")
    assert throttle.locked_until(name) is not None


def test_cli_unlock_ends_a_lock(accounts: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _lock("ani")
    assert cli.main(["users", "unlock", "ANI"]) == 0
    assert "unlocked" in capsys.readouterr().out
    assert throttle.locked_until("ani") is None
    assert _login("ani", PASSWORD)
    assert throttle.login_failures()[0]["event"] == "unlocked"
    assert cli.main(["users", "unlock", "nobody"]) == 1
    assert "does not exist" in capsys.readouterr().err


def test_only_admins_unlock(accounts: Path) -> None:
    _lock("ani")
    with pytest.raises(roles.PermissionDenied):
        users.unlock("ani", actor=roles.Actor("ani", "staff"))
    assert throttle.locked_until("ani") is not None


def test_admin_page_unlocks(accounts: Path) -> None:
    from tests.fixtures import build_fixture_store

    build_fixture_store(accounts)
    _lock("ani")
    at = AppTest.from_file(str(Path(__file__).parent.parent / "pages" / "admin.py"))
    at.default_timeout = 60
    at.session_state["authentication_status"] = True
    at.session_state["username"] = "boss"
    at.run()
    assert not at.exception
    assert at.selectbox(key="admin_unlock_user").value == "ani"
    at.button(key="admin_unlock_submit").click().run()
    assert not at.exception and "ani" in at.success[0].value
    assert throttle.locked_until("ani") is None


# --- 4. tokens and sessions ------------------------------------------------------------------


def _token(username: str, issued: float) -> dict:
    token = auth.new_token(username, issued_at=issued)
    auth.record_activity(token["token_id"], username, issued)
    return token


def test_a_recreated_name_does_not_revive_old_cookies(accounts: Path) -> None:
    users.add("siti", name="Siti", role="staff", password=PASSWORD, actor=roles.Actor.cli())
    old = _token("siti", time.time())
    assert auth.token_acceptable(old)
    time.sleep(0.01)
    users.remove("siti", actor=roles.Actor.cli())
    users.add("siti", name="Siti 2", role="staff", password=PASSWORD, actor=roles.Actor.cli())
    assert users.get("siti").tokens_valid_after > old["issued_at"]
    assert not auth.token_acceptable(old)


def test_a_shorter_cookie_lifetime_does_not_revive_revoked_tokens(
    accounts: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    issued = time.time()
    token = _token("ani", issued)
    time.sleep(0.01)
    users.revoke_sessions("ani")
    monkeypatch.setenv("DASHBOARD_COOKIE_DAYS", "0.5")  # exp_date - 0.5 day is after the revoke
    assert not auth.token_acceptable(token, now=issued + 60)


def test_a_token_without_its_issue_time_or_id_is_refused(accounts: Path) -> None:
    now = time.time()
    token = _token("ani", now)
    assert auth.token_acceptable(token)
    for missing in ("issued_at", "token_id"):
        assert not auth.token_acceptable({k: v for k, v in token.items() if k != missing})
    assert not auth.token_acceptable({"username": "ani", "exp_date": now + 3600})


def test_cookie_idle_timeout_and_absolute_lifetime(
    accounts: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    t0 = time.time()
    monkeypatch.setattr(auth, "_clock", lambda: t0)
    token = _token("ani", t0)
    hour = 3600.0
    assert auth.token_acceptable(token, now=t0 + 8 * hour - 1)
    assert not auth.token_acceptable(token, now=t0 + 8 * hour + 1)  # idle 8 h: refused
    # Active every few hours: still refused after 24 hours from the sign-in.
    for h in (6, 12, 18, 23):
        auth.record_activity(token["token_id"], "ani", t0 + h * hour)
    assert auth.token_acceptable(token, now=t0 + 23.5 * hour)
    assert not auth.token_acceptable(token, now=t0 + 24 * hour + 1)
    monkeypatch.setenv("DASHBOARD_IDLE_HOURS", "0.25")
    assert not auth.token_acceptable(token, now=t0 + 23.5 * hour)


def test_session_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    assert auth.session_settings() == auth.SessionSettings(1.0, 8.0, 24.0)
    monkeypatch.setenv("DASHBOARD_IDLE_HOURS", "2")
    monkeypatch.setenv("DASHBOARD_SESSION_HOURS", "12")
    assert auth.session_settings().idle_seconds == 7200
    assert auth.session_settings().session_seconds == 12 * 3600
    monkeypatch.setenv("DASHBOARD_IDLE_HOURS", "soon")
    with pytest.raises(ValueError, match="DASHBOARD_IDLE_HOURS must be a positive number"):
        auth.session_settings()


class Clock:
    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


def test_an_open_session_ends_after_the_idle_timeout(
    accounts: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = Clock()
    monkeypatch.setattr(auth, "_clock", clock)
    at = _sign_in(_page(tmp_path).run(), "ani", PASSWORD)
    assert "SECRET-DATA ani" in _markdown(at)
    session_id = at.session_state[auth._SESSION_ID]
    assert auth.last_activity(session_id) == clock.now  # a cookie of it would be judged by this

    clock.now += 7 * 3600  # active again after 7 hours: still signed in
    assert "SECRET-DATA ani" in _markdown(at.run())
    assert auth.last_activity(session_id) == clock.now
    clock.now += 8 * 3600 + 1
    at.run()
    assert "SECRET-DATA" not in _markdown(at)
    assert "terlalu lama tidak aktif" in "\n".join(e.value for e in at.error)


def test_an_open_session_ends_after_its_lifetime(
    accounts: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = Clock()
    monkeypatch.setattr(auth, "_clock", clock)
    at = _sign_in(_page(tmp_path).run(), "ani", PASSWORD)
    for _ in range(5):  # busy all day: a run every 4 hours
        clock.now += 4 * 3600
        assert "SECRET-DATA ani" in _markdown(at.run())
    clock.now += 4 * 3600 + 1
    assert "SECRET-DATA" not in _markdown(at.run())  # 24 hours after the sign-in
    assert "terlalu lama" in "\n".join(e.value for e in at.error)


def test_activity_is_written_at_most_once_a_minute(
    accounts: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = Clock()
    monkeypatch.setattr(auth, "_clock", clock)
    at = _sign_in(_page(tmp_path).run(), "ani", PASSWORD)
    writes: list[float] = []
    real = auth.record_activity
    monkeypatch.setattr(auth, "record_activity", lambda *a: writes.append(a[-1]) or real(*a))
    for _ in range(10):
        clock.now += 10
        at.run()
    assert len(writes) == 1  # 100 seconds of runs: one write
