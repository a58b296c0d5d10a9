"""Files built only for WebAssembly hosts (js/wasm, wasip1): their net/http has no sockets.

Under GOOS=js the Transport sends through the browser's Fetch API, and a listener of
js or wasip1 lives on the runtime's fake in-process network, so no idle connection or
stalled peer holds a socket: LL401 and LL402 say nothing there. A file is such when
its name ends in a GOOS/GOARCH suffix of those hosts (`_js.go`, `_wasm.go`,
`_wasip1.go`, maybe before `_test`) or its `//go:build` line requires one of their tags
in every case (`wasm`, `js && wasm`, `(js || wasip1) && !tinygo`).
"""

from __future__ import annotations

import re

_WASM_TAGS = frozenset({"js", "wasm", "wasip1"})
_SUFFIX = re.compile(r"_(js|wasip1|wasm)(_wasm)?(_test)?\.go$")
_BUILD_LINE = re.compile(rb"^//go:build\s+(.+)$", re.MULTILINE)


def wasm_only(name: str, data: bytes) -> bool:
    """The file builds only for js/wasm or wasip1 (by its name or its build line)."""
    if _SUFFIX.search(name):
        return True
    header = data.split(b"\npackage ", 1)[0]
    match = _BUILD_LINE.search(header)
    return match is not None and _requires_wasm(match.group(1).decode("utf-8", "replace"))


def _requires_wasm(expr: str) -> bool:
    """Every way to satisfy the constraint sets a wasm host's tag: each `||` alternative
    does, or some `&&` term does (`&&` binds tighter, as in Go); a negation or anything
    unread makes the answer no."""
    alternatives = _top_level(expr, "||")
    if len(alternatives) > 1:
        return all(_requires_wasm(a) for a in alternatives)
    terms = _top_level(expr, "&&")
    if len(terms) > 1:
        return any(_requires_wasm(t) for t in terms)
    term = expr.strip()
    if term.startswith("(") and term.endswith(")") and _balanced(term[1:-1]):
        return _requires_wasm(term[1:-1])
    return term in _WASM_TAGS


def _top_level(expr: str, operator: str) -> list[str]:
    """expr split at operator outside parentheses."""
    parts, depth, start, i = [], 0, 0, 0
    while i < len(expr):
        ch = expr[i]
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif depth == 0 and expr.startswith(operator, i):
            parts.append(expr[start:i])
            start = i + len(operator)
            i = start
            continue
        i += 1
    parts.append(expr[start:])
    return parts


def _balanced(expr: str) -> bool:
    depth = 0
    for ch in expr:
        depth += ch == "("
        depth -= ch == ")"
        if depth < 0:
            return False
    return depth == 0
