"""LL301: a Transport (or a client constructor that builds one) made on every call.

Whether a built pool outlives the call is leaklint.golang.pools' question; this check
decides which functions run per call (not init, main, command actions and command
types' Execute/Run methods, tests,
benchmarks, test helpers called only by tests or registering t.Cleanup, sync.Once
bodies) and where to report. A same-package factory whose result a per-call function
drops is reported at its construction, with the dropping calls as related locations; a
factory in another package is reported at the call."""

from __future__ import annotations

import re

from tree_sitter import Node

from leaklint.golang import buildtags, summary
from leaklint.golang.callers_outside import (
    called_outside,
    calling_files,
    module_private,
    parsed_caller,
)
from leaklint.golang.context import (
    GoCheckContext,
    enclosing_function,
    function_name,
    named_function,
)
from leaklint.golang.index import FACTORY_HINTS, FuncInfo, called_name, receiver_type
from leaklint.golang.parse import (
    NEW_RESPELLED,
    NOT_CODE,
    assigned_before,
    field,
    identifiers,
    inside,
    named_children,
    receiver_name,
    text,
    unparen,
    walk,
)
from leaklint.golang.pools import (
    Carriers,
    dialer_only,
    flows_to_return,
    in_once,
    interesting_names,
    keepalives_disabled_later,
    kept,
    sites,
    skipped_by_constant,
)
from leaklint.golang.resolve import Callee, Resolver
from leaklint.golang.testify import GOCHECK
from leaklint.golang.types import CLIENT, TRANSPORT
from leaklint.golang.unsent import dropped_unsent
from leaklint.model import Related, Span

RULES = frozenset({"LL301"})


def run(ctx: GoCheckContext) -> None:
    if not _may_build(ctx):
        return
    carriers = Carriers(ctx.resolver, ctx.file, ctx.env)
    for node, what in sites(ctx.resolver, ctx.file, ctx.env):
        func = named_function(node)
        if func is None:
            continue
        literal = enclosing_function(node)
        if literal is not None and literal.type == "func_literal" and _command_action(
                ctx.file, literal) and not _built_per_iteration(node, literal):
            continue  # `RunE: func(cmd *cobra.Command, args []string) error {...}`: once
        per_call = _runs_per_call(ctx.resolver, ctx.file, func) or (
            _process_once(ctx.resolver, ctx.file, func) and _built_per_iteration(node, func))
        if per_call and not (
                in_once(ctx.resolver, ctx.file, ctx.env, node) or kept(node, func, carriers)
                or serves_after(func, node) or _dropped_unsent(ctx, node)):
            if _local_factory(ctx.resolver, ctx.file, node, ctx.env) is None:
                ctx.report.report("LL301", ctx.span(node), scope=ctx.scope(node), what=what,
                                  function=text(field(func, "name")))
            continue  # a same-package factory's construction carries the finding
        if _returned_as_is(node) and _local_factory(
                ctx.resolver, ctx.file, node, ctx.env) is not None:
            continue  # `return newCacheView()`: the factory's construction follows callers
        callers = _per_call_callers(ctx, func) if flows_to_return(node, func, carriers) else []
        if callers:
            more = f" and {len(callers) - 1} more" if len(callers) > 1 else ""
            ctx.report.report(
                "LL301", ctx.span(node), scope=ctx.scope(node), what=what,
                function=f"{function_name(func)}, called per call by {callers[0][1]}{more}",
                related=tuple(Related(span, f"called here on every call of {caller}",
                                      None if path == ctx.file.source.display else path)
                              for span, caller, path in callers[:50]))


def _dropped_unsent(ctx: GoCheckContext, node: Node) -> bool:
    """A plain http.Client or Transport built and then dropped without ever sending.
    Only those: another library's client may send while it is built (a login) or through
    a field the walk takes for settings."""
    owner = enclosing_function(node)
    built = ctx.resolver.type_of(node, ctx.env(owner), ctx.file) if owner is not None else None
    return built in (CLIENT, TRANSPORT) and dropped_unsent(ctx.resolver, ctx.file, node)


_BLOCKING_SERVES = frozenset({"ListenAndServe", "ListenAndServeTLS", "Serve", "ServeTLS"})


def serves_after(func: Node, node: Node) -> bool:
    """The function goes on, after node, to serve HTTP in its own goroutine
    (`http.ListenAndServeTLS(addr, cert, key, mux)`, `srv.Serve(ln)`): it runs as long as
    the server, so what it built before lives as long; it is no per-call path."""
    body = field(func, "body")
    if body is None:
        return False
    for call in walk(body):
        if call.type != "call_expression" or call.start_byte < node.end_byte:
            continue
        callee = unparen(field(call, "function"))
        if callee is None or callee.type != "selector_expression" or text(
                field(callee, "field")) not in _BLOCKING_SERVES:
            continue
        if inside(call, "go_statement", func) or inside(call, "func_literal", func) or (
                inside(call, "defer_statement", func)):
            continue
        return True
    return False


def _runs_per_call(resolver: Resolver, file, func: Node) -> bool:
    return not (_exempt_function(func) or _suite_test(file, func) or _main_only(
        resolver, file, func) or _command_action(file, func) or _cleanup_helper(func)
                or _test_helper(resolver, file, func) or _once_only(resolver, file, func)
                or _never_run(file, func) or _magefile(file))


def _magefile(file) -> bool:
    """The file is a magefile (asked once per file: every function of it asks)."""
    key = ("ll301:magefile",)
    if key not in file.memo:
        file.memo[key] = buildtags.mage_only(file.data)
    return bool(file.memo[key])


def _never_run(file, func: Node) -> bool:
    """A function of a test file that `go test` does not run (no Test, Benchmark, Fuzz
    or Example name) and that nothing in the directory names: it never runs at all
    (an example kept for a tool to read, say)."""
    if func.type != "function_declaration" or not file.path.name.endswith("_test.go"):
        return False
    key = ("ll301:never-run", func.start_byte)
    if key not in file.memo:
        file.memo[key] = _named_once_in_directory(file, text(field(func, "name")).encode())
    return bool(file.memo[key])


def _named_once_in_directory(file, name: bytes) -> bool:
    """name stands once (its declaration) in the code of the file's directory."""
    spelled = re.compile(rb"\b" + re.escape(name) + rb"\b")
    mentions = 0
    try:
        siblings = sorted(file.path.parent.glob("*.go"))
    except OSError:
        return False
    for path in siblings:
        try:
            data = file.data if path == file.path else path.read_bytes()
        except OSError:
            return False
        if name in data:
            mentions += len(spelled.findall(NOT_CODE.sub(b"", data)))
    return mentions == 1  # the declaration alone


def _process_once(resolver: Resolver, file, func: Node) -> bool:
    """main, init, a command action, or a function only they (or sync.Once) reach."""
    if _magefile(file):
        return True  # a magefile: mage runs each target once
    if func.type == "method_declaration":
        return _command_action(file, func) or _main_only(resolver, file, func)
    return func.type == "function_declaration" and (
        text(field(func, "name")) in ("main", "init") or _command_action(file, func)
        or _main_only(resolver, file, func) or _once_only(resolver, file, func))


def _built_per_iteration(node: Node, func: Node) -> bool:
    """The construction runs once per iteration of a loop of its function: inside the
    loop's body, or inside a local func value (`check := func() {...}`) called in one
    (`for range time.Tick(d) { check() }`): a run-once function still builds a pool per
    iteration there."""
    current = node.parent
    while current is not None and current != func:
        if current.type == "for_statement":
            return True
        if current.type == "func_literal":
            name = _local_func_name(current)
            if name is None:
                return False
            body = field(func, "body")
            return body is not None and any(
                n.type == "call_expression" and text(field(n, "function")) == name
                and inside(n, "for_statement", func) for n in walk(body))
        current = current.parent
    return False


def _local_func_name(literal: Node) -> str | None:
    """`name := func(...) {...}`: the local name a func literal is given."""
    values = literal.parent
    decl = values.parent if values is not None and values.type == "expression_list" else None
    if decl is None or decl.type != "short_var_declaration":
        return None
    names = named_children(field(decl, "left"))
    return text(names[0]) if len(names) == 1 and names[0].type == "identifier" else None


_COBRA = "github.com/spf13/cobra"


# urfave/cli and its forks: the import path ends in cli, maybe with a major version.
_CLI_PATH = re.compile(r"(^|/)cli(/v\d+)?$")


def _command_action(file, func: Node) -> bool:
    """A command action: the CLI runs it once per process, like main."""
    return _cobra_action(file, func) or _cli_action(file, func) or _command_method(
        func) or _kong_run(file, func)


_KONG = "github.com/alecthomas/kong"


def _kong_run(file, func: Node) -> bool:
    """A kong command's `Run(...) error` method, in a file that imports kong: kong calls
    the selected command's Run once per invocation."""
    return func.type == "method_declaration" and text(field(func, "name")) == "Run" and (
        text(field(func, "result")) == "error") and _KONG in file.imports.values()


# The entry method of a command type: go-flags' Commander `Execute(args []string) error`
# and mitchellh/cli's (hashicorp/cli's) Command `Run(args []string) int`.
_COMMAND_METHODS = {"Execute": "error", "Run": "int"}


def _command_method(func: Node) -> bool:
    """A command type's entry method, run once per invocation of the CLI."""
    if func.type != "method_declaration":
        return False
    result = _COMMAND_METHODS.get(text(field(func, "name")))
    params = named_children(field(func, "parameters"))
    return result is not None and text(field(func, "result")) == result and len(
        params) == 1 and len(params[0].children_by_field_name("name")) <= 1 and text(
        field(params[0], "type")).replace(" ", "") == "[]string"


def _method_main_only(resolver: Resolver, file, func: Node, depth: int) -> bool:
    """A method that only its type's entry method (or methods reached the same way), or
    code run once (main, a command action, a test), calls, outside loops: it runs once
    per process. Every call of a method so named counts, whatever its receiver. An
    exported method outside package main may also be called by other packages: unless
    its package is one only its module or tests use and no other package calls the
    name, only its own type's methods (a command's entry method reaching it) vouch for
    it, not a test or main of its package."""
    name = text(field(func, "name"))
    owner = receiver_type(field(func, "receiver"))
    index = resolver.index
    if not owner or _pending_mention(index, b"." + name.encode() + b"("):
        return False
    receiver_only = not name[:1].islower() and file.package_name() != "main" and not (
        _callers_in_package(file, func))
    callers = 0
    for other in index.files:
        if name.encode() not in other.data:
            continue
        starts = {start for start, called, path in other.call_names()
                  if called == name and path is None}
        for call in other.within("call_expression", other.root):
            if call.start_byte not in starts or called_name(call) != name:
                continue  # (`exec.Command(x).Run()`: the inner call starts there too)
            caller = named_function(call)
            function = unparen(field(call, "function"))
            if function is not None and function.type == "identifier":
                continue  # `login(ctx, ...)`: a package function of the same name
            if caller is None or function is None or function.type != "selector_expression":
                return False
            literal = enclosing_function(call)
            if _another_method(resolver, other, literal, call, func):
                continue  # `exec.Command(...).Run()`: a method of another type
            if literal is not None and literal.type == "func_literal" and _command_action(
                    other, literal) and not inside(call, "for_statement", caller):
                # `RunE: func(...) error { return cmd.Run(ctx, args) }`: the command's
                # action calls the method once per invocation.
                callers += 1
                continue
            if inside(call, "for_statement", caller) or inside(call, "func_literal", caller):
                return False
            if caller.type == "method_declaration" and receiver_type(
                    field(caller, "receiver")) == owner and text(
                    field(function, "operand")) == receiver_name(caller):
                once = _command_method(caller) or _main_only(
                    resolver, other, caller, depth + 1)
            elif receiver_only:
                return False
            else:
                # Another type's code (`chk.check(ctx)` through an interface in a
                # command's Run): every call of a method so named must run once.
                once = _exempt_function(caller) or _command_action(other, caller) or (
                    _main_only(resolver, other, caller, depth + 1))
            if not once:
                return False
            callers += 1
    return callers > 0


def _another_method(resolver: Resolver, file, owner: Node | None, call: Node,
                    func: Node) -> bool:
    """The call certainly reaches another method than func: one of the standard library,
    or another declared method of the module (not an interface's, which may be func)."""
    if owner is None:
        return False
    env = _env_of(resolver, file)(owner)
    callee = resolver.callee(call, env, file)
    if callee.kind in ("std", "builtin", "third"):
        return True  # a method of a type from outside the module
    info = callee.info
    if info is not None:
        return info.node != func and info.node.type == "method_declaration"
    # `exec.Command(...).Run()`, or `cmd := exec.Command(...); cmd.Run()`: a standard
    # library value's method.
    function = unparen(field(call, "function"))
    operand = unparen(field(function, "operand")) if function is not None else None
    if operand is not None and operand.type == "identifier":
        operand = unparen(assigned_before(file, owner, text(operand), call.start_byte))
    # `session, _ := sshClient.NewSession(); session.Run(cmd)`: likewise a value another
    # module's code made.
    return operand is not None and operand.type == "call_expression" and resolver.callee(
        operand, env, file).kind in ("std", "third")


def _cli_action(file, func: Node) -> bool:
    """An urfave/cli command action (or Before hook), func(c *cli.Context) [error] or,
    from v3 on, func(ctx context.Context, cmd *cli.Command) error, declared or written in
    place in the command's literal."""
    if func.type not in ("function_declaration", "func_literal"):
        return False
    types: list[str] = []
    for decl in named_children(field(func, "parameters")):
        spelled = text(field(decl, "type")).replace(" ", "")
        types += [spelled] * max(1, len(decl.children_by_field_name("name")))
    if len(types) == 2 and file.imports.get(types[0].rpartition(".")[0]) == "context":
        types = types[1:]  # v3: func(ctx context.Context, cmd *cli.Command) error
        wanted = "Command"
    else:
        wanted = "Context"  # v1/v2: func(c *cli.Context) error
    if len(types) != 1 or not types[0].startswith("*"):
        return False
    alias, _, name = types[0][1:].rpartition(".")
    return name == wanted and bool(_CLI_PATH.search(file.imports.get(alias, "")))


def _cobra_action(file, func: Node) -> bool:
    """A cobra command action, func(cmd *cobra.Command, args []string), declared,
    written in place (`RunE: func(cmd *cobra.Command, args []string) error {...}`), or a
    method of a command's options type handed over as a method value (`RunE: o.run`)."""
    if func.type not in ("function_declaration", "func_literal", "method_declaration"):
        return False
    types = []
    for decl in named_children(field(func, "parameters")):
        spelled = text(field(decl, "type")).replace(" ", "")
        types += [spelled] * max(1, len(decl.children_by_field_name("name")))
    if len(types) != 2 or types[1] != "[]string" or not types[0].startswith("*"):
        return False
    alias, _, name = types[0][1:].rpartition(".")
    return name == "Command" and file.imports.get(alias) == _COBRA


def _local_factory(resolver: Resolver, file, node: Node, env_of) -> FuncInfo | None:
    """The same-package factory a call site calls, when its file is analysed in this run
    (its construction then carries the finding, where the fix goes)."""
    if node.type != "call_expression":
        return None
    owner = enclosing_function(node)
    if owner is None:
        return None
    callee = resolver.callee(node, env_of(owner), file)
    info = callee.info
    if info is None or callee.index is not resolver.index or info.file.source is None:
        return None
    return info if summary.pool(resolver, callee) == summary.FRESH else None


def _per_call_callers(ctx: GoCheckContext, factory: Node, depth: int = 0
                      ) -> list[tuple[Span, str, str]]:
    """The calls of a factory, in the package's analysed files, made from functions
    that run per call and drop the result: each builds a new pool. A caller that hands
    the result back is a factory too (`newExecutor` returning `newOnlineExecutor()`):
    its own callers are followed."""
    resolver = ctx.resolver
    if factory.type not in ("function_declaration", "method_declaration"):
        return []
    name = text(field(factory, "name"))
    info = next((i for i in dict.values(resolver.index.funcs) if i.node == factory), None)
    if info is None or summary.pool(resolver, Callee(
            "local", resolver.index.key, info.name, info, resolver.index)) != summary.FRESH:
        return []
    out: list[tuple[Span, str, str]] = []
    for file in resolver.index.files:
        if file.source is None:
            continue
        calls = file.calls_named(name)
        if not calls:
            continue
        env_of = _env_of(resolver, file)
        carriers = Carriers(resolver, file, env_of)
        for call in calls:
            caller = named_function(call)
            owner = enclosing_function(call)
            if caller is None or owner is None:
                continue
            callee = resolver.callee(call, env_of(owner), file)
            if callee.info is None or callee.info.node != factory:
                continue
            if owner.type == "func_literal" and _command_action(file, owner) and not (
                    _built_per_iteration(call, owner)):
                continue  # `RunE: func(...) error { c := newClient(); ... }`: once
            if _in_test_body(owner, call) or serves_after(caller, call) or not _runs_per_call(
                    resolver, file, caller) or in_once(
                    resolver, file, env_of, call) or (
                    dialer_only(caller, call)) or skipped_by_constant(
                    resolver, file, callee, call, caller) or keepalives_disabled_later(
                    file, call):
                continue
            if kept(call, caller, carriers):
                if depth < 2 and owner == caller and _returned_as_is(call):
                    out.extend(_per_call_callers(ctx, caller, depth + 1))
                continue
            assert file.source is not None
            span = file.source.lines.span_from_points(call.start_point, call.end_point)
            out.append((span, function_name(caller), file.source.display))
    return out


def _returned_as_is(call: Node) -> bool:
    """`return factory(...)`: the call's result is handed back untouched, so the function
    is a pass-through wrapper of the factory (its callers are the factory's)."""
    parent = call.parent
    if parent is not None and parent.type == "expression_list":
        parent = parent.parent
    return parent is not None and parent.type == "return_statement"


def _may_build(ctx: GoCheckContext) -> bool:
    """Cheap: can this file build a pool at all? A Transport is spelled out, or a
    constructor, a local factory or another package of the module is called."""
    data = ctx.file.data
    if any(h in data for h in FACTORY_HINTS):
        return True
    names = interesting_names(ctx.resolver) - {"new", NEW_RESPELLED, "Clone"}
    if any(name.encode() in data for name in names):
        return True
    return any(ctx.resolver.in_module(path) for path in ctx.file.imports.values())


_ENTRY_PREFIXES = ("Test", "Benchmark", "Example", "Fuzz")


def _exempt_function(func: Node) -> bool:
    """Functions that run once per process: init, main, and test entry points."""
    if func.type != "function_declaration":
        return False
    name = text(field(func, "name"))
    if name in ("init", "main"):
        return True
    params = text(field(func, "parameters"))
    return name.startswith(_ENTRY_PREFIXES) and (
        "testing.T" in params or "testing.F" in params or "testing.M" in params
        or "testing.B" in params or name.startswith("Example"))


# A suite's fixture methods, run once per suite or per test (testify's suite).
_SUITE_HOOKS = {"SetupSuite", "TearDownSuite", "SetupTest", "TearDownTest", "SetupSubTest",
                "TearDownSubTest"}


def _suite_test(file, func: Node) -> bool:
    """A test suite's method: in a test file, named Test* or one of the suite's setup
    and teardown hooks, taking no argument (testify's suite) or only gocheck's `*check.C`;
    the suite runner calls it once per run (or per test), like a Test function."""
    if func.type != "method_declaration" or not file.path.name.endswith("_test.go"):
        return False
    name = text(field(func, "name"))
    params = named_children(field(func, "parameters"))
    if not params:
        return name.startswith("Test") or name in _SUITE_HOOKS
    return len(params) == 1 and _gocheck_handle(file, params[0]) and (
        name.startswith("Test") or name in _GOCHECK_HOOKS)


# gocheck's suite hooks (gopkg.in/check.v1), run once per suite or per test.
_GOCHECK_HOOKS = {"SetUpSuite", "TearDownSuite", "SetUpTest", "TearDownTest"}


def _gocheck_handle(file, decl: Node) -> bool:
    """A parameter of type `*check.C` from gocheck (under whatever import name)."""
    spelled = text(field(decl, "type")).replace(" ", "")
    if spelled == "*C":  # `. "gopkg.in/check.v1"`, as suites often import it
        return any(path in GOCHECK for path in file.dot_imports)
    if not spelled.startswith("*") or not spelled.endswith(".C"):
        return False
    return file.imports.get(spelled[1:-2]) in GOCHECK


_TESTING_HANDLES = ("testing.TB", "testing.T", "testing.B", "testing.F")


def _cleanup_helper(func: Node) -> bool:
    """A test helper given a testing handle that registers a Cleanup on it: it builds
    its fixture once per test, and the test framework tears it down."""
    names = [text(n) for decl in named_children(field(func, "parameters"))
             if text(field(decl, "type")).lstrip("*") in _TESTING_HANDLES
             for n in decl.children_by_field_name("name")]
    body = field(func, "body")
    if not names or body is None:
        return False
    source = body.text or b""
    return any((name + ".Cleanup(").encode() in source for name in names)


_MAX_MAIN_DEPTH = 3
_MAX_HELPER_DEPTH = 3
# Comments, strings and runes name no function (`Use: "healthcheck"`); literals are
# matched first so that a `//` inside one (a URL) does not start a comment.


def _pending_mention(index, needle: bytes) -> bool:
    """A file of the package not parsed yet contains needle (so may call the function)
    and cannot be parsed now to see how."""
    return not index.load_mentioning(needle)


def _callers_in_package(file, func: Node) -> bool:
    """Every caller of the package function is in its package: it is unexported, or
    exported from a package only its module (internal/) or its tests use, and no file of
    the module outside the package calls the name qualified."""
    name = text(field(func, "name"))
    if name[:1].islower():
        return True
    directory = file.path.parent
    return module_private(directory) and not called_outside(directory, name)


def _outside_calls(resolver: Resolver, file, func: Node
                   ) -> list[tuple[Resolver, object, Node, bool]] | None:
    """The calls of an exported function of a module-private package made by other
    packages of the module, each with the resolver of its package and whether its file
    was read alone (a test file); None when the function is visible outside the module,
    or a caller cannot be read, or names it other than in a call (a value handed on)."""
    directory = file.path.parent
    name = text(field(func, "name"))
    if not module_private(directory):
        return None
    files = calling_files(directory, name)
    if files is None:
        return None
    target = resolver.index.key
    spelled = re.compile(rb"\." + re.escape(name.encode()) + rb"\b")
    out: list[tuple[Resolver, object, Node, bool]] = []
    for path in files:
        parsed = parsed_caller(path, name)
        if parsed is None:
            return None
        index, other = parsed
        calls = [c for c in other.within("call_expression", other.root)
                 if c.start_byte in {start for start, called, qualifier in other.call_names()
                                     if called == name and qualifier == target}]
        if len(spelled.findall(NOT_CODE.sub(b"", other.data))) > len(calls):
            return None  # a method of the same name, or the function handed on as a value
        where = Resolver(index, path.parent, resolver.models)
        out += [(where, other, c, path.name.endswith("_test.go")) for c in calls]
    return out


def _calls_by_name(resolver: Resolver, file, func: Node,
                   values_escape: bool) -> list[tuple[object, Node]] | None:
    """Every call of the package function `func` by its bare name in the parsed files,
    as (file, call) pairs; None when a file not parsed may call it, or (values_escape)
    when some file also names it other than in a call (a handler, a callback): then its
    callers cannot all be seen."""
    name = text(field(func, "name")).encode()
    index = resolver.index
    if _pending_mention(index, name + b"("):
        return None
    spelled = re.compile(rb"\b" + re.escape(name) + rb"\b")
    calls: list[tuple[object, Node]] = []
    for other in index.files:
        if name not in other.data:
            continue
        starts = {start for start, called, path in other.call_names()
                  if called == name.decode() and path is None}
        if values_escape:
            mentions = len(spelled.findall(NOT_CODE.sub(b"", other.data)))
            if mentions - (other is file) > len(starts):  # the declaration names it once
                return None
        calls += [(other, call) for call in other.within("call_expression", other.root)
                  if call.start_byte in starts and called_name(call) == name.decode()]
    return calls


def _main_only(resolver: Resolver, file, func: Node, depth: int = 0) -> bool:
    """A function that only main, init, a command action or a test entry (once per
    test) reach, through functions reached the same way, outside any loop: it runs
    once per process, or per test. Outside package
    main only an unexported function counts (another package may call an exported one).
    Unknown callers (files not parsed) keep it per call."""
    if func.type not in ("function_declaration", "method_declaration") or (
            depth > _MAX_MAIN_DEPTH):
        return False
    outside: list[tuple[Resolver, object, Node, bool]] | None = []
    if func.type == "function_declaration" and file.package_name() != "main" and not (
            _callers_in_package(file, func)):
        outside = _outside_calls(resolver, file, func)
        if outside is None:
            return False
    key = f"ll301:main-only:{file.path}:{func.start_byte}"
    cache = resolver.index.summaries
    if key in cache:
        return bool(cache[key])
    cache[key] = False  # recursion: a function that reaches itself is per call
    if func.type == "method_declaration":
        cache[key] = _method_main_only(resolver, file, func, depth)
        return bool(cache[key])
    calls = _calls_by_name(resolver, file, func, values_escape=True)
    if calls is None:
        return False
    callers = 0
    judged = [(resolver, other, call, False) for other, call in calls] + (outside or [])
    for where, other, call, alone in judged:
        caller = named_function(call)
        if caller is None:
            # `Action: func(c *cli.Context) error { return run(c) }` in a package-level
            # command literal, or a Ginkgo spec body (`var _ = Describe(...)`): once.
            literal = enclosing_function(call)
            # The innermost literal must be the spec body: a callback inside it
            # (`Eventually(func() { ... })`) may run many times.
            if literal is None or not (_cli_action(other, literal) or _spec_body(
                    other, literal)) or inside(call, "for_statement", literal):
                return False
            callers += 1
            continue
        if inside(call, "for_statement", caller):
            return False
        literal = enclosing_function(call)
        if literal is not None and literal.type == "func_literal" and _command_action(
                other, literal):
            # `RunE: func(cmd *cobra.Command, args []string) error { return run(o) }`
            # in the function that builds the command: the action runs once.
            if inside(call, "for_statement", literal):
                return False
            callers += 1
            continue
        if literal is not None and literal.type == "func_literal" and literal != caller and (
                not _called_in_place(literal)):
            # `v.Visit(func(info) error { return handle(info) })`: the callback runs as
            # often as what it is handed to calls it, once per item.
            return False
        entry = _exempt_function(caller) or (_command_action(
                other, caller) and not inside(call, "func_literal", caller))
        # A test file read alone (its package's other files unknown) gives only its
        # entry points, not helpers others may call.
        if not (entry or (not alone and _main_only(where, other, caller, depth + 1))):
            return False
        callers += 1
    cache[key] = callers > 0
    return callers > 0


def _called_in_place(literal: Node) -> bool:
    """`func() { ... }()`, `defer func() { ... }()`, `go func() { ... }()`: the literal
    runs once where it is written."""
    parent = literal.parent
    while parent is not None and parent.type == "parenthesized_expression":
        parent = parent.parent
    return parent is not None and parent.type == "call_expression" and unparen(
        field(parent, "function")) == literal


def _once_only(resolver: Resolver, file, func: Node, depth: int = 0) -> bool:
    """A package function called only inside sync.Once bodies, or only by functions
    reached the same way outside loops: it runs once per process. Unknown callers
    (files not parsed, the function used as a value, an exported function that other
    packages may call) keep it per call."""
    if func.type != "function_declaration" or depth > _MAX_MAIN_DEPTH or not (
            _callers_in_package(file, func)):
        return False
    key = f"ll301:once-only:{file.path}:{func.start_byte}"
    cache = resolver.index.summaries
    if key in cache:
        return bool(cache[key])
    cache[key] = False  # recursion: a function that reaches itself is per call
    calls = _calls_by_name(resolver, file, func, values_escape=True)
    if calls is None:
        return False
    for other, call in calls:
        caller = named_function(call)
        if caller is None:
            return False
        if in_once(resolver, other, _env_of(resolver, other), call):
            continue
        if inside(call, "for_statement", caller) or not _once_only(
                resolver, other, caller, depth + 1):
            return False
    cache[key] = bool(calls)
    return bool(calls)


def _env_of(resolver: Resolver, file):
    """The type environment of a function of a file (nested literals in their outer
    function's), built on demand."""
    envs: dict[int, object] = {}

    def env_of(func: Node):
        if func.id not in envs:
            outer = enclosing_function(func)
            envs[func.id] = resolver.env_for(
                func, file, env_of(outer) if outer is not None else None)
        return envs[func.id]

    return env_of


def _test_helper(resolver: Resolver, file, func: Node, depth: int = 0) -> bool:
    """A test-file function or method (a suite's helper) that only test entry points, or
    test helpers reached the same way, call outside a loop runs once per test, like the
    test itself. So does a function given a testing handle in any file (a shared test
    support package): only test code can call it. Unknown callers (files not parsed)
    keep a plain test-file function per call."""
    if func.type not in ("function_declaration", "method_declaration") or depth > (
            _MAX_HELPER_DEPTH):
        return False
    handle = _takes_testing_handle(func)
    if not (handle or file.path.name.endswith("_test.go")):
        return False
    key = f"ll301:test-helper:{file.path}:{func.start_byte}"
    cache = resolver.index.summaries
    if key in cache:
        return bool(cache[key])
    cache[key] = False  # recursion: a helper that reaches itself is per call
    calls = _calls_by_name(resolver, file, func, values_escape=False)
    if calls is None:
        return False
    if not calls and _registered_in_specs(resolver, func):
        cache[key] = True
        return True
    callers = 0
    for other, call in calls:
        caller = named_function(call)
        if _per_iteration(call, caller, other):
            return False  # called per iteration of a loop: per call
        if _in_spec(other, call):
            callers += 1  # a Ginkgo spec or container body: once per spec
            continue
        if _in_test_body(enclosing_function(call), call):
            callers += 1
            continue
        if caller is None or not (_exempt_function(caller) or _suite_test(other, caller)
                or _cleanup_helper(caller)
                or _test_helper(resolver, other, caller, depth + 1)):
            return False
        callers += 1
    cache[key] = callers > 0 or handle
    return callers > 0 or handle


def _registered_in_specs(resolver: Resolver, func: Node) -> bool:
    """A test-file function never called by name, only handed as a value to calls in
    Ginkgo spec or container bodies (`f.Test(testMetricsOverHTTPS)`): the suite runs it
    once per spec."""
    if func.type != "function_declaration":
        return False
    name = text(field(func, "name"))
    seen = 0
    for other in resolver.index.files:
        if name.encode() not in other.data:
            continue
        for ident in identifiers(other.root, name):
            if ident.parent is None or ident.parent == func:
                continue
            if ident.parent.type != "argument_list" or not other.path.name.endswith(
                    "_test.go") or not _in_spec(other, ident) or not _runs_value_once(
                    resolver, other, ident):
                return False
            seen += 1
    return seen > 0


def _runs_value_once(resolver: Resolver, file, arg: Node) -> bool:
    """The call given the func value arg runs it at most once: a Ginkgo node, or a
    function of the module that calls (or hands on) that parameter outside loops."""
    call = arg.parent.parent if arg.parent is not None else None
    owner = enclosing_function(arg)
    if call is None or call.type != "call_expression" or owner is None:
        return False
    callee = resolver.callee(call, _env_of(resolver, file)(owner), file)
    if callee.info is None:
        return callee.name in _SPEC_NODES
    body = field(callee.info.node, "body")
    position = named_children(arg.parent).index(arg)
    if body is None or position >= len(callee.info.params):
        return False
    param = callee.info.params[position][0]
    return not any(inside(ref, "for_statement", callee.info.node)
                   for ref in identifiers(body, param))


def _in_test_body(literal: Node | None, call: Node) -> bool:
    """The call sits in a func literal given a testing handle (a subtest's body, `func(t
    *testing.T) {...}`), outside its loops: it runs once per (sub)test."""
    return literal is not None and literal.type == "func_literal" and (
        _takes_testing_handle(literal)) and not inside(call, "for_statement", literal)


def _takes_testing_handle(func: Node) -> bool:
    return any(text(field(decl, "type")).lstrip("*") in _TESTING_HANDLES
               for decl in named_children(field(func, "parameters")))


def _per_iteration(call: Node, caller: Node | None, file) -> bool:
    """Whether a call runs once per iteration of a loop of its function. A subtest's
    body (the func literal given to t.Run, or to a Ginkgo spec) is a test of its own: a
    loop outside it runs one subtest per case, not the call many times in one test."""
    node = call.parent
    while node is not None and node != caller:
        if node.type == "for_statement":
            return True
        if node.type == "func_literal" and (_subtest_body(node) or _spec_body(file, node)):
            return False
        node = node.parent
    return False


_GINKGO = ("github.com/onsi/ginkgo", "github.com/onsi/ginkgo/v2")
# Ginkgo's container, spec and setup nodes: the test runner calls each body once per
# spec (a container's body once, when the suite is built).
_SPEC_NODES = frozenset(
    p + n for n in ("Describe", "Context", "When", "It", "Specify", "DescribeTable",
                    "DescribeTableSubtree", "Entry")
    for p in ("", "F", "P", "X")) | {
    "BeforeEach", "AfterEach", "JustBeforeEach", "JustAfterEach", "BeforeAll", "AfterAll",
    "BeforeSuite", "AfterSuite", "SynchronizedBeforeSuite", "SynchronizedAfterSuite",
    "DeferCleanup", "By"}


def _in_spec(file, call: Node) -> bool:
    """The call sits in a body given to a Ginkgo node of a test file."""
    node = call.parent
    while node is not None:
        if node.type == "func_literal" and _spec_body(file, node):
            return True
        node = node.parent
    return False


def _spec_body(file, literal: Node) -> bool:
    """A func literal passed to a Ginkgo node (`It("...", func() {...})`) in a file that
    imports Ginkgo (dot-imported, or through its package name): a test file, or an
    end-to-end suite's package, which only its test binary runs."""
    args = literal.parent
    call = args.parent if args is not None else None
    if args is None or args.type != "argument_list" or call is None:
        return False
    callee = unparen(field(call, "function"))
    if callee is None:
        return False
    if callee.type == "identifier":
        return text(callee) in _SPEC_NODES and any(p in _GINKGO for p in file.dot_imports)
    if callee.type == "selector_expression":
        return text(field(callee, "field")) in _SPEC_NODES and file.imports.get(
            text(field(callee, "operand"))) in _GINKGO
    return False


def _subtest_body(literal: Node) -> bool:
    """A func literal passed as the body to t.Run(name, func(t *testing.T) {...})."""
    args = literal.parent
    call = args.parent if args is not None else None
    if args is None or args.type != "argument_list" or call is None or (
            call.type != "call_expression"):
        return False
    callee = field(call, "function")
    if callee is None or callee.type != "selector_expression" or text(
            field(callee, "field")) != "Run":
        return False
    params = text(field(literal, "parameters"))
    return any(handle in params for handle in _TESTING_HANDLES)
