"""The grader's side of the sandbox: starts the zygote, hands a job to a spare child, and reads
each trial's message under a wall-clock deadline enforced from here, outside the child.

Everything read from a child is untrusted bytes: framed, size-capped, parsed as JSON, and
checked field by field by the caller (`grader.engine`) before it can influence a verdict.
"""

from __future__ import annotations

import array
import json
import os
import select
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from grader.sandbox import wire

START_TIMEOUT = 120.0
GRACE = 0.5  # for the child to wake, seed and report, on top of each trial's own limit


class SandboxError(RuntimeError):
    """The sandbox itself failed (not the learner's code): the zygote died or would not start."""


@dataclass
class RunOutcome:
    """What came back: one message per finished trial, and how the child ended."""

    messages: list[dict[str, Any]] = field(default_factory=list)
    timed_out: bool = False
    broken: str | None = None  # a protocol violation, in words
    exit_code: int | None = None
    signal: int | None = None
    killed: bool = False
    oom: bool = False  # the child's memory cgroup ran out and the kernel killed it


class Sandbox:
    """One zygote and its spare children. Not thread-safe: one submission at a time."""

    def __init__(
        self,
        device: str = "cpu",
        deny: list[Path] | None = None,
        spares: int | None = None,
        warm: bool = True,
        settings: dict[str, Any] | None = None,
    ) -> None:
        self.device = device
        self.config = {
            "device": device,
            "deny": [str(Path(p).resolve()) for p in (deny or [])],
            "spares": spares or (2 if device.startswith("cuda") else 1),
            "warm": warm,
            "limits": settings or {},
        }
        self.proc: subprocess.Popen | None = None
        self.sock: socket.socket | None = None
        self.protections: dict[str, Any] = {}
        self._buffer = b""
        self._root: str | None = None
        self._unanswered = 0  # `finish` requests whose replies we have not read yet

    # -- life cycle ----------------------------------------------------------------------------
    def start(self) -> None:
        self._root = tempfile.mkdtemp(prefix="torchdrill-sandbox-")
        self.config["root"] = self._root
        ours, theirs = socket.socketpair()
        env = zygote_environment(self._root)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "grader.sandbox.zygote", str(theirs.fileno()), json.dumps(self.config)],
            pass_fds=[theirs.fileno()],
            stdin=subprocess.DEVNULL,
            env=env,
            cwd="/",
            start_new_session=True,
        )
        theirs.close()
        self.sock = ours
        hello = self._recv(START_TIMEOUT)
        if "hello" not in hello:
            raise SandboxError(f"the sandbox did not start: {hello}")
        self.protections = hello["hello"]["protections"]

    def close(self) -> None:
        try:
            self._drain()  # the last child is reaped before the zygote is told to stop
        except (OSError, SandboxError, ValueError):
            pass
        self._unanswered = 0
        if self.sock is not None:
            self.sock.close()  # the zygote sees the end of its input, kills its children, exits
            self.sock = None
        if self.proc is not None:
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            self.proc = None
        if self._root:
            shutil.rmtree(self._root, ignore_errors=True)
            self._root = None

    def __enter__(self) -> Sandbox:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    # -- one submission ------------------------------------------------------------------------
    def run(
        self, job: dict[str, Any], trials: int, timeout: float, meanwhile: Callable[[], Any] | None = None
    ) -> RunOutcome:
        """Run `job` in a fresh child; restarts the zygote once if it has died. `meanwhile` runs here
        while the child works (the grader computes the references then, on the other core)."""
        if not self.alive():
            self.close()
            self.start()
        try:
            return self._run(job, trials, timeout, meanwhile)
        except (OSError, SandboxError, ValueError):
            self.close()
            self.start()
            return self._run(job, trials, timeout, meanwhile)

    def _run(
        self, job: dict[str, Any], trials: int, timeout: float, meanwhile: Callable[[], Any] | None
    ) -> RunOutcome:
        pid, job_w, result_r = self._take()
        outcome = RunOutcome()
        try:
            try:
                _write_all(job_w, json.dumps(job, default=str).encode())
            except BrokenPipeError:
                pass
            finally:
                os.close(job_w)
            started = time.monotonic()  # the first trial's clock runs from here, not after `meanwhile`
            if meanwhile is not None:
                meanwhile()
            reader = _FrameReader(result_r)
            for index in range(trials):
                deadline = (started if index == 0 else time.monotonic()) + timeout + GRACE
                try:
                    body = reader.next(deadline)
                except TimeoutError:
                    outcome.timed_out = True
                    break
                except wire.WireError as e:
                    outcome.broken = str(e)
                    break
                if body is None:
                    break  # the child ended before reporting every trial
                try:
                    outcome.messages.append(wire.unframe(body))
                except wire.WireError as e:
                    outcome.broken = str(e)
                    break
        finally:
            os.close(result_r)
            complete = len(outcome.messages) == trials and not outcome.broken
            ended = self._finish(pid, wait=not complete)
            outcome.exit_code, outcome.signal, outcome.killed = (
                ended.get("exit"),
                ended.get("signal"),
                ended.get("killed", False),
            )
            outcome.oom = ended.get("oom") is True
        return outcome

    def _take(self) -> tuple[int, int, int]:
        self._drain()
        self._send({"op": "take"})
        msg, fds = self._recv_with_fds(START_TIMEOUT)
        if len(fds) != 2 or "pid" not in msg:
            raise SandboxError("the sandbox did not hand over a child")
        return int(msg["pid"]), fds[0], fds[1]

    def _finish(self, pid: int, *, wait: bool) -> dict[str, Any]:
        """Have the zygote kill and reap the child. Tearing down a process of torch's size takes
        milliseconds; when every trial has reported, the verdict need not wait for it."""
        self._drain()
        self._send({"op": "finish", "pid": pid})
        if not wait:
            self._unanswered += 1
            return {}
        return self._recv(30.0)

    def _drain(self) -> None:
        while self._unanswered:
            self._recv(30.0)
            self._unanswered -= 1

    # -- the control socket --------------------------------------------------------------------
    def _send(self, msg: dict[str, Any]) -> None:
        assert self.sock is not None
        self.sock.sendall(json.dumps(msg).encode() + b"\n")

    def _recv(self, timeout: float) -> dict[str, Any]:
        msg, fds = self._recv_with_fds(timeout)
        for fd in fds:
            os.close(fd)
        return msg

    def _recv_with_fds(self, timeout: float) -> tuple[dict[str, Any], list[int]]:
        assert self.sock is not None
        fds: list[int] = []
        deadline = time.monotonic() + timeout
        while b"\n" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self.sock], [], [], left)[0]:
                raise SandboxError("the sandbox stopped answering")
            data, ancdata, _, _ = self.sock.recvmsg(65536, socket.CMSG_SPACE(2 * 4))
            for level, kind, payload in ancdata:
                if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
                    got = array.array("i")
                    got.frombytes(payload[: len(payload) - len(payload) % 4])
                    fds += list(got)
            if not data:
                raise SandboxError("the sandbox exited")
            self._buffer += data
        line, self._buffer = self._buffer.split(b"\n", 1)
        return json.loads(line), fds


# What the zygote (and so every child, whose /proc/self/environ shows the block the zygote was
# started with) may know of the grader's environment: where Python finds its modules, and what
# CUDA needs to find the GPU. No tokens, no credentials, no TORCHDRILL_* settings.
PASSED_THROUGH = ("CUDA_VISIBLE_DEVICES", "CUDA_DEVICE_ORDER", "NVIDIA_VISIBLE_DEVICES", "LD_LIBRARY_PATH")


def zygote_environment(home: str | None) -> dict[str, str]:
    env = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "HOME": home or "/nonexistent",
           "PYTHONPATH": os.pathsep.join(p for p in sys.path if p), "PYTHONDONTWRITEBYTECODE": "1"}  # fmt: skip
    env.update({k: os.environ[k] for k in PASSED_THROUGH if k in os.environ})
    env["CUBLAS_WORKSPACE_CONFIG"] = ":4096:8"  # what deterministic cuBLAS needs (harness.cuda_numerics)
    return env


class _FrameReader:
    """Reads length-prefixed frames from a pipe, never waiting past a deadline."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.buffer = b""
        self.eof = False

    def next(self, deadline: float) -> bytes | None:
        header = self._read(4, deadline)
        if header is None:
            return None
        (size,) = struct.unpack(">I", header)
        if size > wire.MAX_MESSAGE_BYTES:
            raise wire.WireError(f"a result of {size} bytes is over the limit")
        body = self._read(size, deadline)
        if body is None:
            raise wire.WireError("the result was cut off")
        return body

    def _read(self, n: int, deadline: float) -> bytes | None:
        while len(self.buffer) < n:
            if self.eof:
                return None
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self.fd], [], [], left)[0]:
                raise TimeoutError
            chunk = os.read(self.fd, max(65536, n - len(self.buffer)))
            if not chunk:
                self.eof = True
                continue
            self.buffer += chunk
        out, self.buffer = self.buffer[:n], self.buffer[n:]
        return out


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]
