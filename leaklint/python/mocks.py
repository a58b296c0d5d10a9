"""Code that runs under an HTTP mock: requests there never reach a socket.

A request made inside `with requests_mock.Mocker():`, `with responses.RequestsMock():`,
`with respx.mock:`, `with aioresponses():` or `with httpretty.enabled():`, in a function
or class decorated with `@responses.activate`, `@requests_mock.Mocker()`, `@respx.mock`,
`@httpretty.activate`, or in a test function that takes the pytest fixture of such a
library (`requests_mock`, `httpx_mock`, `respx_mock`) opens no connection: there is no
socket to leak and no peer to stall. Matched by the mock library's module name, which
these libraries are always used through.

A URL the file lets through (`add_passthru(prefix)`: the same expression, or a literal
that starts with the literal prefix) goes to the network under any of them.

A mock started by hand is active from its `start()` (`httpretty.enable()`,
`responses.start()`) to the `stop()` of the same object in that function; started in a
test class's set-up method, for the whole class. A pytest fixture of the file that
yields while a mock is active activates it for the tests that take it (every test of
its module or class when `autouse=True`).

moto's mocks (`moto.mock_aws` and the older `mock_s3`, `mock_ec2`...: resolved through
the imports) answer only what reaches them through `requests` (moto registers its
routes on a `responses` mock; botocore it hooks directly) and only for AWS endpoints:
every other host passes through to the network. So under moto a requests call is
answered in process unless its URL is written out with a host that is not AWS's
(`http://localhost:5000/...`) and that the function did not register on moto's own
responses mock; httpx, aiohttp, urllib and http.client go out as usual.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import libcst as cst

from leaklint.python import api
from leaklint.python.args import MISSING, keyword, literal_prefix, positional
from leaklint.python.facts import Facts, dotted
from leaklint.python.values import bindings

# What a scope's mock answers: every request (ANY), or requests' to AWS (AWS, moto).
ANY = "any"
AWS = "aws"

# Context managers and decorators (called or not) that patch the transport.
_MOCKS = frozenset({
    "requests_mock.Mocker", "requests_mock.mock", "requests_mock.Mock",
    "responses", "responses.activate", "responses.RequestsMock", "responses.mock",
    "respx.mock", "respx.MockRouter", "respx.Router",
    "aioresponses", "aioresponses.aioresponses",
    "httpretty.activate", "httpretty.enabled", "httpretty.httprettified",
})
# pytest fixtures that activate a mock for the whole test.
_FIXTURES = frozenset({"requests_mock", "httpx_mock", "respx_mock"})
# Module functions that switch a library's default mock on and off.
_MODULE_STARTS = frozenset({"responses.start", "httpretty.enable"})
_MODULE_STOPS = frozenset({"responses.stop", "httpretty.disable", "httpretty.reset"})
# Methods run before each test of their class (unittest, pytest, their class forms).
_SET_UPS = frozenset({"setUp", "asyncSetUp", "setUpClass", "setup_method", "setup_class",
                      "setup"})
_FIXTURE_DECORATORS = frozenset({"pytest.fixture", "pytest_asyncio.fixture"})
# moto's mocks: `moto.mock_aws`, `moto.mock_s3`, `moto.core.decorator.mock_aws`, and the
# class they return.
_MOTO = re.compile(r"moto(?:\.\w+)*\.(?:mock_\w+|MockAWS|BaseMockAWS)")
# Hosts moto answers: every *.amazonaws.com service and the instance metadata address.
_AWS_HOSTS = re.compile(r"(?:.*\.)?amazonaws\.com(?:\.cn)?|169\.254\.169\.254")
# Methods of moto's `responses_mock` that register an answer for a URL.
_REGISTERS = frozenset({"add", "replace", "upsert", "add_callback", *api.HTTP_VERBS})


def _stronger(a: str | None, b: str | None) -> str | None:
    return ANY if ANY in (a, b) else (a or b)


@dataclass
class _Started:
    """A mock started by hand: active in `container` (a function, class or the module)
    between the source orders `start` and `stop`."""

    kind: str
    start: int
    stop: int


class MockScopes:
    """Which mock, if any, answers the requests made at a node; built once per file."""

    def __init__(self, facts: Facts) -> None:
        self.facts = facts
        # container (function, class; None: the module) -> mocks started in it
        self.started: dict[cst.CSTNode | None, list[_Started]] = {}
        self.fixtures: dict[str, str] = dict.fromkeys(_FIXTURES, ANY)
        self.autouse: dict[cst.CSTNode | None, str] = {}
        self._memo: dict[cst.CSTNode, str | None] = {}
        self._static_memo: dict[cst.CSTNode, str | None] = {}
        # URLs a mock lets through to the network (`responses.add_passthru(prefix)`).
        self.passthru = [call.args[0].value for call, _ in facts.calls
                         if isinstance(call.func, cst.Attribute)
                         and call.func.attr.value == "add_passthru" and call.args]
        self._find_starts()
        self._find_fixtures()

    # -- what an expression is -----------------------------------------------------
    def _expr_kind(self, expr: cst.BaseExpression) -> str | None:
        """The mock a decorator or context manager expression activates, if any."""
        func = expr.func if isinstance(expr, cst.Call) else expr
        if any(_MOTO.fullmatch(name) for name in self.facts.names(func)):
            return AWS
        name = dotted(func)
        if name is None or name not in _MOCKS:
            return None
        if name == "responses":  # the bare module is not a mock
            return None
        if name == "aioresponses" and not isinstance(expr, cst.Call):
            return None  # the class must be called to mock
        return ANY

    def _context_kind(self, expr: cst.BaseExpression) -> str | None:
        if isinstance(expr, cst.Call) and dotted(expr.func) == "aioresponses":
            return ANY
        return self._expr_kind(expr)

    def _decorated(self, node: cst.FunctionDef | cst.ClassDef) -> str | None:
        found = None
        for decorator in node.decorators:
            found = _stronger(found, self._expr_kind(decorator.decorator)
                              or self._uses_fixtures(decorator.decorator))
        return found

    # -- mocks started by hand -----------------------------------------------------
    def _find_starts(self) -> None:
        facts = self.facts
        for call, fn in facts.calls:
            func = call.func
            if not isinstance(func, cst.Attribute) or func.attr.value not in (
                    "start", "enable"):
                continue
            kind = self._started_kind(call, fn)
            if kind is None:
                continue
            start = facts.order[call]
            container, stop = self._region(call, fn, start)
            self.started.setdefault(container, []).append(_Started(kind, start, stop))

    def _started_kind(self, call: cst.Call, fn) -> str | None:
        func = call.func
        assert isinstance(func, cst.Attribute)
        if dotted(func) in _MODULE_STARTS:
            return ANY
        if func.attr.value != "start":
            return None
        receiver = func.value
        kind = self._expr_kind(receiver) if isinstance(receiver, cst.Call) \
            or dotted(receiver) in ("respx.mock", "responses.mock") else None
        if kind is not None:
            return kind
        built = self._bound_value(receiver, fn)
        return self._expr_kind(built) if isinstance(built, cst.Call) else None

    def _bound_value(self, receiver: cst.BaseExpression, fn) -> cst.BaseExpression | None:
        """What `m` (a local or module name) or `self.m` / `cls.m` was assigned, when it
        was assigned exactly once in its scope (the class for an attribute)."""
        facts = self.facts
        key = dotted(receiver)
        if key is None:
            return None
        if isinstance(receiver, cst.Name):
            owners = [fn]
        elif isinstance(receiver, cst.Attribute) and isinstance(receiver.value, cst.Name) \
                and receiver.value.value in ("self", "cls") and fn is not None:
            cls = facts.enclosing(fn, (cst.ClassDef,))
            owners = [f for f in facts.functions if cls is not None
                      and facts.enclosing(f, (cst.ClassDef,)) is cls]
        else:
            return None
        values = []
        for owner in owners:
            for node in facts.binds.get(owner, ()):
                if isinstance(node, cst.Assign) and len(node.targets) == 1 \
                        and dotted(node.targets[0].target) == key:
                    values.append(node.value)
        return values[0] if len(values) == 1 else None

    def _region(self, call: cst.Call, fn, start: int) -> tuple[cst.CSTNode | None, int]:
        """Where a started mock is active: its set-up method's class, or its function
        (the module) up to a later stop of the same mock there."""
        facts = self.facts
        if fn is not None and fn.name.value in _SET_UPS:
            cls = facts.enclosing(fn, (cst.ClassDef, cst.FunctionDef))
            if isinstance(cls, cst.ClassDef):
                return cls, len(facts.order)
        func = call.func
        assert isinstance(func, cst.Attribute)
        receiver = dotted(func.value)
        stop = len(facts.order)
        for other, owner in facts.calls:
            if owner is not fn or facts.order[other] <= start:
                continue
            name = dotted(other.func)
            if name is None or not (name in _MODULE_STOPS or (
                    receiver is not None and name == f"{receiver}.stop")):
                continue
            stop = min(stop, facts.order[other])
        return fn, stop

    # -- pytest fixtures -----------------------------------------------------------
    def _find_fixtures(self) -> None:
        facts = self.facts
        for fn in facts.functions:
            fixture = self._fixture_decorator(fn)
            if fixture is None:
                continue
            kind = self._yields_under_mock(fn)
            if kind is None:
                continue
            name = keyword(fixture, "name") if isinstance(fixture, cst.Call) else MISSING
            named = literal_prefix(name) if name is not MISSING else None  # type: ignore[arg-type]
            self.fixtures[named or fn.name.value] = kind
            autouse = keyword(fixture, "autouse") if isinstance(fixture, cst.Call) else MISSING
            if isinstance(autouse, cst.Name) and autouse.value == "True":
                scope = facts.enclosing(fn, (cst.ClassDef, cst.FunctionDef))
                self.autouse[scope if isinstance(scope, cst.ClassDef) else None] = kind

    def _fixture_decorator(self, fn: cst.FunctionDef) -> cst.BaseExpression | None:
        for decorator in fn.decorators:
            expr = decorator.decorator
            func = expr.func if isinstance(expr, cst.Call) else expr
            names = self.facts.names(func) or {dotted(func) or ""}
            if names & _FIXTURE_DECORATORS:
                return expr
        return None

    def _yields_under_mock(self, fn: cst.FunctionDef) -> str | None:
        """The mock active where the fixture yields (to the test that takes it)."""
        found = None
        for node in _walk(fn.body):
            if isinstance(node, cst.Yield):
                found = _stronger(found, self._kind_in(node, stop_at=fn))
        return found

    def _uses_fixtures(self, expr: cst.BaseExpression) -> str | None:
        """`@pytest.mark.usefixtures("requests_mock")`."""
        if not isinstance(expr, cst.Call) or dotted(expr.func) not in (
                "pytest.mark.usefixtures", "mark.usefixtures"):
            return None
        found = None
        for arg in expr.args:
            text = literal_prefix(arg.value)
            if text is not None:
                found = _stronger(found, self.fixtures.get(text))
        return found

    def _takes_fixture(self, node: cst.FunctionDef) -> str | None:
        params = node.params
        found = None
        for p in (*params.params, *params.kwonly_params, *params.posonly_params):
            found = _stronger(found, self.fixtures.get(p.name.value))
        return found

    # -- the question --------------------------------------------------------------
    def kind(self, node: cst.CSTNode) -> str | None:
        """The mock answering requests made at `node`: ANY, AWS, or None (the network)."""
        found = self._static(node)
        if found is ANY or not self.started:
            return found
        parents = self.facts.parents
        current: cst.CSTNode | None = node
        while current is not None:
            if current in self.started:
                found = _stronger(found, self._started_kind_at(current, node))
            current = parents.get(current)
        return _stronger(found, self._started_kind_at(None, node))

    def _static(self, node: cst.CSTNode) -> str | None:
        """What the with statements, decorators, fixtures around `node` activate,
        remembered for every ancestor on the way (calls share most of them)."""
        memo, parents = self._static_memo, self.facts.parents
        chain = []
        current = parents.get(node)
        while current is not None and current not in memo:
            chain.append(current)
            current = parents.get(current)
        kind = memo[current] if current is not None else self.autouse.get(None)
        for ancestor in reversed(chain):
            kind = _stronger(kind, self._own_kind(ancestor))
            memo[ancestor] = kind
        return kind

    def _kind_in(self, node: cst.CSTNode, stop_at: cst.CSTNode | None = None) -> str | None:
        facts = self.facts
        parents = facts.parents
        found = self._started_kind_at(None, node)
        current = parents.get(node)
        while current is not None:
            kind = self._started_kind_at(current, node) if current in self.started else None
            if current is stop_at:  # a fixture: what it started itself, not how it runs
                return _stronger(found, kind)
            kind = _stronger(kind, self._own_kind(current))
            found = _stronger(found, kind)
            if found is ANY:
                return ANY
            current = parents.get(current)
        else:
            found = _stronger(found, self.autouse.get(None))
        return found

    def _own_kind(self, node: cst.CSTNode) -> str | None:
        """The mock a with statement, function or class activates for its body."""
        if not isinstance(node, (cst.With, cst.FunctionDef, cst.ClassDef)):
            return None
        if node in self._memo:
            return self._memo[node]
        kind = None
        if isinstance(node, cst.With):
            for item in node.items:
                kind = _stronger(kind, self._context_kind(item.item))
        elif isinstance(node, cst.FunctionDef):
            kind = _stronger(self._decorated(node), self._takes_fixture(node))
        else:
            kind = _stronger(self._decorated(node), self.autouse.get(node))
        self._memo[node] = kind
        return kind

    def _started_kind_at(self, container: cst.CSTNode | None, node: cst.CSTNode) -> str | None:
        order = self.facts.order[node]
        found = None
        for started in self.started.get(container, ()):
            if started.start < order < started.stop:
                found = _stronger(found, started.kind)
        return found

    def passes_through(self, request, call: cst.Call) -> bool:
        """The request's URL is one the file lets through its mock: the same expression
        as an `add_passthru` argument, or a literal that starts with a literal one."""
        url = _url_argument(call, request.method)
        if not isinstance(url, cst.BaseExpression):
            return False
        text = literal_prefix(url)
        for prefix in self.passthru:
            if _code(prefix) == _code(url):
                return True
            allowed = literal_prefix(prefix)
            if text is not None and allowed and text.startswith(allowed):
                return True
        return False

    # -- moto ----------------------------------------------------------------------
    def moto_answers(self, analysis, request, call: cst.Call, fn) -> bool:
        """Under moto, does this request reach moto rather than the network? Not when
        some URL it may be sent to is written out with a host that is not AWS's and that
        the function did not register on moto's responses mock."""
        if request.library != api.REQUESTS:
            return False  # moto hooks requests (and botocore) only
        url = _url_argument(call, request.method)
        if url is MISSING or url is None:
            return True  # a prepared request, or **kwargs: a URL we cannot read
        values = self._values(analysis, fn)
        outside = {host for host in _hosts(url, values)
                   if host is not None and not _AWS_HOSTS.fullmatch(host)}
        return not outside or outside <= self._registered_hosts(fn, values)

    def _values(self, analysis, fn):
        """What a name holds: its local bindings, else (a name the function does not
        bind) its module-level ones."""
        local = bindings(analysis, fn)
        facts = self.facts

        def values(expr: cst.BaseExpression) -> list | None:
            found = local(expr)
            if found is not None or not isinstance(expr, cst.Name):
                return found
            if fn is not None and any(not isinstance(facts.parents.get(use), _READS)
                                      for use in facts.uses(fn, expr.value)):
                return None  # bound in the function in a way not read here
            module = [node.value for node in facts.binds.get(None, ())
                      if isinstance(node, (cst.Assign, cst.AnnAssign))
                      and node.value is not None and facts.enclosing(
                          node, (cst.ClassDef,)) is None
                      and any(isinstance(t, cst.Name) and t.value == expr.value
                              for t in _targets(node))]
            return module or None
        return values

    def _registered_hosts(self, fn, values) -> set[str]:
        """Hosts the function registers on moto's own responses mock
        (`responses_mock.add(Response("GET", "http://example.com", ...))`)."""
        found: set[str] = set()
        for call, owner in self.facts.calls:
            func = call.func
            if owner is not fn or not isinstance(func, cst.Attribute) \
                    or func.attr.value not in _REGISTERS:
                continue
            if not any(name.startswith("moto.") for name in self.facts.names(func)):
                continue
            args: list[cst.CSTNode] = []
            for arg in call.args:  # an answer built just before: `add(rsp)`
                args.extend(values(arg.value) or [arg.value]
                            if isinstance(arg.value, cst.Name) else [arg.value])
            for node in _walk(args):
                if isinstance(node, (cst.SimpleString, cst.FormattedString)):
                    found.update(h for h in _hosts(node, values) if h is not None)
        return found


def _code(node: cst.CSTNode) -> str:
    return cst.Module([]).code_for_node(node)


def _url_argument(call: cst.Call, method: str) -> cst.BaseExpression | object | None:
    if method == "send":
        return MISSING
    value = keyword(call, "url")
    if value is MISSING:
        value = positional(call, 1 if method == "request" else 0)
    return value


_URL = re.compile(r"[a-zA-Z][a-zA-Z0-9+.-]*://(?:[^@/?#]*@)?(\[[^\]]*\]|[^:/?#\[]+)([:/?#])?")
_SCHEME = re.compile(r"[a-zA-Z][a-zA-Z0-9+.-]*://")


def _hosts(expr: cst.BaseExpression, values, depth: int = 0) -> list[str | None]:
    """The hosts a URL expression may name (None: one not known). Read through a local
    name, a conditional, and an f-string whose host is a local name
    (`f"http://{base}/api"` with `base = "localhost:5000" if ... else "..."`)."""
    if depth > 2:
        return [None]
    if isinstance(expr, cst.IfExp):
        return [*_hosts(expr.body, values, depth + 1), *_hosts(expr.orelse, values, depth + 1)]
    if isinstance(expr, cst.Name):
        bound = values(expr)
        return [h for v in bound for h in _hosts(v, values, depth + 1)] if bound else [None]
    host = _host(expr)
    if host is not None:
        return [host]
    if isinstance(expr, cst.FormattedString) and expr.parts:
        # f"http://{host}/api" or f"{base_url}/api": the host comes from a name.
        head = expr.parts[0]
        prefix, rest = "", list(expr.parts)
        if isinstance(head, cst.FormattedStringText) and _SCHEME.fullmatch(head.value):
            prefix, rest = head.value, rest[1:]
        placeholder = rest[0] if rest else None
        if isinstance(placeholder, cst.FormattedStringExpression) \
                and isinstance(placeholder.expression, cst.Name):
            after = rest[1] if len(rest) > 1 else None
            tail = after.value if isinstance(after, cst.FormattedStringText) else \
                ("" if after is None else None)
            bound = values(placeholder.expression) or [None]
            return [_composed(prefix, v, tail) for v in _branches(bound)]
    return [None]


# Parents of a name that read it (anything else may bind it).
_READS = (cst.Arg, cst.Attribute, cst.FormattedStringExpression, cst.BinaryOperation,
          cst.Call, cst.Comparison, cst.ComparisonTarget, cst.IfExp, cst.Subscript,
          cst.Return, cst.Element, cst.BooleanOperation, cst.UnaryOperation)


def _targets(node: cst.Assign | cst.AnnAssign) -> list:
    return [t.target for t in node.targets] if isinstance(node, cst.Assign) else [node.target]


def _branches(values: list) -> list:
    """The values a list of expressions may take, conditionals opened."""
    out = []
    for value in values:
        while isinstance(value, cst.IfExp):
            out.extend(_branches([value.body]))
            value = value.orelse
        out.append(value)
    return out


def _composed(scheme: str, value: cst.BaseExpression | None, tail: str | None) -> str | None:
    """The host of `scheme + value + tail` where value is a string literal; tail None:
    a placeholder follows, so the value must end the host itself."""
    if not isinstance(value, cst.SimpleString) or not isinstance(value.evaluated_value, str):
        return None
    text = scheme + value.evaluated_value
    match = _URL.match(text + (tail or ""))
    if match is None or (match.group(2) is None and tail is None):
        return None
    if tail is None and match.end() > len(text):
        return None
    return match.group(1).lower()


def _host(expr: cst.BaseExpression) -> str | None:
    """The host of a URL whose literal beginning holds all of it."""
    text = literal_prefix(expr)
    match = _URL.match(text) if text is not None else None
    if match is None:
        return None
    if match.group(2) is None and not (
            isinstance(expr, cst.SimpleString) and match.end() == len(text)):
        return None  # what follows (a placeholder, a concatenation) may extend it
    return match.group(1).lower()


def _walk(nodes) -> Iterator[cst.CSTNode]:
    stack = list(nodes) if isinstance(nodes, (list, tuple)) else [nodes]
    while stack:
        node = stack.pop()
        yield node
        if not isinstance(node, (cst.FunctionDef, cst.ClassDef, cst.Lambda)):
            stack.extend(node.children)
