"""Browser test harness: a real `streamlit run app.py` and Debian's Chromium.

Fixtures:
- `make_server(data="fixture"|"demo"|"empty")`: starts a FRESH server on a free port
  with its own temporary DASHBOARD_HOME (the fixture store of tests/fixtures.py, the
  demo data, or nothing) and one test user per role, waits for `/_stcore/health`, and
  returns a `Server` (url, home, users). Stopped at the end of the test.
- `server` (fixture data) and `demo_server` (demo data): one shared server per session.
- `browser_type_launch_args`: pytest-playwright launches /usr/bin/chromium with the
  flags of shared/PLATFORM.md (Playwright cannot download its own browser here).
- `login(page, username, password)`: fills the sign-in form and waits for the app.
- `wait_for_app(page)`: waits until Streamlit has finished the current run.

Every test under tests/browser/ is marked `browser` (deselect with `-m "not browser"`).
Set DASHBOARD_SKIP_BROWSER=1 to skip them on a machine without Chromium; without it, a
missing Chromium is an error, not a silent skip.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("DASHBOARD_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = PROJECT_ROOT / "test-artifacts"
SCREENSHOTS = ARTIFACTS / "screenshots"

#: One user per role; passwords are random-looking test values, never real ones.
TEST_USERS: dict[str, tuple[str, str]] = {
    "head": ("uji_kepala", "uji-Kepala-7319"),
    "staff": ("uji_petugas", "uji-Petugas-7319"),
    "analyst": ("uji_analis", "uji-Analis-7319"),
    "admin": ("uji_admin", "uji-Admin-7319"),
}

# Run in a subprocess so the test process never holds the server's DuckDB file.
_SETUP = textwrap.dedent(
    """
    import json, sys
    from dashboard import roles, users
    kind, accounts = sys.argv[1], json.loads(sys.argv[2])
    if kind == "fixture":
        from tests.fixtures import build_fixture_store
        build_fixture_store()
    elif kind == "demo":
        from dashboard import demo
        demo.load_demo()
    admin = roles.Actor.cli("browser-tests")
    for role, (name, password) in accounts.items():
        users.add(name, name=name.replace("_", " ").title(), role=role,
                  password=password, actor=admin)
    """
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.browser)
            if os.environ.get("DASHBOARD_SKIP_BROWSER") == "1":
                item.add_marker(pytest.mark.skip(reason="DASHBOARD_SKIP_BROWSER=1"))


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"{CHROMIUM} is missing: run `make chromium` (apt-get install chromium) "
            "or set DASHBOARD_SKIP_BROWSER=1"
        )
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "headless": True,
        "args": CHROMIUM_FLAGS,
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict) -> dict:
    # Wide enough for the five overview tiles in one row, as on an office monitor.
    return {**browser_context_args, "viewport": {"width": 1440, "height": 1000}}


@dataclass
class Server:
    url: str
    home: Path
    users: dict[str, tuple[str, str]]
    process: subprocess.Popen = field(repr=False)
    log: Path = field(repr=False)

    def user(self, role: str) -> tuple[str, str]:
        return self.users[role]

    def stop(self) -> None:
        if self.process.poll() is None:
            # The server was started in its own process group: stop exactly that group.
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _env(home: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "DASHBOARD_HOME": str(home),
            "DASHBOARD_TESTING": "1",
            "DASHBOARD_TZ": "Asia/Makassar",
            "PYTHONPATH": str(PROJECT_ROOT),
        }
    )
    return env


def _wait_healthy(url: str, process: subprocess.Popen, log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"streamlit exited early:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.read().strip() == b"ok":
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"streamlit not healthy after {timeout}s:\n{log.read_text()[-3000:]}")


def start_server(home: Path, data: str = "fixture") -> Server:
    """Prepare `home` (data + test users) and start `streamlit run app.py` on it."""
    import json

    if data not in ("fixture", "demo", "empty"):
        raise ValueError(f"unknown data kind {data!r}")
    home.mkdir(parents=True, exist_ok=True)
    env = _env(home)
    subprocess.run(
        [sys.executable, "-c", _SETUP, data, json.dumps(TEST_USERS)],
        cwd=PROJECT_ROOT,
        env=env,
        check=True,
        capture_output=True,
        timeout=180,
    )
    port = _free_port()
    log = home / "streamlit.log"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            "app.py",
            "--server.port",
            str(port),
            "--server.address",
            "127.0.0.1",
            "--server.headless",
            "true",
            "--server.fileWatcherType",
            "none",
            "--browser.gatherUsageStats",
            "false",
        ],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    server = Server(url=url, home=home, users=dict(TEST_USERS), process=process, log=log)
    try:
        _wait_healthy(url, process, log)
    except Exception:
        server.stop()
        raise
    return server


@pytest.fixture
def make_server(tmp_path: Path) -> Iterator[Callable[..., Server]]:
    """A factory for fresh servers (e.g. to test direct URLs before anyone loaded `/`)."""
    started: list[Server] = []

    def make(data: str = "fixture") -> Server:
        server = start_server(tmp_path / f"home{len(started)}", data)
        started.append(server)
        return server

    yield make
    for server in started:
        server.stop()


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """One server on the fixture store for the whole session."""
    srv = start_server(tmp_path_factory.mktemp("fixture-home"), "fixture")
    yield srv
    srv.stop()


@pytest.fixture(scope="session")
def demo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """One server on the demo data (realistic screenshots) for the whole session."""
    srv = start_server(tmp_path_factory.mktemp("demo-home"), "demo")
    yield srv
    srv.stop()


# ---------------------------------------------------------------- page helpers


def wait_for_app(page, timeout: float = 30_000) -> None:
    """Wait until Streamlit has drawn the page and is no longer running the script."""
    page.wait_for_selector("[data-testid='stApp']", timeout=timeout)
    page.wait_for_function(
        """() => {
            const app = document.querySelector("[data-testid='stApp']");
            if (!app) return false;
            // Streamlit marks the app "running" while the script executes.
            if (app.getAttribute("data-test-script-state") === "running") return false;
            return !document.querySelector("[data-testid='stStatusWidget'] button");
        }""",
        timeout=timeout,
    )
    page.wait_for_timeout(300)  # let the last deltas paint (charts draw asynchronously)


def login(page, username: str, password: str, url: str | None = None) -> None:
    """Sign in through the form (opening `url` first when given) and wait for the app."""
    if url is not None:
        page.goto(url)
    page.locator("input[type='password']").wait_for(timeout=30_000)
    page.locator("input[type='text']").first.fill(username)
    page.locator("input[type='password']").fill(password)
    page.get_by_role("button", name="Masuk / Sign in").click()
    page.locator("[data-testid='stSidebar']").get_by_text(username).wait_for(timeout=30_000)
    wait_for_app(page)
