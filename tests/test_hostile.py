"""Hostile answers: each gets a clear status, never `passed`; nothing leaks, nothing is left behind,
and the next honest answer in the same session is graded correctly."""

from __future__ import annotations

import os
import socket
import threading
import time
from pathlib import Path

import pytest

GID = "sample/mse-by-hand"


@pytest.fixture(scope="module")
def grader(tmp_path_factory):
    """The sample deck with a 1 s limit per trial on the code exercise: an endless loop costs a
    second here instead of five, and is still stopped from outside the child."""
    from support import SAMPLE

    from grader.deck.loader import load_library
    from grader.engine.grader import Grader

    quizzes = tmp_path_factory.mktemp("hostile-quizzes")
    deck = SAMPLE.read_text().replace("    kind: code\n", "    kind: code\n    timeout: 1\n", 1)
    (quizzes / "sample.yaml").write_text(deck)
    with Grader(load_library([quizzes]), "cpu") as g:
        yield g


HONEST = "def mse(a, b):\n    return ((a - b) ** 2).mean()\n"
WRONG = "    return (a - b).abs().sum()\n"


def hostile(prefix: str, body: str = WRONG) -> str:
    return prefix + "\ndef mse(a, b):\n" + body


HOSTILE = {
    "infinite loop": ("def mse(a, b):\n    while True:\n        pass\n", {"timeout"}),
    "loop with alarm(0) and ignored signals": (
        "import signal\nfor s in (signal.SIGTERM, signal.SIGINT, signal.SIGALRM, signal.SIGXCPU):\n"
        "    signal.signal(s, signal.SIG_IGN)\nsignal.alarm(0)\ndef mse(a, b):\n    while True:\n        pass\n",
        {"timeout"},
    ),
    "memory bomb (tensor)": ("def mse(a, b):\n    x = torch.empty(10**11)\n    return x.sum()\n", {"memory"}),
    "memory bomb (list)": ("def mse(a, b):\n    x = [0] * 10**11\n    return 0\n", {"memory"}),
    "output flood": (
        hostile(
            "import sys\nfor _ in range(200):\n    sys.stdout.write('x' * 1_000_000)\n"
            "    os_write = __import__('os').write(1, b'y' * 100000)"
        ),
        {"failed"},
    ),
    "sys.exit(0)": (hostile("import sys\nsys.exit(0)"), {"error"}),
    "os._exit(0)": ("def mse(a, b):\n    import os\n    os._exit(0)\n", {"error"}),
    "fake passed lines": (
        hostile('print(\'PASSED\')\nprint(\'{"status": "passed", "score": 1.0}\')'),
        {"failed"},
    ),
    "patched comparisons": (
        hostile(
            "torch.allclose = lambda *a, **k: True\ntorch.equal = lambda *a, **k: True\n"
            "torch.testing.assert_close = lambda *a, **k: None\ntorch.Tensor.__eq__ = lambda *a, **k: True"
        ),
        {"failed"},
    ),
    "tensor subclass that equals everything": (
        "class Liar(torch.Tensor):\n    @classmethod\n    def __torch_function__(cls, func, types, args=(), kwargs=None):\n"
        "        return True\ndef mse(a, b):\n    return torch.zeros(()).as_subclass(Liar)\n",
        {"failed"},
    ),
    "object whose __eq__ is always true": (
        "class Eq:\n    def __eq__(self, other):\n        return True\ndef mse(a, b):\n    return Eq()\n",
        {"failed"},
    ),
    "pickle payload as observation": (
        "import os\nclass Boom:\n    def __reduce__(self):\n        return (os.system, ('touch /tmp/torchdrill-pwned',))\n"
        "def mse(a, b):\n    return Boom()\n",
        {"failed"},
    ),
    "reading the deck from disk": (
        "def mse(a, b):\n    text = open(DECK).read()\n    return torch.tensor(float(len(text)))\n",
        {"error"},
    ),
    "searching gc for the reference": (
        "import gc\nsrc = [o for o in gc.get_objects() if isinstance(o, str) and '** 2).mean()' in o]\n"
        "exec(src[0] if src else 'def mse(a, b):\\n    return a.sum() * 0')\n",
        {"failed"},
    ),
    # PID 1 of its namespace: its own SIGKILL is ignored and the parent is out of sight
    "killing the parent": (
        "import os, signal\nos.kill(os.getppid(), signal.SIGKILL)\n" + hostile(""),
        {"error", "failed"},
    ),
    "segfault via ctypes": ("import ctypes\nctypes.string_at(0)\n" + hostile(""), {"error"}),
    "reading stdin": (
        hostile("import sys\ndata = sys.stdin.read()", "    return torch.tensor(float(len(data)))\n"),
        {"failed"},
    ),
    "raising rlimits back up": (
        "import resource\nresource.setrlimit(resource.RLIMIT_AS, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))\n"
        + hostile(""),
        {"error"},
    ),
}


@pytest.fixture(scope="module")
def deck_path(grader) -> Path:
    return grader.library.decks[0].path.resolve()


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_answer_gets_a_clear_status_and_the_next_honest_one_passes(grader, deck_path, name) -> None:
    answer, statuses = HOSTILE[name]
    answer = answer.replace("DECK", repr(str(deck_path)))
    verdict = grader.grade(GID, answer)
    assert verdict.status in statuses, f"{name}: {verdict.status}: {verdict.feedback}"
    assert verdict.feedback, "a hostile answer still gets feedback"
    assert grader.grade(GID, HONEST).status == "passed"
    assert not Path("/tmp/torchdrill-pwned").exists()


def _processes_with(marker: str) -> list[str]:
    found = []
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
            except OSError:
                continue
            if marker in cmdline and "pytest" not in cmdline:
                found.append(cmdline)
    return found


def test_setsid_children_do_not_outlive_the_submission(grader) -> None:
    answer = (
        "import os, subprocess\nsubprocess.Popen(['sleep', '4243'], start_new_session=True)\n"
        "if os.fork() == 0:\n    os.setsid()\n    os.execv('/bin/sleep', ['sleep', '4244'])\n" + hostile("")
    )
    verdict = grader.grade(GID, answer)
    assert verdict.status != "passed"
    assert _gone("sleep 424")
    assert grader.grade(GID, HONEST).status == "passed"
    assert _processes_with("sleep 424") == [], "gone for good once the next submission starts"


def _gone(marker: str, within: float = 3.0) -> bool:
    """The child is killed as the verdict is returned; its namespace takes a moment to empty."""
    import time

    deadline = time.monotonic() + within
    while _processes_with(marker):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def test_no_connection_reaches_a_local_server(grader) -> None:
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    server.settimeout(3)
    port = server.getsockname()[1]
    accepted: list[object] = []
    thread = threading.Thread(target=lambda: accepted.append(_accept(server)))
    thread.start()
    answer = (
        f"import socket\nsocket.create_connection(('127.0.0.1', {port}), timeout=2).sendall(b'hi')\n"
        + hostile("")
    )
    verdict = grader.grade(GID, answer)
    thread.join()
    server.close()
    assert verdict.status == "error" and accepted == [None]


def _accept(server: socket.socket) -> object:
    try:
        return server.accept()
    except OSError:
        return None


def test_writing_into_the_quizzes_directory_fails_and_changes_nothing(grader, deck_path) -> None:
    before = {p.name: p.stat().st_mtime_ns for p in deck_path.parent.iterdir()}
    answer = f"open({str(deck_path)!r}, 'a').write('x')\n" + hostile("")
    verdict = grader.grade(GID, answer)
    answer2 = f"open({str(deck_path.parent / 'new.yaml')!r}, 'w').write('x')\n" + hostile("")
    verdict2 = grader.grade(GID, answer2)
    assert verdict.status == "error" and verdict2.status == "error"
    assert {p.name: p.stat().st_mtime_ns for p in deck_path.parent.iterdir()} == before


def test_a_patch_in_one_submission_does_not_reach_the_next(grader) -> None:
    grader.grade(GID, "torch.Tensor.mean = lambda self, *a, **k: self.sum() * 0\n" + hostile(""))
    assert grader.grade(GID, HONEST).status == "passed"


FORBID_BYPASSES = {
    "binding the forbidden function": "mse = getattr(F, 'mse_' + 'loss')\n",
    "a partial of it": "import functools\nmse = functools.partial(getattr(F, 'mse_' + 'loss'))\n",
    "unwrapping the guard": "def mse(a, b):\n    return getattr(F, 'mse_' + 'loss').__wrapped__(a, b)\n",
    "patching the guard module": "import sys\nsys.modules['grader.sandbox.guard'].learner_is_calling = lambda *a: False\n"
    "def mse(a, b):\n    return getattr(F, 'mse_' + 'loss')(a, b)\n",
    "compiling under a library file name": 'exec(compile(\'def mse(a, b):\\n    return getattr(F, "mse_" + "loss")(a, b)\\n\','
    " torch.__file__, 'exec'))\n",
}


@pytest.mark.parametrize("name", sorted(FORBID_BYPASSES))
def test_forbid_cannot_be_bypassed_at_run_time(grader, name) -> None:
    verdict = grader.grade(GID, FORBID_BYPASSES[name])
    assert verdict.status in ("forbidden", "error") and verdict.status != "passed", verdict.feedback


@pytest.mark.parametrize(
    "answer",
    [
        "(lambda: 0).__globals__['h_' + 'n'][0]",
        "torch.sys._getframe(0).f_globals['h_' + 'n'][0]",
        "[v for k, v in (lambda: 0).__globals__.items() if k[0] == 'h' and k[1:] == '_n'][0][0]",
        "vars()['h_' + 'n'][0]",
    ],
)
def test_a_forbidden_setup_name_cannot_be_reached_another_way(grader, answer) -> None:
    assert grader.grade("sample/last-forward", answer).status == "forbidden"


@pytest.mark.skipif(
    os.geteuid() != 0, reason="the process cap applies where the sandbox drops root to nobody"
)
def test_a_fork_bomb_is_capped_and_cleaned_up(grader) -> None:
    answer = (
        "import os, time\npids = []\nfor _ in range(300):\n    pid = os.fork()\n    if pid == 0:\n"
        "        time.sleep(4245)\n        os._exit(0)\n    pids.append(pid)\n" + hostile("")
    )
    grader.grade(GID, HONEST)
    baseline = _sandbox_processes(grader)
    verdict = grader.grade(GID, answer)
    # Capped: fork fails once the pids limit is reached. On a loaded machine the forks before it may
    # outlast the exercise's 1 s limit instead: a timeout, as clear a verdict (the cleanup is below).
    capped = verdict.status == "error" and "Resource temporarily unavailable" in verdict.feedback
    assert capped or verdict.status == "timeout", verdict.feedback
    assert grader.grade(GID, HONEST).status == "passed"
    # The last child is torn down after its verdict (off the learner's clock): give it a moment.
    # What may stay: the spare children forked ahead for the next grade (at `baseline` a spare may
    # not have been forked yet), never the 64 processes the bomb made.
    allowed = max(baseline, grader.sandbox.config["spares"])
    deadline = time.monotonic() + 10
    while _sandbox_processes(grader) > allowed and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _sandbox_processes(grader) <= allowed


def _sandbox_processes(grader) -> int:
    """Processes of this grader's sandbox (its children carry the zygote's command line, which names
    the sandbox's own folder) that run as the sandbox's user, nobody."""
    root = grader.sandbox.config["root"]
    count = 0
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            status = Path(f"/proc/{pid}/status").read_text().splitlines()
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
        except OSError:
            continue
        uid = next((line.split()[1] for line in status if line.startswith("Uid:")), "")
        count += uid == "65534" and root in cmdline
    return count
