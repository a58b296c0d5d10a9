"""Name and callee resolution inside one package: what a call is, what an expression's
type is, and what a function called with a resource does with it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from tree_sitter import Node

from leaklint.config import GoModels
from leaklint.golang import module, ranged
from leaklint.golang.index import FuncInfo, GoFile, PackageIndex
from leaklint.golang.parse import (
    NEW_RESPELLED,
    field,
    named_children,
    own_returns,
    returned_values,
    text,
    unparen,
    walk,
)
from leaklint.golang.types import (
    CONN_TYPES,
    FUNC,
    RESPONSE,
    STD_ELEMENTS,
    STD_FIELDS,
    STD_METHODS,
    STD_RESULTS,
    STD_VALUES,
    TypeRef,
    is_error_type,
    is_std,
    type_from_node,
)

FUNCTION_NODES = ("function_declaration", "method_declaration", "func_literal")
# Builtins that neither close nor keep what they are given.
NEUTRAL_BUILTINS = {"len", "cap", "print", "println", "panic", "close", "delete", "copy",
                    "min", "max", "clear", "recover", "new", "make", "complex", "real", "imag"}


@dataclass(frozen=True)
class Callee:
    kind: str  # std | local | module | third | unknown | builtin | closure
    pkg: str = ""
    name: str = ""
    info: FuncInfo | None = None
    index: PackageIndex | None = None
    receiver: TypeRef | None = None

    def qualified(self) -> str:
        return f"{self.pkg}.{self.name}" if self.pkg else self.name


class Env:
    """Types of a function's local names (flat: shadowing rarely changes a type).

    Declarations are recorded cheaply; a name's type is worked out only when asked,
    since most locals never matter to the rules."""

    def __init__(self, parent: Env | None = None,
                 evaluate: Callable[[Env, tuple], TypeRef | None] | None = None) -> None:
        self.types: dict[str, TypeRef | None] = {}
        self.lazy: dict[str, list[tuple]] = {}
        self.parent = parent
        self._evaluate = evaluate
        self._busy: set[str] = set()
        self.ranged: set[str] = set()  # value variables of `for _, v := range xs`

    def declare(self, name: str, how: tuple) -> None:
        if name != "_" and name not in self.types:
            self.lazy.setdefault(name, []).append(how)
            if how[0] == "range":
                self.ranged.add(name)

    def is_ranged(self, name: str) -> bool:
        """Declared (here or in an enclosing function) as a range value variable."""
        env: Env | None = self
        while env is not None:
            if name in env.ranged:
                return True
            if name in env.types or name in env.lazy:
                return False
            env = env.parent
        return False

    def _resolve(self, name: str) -> TypeRef | None:
        if name in self._busy or self._evaluate is None:
            return None  # x := x.Next(): the outer x is not known here
        self._busy.add(name)
        try:
            result = None
            for how in self.lazy.pop(name, []):
                result = self._evaluate(self, how)
                if result is not None:
                    break
            self.types[name] = result
            return result
        finally:
            self._busy.discard(name)

    def get(self, name: str) -> TypeRef | None:
        env: Env | None = self
        while env is not None:
            if name in env.types:
                return env.types[name]
            if name in env.lazy:
                return env._resolve(name)
            env = env.parent
        return None

    def has_own(self, name: str) -> bool:
        """Declared in this function itself, not in an enclosing one."""
        return name in self.types or name in self.lazy

    def has(self, name: str) -> bool:
        env: Env | None = self
        while env is not None:
            if name in env.types or name in env.lazy:
                return True
            env = env.parent
        return False


class Resolver:
    def __init__(self, index: PackageIndex, directory: Path, models: GoModels) -> None:
        self.index = index
        self.directory = directory
        self.models = models
        self._envs: dict[int, Env] = {}
        self._module: tuple[str, str] | None = None  # (module path, path + "/"), found once

    def in_module(self, import_path: str | None) -> bool:
        """Is an import another package of the analysed package's module?"""
        if not import_path:
            return False
        if self._module is None:
            found = module.find_module(self.directory)
            self._module = ("", "") if found is None else (found[1], found[1] + "/")
        mod, prefix = self._module
        return bool(mod) and (import_path == mod or import_path.startswith(prefix))

    # ---- environments -------------------------------------------------------------

    def env_for(self, func: Node, file: GoFile, outer: Env | None = None) -> Env:
        cached = self._envs.get(func.id)
        if cached is not None:
            return cached
        env = Env(outer, lambda e, how: self._evaluate(e, how, file))
        pkg = self.index.key
        for part in ("receiver", "parameters", "result"):
            plist = field(func, part)
            if plist is None or plist.type != "parameter_list":
                continue
            for decl in plist.named_children:
                tref = type_from_node(field(decl, "type"), file.imports, pkg)
                for name in decl.children_by_field_name("name"):
                    env.types[text(name)] = tref
        body = field(func, "body")
        if body is not None:
            for node in file.within("short_var_declaration", body):
                lhs = named_children(field(node, "left"))
                rhs = named_children(field(node, "right"))
                for i, target in enumerate(lhs):
                    if target.type == "identifier":
                        env.declare(text(target), ("short", rhs, i, len(lhs)))
            for node in file.within("range_clause", body):
                if b":=" in (node.text or b""):
                    value = ranged.value_name(node)
                    for name in named_children(field(node, "left")):
                        env.declare(text(name), ("range", node) if text(name) == value
                                    else ("none",))
            for node in file.within("var_spec", body):
                names = node.children_by_field_name("name")
                values = named_children(field(node, "value"))
                for i, name in enumerate(names):
                    value = values[i] if len(values) == len(names) else None
                    env.declare(text(name), ("var", field(node, "type"), value))
        self._envs[func.id] = env
        return env

    def _evaluate(self, env: Env, how: tuple, file: GoFile) -> TypeRef | None:
        kind = how[0]
        if kind == "short":
            _, rhs, i, count = how
            if len(rhs) == 1 and count > 1:
                return self.type_of(rhs[0], env, file) if i == 0 else None
            return self.type_of(rhs[i], env, file) if i < len(rhs) else None
        if kind == "var":
            _, type_node, value = how
            if type_node is not None:
                return type_from_node(type_node, file.imports, self.index.key)
            return self.type_of(value, env, file) if value is not None else None
        if kind == "range":
            element = ranged.element_type(how[1], file)
            if element is None:
                return self._std_element(unparen(field(how[1], "right")), env, file)
            return type_from_node(element, file.imports, self.index.key)
        return None

    def _std_element(self, ranged_over: Node | None, env: Env, file: GoFile
                     ) -> TypeRef | None:
        """`for _, f := range zr.File`: the elements of a standard type's slice field,
        where no declaration spells the element type."""
        if ranged_over is None or ranged_over.type != "selector_expression":
            return None
        owner = self.type_of(field(ranged_over, "operand"), env, file)
        return STD_ELEMENTS.get((owner, text(field(ranged_over, "field")))) if (
            owner is not None) else None

    # ---- expression types ---------------------------------------------------------

    def package_of_alias(self, name: str, env: Env, file: GoFile) -> str | None:
        """The import path an identifier names, unless a local name shadows it."""
        if env.has(name):
            return None
        return file.imports.get(name)

    def type_of(self, expr: Node | None, env: Env, file: GoFile, depth: int = 0) -> TypeRef | None:
        expr = unparen(expr)
        if expr is None or depth > 12:
            return None
        kind = expr.type
        if kind == "identifier":
            name = text(expr)
            if env.has(name):
                return env.get(name)
            if name in self.index.vars:
                declared = self.index.vars[name]
                if declared is not None:
                    return declared
                value = self.index.var_values.get(name)
                if value is not None:
                    return self.type_of(value, Env(), file, depth + 1)
            elif name in self.index.consts:
                return self.index.consts[name]
            return None
        if kind == "unary_expression":
            return self.type_of(field(expr, "operand"), env, file, depth + 1)
        if kind == "composite_literal":
            return type_from_node(field(expr, "type"), file.imports, self.index.key)
        if kind == "type_assertion_expression":
            return type_from_node(field(expr, "type"), file.imports, self.index.key)
        if kind == "func_literal":
            return FUNC
        if kind == "selector_expression":
            operand = field(expr, "operand")
            name = text(field(expr, "field"))
            if operand is not None and operand.type == "identifier":
                path = self.package_of_alias(text(operand), env, file)
                if path is not None:
                    return self._package_value(path, name)
            owner = self.type_of(operand, env, file, depth + 1)
            found = self._field(owner, name) if owner else None
            if found is None and operand is not None and operand.type == "identifier" and (
                    env.is_ranged(text(operand))):
                return self._ranged_field(operand, name, file)  # a function-local type
            return found
        if kind == "call_expression":
            converted = self._conversion(expr, env)
            if converted is not None:
                return converted
            callee = self.callee(expr, env, file)
            built = self._built_type(callee)
            if built is None and callee.kind == "unknown" and callee.name:
                built = self._var_literal_built(callee.name, file)
            return built if built is not None else self.result_type(callee, expr)
        return None

    def _ranged_field(self, operand: Node, name: str, file: GoFile) -> TypeRef | None:
        """`tc.rt` where tc ranges over a table of an anonymous (or function-local)
        struct type: the type that struct gives the field."""
        clause = ranged.declaring_clause(operand)
        element = ranged.element_type(clause, file) if clause is not None else None
        struct = ranged.struct_of(element, clause) if clause is not None else None
        spelled = ranged.field_type(struct, name) if struct is not None else None
        return type_from_node(spelled, file.imports, self.index.key)

    def _built_type(self, callee: Callee) -> TypeRef | None:
        """The one package type a function of the module builds and returns on every
        path (`return &impl{...}`, or `v := &impl{...}; ...; return v`): the dynamic
        type of its result even when it is declared as an interface, so methods called
        on the result are that type's."""
        info, index = callee.info, callee.index
        body = field(info.node, "body") if info is not None else None
        if info is None or index is None or body is None or not info.results:
            return None
        declared = info.results[0]
        if declared is None or declared.pkg != index.key or index.structs.get(
                declared.name) is not None or index.aliases.get(declared.name) is not None:
            return None  # only an interface of the package hides the type built
        key = f"built:{info.key}"
        if key in index.summaries:
            cached = index.summaries[key]
            return cached if isinstance(cached, TypeRef) else None
        index.summaries[key] = None
        built = _one_type_built(body, info.file.imports, index.key)
        index.summaries[key] = built
        return built

    def _var_literal_built(self, name: str, file: GoFile) -> TypeRef | None:
        """`var NewHTTPClient = func(...) Iface { return &client{...} }`: the one package
        type the literal a package variable holds builds and returns, as for a function."""
        literal = unparen(self.index.var_values.get(name))
        body = field(literal, "body") if literal is not None and (
            literal.type == "func_literal") else None
        if body is None:
            return None
        root = literal
        while root.parent is not None:
            root = root.parent
        home = next((f for f in self.index.files if f.root == root), file)
        return _one_type_built(body, home.imports, self.index.key)

    def _conversion(self, call: Node, env: Env) -> TypeRef | None:
        """T(x) where T is a type of this package: a conversion, its value is a T."""
        func = unparen(field(call, "function"))
        if func is None or func.type != "identifier" or len(
                named_children(field(call, "arguments"))) != 1:
            return None
        name = text(func)
        if env.has(name) or name in self.index.funcs:
            return None
        if name in self.index.structs or name in self.index.aliases:
            return TypeRef(self.index.key, name)
        return None

    def _package_value(self, path: str, name: str) -> TypeRef | None:
        if (path, name) in STD_VALUES:
            return STD_VALUES[(path, name)]
        other = module.sibling_package(path, self.directory)
        if other is not None:
            return other.vars.get(name) or other.consts.get(name)
        return None

    def _field(self, owner: TypeRef, name: str) -> TypeRef | None:
        if (owner, name) in STD_FIELDS:
            return STD_FIELDS[(owner, name)]
        index = self._index_for(owner.pkg)
        if index is None:
            return None
        return index.field_type(owner.name, name)

    def error_result(self, ref: TypeRef | None) -> bool:
        """Is a result of this type an error? A type of the module is one when it has an
        `Error` method or is an interface embedding `error` (or such a type); a type of
        another module, whose declaration is not read, when it is `error` or named
        `...Error` by Go's convention (an SDK's `errors.Error`)."""
        found = self._implements_error(ref, 0)
        return is_error_type(ref) if found is None else found

    def _implements_error(self, ref: TypeRef | None, depth: int) -> bool | None:
        if ref is None:
            return False
        if ref.name == "error":
            return True
        index = self._index_for(ref.pkg)
        if index is None or depth > 4:
            return None
        if index.method(ref.name, "Error") is not None:
            return True
        embedded = list(index.interface_embeds.get(ref.name) or []) + index.embeds(ref.name)
        alias = index.aliases.get(ref.name)
        if alias is not None:
            embedded.append(alias)
        for inner in embedded:
            found = self._implements_error(inner, depth + 1)
            if found or (found is None and is_error_type(inner)):
                return True
        return False

    def _index_for(self, pkg: str) -> PackageIndex | None:
        if pkg == self.index.key:
            return self.index
        if is_std(pkg):
            return None
        return module.sibling_package(pkg, self.directory)

    def result_type(self, callee: Callee, call: Node) -> TypeRef | None:
        if callee.info is not None:
            if not callee.info.results:
                return None
            owner = callee.index if callee.index is not None else self.index
            return owner.unalias(callee.info.results[0])
        if callee.kind == "builtin" and callee.name == "new":
            args = named_children(field(call, "arguments"))
            if args:
                file_imports = {}
                for f in self.index.files:
                    if f.root.start_byte <= call.start_byte < f.root.end_byte:
                        file_imports = f.imports
                return type_from_node(args[0], file_imports, self.index.key)
        if (callee.kind == "closure" and not callee.name) or (callee.kind == "unknown" and (
                callee.name and callee.name in self.index.var_values)):
            return self._literal_result(call)  # func() (*http.Response, error) {...}()
        if callee.receiver is not None:
            return STD_METHODS.get((callee.receiver, callee.name))
        if callee.kind in ("std", "third"):
            return STD_RESULTS.get((callee.pkg, callee.name))
        return None

    def _literal_result(self, call: Node) -> TypeRef | None:
        """The first result type of a func literal called where it is written, or held
        by a package variable called by name (`var NewHTTPClient = func(...) Iface {...}`,
        swappable in tests)."""
        literal = unparen(field(call, "function"))
        if literal is not None and literal.type == "identifier":
            literal = unparen(self.index.var_values.get(text(literal)))
        result = field(literal, "result") if literal is not None else None
        if literal is None or result is None or literal.type != "func_literal":
            return None
        root = call
        while root.parent is not None:
            root = root.parent
        file = next((f for f in self.index.files if f.root == root), None)
        if file is None:
            return None
        if result.type == "parameter_list":
            first = next((d for d in result.named_children
                          if d.type == "parameter_declaration"), None)
            result = field(first, "type") if first is not None else None
        return type_from_node(result, file.imports, self.index.key)

    # ---- callees ------------------------------------------------------------------

    def callee(self, call: Node, env: Env, file: GoFile) -> Callee:
        func = unparen(field(call, "function"))
        if func is None:
            return Callee("unknown")
        if func.type == "identifier":
            name = text(func)
            if name == NEW_RESPELLED:
                name = "new"
            if env.has(name):
                return Callee("closure", name=name)
            info = self.index.funcs.get(name)
            if info is not None:
                return Callee("local", self.index.key, name, info, self.index)
            if name in NEUTRAL_BUILTINS or name == "append":
                return Callee("builtin", name=name)
            aliased = self._aliased_function(name)
            if aliased is not None:
                return aliased
            return Callee("unknown", name=name)
        if func.type == "selector_expression":
            operand = unparen(field(func, "operand"))
            name = text(field(func, "field"))
            if operand is not None and operand.type == "identifier":
                path = self.package_of_alias(text(operand), env, file)
                if path is not None:
                    return self._package_callee(path, name)
            owner = self.type_of(operand, env, file)
            if owner is None:
                return Callee("unknown", name=name)
            index = self._index_for(owner.pkg)
            if index is not None:
                info = index.method(owner.name, name)
                if info is not None:
                    kind = "local" if index is self.index else "module"
                    return Callee(kind, owner.pkg, name, info, index, owner)
                # A struct embedding a standard type gets its methods.
                for emb in index.embeds(owner.name):
                    if (emb, name) in STD_METHODS:
                        return Callee("std", emb.pkg, name, receiver=emb)
                return Callee("unknown", owner.pkg, name, receiver=owner)
            kind = "std" if is_std(owner.pkg) else "third"
            return Callee(kind, owner.pkg, name, receiver=owner)
        if func.type == "func_literal":
            return Callee("closure")
        return Callee("unknown")

    def _aliased_function(self, name: str) -> Callee | None:
        """`var readResponse = http.ReadResponse` (swappable in tests): calling the
        variable calls the package function it holds."""
        value = unparen(self.index.var_values.get(name)) if (
            self.index.vars.get(name) is None) else None
        if value is None or value.type != "selector_expression":
            return None
        operand = unparen(field(value, "operand"))
        if operand is None or operand.type != "identifier":
            return None
        root = value
        while root.parent is not None:
            root = root.parent
        home = next((f for f in self.index.files if f.root == root), None)
        path = home.imports.get(text(operand)) if home is not None else None
        return self._package_callee(path, text(field(value, "field"))) if path else None

    def _package_callee(self, path: str, name: str) -> Callee:
        if is_std(path):
            return Callee("std", path, name)
        other = module.sibling_package(path, self.directory)
        if other is not None:
            info = other.funcs.get(name)
            if info is not None:
                return Callee("module", path, name, info, other)
        return Callee("third", path, name)

    # ---- resources ----------------------------------------------------------------

    def acquired_kind(self, callee: Callee, call: Node) -> str | None:
        """'response' or 'conn' when the call hands its caller something to close."""
        qualified = callee.qualified()
        if qualified in self.models.response_functions:
            return "response"
        if self.in_memory(callee) or callee.kind == "builtin":
            return None  # new(http.Response): an empty value built in memory
        result = self.result_type(callee, call)
        if result != RESPONSE and result not in CONN_TYPES:
            return None
        if callee.info is not None:
            from leaklint.golang import summary  # summaries walk functions with this resolver

            kind = summary.result(self, callee)
            if kind == summary.BODILESS:
                return "response"  # nothing to close, but nil when the call fails
            if kind != summary.FRESH:
                # A getter (`func (c *T) Conn() net.Conn { return c.conn }`) or a helper
                # that closed the body before handing the response back.
                return None
        return "response" if result == RESPONSE else "conn"

    @staticmethod
    def in_memory(callee: Callee) -> bool:
        """httptest.ResponseRecorder's methods: the response they build is in memory."""
        return callee.receiver is not None and callee.receiver.name == "ResponseRecorder"

    def closes_body(self, callee: Callee) -> bool:
        return callee.qualified() in self.models.body_closers

    def is_std_like(self, callee: Callee) -> bool:
        return callee.kind in ("std", "builtin") and callee.name != "append"


def display_callee(call: Node) -> str:
    func = field(call, "function")
    if unparen(func) is not None and unparen(func).type == "func_literal":
        return "a func literal called in place"
    name = text(func)
    return name if len(name) <= 60 else name[:57] + "..."




def _one_type_built(body: Node, imports: dict[str, str], package: str) -> TypeRef | None:
    """The one type of the package that every return of body builds (`return &impl{...}`,
    or a local given one), `return nil, err` aside; None when they differ or one does
    not build a literal of the package."""
    found: set[TypeRef] = set()
    for ret in own_returns(body):
        values = returned_values(ret)
        first = values[0] if values else None
        if first is not None and unparen(first) is not None and unparen(first).type == "nil":
            continue  # `return nil, err`: no value, whatever the declared type
        literal = _literal_of(first, body)
        built = type_from_node(field(literal, "type"), imports, package) if (
            literal is not None) else None
        if built is None or built.pkg != package:
            return None
        found.add(built)
    return found.pop() if len(found) == 1 else None


def _literal_of(value: Node | None, body: Node) -> Node | None:
    """The composite literal value is (`&T{}`, `T{}`), or that a name returned was given
    by its only assignment in body."""
    value = unparen(value)
    if value is not None and value.type == "unary_expression":
        value = unparen(field(value, "operand"))
    if value is None:
        return None
    if value.type == "composite_literal":
        return value
    if value.type != "identifier":
        return None
    name = text(value)
    assigned: list[Node] = []
    for node in walk(body):
        if node.type in ("short_var_declaration", "assignment_statement"):
            targets = named_children(field(node, "left"))
            values = named_children(field(node, "right"))
        elif node.type == "var_spec":
            targets = node.children_by_field_name("name")
            values = named_children(field(node, "value"))
        else:
            continue
        for i, target in enumerate(targets):
            if target.type == "identifier" and text(target) == name:
                if len(values) != len(targets):
                    return None
                assigned.append(values[i])
    if len(assigned) != 1:
        return None
    only = unparen(assigned[0])
    if only is not None and only.type == "unary_expression":
        only = unparen(field(only, "operand"))
    return only if only is not None and only.type == "composite_literal" else None
