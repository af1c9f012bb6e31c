"""The runtime half of `forbid`: forbidden torch functions raise when learner code reaches them.

The static check in the grader catches `F.mse_loss` and its aliases; this catches what no parser
can see, such as `getattr(F, "mse_" + "loss")`. A call is refused when the nearest caller that
is not library code is learner code; the exercise's own setup and check may still use it.
"""

from __future__ import annotations

import functools
import importlib
import sys
import sysconfig
import types
from typing import Any

TRUSTED_CODE: set[types.CodeType] = set()
BOUNDARY: set[types.CodeType] = set()  # the harness frame that runs a trial: nothing below it is learner code
GUARDED: dict[int, str] = {}  # id of each guarded object (and of what it wraps) -> the forbidden name


class ForbiddenError(Exception):
    """Raised inside the child when learner code calls a forbidden function; `name` is the forbid entry."""

    def __init__(self, name: str) -> None:
        super().__init__(f"{name} is forbidden in this exercise: do it by hand")
        self.name = name


def trust(code: types.CodeType) -> None:
    """Mark a code object (and the functions defined in it) as the exercise's own."""
    TRUSTED_CODE.add(code)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            trust(const)


def _library_roots() -> tuple[str, ...]:
    paths = sysconfig.get_paths()
    roots = {
        sys.prefix,
        sys.base_prefix,
        sys.exec_prefix,
        paths["stdlib"],
        paths["purelib"],
        paths["platlib"],
        __file__.rsplit("/", 2)[0],
    }
    return (*sorted(r.rstrip("/") + "/" for r in roots if r), "<frozen ")


LIBRARY = _library_roots()


def learner_is_calling(depth: int = 2) -> bool:
    frame = sys._getframe(depth)
    while frame is not None:
        code = frame.f_code
        if code in TRUSTED_CODE or code in BOUNDARY:
            return False
        if not _is_library(frame):
            return True
        frame = frame.f_back
    return False


def _is_library(frame: types.FrameType) -> bool:
    """Library code lives in an installed file AND runs in that module's own namespace: code the
    learner compiles under a library file name, with their own globals, is still theirs."""
    if not frame.f_code.co_filename.startswith(LIBRARY):
        return False
    module = sys.modules.get(frame.f_globals.get("__name__", ""))
    return module is not None and getattr(module, "__dict__", None) is frame.f_globals


def refuse_bound(before: dict[str, Any], after: dict[str, Any]) -> None:
    """The answer may not simply bind a forbidden function to a name the check then calls."""
    for name, value in after.items():
        if before.get(name, _MISSING) is value:
            continue
        target = getattr(value, "func", value)  # functools.partial
        forbidden = GUARDED.get(id(target)) or GUARDED.get(id(getattr(target, "__func__", None)))
        if forbidden:
            _refuse(forbidden)


_MISSING = object()


def install(names: list[str]) -> list[str]:
    """Wrap each forbidden dotted name where it lives; returns the names that resolved."""
    done = []
    for name in names:
        owner, attr, target = _resolve(name)
        if owner is None:
            continue
        if isinstance(target, type):
            _guard_class(target, name)
            GUARDED[id(target)] = name
        elif callable(target):
            guarded = _guard_function(target, name)
            GUARDED[id(target)] = GUARDED[id(guarded)] = name
            for module in _homes(target, owner):
                if getattr(module, attr, None) is target:
                    setattr(module, attr, guarded)
        done.append(name)
    return done


def _resolve(name: str) -> tuple[Any, str, Any]:
    parts = name.split(".")
    for cut in range(len(parts) - 1, 0, -1):
        try:
            obj: Any = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        owner = obj
        try:
            for part in parts[cut:]:
                owner, obj = obj, getattr(obj, part)
        except AttributeError:
            return None, "", None
        return owner, parts[-1], obj
    return None, "", None


def _homes(target: Any, owner: Any) -> list[Any]:
    """The owner and the module that defines the function: both names must lead to the guard."""
    homes = [owner]
    defining = sys.modules.get(getattr(target, "__module__", "") or "")
    if defining is not None and defining is not owner:
        homes.append(defining)
    return homes


def _refuse(name: str) -> None:
    raise ForbiddenError(name)


def _guard_function(fn: Any, name: str) -> Any:
    # The check is bound here, not looked up in this module at call time, so patching
    # `guard.learner_is_calling` through sys.modules does not switch it off.
    check = learner_is_calling

    @functools.wraps(fn)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        if check(2):
            _refuse(name)
        return fn(*args, **kwargs)

    del guarded.__wrapped__  # functools.wraps would hand the original back
    return guarded


def _guard_class(cls: type, name: str) -> None:
    original = cls.__init__
    check = learner_is_calling

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        if check(2):
            _refuse(name)
        original(self, *args, **kwargs)

    cls.__init__ = __init__  # type: ignore[misc]
