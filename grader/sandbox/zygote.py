"""The zygote: imports torch and the harness once, then forks one locked-down child per submission.

It never loads a deck, a solution or an expected value, so a child (a copy of its memory) holds
none. Children are forked ahead of time ("spares") and wait for their job, so a submission does
not pay the ~7 ms that forking a process with torch loaded costs here.

Run as `python -m grader.sandbox.zygote FD CONFIG_JSON`, FD being a Unix socket to the grader.
Control messages are JSON lines; `take` answers with the spare's pid and two pipe ends.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import sys
import tempfile
from collections import deque
from dataclasses import dataclass
from pathlib import Path

from grader.sandbox import limits
from grader.sandbox.cgroups import Cgroups, ChildGroups


@dataclass
class Spare:
    pid: int
    job_w: int
    result_r: int
    workdir: Path
    fresh_ns: bool
    groups: ChildGroups


class Zygote:
    def __init__(self, sock: socket.socket, config: dict, protections: limits.Protections) -> None:
        self.sock = sock
        self.config = config
        self.protections = protections
        self.settings = limits.Settings(**config.get("limits", {}))
        self.device = config.get("device", "cpu")
        # The grader made this directory and removes it, even when the zygote dies first.
        self.root = (
            Path(config["root"])
            if config.get("root")
            else Path(tempfile.mkdtemp(prefix="torchdrill-sandbox-"))
        )
        os.chmod(self.root, 0o711)
        self.deny = [Path(p) for p in config.get("deny", [])]
        self.read_roots = limits.read_roots([*self.deny, self.root.parent])
        self.drop_uid = bool(protections.get("real_root"))
        self.cgroups = Cgroups(self.settings.memory_mb * 1024 * 1024, self.settings.processes)
        protections["cgroup"] = self.cgroups.status
        self.namespaces = limits.PidNamespaces(protections.get("pid_namespace") is True)
        self.spares: deque[Spare] = deque()
        self.running: dict[int, Spare] = {}
        self.counter = 0

    # -- the loop ------------------------------------------------------------------------------
    def serve(self) -> None:
        try:
            self.refill()
            self.send({"hello": {"protections": dict(self.protections), "device": self.device}})
            buffer = b""
            while chunk := self.sock.recv(65536):
                buffer += chunk
                while b"\n" in buffer:
                    line, buffer = buffer.split(b"\n", 1)
                    self.handle(json.loads(line))
        except OSError:
            pass  # the grader went away: nothing to answer, only to clean up
        finally:
            self.shutdown()

    def handle(self, msg: dict) -> None:
        op = msg.get("op")
        if op == "take":
            spare = self.take()
            socket.send_fds(
                self.sock, [json.dumps({"pid": spare.pid}).encode() + b"\n"], [spare.job_w, spare.result_r]
            )
            os.close(spare.job_w)
            os.close(spare.result_r)
            self.running[spare.pid] = spare
        elif op == "finish":
            self.send(self.finish(int(msg["pid"])))
            self.refill()  # after answering, so the next fork overlaps the grader's comparison
        elif op == "ping":
            self.send({"pong": True, "spares": len(self.spares)})

    def send(self, msg: dict) -> None:
        self.sock.sendall(json.dumps(msg).encode() + b"\n")

    # -- children ------------------------------------------------------------------------------
    def refill(self) -> None:
        while len(self.spares) < int(self.config.get("spares", 1)):
            self.spares.append(self.spawn())

    def take(self) -> Spare:
        while True:
            spare = self.spares.popleft() if self.spares else self.spawn()
            if _alive(spare.pid):
                return spare
            self._reap(spare)

    def spawn(self) -> Spare:
        self.counter += 1
        workdir = self.root / f"c{self.counter}"
        workdir.mkdir(mode=0o700)
        if self.drop_uid:
            os.chown(workdir, limits.NOBODY, limits.NOBODY)
        job_r, job_w = os.pipe()
        result_r, result_w = os.pipe()
        groups = self.cgroups.for_child()
        pid, fresh = self.namespaces.fork()
        if pid == 0:
            try:
                # Nothing of the zygote's: not its socket, not other children's pipes, not the
                # namespace handle it forks with. Only the two pipe ends this child speaks through.
                _close_all_but([job_r, result_w])
                child_main(job_r, result_w, workdir, self, groups)
            finally:
                os._exit(70)
        os.close(job_r)
        os.close(result_w)
        return Spare(pid, job_w, result_r, workdir, fresh, groups)

    def finish(self, pid: int) -> dict:
        spare = self.running.pop(pid, None)
        if spare is None:
            return {"pid": pid, "error": "unknown child"}
        status = _reap_now(pid)
        killed = status is None
        if killed:
            self._kill(spare)
            status = os.waitpid(pid, 0)[1]
        oom = (
            spare.groups.oom_killed()
        )  # the whole submission's memory ran out: the cgroup's OOM killer struck
        self._cleanup(spare)
        return {
            "pid": pid,
            "killed": killed,
            "exit": os.WEXITSTATUS(status) if os.WIFEXITED(status) else None,
            "signal": os.WTERMSIG(status) if os.WIFSIGNALED(status) else None,
            "oom": oom,
        }

    def _kill(self, spare: Spare) -> None:
        # PID 1 of its own namespace: killing it kills everything it started, setsid() or not.
        # Without namespaces, the child's process group is the best we have.
        for target in [spare.pid] if spare.fresh_ns else [-spare.pid, spare.pid]:
            try:
                os.kill(target, signal.SIGKILL)
            except ProcessLookupError:
                pass

    def _reap(self, spare: Spare) -> None:
        _reap_now(spare.pid)
        for fd in (spare.job_w, spare.result_r):
            _close_quietly(fd)
        self._cleanup(spare)

    def _cleanup(self, spare: Spare) -> None:
        if not spare.fresh_ns:
            try:
                os.killpg(spare.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        shutil.rmtree(spare.workdir, ignore_errors=True)
        spare.groups.remove()

    def shutdown(self) -> None:
        for spare in [*self.spares, *self.running.values()]:
            self._kill(spare)
        for spare in [*self.spares, *self.running.values()]:
            _reap_quietly(spare.pid)
        shutil.rmtree(self.root, ignore_errors=True)
        self.cgroups.close()


def _alive(pid: int) -> bool:
    return _reap_now(pid) is None


def _reap_now(pid: int) -> int | None:
    try:
        done, status = os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        return 0
    return status if done else None


def _reap_quietly(pid: int) -> None:
    try:
        os.waitpid(pid, 0)
    except ChildProcessError:
        pass


def _close_all_but(keep: list[int]) -> None:
    """Close every file descriptor above stderr except `keep`."""
    low = 3
    for fd in sorted(keep):
        if fd >= low:
            os.closerange(low, fd)
            low = fd + 1
    os.closerange(low, 65536)


def _close_quietly(fd: int) -> None:
    try:
        os.close(fd)
    except OSError:
        pass


def child_main(job_r: int, result_w: int, workdir: Path, zygote: Zygote, groups: ChildGroups) -> None:
    """In the forked child: lock down, wait for the job, run its trials, report each, exit."""
    from grader.sandbox import child

    protections = limits.Protections()
    gpu = zygote.device.startswith("cuda")
    limits.confine(
        workdir, zygote.settings, zygote.read_roots, protections, drop_uid=zygote.drop_uid, gpu=gpu,
        hidden=zygote.deny, groups=groups,
    )  # fmt: skip
    if gpu:
        child.warm_cuda(zygote.device)
    if zygote.config.get("warm", True):
        child.warm_spare()
    child.serve(job_r, result_w, zygote.device)


def main() -> None:
    fd = int(sys.argv[1])
    config = json.loads(sys.argv[2]) if len(sys.argv) > 2 else {}
    sock = socket.socket(fileno=fd)
    protections = limits.Protections()
    limits.enter_zygote_namespace(protections)  # before torch: no threads may exist yet
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    from grader.sandbox import child

    child.prepare(config.get("device", "cpu"))
    protections["landlock_abi"] = limits.landlock_abi()
    Zygote(sock, config, protections).serve()


if __name__ == "__main__":
    main()
