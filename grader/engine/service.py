"""The grader service: the process the torch-free client (client.py) talks to.

JSON lines in, JSON lines out; each request carries an `id` that the answer echoes. Run as
`python -m grader.engine.service --quizzes DIR [--device D]`.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from grader.deck.loader import load_library
from grader.engine.grader import Grader


def serve(quizzes: list[Path], device: str | None, stdin: Any, stdout: Any) -> None:
    """Answer `grade` and `reload` requests until the client closes our stdin."""

    def say(message: dict[str, Any]) -> None:
        stdout.write(json.dumps(message) + "\n")
        stdout.flush()

    try:
        grader = Grader(load_library(quizzes), device, sources=quizzes)
        grader.start()
    except Exception as e:  # noqa: BLE001 - reported to the UI, which shows it and carries on
        say({"failed": f"{type(e).__name__}: {e}"})
        return
    say({"ready": {"device": grader.device, "protections": grader.sandbox.protections}})
    with grader:
        for line in stdin:
            request: Any = None
            try:
                request = json.loads(line)
                op = request.get("op")
                if op == "grade":
                    variant = request.get("variant")
                    verdict = grader.grade(
                        str(request["gid"]),
                        request.get("answer"),
                        variant if isinstance(variant, int) else None,
                    )
                    say({"id": request.get("id"), "verdict": verdict.to_json()})
                elif op == "reload":
                    grader.reload()
                    say({"id": request.get("id"), "reloaded": len(grader.library.entries)})
                else:
                    say({"id": request.get("id"), "error": f"unknown op {op!r}"})
            except Exception as e:  # noqa: BLE001 - one bad request must not end the service
                say(
                    {
                        "id": request.get("id") if isinstance(request, dict) else None,
                        "error": f"{type(e).__name__}: {e}",
                    }
                )


def main() -> None:
    parser = argparse.ArgumentParser(description="torchdrill's grader service (started by the app)")
    parser.add_argument(
        "--quizzes", type=Path, action="append", required=True, help="a deck folder (repeatable)"
    )
    parser.add_argument("--device", default=None)
    args = parser.parse_args()
    serve(args.quizzes, args.device, sys.stdin, sys.stdout)


if __name__ == "__main__":
    main()
