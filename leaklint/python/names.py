"""What a name or call denotes: import resolution plus light local typing.

A receiver is a client only when the analysis saw where it came from: a constructor
(through imports, aliases, subclasses, local wrappers or user models), an annotation,
`with ... as`, an attribute of `self` set to one, or an alias of such a name.
A bare method name (`x.get(...)` on an unknown `x`) never matches.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import libcst as cst

from leaklint.config import PythonModels
from leaklint.python import api
from leaklint.python.api import Client
from leaklint.python.facts import Facts, Function
from leaklint.python.openers import builds_connecting_opener


@dataclass(frozen=True)
class Partial:
    target: cst.BaseExpression
    keywords: frozenset[str]
    keyword_values: tuple[tuple[str, cst.BaseExpression], ...]


@dataclass(frozen=True)
class Request:
    """A call that sends a request: a module function, a client method or a wrapper."""

    library: str
    method: str  # "get", "urlopen", "stream", "send", ...
    qname: str  # "requests.get" or "requests.Session.get"
    client: Client | None
    keywords: tuple[tuple[str, cst.BaseExpression], ...] = ()  # carried by a partial
    user: bool = False  # a user-configured response function


@dataclass
class Env:
    """Names bound to clients, and partials, in one scope (flow-insensitive)."""

    clients: dict[str, Client] = field(default_factory=dict)
    partials: dict[str, Partial] = field(default_factory=dict)
    dicts: dict[str, cst.Dict] = field(default_factory=dict)
    assigned: set[str] = field(default_factory=set)


def _sets_timeout(call: cst.Call, position: int | None = None) -> bool:
    """The call passes `timeout=` (not None; also as positional argument `position`),
    or *args/**kwargs that may hold one."""
    plain = [a for a in call.args if a.keyword is None and not a.star]
    if position is not None and len(plain) > position:
        return not (isinstance(plain[position].value, cst.Name)
                    and plain[position].value.value == "None")
    for arg in call.args:
        if arg.star == "*" and position is not None:
            return True
        if arg.star == "**":
            return True
        if arg.keyword is not None and arg.keyword.value == "timeout":
            return not (isinstance(arg.value, cst.Name) and arg.value.value == "None")
    return False


def dotted(node: cst.BaseExpression) -> str | None:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        base = dotted(node.value)
        return f"{base}.{node.attr.value}" if base else None
    return None


def code(node: cst.CSTNode, limit: int = 60) -> str:
    text = cst.Module([]).code_for_node(node)
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def targets(node: cst.BaseAssignTargetExpression | cst.BaseExpression) -> list[cst.BaseExpression]:
    if isinstance(node, (cst.Tuple, cst.List)):
        out: list[cst.BaseExpression] = []
        for el in node.elements:
            out.extend(targets(el.value))
        return out
    return [node]


class Resolver:
    def __init__(self, facts: Facts, models: PythonModels) -> None:
        self.facts = facts
        self.user_clients = frozenset(models.client_constructors)
        self.user_responses = frozenset(models.response_functions)
        self.client_classes: dict[str, Client] = {}
        self.wrappers: dict[str, Client] = {}  # local functions returning a new client
        self.response_wrappers: set[str] = set()
        self.module_env = Env()
        self.class_env: dict[cst.ClassDef, Env] = {}
        self.envs: dict[Function, Env] = {}
        self._subclasses()
        self._wrappers()
        self._build_envs()
        if self._wrappers():  # functions returning a local bound to a new client
            self._build_envs()

    # -- constructors ------------------------------------------------------------
    def _subclasses(self) -> None:
        """`class MySession(requests.Session)` builds sessions too; one overriding
        request()/send() is assumed to add its own default timeout."""
        for _ in range(2):  # subclasses of local subclasses
            for cls in self.facts.classes:
                for base in cls.bases:
                    client = self._ctor_by_names(self.facts.names(base.value))
                    if client is None:
                        continue
                    overrides = any(
                        isinstance(s, cst.FunctionDef) and s.name.value in ("request", "send")
                        for s in cls.body.body
                    ) or self._rebinds_request(cls)
                    self.client_classes[cls.name.value] = Client(
                        client.library, client.name,
                        client.has_default_timeout or overrides or (
                            client.library in _TIMEOUT_AT_CONSTRUCTION
                            and _init_sets_timeout(cls)),
                        own_socket=client.own_socket or (
                            client.library == api.HTTP_CLIENT and _makes_own_socket(cls)),
                        pool=client.pool,
                    )

    def _rebinds_request(self, cls: cst.ClassDef) -> bool:
        """`self.request = functools.partial(self.request, timeout=T)` in a method."""
        for stmt in cls.body.body:
            if not isinstance(stmt, cst.FunctionDef):
                continue
            for node in walk(stmt.body):
                if isinstance(node, cst.Assign) and self._bounding_partial(node.value) \
                        and any(isinstance(t.target, cst.Attribute)
                                and t.target.attr.value == "request"
                                and isinstance(t.target.value, cst.Name)
                                and t.target.value.value == "self" for t in node.targets):
                    return True
        return False

    def _ctor_by_names(self, names: frozenset[str]) -> Client | None:
        for name in names:
            if name in api.OPENER_CONSTRUCTORS:
                return Client(api.URLLIB, api.OPENER, pool=False)
            if name in api.CLIENT_CONSTRUCTORS:
                return Client(api.CLIENT_CONSTRUCTORS[name], name)
            if name in self.user_clients:
                return Client(api.USER, name, has_default_timeout=True)
            if name in self.client_classes:
                return self.client_classes[name]
            if name in self.wrappers:
                return self.wrappers[name]
        return None

    def constructor(self, call: cst.Call) -> Client | None:
        client = self._ctor_by_names(self.facts.names(call.func))
        if client is not None and client.name == api.OPENER:
            return dataclasses.replace(client, connects=builds_connecting_opener(self.facts, call))
        if client is not None and client.library == api.URLLIB3 \
                and not client.has_default_timeout \
                and _sets_timeout(call, 2 if client.name.endswith("ConnectionPool") else None):
            # A pool built with a timeout applies it to every request it makes.
            client = dataclasses.replace(client, has_default_timeout=True)
        return client

    def _wrappers(self) -> bool:
        """Module-level functions that return a freshly built client are constructors
        themselves: `return requests.Session()`, or a local bound to one. True when
        new wrappers were found."""
        before = len(self.wrappers)
        for _ in range(2):
            for fn in self.facts.functions:
                if not isinstance(self.facts.parents.get(fn), cst.Module):
                    continue
                local = self.envs.get(fn)
                for node in self.facts.returns.get(fn, ()):
                    client = None
                    if isinstance(node.value, cst.Call):
                        client = self.constructor(node.value)
                    elif isinstance(node.value, cst.Name) and local is not None:
                        client = local.clients.get(node.value.value)
                    if client is not None:
                        self.wrappers.setdefault(fn.name.value, client)
        return len(self.wrappers) > before

    def _build_envs(self) -> None:
        self.module_env = Env()
        self.class_env = {}
        self.envs = {fn: Env() for fn in self.facts.functions}
        self._build_env(self.module_env, None)
        self._class_attributes()
        for fn in self.facts.functions:
            self._build_env(self.envs[fn], fn)

    def _class_attributes(self) -> None:
        """`session = requests.Session()` in a class body is read as `self.session`."""
        for node in self.facts.binds.get(None, ()):
            if not isinstance(node, (cst.Assign, cst.AnnAssign)) or node.value is None:
                continue
            cls = self.facts.parents.get(self.facts.parents.get(node))  # line, then body
            cls = self.facts.parents.get(cls) if cls is not None else None
            if not isinstance(cls, cst.ClassDef):
                continue
            client = self.client_of(node.value, None)
            if client is None:
                continue
            targets = [t.target for t in node.targets] if isinstance(node, cst.Assign) \
                else [node.target]
            for target in targets:
                if isinstance(target, cst.Name):
                    self.class_env.setdefault(cls, Env()).clients[target.value] = client

    # -- environments ------------------------------------------------------------
    def _build_env(self, env: Env, fn: Function | None) -> None:
        if fn is not None:
            for param in (*fn.params.params, *fn.params.kwonly_params, *fn.params.posonly_params):
                if param.annotation is not None:
                    client = self._annotated(param.annotation)
                    if client is not None:
                        env.clients[param.name.value] = client
        binds = self.facts.binds.get(fn, [])
        if fn is None:  # module globals, not class attributes
            binds = [b for b in binds if self.facts.enclosing(b, (cst.ClassDef,)) is None]
        for _ in range(2):  # aliases of aliases
            for node in binds:
                if isinstance(node, cst.Assign):
                    for target in node.targets:
                        self._bind(target.target, node.value, env, fn)
                elif isinstance(node, cst.AnnAssign):
                    client = self._annotated(node.annotation)
                    if client is not None and isinstance(node.target, cst.Name):
                        env.clients[node.target.value] = client
                    if node.value is not None:
                        self._bind(node.target, node.value, env, fn)
                elif isinstance(node, cst.WithItem) and node.asname is not None:
                    self._bind(node.asname.name, node.item, env, fn)

    def _annotated(self, annotation: cst.Annotation) -> Client | None:
        for node in walk(annotation):
            client = self._ctor_by_names(self.facts.names(node))
            if client is not None:
                return dataclasses.replace(client, seen_built=False)
        return None

    def _bind(self, target: cst.BaseExpression, value: cst.BaseExpression, env: Env,
              fn: Function | None) -> None:
        if isinstance(target, cst.Name):
            env.assigned.add(target.value)
        value = unwrap(value)
        if isinstance(target, cst.Name):
            name = target.value
            if isinstance(value, cst.Dict):
                env.dicts[name] = value
            client = self.client_of(value, fn)
            if client is not None:
                env.clients[name] = client
            elif isinstance(value, cst.Call) and self.facts.names(value.func) & api.PARTIAL:
                partial = self._partial(value)
                if partial is not None:
                    env.partials[name] = partial
        elif isinstance(target, cst.Attribute) and self._bounding_partial(value):
            self._bound_by_partial(target.value, target.attr.value, env, fn)
        elif (isinstance(target, cst.Attribute) and fn is not None
              and isinstance(target.value, cst.Name) and target.value.value in ("self", "cls")):
                client = self.client_of(value, fn)
                cls = self.facts.enclosing(fn, (cst.ClassDef,))
                if client is not None and isinstance(cls, cst.ClassDef):
                    self.class_env.setdefault(cls, Env()).clients[target.attr.value] = client

    def _bounding_partial(self, value: cst.BaseExpression) -> bool:
        """`functools.partial(x.request, timeout=T)` with T not None."""
        if not (isinstance(value, cst.Call) and self.facts.names(value.func) & api.PARTIAL):
            return False
        return any(a.keyword is not None and a.keyword.value == "timeout"
                   and not (isinstance(a.value, cst.Name) and a.value.value == "None")
                   for a in value.args)

    def _bound_by_partial(self, receiver: cst.BaseExpression, method: str, env: Env,
                          fn: Function | None) -> None:
        """`s.request = partial(s.request, timeout=T)`: every verb goes through
        request(), so the client now has a default timeout; `s.get = partial(s.get,
        timeout=T)` bounds that verb only."""
        client = self.client_of(receiver, fn)
        if client is None:
            return
        if method == "request":
            bounded = dataclasses.replace(client, has_default_timeout=True)
        else:
            bounded = dataclasses.replace(
                client, bounded_methods=client.bounded_methods | {method})
        if isinstance(receiver, cst.Name):
            env.clients[receiver.value] = bounded
        elif isinstance(receiver, cst.Attribute) and isinstance(receiver.value, cst.Name) \
                and receiver.value.value in ("self", "cls") and fn is not None:
            cls = self.facts.enclosing(fn, (cst.ClassDef,))
            if isinstance(cls, cst.ClassDef):
                self.class_env.setdefault(cls, Env()).clients[receiver.attr.value] = bounded

    def _partial(self, call: cst.Call) -> Partial | None:
        if not call.args or call.args[0].keyword is not None:
            return None
        values = tuple(
            (a.keyword.value, a.value) for a in call.args[1:] if a.keyword is not None
        )
        return Partial(call.args[0].value, frozenset(k for k, _ in values), values)

    # -- queries -----------------------------------------------------------------
    def env(self, fn: Function | None) -> Env:
        return self.module_env if fn is None else self.envs.setdefault(fn, Env())

    def client_of(self, expr: cst.BaseExpression, fn: Function | None) -> Client | None:
        """The client an expression denotes, if the analysis knows it."""
        expr = unwrap(expr)
        if isinstance(expr, cst.Call):
            return self.constructor(expr)
        if isinstance(expr, cst.BooleanOperation) and isinstance(expr.operator, cst.Or):
            return self._fallback(expr.left, expr.right, fn)
        if isinstance(expr, cst.IfExp):
            return self._fallback(expr.body, expr.orelse, fn)
        if isinstance(expr, cst.Name):
            found = self._lookup(expr.value, fn, "clients")
            return found if found is not None else self._self_client(expr.value, fn)
        if (isinstance(expr, cst.Attribute) and isinstance(expr.value, cst.Name)
                and expr.value.value in ("self", "cls") and fn is not None):
                cls = self.facts.enclosing(fn, (cst.ClassDef,))
                env = self.class_env.get(cls) if isinstance(cls, cst.ClassDef) else None
                return env.clients.get(expr.attr.value) if env else None
        return None

    def _fallback(self, first: cst.BaseExpression, second: cst.BaseExpression,
                  fn: Function | None) -> Client | None:
        """`session or requests.Session()`, `s if s is not None else Session()`: the
        value is the given client or one of the same kind built in its place, as when
        the fallback is assigned in an `if`. What the given one set is not known."""
        known = [c for c in (self.client_of(first, fn), self.client_of(second, fn))
                 if c is not None]
        if not known:
            return None
        if len(known) == 1:
            return dataclasses.replace(known[0], seen_built=False)
        return known[0]

    def _self_client(self, name: str, fn: Function | None) -> Client | None:
        """The first parameter of a plain method of a client subclass is the client
        itself: `self.get(...)` in `class API(requests.Session)` sends a request."""
        if fn is None or any(
                (dotted(d.decorator) or "").rsplit(".", 1)[-1] in ("staticmethod", "classmethod")
                for d in fn.decorators):
            return None
        params = (*fn.params.posonly_params, *fn.params.params)
        if not params or params[0].name.value != name:
            return None
        block = self.facts.parents.get(fn)
        cls = self.facts.parents.get(block) if block is not None else None
        if not isinstance(cls, cst.ClassDef) or cls.name.value not in self.client_classes:
            return None
        if name in self.env(fn).assigned:
            return None  # rebound: no longer the instance
        return dataclasses.replace(self.client_classes[cls.name.value], seen_built=False)

    def _lookup(self, name: str, fn: Function | None, table: str):
        scope: Function | None = fn
        while scope is not None:
            env = self.env(scope)
            found = getattr(env, table).get(name)
            if found is not None or name in env.assigned:
                return found
            outer = self.facts.enclosing(scope, (cst.FunctionDef,))
            scope = outer if isinstance(outer, cst.FunctionDef) else None
        return getattr(self.module_env, table).get(name)

    def dict_literal(self, name: str, fn: Function | None) -> cst.Dict | None:
        return self._lookup(name, fn, "dicts")

    def request(self, call: cst.Call, fn: Function | None) -> Request | None:
        """Classify a call that sends a request (or returns a response to release)."""
        func = call.func
        if isinstance(func, cst.Name):
            partial = self._lookup(func.value, fn, "partials")
            if partial is not None:
                inner = cst.Call(func=partial.target, args=())
                base = self._request_target(inner, partial.target, fn)
                if base is not None:
                    return Request(base.library, base.method, base.qname, base.client,
                                   partial.keyword_values, base.user)
        return self._request_target(call, func, fn)

    def _request_target(self, call: cst.Call, func: cst.BaseExpression,
                        fn: Function | None) -> Request | None:
        names = self.facts.names(func)
        for name in names:
            if name in api.MODULE_REQUEST_FUNCTIONS:
                return Request(api.MODULE_REQUEST_FUNCTIONS[name], name.rsplit(".", 1)[1],
                               name, None)
            if name in self.user_responses:
                return Request(api.USER, name.rsplit(".", 1)[1], name, None, user=True)
        if isinstance(func, cst.Attribute):
            client = self.client_of(func.value, fn)
            method = func.attr.value
            if client is not None and method in api.CLIENT_REQUEST_METHODS[client.library]:
                return Request(client.library, method, f"{client.name}.{method}", client)
        return None


# Libraries whose timeout can only be given when the client is built (a Session takes
# it per request; a urllib3 pool takes it on the request too).
_TIMEOUT_AT_CONSTRUCTION = frozenset({api.HTTP_CLIENT})


def _init_sets_timeout(cls: cst.ClassDef) -> bool:
    """The subclass's own `__init__` takes a `timeout` whose default is a bound, so a
    caller that passes none still gets one."""
    init = next((s for s in cls.body.body
                 if isinstance(s, cst.FunctionDef) and s.name.value == "__init__"), None)
    if init is None:
        return False
    params = (*init.params.posonly_params, *init.params.params, *init.params.kwonly_params)
    for param in params:
        if param.name.value == "timeout":
            default = param.default
            return default is not None and not (
                isinstance(default, cst.Name) and default.value == "None")
    return False


def _makes_own_socket(cls: cst.ClassDef) -> bool:
    """A connection class whose `__init__` installs its own socket or socket factory
    (`self.sock = ...`, `self._create_connection = ...`): what the caller passes as
    timeout does not decide how that socket behaves."""
    from leaklint.python.owner import INJECTED

    init = next((s for s in cls.body.body
                 if isinstance(s, cst.FunctionDef) and s.name.value == "__init__"), None)
    if init is None:
        return False
    return any(isinstance(node, cst.AssignTarget) and isinstance(node.target, cst.Attribute)
               and node.target.attr.value in INJECTED
               and isinstance(node.target.value, cst.Name) and node.target.value.value == "self"
               for node in walk(init.body))


def unwrap(expr: cst.BaseExpression) -> cst.BaseExpression:
    """`await x` and `(x)` denote x for ownership purposes."""
    while isinstance(expr, cst.Await):
        expr = expr.expression
    return expr


def walk(node: cst.CSTNode):
    """Every descendant of node (pre-order), node included."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(reversed(current.children))

