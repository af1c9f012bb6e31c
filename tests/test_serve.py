"""`torchdrill serve`: the same app in a real headless Chromium, through textual-serve. Load the
page, see the deck list, study, submit an answer, read the verdict, and find the review in the
same database the terminal app uses. Skipped, with the reason, where Chromium or the serve extra
is missing (`.ci/run` installs Debian's chromium)."""

from __future__ import annotations

import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
# Chromium's own connections (fonts, updates) are refused on a closed network; these keep it quiet.
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]  # fmt: skip
ANSI = re.compile(rb"\x1b\[[0-9;?<>=]*[ -/]*[@-~]|\x1b[()][0-9A-Za-z]|\x1b[=>78]|\x1b\][^\x07]*\x07")
DECK = """\
deck: web
title: Browser check
exercises:
  - id: two-plus-three
    kind: numeric
    title: A sum
    prompt: What is `2 + 3`?
    solution: 2 + 3
    hints: [Add them.]
    explanation: Five.
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, process: subprocess.Popen, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"serve exited: {process.stdout.read() if process.stdout else ''}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise AssertionError("serve never listened")


@pytest.fixture
def served(tmp_path: Path):
    pytest.importorskip("textual_serve", reason="the serve extra is not installed: pip install -e '.[serve]'")
    (tmp_path / "decks").mkdir()
    (tmp_path / "decks" / "web.yaml").write_text(DECK)
    db, port = tmp_path / "history.db", free_port()
    command = [sys.executable, "-m", "grader.cli", "--quizzes", str(tmp_path / "decks"), "--db", str(db),
               "serve", "--port", str(port)]  # fmt: skip
    process = subprocess.Popen(
        command, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    try:
        wait_for_port(port, process)
        yield f"http://localhost:{port}", db
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()


class Screen:
    """What the app sent to the browser's terminal, as text: the page draws it on a canvas."""

    def __init__(self, page) -> None:
        self.page, self.frames = page, []
        page.on("websocket", lambda ws: ws.on("framereceived", self._received))

    def _received(self, payload: bytes | str) -> None:
        self.frames.append(payload if isinstance(payload, bytes) else payload.encode())

    def text_since(self, start: int) -> str:
        return ANSI.sub(b"", b"".join(self.frames[start:])).decode("utf-8", "replace")

    def wait_for(self, needle: str, start: int = 0, seconds: float = 60) -> None:
        deadline = time.monotonic() + seconds
        while needle not in self.text_since(start):
            assert time.monotonic() < deadline, (
                f"{needle!r} never shown; last: {self.text_since(start)[-600:]}"
            )
            self.page.wait_for_timeout(200)  # not time.sleep: events are delivered while Playwright waits


@pytest.mark.skipif(CHROMIUM is None, reason="no chromium on this machine (apt-get install chromium)")
def test_study_in_a_real_browser(served, tmp_path: Path) -> None:
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="playwright is not installed (the dev extra)"
    )
    url, db = served
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        screen = Screen(page)
        page.goto(url)
        screen.wait_for("Browser check")  # the deck list, with the deck's title
        page.locator(".xterm-helper-textarea").focus()  # where xterm.js takes keys
        mark = len(screen.frames)
        page.keyboard.press("Enter")  # study the deck
        screen.wait_for("2 + 3", mark)
        mark = len(screen.frames)
        page.keyboard.type("5")
        page.keyboard.press("Enter")
        screen.wait_for("Correct", mark)  # the verdict, graded by the server's grader
        page.screenshot(path=str(tmp_path / "verdict.png"))
        page.keyboard.press("Enter")  # accept the suggested rating
        deadline = time.monotonic() + 30
        while not db.exists() or _reviews(db) == 0:
            assert time.monotonic() < deadline, "the review never reached the database"
            page.wait_for_timeout(200)
        browser.close()
    assert (tmp_path / "verdict.png").stat().st_size > 10_000
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT status, answer FROM reviews").fetchall() == [("passed", "5")]


def _reviews(db: Path) -> int:
    with sqlite3.connect(db) as conn:
        try:
            return conn.execute("SELECT count(*) FROM reviews").fetchone()[0]
        except sqlite3.OperationalError:
            return 0


def test_serve_without_the_extra_says_what_to_install(tmp_path: Path) -> None:
    """A plain install has no textual-serve: the command says how to get it, without a traceback."""
    (tmp_path / "textual_serve").mkdir()
    (tmp_path / "textual_serve" / "__init__.py").write_text("raise ImportError('not installed')\n")
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(tmp_path), "HOME": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-m", "grader.cli", "--db", str(tmp_path / "h.db"), "serve"],
        capture_output=True, text=True, env=env, cwd=Path(__file__).resolve().parent.parent,
    )  # fmt: skip
    assert result.returncode == 2, result.stderr
    assert "pip install 'torchdrill[serve]'" in result.stderr and "Traceback" not in result.stderr
