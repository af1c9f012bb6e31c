"""What runs in a forked child: read one job, run its trials, send each trial's observations.

Everything here runs after `limits.confine`; from the moment the job is read, learner code may
be on the stack, so nothing the child says is trusted: the grader checks every message.
"""

from __future__ import annotations

import gc
import json
import os
import struct
from typing import Any

import torch

from grader.sandbox import guard, harness, wire

MAX_JOB_BYTES = 2 * 1024 * 1024
_write = os.write
_exit = os._exit


# The first optimizer a process builds imports torch._dynamo (about 2 s): done here, once, in the
# zygote, so that no learner's trial pays for it against its time limit.
WARM = harness.Program(
    setup="x = torch.randn(4, 3, requires_grad=True)\nlin = nn.Linear(3, 2)\nopt = torch.optim.SGD(lin.parameters(), lr=0.1)",
    answer="y = F.softmax(lin(x), dim=-1).sum()\ny.backward()\nopt.step()",
    check='observe("g", x.grad)\nobserve("e", torch.einsum("ij->j", x.detach()))',
    mode="exec",
)


def prepare(device: str) -> None:
    """In the zygote, once: one thread (forks copy no thread pools), warm paths, frozen heap."""
    torch.set_num_threads(1)
    if torch.get_num_interop_threads() != 1:
        try:
            torch.set_num_interop_threads(1)
        except RuntimeError:
            pass
    harness.run_trial(WARM, {}, 0)
    gc.collect()
    gc.freeze()  # keeps the inherited heap shared between the zygote and its children


def warm_spare() -> None:
    """In a fresh child, while it waits for a job: take the copy-on-write page faults of a
    first trial now, off the learner's clock."""
    harness.run_trial(WARM, {}, 0)


def warm_cuda(device: str) -> None:
    """A spare for CUDA grading creates its context while it waits, off the learner's clock."""
    harness.cuda_numerics()
    torch.zeros(1, device=device).sum().item()


def serve(job_r: int, result_w: int, device: str) -> None:
    job = _read_job(job_r)
    os.close(job_r)
    guard.install(list(job.get("forbid", [])))
    program = harness.Program(
        setup=job["setup"],
        answer=job["answer"],
        check=job["check"],
        mode=job["mode"],
        device=device,
        forbid=tuple(job.get("forbid", [])),
    )
    for index, trial in enumerate(job["trials"]):
        result = harness.run_trial(program, trial["params"], trial["seed"])
        _send(result_w, _message(result, index))
    _exit(0)


def _read_job(fd: int) -> dict[str, Any]:
    chunks, size = [], 0
    while chunk := os.read(fd, 65536):
        chunks.append(chunk)
        size += len(chunk)
        if size > MAX_JOB_BYTES:
            _exit(71)
    if not chunks:
        _exit(0)  # the grader gave this spare up without a job
    return json.loads(b"".join(chunks))


def _message(result: harness.TrialResult, index: int) -> bytes:
    try:
        body = json.dumps(result.to_message(index), separators=(",", ":"), allow_nan=False).encode()
    except (TypeError, ValueError) as e:
        body = _error(index, "ResultError", f"the result could not be sent: {e}", "the harness")
    if len(body) > wire.MAX_MESSAGE_BYTES:
        limit = wire.MAX_MESSAGE_BYTES // 1024
        body = _error(index, "ResultTooLarge", f"the observations are {len(body) // 1024} KiB; the limit is {limit} KiB",
                      "your code")  # fmt: skip
    return struct.pack(">I", len(body)) + body


def _error(index: int, kind: str, message: str, where: str) -> bytes:
    """A trial's message that carries only an error the harness met while reporting."""
    error = {"type": kind, "message": message, "frames": [], "where": where}
    return json.dumps(
        {"trial": index, "observations": [], "stdout": "", "memory": False, "error": error}
    ).encode()


def _send(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = _write(fd, view)
        view = view[written:]
