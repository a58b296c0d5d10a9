"""What every Go check gets: the file, the package resolver, spans and scopes."""

from __future__ import annotations

from dataclasses import dataclass, field

from tree_sitter import Node

from leaklint.emit import FileReport
from leaklint.golang.index import GoFile
from leaklint.golang.parse import field as fld
from leaklint.golang.parse import text
from leaklint.golang.resolve import FUNCTION_NODES, Env, Resolver
from leaklint.model import Related, Scope, Span


@dataclass
class GoCheckContext:
    file: GoFile
    resolver: Resolver
    report: FileReport
    _envs: dict[int, Env] = field(default_factory=dict)
    _functions: list[Node] | None = None

    @property
    def functions(self) -> list[Node]:
        """Every function, method and func literal of the file, in source order."""
        if self._functions is None:
            self._functions = sorted(
                (n for kind in FUNCTION_NODES for n in self.file.nodes(kind)),
                key=lambda n: n.start_byte)
        return self._functions

    def span(self, node: Node) -> Span:
        assert self.file.source is not None
        return self.file.source.lines.span_from_points(node.start_point, node.end_point)

    def point_span(self, node: Node) -> Span:
        """A one-line span at the node's start (for exits such as a closing brace)."""
        assert self.file.source is not None
        return self.file.source.lines.span_from_points(node.start_point, node.start_point)

    def related(self, node: Node, message: str) -> Related:
        return Related(self.span(node), message)

    def env(self, func: Node) -> Env:
        """The local-name types of a function; a func literal sees its enclosing ones."""
        cached = self._envs.get(func.id)
        if cached is not None:
            return cached
        outer_func = enclosing_function(func)
        outer = self.env(outer_func) if outer_func is not None else None
        env = self.resolver.env_for(func, self.file, outer)
        self._envs[func.id] = env
        return env

    def scope(self, node: Node) -> Scope | None:
        func = named_function(node)
        if func is None:
            return None
        return Scope(function_name(func), func.start_point[0] + 1, func.end_point[0] + 1)


def enclosing_function(node: Node) -> Node | None:
    parent = node.parent
    while parent is not None:
        if parent.type in FUNCTION_NODES:
            return parent
        parent = parent.parent
    return None


def named_function(node: Node) -> Node | None:
    """The function or method declaration a node sits in (through func literals)."""
    current: Node | None = node
    while current is not None:
        if current.type in ("function_declaration", "method_declaration"):
            return current
        current = current.parent
    return None


def outermost_function(node: Node) -> Node | None:
    """The declaration a node sits in, or for code in a package-level closure (Ginkgo's
    `var _ = Describe("...", func() {...})`) the outermost func literal."""
    outer: Node | None = None
    current: Node | None = node
    while current is not None:
        if current.type in ("function_declaration", "method_declaration"):
            return current
        if current.type == "func_literal":
            outer = current
        current = current.parent
    return outer


def function_name(func: Node) -> str:
    name = text(fld(func, "name"))
    if func.type == "method_declaration":
        receiver = fld(func, "receiver")
        recv_type = ""
        if receiver is not None:
            for decl in receiver.named_children:
                recv_type = text(fld(decl, "type")).lstrip("*").split("[")[0]
        return f"{recv_type}.{name}" if recv_type else name
    return name
