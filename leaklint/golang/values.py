"""Facts about one value built in a function: where it lands and whether it is ever
used as built."""

from __future__ import annotations

import re

from tree_sitter import Node

from leaklint.golang.context import enclosing_function
from leaklint.golang.parse import (
    assigned_target,
    field,
    identifiers,
    named_children,
    statements,
    text,
    unparen,
)


def replaced_before_use(value: Node) -> bool:
    """`tr := &http.Transport{}` followed, before any other mention of tr, by a plain
    `tr = ...` that does not read tr: the first value is a placeholder nobody uses
    (the replacement is what counts)."""
    child, parent = value, value.parent
    while parent is not None and parent.type in ("unary_expression",
                                                  "parenthesized_expression"):
        child, parent = parent, parent.parent
    target = assigned_target(child) if parent is not None else None
    if target is None or target.type != "identifier":
        return False
    name = text(target)
    statement = target.parent
    while statement is not None and statement.type not in (
            "short_var_declaration", "assignment_statement", "var_declaration"):
        statement = statement.parent
    if statement is None or name == "_":
        return False
    following = statement.next_named_sibling
    while following is not None:
        if following.type != "comment" and identifiers(following, name):
            return _overwrites(following, name)
        following = following.next_named_sibling
    return False


def transport_replaced_later(value: Node) -> bool:
    """`s.client = &http.Client{Transport: &http.Transport{}}` (often under
    `if s.client == nil`), followed, before any other mention of s.client, by
    `s.client.Transport = &http.Transport{...}` that does not read s.client: the first
    Transport is a placeholder the later one replaces before anything sends."""
    element = value
    if element.parent is not None and element.parent.type == "unary_expression":
        element = element.parent
    keyed = element.parent
    if keyed is not None and keyed.type == "literal_element":
        keyed = keyed.parent
    if keyed is None or keyed.type != "keyed_element" or not keyed.named_children or (
            text(keyed.named_children[0]).strip() != "Transport"):
        return False
    client = keyed.parent.parent if keyed.parent is not None else None
    if client is None or client.type != "composite_literal":
        return False
    if client.parent is not None and client.parent.type == "unary_expression":
        client = client.parent
    target = assigned_target(client)
    if target is None or target.type not in ("identifier", "selector_expression"):
        return False
    spelled = text(target)
    statement = target.parent
    while statement is not None and statement.type not in (
            "short_var_declaration", "assignment_statement"):
        statement = statement.parent
    while statement is not None:
        following = statement.next_named_sibling
        while following is not None:
            if following.type != "comment" and _mentions(following, spelled):
                return _sets_transport(following, spelled)
            following = following.next_named_sibling
        # Out of an `if s.client == nil { ... }` block to what follows the if.
        block = statement.parent
        if block is not None and block.type == "statement_list":
            block = block.parent
        outer = block.parent if block is not None and block.type == "block" else None
        if outer is None or outer.type != "if_statement":
            return False
        statement = outer
    return False


def _mentions(node: Node, spelled: str) -> bool:
    return re.search(rb"(?<![\w.])" + re.escape(spelled.encode()) + rb"(?!\w)",
                     node.text or b"") is not None


def _sets_transport(statement: Node, spelled: str) -> bool:
    if statement.type != "assignment_statement" or text(field(statement, "operator")) != "=":
        return False
    targets = named_children(field(statement, "left"))
    right = field(statement, "right")
    return len(targets) == 1 and text(targets[0]).replace(" ", "") == (
        spelled + ".Transport") and right is not None and not _mentions(right, spelled)


def returned_beside_error(value: Node) -> bool:
    """`if err != nil { return http.Client{}, err }`: a value handed back only together
    with an error the function has just seen set is a placeholder; by Go's convention
    the caller checks the error and drops it."""
    child, parent = value, value.parent
    while parent is not None and parent.type in ("unary_expression",
                                                  "parenthesized_expression"):
        child, parent = parent, parent.parent
    if parent is None or parent.type != "expression_list" or parent.parent is None or (
            parent.parent.type != "return_statement"):
        return False
    values = named_children(parent)
    last = values[-1] if len(values) >= 2 else None
    if last is None or last.type != "identifier" or child == last:
        return False
    node = parent.parent
    while node is not None and node.type not in ("if_statement", "function_declaration",
                                                 "method_declaration", "func_literal"):
        node = node.parent
    if node is None or node.type != "if_statement":
        return False
    consequence = field(node, "consequence")
    cond = unparen(field(node, "condition"))
    if consequence is None or not (consequence.start_byte <= parent.start_byte
                                   < consequence.end_byte):
        return False
    return cond is not None and cond.type == "binary_expression" and text(
        field(cond, "operator")) == "!=" and {text(field(cond, "left")), text(
            field(cond, "right"))} == {text(last), "nil"}


def zero_value_replaced(spec: Node) -> bool:
    """`var nc http.Client` whose first mention after it is a plain `nc = ...`, or an
    if/else (whose condition does not read nc) each branch of which overwrites nc before
    any read: the zero value is a placeholder nobody uses."""
    names = spec.children_by_field_name("name")
    if len(names) != 1:
        return False
    name = text(names[0])
    statement = spec.parent
    while statement is not None and statement.type != "var_declaration":
        statement = statement.parent
    following = statement.next_named_sibling if statement is not None else None
    while following is not None:
        if following.type != "comment" and identifiers(following, name):
            return _assigns_first(following, name)
        following = following.next_named_sibling
    return False


def _assigns_first(statement: Node, name: str, depth: int = 0) -> bool:
    """The statement overwrites name before reading it, on every path through it."""
    if _overwrites(statement, name):
        return True
    if statement.type != "if_statement" or depth > 3 or identifiers(
            field(statement, "condition"), name) or field(statement, "initializer") is not None:
        return False
    branches = [field(statement, "consequence"), field(statement, "alternative")]
    if branches[1] is None:
        return False
    for branch in branches:
        if branch.type == "if_statement":
            if not _assigns_first(branch, name, depth + 1):
                return False
            continue
        first = next((s for s in statements(branch) if identifiers(s, name)), None)
        if first is None or not _assigns_first(first, name, depth + 1):
            return False
    return True


def _overwrites(statement: Node, name: str) -> bool:
    if statement.type != "assignment_statement" or text(field(statement, "operator")) != "=":
        return False
    targets = named_children(field(statement, "left"))
    if not any(t.type == "identifier" and text(t) == name for t in targets):
        return False
    right = field(statement, "right")
    return right is not None and not identifiers(right, name)


def pool_replaced(value: Node, fields: tuple[str, ...]) -> bool:
    """`cl := retryablehttp.NewClient()` followed, before any other use of cl, by
    `cl.HTTPClient = x` (one of fields) that does not read cl: the pool the constructor
    built is dropped unused, only the replacement sends. Setting other fields of cl on
    the way (`cl.RetryMax = 3`) is not a use."""
    target = assigned_target(value)
    if target is None or target.type != "identifier" or text(target) == "_":
        return False
    name = text(target)
    statement = target.parent
    while statement is not None and statement.type not in (
            "short_var_declaration", "assignment_statement", "var_declaration"):
        statement = statement.parent
    following = statement.next_named_sibling if statement is not None else None
    while following is not None:
        if following.type != "comment" and identifiers(following, name):
            member = _field_set(following, name)
            if member is None:
                return False
            if member in fields:
                return True
        following = following.next_named_sibling
    return False


def _field_set(statement: Node, name: str) -> str | None:
    """The field of name that `name.F = value` sets, when that is all the statement does
    with name."""
    if statement.type != "assignment_statement" or text(field(statement, "operator")) != "=":
        return None
    targets = named_children(field(statement, "left"))
    right = field(statement, "right")
    if len(targets) != 1 or targets[0].type != "selector_expression" or right is None:
        return None
    operand = field(targets[0], "operand")
    if operand is None or operand.type != "identifier" or text(operand) != name or (
            identifiers(right, name)):
        return None
    return text(field(targets[0], "field"))


# Methods that put a value into a container (sync.Map, atomic values, caches, lists).
_STORES = frozenset({"Store", "LoadOrStore", "Swap", "CompareAndSwap", "Set", "SetDefault",
                     "Add", "Put", "Push", "PushBack", "PushFront", "Insert"})


def stored_in_field_container(call: Node, arg: Node) -> bool:
    """`p.pool.Store(key, item)`, `c.cache.Add(key, client)`: the value (not the key, the
    last argument) goes into a container held in a field, which keeps it."""
    function = unparen(field(call, "function"))
    args = named_children(field(call, "arguments"))
    if function is None or function.type != "selector_expression" or not args or (
            args[-1] != arg) or text(field(function, "field")) not in _STORES:
        return False
    holder = unparen(field(function, "operand"))
    if holder is not None and holder.type == "identifier":
        # `clientConns.LoadOrStore(url, cc)` with `clientConns *sync.Map` a parameter:
        # the caller's container (a field it hands over) keeps the value.
        return _pointer_parameter(call, text(holder))
    return holder is not None and holder.type == "selector_expression"


def _pointer_parameter(node: Node, name: str) -> bool:
    """name is a parameter of the function enclosing node, of a pointer or map type."""
    func = enclosing_function(node)
    if func is None:
        return False
    for decl in named_children(field(func, "parameters")):
        if any(text(n) == name for n in decl.children_by_field_name("name")):
            spelled = field(decl, "type")
            return spelled is not None and spelled.type in ("pointer_type", "map_type")
    return False
