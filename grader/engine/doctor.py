"""`torchdrill doctor`: which sandbox protections are active here, shown by trying them."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

# label -> how to tell, from the zygote's report and from what a child observed trying it
PROBES: dict[str, Callable[[dict[str, Any], dict[str, Any]], Any]] = {
    "a process it starts dies with it, setsid() or not (PID namespace)": lambda z, c: z.get("pid_namespace"),
    "no network (network namespace, Landlock TCP rules)": lambda z, c: c.get("network blocked"),
    "no Unix sockets to the host, pathname or abstract (seccomp, namespaces)": lambda z, c: c.get(
        "unix blocked"
    ),
    "cannot read the decks or files outside Python's installation (Landlock, mounts)": lambda z, c: bool(
        c.get("decks unreadable") and c.get("host files unreadable")
    ),
    "nothing of the grader's environment, even in /proc/self/environ": lambda z, c: c.get(
        "environment clean"
    ),
    "no keyring: neither the grader's nor one shared between submissions (seccomp)": lambda z, c: c.get(
        "keyring blocked"
    ),
    "no file descriptor but its own pipes": lambda z, c: c.get("no inherited descriptors"),
    "memory of all its processes bounded together (memory cgroup)": lambda z, c: (
        z.get("cgroup") if z.get("cgroup") is not True else c.get("in a cgroup")
    ),
    "memory outside the address space refused (memfd; seccomp)": lambda z, c: c.get("memfd blocked"),
    "its working directory capped in size (tmpfs)": lambda z, c: c.get("disk capped"),
    "memory, CPU time, file size and open-file limits it cannot raise (rlimits, dropped privileges)": lambda z, c: (
        c.get("rlimits fixed")
    ),
    "needless system calls refused (seccomp filter)": lambda z, c: c.get("seccomp"),
    "wall-clock limit per trial, enforced from outside": lambda z, c: True,
    "results read as data only (no pickle), verdict decided outside": lambda z, c: True,
}

CHILD_REPORT = """
import os, socket, resource, ctypes, platform
def probe(fn):
    try:
        fn(); return False
    except Exception:
        return True
def keyctl():
    number = {"x86_64": 250, "aarch64": 219}.get(platform.machine(), -1)
    if ctypes.CDLL(None, use_errno=True).syscall(number, 0, -3, 0, 0, 0) < 0:  # KEYCTL_GET_KEYRING_ID, session
        raise OSError("refused")
allowed = {"PATH", "LANG", "HOME", "TMPDIR", "PYTHONPATH", "PYTHONDONTWRITEBYTECODE", "CUDA_VISIBLE_DEVICES",
           "CUDA_DEVICE_ORDER", "NVIDIA_VISIBLE_DEVICES", "LD_LIBRARY_PATH", "CUBLAS_WORKSPACE_CONFIG"}
try:
    environ = open("/proc/self/environ", "rb").read().split(b"\\0")
except OSError:  # not even readable: nothing to leak
    environ = []
keys = {e.split(b"=", 1)[0].decode() for e in environ if e}
observe("network blocked", probe(lambda: socket.create_connection(("127.0.0.1", 9), timeout=1)))
observe("unix blocked", probe(lambda: socket.socket(socket.AF_UNIX)))
observe("decks unreadable", probe(lambda: open(DECK).read()))
observe("host files unreadable", probe(lambda: open("/etc/shadow").read()) and probe(lambda: open("/proc/1/cmdline").read()))
observe("environment clean", keys <= allowed)
observe("keyring blocked", probe(keyctl))
observe("no inherited descriptors", len(os.listdir("/proc/self/fd")) <= 5)
observe("in a cgroup", "torchdrill-" in open("/proc/self/cgroup").read())
observe("memfd blocked", probe(lambda: os.memfd_create("x")))
disk = os.statvfs(".")
observe("disk capped", disk.f_blocks * disk.f_frsize <= 1024 ** 3)
observe("rlimits fixed", probe(lambda: resource.setrlimit(resource.RLIMIT_AS, (resource.RLIM_INFINITY,) * 2)))
observe("seccomp", any(l.split()[1:] == ["2"] for l in open("/proc/self/status") if l.startswith("Seccomp:")))
observe("uid", os.getuid())
observe("capabilities", [l.split()[1] for l in open("/proc/self/status") if l.startswith("CapEff")][0])
"""


def run_doctor(
    quizzes: list[Path], device: str | None, echo: Callable[..., None] = print, db: Path | None = None
) -> None:
    """The one place to look when something is off: versions, where things are, the grading device
    and why, and each sandbox protection tried from inside a child, with what fixes a missing one."""
    from grader.deck.loader import load_library
    from grader.engine.grader import Grader
    from grader.paths import bundled_decks, describe_roots, own_decks
    from grader.sandbox import wire

    echo(_versions())
    library = load_library([q for q in quizzes if q.exists()])
    if not quizzes:
        echo("decks: none found; to fix: pass --quizzes DIR, set TORCHDRILL_QUIZZES, or reinstall torchdrill")
    else:
        problems = (
            f"; {len(library.problems)} with problems: run torchdrill validate" if library.problems else ""
        )
        echo(
            f"decks: {describe_roots(quizzes)} ({len(library.decks)} decks, {len(library.entries)} exercises{problems})"
        )
        if bundled_decks() in quizzes and own_decks() not in quizzes:
            echo(f"  your own decks go in {own_decks()} (torchdrill new KIND DECK/ID starts one there)")
    if db is not None:
        echo(f"database: {db}" + ("" if db.exists() else " (created on first use)"))
    deck_file = next((str(d.path.resolve()) for d in library.decks), None)
    with Grader(library, device) as grader:
        grader.start()
        protections = grader.sandbox.protections
        echo(f"grading device: {grader.device} ({_device_reason(device, grader.device)})")
        outcome = grader.sandbox.run(
            {
                "setup": f"DECK = {deck_file or '/etc/hostname'!r}",
                "answer": "pass",
                "check": CHILD_REPORT,
                "mode": "exec",
                "forbid": [],
                "trials": [{"seed": 0, "params": {}}],
            },
            1,
            10,
        )
    observed = _observations(outcome, wire)
    echo("sandbox protections (each tried from inside a sandbox child):")
    for label, test in PROBES.items():
        value = test(protections, observed)
        note = "" if value is True else f"  <- not active{': ' + value if isinstance(value, str) else ''}"
        echo(f"  [{'x' if value is True else ' '}] {label}{note}")
    echo(
        f"  learner code runs as {_identity(observed, protections)}; Landlock ABI {protections.get('landlock_abi', 0)}"
    )
    for hint in _fixes(protections, observed):
        echo(f"  to fix: {hint}")


def _versions() -> str:
    import platform
    from importlib.metadata import PackageNotFoundError, version

    found = []
    for name in ("torchdrill", "torch", "textual", "fsrs"):
        try:
            found.append(f"{name} {version(name)}")
        except PackageNotFoundError:
            found.append(f"{name} not installed")
    return f"python {platform.python_version()}; " + "; ".join(found)


def _device_reason(asked: str | None, device: str) -> str:
    if asked:
        return f"asked for with --device {asked}"
    import torch

    if device == "cpu":
        built = "torch was built without CUDA" if torch.version.cuda is None else "torch sees no CUDA device"
        return f"{built}: install a CUDA build of torch to grade on a GPU"
    return "CUDA is available, so it is the default"


def _identity(observed: dict[str, Any], protections: dict[str, Any]) -> str:
    uid, caps = observed.get("uid", "?"), observed.get("capabilities")
    if protections.get("real_root") is False and uid == 0:
        # As a user, the zygote made a user namespace: uid 0 there is the user outside, nothing more.
        return "uid 0 inside its own user namespace (your own user outside it, with no rights beyond yours)"
    what = "no capabilities" if caps == "0000000000000000" else f"capabilities {caps}"
    return f"uid {uid} with {what}"


def _fixes(protections: dict[str, Any], observed: dict[str, Any]) -> list[str]:
    hints = []
    if protections.get("pid_namespace") is not True:
        hints.append("allow unprivileged user namespaces (sysctl kernel.unprivileged_userns_clone=1, or the "
                     "AppArmor rule kernel.apparmor_restrict_unprivileged_userns=0), or run the grader as root")  # fmt: skip
    if protections.get("landlock_abi", 0) == 0:
        hints.append(
            "a Linux kernel >= 5.13 with Landlock enabled (lsm=landlock,...) bounds what a child reads"
        )
    if protections.get("cgroup") is not True:
        hints.append(
            "grade as root, or from a systemd unit with Delegate=yes, for a memory cgroup per submission"
        )
    return hints


def _observations(outcome: Any, wire: Any) -> dict[str, Any]:
    if not outcome.messages or outcome.messages[0].get("error"):
        return {}
    return {name: wire.decode(value) for name, value in outcome.messages[0]["observations"]}
