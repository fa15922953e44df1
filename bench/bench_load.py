"""How does the dashboard hold up with several people at once while data changes? (issue 9)

Starts a real `streamlit run app.py` on 127.0.0.1 (a free port) with its own temporary
DASHBOARD_HOME: the demo data (`python -m dashboard demo`) and one user per person,
created with `python -m dashboard users add` (password on stdin), roles mixed (staff,
head, analyst, admin, ...). Then N people (`--people`, default 8), each in their own
Chromium browser context, sign in through the form and open, round after round, every
page their role may open (`dashboard.ui.pages_for`), each by its direct URL (a new
Streamlit session signed in by the cookie, as a bookmark or a pasted link does).

While they do, the command line writes to the same store: `python -m dashboard ingest`
of small generated request + appointment logs whose ids are new every time, and
`python -m dashboard capacity set --date ...` with a new cap each time.

The baseline is a bare one-chart Streamlit page (one `st.altair_chart` of 30 points,
written to a temp dir) served by its own `streamlit run`. After each round of the app,
the same people load it as many times as they just loaded app pages, the same way
(direct URL until fully drawn) and with the writers paused (a call in flight
finishes): both sides see the same machine, minutes apart at most. The headline is the
ratio of page-drawn times, app / bare, at the median and at p95.

A load is "drawn" when `[data-testid="stApp"]` has script state `notRunning` and
connection state `CONNECTED`, no `stSkeleton`/`stStatusWidget` remains, every Vega-Lite
chart holds its canvas, and (app only) the sidebar menu is there with no sign-in form
(shared/PLATFORM.md). Timed from `page.goto` to that moment, polled every 50 ms.
Because wall-clock seconds on a shared 2-core machine are mostly queueing for a CPU, the
CPU time each server (and the browser) used per load in its own phase is reported too.

Also reported, all of which must be zero:
- exceptions: `stException` elements on any page, a page left signed out or never drawn,
  a non-zero exit of any CLI call, tracebacks in either server's log;
- lost rows or changes: after the run (servers stopped), the LOAD* requests and
  appointments in the store against what the CLI reported as inserted (and against the
  rows generated), and the capacity_audit rows of this run against the changes made.

Every loop is bounded in count and in time (`--rounds`, `--max-seconds`, caps on the
number of CLI calls); the servers, the CLI calls and the browser are stopped at the end
whatever happens. Only 127.0.0.1 is contacted. Writes `bench/out/load.json` and prints a
summary. Run: `python -m bench.bench_load [--people 8] [--rounds 3] [--max-seconds 240]`
from the project root (Debian's /usr/bin/chromium and the playwright package needed).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import platform
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
import urllib.request
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUT_DIR = ROOT / "bench" / "out"
RESULT = OUT_DIR / "load.json"

CHROMIUM = os.environ.get("DASHBOARD_CHROMIUM", "/usr/bin/chromium")
# The flags of shared/PLATFORM.md (the same as tests/browser/conftest.py).
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
VIEWPORT = {"width": 1440, "height": 1000}
HOST = "127.0.0.1"

#: Roles handed out in turn: with 8 people, two of each.
ROLE_CYCLE = ("staff", "head", "analyst", "admin")
#: The actor name of the CLI writes; the audit rows of this run carry it.
CLI_USER = "bench_load"

PAGE_TIMEOUT_S = 90.0
CLI_TIMEOUT_S = 120.0
#: Pause between two CLI writes of one kind (each loop runs one call at a time).
WRITE_INTERVAL_S = 2.0
MAX_IMPORTS = 60
MAX_CAPACITY_CHANGES = 60
#: Rows per generated log (requests; as many appointments, one per request).
ROWS_PER_IMPORT = 10

BARE_SCRIPT = textwrap.dedent(
    '''\
    """A bare one-chart Streamlit page: the baseline of bench/bench_load.py."""

    import altair as alt
    import pandas as pd
    import streamlit as st

    frame = pd.DataFrame(
        {"date": pd.date_range("2020-06-08", periods=30), "recorded": [i % 7 for i in range(30)]}
    )
    st.altair_chart(alt.Chart(frame).mark_line().encode(x="date:T", y="recorded:Q"))
    '''
)

# Resolves to true when the page is fully drawn, "signed_out" when the app shows its
# sign-in form instead (the cookie did not sign the new session in).
DRAWN_JS = """(app) => {
    const root = document.querySelector("[data-testid='stApp']");
    if (!root) return false;
    if (root.getAttribute("data-test-script-state") !== "notRunning") return false;
    if (root.getAttribute("data-test-connection-state") !== "CONNECTED") return false;
    if (document.querySelector("[data-testid='stSkeleton'], [data-testid='stStatusWidget']"))
        return false;
    const charts = document.querySelectorAll("[data-testid='stVegaLiteChart']");
    for (const chart of charts) if (!chart.querySelector("canvas, svg")) return false;
    if (!app) return charts.length > 0;
    if (document.querySelector("input[type='password']")) return "signed_out";
    return !!document.querySelector("[data-testid='stSidebar'] [data-testid='stPageLink']");
}"""

EXCEPTIONS_JS = """() => [...document.querySelectorAll("[data-testid='stException']")]
    .map((e) => e.innerText.slice(0, 400))"""


# ---------------------------------------------------------------- servers and the CLI


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def _env(home: Path) -> dict[str, str]:
    env = dict(os.environ)
    # Not DASHBOARD_TESTING: the benchmark measures what an office gets.
    env.pop("DASHBOARD_TESTING", None)
    env.pop("DASHBOARD_DEBUG", None)
    env.update({"DASHBOARD_HOME": str(home), "PYTHONPATH": str(ROOT)})
    return env


@dataclass
class Server:
    """One `streamlit run SCRIPT` in its own process group, logging to a file."""

    name: str
    script: str
    cwd: Path
    env: dict[str, str]
    log: Path
    url: str = ""
    process: subprocess.Popen | None = field(default=None, repr=False)

    def start(self, timeout: float = 90.0) -> None:
        port = _free_port()
        self.url = f"http://{HOST}:{port}"
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "streamlit",
                    "run",
                    self.script,
                    "--server.port",
                    str(port),
                    "--server.address",
                    HOST,
                    "--server.headless",
                    "true",
                    "--server.fileWatcherType",
                    "none",
                    "--browser.gatherUsageStats",
                    "false",
                ],
                cwd=self.cwd,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} server exited early:\n{self._tail()}")
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2) as resp:
                    if resp.read().strip() == b"ok":
                        return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"{self.name} server not healthy after {timeout:.0f} s:\n{self._tail()}")

    def _tail(self) -> str:
        return self.log.read_text(errors="replace")[-3000:] if self.log.exists() else ""

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        # Started with start_new_session: this group is exactly the server and its children.
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=15)
        except ProcessLookupError:
            pass

    def cpu_seconds(self) -> float:
        """CPU time (user + system) the server process has used so far (0 when gone)."""
        if self.process is None:
            return 0.0
        try:
            stat = Path(f"/proc/{self.process.pid}/stat").read_text()
        except OSError:
            return 0.0
        # Fields after the command name (which may hold spaces): utime is 14th, stime 15th.
        fields = stat.rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def tracebacks(self) -> list[str]:
        """Each traceback in the log, as text (the lines up to the exception line)."""
        if not self.log.exists():
            return []
        found, current = [], None
        for line in self.log.read_text(errors="replace").splitlines():
            if line.startswith("Traceback (most recent call last)"):
                current = [line]
            elif current is not None:
                current.append(line)
                # The exception line is the first unindented one after the frames.
                if line and not line.startswith((" ", "\t")):
                    found.append("\n".join(current[-40:]))
                    current = None
        if current is not None:
            found.append("\n".join(current[-40:]))
        return found


def browser_cpu_seconds() -> float:
    """CPU time used so far by the browser side: every live process below this one that
    is not Python (Chromium's processes and Playwright's node driver; the servers and the
    CLI calls are Python). A renderer that already exited is not counted."""
    tick = os.sysconf("SC_CLK_TCK")
    procs: dict[int, tuple[int, str, float]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        head, rest = stat.rsplit(")", 1)
        fields = rest.split()
        comm = head.split("(", 1)[1]
        procs[int(entry.name)] = (int(fields[1]), comm, (int(fields[11]) + int(fields[12])) / tick)
    me, total = os.getpid(), 0.0
    for pid, (_ppid, comm, cpu) in procs.items():
        if comm.startswith("python"):
            continue
        parent, hops = pid, 0
        while parent > 1 and hops < 64:
            parent, hops = procs.get(parent, (0, "", 0.0))[0], hops + 1
            if parent == me:
                total += cpu
                break
    return total


def _cli(args: list[str], env: dict[str, str], stdin: str | None = None) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "dashboard", *args],
        cwd=ROOT,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=CLI_TIMEOUT_S,
    )
    if done.returncode != 0:
        raise RuntimeError(f"dashboard {' '.join(args[:2])} failed: {done.stderr[-1500:]}")
    return done.stdout


@dataclass
class Person:
    username: str
    password: str
    role: str
    #: (page key, URL path) of every page this role may open, in menu order.
    pages: list[tuple[str, str]]


# Run in a subprocess: importing dashboard.ui (Streamlit, its caches) here would fill
# the benchmark's output with Streamlit's "no runtime" warnings.
_MENUS = textwrap.dedent(
    """
    import json
    from pathlib import Path
    from dashboard import auth, roles, ui
    menus = {
        role: [
            [p.key, "/" if p.path == "app.py" else "/" + Path(p.path).stem]
            for p in ui.pages_for(roles.Actor("bench", role))
        ]
        for role in roles.ROLES
    }
    print(json.dumps({"menus": menus, "cookie": auth.COOKIE_NAME}))
    """
)


def role_menus(env: dict[str, str]) -> tuple[dict[str, list[tuple[str, str]]], str]:
    """The pages each role's menu shows, as (key, URL path): app.py is `/`, pages/x.py
    `/x` (from `dashboard.ui.pages_for`), and the name of the sign-in cookie."""
    done = subprocess.run(
        [sys.executable, "-c", _MENUS],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=CLI_TIMEOUT_S,
        check=True,
    )
    data = json.loads(done.stdout.strip().splitlines()[-1])
    menus = {role: [(k, path) for k, path in pages] for role, pages in data["menus"].items()}
    return menus, data["cookie"]


def prepare_home(home: Path, people: int) -> tuple[list[Person], dict[str, Any], str]:
    """Demo data and one user per person in `home`, all through the command line; the
    people, the store's counts before the run and the sign-in cookie's name."""
    home.mkdir(parents=True, exist_ok=True)
    env = _env(home)
    _cli(["demo", "--user", CLI_USER], env)
    menus, cookie = role_menus(env)
    persons = []
    for i in range(people):
        role = ROLE_CYCLE[i % len(ROLE_CYCLE)]
        username = f"load_{role}_{i + 1}"
        password = f"Load-{secrets.token_urlsafe(12)}"
        _cli(
            ["users", "add", username, "--role", role, "--name", f"Load {role.title()} {i + 1}"],
            env,
            stdin=password + "\n",
        )
        persons.append(Person(username, password, role, menus[role]))
    return persons, store_counts(home), cookie


def store_counts(home: Path) -> dict[str, Any]:
    """What the store holds (read-only; only call while no server or CLI write runs)."""
    import duckdb

    from dashboard import store

    con = duckdb.connect(str(home / "dashboard.duckdb"), read_only=True, config=dict(store._CONFIG))
    try:

        def one(sql: str, *params: Any) -> Any:
            return con.execute(sql, list(params)).fetchone()[0]

        return {
            "requests": one("SELECT count(*) FROM requests"),
            "appointments": one("SELECT count(*) FROM appointments"),
            "load_requests": one("SELECT count(*) FROM requests WHERE request_id LIKE 'LOAD%'"),
            "load_appointments": one(
                "SELECT count(*) FROM appointments WHERE appointment_id LIKE 'LOAD%'"
            ),
            "capacity_audit": one("SELECT count(*) FROM capacity_audit"),
            "capacity_audit_bench": one(
                "SELECT count(*) FROM capacity_audit WHERE changed_by = ?", CLI_USER
            ),
            "last_received": one("SELECT max(received_date) FROM requests"),
            "imports": one("SELECT count(*) FROM imports"),
        }
    finally:
        con.close()


# ---------------------------------------------------------------- the CLI writers

_INGEST_LINE = re.compile(
    r"\((requests|appointments)\): read (\d+), inserted (\d+), updated (\d+), "
    r"unchanged (\d+), quarantined (\d+)"
)


@dataclass
class Writers:
    """Two loops of CLI writes against the store: imports and capacity changes."""

    env: dict[str, str]
    workdir: Path
    last_day: date
    run_id: str = field(default_factory=lambda: secrets.token_hex(3).upper())
    active: asyncio.Event = field(default_factory=asyncio.Event)
    stop: asyncio.Event = field(default_factory=asyncio.Event)
    calls: list[dict[str, Any]] = field(default_factory=list)
    generated: dict[str, int] = field(default_factory=lambda: {"requests": 0, "appointments": 0})
    reported: dict[str, int] = field(default_factory=lambda: {"requests": 0, "appointments": 0})
    quarantined: int = 0
    changes_made: int = 0

    async def _run(self, kind: str, args: list[str]) -> tuple[int, str, str]:
        began = time.perf_counter()
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "dashboard",
            *args,
            cwd=ROOT,
            env=self.env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        try:
            out, err = await asyncio.wait_for(proc.communicate(), CLI_TIMEOUT_S)
        except BaseException:
            # Timed out or the benchmark is ending: never leave a writer behind.
            if proc.returncode is None:
                proc.kill()
                await proc.wait()
            raise
        code = proc.returncode or 0
        stdout, stderr = out.decode(errors="replace"), err.decode(errors="replace")
        self.calls.append(
            {
                "kind": kind,
                "exit": code,
                "seconds": round(time.perf_counter() - began, 3),
                "stderr": stderr.strip()[-600:] if code else "",
            }
        )
        return code, stdout, stderr

    async def _pause(self) -> bool:
        """Wait between writes and while paused; False once the run is over."""
        try:
            await asyncio.wait_for(self.stop.wait(), WRITE_INTERVAL_S)
            return False
        except TimeoutError:
            pass
        while not self.active.is_set():
            if self.stop.is_set():
                return False
            try:
                await asyncio.wait_for(self.active.wait(), 0.5)
            except TimeoutError:
                pass
        return not self.stop.is_set()

    def _write_logs(self, seq: int) -> tuple[Path, Path, int]:
        # New ids every time; days within the default 30-day view so pages change.
        lines_r = ["request_id,received_at,channel,service,kecamatan"]
        lines_a = [
            "appointment_id,request_id,scheduled_date,status,checked_in_at,"
            "temperature_c,mask,handwash,recorded_at"
        ]
        for i in range(ROWS_PER_IMPORT):
            rid = f"LOAD{self.run_id}-R{seq:03d}-{i:02d}"
            day = self.last_day - timedelta(days=(seq * 3 + i) % 28 + 2)
            channel = ("whatsapp", "walk_in")[i % 2]
            lines_r.append(f"{rid},{day} 08:{i:02d},{channel},ktp_el,Paringin")
            visit = day + timedelta(days=2)
            lines_a.append(
                f"LOAD{self.run_id}-A{seq:03d}-{i:02d},{rid},{visit},recorded,"
                f"{visit} 09:{i:02d},36.{i % 9},ya,ya,{visit} 09:{i + 20:02d}"
            )
        req = self.workdir / f"permohonan_load_{seq:03d}.csv"
        apt = self.workdir / f"jadwal_load_{seq:03d}.csv"
        req.write_text("\n".join(lines_r) + "\n", encoding="utf-8")
        apt.write_text("\n".join(lines_a) + "\n", encoding="utf-8")
        return req, apt, ROWS_PER_IMPORT

    async def imports(self) -> None:
        for seq in range(MAX_IMPORTS):
            if not await self._pause():
                return
            req, apt, rows = self._write_logs(seq)
            code, out, _err = await self._run(
                "ingest", ["ingest", str(req), str(apt), "--user", CLI_USER]
            )
            for match in _INGEST_LINE.finditer(out):
                kind = match.group(1)
                # Rows count as expected only for a file the CLI says it imported.
                self.generated[kind] += rows
                self.reported[kind] += int(match.group(3))
                self.quarantined += int(match.group(6))
            del code  # a failure is kept in self.calls

    async def capacity(self) -> None:
        for seq in range(MAX_CAPACITY_CHANGES):
            if not await self._pause():
                return
            day = self.last_day - timedelta(days=seq % 28)
            # A new cap every time (25, 26, ...), so every call is a real change.
            code, _out, _err = await self._run(
                "capacity",
                [
                    "capacity",
                    "set",
                    "--date",
                    day.isoformat(),
                    "--cap",
                    str(25 + seq),
                    "--reason",
                    f"bench load change {seq + 1}",
                    "--user",
                    CLI_USER,
                ],
            )
            if code == 0:
                self.changes_made += 1


# ---------------------------------------------------------------- the people


@dataclass
class Load:
    side: str  # app | bare
    page: str
    round: int
    person: str
    seconds: float | None  # None: never drawn
    problem: str = ""  # "", timeout, signed_out, error: ...
    exceptions: list[str] = field(default_factory=list)


async def _timed_load(page: Any, url: str, app: bool) -> tuple[float | None, str, list[str]]:
    began = time.perf_counter()
    try:
        await page.goto(url, wait_until="commit", timeout=PAGE_TIMEOUT_S * 1000)
        handle = await page.wait_for_function(
            DRAWN_JS, arg=app, polling=50, timeout=PAGE_TIMEOUT_S * 1000
        )
        seconds = time.perf_counter() - began
        state = await handle.json_value()
        exceptions = await page.evaluate(EXCEPTIONS_JS)
    except Exception as exc:  # noqa: BLE001 - one failed load is a finding, not a crash
        text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        problem = "timeout" if "Timeout" in type(exc).__name__ else f"error: {text[:200]}"
        return None, problem, []
    return seconds, ("signed_out" if state == "signed_out" else ""), exceptions


async def sign_in(page: Any, person: Person, url: str, cookie: str) -> None:
    """Through the form, as a person would; then wait for the cookie the next loads use."""
    await page.goto(url, timeout=PAGE_TIMEOUT_S * 1000)
    await page.locator("input[type='password']").wait_for(timeout=PAGE_TIMEOUT_S * 1000)
    await page.locator("input[type='text']").first.fill(person.username)
    await page.locator("input[type='password']").fill(person.password)
    # The form's submit button, whatever its label (the sign-in form is being reworded).
    await page.locator("[data-testid='stFormSubmitButton'] button").first.click()
    menu = page.locator("[data-testid='stSidebar'] [data-testid='stPageLink']").first
    await menu.wait_for(timeout=PAGE_TIMEOUT_S * 1000)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if any(c["name"] == cookie for c in await page.context.cookies()):
            return
        await asyncio.sleep(0.2)
    raise RuntimeError(f"{person.username}: signed in but the cookie was never set")


async def app_round(
    page: Any, person: Person, base: str, rnd: int, offset: int, deadline: float
) -> list[Load]:
    """Every page of the person's menu once, starting at `offset` so people spread out."""
    loads = []
    n = len(person.pages)
    for k in range(n):
        if time.monotonic() >= deadline:
            break
        key, path = person.pages[(k + offset) % n]
        seconds, problem, exceptions = await _timed_load(page, base + path, app=True)
        loads.append(Load("app", key, rnd, person.username, seconds, problem, exceptions))
    return loads


async def bare_round(page: Any, person: Person, url: str, rnd: int, count: int) -> list[Load]:
    loads = []
    for _ in range(count):
        seconds, problem, exceptions = await _timed_load(page, url, app=False)
        loads.append(Load("bare", "bare", rnd, person.username, seconds, problem, exceptions))
    return loads


async def drive(
    persons: list[Person],
    app: Server,
    bare: Server,
    cookie: str,
    writers: Writers,
    args: argparse.Namespace,
) -> tuple[list[Load], dict[str, Any]]:
    """Sign everyone in, then alternate app rounds (writers on) and bare rounds (off).

    Also counts each server's CPU time during its own phases: a figure the other
    work on a shared machine moves much less than wall-clock seconds, and the browser's."""
    from playwright.async_api import async_playwright

    app_url, bare_url = app.url, bare.url
    cpu = {"app_s": 0.0, "bare_s": 0.0, "browser_app_s": 0.0, "browser_bare_s": 0.0}

    loads: list[Load] = []
    info: dict[str, Any] = {"rounds_done": 0}
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS
        )
        info["chromium"] = browser.version
        tasks: list[asyncio.Task] = []
        try:
            contexts = [await browser.new_context(viewport=VIEWPORT) for _ in persons]
            pages = [await c.new_page() for c in contexts]
            began = time.perf_counter()
            await asyncio.gather(
                *(sign_in(pg, p, app_url, cookie) for pg, p in zip(pages, persons, strict=True))
            )
            info["sign_in_all_s"] = round(time.perf_counter() - began, 2)
            # One untimed load of the bare page each: the app's first load was the sign-in.
            await asyncio.gather(*(_timed_load(pg, bare_url, app=False) for pg in pages))

            tasks = [
                asyncio.create_task(writers.imports()),
                asyncio.create_task(writers.capacity()),
            ]
            started = time.monotonic()
            deadline = started + args.max_seconds
            for rnd in range(args.rounds):
                if time.monotonic() >= deadline:
                    break
                writers.active.set()
                cpu_began, browser_began = app.cpu_seconds(), browser_cpu_seconds()
                app_loads = await asyncio.gather(
                    *(
                        app_round(pg, p, app_url, rnd, i, deadline)
                        for i, (pg, p) in enumerate(zip(pages, persons, strict=True))
                    )
                )
                writers.active.clear()
                cpu["app_s"] += app.cpu_seconds() - cpu_began
                cpu["browser_app_s"] += browser_cpu_seconds() - browser_began
                cpu_began, browser_began = bare.cpu_seconds(), browser_cpu_seconds()
                bare_loads = await asyncio.gather(
                    *(
                        bare_round(pg, p, bare_url, rnd, len(al))
                        for pg, p, al in zip(pages, persons, app_loads, strict=True)
                    )
                )
                cpu["bare_s"] += bare.cpu_seconds() - cpu_began
                cpu["browser_bare_s"] += browser_cpu_seconds() - browser_began
                for group in (*app_loads, *bare_loads):
                    loads.extend(group)
                info["rounds_done"] = rnd + 1
                print(
                    f"round {rnd + 1}: {sum(map(len, app_loads))} app + "
                    f"{sum(map(len, bare_loads))} bare loads, "
                    f"{time.monotonic() - started:.0f} s",
                    flush=True,
                )
            info["measured_s"] = round(time.monotonic() - started, 1)
            info["cpu_s"] = {k: round(v, 2) for k, v in cpu.items()}
        finally:
            writers.stop.set()
            writers.active.set()
            if tasks:
                # A call in flight finishes (bounded by CLI_TIMEOUT_S); no new one starts.
                _done, pending = await asyncio.wait(tasks, timeout=CLI_TIMEOUT_S + 10)
                for task in pending:
                    task.cancel()
                await asyncio.gather(*tasks, return_exceptions=True)
            await browser.close()
    return loads, info


# ---------------------------------------------------------------- figures


def _pct(values: list[float], q: float) -> float | None:
    """Nearest-rank percentile (no interpolation: every figure is a measured load)."""
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[max(math.ceil(q * len(ordered)) - 1, 0)], 3)


def _stats(loads: list[Load]) -> dict[str, Any]:
    times = [x.seconds for x in loads if x.seconds is not None and not x.problem]
    return {
        "n": len(loads),
        "drawn": len(times),
        "p50_s": _pct(times, 0.50),
        "p95_s": _pct(times, 0.95),
        "max_s": round(max(times), 3) if times else None,
        "mean_s": round(statistics.fmean(times), 3) if times else None,
    }


def _ratio(a: float | None, b: float | None) -> float | None:
    return round(a / b, 2) if a and b else None


def _per_load(seconds: float | None, loads: int) -> float | None:
    return round(seconds / loads, 3) if seconds is not None and loads else None


def summarise(
    loads: list[Load],
    info: dict[str, Any],
    writers: Writers,
    before: dict[str, Any],
    after: dict[str, Any],
    tracebacks: dict[str, list[str]],
) -> dict[str, Any]:
    app = [x for x in loads if x.side == "app"]
    bare = [x for x in loads if x.side == "bare"]
    per_page = {}
    for key in dict.fromkeys(x.page for x in app):
        of_page = [x for x in app if x.page == key]
        per_page[key] = _stats(of_page)
    overall, baseline = _stats(app), _stats(bare)

    page_exceptions = [
        {"page": x.page, "person": x.person, "round": x.round, "text": text}
        for x in loads
        for text in x.exceptions
    ]
    problems = [
        {"side": x.side, "page": x.page, "person": x.person, "round": x.round, "problem": x.problem}
        for x in loads
        if x.problem
    ]
    cli_failures = [c for c in writers.calls if c["exit"] != 0]

    added_requests = after["load_requests"] - before["load_requests"]
    added_appointments = after["load_appointments"] - before["load_appointments"]
    audit_rows = after["capacity_audit_bench"] - before["capacity_audit_bench"]
    lost = {
        "requests_generated": writers.generated["requests"],
        "requests_reported_inserted": writers.reported["requests"],
        "requests_in_store": added_requests,
        "appointments_generated": writers.generated["appointments"],
        "appointments_reported_inserted": writers.reported["appointments"],
        "appointments_in_store": added_appointments,
        "quarantined": writers.quarantined,
        "capacity_changes_made": writers.changes_made,
        "capacity_audit_rows": audit_rows,
    }
    lost_rows = (
        abs(writers.reported["requests"] - added_requests)
        + abs(writers.reported["appointments"] - added_appointments)
        + (writers.generated["requests"] - writers.reported["requests"])
        + (writers.generated["appointments"] - writers.reported["appointments"])
    )
    lost_changes = abs(writers.changes_made - audit_rows)
    exceptions = (
        len(page_exceptions)
        + len(problems)
        + len(cli_failures)
        + sum(len(v) for v in tracebacks.values())
    )
    calls = {
        kind: {
            "n": len(of_kind := [c for c in writers.calls if c["kind"] == kind]),
            "failed": sum(1 for c in of_kind if c["exit"] != 0),
            "p50_s": _pct([c["seconds"] for c in of_kind], 0.5),
            "max_s": max((c["seconds"] for c in of_kind), default=None),
        }
        for kind in ("ingest", "capacity")
    }
    rounds = {
        str(rnd + 1): {
            "app_p50_s": _stats([x for x in app if x.round == rnd])["p50_s"],
            "bare_p50_s": _stats([x for x in bare if x.round == rnd])["p50_s"],
        }
        for rnd in sorted({x.round for x in loads})
    }
    cpu = info.get("cpu_s", {})
    app_cpu = _per_load(cpu.get("app_s"), overall["drawn"])
    bare_cpu = _per_load(cpu.get("bare_s"), baseline["drawn"])
    return {
        "ratio": _ratio(overall["p50_s"], baseline["p50_s"]),
        "ratio_p95": _ratio(overall["p95_s"], baseline["p95_s"]),
        "exceptions": exceptions,
        "lost_rows": lost_rows,
        "lost_changes": lost_changes,
        "app": overall,
        "bare": baseline,
        "server_cpu_per_load_s": {"app": app_cpu, "bare": bare_cpu},
        "server_cpu_ratio": _ratio(app_cpu, bare_cpu),
        "browser_cpu_per_load_s": {
            "app": _per_load(cpu.get("browser_app_s"), overall["drawn"]),
            "bare": _per_load(cpu.get("browser_bare_s"), baseline["drawn"]),
        },
        "rounds": rounds,
        "pages": {
            k: {**v, "ratio_p50": _ratio(v["p50_s"], baseline["p50_s"])}
            for k, v in per_page.items()
        },
        "cli_calls": calls,
        "store_check": lost,
        "page_exceptions": page_exceptions[:20],
        "load_problems": problems[:40],
        "cli_failures": cli_failures[:20],
        "server_tracebacks": {k: v[:5] for k, v in tracebacks.items()},
        "server_traceback_counts": {k: len(v) for k, v in tracebacks.items()},
        "store_before": before,
        "store_after": after,
    }


def _print_summary(result: dict[str, Any]) -> None:
    def fmt(v: Any) -> str:
        return "-" if v is None else f"{v:.2f}"

    rows = [("page", "n", "drawn", "p50 s", "p95 s", "max s", "× bare p50")]
    for key, s in result["pages"].items():
        rows.append(
            (
                key,
                s["n"],
                s["drawn"],
                fmt(s["p50_s"]),
                fmt(s["p95_s"]),
                fmt(s["max_s"]),
                fmt(s["ratio_p50"]),
            )
        )
    for label, s in (("ALL app pages", result["app"]), ("bare one-chart page", result["bare"])):
        rows.append(
            (label, s["n"], s["drawn"], fmt(s["p50_s"]), fmt(s["p95_s"]), fmt(s["max_s"]), "")
        )
    widths = [max(len(str(r[i])) for r in rows) for i in range(len(rows[0]))]
    for r in rows:
        print(
            "  ".join(
                str(c).ljust(w) if i == 0 else str(c).rjust(w)
                for i, (c, w) in enumerate(zip(r, widths, strict=True))
            )
        )
    check = result["store_check"]
    print(
        f"ratio app/bare: p50 {fmt(result['ratio'])}×, p95 {fmt(result['ratio_p95'])}×; "
        f"server CPU per load {result['server_cpu_per_load_s']} "
        f"({fmt(result['server_cpu_ratio'])}×); browser CPU per load "
        f"{result['browser_cpu_per_load_s']}\n"
        f"exceptions: {result['exceptions']} (page {len(result['page_exceptions'])}, "
        f"loads not drawn {len(result['load_problems'])}, CLI {len(result['cli_failures'])}, "
        f"server tracebacks {result['server_traceback_counts']})\n"
        f"CLI: {result['cli_calls']['ingest']['n']} imports, "
        f"{result['cli_calls']['capacity']['n']} capacity changes; "
        f"rows inserted (reported/in store): requests {check['requests_reported_inserted']}/"
        f"{check['requests_in_store']}, appointments {check['appointments_reported_inserted']}/"
        f"{check['appointments_in_store']}; capacity changes/audit rows "
        f"{check['capacity_changes_made']}/{check['capacity_audit_rows']}\n"
        f"lost rows {result['lost_rows']}, lost changes {result['lost_changes']}"
    )


# ---------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=8, help="people at once (default 8)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of every page (default 3)")
    parser.add_argument(
        "--max-seconds",
        type=float,
        default=240,
        help="no new page load after this many seconds of measuring (default 240)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary home and logs")
    args = parser.parse_args(argv)
    if not 1 <= args.people <= 32 or not 1 <= args.rounds <= 50 or args.max_seconds <= 0:
        parser.error("--people 1..32, --rounds 1..50, --max-seconds > 0")
    if not Path(CHROMIUM).exists():
        raise SystemExit(f"{CHROMIUM} is missing: run `make chromium` (apt-get install chromium)")

    tmp = Path(tempfile.mkdtemp(prefix="bench-load-"))
    home, bare_dir, writes = tmp / "home", tmp / "bare", tmp / "writes"
    bare_dir.mkdir()
    writes.mkdir()
    (bare_dir / "bare.py").write_text(BARE_SCRIPT, encoding="utf-8")
    servers: list[Server] = []
    # SIGTERM (e.g. a timeout around the run) ends the run through the finally below.
    previous = signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    load_before = os.getloadavg()
    began = time.perf_counter()
    try:
        persons, before, cookie = prepare_home(home, args.people)
        env = _env(home)
        app = Server("app", "app.py", ROOT, env, tmp / "app.log")
        bare = Server("bare", "bare.py", bare_dir, env, tmp / "bare.log")
        servers += [app, bare]
        app.start()
        bare.start()
        print(f"app {app.url}, bare {bare.url}, home {home}", flush=True)
        writers = Writers(env=env, workdir=writes, last_day=before["last_received"])
        loads, info = asyncio.run(drive(persons, app, bare, cookie, writers, args))
        for server in servers:
            server.stop()
        after = store_counts(home)
        tracebacks = {s.name: s.tracebacks() for s in servers}
        result = summarise(loads, info, writers, before, after, tracebacks)
    finally:
        for server in servers:
            server.stop()
        signal.signal(signal.SIGTERM, previous)
        if args.keep:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)

    result = {
        "benchmark": "load",
        "ran_at": datetime.now(UTC).isoformat(timespec="seconds"),
        **result,
        "people": [
            {"username": p.username, "role": p.role, "pages": len(p.pages)} for p in persons
        ],
        "settings": {
            "people": args.people,
            "rounds": args.rounds,
            "max_seconds": args.max_seconds,
            "write_interval_s": WRITE_INTERVAL_S,
            "rows_per_import": ROWS_PER_IMPORT,
        },
        "run": {**info, "total_s": round(time.perf_counter() - began, 1)},
        "machine": {
            "cpus": os.cpu_count(),
            "load_avg_before": [round(x, 2) for x in load_before],
            "load_avg_after": [round(x, 2) for x in os.getloadavg()],
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
    }
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    RESULT.write_text(json.dumps(result, indent=2, default=str) + "\n", encoding="utf-8")
    _print_summary(result)
    print(f"wrote {RESULT.relative_to(ROOT)}")
    return result


if __name__ == "__main__":
    main()
