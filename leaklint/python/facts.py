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

import dataclasses
from collections import defaultdict
from dataclasses import dataclass, field

import libcst as cst

from leaklint.python.positions import ALIGNED, Positions
from leaklint.python.slicing import Sliced

Function = cst.FunctionDef
Owner = Function | None
_BINDS = (cst.Assign, cst.AnnAssign, cst.WithItem)


@dataclass
class Facts:
    module: cst.Module
    positions: Positions
    parents: dict[cst.CSTNode, cst.CSTNode] = field(default_factory=dict)
    # Import- or definition-qualified names of call targets, class bases, annotations,
    # decorators.
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
    # Pre-order index of every node: source order without positions.
    order: dict[cst.CSTNode, int] = field(default_factory=dict)
    # The file's text before slicing: what the bodies the slicer dropped said.
    source: str = ""

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


# Fields that hold only tokens and whitespace: never a name, call or statement.
_TOKEN_FIELDS = frozenset({
    "lpar", "rpar", "comma", "semicolon", "equal", "colon", "operator", "star", "dot",
    "lbracket", "rbracket", "lbrace", "rbrace", "leading_lines", "lines_after_decorators",
    "header", "footer", "trailing_whitespace", "indent", "asynchronous", "default_indent",
    "default_newline", "has_trailing_newline", "encoding", "relative", "posonly_ind",
    "conversion", "leading_whitespace", "value_whitespace",
})
# Source order where libcst's field order differs from it (the visitor's order).
_SOURCE_ORDER: dict[type, tuple[str, ...]] = {
    cst.FunctionDef: ("decorators", "name", "type_parameters", "params", "returns", "body"),
    cst.ClassDef: ("decorators", "name", "type_parameters", "bases", "keywords", "body"),
    cst.ExceptHandler: ("type", "name", "body"),
    cst.ExceptStarHandler: ("type", "name", "body"),
    cst.IfExp: ("body", "test", "orelse"),
    cst.Parameters: ("posonly_params", "params", "star_arg", "kwonly_params", "star_kwarg"),
    cst.MatchCase: ("pattern", "guard", "body"),
    cst.Arg: ("keyword", "value"),
    cst.TypeAlias: ("name", "type_parameters", "value"),
}
_FIELDS: dict[type, tuple[str, ...]] = {}


def _child_fields(kind: type) -> tuple[str, ...]:
    found = _FIELDS.get(kind)
    if found is None:
        found = _SOURCE_ORDER.get(kind) or tuple(
            f.name for f in dataclasses.fields(kind)
            if f.name not in _TOKEN_FIELDS and not f.name.startswith("whitespace"))
        _FIELDS[kind] = found
    return found


class _Collector:
    """One pre-order walk over the fields of the nodes, in source order. libcst's own
    visitor rebuilds every node it passes (a transformer's machinery), which cost as
    much as parsing."""

    def __init__(self, facts: Facts) -> None:
        self.facts = facts
        self._annotation_depth = 0
        self._functions: list[Function] = []
        self._class_depth = 0
        # Names bound by imports, per owning function (None: the module). A name may be
        # bound by several imports (try: from http.client ... except ImportError: from
        # httplib ...): every one of them is a candidate, as for QualifiedNameProvider.
        self.imports: dict[Owner, dict[str, set[str]]] = defaultdict(
            lambda: defaultdict(set))
        self.module_defs: set[str] = set()
        # Module-level `Name = dotted.name` (`HTTPSConnection = http.client.HTTPSConnection`):
        # the name denotes what the dotted name denotes.
        self.aliases: list[tuple[str, str]] = []
        # (node, dotted name, owners innermost first): resolved once every import is seen.
        self.pending: list[tuple[cst.CSTNode, str, tuple[Owner, ...]]] = []
        # Calls, returns, definitions in pre-order, outside f-strings (leaklint.python.
        # positions matches them with CPython's).
        self.aligned: list[cst.CSTNode] = []
        self._fstring_depth = 0

    @property
    def _owner(self) -> Owner:
        return self._functions[-1] if self._functions else None

    def walk(self, node: cst.CSTNode, parent: cst.CSTNode | None) -> None:
        facts = self.facts
        if parent is not None:
            facts.parents[node] = parent
        facts.order[node] = len(facts.order)
        kind = type(node)
        if kind in ALIGNED and not self._fstring_depth:
            self.aligned.append(node)
        if kind is cst.Name:
            facts.name_nodes[(self._owner, node.value)].append(node)  # type: ignore[attr-defined]
            if self._annotation_depth:
                self._record(node)
            return
        if isinstance(node, _BINDS):
            facts.binds[self._owner].append(node)
            if kind is cst.Assign and not self._functions and not self._class_depth:
                self._module_alias(node)  # type: ignore[arg-type]
        leave = self._enter(node, kind)
        for name in _child_fields(kind):
            value = getattr(node, name)
            if isinstance(value, cst.CSTNode):
                self.walk(value, node)
            elif isinstance(value, (list, tuple)):
                for child in value:
                    if isinstance(child, cst.CSTNode):
                        self.walk(child, node)
        if leave is not None:
            leave()

    def _enter(self, node: cst.CSTNode, kind: type):
        """What the node's kind records on the way in; returns what to undo on the
        way out, if anything."""
        facts = self.facts
        if kind is cst.Call:
            facts.calls.append((node, self._owner))  # type: ignore[arg-type]
            self._record(node.func)  # type: ignore[attr-defined]
            for arg in node.args:  # type: ignore[attr-defined]  # partial(requests.get, ...)
                if isinstance(arg.value, (cst.Name, cst.Attribute)):
                    self._record(arg.value)
        elif kind is cst.Attribute:
            if self._annotation_depth:
                self._record(node)
        elif kind is cst.FunctionDef:
            facts.functions.append(node)  # type: ignore[arg-type]
            self._decorators(node)  # type: ignore[arg-type]
            if not self._functions and not self._class_depth:
                self.module_defs.add(node.name.value)  # type: ignore[attr-defined]
            self._functions.append(node)  # type: ignore[arg-type]
            return self._functions.pop
        elif kind is cst.ClassDef:
            facts.classes.append(node)  # type: ignore[arg-type]
            if not self._functions and not self._class_depth:
                self.module_defs.add(node.name.value)  # type: ignore[attr-defined]
            self._decorators(node)  # type: ignore[arg-type]
            self._class_depth += 1
            for base in node.bases:  # type: ignore[attr-defined]
                self._record(base.value)
            return self._leave_class
        elif kind is cst.Annotation:
            self._annotation_depth += 1
            return self._leave_annotation
        elif kind is cst.FormattedString:
            self._fstring_depth += 1
            return self._leave_fstring
        elif kind is cst.Return:
            facts.returns[self._owner].append(node)  # type: ignore[arg-type]
        elif kind is cst.Try or kind is cst.TryStar:
            facts.tries.append((node, self._owner))  # type: ignore[arg-type]
        elif kind is cst.Import:
            self._import(node)  # type: ignore[arg-type]
        elif kind is cst.ImportFrom:
            self._import_from(node)  # type: ignore[arg-type]
        elif kind is cst.Global and self._functions:
            names = facts.globals_of.setdefault(self._functions[-1], set())
            names.update(item.name.value for item in node.names)  # type: ignore[attr-defined]
        return None

    def _decorators(self, node: cst.FunctionDef | cst.ClassDef) -> None:
        """A decorator named without a call (`@mock_aws`): the walk records the
        called ones."""
        for decorator in node.decorators:
            if isinstance(decorator.decorator, (cst.Name, cst.Attribute)):
                self._record(decorator.decorator)

    def _leave_class(self) -> None:
        self._class_depth -= 1

    def _leave_annotation(self) -> None:
        self._annotation_depth -= 1

    def _leave_fstring(self) -> None:
        self._fstring_depth -= 1

    def _record(self, node: cst.CSTNode) -> None:
        name = dotted(node)
        if name is not None:
            owners = (*reversed(self._functions), None)
            self.pending.append((node, name, owners))

    def _module_alias(self, node: cst.Assign) -> None:
        if len(node.targets) != 1 or not isinstance(node.targets[0].target, cst.Name):
            return
        value = dotted(node.value) if isinstance(node.value, cst.Attribute) else None
        if value is not None:
            self.aliases.append((node.targets[0].target.value, value))

    def _resolve_aliases(self) -> None:
        """Bind each alias of an imported name in the module's table, as an import
        would (an alias of an alias too: in source order, which is how they run)."""
        table = self.imports[None]
        for target, value in self.aliases:
            head, _, rest = value.partition(".")
            found = table.get(head)
            if found and target not in table:
                table[target] = {f"{t}.{rest}" for t in found}

    def resolve_names(self) -> None:
        self._resolve_aliases()
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

    def _import(self, node: cst.Import) -> None:
        table = self.imports[self._owner]
        for alias in node.names:
            full = _module_name(alias.name)
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                table[alias.asname.name.value].add(full)
            else:
                head = full.split(".", 1)[0]
                table[head].add(head)

    def _import_from(self, node: cst.ImportFrom) -> None:
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


def collect(module: cst.Module, sliced: Sliced) -> Facts:
    """`sliced` is what the module was parsed from (its text, CPython's tree)."""
    positions = Positions(module, sliced.text.split("\n"))
    facts = Facts(module, positions)
    collector = _Collector(facts)
    collector.walk(module, None)
    collector.resolve_names()
    if sliced.targets is not None:
        positions.align(sliced.targets, collector.aligned, sliced.dropped)
    return facts
