"""The process boundaries hold: checked statically (import-linter) and in fresh interpreters,
which also see the deferred imports that a static graph cannot."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def fresh(code: str) -> str:
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
    ).stdout


def test_import_linter_contracts_hold() -> None:
    linter = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    result = subprocess.run([linter, "--no-cache"], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stdout + result.stderr


def test_client_and_loader_do_not_import_torch() -> None:
    out = fresh(
        "import sys, grader.engine.client, grader.deck.loader, grader.engine.answers\n"
        "print('torch' in sys.modules, 'numpy' in sys.modules)"
    )
    assert out.split() == ["False", "False"]


def test_grade_help_loads_no_textual() -> None:
    out = fresh(
        "import sys\nfrom click.testing import CliRunner\nfrom grader.cli import main\n"
        "r = CliRunner().invoke(main, ['grade', '--help'])\nassert r.exit_code == 0, r.output\n"
        "print('textual' in sys.modules, 'torch' in sys.modules)"
    )
    assert out.split() == ["False", "False"]


def test_zygote_imports_no_deck_code() -> None:
    out = fresh(
        "import sys, grader.sandbox.zygote, grader.sandbox.child\n"
        "print(sorted(m for m in sys.modules if m.startswith(('grader.deck', 'grader.engine', 'grader.srs', "
        "'yaml', 'sqlite'))))"
    )
    assert out.strip() == "[]"
