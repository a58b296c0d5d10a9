"""Where the reported nodes are, without a code-generation pass over the whole file.

libcst's PositionProvider regenerates the code of every node to learn where each one
is: it cost twice the parse. The checks ask for the positions of calls, returns,
function definitions and assignments (findings, related returns, scopes, rebindings).
CPython's parser (`ast`, run on the same text by the slicer) knows those: its nodes of
these kinds sorted by start (the longer node first) are libcst's in pre-order, the same
nodes one for one; so are the arguments of those calls (fixes edit beside them).
Any other node, a file where the counts or names disagree, or one CPython could not
parse, falls back to the provider, computed once and only when asked.
"""

from __future__ import annotations

import ast
from collections.abc import Sequence

import libcst as cst
from libcst.metadata import CodePosition, CodeRange, MetadataWrapper, PositionProvider

Raw = tuple[int, int, int, int]  # line, byte column, end line, end byte column (ast)

_KINDS: tuple[tuple[type, tuple[type, ...]], ...] = (
    (cst.Call, (ast.Call,)),
    (cst.Return, (ast.Return,)),
    (cst.FunctionDef, (ast.FunctionDef, ast.AsyncFunctionDef)),
    # bindings: a rebinding that loses an open resource is reported at its line
    (cst.Assign, (ast.Assign,)),
    (cst.AnnAssign, (ast.AnnAssign,)),
)
ALIGNED = tuple(kind for kind, _ in _KINDS)
AstTargets = dict[type, list[ast.AST]]  # CPython's nodes of each aligned kind, in order


def ast_targets(tree: ast.Module, dropped: frozenset[ast.AST],
                removed: frozenset[ast.AST]) -> AstTargets:
    """CPython's nodes of the aligned kinds in the text as sliced: not inside a body the
    slicer replaced (`dropped`) or a statement it replaced (`removed`). Only these are
    kept, not the whole tree, while libcst parses."""
    found: AstTargets = {kind: [] for kind, _ in _KINDS}
    by_ast = {a: c for c, many in _KINDS for a in many}
    stack: list[ast.AST] = [tree]
    while stack:
        node = stack.pop()
        if node in removed:
            continue
        kind = by_ast.get(type(node))
        if kind is not None:
            found[kind].append(node)
        if isinstance(node, ast.JoinedStr):
            continue  # f-string positions differ across Python versions
        if node in dropped:  # the slicer replaced this body with `pass`
            stack.extend(getattr(node, "decorator_list", ()))
            if isinstance(node, ast.ClassDef):
                stack.extend(node.bases)
                stack.extend(node.keywords)
                continue
            stack.append(node.args)  # type: ignore[attr-defined]
            returns = getattr(node, "returns", None)
            if returns is not None:
                stack.append(returns)
            continue
        stack.extend(ast.iter_child_nodes(node))
    for theirs in found.values():
        theirs.sort(key=_order)
    return found


class Positions:
    """Maps a node to its CodeRange (1-based lines, 0-based code-point columns)."""

    def __init__(self, module: cst.Module, lines: list[str]) -> None:
        self._module = module
        self._lines = lines
        self._raw: dict[cst.CSTNode, Raw] = {}
        self._done: dict[cst.CSTNode, CodeRange] = {}
        self._provider: dict | None = None

    def align(self, targets: AstTargets, ordered: Sequence[cst.CSTNode],
              dropped: frozenset[ast.AST]) -> None:
        """Take CPython's positions for `ordered` (the aligned kinds in pre-order,
        f-strings left out), or none of them when the two parses disagree."""
        mine: dict[type, list[cst.CSTNode]] = {kind: [] for kind, _ in _KINDS}
        for node in ordered:
            mine[type(node)].append(node)
        raw: dict[cst.CSTNode, Raw] = {}
        for kind, theirs in targets.items():
            ours = mine[kind]
            if len(ours) != len(theirs):
                return
            for node, other in zip(ours, theirs, strict=True):
                raw[node] = self._position(other, dropped)
                if kind is cst.Call:
                    if not self._same_name(node, other):  # type: ignore[arg-type]
                        return
                    self._arguments(node, other, raw)  # type: ignore[arg-type]
        self._raw = raw

    @staticmethod
    def _arguments(call: cst.Call, other: ast.Call, raw: dict[cst.CSTNode, Raw]) -> None:
        """The arguments of an aligned call (fixes edit beside them): CPython's
        positional and keyword arguments in source order are libcst's, one for one.
        A keyword argument spans `name=value`; its value, and a positional argument,
        span the expression (a starred one from its star)."""
        theirs = sorted([*other.args, *other.keywords], key=lambda a: (a.lineno, a.col_offset))
        if len(theirs) != len(call.args):
            return
        for arg, node in zip(call.args, theirs, strict=True):
            span = (node.lineno, node.col_offset, node.end_lineno, node.end_col_offset)
            raw[arg] = span  # type: ignore[assignment]
            if isinstance(node, ast.keyword):
                value = node.value
                raw[arg.value] = (value.lineno, value.col_offset,  # type: ignore[assignment]
                                  value.end_lineno, value.end_col_offset)
            elif not arg.star:
                raw[arg.value] = span  # type: ignore[assignment]

    def _position(self, node: ast.AST, dropped: frozenset[ast.AST]) -> Raw:
        if node in dropped:  # its body is now `pass` on the first body line
            first = node.body[0]  # type: ignore[attr-defined]
            decorators = getattr(first, "decorator_list", None)
            line = decorators[0].lineno if decorators else first.lineno
            text = self._lines[line - 1]
            indent = len(text) - len(text.lstrip(" \t\f")) if decorators else first.col_offset
            return (node.lineno, node.col_offset,  # type: ignore[attr-defined]
                    line, indent + len("pass"))
        end = _last_simple(node) if isinstance(node, _DEFINITIONS) else node
        return (node.lineno, node.col_offset,  # type: ignore[attr-defined]
                end.end_lineno, end.end_col_offset)  # type: ignore[attr-defined]

    def _same_name(self, call: cst.Call, other: ast.AST) -> bool:
        """A cheap guard against a shifted match: a call of a plain name starts with it."""
        func = call.func
        if not isinstance(func, cst.Name) or func.lpar:
            return True
        line, column = other.lineno, other.col_offset  # type: ignore[attr-defined]
        text = self._lines[line - 1].encode("utf-8")
        return text[column:column + len(func.value.encode("utf-8"))] == \
            func.value.encode("utf-8")

    def __getitem__(self, node: cst.CSTNode) -> CodeRange:
        found = self.get(node)
        if found is None:
            raise KeyError(node)
        return found

    def get(self, node: cst.CSTNode, default: CodeRange | None = None) -> CodeRange | None:
        done = self._done.get(node)
        if done is not None:
            return done
        raw = self._raw.get(node)
        if raw is None:
            if self._provider is None:
                wrapper = MetadataWrapper(self._module, unsafe_skip_copy=True)
                self._provider = dict(wrapper.resolve(PositionProvider))
            return self._provider.get(node, default)
        line, column, end_line, end_column = raw
        done = CodeRange(CodePosition(line, self._chars(line, column)),
                         CodePosition(end_line, self._chars(end_line, end_column)))
        self._done[node] = done
        return done

    def _chars(self, line: int, byte_column: int) -> int:
        text = self._lines[line - 1] if 0 < line <= len(self._lines) else ""
        if text.isascii():
            return byte_column
        return len(text.encode("utf-8")[:byte_column].decode("utf-8", "replace"))


_DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef)


def _last_simple(node: ast.AST) -> ast.AST:
    """The last simple statement of a definition: libcst ends a definition there, CPython
    after a trailing semicolon."""
    while True:
        inner = [child for name in ("body", "orelse", "finalbody")
                 for child in getattr(node, name, ()) or ()]
        for clause in (*(getattr(node, "handlers", ()) or ()),
                       *(getattr(node, "cases", ()) or ())):
            inner.extend(clause.body)
        if not inner:
            return node
        node = max(inner, key=lambda c: (c.end_lineno, c.end_col_offset))


def _order(node: ast.AST) -> tuple[int, int, int, int]:
    return (node.lineno, node.col_offset,  # type: ignore[attr-defined]
            -node.end_lineno, -node.end_col_offset)  # type: ignore[attr-defined]
