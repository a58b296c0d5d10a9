"""LL301 client-per-call (Python): a client built inside a function that makes a single
request with it, so every call of the function opens (and throws away) a new pool.

A client that the function returns, stores or passes on, one used for several requests
or for a batch in a loop, and one built in a constructor-like function are fine. So is
one built by a memoised function: it runs again only when its cache misses.
"""

from __future__ import annotations

import re
from pathlib import PurePath

import libcst as cst

from leaklint.python import api
from leaklint.python.facts import dotted
from leaklint.python.flow import _HARMLESS_CALLS

RULES = ("LL301",)

# Functions whose job is to build long-lived state.
_BUILDERS = frozenset({"__init__", "__post_init__", "__enter__", "__aenter__", "__new__",
                       "main", "setUp", "setUpClass", "asyncSetUp", "setup", "setup_method",
                       "setup_class", "__call__"})
_LOOPS = (cst.For, cst.While, cst.ListComp, cst.SetComp, cst.DictComp, cst.GeneratorExp)


def check(analysis) -> None:
    for site in analysis.sites:
        if site.client is None or site.fn is None or site.fn.name.value in _BUILDERS:
            continue
        if _runs_once(analysis, site.fn) or _test_module(analysis.file.display):
            continue  # a test or fixture: its client is LL102's question if left open
        if site.client.library == api.HTTP_CLIENT:
            continue  # one connection, not a pool: nothing to reuse across calls
        # A function that only the script's entry point runs is not per request.
        if single_use(analysis, site) and not _once_per_process(analysis, site.fn, set()) \
                and not memoised(analysis, site.fn, site.call):
            analysis.report.report(
                "LL301", analysis.span(site.call), scope=analysis.scope(site.fn),
                what=f"{_short(site.call)}", function=site.fn.name.value,
            )


def _runs_once(analysis, fn: cst.FunctionDef) -> bool:
    """A test (`test_*`, a method of a `Test*` class or of a TestCase subclass) or a
    pytest fixture runs once per test run, not per request."""
    name = fn.name.value
    if name.startswith("test") or any(_fixture(d.decorator) for d in fn.decorators):
        return True
    owner = analysis.parent(analysis.parent(fn))  # FunctionDef -> IndentedBlock -> ClassDef
    if isinstance(owner, cst.ClassDef):
        if owner.name.value.startswith("Test"):
            return True
        bases = {(dotted(b.value) or "").rsplit(".", 1)[-1] for b in owner.bases}
        return bool(bases & {"TestCase", "IsolatedAsyncioTestCase", "AioHTTPTestCase"})
    return False


def _test_module(display: str) -> bool:
    """A pytest module, conftest or a file under a tests directory: its helpers are
    called by tests, each of which runs once."""
    parts = PurePath(display).parts
    name = parts[-1] if parts else ""
    return (name == "conftest.py" or name.startswith("test_") or name.endswith("_test.py")
            or "tests" in parts[:-1])


def _once_per_process(analysis, fn: cst.FunctionDef, seen: set[int]) -> bool:
    """A module-level function that only the script's entry point calls: statements at
    module level (`if __name__ == "__main__": run()`, `asyncio.run(run())`) or functions
    that are themselves run once. Every mention of its name in the file must be one of
    those calls (a name passed around or mentioned in a body the slicer dropped may run
    per request)."""
    if id(fn) in seen or not isinstance(analysis.parent(fn), cst.Module):
        return False
    seen.add(id(fn))
    facts, name = analysis.facts, fn.name.value
    calls = 0
    for owner in (None, *facts.functions):
        for node in facts.uses(owner, name):
            if node is fn.name:
                continue
            call = analysis.parent(node)
            if not (isinstance(call, cst.Call) and call.func is node):
                return False
            if owner is None:
                if facts.enclosing(node, (cst.ClassDef,)) is not None:
                    return False
            elif not (_entry_point(analysis, owner)
                      or _once_per_process(analysis, owner, seen)):
                return False
            calls += 1
    mentions = len(re.findall(rf"(?<![\w.]){re.escape(name)}\b", analysis.file.text))
    return calls > 0 and mentions == calls + 1


# Decorators that cache a function's result per arguments.
_CACHING_DECORATORS = frozenset({"lru_cache", "cache", "cached", "alru_cache", "ttl_cache"})
# Methods that store into a container.
_STORING_METHODS = frozenset({"add", "update", "setdefault", "append", "__setitem__"})


def memoised(analysis, fn: cst.FunctionDef, call: cst.Call) -> bool:
    """The function builds the client only when its cache misses: it is decorated with
    a caching decorator, or a guard on the way to the construction (the test of an `if`
    that returns early or that holds the construction, a `try` that returns a cached
    value) reads state that the function itself writes (`self.token = ...`,
    `CACHE[key] = ...`, `SEEN.add(key)`, a `global`)."""
    for decorator in fn.decorators:
        expr = decorator.decorator
        name = dotted(expr.func if isinstance(expr, cst.Call) else expr) or ""
        if name.rsplit(".", 1)[-1] in _CACHING_DECORATORS:
            return True
    guards = _guards(analysis, fn, call)
    if not guards:
        return False
    read = {key for guard in guards for key in _state_read(guard)}
    read |= {key for guard in guards for key in _helpers_read(analysis, guard)}
    kept = (_state_written(analysis, fn) | _helpers_written(analysis, fn)) \
        - _locals(analysis, fn)
    return bool(read) and not read.isdisjoint(kept)


# How a helper's text stores into a module container (`CACHE[k] = v`, `SEEN.add(k)`).
_STORE = r"\b{name}\s*\[[^\n]*\]\s*=[^=]|\b{name}\s*\.\s*(?:{methods})\s*\(|global\s+{name}\b"


def _module_globals(analysis) -> set[str]:
    found = set()
    for node in analysis.facts.binds.get(None, ()):
        if analysis.facts.enclosing(node, (cst.ClassDef,)) is not None:
            continue  # a class attribute
        targets = [t.target for t in node.targets] if isinstance(node, cst.Assign) \
            else [node.target] if isinstance(node, cst.AnnAssign) else []
        found.update(t.value for t in targets if isinstance(t, cst.Name))
    return found


def _helper_text(analysis, name: str) -> str:
    """The text of a module-level function of the file (its body may have been sliced
    away: read from the file's text)."""
    source = analysis.facts.source
    found = re.search(rf"^(?:async[ \t]+)?def[ \t]+{re.escape(name)}[ \t]*\(", source,
                      re.MULTILINE)
    if found is None:
        return ""
    lines = []
    for line in source[found.start():].split("\n")[1:]:
        if line.strip() and not line[0].isspace():
            break
        lines.append(line)
    return "\n".join(lines)


def _called_helpers(nodes) -> set[str]:
    from leaklint.python.names import walk

    return {node.func.value for root in nodes for node in walk(root)
            if isinstance(node, cst.Call) and isinstance(node.func, cst.Name)}


def _helpers_read(analysis, guard: cst.CSTNode) -> set[str]:
    """Module globals that the file's functions called in a guard mention."""
    names = _called_helpers([guard])
    if not names:
        return set()
    module = _module_globals(analysis)
    found: set[str] = set()
    for name in names:
        text = _helper_text(analysis, name)
        found.update(g for g in module if text and re.search(rf"\b{re.escape(g)}\b", text))
    return found


def _helpers_written(analysis, fn: cst.FunctionDef) -> set[str]:
    """Module globals that the file's functions called by fn store into."""
    names = {call.func.value for call, owner in analysis.facts.calls
             if owner is fn and isinstance(call.func, cst.Name)}
    module = _module_globals(analysis)
    methods = "|".join(sorted(_STORING_METHODS))
    found: set[str] = set()
    for name in names:
        text = _helper_text(analysis, name)
        if not text:
            continue
        found.update(g for g in module if re.search(
            _STORE.format(name=re.escape(g), methods=methods), text))
    return found


def _guards(analysis, fn: cst.FunctionDef, call: cst.Call) -> list[cst.CSTNode]:
    facts = analysis.facts
    at = facts.order[call]
    guards: list[cst.CSTNode] = []
    for ret in facts.returns.get(fn, ()):
        if facts.order[ret] > at:
            continue
        holder = facts.enclosing(ret, (cst.If, cst.Try, cst.FunctionDef))
        if isinstance(holder, cst.If) and not facts.inside(call, holder):
            guards.append(holder.test)
        elif isinstance(holder, cst.Try) and ret.value is not None \
                and not facts.inside(call, holder):
            guards.append(ret.value)
    node = analysis.parent(call)
    while node is not None and node is not fn:
        if isinstance(node, cst.If):
            guards.append(node.test)
        node = analysis.parent(node)
    return guards


def _state_key(node: cst.CSTNode) -> str | None:
    """`self.x` / `cls.x` or a bare name (a module global when the function writes it)."""
    if isinstance(node, cst.Subscript):
        node = node.value
    name = dotted(node) if isinstance(node, (cst.Name, cst.Attribute)) else None
    if name is None:
        return None
    parts = name.split(".")
    if parts[0] in ("self", "cls"):
        return ".".join(parts[:2]) if len(parts) > 1 else None
    return parts[0]


def _state_read(guard: cst.CSTNode) -> set[str]:
    from leaklint.python.names import walk

    found = set()
    for node in walk(guard):
        key = _state_key(node) if isinstance(node, (cst.Name, cst.Attribute)) else None
        if key is not None:
            found.add(key)
    return found


def _locals(analysis, fn: cst.FunctionDef) -> set[str]:
    """Parameters and names the function binds itself: gone when it returns."""
    params = fn.params
    found = {p.name.value for p in (*params.posonly_params, *params.params,
                                    *params.kwonly_params)}
    for node in analysis.facts.binds.get(fn, ()):
        targets = [t.target for t in node.targets] if isinstance(node, cst.Assign) \
            else [node.target] if isinstance(node, cst.AnnAssign) else []
        found.update(t.value for t in targets if isinstance(t, cst.Name))
    return found - analysis.facts.globals_of.get(fn, set())


def _state_written(analysis, fn: cst.FunctionDef) -> set[str]:
    """State outside the call that the function stores into: attributes of self/cls,
    subscripts and members of names, globals it declares."""
    facts = analysis.facts
    declared = facts.globals_of.get(fn, set())
    written: set[str] = set()
    for node in facts.binds.get(fn, ()):
        targets = [t.target for t in node.targets] if isinstance(node, cst.Assign) \
            else [node.target] if isinstance(node, cst.AnnAssign) else []
        for target in targets:
            if isinstance(target, cst.Name):
                if target.value in declared:
                    written.add(target.value)
            elif isinstance(target, (cst.Attribute, cst.Subscript)):
                key = _state_key(target)
                if key is not None and (isinstance(target, cst.Subscript) or "." in key):
                    written.add(key)
    for other, owner in facts.calls:
        func = other.func
        if owner is fn and isinstance(func, cst.Attribute) \
                and func.attr.value in _STORING_METHODS:
            key = _state_key(func.value)
            if key is not None:
                written.add(key)
    return written


def _entry_point(analysis, fn: cst.FunctionDef) -> bool:
    return fn.name.value == "main" and isinstance(analysis.parent(fn), cst.Module)


def _fixture(decorator: cst.BaseExpression) -> bool:
    """`@pytest.fixture`, `@pytest.fixture(...)`, `@pytest_asyncio.fixture`."""
    if isinstance(decorator, cst.Call):
        decorator = decorator.func
    return (dotted(decorator) or "").endswith("fixture")


def _short(call: cst.Call) -> str:
    from leaklint.python.names import code

    return f"{code(call.func)}()"


def _binding(analysis, call: cst.Call) -> tuple[str | None, cst.CSTNode | None]:
    """The local name the new client is bound to, or the inline member call on it."""
    node: cst.CSTNode = call
    parent = analysis.parent(node)
    while isinstance(parent, cst.Await):
        node, parent = parent, analysis.parent(parent)
    if isinstance(parent, cst.WithItem) and parent.asname is not None:
        target = parent.asname.name
        return (target.value, None) if isinstance(target, cst.Name) else (None, None)
    if isinstance(parent, cst.Assign) and len(parent.targets) == 1:
        target = parent.targets[0].target
        return (target.value, None) if isinstance(target, cst.Name) else (None, None)
    if isinstance(parent, cst.Attribute) and parent.value is node:
        return None, parent
    return None, None


def single_use(analysis, site) -> bool:
    fn, call, client = site.fn, site.call, site.client
    methods = api.CLIENT_REQUEST_METHODS[client.library]
    name, inline = _binding(analysis, call)
    if inline is not None:
        grand = analysis.parent(inline)
        return (isinstance(grand, cst.Call) and inline.attr.value in methods
                and not _in_new_loop(analysis, grand, call, fn))
    if name is None or name in analysis.facts.globals_of.get(fn, ()):
        return False
    facts = analysis.facts
    if any(facts.uses(inner, name) for inner in facts.functions
           if inner is not fn and facts.inside(inner, fn)):
        return False  # captured by a nested function
    requests = 0
    for node in facts.uses(fn, name):
        parent = analysis.parent(node)
        if isinstance(parent, cst.Attribute) and parent.value is node:
            grand = analysis.parent(parent)
            if isinstance(grand, cst.Call) and grand.func is parent \
                    and parent.attr.value in methods:
                if _in_new_loop(analysis, grand, call, fn):
                    return False
                requests += 1
            continue
        if _passive(analysis, node, parent):
            continue
        return False  # returned, stored, passed on: someone else may reuse it
    return requests == 1


def _passive(analysis, node: cst.Name, parent) -> bool:
    if isinstance(parent, (cst.AssignTarget, cst.AsName, cst.Comparison, cst.ComparisonTarget,
                           cst.If, cst.UnaryOperation, cst.Param, cst.Del)):
        return True
    if isinstance(parent, cst.Attribute):
        return parent.attr is node
    if isinstance(parent, cst.WithItem):
        return True  # `with client:` closes it
    if isinstance(parent, cst.Arg):
        if parent.keyword is node:
            return True
        call = analysis.parent(parent)
        if isinstance(call, cst.Call):
            if analysis.facts.names(call.func) & api.CLOSING:
                return True
            return isinstance(call.func, cst.Name) and call.func.value in _HARMLESS_CALLS
    return False


def _in_new_loop(analysis, use: cst.CSTNode, construction: cst.CSTNode, fn) -> bool:
    """Is `use` inside a loop that does not also enclose the construction?"""
    enclosing = set()
    node = analysis.parent(construction)
    while node is not None and node is not fn:
        enclosing.add(id(node))
        node = analysis.parent(node)
    node = analysis.parent(use)
    while node is not None and node is not fn:
        if isinstance(node, _LOOPS) and id(node) not in enclosing:
            return True
        node = analysis.parent(node)
    return False

