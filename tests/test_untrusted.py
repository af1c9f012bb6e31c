"""A class's hostile submissions, class by class: secrets of the grading machine, channels between
submissions, the host without TCP, limits on the whole submission, fill blanks that leave their
place. Each attack comes several ways; each gets a clear verdict (never `passed` by cheating),
leaves nothing behind, and the next honest answer is graded right.

The honest part of each attack computes the right answer, so what it learned would reach the
learner through its own output (Gradescope shows it): the secret must never be in that output.
"""

from __future__ import annotations

import ctypes
import os
import platform
import shutil
import socket
import threading
import time
from pathlib import Path

import pytest

from grader.deck.loader import load_library
from grader.engine.grader import Grader

GID = "sample/mse-by-hand"
HONEST = "def mse(a, b):\n    return ((a - b) ** 2).mean()\n"
CANARY = "torchdrill-canary-7f3a"
KEYCTL = {"x86_64": 250, "aarch64": 219}.get(platform.machine())
ADD_KEY = {"x86_64": 248, "aarch64": 217}.get(platform.machine())
linux_root = pytest.mark.skipif(
    os.geteuid() != 0, reason="the cage as root (the machines this suite runs on)"
)


@pytest.fixture(scope="module")
def grader(tmp_path_factory: pytest.TempPathFactory):
    from support import SAMPLE

    quizzes = tmp_path_factory.mktemp("untrusted-quizzes")
    deck = SAMPLE.read_text().replace("    kind: code\n", "    kind: code\n    timeout: 2\n", 1)
    (quizzes / "sample.yaml").write_text(deck)
    saved = os.environ.get("GRADER_SECRET_TOKEN")
    os.environ["GRADER_SECRET_TOKEN"] = CANARY  # a secret in the environment the grader starts with
    try:
        with Grader(load_library([quizzes]), "cpu") as g:
            g.start()
            yield g
    finally:
        if saved is None:
            os.environ.pop("GRADER_SECRET_TOKEN", None)
        else:
            os.environ["GRADER_SECRET_TOKEN"] = saved


def attack(grader, prefix: str) -> object:
    """An answer that runs `prefix` (printing what it finds) and then answers honestly."""
    verdict = grader.grade(GID, prefix + "\n" + HONEST)
    assert grader.grade(GID, HONEST).status == "passed"
    return verdict


# -- 1. secrets of the grading machine ----------------------------------------------------------------
@pytest.mark.parametrize(
    "prefix",
    [
        "print(open('/proc/self/environ', 'rb').read())",
        "import os\nos.environ.clear()\nprint(open('/proc/self/environ', 'rb').read())",
        "import os\nprint(dict(os.environ))",
        "print(open('/proc/thread-self/environ', 'rb').read())",
        "import os\nfor p in os.listdir('/proc'):\n    try:\n        print(open(f'/proc/{p}/environ', 'rb').read())\n"
        "    except Exception as e:\n        print(e)",
        "import os\nprint(open(f'/proc/{os.getppid()}/environ', 'rb').read())",
    ],
    ids=["proc self", "after clear", "os.environ", "thread-self", "every process", "parent"],
)
def test_the_graders_environment_cannot_be_read(grader, prefix: str) -> None:
    verdict = attack(grader, prefix)
    assert CANARY not in verdict.stdout + verdict.feedback


@pytest.fixture(scope="module")
def keyed_grader(grader):
    """A grader started from a login-like session: its own session keyring holding a secret.

    (Without an explicit session keyring a process uses its uid's default one, which a child that
    became `nobody` would not reach anyway; a teacher's login session has an explicit one.)"""
    if KEYCTL is None:
        pytest.skip("keyring numbers known for x86_64 and aarch64 only")
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.syscall(KEYCTL, 1, b"torchdrill-test-session", 0, 0, 0) < 0:  # KEYCTL_JOIN_SESSION_KEYRING
        pytest.skip(f"no keyrings here (errno {ctypes.get_errno()})")
    serial = libc.syscall(ADD_KEY, b"user", b"torchdrill-test", CANARY.encode(), len(CANARY), -3)
    assert serial > 0
    with Grader(grader.library, "cpu") as keyed:
        yield keyed
    libc.syscall(KEYCTL, 21, serial, 0, 0, 0)  # KEYCTL_INVALIDATE


KEYRING_ATTACKS = {
    "read the session keyring": "import ctypes\nl = ctypes.CDLL(None)\nbuf = ctypes.create_string_buffer(4096)\n"
    "for kr in (-3, -4, -5, -6, -7):\n    n = l.syscall({keyctl}, 11, kr, buf, 4096)\n    print(kr, n, buf.raw[:max(n, 0)])\n"
    "    ids = [int.from_bytes(buf.raw[i:i+4], 'little') for i in range(0, max(n, 0), 4)]\n"
    "    for k in ids:\n        m = l.syscall({keyctl}, 11, k, buf, 4096)\n        print(k, buf.raw[:max(m, 0)])",
    "search by description": "import ctypes\nl = ctypes.CDLL(None)\nbuf = ctypes.create_string_buffer(4096)\n"
    "k = l.syscall({keyctl}, 10, -3, b'user', b'torchdrill-test', 0)\nn = l.syscall({keyctl}, 11, k, buf, 4096)\n"
    "print(k, buf.raw[:max(n, 0)])",
    "request_key": "import ctypes\nl = ctypes.CDLL(None)\nbuf = ctypes.create_string_buffer(4096)\n"
    "k = l.syscall({request}, b'user', b'torchdrill-test', None, 0)\nn = l.syscall({keyctl}, 11, k, buf, 4096)\n"
    "print(k, buf.raw[:max(n, 0)])",
}


@pytest.mark.parametrize("name", sorted(KEYRING_ATTACKS))
def test_the_graders_keyring_cannot_be_read(keyed_grader, name: str) -> None:
    request = {"x86_64": 249, "aarch64": 218}[platform.machine()]
    verdict = attack(keyed_grader, KEYRING_ATTACKS[name].format(keyctl=KEYCTL, request=request))
    assert verdict.status == "passed" and CANARY not in verdict.stdout


def test_no_descriptor_of_the_grader_or_the_zygote_is_inherited(grader) -> None:
    verdict = attack(grader, "import os\nfor fd in os.listdir('/proc/self/fd'):\n"
                             "    print(fd, os.readlink(f'/proc/self/fd/{fd}'))")  # fmt: skip
    links = [line.split(" ", 1)[1] for line in verdict.stdout.splitlines() if " " in line]
    assert not [x for x in links if x.startswith(("socket:", "pid:", "net:", "anon_inode:")) or "/proc/" in x]
    assert len([x for x in links if x.startswith("pipe:")]) <= 2  # the job's pipe (read) and the result's


# -- 2. channels between submissions and between runs ---------------------------------------------------
NOTES = {
    "user keyring": (
        "import ctypes\nl = ctypes.CDLL(None)\nprint(l.syscall({add_key}, b'user', b'note', b'{note}', {n}, -4))",
        "import ctypes\nl = ctypes.CDLL(None)\nbuf = ctypes.create_string_buffer(256)\n"
        "k = l.syscall({keyctl}, 10, -4, b'user', b'note', 0)\nm = l.syscall({keyctl}, 11, k, buf, 256)\n"
        "print(buf.raw[:max(m, 0)])",
    ),
    "/dev/shm": (
        "try:\n    open('/dev/shm/td-note', 'w').write('{note}')\nexcept OSError as e:\n    print(e)",
        "try:\n    print(open('/dev/shm/td-note').read())\nexcept OSError as e:\n    print(e)",
    ),
    "/tmp": (
        "try:\n    open('/tmp/td-note', 'w').write('{note}')\nexcept OSError as e:\n    print(e)",
        "try:\n    print(open('/tmp/td-note').read())\nexcept OSError as e:\n    print(e)",
    ),
    "working directory": (
        "import os\nopen('note', 'w').write('{note}')\nopen(os.path.join('..', 'note'), 'w').write('{note}')",
        "import os, glob\nfor p in glob.glob('../*/note') + glob.glob('../note') + glob.glob('note'):\n"
        "    print(open(p).read())",
    ),
    "abstract socket": (
        "import socket\ns = socket.socket(socket.AF_UNIX)\ns.bind('\\0td-note')\ns.listen()\nprint('bound')",
        "import socket\ns = socket.socket(socket.AF_UNIX)\ns.connect('\\0td-note')\nprint(s.recv(10))",
    ),
}


@pytest.mark.parametrize("name", sorted(NOTES))
def test_nothing_one_submission_leaves_reaches_the_next(grader, name: str) -> None:
    note = f"note-{name.replace(' ', '-')}-31337"
    write, read = NOTES[name]
    fill = {"note": note, "n": len(note), "keyctl": KEYCTL or -1, "add_key": ADD_KEY or -1}
    attack(grader, write.format(**fill))
    verdict = attack(grader, read.format(**fill))
    assert note not in verdict.stdout
    for path in ("/dev/shm/td-note", "/tmp/td-note"):
        assert not Path(path).exists()


def test_nothing_one_grading_run_leaves_reaches_a_later_run(grader, tmp_path: Path) -> None:
    """A later `grade` run is a new grader: the user keyring would outlive it, so it is refused."""
    note = "note-between-runs-4242"
    write, read = NOTES["user keyring"]
    fill = {"note": note, "n": len(note), "keyctl": KEYCTL or -1, "add_key": ADD_KEY or -1}
    attack(grader, write.format(**fill))
    with Grader(grader.library, "cpu") as later:
        verdict = later.grade(GID, read.format(**fill) + "\n" + HONEST)
    assert note not in verdict.stdout


# -- 3. the host without TCP ------------------------------------------------------------------------------
class UnixServer:
    """A world-writable Unix socket that counts the connections it gets."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.sock = socket.socket(socket.AF_UNIX)
        self.sock.bind(str(path))
        os.chmod(path, 0o777)
        self.sock.listen()
        self.sock.settimeout(0.2)
        self.connections = 0
        self.stop = False
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while not self.stop:
            try:
                conn, _ = self.sock.accept()
            except (TimeoutError, OSError):
                continue
            self.connections += 1
            conn.sendall(CANARY.encode())
            conn.close()

    def close(self) -> None:
        self.stop = True
        self.thread.join()
        self.sock.close()


@pytest.fixture
def servers(tmp_path: Path):
    open_dir = Path(f"/tmp/td-open-{os.getpid()}")
    open_dir.mkdir(mode=0o777, exist_ok=True)
    os.chmod(open_dir, 0o777)
    hidden = tmp_path / "root-only"
    hidden.mkdir(mode=0o700)
    made = [UnixServer(open_dir / "s"), UnixServer(hidden / "s")]
    yield made
    for server in made:
        server.close()
    shutil.rmtree(open_dir, ignore_errors=True)


def test_no_unix_socket_on_the_host_can_be_reached(grader, servers: list[UnixServer]) -> None:
    for server in servers:
        for prefix in (
            f"import socket\ns = socket.socket(socket.AF_UNIX)\ns.connect({str(server.path)!r})\nprint(s.recv(64))",
            f"import socket\ns = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)\ns.sendto(b'x', {str(server.path)!r})",
            f"import ctypes, socket, struct\nl = ctypes.CDLL(None)\nfd = l.socket(1, 1, 0)\n"
            f"addr = struct.pack('H', 1) + {str(server.path)!r}.encode() + b'\\0'\n"
            f"print(fd, l.connect(fd, addr, len(addr)))",
            f"import socket\na, b = socket.socketpair()\nprint(a.fileno())\ns = socket.fromfd(a.fileno(), socket.AF_UNIX, "
            f"socket.SOCK_STREAM)\ns.connect({str(server.path)!r})",
        ):
            verdict = attack(grader, prefix)
            assert verdict.status in ("passed", "error") and CANARY not in verdict.stdout
    time.sleep(0.3)
    assert [s.connections for s in servers] == [0, 0]


@linux_root
def test_root_only_folders_stay_closed_and_no_capability_is_kept(grader, tmp_path: Path) -> None:
    secret = tmp_path / "root-only" / "key"
    secret.parent.mkdir(mode=0o700)
    secret.write_text(CANARY)
    verdict = attack(
        grader,
        f"import os\nfor p in ({str(secret)!r}, '/root/.bash_history', '/root'):\n"
        "    try:\n        print(open(p).read() if os.path.isfile(p) else os.listdir(p))\n    except OSError as e:\n"
        "        print('refused', e)\n"
        "print([l for l in open('/proc/self/status') if l.startswith(('CapEff', 'CapPrm', 'Uid'))])",
    )
    assert CANARY not in verdict.stdout
    assert "CapEff:\\t0000000000000000" in verdict.stdout and "CapPrm:\\t0000000000000000" in verdict.stdout


# -- 4. limits on the whole submission --------------------------------------------------------------------
@linux_root
@pytest.mark.parametrize(
    "answer, statuses",
    [
        ("import os\nfds = [os.memfd_create('m') for _ in range(8)]\n", {"error"}),
        (
            "import os, time\nfor _ in range(6):\n    if os.fork() == 0:\n        x = bytearray(600 * 2**20)\n"
            "        x[::4096] = b'x' * len(x[::4096])\n        time.sleep(30)\n        os._exit(0)\n"
            "x = bytearray(600 * 2**20)\nx[::4096] = b'x' * len(x[::4096])\ntime.sleep(30)\n",
            {"memory", "error", "timeout"},
        ),
        (
            "data = b'x' * 2**20\nwith open('big', 'wb') as f:\n    for _ in range(400):\n        f.write(data)\n",
            {"error"},
        ),
        (
            "data = b'x' * 2**20\nfor i in range(400):\n    with open(f'part{i}', 'wb') as f:\n        f.write(data)\n",
            {"error"},
        ),
    ],
    ids=["memfd", "memory over many processes", "one big file", "many files"],
)
def test_a_submission_is_bounded_as_a_whole(grader, answer: str, statuses: set[str]) -> None:
    verdict = grader.grade(GID, answer + HONEST)
    assert verdict.status in statuses, (verdict.status, verdict.feedback)
    assert grader.grade(GID, HONEST).status == "passed"


def test_the_working_directory_is_capped_and_gone_after(grader) -> None:
    verdict = attack(grader, "import os\nst = os.statvfs('.')\nprint('size', st.f_blocks * st.f_frsize)")
    size = int(verdict.stdout.split("size ")[1].split()[0])
    assert size <= 64 * 2**20
    leftovers = list(Path(grader.sandbox.config["root"]).glob("*/big"))
    assert leftovers == []


# -- 5. GPU mode opens only what CUDA needs ----------------------------------------------------------------
def test_gpu_mode_opens_only_the_nvidia_devices() -> None:
    from grader.sandbox import limits

    assert all(d.startswith("/dev/nvidia") for d in limits.gpu_devices())
    source = Path(limits.__file__).read_text()
    assert '_allow(ruleset, "/dev", handled' not in source  # never /dev as a whole


# -- 7. a fill blank stays in its place --------------------------------------------------------------------
INJECTIONS = [
    ("sample/einsum-trace", ['ii->", A) if 0 else A.diagonal().sum() #']),
    ("sample/einsum-trace", ['ii->", A) + 0 * torch.einsum("ii->']),
    ("sample/einsum-trace", ["ii->\\x22, A) #"]),
    ("sample/einsum-trace", ['ii->"\nanswer = A.trace()\n#']),
    ("sample/einsum-trace", ['ii->", A).__class__(0) if 0 else A.trace() #']),
    ("sample/einsum-trace", ['ii->\' """ \'']),
]


@pytest.mark.parametrize("gid, blanks", INJECTIONS)
def test_a_blank_cannot_reach_outside_its_place(grader, gid: str, blanks: list[str]) -> None:
    verdict = grader.grade(gid, blanks)
    assert verdict.status == "invalid", (verdict.status, verdict.feedback)
    assert grader.grade(gid, ["ii->"]).status == "passed"


def test_blanks_keep_to_their_place_in_every_position() -> None:
    from grader.engine.blanks import BlankError, fill

    statement = "for _ in range(3):\n    ___\n    loss = f(x)\n    ___\n"
    good = [
        ("t[___] = -1.0\n", ["rows, c"]),
        ("out[___].sum()\n", [":, k"]),
        ("x = f(y, dim=___)\n", ["(0)"]),
        (statement, ["opt.zero_grad(); n += 1", "loss.backward()  # then step"]),
        ("h.register_hook(___)\n", ["lambda g: g.clamp(-c, c)"]),
        ("x.___()\n", ["remove"]),
        ('y = torch.einsum("___", a)\n', ["i j -> j"]),
    ]
    for template, blanks in good:
        fill(template, blanks)
    bad = [
        ("t[___] = -1.0\n", ["0] = 1; t[0"]),
        ("p = counts / ___\n", ["counts.sum() + 1"]),
        ("p = counts / ___\n", ["counts.sum()\nimport os"]),
        ("x = f(y, dim=___)\n", ["0), g(z"]),
        (statement, ["opt.zero_grad()\nloss = 0", "loss.backward()"]),
        ("x.___()\n", ["remove(); y.z"]),
        ('y = torch.einsum("___", a)\n', ['i", a) if 0 else a.sum(0) #']),
        ('y = torch.einsum("___", a)\n', ['i" "']),
    ]
    for template, blanks in bad:
        with pytest.raises(BlankError):
            fill(template, blanks)


# -- decks stay secret wherever they live (issue: installable anywhere) ---------------------------------------
@pytest.mark.parametrize(
    "where", ["inside the Python installation", "a --quizzes folder", "TORCHDRILL_QUIZZES"]
)
def test_no_deck_file_can_be_read_from_inside_a_child(where: str, tmp_path: Path, monkeypatch) -> None:
    import sys

    from support import SAMPLE

    from grader.paths import deck_roots

    if where == "inside the Python installation":  # as bundled decks sit: <prefix>/share/torchdrill/quizzes
        folder = Path(sys.prefix) / "share" / f"torchdrill-test-{os.getpid()}" / "quizzes"
    else:
        folder = tmp_path / "decks"
    folder.mkdir(parents=True)
    try:
        (folder / "sample.yaml").write_text(SAMPLE.read_text() + "\n# SECRET-DECK-MARKER\n")
        if where == "TORCHDRILL_QUIZZES":
            monkeypatch.setenv("TORCHDRILL_QUIZZES", str(folder))
        roots = deck_roots([folder] if where == "a --quizzes folder" else [])
        if where == "inside the Python installation":
            roots = [folder]
        steal = (
            f"import os\nfor p in ({str(folder / 'sample.yaml')!r}, {str(folder)!r}, {str(folder.parent)!r}):\n"
            "    try:\n        print(open(p).read() if os.path.isfile(p) else os.listdir(p))\n"
            "    except OSError as e:\n        print('refused', e)\n"
        )
        with Grader(load_library(roots), "cpu") as g:
            verdict = g.grade(GID, steal + HONEST)
        assert verdict.status == "passed" and "SECRET-DECK-MARKER" not in verdict.stdout
        assert "sample.yaml" not in verdict.stdout.replace(str(folder / "sample.yaml"), "")
    finally:
        shutil.rmtree(
            folder.parent if where == "inside the Python installation" else folder, ignore_errors=True
        )
