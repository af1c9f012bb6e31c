"""The static half of `forbid`: which forbidden names learner code uses, through any alias.

Resolves `import torch.nn.functional as G`, `from torch.nn import functional`, `from ... import x as y`,
`G2 = G` and attribute chains to dotted names, then to objects, so `torch.nn.modules.loss.MSELoss`
and `nn.MSELoss` are caught alike. Plain names (`h_n`) match any use of that name. The sandbox
adds a runtime guard for what no parser can see (`getattr(F, "mse_" + "loss")`).
"""

from __future__ import annotations

import ast
import importlib
import inspect
import sys
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

PREDEFINED = {"torch": "torch", "nn": "torch.nn", "F": "torch.nn.functional", "math": "math"}
# With a plain name forbidden (`h_n`), these would reach it without writing it.
ESCAPES = {"eval", "exec", "compile", "globals", "locals", "vars", "__import__", "getattr", "__builtins__"}
ESCAPE_ATTRIBUTES = {
    "__globals__",
    "f_globals",
    "f_locals",
    "_getframe",
    "__dict__",
    "f_back",
    "__builtins__",
}
MAX_CHAIN = 12


@dataclass(frozen=True)
class Use:
    name: str  # the forbid entry that matched
    written: str  # what the learner wrote
    line: int
    col: int

    def message(self) -> str:
        via = "" if self.written == self.name else f" (as {self.written})"
        return f"line {self.line}: {self.name}{via} is forbidden in this exercise; do it without it"


def find_uses(source: str, mode: str, forbid: list[str]) -> list[Use]:
    """Every use of a forbidden name in `source` (which must parse), in source order."""
    if not forbid:
        return []
    tree = ast.parse(source, mode=mode)
    return sorted(_Finder(forbid).visit_all(tree), key=lambda u: (u.line, u.col))


@lru_cache(maxsize=4096)
def resolve(dotted: str, *, may_import: bool = True) -> Any:
    """The object a dotted name refers to, or None. Only authored names may import a module:
    a learner's `import antigravity` must not run anything in the trusted grader."""
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        module = ".".join(parts[:cut])
        if not may_import and module not in sys.modules:
            continue
        try:
            obj: Any = importlib.import_module(module)
        except (ImportError, ValueError):
            continue
        # A learner's chain must not trigger a module's lazy __getattr__ (torch._dynamo and friends).
        get = getattr if may_import else inspect.getattr_static
        try:
            for part in parts[cut:]:
                obj = get(obj, part)
        except AttributeError:
            return None
        return obj
    return None


class _Finder:
    def __init__(self, forbid: list[str]) -> None:
        self.plain = {n for n in forbid if "." not in n and resolve(n) is None}
        self.dotted = {n: resolve(n) for n in forbid if n not in self.plain}
        self.by_id = {id(obj): n for n, obj in self.dotted.items() if obj is not None}
        self.aliases: dict[str, str] = dict(PREDEFINED)
        self.uses: list[Use] = []

    def visit_all(self, tree: ast.AST) -> list[Use]:
        if self.plain:
            for node in ast.walk(tree):
                if isinstance(node, ast.Attribute) and node.attr in ESCAPE_ATTRIBUTES:
                    self.uses.append(Use(f".{node.attr}", node.attr, node.lineno, node.col_offset + 1))
        inner = {
            id(child)
            for node in ast.walk(tree)
            if isinstance(node, ast.Attribute)
            for child in [node.value]
            if isinstance(child, ast.Attribute | ast.Name)
        }
        nodes = sorted(
            (n for n in ast.walk(tree) if hasattr(n, "lineno") and id(n) not in inner),
            key=lambda n: (n.lineno, n.col_offset),
        )
        for node in nodes:
            self._visit(node)
        return self.uses

    def _visit(self, node: ast.AST) -> None:
        if isinstance(node, ast.Import):
            for a in node.names:
                self.aliases[a.asname or a.name.split(".")[0]] = a.name if a.asname else a.name.split(".")[0]
                self._check(a.name, a.name, node)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for a in node.names:
                full = f"{node.module}.{a.name}"
                self.aliases[a.asname or a.name] = full
                self._check(full, a.name, node)
        elif (
            isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)
        ):
            target = self._dotted(node.value)
            if target:
                self.aliases[node.targets[0].id] = target
        elif isinstance(node, ast.Attribute):
            self._check_chain(node)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
            if node.id in self.plain:
                self.uses.append(Use(node.id, node.id, node.lineno, node.col_offset + 1))
            elif self.plain and node.id in ESCAPES:
                self.uses.append(Use(f"{node.id}()", node.id, node.lineno, node.col_offset + 1))
            else:
                self._check_chain(node)

    def _check_chain(self, node: ast.AST) -> None:
        full = self._dotted(node)
        if full:
            self._check(full, full, node)

    def _dotted(self, node: ast.AST) -> str | None:
        parts = []
        while isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
            if len(parts) > MAX_CHAIN:
                return None  # no API name is this long: nothing to forbid, and no quadratic work
        if not isinstance(node, ast.Name) or node.id not in self.aliases:
            return None
        return ".".join([self.aliases[node.id], *reversed(parts)])

    def _check(self, full: str, written: str, node: ast.AST) -> None:
        parts = full.split(".")
        for cut in range(len(parts), 0, -1):
            prefix = ".".join(parts[:cut])
            target = None if prefix in self.dotted else resolve(prefix, may_import=False)
            name = (
                prefix
                if prefix in self.dotted
                else self.by_id.get(id(target))
                if target is not None
                else None
            )
            if name:
                use = Use(name, written, node.lineno, node.col_offset + 1)
                if use not in self.uses:
                    self.uses.append(use)
                return
