"""Keep only the functions that can matter before libcst sees a file.

The byte prefilter passes a whole file when it mentions a modelled API anywhere; a large
test module then costs libcst seconds for one relevant method among hundreds. CPython's
own parser (`ast`, parsing only: nothing runs) finds the function bodies at a small
fraction of that cost, and a body that cannot reach a modelled API is replaced by `pass`
and blank lines, so every kept line keeps its number and columns.

The analysis connects code only through names: imports and their aliases, module
statements (`SESSION = requests.Session()`), attributes (`self.conn = HTTPConnection(h)`),
`global` names, module-level functions that return what they build, client subclasses.
So relevance is a fixed point over names. It starts from the prefilter's API names; a
statement that mentions a relevant name makes the names it binds relevant (a function's
locals stay local to it, attributes and globals are seen everywhere, a module-level
function's name when one of its returns mentions a relevant name), and keeps the function
it belongs to. A class whose header mentions a relevant name keeps all its methods.
A function body mentioning no relevant name can produce no finding and change none.
Outside function bodies, a module- or class-level statement goes the same way (`pass`
and blank lines: a generated table, a large literal, a class nothing names) when no
relevant name is mentioned in it and it binds no name that the rest of the text
mentions (checks read constants: `timeout=NO_TIMEOUT` needs `NO_TIMEOUT = None`).
Imports, global declarations, statements sharing a line with another, and compound
statements holding a definition stay as written, headers and decorators included.
Any doubt keeps the whole file: text that CPython's parser refuses (libcst then reports
it), lone carriage returns.
"""

from __future__ import annotations

import ast
import re
import unicodedata
import warnings
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from leaklint.python.positions import AstTargets, ast_targets

_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)
_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
_BODIES = ("body", "orelse", "finalbody", "handlers", "cases")

Key = str | tuple[int, str]  # a module-level name, or (function, local name)


@dataclass(eq=False)
class _Keep:
    """A top-level or class-level function, or a class header deciding for its methods."""

    node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef
    droppable: bool = False  # a function whose body starts on a line of its own
    members: list[_Keep] = field(default_factory=list)
    relevant: bool = False
    touched: bool = False  # a class: one of its own statements is relevant

    def needed(self) -> bool:
        return self.relevant or self.touched or any(m.needed() for m in self.members)

    def mark(self) -> None:
        if not self.relevant:
            self.relevant = True
            for member in self.members:
                member.mark()


@dataclass(eq=False)
class _Unit:
    """One statement (or a compound statement's header): the names its text mentions,
    and the nodes whose bindings count once it is relevant (computed then: most units
    never are)."""

    mentions: list[Key]
    keep: _Keep | None
    nodes: list  # ast nodes (or lists of them) to read the bindings from
    scope: _Scope | None  # where the nodes are evaluated
    binds: list[str] = field(default_factory=list)  # names bound besides the nodes'
    bind_scope: _Scope | None = None  # where those names are bound (default: scope)
    returns: bool = False
    class_level: bool = False
    container: _Keep | None = None  # the class of a class-level statement
    marked: bool = False  # relevant (set by _mark)

    def bound_keys(self) -> list[Key]:
        bound: set[str] = set(self.binds)
        attributes: set[str] = set()
        for node in _walk(self.nodes):
            if isinstance(node, ast.Name):
                if not isinstance(node.ctx, ast.Load):
                    bound.add(node.id)
            elif isinstance(node, ast.Attribute):
                if not isinstance(node.ctx, ast.Load) and isinstance(node.value, ast.Name) \
                        and node.value.id in ("self", "cls"):
                    attributes.add("." + node.attr)
            elif isinstance(node, ast.alias):
                parts = node.name.split(".")
                bound.add(node.asname or parts[0])
                bound.add(parts[-1])
            elif isinstance(node, (ast.MatchAs, ast.MatchStar)) and node.name:
                bound.add(node.name)
            elif isinstance(node, ast.MatchMapping) and node.rest:
                bound.add(node.rest)
        scope = self.bind_scope if self.bind_scope is not None else self.scope
        keys = _keys(bound, scope)
        keys.extend(attributes)
        if self.class_level:  # a class attribute is read as `self.name`
            keys.extend("." + name for name in bound)
        if self.returns and self.scope is not None and self.scope.module_level:
            keys.append(self.scope.keep.node.name)  # a module-level wrapper's name
        return keys


@dataclass(eq=False)
class _Statement:
    """A statement of a module or class body, with the units built from it (its
    nested statements' included): it goes when none of them is relevant."""

    node: ast.stmt
    units: list[_Unit]
    own_lines: bool  # no other statement shares a line with it


@dataclass
class Sliced:
    """The text to parse; CPython's nodes of it that positions align with libcst's
    (None when CPython could not parse it), and the definitions whose bodies were
    replaced. Not the whole tree: it would stay alive while libcst parses."""

    text: str
    targets: AstTargets | None = None
    dropped: frozenset[ast.AST] = frozenset()
    # Backslashes the blanking added (see _blank_rows): not part of what the file holds.
    continuations: int = 0


def _sliced(text: str, tree: ast.Module, dropped: frozenset[ast.AST] = frozenset(),
            removed: frozenset[ast.AST] = frozenset(), continuations: int = 0) -> Sliced:
    return Sliced(text, ast_targets(tree, dropped, removed), dropped, continuations)


# Module- and class-level statements are sliced away only when they hold this much text.
MODULE_LEVEL_BYTES = 64 * 1024


def relevant_source(text: str, api_names: Iterable[str],
                    module_level_bytes: int = MODULE_LEVEL_BYTES) -> Sliced:
    """The text with every function body that cannot matter replaced; the text itself
    when nothing can be dropped or the file is not plain enough to cut safely."""
    if "\r" in text and "\r" in text.replace("\r\n", ""):
        return Sliced(text)  # lone CR line breaks: line numbering may differ
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # invalid escapes etc. are not ours to say
            tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return Sliced(text)
    lines = text.split("\n")
    builder = _Builder(lines)
    try:
        builder.statements(tree.body, None, None, top=True)
    except RecursionError:
        return Sliced(text)
    droppable = [keep for keep in builder.functions if keep.droppable]
    if not droppable and not builder.top:
        return _sliced(text, tree)
    names = set(api_names)
    try:
        _mark(builder, names | {"." + name for name in names})
    except RecursionError:
        return Sliced(text)
    # A class nothing in which is relevant goes whole (its header stays); then every
    # irrelevant function outside such classes.
    dropped_classes = [keep for keep in builder.classes
                       if keep.droppable and not keep.needed()]
    inside = {id(m) for keep in dropped_classes for m in _all_members(keep)}
    dropped = [keep for keep in dropped_classes if id(keep) not in inside]
    dropped += [keep for keep in droppable if not keep.relevant and id(keep) not in inside]
    for keep in dropped:
        _blank_body(keep.node, lines)  # type: ignore[arg-type]
    # Module- and class-level statements none of whose text is relevant (a generated
    # table, a large literal): libcst holds a node per token of them, for nothing.
    blanked = _dropped_lines(dropped, len(lines))
    candidates = [top for top in builder.top
                  if top.own_lines and not any(unit.marked for unit in top.units)
                  and not blanked[top.node.lineno]]
    # A class dropped whole goes too (header included) when nothing names it.
    candidates += [top for keep in dropped if (top := builder.top_classes.get(id(keep.node)))
                   and top.own_lines]
    # Worth it only when they are large: for a few kilobytes the scan costs more time
    # than libcst's nodes cost memory.
    if sum(len(lines[row]) for top in candidates
           for row in range(_first_line(top.node) - 1, top.node.end_lineno or 0)) \
            < module_level_bytes:
        candidates = []
    removed = _removable(candidates, lines)
    if not dropped and not removed:
        return _sliced(text, tree)
    regions = [_body_rows(keep.node) for keep in dropped]
    regions += [_statement_rows(top.node) for top in removed]
    return _sliced("\n".join(lines), tree, frozenset(keep.node for keep in dropped),
                   frozenset(top.node for top in removed), _continued(regions, len(lines)))


class _Builder:
    """One pass over the module: units, and the functions that may be dropped."""

    def __init__(self, lines: list[str]) -> None:
        self.lines = lines
        self.units: list[_Unit] = []
        self.functions: list[_Keep] = []
        self.lazy: list[_Lazy] = []
        self.classes: list[_Keep] = []
        self.class_of: dict[int, _Keep] = {}  # id(members list) -> its class
        self.top: list[_Statement] = []  # statements that may be replaced by `pass`
        self.top_classes: dict[int, _Statement] = {}  # id(class node) -> its statement
        self._class: _Keep | None = None  # the class whose body is being read

    def expand(self, lazy: _Lazy) -> list[_Unit]:
        """The units of a function whose text mentions a relevant name."""
        before = len(self.units)
        stmt = lazy.keep.node
        inner = _Scope(lazy.keep, module_level=lazy.module_level)
        self._unit(_first_line(stmt), stmt.body[0], None, lazy.keep, _header(stmt),
                   binds=_arg_names(stmt.args), bind_scope=inner)  # type: ignore[arg-type]
        self.statements(stmt.body, inner, None)
        return self.units[before:]

    def statements(self, body: list[ast.stmt], scope: _Scope | None,
                   members: list[_Keep] | None, top: bool = False) -> None:
        """`top`: the body of the module or of a class; its plain statements may go."""
        for index, stmt in enumerate(body):
            following = body[index + 1] if index + 1 < len(body) else None
            if top and isinstance(stmt, ast.ClassDef):  # may go whole if nothing in it counts
                self.top_classes[id(stmt)] = _Statement(stmt, [], _alone(stmt, following,
                                                                         self.lines))
            if not top or isinstance(stmt, (*_SCOPES, *_KEPT)):
                self.statement(stmt, scope, members)
                continue
            units, scopes = len(self.units), len(self.functions) + len(self.classes)
            self.statement(stmt, scope, members)
            if len(self.functions) + len(self.classes) == scopes:  # no definition inside
                self.top.append(_Statement(stmt, self.units[units:],
                                           _alone(stmt, following, self.lines)))

    def statement(self, stmt: ast.stmt, scope: _Scope | None,
                  members: list[_Keep] | None) -> None:
        if scope is None and isinstance(stmt, _FUNCTIONS):
            keep = _Keep(stmt, droppable=_own_lines(stmt.body[0], self.lines))
            self.functions.append(keep)
            if members is not None:
                members.append(keep)
            # Its statements are looked at only once its text mentions a relevant name
            # (see _Marker): most functions never do, and one regex costs less.
            text = "\n".join(self.lines[_first_line(stmt) - 1:stmt.end_lineno or stmt.lineno])
            names, attributes = _mentions(text)
            if _starts_mock(stmt, names, attributes):
                keep.relevant = True
            self.lazy.append(_Lazy(keep, members is None, [*names, *attributes]))
            return
        if scope is None and isinstance(stmt, ast.ClassDef):
            keep = _Keep(stmt, droppable=_own_lines(stmt.body[0], self.lines))
            self.classes.append(keep)
            self.class_of[id(keep.members)] = keep
            if members is not None:
                members.append(keep)
            self._unit(_first_line(stmt), stmt.body[0], None, keep, _header(stmt),
                       binds=[stmt.name])
            self.statements(stmt.body, None, keep.members, top=True)
            return
        keep = scope.keep if scope else None
        if isinstance(stmt, (ast.Global, ast.Nonlocal)) and scope is not None:
            scope.declared.update(stmt.names)
        if isinstance(stmt, _SCOPES):
            header = _header(stmt)
            binds = [stmt.name]
            if isinstance(stmt, _FUNCTIONS):
                binds += _arg_names(stmt.args)
        else:
            header = [value for name, value in ast.iter_fields(stmt) if name not in _BODIES]
            binds = []
        first_child = _first_child(stmt)
        self._class = self.class_of.get(id(members)) if members is not None else None
        self._unit(_first_line(stmt), first_child, scope, keep, header, binds=binds,
                   returns=isinstance(stmt, ast.Return),
                   class_level=scope is None and members is not None)
        for name in _BODIES:
            for child in getattr(stmt, name, ()):
                if isinstance(child, ast.stmt):
                    self.statement(child, scope, members)
                elif isinstance(child, ast.ExceptHandler):
                    self._unit(child.lineno, child.body[0], scope, keep, [child.type],
                               binds=[child.name] if child.name else [])
                    self.statements(child.body, scope, members)
                elif isinstance(child, ast.match_case):
                    self._unit(child.pattern.lineno, child.body[0], scope, keep,
                               [child.pattern, child.guard])
                    self.statements(child.body, scope, members)

    def _unit(self, first: int, until: ast.stmt | int, scope: _Scope | None,
              keep: _Keep | None, nodes: list, binds: Sequence[str] = (),
              bind_scope: _Scope | None = None, returns: bool = False,
              class_level: bool = False) -> None:
        """A unit for the text from line `first` up to the statement `until` (a body's
        first statement) or to the line `until`, both ends included. `nodes` are
        evaluated in `scope`; `binds` are bound in `bind_scope` (default: `scope`)."""
        if isinstance(until, ast.stmt):
            if until.lineno > first:
                text = "\n".join(self.lines[first - 1:until.lineno - 1])
            else:  # a byte column: on a non-ASCII line this keeps more text, never less
                text = self.lines[first - 1][:until.col_offset]
        else:
            text = "\n".join(self.lines[first - 1:until])
        names, attributes = _mentions(text) if not _docstring(nodes) else (set(), set())
        mentions = _keys(names, scope, mention=True)
        mentions.extend(attributes)
        unit = _Unit(mentions, keep, nodes, scope, list(binds), bind_scope, returns,
                     class_level)
        if class_level:
            unit.container = self._class
        self.units.append(unit)


@dataclass(eq=False)
class _Lazy:
    """A top-level or class-level function whose units are not built yet."""

    keep: _Keep
    module_level: bool
    mentions: list[str]  # every name and `.attribute` in its text


@dataclass(eq=False)
class _Scope:
    """A top-level function (its nested functions share it) or class method."""

    keep: _Keep
    module_level: bool
    declared: set[str] = field(default_factory=set)  # global / nonlocal names


# A test class's set-up method or a pytest fixture that starts an HTTP mock decides
# for the tests that run after it (leaklint.python.mocks), though it sends nothing.
_SET_UPS = frozenset({"setUp", "asyncSetUp", "setUpClass", "setup_method", "setup_class",
                      "setup"})
_MOCK_LIBRARIES = frozenset({"moto", "responses", "requests_mock", "respx", "httpretty",
                             "aioresponses"})


def _starts_mock(stmt: ast.FunctionDef | ast.AsyncFunctionDef, names: set[str],
                 attributes: set[str]) -> bool:
    if stmt.name not in _SET_UPS and "fixture" not in names \
            and ".fixture" not in attributes:
        return False
    return not names.isdisjoint(_MOCK_LIBRARIES) or any(
        name.startswith("mock_") for name in names)


_NAME = re.compile(r"(?<![\w.])[^\W\d]\w*")
_ATTRIBUTE = re.compile(r"\.[ \t]*(?:\\\r?\n[ \t]*)?([^\W\d]\w*)")


def _mentions(text: str) -> tuple[set[str], set[str]]:
    """Names and attributes (`.name`) in a piece of source. Strings and comments count
    too: a needless mention only keeps more."""
    names = set(_NAME.findall(text))
    attributes = {"." + name for name in _ATTRIBUTE.findall(text)}
    if not text.isascii():  # Python reads identifiers NFKC-normalised
        names |= {unicodedata.normalize("NFKC", n) for n in names}
        attributes |= {unicodedata.normalize("NFKC", a) for a in attributes}
    return names, attributes


def _docstring(nodes: list) -> bool:
    """A string statement (a docstring) mentions prose, not code."""
    return len(nodes) == 1 and isinstance(nodes[0], ast.Constant)


def _first_line(stmt: ast.stmt) -> int:
    return min([stmt.lineno, *(d.lineno for d in getattr(stmt, "decorator_list", ()))])


def _first_child(stmt: ast.stmt) -> ast.stmt | int:
    """Where a statement's own text ends: its first nested statement, or its last line."""
    for name in _BODIES:
        for child in getattr(stmt, name, ()):
            if isinstance(child, ast.stmt):
                return child
            if isinstance(child, ast.ExceptHandler):
                return child.lineno  # `try:` alone: its own line
            if isinstance(child, ast.match_case):
                return child.pattern.lineno
        if getattr(stmt, name, None):
            break
    return stmt.end_lineno or stmt.lineno


def _keys(names: Iterable[str], scope: _Scope | None, mention: bool = False) -> list[Key]:
    if scope is None:
        return list(names)
    ident = id(scope)
    out: list[Key] = []
    for name in names:
        out.append((ident, name))
        if mention or name in scope.declared:
            out.append(name)  # a mention may name a module-level binding
    return out


def _walk(nodes: list) -> Iterator[ast.AST]:
    stack = [n for n in nodes if isinstance(n, ast.AST)]
    stack.extend(x for n in nodes if isinstance(n, list) for x in n if isinstance(x, ast.AST))
    while stack:
        node = stack.pop()
        yield node
        stack.extend(ast.iter_child_nodes(node))


def _header(node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) -> list:
    if isinstance(node, ast.ClassDef):
        return [*node.decorator_list, *node.bases, *node.keywords]
    return [*node.decorator_list, node.args, node.returns]


def _arg_names(args: ast.arguments) -> list[str]:
    every = [*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg]
    return [a.arg for a in every if a is not None]


def _own_lines(first_statement: ast.stmt, lines: list[str]) -> bool:
    """Does a body start on a line of its own (`def f(): return 1` does not)? A
    decorated statement always does: a decorator starts a line."""
    if getattr(first_statement, "decorator_list", None):
        return True
    line = lines[first_statement.lineno - 1]
    return not line[: first_statement.col_offset].strip()


def _mark(builder: _Builder, relevant: set[Key]) -> None:
    """Mark every unit mentioning a relevant name, to a fixed point. A function's units
    are built when its text first mentions a relevant module name or attribute: its
    locals can only become relevant through such a mention."""
    waiting: dict[Key, list[_Unit]] = defaultdict(list)
    waiting_functions: dict[Key, list[_Lazy]] = defaultdict(list)
    queue: list[_Unit] = []

    def consider(units: Iterable[_Unit]) -> None:
        for unit in units:
            if any(key in relevant for key in unit.mentions):
                queue.append(unit)
            else:
                for key in unit.mentions:
                    waiting[key].append(unit)

    expanded: set[int] = set()

    def expand(lazy: _Lazy) -> None:
        if id(lazy) not in expanded:
            expanded.add(id(lazy))
            consider(builder.expand(lazy))

    consider(builder.units)
    for lazy in builder.lazy:
        if any(key in relevant for key in lazy.mentions):
            expand(lazy)
        else:
            for key in lazy.mentions:
                waiting_functions[key].append(lazy)
    done: set[int] = set()
    while queue:
        unit = queue.pop()
        if id(unit) in done:
            continue
        done.add(id(unit))
        unit.marked = True
        if unit.keep is not None:
            unit.keep.mark()
        if unit.container is not None:
            unit.container.touched = True
        for key in unit.bound_keys():
            if key not in relevant:
                relevant.add(key)
                queue.extend(waiting.pop(key, ()))
                for lazy in waiting_functions.pop(key, ()):
                    expand(lazy)


def _all_members(keep: _Keep) -> Iterator[_Keep]:
    for member in keep.members:
        yield member
        yield from _all_members(member)


def _body_rows(definition: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef
               ) -> tuple[int, int]:
    """The rows (0-based, both ends included) a blanked body covers."""
    first = definition.body[0]
    return _first_line(first) - 1, (definition.end_lineno or first.lineno) - 1


def _statement_rows(stmt: ast.stmt) -> tuple[int, int]:
    return _first_line(stmt) - 1, (stmt.end_lineno or stmt.lineno) - 1


def _continued(regions: list[tuple[int, int]], count: int) -> int:
    """How many rows of the blanked regions end with an added backslash (regions may
    overlap: a class dropped whole, then its statement)."""
    rows = bytearray(count)
    for start, end in regions:
        if end < count - 1:
            rows[start:end] = b"\1" * (end - start)
    return rows.count(1)


def _blank_body(definition: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef,
                lines: list[str]) -> None:
    first = definition.body[0]
    start, end = _body_rows(definition)
    if start == first.lineno - 1:
        indent = lines[start][: first.col_offset]
    else:  # decorated: the line starts with its indentation, then `@`
        indent = lines[start][: len(lines[start]) - len(lines[start].lstrip(" \t\f"))]
    _blank_rows(lines, start, end, indent + "pass")


# Kept even when nothing relevant mentions them: imports bind names cheaply (and a
# `from __future__` import must stay first), global declarations change scopes.
_KEPT = (ast.Import, ast.ImportFrom, ast.Global, ast.Nonlocal)


def _alone(stmt: ast.stmt, following: ast.stmt | None, lines: list[str]) -> bool:
    """Does the statement have its lines to itself (no `a = 1; b = 2`, no `if x: y`)?"""
    if lines[stmt.lineno - 1][:stmt.col_offset].strip():  # (a byte column: see _unit)
        return False
    for decorator in getattr(stmt, "decorator_list", ()):
        if lines[decorator.lineno - 1][:decorator.col_offset - 1].strip():  # after `@`
            return False
    end = stmt.end_lineno or stmt.lineno
    return following is None or _first_line(following) > end


def _removable(candidates: list[_Statement], lines: list[str]) -> list[_Statement]:
    """Blank the candidates in `lines`, except those binding a name the rest of the text
    mentions (the checks read constants: `timeout=NO_TIMEOUT` needs `NO_TIMEOUT = None`
    and every other binding of it), to a fixed point. The blanked ones are returned."""
    saved = {id(top): lines[_first_line(top.node) - 1:top.node.end_lineno]
             for top in candidates}
    for top in candidates:
        _blank_statement(top.node, lines)
    names, attributes = _mentions("\n".join(lines))
    mentioned = names | {a[1:] for a in attributes}
    removed = candidates
    while True:
        kept = [top for top in removed if not _bound(top.node).isdisjoint(mentioned)]
        if not kept:
            return removed
        removed = [top for top in removed if top not in kept]
        for top in kept:
            text = saved[id(top)]
            lines[_first_line(top.node) - 1:top.node.end_lineno] = text
            names, attributes = _mentions("\n".join(text))
            mentioned |= names | {a[1:] for a in attributes}


def _bound(stmt: ast.stmt) -> set[str]:
    """Every name a statement binds or deletes, anywhere inside it (definitions too)."""
    bound: set[str] = set()
    for node in ast.walk(stmt):
        if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
            bound.add(node.id)
        elif isinstance(node, _SCOPES):
            bound.add(node.name)
    return bound


def _dropped_lines(dropped: list[_Keep], count: int) -> bytearray:
    """1 for each line of a body already blanked (a function, a class dropped whole)."""
    blanked = bytearray(count + 1)
    for keep in dropped:
        start, end = _first_line(keep.node.body[0]), keep.node.end_lineno or 0
        blanked[start:end + 1] = b"\1" * (end + 1 - start)
    return blanked


def _blank_statement(stmt: ast.stmt, lines: list[str]) -> None:
    start, end = _statement_rows(stmt)
    text = lines[start]
    _blank_rows(lines, start, end, text[:len(text) - len(text.lstrip(" \t\f"))] + "pass")


def _blank_rows(lines: list[str], start: int, end: int, first: str) -> None:
    """Rows start..end (0-based) become `first` and the rest of one logical line: a
    backslash continues it on each row but the last, which is left empty. libcst makes
    a node of every blank line (some 6 microseconds each) but one whitespace token of
    the continued rows. Without a line break after `end` (the end of the text) a
    continuation would run into it: plain blank rows then."""
    last = end < len(lines) - 1
    join = "\\" if last else ""
    lines[start] = first + (join if end > start else "") + _cr(lines[start])
    for row in range(start + 1, end):
        lines[row] = join + _cr(lines[row])
    if end > start:
        lines[end] = _cr(lines[end])


def _cr(line: str) -> str:
    return "\r" if line.endswith("\r") else ""
