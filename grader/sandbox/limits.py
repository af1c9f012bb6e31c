"""The child's cage: namespaces, rlimits, Landlock, a dropped uid. Each step reports whether it took.

Linux only; elsewhere every step reports itself unavailable and grading still works.
Namespaces come first (they need privileges), the uid drop last (it removes them).
"""

from __future__ import annotations

import ctypes
import os
import resource
import sys
from dataclasses import dataclass
from pathlib import Path

from grader.sandbox import mounts, seccomp
from grader.sandbox.cgroups import ChildGroups

CLONE_NEWNS = 0x00020000
CLONE_NEWIPC = 0x08000000
CLONE_NEWUSER = 0x10000000
CLONE_NEWPID = 0x20000000
CLONE_NEWNET = 0x40000000
PR_SET_PDEATHSIG = 1
PR_SET_NO_NEW_PRIVS = 38
NOBODY = 65534

_libc = ctypes.CDLL(None, use_errno=True) if sys.platform.startswith("linux") else None


@dataclass
class Settings:
    """Per-child limits. `memory_mb` is on top of what the forked process already maps."""

    memory_mb: int = 1536
    cpu_seconds: int = 60
    file_bytes: int = 16 * 1024 * 1024
    disk_bytes: int = 64 * 1024 * 1024  # the whole working directory (a tmpfs where mounts are allowed)
    open_files: int = 256
    processes: int = 64


def _unshare(flags: int) -> bool:
    return _libc is not None and _libc.unshare(flags) == 0


def _errno() -> str:
    return os.strerror(ctypes.get_errno())


class Protections(dict):
    """name -> True/False or a short reason; what `torchdrill doctor` prints."""


def enter_zygote_namespace(protections: Protections) -> None:
    """Run once at zygote start, before torch starts threads: become PID 1 of a PID namespace we own.

    A non-root user first enters a user namespace, which is what lets the zygote make a fresh
    PID namespace per child later. The process that called us waits for the zygote and exits
    with it, so the parent's Popen still tracks the zygote's life.
    """
    protections["real_root"] = os.geteuid() == 0
    if _libc is None:
        protections["pid_namespace"] = "not Linux"
        return
    if os.geteuid() != 0 and not _enter_user_namespace():
        protections["pid_namespace"] = f"no user namespace ({_errno()})"
        return
    if not _unshare(CLONE_NEWPID):
        protections["pid_namespace"] = f"unshare failed ({_errno()})"
        return
    pid = os.fork()
    if pid:
        _wait_and_exit(pid)
    _libc.prctl(PR_SET_PDEATHSIG, 9, 0, 0, 0)  # the waiter's death takes the zygote and its children down
    protections["pid_namespace"] = True
    # One empty network namespace for the zygote and every child it forks: no interface is up.
    protections["network_namespace"] = _unshare(CLONE_NEWNET) or f"unavailable ({_errno()})"


def _wait_and_exit(pid: int) -> None:
    import signal

    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, lambda *_: os._exit(1))  # our death takes the zygote down via PDEATHSIG
    while True:
        try:
            _, status = os.waitpid(pid, 0)
            os._exit(os.waitstatus_to_exitcode(status) & 0xFF)
        except InterruptedError:
            continue


def _enter_user_namespace() -> bool:
    uid, gid = os.getuid(), os.getgid()
    if not _unshare(CLONE_NEWUSER):
        return False
    try:
        Path("/proc/self/setgroups").write_text("deny")
        Path("/proc/self/uid_map").write_text(f"0 {uid} 1")
        Path("/proc/self/gid_map").write_text(f"0 {gid} 1")
    except OSError:
        return False
    return True


class PidNamespaces:
    """Gives each forked child a PID namespace of its own, so nothing it starts outlives it."""

    def __init__(self, enabled: bool) -> None:
        self.fd = os.open("/proc/self/ns/pid", os.O_RDONLY) if enabled else -1

    def fork(self) -> tuple[int, bool]:
        """fork(); returns (pid, whether the child is PID 1 of a fresh namespace)."""
        fresh = self.fd >= 0 and _unshare(CLONE_NEWPID)
        pid = os.fork()
        if pid and fresh:
            _libc.setns(self.fd, CLONE_NEWPID)  # later forks start from our own namespace again
        return pid, fresh


def confine(
    workdir: Path,
    settings: Settings,
    read_roots: list[str],
    protections: Protections,
    *,
    drop_uid: bool,
    gpu: bool = False,
    hidden: list[Path] = (),  # type: ignore[assignment]
    groups: ChildGroups | None = None,
) -> None:
    """Called in the child before it accepts any learner code. Privileged steps first (cgroups,
    namespaces, mounts), then the limits, Landlock, the uid drop, and seccomp last."""
    if os.getpid() != os.getsid(0):
        os.setsid()
    protections["cgroup"] = groups.join() if groups is not None else "unavailable"
    # The network namespace is the zygote's, made once and empty (no interface up, not even
    # loopback): a namespace per child cost a kernel clean-up per submission. IPC objects outlive
    # processes, so the IPC namespace is each child's own.
    protections["ipc_namespace"] = _unshare(CLONE_NEWIPC) or f"unavailable ({_errno()})"
    reachable = _own_view(workdir, settings, read_roots, protections, drop_uid=drop_uid, hidden=hidden)
    os.chdir(workdir)  # after the tmpfs went over it
    capped = groups is not None and groups.pids is not None and protections["cgroup"] is True
    protections["rlimits"] = _set_rlimits(settings, address_space=not gpu, processes=not capped)
    # /proc/self, resolved: in a PID namespace os.getpid() is 1, which names the host's init in /proc
    protections["landlock"] = landlock(workdir, [*read_roots, os.path.realpath("/proc/self")], gpu=gpu)
    protections["keyring"] = fresh_session_keyring()
    if drop_uid:
        protections["privileges"] = drop_privileges(python_reachable=reachable)
    protections["seccomp"] = seccomp.install()
    _clean_environment(workdir)


def _own_view(
    workdir: Path, settings: Settings, read_roots: list[str], protections: Protections, *, drop_uid: bool,
    hidden: list[Path],
) -> bool:  # fmt: skip
    """The mount namespace's steps; returns whether Python is readable by `nobody` now."""
    protections["mount_namespace"] = mounts.enter_namespace()
    readable = not mounts.blocking_folders(read_roots)
    if protections["mount_namespace"] is not True:
        return readable
    owner = NOBODY if drop_uid else os.getuid()
    protections["disk_quota"] = mounts.cap_workdir(workdir, settings.disk_bytes, owner, owner)
    protections["decks_hidden"] = mounts.hide(list(hidden))
    if drop_uid and not readable:
        protections["python_for_nobody"] = mounts.reach_without_privileges(read_roots)
        readable = protections["python_for_nobody"] is True
    return readable


def fresh_session_keyring() -> bool | str:
    """Leave the session keyring the grader's user had for a new, empty one (seccomp then refuses
    every keyring call, so not even this one can carry anything)."""
    import platform

    numbers = seccomp.ARCHES.get(platform.machine())
    if _libc is None or numbers is None:
        return "unavailable"
    keyring = _libc.syscall(numbers[1]["keyctl"], 1, None, 0, 0, 0)  # KEYCTL_JOIN_SESSION_KEYRING, anonymous
    return True if keyring >= 0 else f"unavailable ({_errno()})"


def drop_privileges(*, python_reachable: bool) -> str:
    """As root, become `nobody` with no capability at all: no raising limits, and RLIMIT_NPROC holds
    (it never does for uid 0). Where `nobody` could not reach the Python installation and no mount
    namespace could make it reachable, stay uid 0 without any capability instead (and never keep a
    capability that bypasses directory permissions)."""
    if python_reachable:
        return "uid nobody, no capabilities" if _become_nobody(keep=0) else f"kept root ({_errno()})"
    return "root without capabilities" if drop_capabilities() else f"kept root ({_errno()})"


def _become_nobody(keep: int) -> bool:
    try:
        os.setgroups([])
        os.setgid(NOBODY)
        os.setuid(NOBODY)
    except OSError:
        return False
    return True


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [
        ("effective", ctypes.c_uint32),
        ("permitted", ctypes.c_uint32),
        ("inheritable", ctypes.c_uint32),
    ]


def drop_capabilities() -> bool:
    if _libc is None:
        return False
    for cap in range(64):
        _libc.prctl(24, cap, 0, 0, 0)  # PR_CAPBSET_DROP: no exec can bring them back
    return _set_capabilities(0)


def _set_capabilities(keep: int) -> bool:
    """Effective and permitted = `keep` (a bit mask of the first 32 capabilities), nothing inheritable."""
    _libc.prctl(47, 4, 0, 0, 0)  # PR_CAP_AMBIENT_CLEAR_ALL
    header = _CapHeader(0x20080522, 0)
    data = (_CapData * 2)()
    data[0].effective = data[0].permitted = keep
    return _libc.capset(ctypes.byref(header), data) == 0


def _set_rlimits(settings: Settings, *, address_space: bool, processes: bool = True) -> bool | str:
    """`processes`: RLIMIT_NPROC, the fallback where no pids cgroup caps this child alone (it counts
    every process of the uid, so concurrent graders' children would share one allowance)."""
    limits = [
        (resource.RLIMIT_CPU, settings.cpu_seconds, settings.cpu_seconds + 2),
        (resource.RLIMIT_FSIZE, settings.file_bytes, settings.file_bytes),
        (resource.RLIMIT_NOFILE, settings.open_files, settings.open_files),
        (resource.RLIMIT_CORE, 0, 0),
    ]
    if address_space:
        # A torch process already maps hundreds of MB; the limit is what it may add.
        extra = mapped_bytes() + settings.memory_mb * 1024 * 1024
        limits.append((resource.RLIMIT_AS, extra, extra))
    if processes and (os.geteuid() == 0 or os.getuid() == NOBODY):
        limits.append((resource.RLIMIT_NPROC, settings.processes, settings.processes))
    try:
        for which, soft, hard in limits:
            resource.setrlimit(which, (soft, hard))
    except (ValueError, OSError) as e:
        return f"partial ({e})"
    import signal

    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a too-large write fails instead of killing us
    return True


def mapped_bytes() -> int:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def _clean_environment(workdir: Path) -> None:
    os.environ.clear()
    os.environ.update(
        {"HOME": str(workdir), "TMPDIR": str(workdir), "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"}
    )
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    os.close(devnull)


# Landlock: restrict the filesystem to reading the Python installation and writing the workdir.
_FS_READ = (1 << 0) | (1 << 2) | (1 << 3)  # execute, read file, read dir
_FS_ALL_V1 = (1 << 13) - 1
_FS_REFER, _FS_TRUNCATE, _FS_IOCTL_DEV = 1 << 13, 1 << 14, 1 << 15
_NET_ALL = (1 << 0) | (1 << 1)  # bind and connect TCP
_SCOPE_ALL = (1 << 0) | (1 << 1)  # abstract unix sockets and signals outside the sandbox


class _RulesetAttr(ctypes.Structure):
    _fields_ = [
        ("handled_access_fs", ctypes.c_uint64),
        ("handled_access_net", ctypes.c_uint64),
        ("scoped", ctypes.c_uint64),
    ]


class _PathBeneath(ctypes.Structure):
    _pack_ = 1
    _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


def landlock_abi() -> int:
    if _libc is None:
        return 0
    abi = _libc.syscall(444, None, 0, 1)
    return abi if abi > 0 else 0


def landlock(workdir: Path, read_roots: list[str], *, gpu: bool = False) -> bool | str:
    abi = landlock_abi()
    if abi == 0:
        return "unavailable (kernel without Landlock)"
    handled = (
        _FS_ALL_V1
        | (_FS_REFER if abi >= 2 else 0)
        | (_FS_TRUNCATE if abi >= 3 else 0)
        | (_FS_IOCTL_DEV if abi >= 5 else 0)
    )
    attr = _RulesetAttr(handled, _NET_ALL if abi >= 4 else 0, _SCOPE_ALL if abi >= 6 else 0)
    size = ctypes.sizeof(_RulesetAttr) if abi >= 6 else (16 if abi >= 4 else 8)
    ruleset = _libc.syscall(444, ctypes.byref(attr), size, 0)
    if ruleset < 0:
        return f"unavailable ({_errno()})"
    try:
        read_file = (1 << 0) | (1 << 2)
        for root in read_roots:
            _allow(ruleset, root, _FS_READ, read_file)
        _allow(ruleset, str(workdir), handled, handled)
        _allow(ruleset, os.devnull, (1 << 1) | (1 << 2) | (_FS_TRUNCATE if abi >= 3 else 0), None)
        if gpu:  # only what CUDA opens, never /dev as a whole (/dev/shm would be a channel)
            for device in gpu_devices():
                _allow(ruleset, device, handled, handled)
            for info in GPU_INFO:
                _allow(ruleset, info, _FS_READ, read_file)
        if _libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 or _libc.syscall(446, ruleset, 0) != 0:
            return f"failed ({_errno()})"
    finally:
        os.close(ruleset)
    return True if abi >= 4 else "files only (kernel Landlock ABI < 4: no TCP rules)"


GPU_INFO = ("/proc/driver/nvidia", "/sys/bus/pci/devices", "/sys/devices/pci0000:00", "/sys/module/nvidia",
            "/proc/devices")  # fmt: skip


def gpu_devices() -> list[str]:
    """The device files the CUDA driver opens: /dev/nvidiactl, /dev/nvidia0.., /dev/nvidia-uvm*, caps."""
    import glob

    return sorted(glob.glob("/dev/nvidia*"))


def _allow(ruleset: int, path: str, dir_access: int, file_access: int | None) -> None:
    try:
        fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
    except OSError:
        return
    try:
        is_dir = os.path.isdir(path)
        access = dir_access if is_dir else (file_access if file_access is not None else dir_access)
        rule = _PathBeneath(access, fd)
        _libc.syscall(445, ruleset, 1, ctypes.byref(rule), 0)
    finally:
        os.close(fd)


def read_roots(exclude: list[Path]) -> list[str]:
    """What a child may read: the Python installation and system libraries, never the decks."""
    import site
    import sysconfig

    # Not /etc or /proc as a whole: no /etc/shadow, no other processes' command lines.
    candidates = {
        sys.prefix,
        sys.base_prefix,
        sys.exec_prefix,
        sysconfig.get_paths()["stdlib"],
        *site.getsitepackages(),
        "/usr",
        "/lib",
        "/lib64",
        "/etc/ld.so.cache",
        "/etc/localtime",
        "/proc/cpuinfo",
        "/proc/meminfo",
        "/proc/stat",
        "/sys/devices/system/cpu",
        "/sys/fs/cgroup",
        "/dev/urandom",
        "/dev/zero",
    }
    banned = [p.resolve() for p in exclude]
    out: set[str] = set()
    for c in candidates:
        path = Path(c)
        if path.exists():
            out.update(_without(path.resolve(), banned))
    return sorted(out)


def _without(root: Path, banned: list[Path]) -> list[str]:
    """`root`, or, where a banned folder (the decks) lies inside it, the entries of `root` but the
    branch that leads there, recursively: Landlock can only allow, so the decks are carved out by
    allowing their siblings. (Decks bundled in `<prefix>/share/torchdrill` cost a handful of rules.)"""
    if root in banned:
        return []
    inside = [b for b in banned if b.is_relative_to(root)]
    if not inside:
        return [str(root)]
    try:
        entries = list(root.iterdir()) if root.is_dir() else []
    except OSError:
        return []
    out = []
    for entry in entries:
        try:
            target = entry.resolve()  # a link is allowed as what it leads to, and checked as that
        except OSError:
            continue
        out += _without(target, inside) if any(b.is_relative_to(target) for b in inside) else [str(target)]
    return out
