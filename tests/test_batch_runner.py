"""`torchdrill grade` end to end: real worker processes, real sandboxes, a real gradebook."""

from __future__ import annotations

import csv
import json
import signal
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from support import graded_rows

from grader.batch.runner import run_batch

TORCHDRILL = Path(sys.executable).parent / "torchdrill"
RIGHT_MSE = "def mse(a, b):\n    return ((a - b) ** 2).mean()\n"
HOSTILE = {  # answer -> statuses it may get; never passed
    "def mse(a, b):\n    while True:\n        pass\n": {"timeout"},
    "import os\nos._exit(0)\n": {"error"},
    "import sys\nsys.exit(0)\n": {"error"},
    'print(\'{"status": "passed", "score": 1.0}\')\ndef mse(a, b):\n    return a.sum() * 0\n': {"failed"},
    "import torch\ntorch.allclose = lambda *a, **k: True\ntorch.equal = lambda *a, **k: True\n"
    "def mse(a, b):\n    return a.mean()\n": {"failed"},
    "x = bytearray(10**11)\ndef mse(a, b):\n    return 0\n": {"memory", "error"},
}


def line(learner: str, exercise: str, answer: object) -> str:
    return json.dumps({"learner": learner, "exercise": exercise, "answer": answer})


def class_of(n: int) -> tuple[list[str], list[set[str]]]:
    """n lines of mixed right, wrong, malformed and hostile answers, with the statuses each may get."""
    cheap = [
        ("sample/mean-of-range", "2.0", {"passed"}),
        ("sample/mean-of-range", "3", {"failed"}),
        ("sample/nll-input", [1], {"passed"}),
        ("sample/nll-input", [2], {"failed"}),
        ("sample/view-shape", "(3, 4)", {"passed"}),
        ("sample/view-shape", "(4, 3)", {"failed"}),
        ("sample/mean-of-range", 2, {"invalid"}),
        ("sample/nope", "1", {"invalid"}),
    ]
    runs = [
        ("sample/mse-by-hand", RIGHT_MSE, {"passed"}),
        ("sample/einsum-trace", ["ii->"], {"passed"}),
        ("sample/einsum-trace", ["ij->"], {"failed"}),
        ("sample/last-forward", "h_n[0]", {"forbidden"}),
    ]
    lines, expected = [], []
    for i in range(n):
        if i % 50 == 7:
            gid, answer, ok = runs[(i // 50) % len(runs)]
        elif i % 97 == 13:
            lines.append('{"learner": "broken", ')
            expected.append({"invalid"})
            continue
        else:
            gid, answer, ok = cheap[i % len(cheap)]
        lines.append(line(f"l{i % 400:03d}", gid, answer))
        expected.append(ok)
    for j, (answer, ok) in enumerate(HOSTILE.items()):
        at = (j + 1) * n // (len(HOSTILE) + 2)
        lines[at] = line(f"hostile{j}", "sample/mse-by-hand", answer)
        expected[at] = ok
    return lines, expected


@pytest.mark.slow
def test_a_class_of_2000_mixed_answers_is_graded_in_parallel_into_all_four_exports(
    tmp_path: Path, sample_quizzes: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines, expected = class_of(2000)
    subs = tmp_path / "class.jsonl"
    subs.write_text("\n".join(lines) + "\n")
    outs = [
        tmp_path / "report.json",
        tmp_path / "scores.csv",
        tmp_path / "junit.xml",
        tmp_path / "gradescope",
    ]
    outcome = run_batch(
        subs, sample_quizzes, out=outs, workers=2, device="cpu", db=tmp_path / "td.db", progress=False
    )

    report = json.loads(outs[0].read_text())
    got = [r["status"] for r in report["results"]]
    assert len(got) == 2000
    wrong = [
        (i, lines[i][:80], s, r["feedback"][:80])
        for i, (s, ok, r) in enumerate(zip(got, expected, report["results"], strict=True))
        if s not in ok
    ]
    assert wrong == []
    assert outcome.graded < 2000  # repeated answers by one learner are graded once
    assert report["summary"]["exercises"]["sample/mse-by-hand"]["most_common_failure"]
    rows = list(csv.reader(outs[1].open()))
    assert rows[0][0] == "learner" and rows[0][-1] == "total" and len(rows) > 400
    assert len(ET.parse(outs[2]).getroot().find("testsuite").findall("testcase")) == 2000
    assert (outs[3] / "l000" / "results.json").exists()
    err = capsys.readouterr().err
    assert "graded" in err and "/s" in err and "ETA" in err  # plain progress lines off a terminal

    again = run_batch(
        subs,
        sample_quizzes,
        out=tmp_path / "again.json",
        workers=2,
        device="cpu",
        db=tmp_path / "td.db",
        progress=False,
    )
    assert again.graded == 0 and again.reused == outcome.graded
    assert [r.status for r in again.results] == got


def test_regrade_grades_again_what_the_gradebook_has(tmp_path: Path, sample_quizzes: Path) -> None:
    subs = tmp_path / "s.jsonl"
    subs.write_text(
        line("ada", "sample/nll-input", [1]) + "\n" + line("ada", "sample/mean-of-range", "2") + "\n"
    )
    first = run_batch(subs, sample_quizzes, workers=1, db=tmp_path / "td.db", progress=False)
    second = run_batch(subs, sample_quizzes, workers=1, db=tmp_path / "td.db", regrade=True, progress=False)
    assert (first.graded, second.graded, second.reused) == (2, 2, 0)


def test_an_edited_exercise_is_graded_again(tmp_path: Path, sample_quizzes: Path) -> None:
    quizzes = tmp_path / "q"
    quizzes.mkdir()
    deck = (sample_quizzes / "sample.yaml").read_text()
    (quizzes / "sample.yaml").write_text(deck)
    subs = tmp_path / "s.jsonl"
    subs.write_text(line("ada", "sample/mean-of-range", "2.0") + "\n")
    assert (
        run_batch(subs, quizzes, workers=1, db=tmp_path / "td.db", progress=False).results[0].status
        == "passed"
    )
    (quizzes / "sample.yaml").write_text(deck.replace("torch.arange(5.0).mean()", "torch.arange(7.0).mean()"))
    again = run_batch(subs, quizzes, workers=1, db=tmp_path / "td.db", progress=False)
    assert again.graded == 1 and again.results[0].status == "failed"


def children_of(pid: int) -> set[int]:
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                    found.add(int(entry.name))
            except (OSError, IndexError, ValueError):
                pass
    return found


def alive(pid: int) -> bool:
    try:
        return (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGINT])
def test_a_run_killed_halfway_resumes_with_nothing_graded_twice_or_lost(
    tmp_path: Path, sample_quizzes: Path, sig: signal.Signals
) -> None:
    n = 120
    subs = tmp_path / "s.jsonl"
    wrong = "def mse(a, b):\n    return (a - b).abs().mean()\n"
    subs.write_text(
        "".join(
            line(f"l{i:03d}", "sample/mse-by-hand", RIGHT_MSE if i % 3 else wrong) + "\n" for i in range(n)
        )
    )
    db = tmp_path / "td.db"
    cmd = [
        str(TORCHDRILL),
        "grade",
        str(subs),
        "--quizzes",
        str(sample_quizzes),
        "--db",
        str(db),
        "--workers",
        "2",
        "--device",
        "cpu",
        "--out",
        str(tmp_path / "r.json"),
    ]
    # A shell that started the suite in the background leaves SIGINT ignored, and Python keeps an
    # ignored SIGINT ignored: give the run the default a terminal gives it.
    default_sigint = lambda: signal.signal(signal.SIGINT, signal.SIG_DFL)  # noqa: E731
    proc = subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, preexec_fn=default_sigint
    )
    deadline = time.monotonic() + 120
    while graded_rows(db) < n // 4 and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
    workers = children_of(proc.pid)
    proc.send_signal(sig)
    proc.communicate(timeout=60)
    assert proc.returncode == (-9 if sig == signal.SIGKILL else 130)
    before = graded_rows(db)
    assert 0 < before < n

    end = time.monotonic() + 15  # workers notice their parent is gone, and their zygotes follow
    while any(alive(p) for p in workers) and time.monotonic() < end:
        time.sleep(0.1)
    assert not [p for p in workers if alive(p)]

    done = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert f"graded {n - before} distinct answers; {before} already in the gradebook" in done.stdout
    assert graded_rows(db) == n
    results = json.loads((tmp_path / "r.json").read_text())["results"]
    assert [r["status"] for r in results] == ["passed" if i % 3 else "failed" for i in range(n)]


def test_the_cli_grades_a_directory_layout_and_exits_2_for_a_missing_input(
    tmp_path: Path, sample_quizzes: Path
) -> None:
    root = tmp_path / "class"
    (root / "ada" / "sample").mkdir(parents=True)
    (root / "ada" / "sample" / "mean-of-range.txt").write_text("2\n")
    (root / "ada" / "sample" / "nll-input.json").write_text("[0]")
    base = [str(TORCHDRILL), "grade", "--quizzes", str(sample_quizzes), "--db", str(tmp_path / "td.db")]
    r = subprocess.run(
        [*base, str(root), "--out", str(tmp_path / "r.json")], capture_output=True, text=True, timeout=120
    )
    assert r.returncode == 0, r.stderr
    statuses = [x["status"] for x in json.loads((tmp_path / "r.json").read_text())["results"]]
    assert statuses == ["passed", "failed"]
    assert "sample/mean-of-range" in r.stdout and "pass" in r.stdout
    missing = subprocess.run(
        [*base, str(tmp_path / "none.jsonl")], capture_output=True, text=True, timeout=60
    )
    assert missing.returncode == 2 and "Traceback" not in missing.stderr and "none.jsonl" in missing.stderr
