"""One metadata traversal per file: what the checks need, collected once.

Qualified names are resolved here from the file's imports and module-level definitions
(`import requests as r`, `from httpx import AsyncClient as C`, function-level imports
included), for the few node kinds the checks ask about. libcst's QualifiedNameProvider
would do the same through a full scope analysis, which cost two thirds of the time of a
file. The traversal also
records parents and indexes the nodes the checks look at by their innermost function
(None: module or class level), so no check walks the tree again: in libcst, reading a
node's children rebuilds them, which costs as much as a traversal.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import libcst as cst
from libcst.metadata import CodeRange, MetadataWrapper, PositionProvider

Function = cst.FunctionDef
Owner = Function | None
_BINDS = (cst.Assign, cst.AnnAssign, cst.WithItem)


@dataclass
class Facts:
    module: cst.Module
    positions: dict[cst.CSTNode, CodeRange]
    parents: dict[cst.CSTNode, cst.CSTNode] = field(default_factory=dict)
    # Import- or definition-qualified names of call targets, class bases, annotations.
    qnames: dict[cst.CSTNode, frozenset[str]] = field(default_factory=dict)
    functions: list[Function] = field(default_factory=list)
    classes: list[cst.ClassDef] = field(default_factory=list)
    # Names declared `global` inside a function.
    globals_of: dict[Function, set[str]] = field(default_factory=dict)
    # Per innermost function: calls, bindings (Assign/AnnAssign/WithItem), try
    # statements, returns, and every Name node (by its text).
    calls: list[tuple[cst.Call, Owner]] = field(default_factory=list)
    binds: dict[Owner, list[cst.CSTNode]] = field(default_factory=lambda: defaultdict(list))
    tries: list[tuple[cst.Try | cst.TryStar, Owner]] = field(default_factory=list)
    returns: dict[Owner, list[cst.Return]] = field(default_factory=lambda: defaultdict(list))
    name_nodes: dict[tuple[Owner, str], list[cst.Name]] = field(
        default_factory=lambda: defaultdict(list))

    def names(self, node: cst.CSTNode) -> frozenset[str]:
        return self.qnames.get(node, frozenset())

    def uses(self, fn: Owner, name: str) -> list[cst.Name]:
        return self.name_nodes.get((fn, name), [])

    def enclosing(self, node: cst.CSTNode, kinds: tuple[type, ...]) -> cst.CSTNode | None:
        current = self.parents.get(node)
        while current is not None and not isinstance(current, kinds):
            current = self.parents.get(current)
        return current

    def inside(self, node: cst.CSTNode, ancestor: cst.CSTNode) -> bool:
        current = self.parents.get(node)
        while current is not None:
            if current is ancestor:
                return True
            current = self.parents.get(current)
        return False


def canonical(name: str) -> str:
    """A vendored copy is the library: pip._vendor.requests.get is requests.get."""
    if "_vendor." in name:
        return name.rsplit("_vendor.", 1)[1]
    return name


def dotted(node: cst.CSTNode) -> str | None:
    """`a.b.c` for a Name or an Attribute chain of Names; None otherwise."""
    parts: list[str] = []
    while isinstance(node, cst.Attribute):
        parts.append(node.attr.value)
        node = node.value
    if not isinstance(node, cst.Name):
        return None
    parts.append(node.value)
    return ".".join(reversed(parts))


def _module_name(node: cst.BaseExpression | None) -> str:
    return (dotted(node) or "") if node is not None else ""


class _Collector(cst.CSTVisitor):
    def __init__(self, facts: Facts) -> None:
        super().__init__()
        self.facts = facts
        self._stack: list[cst.CSTNode] = []
        self._annotation_depth = 0
        self._functions: list[Function] = []
        self._class_depth = 0
        # Names bound by imports, per owning function (None: the module). A name may be
        # bound by several imports (try: from http.client ... except ImportError: from
        # httplib ...): every one of them is a candidate, as for QualifiedNameProvider.
        self.imports: dict[Owner, dict[str, set[str]]] = defaultdict(
            lambda: defaultdict(set))
        self.module_defs: set[str] = set()
        # (node, dotted name, owners innermost first): resolved once every import is seen.
        self.pending: list[tuple[cst.CSTNode, str, tuple[Owner, ...]]] = []

    @property
    def _owner(self) -> Owner:
        return self._functions[-1] if self._functions else None

    # Parents are recorded here rather than by ParentNodeProvider: one traversal fewer.
    def on_visit(self, node: cst.CSTNode) -> bool:
        if self._stack:
            self.facts.parents[node] = self._stack[-1]
        self._stack.append(node)
        if isinstance(node, _BINDS):
            self.facts.binds[self._owner].append(node)
        return super().on_visit(node)

    def on_leave(self, original_node: cst.CSTNode) -> None:
        super().on_leave(original_node)
        self._stack.pop()

    def _record(self, node: cst.CSTNode) -> None:
        name = dotted(node)
        if name is not None:
            owners = (*reversed(self._functions), None)
            self.pending.append((node, name, owners))

    def resolve_names(self) -> None:
        for node, name, owners in self.pending:
            head, _, rest = name.partition(".")
            for owner in owners:
                targets = self.imports[owner].get(head) if owner in self.imports else None
                if targets:
                    self.facts.qnames[node] = frozenset(
                        canonical(f"{t}.{rest}" if rest else t) for t in targets)
                    break
            else:
                if head in self.module_defs:
                    self.facts.qnames[node] = frozenset({name})

    def visit_Import(self, node: cst.Import) -> None:
        table = self.imports[self._owner]
        for alias in node.names:
            full = _module_name(alias.name)
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                table[alias.asname.name.value].add(full)
            else:
                head = full.split(".", 1)[0]
                table[head].add(head)

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        if isinstance(node.names, cst.ImportStar) or node.relative:
            return  # a star import or a sibling module: not one of the modelled libraries
        module = _module_name(node.module)
        table = self.imports[self._owner]
        for alias in node.names:
            name = _module_name(alias.name)
            bound = name
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                bound = alias.asname.name.value
            table[bound].add(f"{module}.{name}" if module else name)

    def visit_Call(self, node: cst.Call) -> None:
        self.facts.calls.append((node, self._owner))
        self._record(node.func)
        for arg in node.args:  # partial(requests.get, ...), closing(...)
            if isinstance(arg.value, (cst.Name, cst.Attribute)):
                self._record(arg.value)

    def visit_Try(self, node: cst.Try) -> None:
        self.facts.tries.append((node, self._owner))

    def visit_TryStar(self, node: cst.TryStar) -> None:
        self.facts.tries.append((node, self._owner))

    def visit_Return(self, node: cst.Return) -> None:
        self.facts.returns[self._owner].append(node)

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self.facts.classes.append(node)
        if not self._functions and not self._class_depth:
            self.module_defs.add(node.name.value)
        self._class_depth += 1
        for base in node.bases:
            self._record(base.value)

    def leave_ClassDef(self, original_node: cst.ClassDef) -> None:
        self._class_depth -= 1

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.facts.functions.append(node)
        if not self._functions and not self._class_depth:
            self.module_defs.add(node.name.value)
        self._functions.append(node)

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self._functions.pop()

    def visit_Global(self, node: cst.Global) -> None:
        if self._functions:
            names = self.facts.globals_of.setdefault(self._functions[-1], set())
            names.update(item.name.value for item in node.names)

    def visit_Annotation(self, node: cst.Annotation) -> None:
        self._annotation_depth += 1

    def leave_Annotation(self, original_node: cst.Annotation) -> None:
        self._annotation_depth -= 1

    def visit_Name(self, node: cst.Name) -> None:
        self.facts.name_nodes[(self._owner, node.value)].append(node)
        if self._annotation_depth:
            self._record(node)

    def visit_Attribute(self, node: cst.Attribute) -> None:
        if self._annotation_depth:
            self._record(node)


def collect(module: cst.Module) -> Facts:
    wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
    positions = wrapper.resolve(PositionProvider)
    facts = Facts(wrapper.module, positions)  # type: ignore[arg-type]
    collector = _Collector(facts)
    wrapper.visit(collector)
    collector.resolve_names()
    return facts
