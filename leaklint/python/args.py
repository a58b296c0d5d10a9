"""Reading call arguments without evaluating anything."""

from __future__ import annotations

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


def offline_url(call: cst.Call) -> bool:
    """urlopen("data:...") or urlopen("file:..."): a literal URL that opens no socket."""
    first = call.args[0].value if call.args and call.args[0].keyword is None else None
    if isinstance(first, cst.SimpleString) and isinstance(first.evaluated_value, str):
        return first.evaluated_value.lower().startswith(("data:", "file:"))
    return False


def is_none(node: object) -> bool:
    return isinstance(node, cst.Name) and node.value == "None"


def is_true(node: object) -> bool:
    return isinstance(node, cst.Name) and node.value == "True"


def is_false(node: object) -> bool:
    return isinstance(node, cst.Name) and node.value == "False"
