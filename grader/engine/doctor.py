"""`torchdrill doctor`: which sandbox protections are active here, shown by trying them."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

# label -> how to tell, from the zygote's report and from what a child observed trying it
PROBES: dict[str, Callable[[dict[str, Any], dict[str, Any]], Any]] = {
    "a process it starts dies with it, setsid() or not (PID namespace)": lambda z, c: z.get("pid_namespace"),
    "no network (network namespace, Landlock TCP rules)": lambda z, c: c.get("network blocked"),
    "cannot read the decks or files outside Python's installation (Landlock)": lambda z, c: bool(
        c.get("decks unreadable") and c.get("host files unreadable")
    ),
    "memory, CPU time, file size and open-file limits it cannot raise (rlimits, dropped privileges)": lambda z, c: (
        c.get("rlimits fixed")
    ),
    "wall-clock limit per trial, enforced from outside": lambda z, c: True,
    "results read as data only (no pickle), verdict decided outside": lambda z, c: True,
}

CHILD_REPORT = """
import os, socket, resource
def probe(fn):
    try:
        fn(); return False
    except Exception:
        return True
observe("network blocked", probe(lambda: socket.create_connection(("127.0.0.1", 9), timeout=1)))
observe("decks unreadable", probe(lambda: open(DECK).read()))
observe("rlimits fixed", probe(lambda: resource.setrlimit(resource.RLIMIT_AS, (resource.RLIM_INFINITY,) * 2)))
observe("uid", os.getuid())
observe("host files unreadable", probe(lambda: open("/etc/shadow").read()) and probe(lambda: open("/proc/1/cmdline").read()))
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
    caps = {"0000000000000000": "no capabilities", "0000000000000004": "only CAP_DAC_READ_SEARCH"}.get(
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
