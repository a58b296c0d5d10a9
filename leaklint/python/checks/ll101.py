"""LL101 unclosed-response-body (Python).

Responses that hold a pooled connection until released: requests with stream=True,
urlopen (and an OpenerDirector's open), HTTPConnection.getresponse, httpx
send(stream=True), aiohttp responses outside `async with`, urllib3 with
preload_content=False, user response functions.
"""

from __future__ import annotations

import libcst as cst

from leaklint.python import api
from leaklint.python.args import is_false, is_true, keyword, offline_url
from leaklint.python.fixes import wrap_in_with
from leaklint.python.names import Request, code
from leaklint.python.openers import opens_network
from leaklint.python.owner import fate, injects_socket, leaks, related, where
from leaklint.python.values import bindings

RULES = ("LL101",)


def holds_connection(analysis, site) -> bool:
    request: Request | None = site.request
    if request is None:
        return False
    if request.user:
        return True  # a response function: configured, or a wrapper of this module
    call, extra = site.call, request.keywords
    library, method = request.library, request.method
    if library == api.REQUESTS:
        return method in api.REQUEST_METHODS | {"send"} and is_true(
            keyword(call, "stream", extra))
    if library == api.USER:
        return request.user  # a user response function, not a method of a user client
    if library == api.URLLIB:
        return (method == "urlopen" or (method == "open" and opens_network(analysis, site))) \
            and not offline_url(call, bindings(analysis, site.fn))
    if library == api.HTTP_CLIENT:
        return method == "getresponse" and not _connection_closed(analysis, site)
    if library == api.HTTPX:
        return method == "send" and is_true(keyword(call, "stream", extra))
    if library == api.AIOHTTP:
        return method in api.REQUEST_METHODS | {"ws_connect"}
    if library == api.URLLIB3:
        return method in ("request", "urlopen") and is_false(
            keyword(call, "preload_content", extra))
    return False


def _connection_closed(analysis, site) -> bool:
    """Closing an http.client connection closes its current response too."""
    receiver = site.call.func.value if isinstance(site.call.func, cst.Attribute) else None
    if site.fn is None or not isinstance(receiver, cst.Name):
        return False
    if injects_socket(analysis, site.fn, receiver.value):
        return True  # the caller owns the socket the response reads from
    for name in analysis.facts.uses(site.fn, receiver.value):
        parent = analysis.parent(name)
        if isinstance(parent, cst.Attribute) and parent.value is name \
                and parent.attr.value == "close":
            return True
        if isinstance(parent, cst.WithItem) and parent.item is name:
            return True
    return False


def _expected_to_raise(analysis, call: cst.Call) -> bool:
    """A bare call inside `with self.assertRaises(...)` / `pytest.raises(...)` is there
    to raise: it returns no response."""
    statement = analysis.facts.enclosing(call, (cst.SimpleStatementLine,))
    block = analysis.parent(statement) if statement is not None else None
    holder = analysis.parent(block) if block is not None else None
    if isinstance(holder, cst.With):
        return any("raises" in code(item.item).lower() for item in holder.items)
    return False


def check(analysis) -> None:
    for site in analysis.sites:
        if not holds_connection(analysis, site):
            continue
        readers = api.RESPONSE_READERS[site.request.library]
        result = fate(analysis, site.call, site.fn, api.RESPONSE_CLOSERS, readers)
        if result.kind == "discarded" and not _expected_to_raise(analysis, site.call):
            analysis.report.report("LL101", analysis.span(site.call),
                                   scope=analysis.scope(site.fn),
                                   callee=code(site.call.func), where="")
        elif result.kind == "local":
            flow = leaks(analysis, site.fn, result, api.RESPONSE_CLOSERS, readers)
            if flow is not None:
                analysis.report.report(
                    "LL101", analysis.span(site.call), scope=analysis.scope(site.fn),
                    related=related(analysis, site.fn, flow),
                    callee=code(site.call.func), where=where(analysis, flow),
                    fix=wrap_in_with(analysis, site, result.statement, result.var,
                                     "response"),
                )
