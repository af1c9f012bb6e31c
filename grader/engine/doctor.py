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


def run_doctor(quizzes: Path, device: str | None, echo: Callable[..., None] = print) -> None:
    from grader.deck.loader import load_library
    from grader.engine.grader import Grader
    from grader.sandbox import wire

    library = load_library([quizzes]) if quizzes.exists() else load_library([])
    deck_file = next((str(d.path.resolve()) for d in library.decks), None)
    with Grader(library, device) as grader:
        grader.start()
        protections = grader.sandbox.protections
        echo(f"grading device: {grader.device}")
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
    caps = {"0000000000000000": "no capabilities"}.get(
        observed.get("capabilities"), f"capabilities {observed.get('capabilities')}"
    )
    echo(
        f"  learner code runs as uid {observed.get('uid', '?')} with {caps}; "
        f"Landlock ABI {protections.get('landlock_abi', 0)}"
    )


def _observations(outcome: Any, wire: Any) -> dict[str, Any]:
    if not outcome.messages or outcome.messages[0].get("error"):
        return {}
    return {name: wire.decode(value) for name, value in outcome.messages[0]["observations"]}
