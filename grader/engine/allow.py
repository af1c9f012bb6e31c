"""`allow`: an allow-list beside `forbid`, for Tensor-Puzzles-style exercises.

With an allow-list the learner's code may use Python's syntax (operators, indexing, literals,
comprehensions, its own functions and variables), the names `setup` defines, and only the torch
names and tensor attributes the list gives (`torch.arange`, `Tensor.shape`). Everything is decided
statically: any attribute whose base is not a module is taken to be a tensor's, so `x.sum()` needs
`Tensor.sum` and `"a".join` is refused as `Tensor.join`. Builtins (`len`, `getattr`) are names like
any other: refused unless listed. Dunder attributes are always refused.
"""

from __future__ import annotations

import ast
import builtins
from dataclasses import dataclass
from types import ModuleType

from grader.engine.forbid import MAX_CHAIN, PREDEFINED, Use, resolve

# Names every program has that reach nothing a puzzle could misuse.
HARMLESS = {"device", "observe", "True", "False", "None"}


@dataclass(frozen=True)
class Outside(Use):
    """A use of something the allow-list does not give."""

    allowed: tuple[str, ...] = ()

    def message(self) -> str:
        via = "" if self.written == self.name else f" (as {self.written})"
        given = ", ".join(self.allowed) or "nothing else"
        return (
            f"line {self.line}: {self.name}{via} is not allowed in this exercise: use Python's operators, "
            f"indexing and your own names, and {given}"
        )


def normal(name: str) -> str:
    """`Tensor.sum` and `torch.Tensor.sum` are one entry."""
    return f"torch.{name}" if name.startswith("Tensor.") else name


def find_outside(source: str, mode: str, allow: list[str], known: set[str]) -> list[Outside]:
    """Every use in `source` (which must parse) of a name or attribute the allow-list does not give.
    `known`: the names the program defines before the answer (params and what setup binds)."""
    tree = ast.parse(source, mode=mode)
    return sorted(_Checker(allow, known | HARMLESS).visit_all(tree), key=lambda u: (u.line, u.col))


def bound_names(tree: ast.AST) -> set[str]:
    """Names a piece of code binds: assignments, definitions, arguments, loop and `with` targets."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
            names.add(node.id)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.arg):
            names.add(node.arg)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            names.add(node.name)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            names.update((a.asname or a.name).split(".")[0] for a in node.names)
    return names


class _Checker:
    def __init__(self, allow: list[str], given: set[str]) -> None:
        self.listed = tuple(allow)
        self.allowed = {normal(n) for n in allow}
        self.allowed_ids = {id(obj) for n in self.allowed if (obj := resolve(n)) is not None}
        self.given = given
        self.aliases: dict[str, str] = dict(PREDEFINED)
        self.uses: list[Outside] = []

    def visit_all(self, tree: ast.AST) -> list[Outside]:
        own = bound_names(tree)
        for node in ast.walk(tree):
            if isinstance(node, ast.Import | ast.ImportFrom):
                self._import(node)
        # A builtin or a module rebound by the answer (`lambda getattr=getattr: ...`, `len = len`) is
        # still that builtin: only names no builtin has become the answer's own.
        own -= set(self.aliases) | set(dir(builtins))
        self.given = self.given | own
        bases = {id(n.value) for n in ast.walk(tree) if isinstance(n, ast.Attribute)}
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute):
                self._attribute(node, inner=id(node) in bases)
            elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
                if not (id(node) in bases and node.id in self.aliases):  # a module's chain is judged whole
                    self._name(node)
        return self.uses

    def _import(self, node: ast.Import | ast.ImportFrom) -> None:
        for a in node.names:
            if isinstance(node, ast.Import):
                self.aliases[a.asname or a.name.split(".")[0]] = a.name if a.asname else a.name.split(".")[0]
            elif node.module and not node.level:
                self.aliases[a.asname or a.name] = f"{node.module}.{a.name}"

    def _name(self, node: ast.Name) -> None:
        if node.id in self.aliases:
            self._dotted(self.aliases[node.id], node.id, node)
        elif node.id not in self.given and node.id not in self.allowed:
            self._refuse(node.id, node.id, node)

    def _attribute(self, node: ast.Attribute, *, inner: bool) -> None:
        if node.attr.startswith("__") and f"torch.Tensor.{node.attr}" not in self.allowed:
            self._refuse(f".{node.attr}", node.attr, node)
            return
        chain = self._module_chain(node)
        if chain is None:  # an attribute of a value: a tensor's, as far as a puzzle is concerned
            if f"torch.Tensor.{node.attr}" not in self.allowed:
                self._refuse(f"Tensor.{node.attr}", f"Tensor.{node.attr}", node)
        elif not inner:  # `torch.nn` in `torch.nn.functional.relu` is judged with the whole chain
            self._dotted(chain, ast.unparse(node), node)

    def _module_chain(self, node: ast.Attribute) -> str | None:
        """`torch.nn.functional.relu` for `F.relu`; None when the chain's base is not a module alias."""
        parts: list[str] = []
        current: ast.AST = node
        while isinstance(current, ast.Attribute) and len(parts) <= MAX_CHAIN:
            parts.append(current.attr)
            current = current.value
        if not isinstance(current, ast.Name) or current.id not in self.aliases:
            return None
        return ".".join([self.aliases[current.id], *reversed(parts)])

    def _dotted(self, full: str, written: str, node: ast.Name | ast.Attribute) -> None:
        if full in self.allowed:
            return
        target = resolve(full, may_import=False)
        if target is not None and id(target) in self.allowed_ids and not isinstance(target, ModuleType):
            return
        self._refuse(full.removeprefix("torch.") if full.startswith("torch.Tensor.") else full, written, node)

    def _refuse(self, name: str, written: str, node: ast.Name | ast.Attribute) -> None:
        use = Outside(name, written, node.lineno, node.col_offset + 1, self.listed)
        if use not in self.uses:
            self.uses.append(use)
