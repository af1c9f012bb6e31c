"""A memory and a process cgroup per child, where the machine lets us make them.

An address-space limit is per process and blind to memory held outside mappings (memfd, pipes,
tmpfs pages); a memory cgroup bounds the whole submission, every process it starts included,
and the kernel's OOM killer ends it there. A pids cgroup caps its processes for any uid (the
RLIMIT_NPROC fallback holds only for `nobody`). cgroup v1 (a `memory` hierarchy) and v2 (the
unified tree with the memory controller delegated) are both read; where neither is writable
(a user's session without delegation, macOS) the rlimits are what holds, and `doctor` says so.

The zygote makes one folder per child before forking it; the child joins it (writing 0 to
`cgroup.procs`) before it runs anything; the zygote reads whether the OOM killer struck and
removes the folder after reaping it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

ROOT = Path("/sys/fs/cgroup")


@dataclass(frozen=True)
class ChildGroups:
    """The folders one child joins; empty when none could be made."""

    folders: tuple[Path, ...]
    memory: Path | None
    pids: Path | None = None

    def join(self) -> bool:
        try:
            for folder in self.folders:
                (folder / "cgroup.procs").write_text("0")
        except OSError:
            return False
        return bool(self.folders)

    def oom_killed(self) -> bool:
        if self.memory is None:
            return False
        for name in ("memory.events", "memory.oom_control"):  # v2, v1
            try:
                for line in (self.memory / name).read_text().splitlines():
                    key, _, value = line.partition(" ")
                    if key == "oom_kill" and value.strip() not in ("", "0"):
                        return True
            except OSError:
                continue
        return False

    def remove(self) -> None:
        for folder in self.folders:
            try:
                folder.rmdir()
            except OSError:
                pass


class Cgroups:
    """The zygote's parent folders (`torchdrill-<pid>` under its own cgroups) and their children."""

    def __init__(self, memory_bytes: int, processes: int) -> None:
        self.memory_bytes = memory_bytes
        self.processes = processes
        self.memory_base = _make_base(_memory_parent())
        self.pids_base = _make_base(_v1_parent("pids"))
        self.counter = 0

    @property
    def status(self) -> bool | str:
        if self.memory_base and self.pids_base:
            return True
        if self.memory_base:
            return "memory only (no pids cgroup)"
        return "unavailable (no writable memory cgroup here): per-process rlimits hold instead"

    def for_child(self) -> ChildGroups:
        self.counter += 1
        folders, memory, pids = [], None, None
        if self.memory_base:
            memory = _child(self.memory_base, f"c{self.counter}", {
                "memory.limit_in_bytes": str(self.memory_bytes), "memory.memsw.limit_in_bytes": str(self.memory_bytes),
                "memory.max": str(self.memory_bytes), "memory.swap.max": "0",
            })  # fmt: skip
            folders += [memory] if memory else []
        if self.pids_base:
            pids = _child(self.pids_base, f"c{self.counter}", {"pids.max": str(self.processes)})
            folders += [pids] if pids else []
        return ChildGroups(tuple(folders), memory, pids)

    def close(self) -> None:
        for base in (self.memory_base, self.pids_base):
            if base is None:
                continue
            for leftover in base.glob("c*"):
                try:
                    leftover.rmdir()
                except OSError:
                    pass
            try:
                base.rmdir()
            except OSError:
                pass


def _own_paths() -> dict[str, str]:
    """controller (or "" for v2) -> this process's cgroup path."""
    paths = {}
    try:
        for line in Path("/proc/self/cgroup").read_text().splitlines():
            _, controllers, path = line.split(":", 2)
            for controller in controllers.split(",") if controllers else [""]:
                paths[controller] = path
    except (OSError, ValueError):
        pass
    return paths


def _v1_parent(controller: str) -> Path | None:
    path = _own_paths().get(controller)
    folder = ROOT / controller / path.lstrip("/") if path is not None else None
    return folder if folder is not None and (folder / "cgroup.procs").exists() else None


def _memory_parent() -> Path | None:
    v1 = _v1_parent("memory")
    if v1 is not None and (v1 / "memory.limit_in_bytes").exists():
        return v1
    path = _own_paths().get("")
    for mount in (ROOT, ROOT / "unified"):
        folder = mount / path.lstrip("/") if path is not None else None
        if folder is not None and "memory" in _read(folder / "cgroup.subtree_control").split():
            return folder
    return None


def _make_base(parent: Path | None) -> Path | None:
    if parent is None:
        return None
    base = parent / f"torchdrill-{os.getpid()}"
    try:
        base.mkdir(exist_ok=True)
    except OSError:
        return None
    if (base / "cgroup.subtree_control").exists():  # v2: our children need the controllers too
        try:
            (base / "cgroup.subtree_control").write_text("+memory +pids")
        except OSError:
            pass
    return base


def _child(base: Path, name: str, limits: dict[str, str]) -> Path | None:
    folder = base / name
    try:
        folder.mkdir(exist_ok=True)
        written = False
        for file, value in limits.items():
            if (folder / file).exists():
                (folder / file).write_text(value)
                written = True
    except OSError:
        return None
    if not written:
        try:
            folder.rmdir()
        except OSError:
            pass
        return None
    return folder


def _read(path: Path) -> str:
    try:
        return path.read_text()
    except OSError:
        return ""
