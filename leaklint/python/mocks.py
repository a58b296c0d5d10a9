"""Code that runs under an HTTP mock: requests there never reach a socket.

A request made inside `with requests_mock.Mocker():`, `with responses.RequestsMock():`,
`with respx.mock:`, `with aioresponses():` or `with httpretty.enabled():`, in a function
or class decorated with `@responses.activate`, `@requests_mock.Mocker()`, `@respx.mock`,
`@httpretty.activate`, or in a test function that takes the pytest fixture of such a
library (`requests_mock`, `httpx_mock`, `respx_mock`) opens no connection: there is no
socket to leak and no peer to stall. Matched by the mock library's module name, which
these libraries are always used through.
"""

from __future__ import annotations

import libcst as cst

from leaklint.python.facts import dotted

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


def _is_mock(expr: cst.BaseExpression) -> bool:
    if isinstance(expr, cst.Call):
        expr = expr.func
    name = dotted(expr)
    return name is not None and name in _MOCKS and name != "responses"


def _is_mock_context(expr: cst.BaseExpression) -> bool:
    """`aioresponses()` is used called; a bare `responses` module is not a mock."""
    if isinstance(expr, cst.Call) and dotted(expr.func) == "aioresponses":
        return True
    return _is_mock(expr)


def _decorated(node: cst.FunctionDef | cst.ClassDef) -> bool:
    return any(_is_mock(d.decorator) for d in node.decorators)


def _takes_fixture(node: cst.FunctionDef) -> bool:
    params = [*node.params.params, *node.params.kwonly_params, *node.params.posonly_params]
    return any(p.name.value in _FIXTURES for p in params)


def under_mock(node: cst.CSTNode, parents: dict[cst.CSTNode, cst.CSTNode]) -> bool:
    """Whether `node` runs inside an active HTTP mock (see the module docstring)."""
    current = parents.get(node)
    while current is not None:
        if isinstance(current, cst.With) and any(
                _is_mock_context(item.item) for item in current.items):
            return True
        if isinstance(current, cst.FunctionDef) and (
                _decorated(current) or _takes_fixture(current)):
            return True
        if isinstance(current, cst.ClassDef) and _decorated(current):
            return True
        current = parents.get(current)
    return False
