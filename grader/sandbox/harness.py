"""Runs one trial's program: params, seeds, setup, the answer, check with observe().

The same function runs the reference in the trusted grader and the learner's answer in the
sandbox child, so both sides see the same names, seeds and encoding of observations.
"""

from __future__ import annotations

import builtins
import io
import math
import os
import random
import sys
import traceback
import types
from dataclasses import dataclass, field
from typing import Any

import torch

from grader.sandbox import guard, wire

try:
    import numpy
except ImportError:  # numpy is optional for torch; seed it when present
    numpy = None

ANSWER_FILE = "<answer>"
SETUP_FILE = "<setup>"
CHECK_FILE = "<check>"
MAX_STDOUT = 8_000

_BaseException = BaseException
_MemoryError = MemoryError


@dataclass(frozen=True)
class Program:
    """What a trial runs. `mode` says how the answer is run: "expr" binds `answer`; "exec" runs it."""

    setup: str
    answer: str
    check: str
    mode: str
    device: str = "cpu"
    forbid: tuple[str, ...] = ()


@dataclass
class TrialResult:
    observations: list[tuple[str, Any]] = field(default_factory=list)  # encoded values
    stdout: str = ""
    error: dict[str, Any] | None = None
    memory: bool = False

    def to_message(self, index: int) -> dict[str, Any]:
        return {
            "trial": index,
            "observations": [[n, v] for n, v in self.observations],
            "stdout": self.stdout,
            "error": self.error,
            "memory": self.memory,
        }


class CappedText(io.TextIOBase):
    """stdout for learner code: keeps the first MAX_STDOUT characters, counts the rest."""

    def __init__(self, cap: int = MAX_STDOUT) -> None:
        self.parts: list[str] = []
        self.kept = 0
        self.dropped = 0
        self.cap = cap

    def writable(self) -> bool:
        return True

    def write(self, s: str) -> int:
        s = str(s)
        room = self.cap - self.kept
        if room > 0:
            self.parts.append(s[:room])
            self.kept += min(len(s), room)
        self.dropped += max(len(s) - max(room, 0), 0)
        return len(s)

    def text(self) -> str:
        out = "".join(self.parts)
        return out + (f"\n… ({self.dropped} more characters not shown)" if self.dropped else "")


def trial_seed(base: int, index: int) -> int:
    return (base * 1_000_003 + index * 7919) % (2**31 - 1)


def draw_params(params: dict[str, list[Any]], base: int, index: int) -> dict[str, Any]:
    """One value per name for trial `index`: a seeded permutation, so trials differ when they can."""
    drawn = {}
    for name, values in sorted(params.items()):
        order = list(range(len(values)))
        random.Random(f"{base}:{name}").shuffle(order)
        drawn[name] = values[order[index % len(values)]]
    return drawn


def seed_everything(seed: int, device: str = "cpu") -> None:
    # torch.manual_seed would also queue lazy seeding for every accelerator backend, recording a
    # stack trace each time (about 0.8 ms); a trial seeds twice, on both sides. The CPU generator
    # (and CUDA's when grading there) is all a trial draws from.
    torch.default_generator.manual_seed(seed)
    if device.startswith("cuda"):
        torch.cuda.manual_seed_all(seed)
    random.seed(seed)
    if numpy is not None:
        numpy.random.seed(seed % 2**32)


PREDEFINED = ("torch", "nn", "F", "math", "device")
# Not "__main__": a learner's self-test under `if __name__ == "__main__":` must not run while graded.
MODULE_NAME = "__torchdrill_answer__"


def cuda_numerics() -> None:
    """On CUDA, numerics as close to the CPU's as the hardware allows, and the same run to run:
    no TF32 (it rounds float32 matmuls and convolutions to 10 bits of mantissa), deterministic
    cuDNN and no autotuning, deterministic algorithms where torch has them (warning, not raising,
    where it has none). Set alike in the grader (references) and in every child (answers)."""
    os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")  # before the first cuBLAS handle
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    torch.backends.cudnn.deterministic = True
    torch.backends.cudnn.benchmark = False
    torch.use_deterministic_algorithms(True, warn_only=True)


def base_namespace(device: str) -> dict[str, Any]:
    return {
        "__name__": MODULE_NAME,
        "__builtins__": builtins,
        "torch": torch,
        "nn": torch.nn,
        "F": torch.nn.functional,
        "math": math,
        "device": torch.device(device),
    }


def run_trial(program: Program, params: dict[str, Any], seed: int) -> TrialResult:
    """Run one trial and return its observations, already encoded as wire data."""
    result = TrialResult()
    out = CappedText()
    observed = result.observations

    def observe(
        name: str, value: Any, *, exact_dtype: bool = False, requires_grad: bool = False, device: bool = False
    ) -> None:
        """Record `value` under `name`. The flags ask the comparison for more than values: the exact
        dtype (not only float vs int vs bool), whether the tensor requires grad (detached or not),
        the device it lives on."""
        if type(name) is not str:
            raise TypeError("observe(name, value): name must be a string")
        observed.append((name, wire.encode_observed(value, exact_dtype, requires_grad, device)))

    namespace = base_namespace(program.device) | dict(params)
    namespace["observe"] = observe
    saved = sys.stdout, sys.stderr
    sys.stdout = sys.stderr = out
    setup_names: list[str] = []  # what the learner may use besides the predefined names
    try:
        seed_everything(seed, program.device)
        exec(_compile(program.setup, SETUP_FILE, "exec"), namespace)
        before = dict(namespace)
        setup_names += [
            n for n in namespace if not n.startswith("__") and n not in PREDEFINED and n != "observe"
        ]
        _run_answer(program, namespace)
        guard.refuse_bound(before, namespace)
        namespace["observe"] = observe  # the answer may not replace how results are recorded
        # Whatever the answer drew from the RNG (a self-test, a torch.randn to try things) must not
        # change the inputs that check makes: both runs reseed here, from the trial's seed.
        seed_everything(seed, program.device)
        exec(_compile(program.check, CHECK_FILE, "exec"), namespace)
    except _MemoryError:
        result.memory = True
    except _BaseException as e:  # noqa: BLE001 - any failure of learner code is a result
        if _is_allocation_failure(e):
            result.memory = True
        else:
            result.error = describe_error(e, program.answer)
            if isinstance(e, NameError):
                result.error["names"] = sorted(setup_names)[:40]
    finally:
        sys.stdout, sys.stderr = saved
    result.stdout = out.text()
    return result


def _run_answer(program: Program, namespace: dict[str, Any]) -> None:
    if program.mode != "expr":
        exec(_compile(program.answer, ANSWER_FILE, "exec"), namespace)
        return
    # A forbidden setup name (`h_n`) is out of reach while the expression runs, however it is spelled.
    hidden = {n: namespace.pop(n) for n in program.forbid if "." not in n and n in namespace}
    try:
        namespace["answer"] = eval(_compile(program.answer, ANSWER_FILE, "eval"), namespace)
    finally:
        namespace.update(hidden)


def _compile(source: str, filename: str, mode: str) -> types.CodeType:
    code = compile(source.strip() if mode == "eval" else source, filename, mode, dont_inherit=True)
    if filename != ANSWER_FILE:
        guard.trust(code)
    return code


def _is_allocation_failure(e: BaseException) -> bool:
    text = str(e)
    return isinstance(e, RuntimeError) and (
        "can't allocate memory" in text or "not enough memory" in text or "CUDA out of memory" in text
    )


def describe_error(e: BaseException, answer: str) -> dict[str, Any]:
    """The exception and a traceback of the learner's own lines only, numbered as in their answer."""
    frames = traceback.extract_tb(e.__traceback__)
    lines = answer.splitlines()
    own = []
    for fr in frames:
        if fr.filename == ANSWER_FILE and fr.lineno:
            text = lines[fr.lineno - 1].strip() if 0 < fr.lineno <= len(lines) else ""
            own.append({"line": fr.lineno, "function": fr.name, "text": text})
    where = "your code" if own else _where(frames)
    message = "".join(traceback.format_exception_only(type(e), e)).strip()
    forbidden = None
    if type(e) is guard.ForbiddenError:  # the guard's own class: a learner's namesake is an ordinary error
        message, forbidden = str(e), e.name
    if isinstance(e, SystemExit):
        message = f"SystemExit: the answer called exit({e.code!r}); an answer must not end the program"
    return {"type": type(e).__name__, "message": message[:2000], "frames": own[-8:], "where": where,
            "forbidden": forbidden}  # fmt: skip


def _where(frames: list[traceback.FrameSummary]) -> str:
    names = {SETUP_FILE: "the exercise's setup", CHECK_FILE: "the exercise's check, while using your answer"}
    for fr in reversed(frames):
        if fr.filename in names:
            return names[fr.filename]
    return "library code called by your answer"


guard.BOUNDARY.add(run_trial.__code__)
