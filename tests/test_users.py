"""Accounts: the users file, its rules, and `python -m dashboard users ...`."""

from __future__ import annotations

import io
import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import bcrypt
import pytest

from dashboard import roles, users

ADMIN = roles.Actor("boss", "admin")
ROOT = Path(__file__).resolve().parent.parent


def _add(name: str = "ani", role: str = "staff", password: str = "rahasia-123") -> users.User:
    return users.add(name, name=name.title(), role=role, password=password, actor=ADMIN)


def test_add_stores_a_bcrypt_hash_not_the_password(home: Path) -> None:
    _add("Ani", password="rahasia-123")
    raw = (home / "users.json").read_text()
    assert "rahasia-123" not in raw
    record = json.loads(raw)["users"]["ani"]  # user names are stored lower-case
    assert bcrypt.checkpw(b"rahasia-123", record["password_hash"].encode())
    assert not bcrypt.checkpw(b"rahasia-124", record["password_hash"].encode())
    assert record["role"] == "staff" and record["disabled"] is False
    assert record["created_at"].endswith("Z")
    assert stat.S_IMODE(os.stat(home / "users.json").st_mode) == 0o600
    assert users.get("ANI ").name == "Ani"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"password": "x" * 73}, "longer than 72 bytes"),
        ({"password": "é" * 37}, "longer than 72 bytes"),  # 74 bytes, 37 characters
        ({"password": "short"}, "at least 8"),
        ({"password": " leading-space"}, "space"),
        ({"role": "root"}, "role"),
        ({"username": "a b"}, "not valid"),
        ({"name": "  "}, "name is empty"),
        ({"email": "not-an-email"}, "e-mail"),
    ],
)
def test_add_refuses_bad_input(home: Path, kwargs: dict, message: str) -> None:
    args = {"username": "budi", "name": "Budi", "role": "staff", "password": "rahasia-123"}
    args.update(kwargs)
    username = args.pop("username")
    with pytest.raises(users.UserError, match=message):
        users.add(username, actor=ADMIN, **args)
    assert users.get("budi") is None


def test_72_byte_password_is_accepted(home: Path) -> None:
    _add("budi", password="y" * 72)
    assert bcrypt.checkpw(b"y" * 72, users.get("budi").password_hash.encode())


def test_duplicate_user_is_refused(home: Path) -> None:
    _add("ani")
    with pytest.raises(users.UserError, match="exists already"):
        _add("ANI")


def test_only_admins_manage_users(home: Path) -> None:
    _add("ani")
    staff = roles.Actor("ani", "staff")
    with pytest.raises(roles.PermissionDenied):
        users.add("budi", name="B", role="admin", password="rahasia-123", actor=staff)
    with pytest.raises(roles.PermissionDenied):
        users.set_password("ani", "another-pass", actor=staff)
    with pytest.raises(roles.PermissionDenied):
        users.set_disabled("ani", True, actor=staff)
    with pytest.raises(roles.PermissionDenied):
        users.remove("ani", actor=staff)
    assert users.get("budi") is None and not users.get("ani").disabled


def test_disable_reset_remove(home: Path) -> None:
    _add("ani")
    _add("boss", role="admin")
    before = users.get("ani")
    assert before.tokens_valid_after > 0  # from its creation: no earlier cookie is valid
    users.set_disabled("ani", True, actor=ADMIN)
    assert users.get("ani").disabled
    assert users.get("ani").tokens_valid_after >= before.tokens_valid_after  # sessions end
    users.set_disabled("ani", False, actor=ADMIN)
    assert not users.get("ani").disabled
    users.set_password("ani", "brand-new-pw", actor=ADMIN)
    assert bcrypt.checkpw(b"brand-new-pw", users.get("ani").password_hash.encode())
    users.remove("ani", actor=ADMIN)
    assert users.get("ani") is None
    assert [u.username for u in users.list_users()] == ["boss"]
    with pytest.raises(users.UserError, match="does not exist"):
        users.remove("ani", actor=ADMIN)


def test_the_last_enabled_admin_cannot_be_removed_or_disabled(home: Path) -> None:
    _add("boss", role="admin")
    with pytest.raises(users.UserError, match="no enabled admin"):
        users.remove("boss", actor=ADMIN)
    with pytest.raises(users.UserError, match="no enabled admin"):
        users.set_disabled("boss", True, actor=ADMIN)
    _add("boss2", role="admin")
    users.set_disabled("boss", True, actor=ADMIN)
    assert users.get("boss").disabled


def test_ensure_first_admin_only_on_an_empty_installation(home: Path) -> None:
    password = users.ensure_first_admin()
    assert password and len(password) >= 16
    admin = users.get("admin")
    assert admin.role == "admin"
    assert bcrypt.checkpw(password.encode(), admin.password_hash.encode())
    assert users.ensure_first_admin() is None


def test_create_demo_users_one_per_role_but_admin(home: Path) -> None:
    created = users.create_demo_users()
    # Whoever reads a demo installation's terminal must not become its administrator.
    assert {name: role for name, (role, _) in created.items()} == {
        "demo_head": "head",
        "demo_staff": "staff",
        "demo_analyst": "analyst",
    }
    assert all(u.role != "admin" for u in users.list_users())
    for name, (_, password) in created.items():
        assert bcrypt.checkpw(password.encode(), users.get(name).password_hash.encode())
    assert len({pw for _, pw in created.values()}) == 3
    assert users.create_demo_users() == {}  # existing accounts are kept, not reset


def test_remove_demo_users_also_removes_an_old_demo_admin(home: Path) -> None:
    _add("admin", role="admin")
    users.create_demo_users()
    _add("demo_admin", role="admin")  # what earlier versions created
    _add("ani")
    assert sorted(users.remove_demo_users(actor=ADMIN)) == [
        "demo_admin",
        "demo_analyst",
        "demo_head",
        "demo_staff",
    ]
    assert [u.username for u in users.list_users()] == ["admin", "ani"]
    with pytest.raises(roles.PermissionDenied):
        users.remove_demo_users(actor=roles.Actor("ani", "staff"))


def test_remove_demo_users_refuses_to_remove_the_only_admin(home: Path) -> None:
    users.create_demo_users()
    _add("demo_admin", role="admin")
    with pytest.raises(users.UserError, match="no enabled admin"):
        users.remove_demo_users(actor=ADMIN)
    assert len(users.list_users()) == 4  # nothing removed


def test_a_new_account_starts_its_tokens_at_its_creation(home: Path) -> None:
    import time

    before = time.time()
    _add("ani")
    assert users.get("ani").tokens_valid_after >= before


# --- the command line ------------------------------------------------------------------


def _cli(home: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess:
    env = {**os.environ, "DASHBOARD_HOME": str(home)}
    return subprocess.run(
        [sys.executable, "-m", "dashboard", "users", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=120,
    )


def test_cli_add_reads_the_password_from_stdin(home: Path) -> None:
    done = _cli(
        home, "add", "Siti", "--role", "analyst", "--name", "Siti A", stdin="pw-from-stdin\n"
    )
    assert done.returncode == 0, done.stderr
    assert "siti" in done.stdout and "pw-from-stdin" not in done.stdout
    siti = users.get("siti")
    assert siti.role == "analyst" and siti.name == "Siti A"
    assert bcrypt.checkpw(b"pw-from-stdin", siti.password_hash.encode())


def test_cli_has_no_password_argument(home: Path) -> None:
    done = _cli(
        home,
        "add",
        "siti",
        "--role",
        "staff",
        "--name",
        "S",
        "--password",
        "on-the-command-line",
        stdin="x" * 10 + "\n",
    )
    assert done.returncode != 0
    assert users.get("siti") is None


def test_cli_refuses_an_empty_or_too_long_password(home: Path) -> None:
    done = _cli(home, "add", "siti", "--role", "staff", "--name", "S", stdin="\n")
    assert done.returncode == 1 and "empty" in done.stderr
    done = _cli(home, "add", "siti", "--role", "staff", "--name", "S", stdin="p" * 80 + "\n")
    assert done.returncode == 1 and "72 bytes" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert users.get("siti") is None


def test_cli_list_remove_passwd(home: Path) -> None:
    _add("ani", role="staff")
    _add("boss", role="admin")
    listed = _cli(home, "list")
    assert listed.returncode == 0
    lines = listed.stdout.strip().splitlines()
    assert lines[0] == "username,name,role,email,disabled,created_at"
    assert [line.split(",")[:3] for line in lines[1:]] == [
        ["ani", "Ani", "staff"],
        ["boss", "Boss", "admin"],
    ]
    assert "$2b$" not in listed.stdout  # never the hashes

    changed = _cli(home, "passwd", "ani", stdin="new-secret-1\r\n")
    assert changed.returncode == 0, changed.stderr
    assert bcrypt.checkpw(b"new-secret-1", users.get("ani").password_hash.encode())

    removed = _cli(home, "remove", "ani")
    assert removed.returncode == 0
    assert users.get("ani") is None
    again = _cli(home, "remove", "ani")
    assert again.returncode == 1 and "does not exist" in again.stderr


def test_read_password_takes_one_line_from_a_pipe(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("first line\nsecond line\n"))
    assert users._read_password() == "first line"


# --- the admin page ------------------------------------------------------------------

ADMIN_PAGE = str(ROOT / "pages" / "admin.py")


@pytest.fixture
def admin_page(home: Path, monkeypatch: pytest.MonkeyPatch):
    from streamlit.testing.v1 import AppTest

    from dashboard import auth
    from tests.fixtures import build_fixture_store

    monkeypatch.setenv("DASHBOARD_TESTING", "1")
    build_fixture_store(home)
    _add("boss", role="admin")
    auth.record_failure("mallory", "10.1.2.3")
    at = AppTest.from_file(ADMIN_PAGE, default_timeout=60)
    at.session_state["authentication_status"] = True
    at.session_state["username"] = "boss"
    at.run()
    assert not at.exception
    return at


def test_admin_page_adds_a_user_and_shows_the_password_once(admin_page) -> None:
    at = admin_page
    at.text_input(key="admin_add_username").input("Siti")
    at.text_input(key="admin_add_name").input("Siti Aminah")
    at.selectbox(key="admin_add_role").set_value("analyst")
    at.button(key="admin_add_submit").click().run()
    assert not at.exception and not at.error
    assert "siti" in at.success[0].value
    password = at.code[0].value
    siti = users.get("siti")
    assert siti.role == "analyst" and siti.name == "Siti Aminah"
    assert bcrypt.checkpw(password.encode(), siti.password_hash.encode())
    assert password not in (users.users_path()).read_text()
    table = at.dataframe[0].value
    assert table["Nama pengguna"].tolist() == ["boss", "siti"]
    at.run()
    assert not at.code  # shown once: gone on the next run

    at.text_input(key="admin_add_username").input("siti")
    at.text_input(key="admin_add_name").input("Again")
    at.button(key="admin_add_submit").click().run()
    assert "exists already" in at.error[0].value and not at.code


def test_admin_page_disables_enables_and_resets(admin_page) -> None:
    at = admin_page
    _add("ani")
    at.run()
    at.selectbox(key="admin_change_user").set_value("ani")
    at.radio(key="admin_change_action").set_value("disable")
    at.button(key="admin_change_submit").click().run()
    assert users.get("ani").disabled
    assert at.dataframe[0].value.set_index("Nama pengguna").loc["ani", "Status"] == "nonaktif"

    at.radio(key="admin_change_action").set_value("enable")
    at.button(key="admin_change_submit").click().run()
    assert not users.get("ani").disabled

    at.radio(key="admin_change_action").set_value("reset")
    at.button(key="admin_change_submit").click().run()
    new_password = at.code[0].value
    hashed = users.get("ani").password_hash.encode()
    assert bcrypt.checkpw(new_password.encode(), hashed)
    assert not bcrypt.checkpw(b"rahasia-123", hashed)


def test_admin_page_refuses_to_disable_the_last_admin(admin_page) -> None:
    at = admin_page
    at.selectbox(key="admin_change_user").set_value("boss")
    at.radio(key="admin_change_action").set_value("disable")
    at.button(key="admin_change_submit").click().run()
    assert "no enabled admin" in at.error[0].value
    assert not users.get("boss").disabled


def test_admin_page_shows_the_logs(admin_page) -> None:
    at = admin_page
    # Found by their columns, not their position (the admin page's tabs come and go).
    frames = [frame.value for frame in at.dataframe]
    capacity_log = next(f for f in frames if {"scope", "reason"} <= set(f.columns))
    failures = next(f for f in frames if "Klien" in f.columns)
    assert capacity_log["reason"].tolist() == ["second recording desk", "Saturday catch-up"]
    # "mallory" is no user: what was typed as a name is not shown (it may be a password).
    assert failures.iloc[0].tolist()[1:] == ["(unknown)", "10.1.2.3", "failure"]


def test_admin_page_shows_an_export_made_after_it_was_drawn(admin_page) -> None:
    # Downloads do not bump the data version, so the export log must not come from
    # the data-version cache: a download made a moment ago is listed on the next run.
    from dashboard import exports, store
    from dashboard.roles import Actor

    at = admin_page
    with store.connect() as con:
        exports.audit(con, Actor("ana", "analyst"), "rows_appointments", {}, "csv", 42)
    at.run()
    assert not at.exception
    logs = [frame.value for frame in at.dataframe]
    assert any(
        "rows_appointments" in frame.to_string() and "ana" in frame.to_string() for frame in logs
    )
