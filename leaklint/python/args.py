"""Reading call arguments without evaluating anything."""

from __future__ import annotations

from collections.abc import Callable

import libcst as cst

MISSING = object()


def keyword(call: cst.Call, name: str, extra=()) -> cst.BaseExpression | object:
    """The expression passed as `name=`, from the call or a functools.partial."""
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == name:
            return arg.value
        if arg.star == "**" and isinstance(arg.value, cst.Dict):
            for element in arg.value.elements:
                if isinstance(element, cst.DictElement) and _key(element.key) == name:
                    return element.value
    for key, value in extra:
        if key == name:
            return value
    return MISSING


def positional(call: cst.Call, index: int) -> cst.BaseExpression | object:
    plain = [a for a in call.args if a.keyword is None and not a.star]
    if any(a.star == "*" for a in call.args) and len(plain) <= index:
        return None  # `*args` may carry it: unknown
    return plain[index].value if index < len(plain) else MISSING


def star_kwargs(call: cst.Call) -> list[cst.BaseExpression]:
    return [a.value for a in call.args if a.star == "**"]


def _key(node: cst.BaseExpression) -> str | None:
    if isinstance(node, cst.SimpleString):
        return node.evaluated_value if isinstance(node.evaluated_value, str) else None
    return None


def dict_has(literal: cst.Dict, name: str) -> bool:
    """Does a dict literal set key `name` (or unpack something that might)?"""
    for element in literal.elements:
        if isinstance(element, cst.StarredDictElement):
            return True
        if _key(element.key) == name:
            return True
    return False


def offline_url(call: cst.Call,
                bindings: Callable[[cst.BaseExpression], list | None] | None = None) -> bool:
    """urlopen("data:...") or urlopen("file:..."): a URL that opens no socket. Its text
    may start a format (`"file://%s" % path`, f"file://{path}", `"file:" + path`), or
    be a name whose every binding (`bindings` finds them, None when unsure) is one."""
    first = call.args[0].value if call.args and call.args[0].keyword is None else None
    if first is None:
        return False
    if literal_prefix(first) is not None:
        return _offline_text(literal_prefix(first))
    values = bindings(first) if bindings is not None else None
    return bool(values) and all(_offline_text(literal_prefix(v)) for v in values)


def _offline_text(text: str | None) -> bool:
    return text is not None and text.lower().startswith(("data:", "file:"))


def literal_prefix(expr: cst.BaseExpression) -> str | None:
    """The literal text a string expression starts with, if it starts with one."""
    if isinstance(expr, cst.SimpleString):
        value = expr.evaluated_value
        return value if isinstance(value, str) else None
    if isinstance(expr, cst.FormattedString):
        head = expr.parts[0] if expr.parts else None
        return head.value if isinstance(head, cst.FormattedStringText) else None
    if isinstance(expr, cst.ConcatenatedString):
        return literal_prefix(expr.left)
    if isinstance(expr, cst.BinaryOperation) and isinstance(
            expr.operator, (cst.Add, cst.Modulo)):
        return literal_prefix(expr.left)
    return None


def is_none(node: object) -> bool:
    return isinstance(node, cst.Name) and node.value == "None"


def is_true(node: object) -> bool:
    return isinstance(node, cst.Name) and node.value == "True"


def is_false(node: object) -> bool:
    return isinstance(node, cst.Name) and node.value == "False"
