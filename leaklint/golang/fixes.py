"""Safe fixes for Go findings.

LL201's commonest shape has one mechanical repair:

    resp, err := http.Get(url)
    defer resp.Body.Close()      // runs on a nil resp when Get failed
    if err != nil {
        return err
    }

becomes the same code with the defer moved below the error check. The fix is offered
only for exactly that shape: the premature use is a `defer` statement alone on its
lines, and the statement right after it is `if <err> != nil { ... }` with no else and
no init statement; anything else (a use inside an expression, a check further down, a
check combined with other conditions) is left to a person.
"""

from __future__ import annotations

from tree_sitter import Node

from leaklint.model import Edit, Fix
from leaklint.sources import SourceFile


def defer_after_check(source: SourceFile, premature: Node, err: str | None) -> Fix | None:
    if err is None:
        return None
    defer = premature
    while defer is not None and defer.type != "defer_statement":
        if defer.type in ("function_declaration", "method_declaration", "func_literal"):
            return None
        defer = defer.parent
    if defer is None:
        return None
    check = defer.next_named_sibling
    while check is not None and check.type == "comment" and \
            check.start_point[0] == defer.end_point[0]:
        check = check.next_named_sibling  # a trailing comment moves with the defer
    if check is None or check.type != "if_statement" or not _is_err_check(check, err):
        return None
    data = source.source
    line_start = data.rfind(b"\n", 0, defer.start_byte) + 1
    line_end = data.find(b"\n", defer.end_byte)
    line_end = len(data) if line_end < 0 else line_end + 1
    indent = data[line_start:defer.start_byte]
    trailing = data[defer.end_byte:line_end].strip()
    if indent.strip() or (trailing and not trailing.startswith(b"//")):
        return None  # shares its line with other code
    if data.rfind(b"\n", 0, check.start_byte) + 1 != line_end:
        return None  # blank lines or comments between them: leave the layout alone
    statement = data[line_start:line_end].rstrip(b"\r\n")
    newline = b"\r\n" if data[line_start:line_end].endswith(b"\r\n") else b"\n"
    lines = source.lines
    delete = lines.span_from_points((defer.start_point[0], 0), (defer.end_point[0] + 1, 0))
    at = lines.span_from_points(check.end_point, check.end_point)
    insert = (newline + statement).decode("utf-8", "replace")
    return Fix(f"move the defer below the `if {err} != nil` check",
               (Edit(delete, ""), Edit(at, insert)))


def _is_err_check(node: Node, err: str) -> bool:
    if node.child_by_field_name("initializer") is not None:
        return False
    if node.child_by_field_name("alternative") is not None:
        return False
    condition = node.child_by_field_name("condition")
    if condition is None or condition.type != "binary_expression":
        return False
    left = condition.child_by_field_name("left")
    right = condition.child_by_field_name("right")
    operator = condition.child_by_field_name("operator")
    return (left is not None and right is not None and operator is not None
            and left.type == "identifier" and left.text == err.encode()
            and operator.text == b"!=" and right.type == "nil")
