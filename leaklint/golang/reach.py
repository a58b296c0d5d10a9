"""Which files of a package can reach a modelled API: the file-level half of the prefilter.

The planner marks the files whose own imports reach nothing the rules model (net,
net/http, gRPC, the user's models, same-module packages that do). Such a file can still
hold a leak, but only through a package-level name declared in a file that does reach
one: `resp, err := fetch(u)` with `fetch` in a sibling that imports net/http. So the
files that import something relevant are analysed, and a marked file joins them when
its code mentions (as any identifier token: too much, never too little) a name one of
them declares that may carry a resource; a file that joins declares names in turn, up
to a fixed point. Test files see the names of every file; other files only those of
non-test files.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from tree_sitter import Node

from leaklint.golang.header import COMMENTS_AND_LITERALS
from leaklint.golang.index import GoFile, var_specs
from leaklint.golang.parse import text
from leaklint.sources import SourceFile

# Comments and literals are matched (and dropped) so that the words in them are not
# taken for mentions; text that does not lex (an unterminated string) is read as code.
_TOKENS = re.compile(
    COMMENTS_AND_LITERALS + rb"|([A-Za-z_\x80-\xff][A-Za-z0-9_\x80-\xff]*)", re.DOTALL)


def mentioned_names(source: bytes) -> set[bytes]:
    """The identifiers a file's code spells (comments and literals left out)."""
    names = set(_TOKENS.findall(source))
    names.discard(b"")
    return names


def _is_test(name: str) -> bool:
    return name.endswith("_test.go")


# Values of these types (and of slices, maps, arrays, pointers and channels of them)
# carry no connection.
_BASIC = frozenset({
    "bool", "byte", "complex64", "complex128", "error", "float32", "float64", "int",
    "int8", "int16", "int32", "int64", "rune", "string", "uint", "uint8", "uint16",
    "uint32", "uint64", "uintptr",
})


# Expressions whose value is plainly not a connection.
_PLAIN_VALUES = frozenset({
    "int_literal", "float_literal", "imaginary_literal", "rune_literal",
    "interpreted_string_literal", "raw_string_literal", "true", "false", "nil", "iota",
})


class LocalTypes:
    """The package's own types as far as its parsed files declare them: such a type
    may hold something the rules track only if its definition may; a type declared
    nowhere in them (in a file not parsed, a type parameter) may hold anything."""

    def __init__(self, relevant_path: Callable[[str], bool]) -> None:
        self._relevant_path = relevant_path
        self._specs: dict[str, list[tuple[Node, GoFile]]] = {}
        self._answers: dict[str, bool] = {}
        self._visiting: set[str] | None = None  # the types one search has met

    def add(self, file: GoFile) -> None:
        for decl in file.root.named_children:
            if decl.type != "type_declaration":
                continue
            for spec in decl.named_children:
                if spec.type in ("type_spec", "type_alias"):
                    name = text(spec.child_by_field_name("name"))
                    self._specs.setdefault(name, []).append((spec, file))
        self._answers.clear()  # a type unknown before, or declared twice, may differ now

    def may_carry(self, name: str) -> bool:
        """A search through the definitions, each type once: whether some type reached
        from this one may carry. When none may, none of those it met may either."""
        known = self._answers.get(name)
        if known is not None:
            return known
        if name not in self._specs:
            return True
        if self._visiting is not None:
            if name in self._visiting:
                return False  # met already in this search: looked at there
            self._visiting.add(name)
            return self._defines_carrier(name)
        self._visiting = {name}
        try:
            answer = self._defines_carrier(name)
        finally:
            met, self._visiting = self._visiting, None
        if answer:
            self._answers[name] = True
        else:
            self._answers.update(dict.fromkeys(met, False))
        return answer

    def _defines_carrier(self, name: str) -> bool:
        for spec, file in self._specs[name]:
            if spec.child_by_field_name("type_parameters") is not None:
                return True  # its parameters may shadow any type's name
            judge = _Carriers(file.imports, self._relevant_path, self)
            if judge.type(spec.child_by_field_name("type")):
                return True
        return False


class _Carriers:
    """Decides whether a type or an initial value may hold something the rules track,
    from the text alone (too much, never too little). Without `local` (or for generic
    code, whose type parameters may shadow a type's name) every type of the package
    may."""

    def __init__(self, imports: dict[str, str], relevant_path: Callable[[str], bool],
                 local: LocalTypes | None = None) -> None:
        self._imports = imports
        self._relevant_path = relevant_path
        self._local = local

    def plain(self) -> _Carriers:
        """The same, with every type of the package taken to carry (generic code)."""
        return _Carriers(self._imports, self._relevant_path)

    def type(self, node: Node | None) -> bool:
        """A type (or result list) that names a local type, a type parameter, a type of
        a relevant package or an interface; basic types and types of other packages
        (testing.T, time.Duration) hold nothing the rules track."""
        if node is None:
            return False
        stack = [node]
        while stack:
            current = stack.pop()
            kind = current.type
            if kind == "interface_type":
                return True
            if kind == "type_identifier":
                name = text(current)
                if name not in _BASIC and (self._local is None or self._local.may_carry(name)):
                    return True
            elif kind == "qualified_type":
                path = self._imports.get(text(current.child_by_field_name("package")))
                if path is None or self._relevant_path(path):
                    return True
            elif kind == "function_type":  # a function value hands out its results only
                result = current.child_by_field_name("result")
                if result is not None:
                    stack.append(result)
            else:
                stack.extend(current.named_children)
        return False

    def value(self, node: Node) -> bool:
        kind = node.type
        if kind in _PLAIN_VALUES:
            return False
        if kind == "func_literal":
            return self.type(node.child_by_field_name("result"))
        if kind == "composite_literal":
            return self.type(node.child_by_field_name("type"))
        if kind in ("unary_expression", "binary_expression", "parenthesized_expression"):
            return any(self.value(c) for c in node.named_children)
        if kind == "call_expression":
            func = node.child_by_field_name("function")
            args = node.child_by_field_name("arguments")
            if func is not None and func.type == "identifier" and text(func) in (
                    "make", "new") and args is not None and args.named_children:
                return self.type(args.named_children[0])
        if kind == "selector_expression":
            # A variable or function of a package that hands out nothing tracked
            # (`var Name = jsontest.Name`); a call of one might (a generic one returns
            # what it is given), a selector cannot.
            operand = node.child_by_field_name("operand")
            if operand is not None and operand.type == "identifier":
                path = self._imports.get(text(operand))
                if path is not None and not self._relevant_path(path):
                    return False
        return True  # a call, a name: it could be anything


def _generic(decl: Node) -> bool:
    """Declares type parameters (a function, a type, or a method of a generic type):
    their names may shadow the package's types."""
    if decl.child_by_field_name("type_parameters") is not None:
        return True
    receiver = decl.child_by_field_name("receiver")
    return receiver is not None and b"[" in (receiver.text or b"")


def declared_names(file: GoFile, relevant_path: Callable[[str], bool],
                   local: LocalTypes | None = None) -> set[str]:
    """Package-level names a file declares through which another file could obtain
    something the rules track: functions and methods (by their bare name, as `x.Name`
    spells a call) and interface methods whose results may carry one, types that may
    hold one, variables whose type or initial value may be one. A name that can hand
    out only ints, strings, errors, time.Durations and the like (or the package's own
    types that hold only such: `local`) cannot carry a leak.
    `relevant_path(import path)`: whether a package's types may carry one."""
    carriers = _Carriers(file.imports, relevant_path, local)
    plain = carriers.plain()
    names: set[str] = set()
    for decl in file.root.named_children:
        kind = decl.type
        if kind in ("function_declaration", "method_declaration"):
            judge = plain if _generic(decl) else carriers
            if judge.type(decl.child_by_field_name("result")):
                names.add(text(decl.child_by_field_name("name")))
        elif kind == "type_declaration":
            for spec in decl.named_children:
                if spec.type not in ("type_spec", "type_alias"):
                    continue
                judge = plain if _generic(spec) else carriers
                body = spec.child_by_field_name("type")
                if judge.type(body):
                    names.add(text(spec.child_by_field_name("name")))
                if body is not None and body.type == "interface_type":
                    names.update(text(e.child_by_field_name("name"))
                                 for e in body.named_children
                                 if e.type in ("method_elem", "method_spec")
                                 and judge.type(e.child_by_field_name("result")))
        elif kind == "var_declaration":
            for spec in var_specs(decl):
                typ = spec.child_by_field_name("type")
                values = spec.child_by_field_name("value")
                if typ is not None:
                    carries = carriers.type(typ)
                else:
                    carries = values is None or any(
                        carriers.value(v) for v in values.named_children)
                if carries:
                    names.update(text(n) for n in spec.children_by_field_name("name"))
    names.discard("")
    names.discard("_")
    return names


def reaching_files(
    seeds: list[GoFile], waiting: list[SourceFile],
    load: Callable[[SourceFile], GoFile | None], relevant_path: Callable[[str], bool],
) -> tuple[list[GoFile], list[SourceFile]]:
    """(the waiting files that mention a name declared by a seed or by a file already
    joined, parsed with `load` (None: it refused the file); the others, unparsed).
    Seeds are parsed files that reach a modelled API by their own imports."""
    plain_names: set[bytes] = set()  # declared by non-test files: every file sees them
    test_names: set[bytes] = set()  # declared by test files: only test files see them
    local = LocalTypes(relevant_path)

    def learn(file: GoFile) -> None:
        names = {n.encode() for n in declared_names(file, relevant_path, local)}
        (test_names if _is_test(file.path.name) else plain_names).update(names)

    for seed in seeds:
        local.add(seed)
    for seed in seeds:
        learn(seed)
    if not plain_names and not test_names:
        return [], list(waiting)  # nothing to mention: no file needs reading
    mentions = {id(f): mentioned_names(f.source) for f in waiting}
    joined: list[GoFile] = []
    rest = list(waiting)
    changed = True
    while changed and rest:
        changed = False
        for source in list(rest):
            seen = mentions[id(source)]
            if plain_names.isdisjoint(seen) and (
                not _is_test(source.path.name) or test_names.isdisjoint(seen)
            ):
                continue
            rest.remove(source)
            file = load(source)
            if file is not None:
                joined.append(file)
                local.add(file)
                learn(file)
                changed = True
    return joined, rest
