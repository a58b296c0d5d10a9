"""Go's terminating statements (the language specification's list): a statement after
which control never reaches the next one, because every path through it leaves the
function. An infinite `for` nothing breaks out of is one; so is an if/else or a switch
with a default whose every branch ends in one."""

from __future__ import annotations

from tree_sitter import Node

from leaklint.golang.parse import field, named_children, statements, text, unparen

_SWITCHES = ("expression_switch_statement", "type_switch_statement", "select_statement")
_CASES = ("expression_case", "default_case", "type_case", "communication_case")
_BREAK_SCOPES = ("for_statement", *_SWITCHES)
_EXITS = frozenset({"Exit"})  # os.Exit, syscall.Exit
_FATAL = frozenset({"Fatal", "Fatalf", "Fatalln", "Panic", "Panicf", "Panicln"})


def terminating(stmt: Node | None) -> bool:
    """stmt is a terminating statement."""
    if stmt is None:
        return False
    kind = stmt.type
    if kind in ("return_statement", "goto_statement"):
        return True
    if kind == "labeled_statement":
        inner = [c for c in stmt.named_children if c.type != "label_name"]
        return bool(inner) and _labelled_terminating(inner[-1], text(field(stmt, "label")))
    if kind == "block":
        return _list_terminates(statements(stmt))
    if kind == "expression_statement":
        return _ends_program(stmt.named_children[0] if stmt.named_children else None)
    if kind == "if_statement":
        alternative = field(stmt, "alternative")
        return alternative is not None and terminating(field(stmt, "consequence")) and (
            terminating(alternative))
    return _labelled_terminating(stmt, None)


def _labelled_terminating(stmt: Node, label: str | None) -> bool:
    kind = stmt.type
    if kind == "for_statement":
        # No condition (no clause, or a clause without one; never a range) and no
        # break leaving it.
        clause = next((c for c in stmt.named_children if c.type in (
            "for_clause", "range_clause")), None)
        condition = next((c for c in stmt.named_children if c.type not in (
            "for_clause", "range_clause", "block", "comment")), None)
        if condition is not None or (clause is not None and (
                clause.type == "range_clause" or field(clause, "condition") is not None)):
            return False
        return not _broken(field(stmt, "body"), label)
    if kind in _SWITCHES:
        cases = [c for c in stmt.named_children if c.type in _CASES]
        if kind != "select_statement" and not any(c.type == "default_case" for c in cases):
            return False
        return all(_case_terminates(c) for c in cases) and not any(
            _broken(c, label) for c in cases)
    return terminating(stmt) if kind in ("block", "if_statement") else False


def _case_terminates(case: Node) -> bool:
    inside = statements(case)
    return bool(inside) and (inside[-1].type == "fallthrough_statement" or terminating(
        inside[-1]))


def _list_terminates(inside: list[Node]) -> bool:
    inside = [s for s in inside if s.type not in ("comment", "empty_statement")]
    return bool(inside) and terminating(inside[-1])


def _ends_program(expr: Node | None) -> bool:
    """panic(...), os.Exit(n), log.Fatal(...) (the standard logger's; a test's t.Fatal
    ends the test's goroutine and is left to the callers that know of tests)."""
    expr = unparen(expr)
    if expr is None or expr.type != "call_expression":
        return False
    function = unparen(field(expr, "function"))
    if function is None:
        return False
    if function.type == "identifier":
        return text(function) == "panic"
    if function.type != "selector_expression":
        return False
    operand, name = text(field(function, "operand")), text(field(function, "field"))
    return (operand in ("os", "syscall") and name in _EXITS) or (
        operand == "log" and name in _FATAL)


def _broken(node: Node | None, label: str | None) -> bool:
    """node (the body of a loop, a case of a switch) holds a break of that statement: a
    plain break outside any loop, switch or select nested in it, or one naming label.
    A goto may leave it too."""
    stack = [(c, False) for c in named_children(node)]
    while stack:
        current, nested = stack.pop()
        if current.type == "goto_statement":
            return True
        if current.type == "break_statement":
            target = next((c for c in current.named_children if c.type == "label_name"),
                          None)
            if (target is None and not nested) or (
                    target is not None and label is not None and text(target) == label):
                return True
            continue
        if current.type == "func_literal":
            continue
        inner = nested or current.type in _BREAK_SCOPES
        stack.extend((child, inner) for child in current.named_children)
    return False
