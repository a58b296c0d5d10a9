"""Fixes for Python findings, computed from the parsed module and the file's text.

- LL402: `timeout=<default-timeout>` appended to the arguments of a call that passes
  none (not one that passes `timeout=None`: that was written on purpose).
- LL101/LL102: `x = acquire(...)` followed by the statements that use x becomes
  `with acquire(...) as x:` around them (`async with` for aiohttp and
  httpx.AsyncClient), where that cannot change what the code means: x is bound once,
  by that plain assignment, used only by statements that follow it in the same block,
  never returned, yielded, aliased or captured by a nested function or lambda.

A fix is a list of text edits (leaklint.model.Edit); anything unusual (parentheses
around the call, a semicolon, a string spanning the wrapped lines' starts that
tokenize cannot read) leaves the finding without one.
"""

from __future__ import annotations

import functools
import io
import re
import tokenize

import libcst as cst

from leaklint.model import Edit, Fix
from leaklint.python import api

# Where a `with` closes the object: library -> how (None: not a context manager).
_RESPONSE_WITH = {api.REQUESTS: "with", api.URLLIB: "with", api.HTTP_CLIENT: "with",
                  api.URLLIB3: "with", api.AIOHTTP: "async with"}
_CLIENT_WITH = {api.REQUESTS: "with", api.URLLIB3: "with", api.HTTPX: "with",
                api.AIOHTTP: "async with"}
_ASYNC_CLIENTS = frozenset({"httpx.AsyncClient"})


def timeout_number(seconds: float) -> str:
    return str(int(seconds)) if float(seconds).is_integer() else repr(float(seconds))


# ---- LL402 ---------------------------------------------------------------------------

def add_timeout(analysis, call: cst.Call, seconds: float) -> Fix | None:
    """`, timeout=N` after the last argument of a call that has some."""
    if not call.args or call.lpar:
        return None
    last = call.args[-1]
    value = last.value
    if getattr(value, "lpar", None) or isinstance(value, cst.GeneratorExp):
        return None  # the end of a parenthesised argument is not ours to guess
    position = analysis.facts.positions.get(value)
    if position is None:
        return None
    end = position.end
    lines = analysis.file.lines
    number = timeout_number(seconds)
    row = lines.line_text(end.line)
    rest = row[end.column:]
    arg_at = analysis.facts.positions.get(last)
    start = arg_at.start if arg_at is not None else position.start
    first = lines.line_text(start.line)
    if isinstance(last.comma, cst.Comma) and rest.strip() == "," and \
            not first[:start.column].strip():
        # One argument per line, with a trailing comma: one line more, the same way.
        column = end.column + rest.index(",") + 1
        indent = first[:start.column]
        at = lines.span_from_chars(end.line, column, end.line, column)
        newline = "\r\n" if analysis.file.source.count(b"\r\n") else "\n"
        return Fix(f"pass timeout={number}", (Edit(at, f"{newline}{indent}timeout={number},"),))
    at = lines.span_from_chars(end.line, end.column, end.line, end.column)
    return Fix(f"pass timeout={number}", (Edit(at, f", timeout={number}"),))


# ---- LL101 / LL102 -------------------------------------------------------------------

def wrap_in_with(analysis, site, statement: cst.CSTNode, var: str, kind: str) -> Fix | None:
    """kind: "response" (LL101) or "client" (LL102)."""
    how = _how(analysis, site, kind)
    fn = site.fn
    if how is None or fn is None or not isinstance(statement, cst.Assign):
        return None
    if how == "async with" and fn.asynchronous is None:
        return None
    value = statement.value
    awaited = isinstance(value, cst.Await)
    if awaited != (how == "async with" and kind == "response"):
        return None  # aiohttp's `await session.get()` becomes `async with session.get()`
    call = value.expression if isinstance(value, cst.Await) else value
    if call is not site.call or call.lpar or (awaited and value.lpar):
        return None
    if len(statement.targets) != 1 or not isinstance(statement.targets[0].target, cst.Name):
        return None
    line = analysis.parent(statement)
    if not isinstance(line, cst.SimpleStatementLine) or len(line.body) != 1 or not isinstance(
            statement.semicolon, cst.MaybeSentinel):
        return None
    block = analysis.parent(line)
    if not isinstance(block, cst.IndentedBlock):
        return None
    body = list(block.body)
    index = next((i for i, s in enumerate(body) if s is line), None)
    if index is None:
        return None
    last = _last_user(analysis, fn, var, statement.targets[0].target, body, index)
    if last is None:
        return None
    # Rows and columns from the call's own position and the text, not libcst's position
    # pass (a code generation of the whole file): the statement is `var = call(...)` alone
    # on its line, so the target starts the call's first row and the statement ends
    # with the call.
    call_at = analysis.facts.positions.get(call)
    if call_at is None:
        return None
    lines = analysis.file.lines
    row = lines.line_text(call_at.start.line)
    head = row[:call_at.start.column]
    target_column = len(head) - len(head.lstrip())
    if not re.fullmatch(rf"\s*{re.escape(var)}\s*=\s*(?:await\s+)?", head):
        return None
    last_row = call_at.end.line + sum(_rows_of(analysis, s) for s in body[index + 1:last + 1])
    unit = analysis.facts.module.default_indent
    edits = [
        Edit(lines.span_from_chars(call_at.start.line, target_column,
                                   call_at.start.line, call_at.start.column), f"{how} "),
        Edit(lines.span_from_chars(call_at.end.line, call_at.end.column,
                                   call_at.end.line, call_at.end.column), f" as {var}:"),
    ]
    frozen = _rows_inside_strings(analysis.file.text)
    if frozen is None:
        return None
    for row in range(call_at.end.line + 1, last_row + 1):
        if row in frozen or not lines.line_text(row).strip():
            continue
        edits.append(Edit(lines.span_from_chars(row, 0, row, 0), unit))
    return Fix(f"use {var} in `{how}`, which closes it", tuple(edits))


def _rows_of(analysis, statement: cst.CSTNode) -> int:
    """Rows a statement of a block spans, its leading comments and blank lines included
    (libcst's code of one statement: the newlines it holds)."""
    return analysis.facts.module.code_for_node(statement).count("\n")


def _how(analysis, site, kind: str) -> str | None:
    if kind == "response":
        request = site.request
        return None if request is None or request.user else _RESPONSE_WITH.get(request.library)
    if site.client is None:
        return None
    # Only the libraries' own constructors: a wrapper or subclass may build anything.
    names = analysis.facts.names(site.call.func) & api.CLIENT_CONSTRUCTORS.keys()
    if len(names) != 1:
        return None
    name = next(iter(names))
    if name in _ASYNC_CLIENTS:
        return "async with"
    return _CLIENT_WITH.get(api.CLIENT_CONSTRUCTORS[name])


_STORES = (cst.AssignTarget, cst.AugAssign, cst.AnnAssign, cst.For, cst.AsName, cst.Del,
           cst.NamedExpr, cst.CompFor, cst.NameItem)
_HANDING = (cst.Return, cst.Yield, cst.Element, cst.DictElement, cst.StarredElement,
            cst.Assign, cst.AnnAssign, cst.Lambda, cst.FunctionDef, cst.ClassDef)


def _last_user(analysis, fn, var: str, target: cst.Name, body: list, index: int) -> int | None:
    """Index in body of the last statement that uses var, when every use is in the
    statements after `index` and none hands it over or rebinds it; else None."""
    facts = analysis.facts
    for (owner, name), nodes in facts.name_nodes.items():
        if name == var and owner is not fn and owner is not None and nodes and \
                facts.inside(owner, fn):
            return None  # a nested function or lambda sees it: it may outlive the with
    later = {id(s): i for i, s in enumerate(body) if i > index}
    last = None
    for name in facts.uses(fn, var):
        if name is target:
            continue
        parent = analysis.parent(name)
        if isinstance(parent, cst.Attribute) and parent.attr is name:
            continue  # another object's member
        if isinstance(parent, cst.Arg) and parent.keyword is name:
            continue
        if isinstance(parent, _STORES) or _hands_over(analysis, name):
            return None
        top = name
        while top is not None and id(top) not in later:
            if top is body[index] or isinstance(top, (cst.Lambda, cst.FunctionDef,
                                                      cst.ClassDef)):
                return None  # a lambda may run after a `with` would have closed it
            top = analysis.parent(top)
        if top is None:
            return None  # outside the block, or before the assignment
        last = max(last if last is not None else -1, later[id(top)])
    return last


def _hands_over(analysis, name: cst.Name) -> bool:
    """The value itself (not a member or a call result) is returned, yielded, put in
    a container or bound to another name."""
    child, parent = name, analysis.parent(name)
    while isinstance(parent, (cst.Await, cst.Tuple, cst.List, cst.Set, cst.Element,
                              cst.StarredElement)):
        child, parent = parent, analysis.parent(parent)
    if isinstance(parent, (cst.Lambda, cst.Return, cst.Yield, cst.DictElement)):
        return True
    if isinstance(parent, (cst.Assign, cst.AnnAssign, cst.AugAssign)):
        return getattr(parent, "value", None) is child
    return isinstance(child, (cst.Element, cst.Tuple, cst.List, cst.Set))


@functools.lru_cache(maxsize=4)  # every fix in a file asks about the same text
def _rows_inside_strings(text: str) -> frozenset[int] | None:
    """1-based rows that begin inside a string literal (indenting them changes it)."""
    rows: set[int] = set()
    starts: list[int] = []
    fstring_start = getattr(tokenize, "FSTRING_START", None)
    fstring_end = getattr(tokenize, "FSTRING_END", None)
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            if token.type == tokenize.STRING:
                rows.update(range(token.start[0] + 1, token.end[0] + 1))
            elif token.type == fstring_start:
                starts.append(token.start[0])
            elif token.type == fstring_end and starts:
                rows.update(range(starts.pop() + 1, token.end[0] + 1))
    except (tokenize.TokenError, SyntaxError, IndentationError):
        return None
    return frozenset(rows)
