"""The UI's handle on grading: torch-free, it runs the grader service in a subprocess.

Start-up (importing torch, forking the first sandbox child) takes seconds, so `start()` returns
at once and the service warms up while the learner reads the deck list. `grade()` blocks: call
it from a worker thread. A service that dies is restarted on the next `grade()`.
"""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
import threading
from collections.abc import Sequence
from concurrent.futures import Future
from pathlib import Path
from typing import Any

from grader.engine.verdict import Verdict
from grader.paths import as_roots


class GraderUnavailable(RuntimeError):
    """The grader service could not start or stopped answering; the message says why."""


class GraderClient:
    def __init__(self, quizzes: Path | Sequence[Path], device: str | None = None) -> None:
        self.quizzes = as_roots(quizzes)
        self.requested_device = device
        self.state = "stopped"
        self.device: str | None = None
        self.error: str | None = None
        self.protections: dict[str, Any] = {}
        self._proc: subprocess.Popen | None = None
        self._ready = threading.Event()
        self._pending: dict[int, Future] = {}
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self.on_state: Any = None  # optional callback(state), called from the reader thread

    def start(self) -> None:
        with self._lock:
            if self._proc is not None and self._proc.poll() is None:
                return
            self._ready.clear()
            self._set_state("starting")
            args = [sys.executable, "-m", "grader.engine.service"]
            args += [part for root in self.quizzes for part in ("--quizzes", str(root.resolve()))]
            if self.requested_device:
                args += ["--device", self.requested_device]
            self._proc = subprocess.Popen(
                args,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                text=True,
                bufsize=1,
            )
            threading.Thread(target=self._read, args=(self._proc,), daemon=True, name="grader-reader").start()

    def wait_ready(self, timeout: float) -> bool:
        return self._ready.wait(timeout) and self.state == "ready"

    def grade(self, gid: str, answer: Any, variant: int | None = None, timeout: float = 600.0) -> Verdict:
        """Grade one answer (to `variant` of an exercise with placeholders); raises GraderUnavailable
        when the service cannot."""
        reply = self._request({"op": "grade", "gid": gid, "answer": answer, "variant": variant}, timeout)
        return Verdict.from_json(reply["verdict"])

    def reload(self) -> None:
        if self.state == "ready":
            self._request({"op": "reload"}, 120.0)

    def close(self) -> None:
        proc, self._proc = self._proc, None
        if proc is not None:
            try:
                proc.stdin.close()
                proc.wait(5)
            except (OSError, subprocess.TimeoutExpired):
                proc.kill()
        self._set_state("stopped")
        self._ready.set()  # anyone in wait_ready learns now that the service is gone, not at its timeout

    # -- internals -----------------------------------------------------------------------------
    def _request(self, message: dict[str, Any], timeout: float) -> dict[str, Any]:
        if self._proc is None or self._proc.poll() is not None:
            self.start()
        if not self.wait_ready(180.0):
            raise GraderUnavailable(self.error or "the grader did not start")
        future: Future = Future()
        request_id = next(self._ids)
        self._pending[request_id] = future
        try:
            self._proc.stdin.write(json.dumps({**message, "id": request_id}) + "\n")
            self._proc.stdin.flush()
            reply = future.result(timeout)
        except (OSError, TimeoutError) as e:
            self.close()
            raise GraderUnavailable(
                f"the grader stopped answering ({type(e).__name__}); it restarts on the next try"
            ) from None
        finally:
            self._pending.pop(request_id, None)
        if "error" in reply:
            raise GraderUnavailable(reply["error"])
        return reply

    def _read(self, proc: subprocess.Popen) -> None:
        for line in proc.stdout:
            try:
                message = json.loads(line)
            except ValueError:
                continue
            if "ready" in message:
                self.device = message["ready"].get("device")
                self.protections = message["ready"].get("protections", {})
                self._set_state("ready")
                self._ready.set()
            elif "failed" in message:
                self.error = message["failed"]
                self._set_state("failed")
                self._ready.set()
            elif message.get("id") in self._pending:
                self._pending[message["id"]].set_result(message)
        if proc is self._proc:
            self.error = self.error or "the grader service exited"
            self._set_state("failed")
            self._ready.set()
        for future in list(self._pending.values()):
            if not future.done():
                future.set_result({"error": "the grader service exited while grading"})

    def _set_state(self, state: str) -> None:
        self.state = state
        if self.on_state is not None:
            try:
                self.on_state(state)
            except Exception:  # noqa: BLE001 - a UI callback must not kill the reader thread
                pass
