"""Fixes for Go findings: what each rewrites, and the shapes it leaves to a person.

Every fix is computed from the parsed file: edits never guess at code they did not
parse, and a fix is offered only where its effect is clear. Safety (whether `--fix`
applies it or `--unsafe-fixes` is needed) is the catalogue's word.

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

from leaklint.golang.flow import TERMINATORS
from leaklint.golang.parse import field, identifiers, inside, statements, text, unparen, walk
from leaklint.golang.resolve import FUNCTION_NODES
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


# ---- LL101: a response never closed and never handed over -------------------------

def close_response(source: SourceFile, call: Node, var: str, err: str | None) -> Fix | None:
    """`defer resp.Body.Close()` after the error check (`if err != nil { ...; return }`
    right after the acquisition), or guarded by `if resp != nil` right after the
    acquisition when there is no error to check. The caller has established, from the
    flow, that no path closes or hands the response over; here the shape is checked:
    the acquisition is a statement of its own in a block of the function (not in a
    loop, where the defer would pile up), and no func literal or goroutine touches the
    variable (a closure may read the body after the function returned)."""
    statement = _acquisition_statement(call)
    if statement is None or not _alone_on_its_lines(source, statement):
        return None
    func = _function_of(statement)
    if func is None or inside(statement, "for_statement", func):
        return None
    body = field(func, "body")
    if body is None or any(_in_closure(ident, func) for ident in identifiers(body, var)):
        return None
    data = source.source
    indent = _indent(data, statement).decode("utf-8", "replace")
    newline = _newline(data)
    close = f"defer {var}.Body.Close()"
    if err in (None, "_"):
        insert = (f"{newline}{indent}if {var} != nil {{{newline}{indent}\t{close}"
                  f"{newline}{indent}}}")
        return Fix(f"close the body: `if {var} != nil {{ {close} }}`",
                   (Edit(_line_end(source, statement), insert),))
    check = _next_statement(statement)
    if check is None or check.type != "if_statement" or not _is_err_check(check, err) \
            or not _ends_the_path(field(check, "consequence")):
        return None
    if not _alone_on_its_lines(source, check):
        return None
    return Fix(f"close the body after the error check: `{close}`",
               (Edit(_line_end(source, check), f"{newline}{indent}{close}"),))


def _line_end(source: SourceFile, node: Node):
    """A span at the end of the node's last line (after a trailing comment)."""
    row = node.end_point[0]
    end = len(source.lines.line_bytes(row).rstrip(b"\r"))
    return source.lines.span_from_points((row, end), (row, end))


def _acquisition_statement(call: Node) -> Node | None:
    node = call
    while node.parent is not None and node.parent.type == "parenthesized_expression":
        node = node.parent
    values = node.parent
    if values is None or values.type != "expression_list" or values.named_child_count != 1:
        return None
    statement = values.parent
    if statement is None or statement.type not in ("short_var_declaration",
                                                    "assignment_statement"):
        return None
    holder = statement.parent
    if holder is None or holder.type not in ("block", "statement_list"):
        return None  # an if or switch initializer, a for clause...
    left = [n for n in (field(statement, "left").named_children
                        if field(statement, "left") is not None else [])]
    if not left or left[0].type != "identifier":
        return None
    return statement


def _function_of(node: Node) -> Node | None:
    parent = node.parent
    while parent is not None and parent.type not in FUNCTION_NODES:
        parent = parent.parent
    return parent



def _in_closure(ident: Node, func: Node) -> bool:
    parent = ident.parent
    while parent is not None and parent != func:
        if parent.type in ("func_literal", "go_statement"):
            return True
        parent = parent.parent
    return False


def _next_statement(statement: Node) -> Node | None:
    sibling = statement.next_named_sibling
    while sibling is not None and sibling.type == "comment":
        sibling = sibling.next_named_sibling
    return sibling


def _ends_the_path(block: Node | None) -> bool:
    """The block's last statement leaves the function: return, panic, a Fatal..."""
    body = statements(block)
    if not body:
        return False
    last = body[-1]
    if last.type == "return_statement":
        return True
    if last.type != "expression_statement" or not last.named_children:
        return False
    call = unparen(last.named_children[0])
    if call is None or call.type != "call_expression":
        return False
    func = unparen(field(call, "function"))
    if func is None:
        return False
    if func.type == "identifier":
        return text(func) == "panic"
    return func.type == "selector_expression" and text(field(func, "field")) in TERMINATORS


def _alone_on_its_lines(source: SourceFile, node: Node) -> bool:
    data = source.source
    start = data.rfind(b"\n", 0, node.start_byte) + 1
    end = data.find(b"\n", node.end_byte)
    end = len(data) if end < 0 else end
    after = data[node.end_byte:end].strip()
    return not data[start:node.start_byte].strip() and (
        not after or after.startswith(b"//"))


def _indent(data: bytes, node: Node) -> bytes:
    start = data.rfind(b"\n", 0, node.start_byte) + 1
    return data[start:node.start_byte]


def _newline(data: bytes) -> str:
    return "\r\n" if b"\r\n" in data else "\n"


# ---- LL401: idle timeouts added to a literal ------------------------------------------

IDLE_CONN_TIMEOUT = "90 * time.Second"  # http.DefaultTransport's
SERVER_TIMEOUTS = (("ReadHeaderTimeout", "10 * time.Second"),
                   ("IdleTimeout", "90 * time.Second"))


def add_fields(source: SourceFile, literal: Node, wanted: list[tuple[str, str]],
               imports: dict[str, str]) -> Fix | None:
    """Add `Name: value` elements (values spelled with package time) to a keyed
    composite literal, importing "time" when the file does not. Positional literals
    and a file that uses `time` for something else are left alone."""
    body = field(literal, "body") if literal.type == "composite_literal" else literal
    if body is None or body.type != "literal_value" or not wanted:
        return None
    elements = [c for c in body.named_children if c.type != "comment"]
    if any(e.type != "keyed_element" for e in elements):
        return None
    time_name = next((alias for alias, path in imports.items() if path == "time"), None)
    edits: list[Edit] = []
    if time_name is None:
        import_edit = _import_time(source, literal)
        if import_edit is None:
            return None
        edits.append(import_edit)
        time_name = "time"
    elif time_name in ("_", "."):
        return None
    pairs = [(name, value.replace("time.", f"{time_name}.")) for name, value in wanted]
    edits.extend(_element_insert(source, body, elements, pairs))
    names = " and ".join(name for name, _ in pairs)
    return Fix(f"add {names} to the literal", tuple(edits))


def _element_insert(source: SourceFile, body: Node, elements: list[Node],
                    pairs: list[tuple[str, str]]) -> list[Edit]:
    data = source.source
    lines = source.lines
    close = body.children[-1]  # the closing brace
    items = [f"{name}: {value}" for name, value in pairs]
    multiline = body.start_point[0] != close.start_point[0]
    close_line_start = data.rfind(b"\n", 0, close.start_byte) + 1
    brace_alone = multiline and not data[close_line_start:close.start_byte].strip()
    if brace_alone:
        # One element per line, before the line of the closing brace.
        if elements:
            indent = _indent(data, elements[-1]).decode("utf-8", "replace")
        else:
            indent = _indent(data, close).decode("utf-8", "replace") + "\t"
        newline = "\r\n" if data[:close_line_start].endswith(b"\r\n") else "\n"
        section = _aligned_section(source, elements, close)
        width = max([*(len(text(key)) for _, key, _ in section),
                     *(len(name) for name, _ in pairs)])
        edits = []
        for colon, key, value in section:  # gofmt aligns the values of a run of lines
            gap = " " * (width - len(text(key)) + 1)
            if data[colon.end_byte:value.start_byte].decode("utf-8", "replace") != gap:
                edits.append(Edit(lines.span_from_points(colon.end_point, value.start_point),
                                  gap))
        text_ = "".join(f"{indent}{name}:{' ' * (width - len(name) + 1)}{value},{newline}"
                        for name, value in pairs)
        row = close.start_point[0]
        edits.append(Edit(lines.span_from_points((row, 0), (row, 0)), text_))
        return edits
    if not elements:
        at = lines.span_from_points(close.start_point, close.start_point)
        return [Edit(at, ", ".join(items))]
    last = elements[-1]
    after = last.next_sibling
    if after is not None and after.type == ",":
        at = lines.span_from_points(after.end_point, after.end_point)
        return [Edit(at, "".join(f" {item}," for item in items) if multiline
                     else " " + ", ".join(items))]
    at = lines.span_from_points(last.end_point, last.end_point)
    return [Edit(at, "".join(f", {item}" for item in items))]


def _aligned_section(source: SourceFile, elements: list[Node],
                     close: Node) -> list[tuple[Node, Node, Node]]:
    """(colon, key, value) of the run of lines right above the closing brace that gofmt
    aligns with the inserted ones: each line one single-line `Key: value,` element,
    nothing else on it (a comment would be aligned too: then the run is left alone)."""
    data = source.source
    out: list[tuple[Node, Node, Node]] = []
    row = close.start_point[0]
    for element in reversed(elements):
        children = element.children
        if len(children) != 3 or children[1].type != ":" or \
                element.start_point[0] != element.end_point[0] or \
                element.start_point[0] != row - 1:
            break
        line_start = data.rfind(b"\n", 0, element.start_byte) + 1
        line_end = data.find(b"\n", element.end_byte)
        rest = data[element.end_byte:len(data) if line_end < 0 else line_end].strip()
        if data[line_start:element.start_byte].strip() or rest != b",":
            break
        out.insert(0, (children[1], children[0], children[2]))
        row -= 1
    return out


def _import_time(source: SourceFile, node: Node) -> Edit | None:
    """An edit importing "time": into the last grouped import declaration, or as an
    import declaration of its own after the last one (after the package clause when
    there is none). None when `time` names something else in the file."""
    root = node
    while root.parent is not None:
        root = root.parent
    if any(n.type in ("identifier", "package_identifier") and n.text == b"time"
           for n in walk(root)):
        return None
    lines = source.lines
    data = source.source
    newline = _newline(data)
    declarations = [c for c in root.named_children if c.type == "import_declaration"]
    if declarations:
        last = declarations[-1]
        group = next((c for c in last.named_children if c.type == "import_spec_list"), None)
        if group is not None and group.start_point[0] != group.end_point[0]:
            close = group.children[-1]
            specs = [c for c in group.named_children if c.type == "import_spec"]
            later = [s for s in specs if text(field(s, "path")).strip('"`') > "time"
                     and field(s, "name") is None]
            before = later[0] if later and later[0].start_point[0] > group.start_point[0] \
                else None
            if before is not None and _alone_on_its_lines(source, before):
                indent = _indent(data, before).decode("utf-8", "replace")
                row = before.start_point[0]
            else:
                indent = _indent(data, specs[-1]).decode("utf-8", "replace") if specs \
                    else "\t"
                row = close.start_point[0]
                if data[data.rfind(b"\n", 0, close.start_byte) + 1:close.start_byte].strip():
                    return None  # `"x")` on one line: leave the layout alone
            return Edit(lines.span_from_points((row, 0), (row, 0)),
                        f'{indent}"time"{newline}')
        at = lines.span_from_points(last.end_point, last.end_point)
        return Edit(at, f'{newline}{newline}import "time"')
    package = next((c for c in root.named_children if c.type == "package_clause"), None)
    if package is None:
        return None
    at = lines.span_from_points(package.end_point, package.end_point)
    return Edit(at, f'{newline}{newline}import "time"')


# ---- LL202: the loop body becomes a function called each iteration ----------------

_BREAKABLE = ("for_statement", "expression_switch_statement", "type_switch_statement",
              "select_statement")


def wrap_loop_body(source: SourceFile, loop: Node) -> Fix | None:
    """`for ... { body }` becomes `for ... { func() { body }() }`, the body indented one
    tab more (lines inside a raw string stay as they are). A `continue` of this loop
    becomes `return` (from the literal: the loop goes on, as before). Refused when the
    body says something the wrap would change: a return (it would return from the
    literal), a goto or a label, a break of this loop, a labelled break or continue."""
    body = field(loop, "body")
    if body is None or body.type != "block" or not _wrappable(body):
        return None
    data = source.source
    open_brace, close_brace = body.children[0], body.children[-1]
    if open_brace.type != "{" or close_brace.type != "}":
        return None
    inner = data[open_brace.end_byte:close_brace.start_byte]
    for statement in sorted(_own_continues(body), key=lambda n: n.start_byte, reverse=True):
        start = statement.start_byte - open_brace.end_byte
        end = statement.end_byte - open_brace.end_byte
        inner = inner[:start] + b"return" + inner[end:]
    if body.start_point[0] == body.end_point[0]:  # one line: `{ defer c.Close() }`
        content = inner.decode("utf-8").strip()
        replacement = f" func() {{ {content} }}() "
    else:
        newline = "\r\n" if b"\r\n" in inner else "\n"
        closing_indent = _indent(data, close_brace)
        if closing_indent.strip():
            return None  # `x }`: the layout is unusual, leave it
        indent = closing_indent.decode("utf-8") + "\t"
        frozen = _raw_string_rows(body)
        first_row = open_brace.start_point[0]
        rows = inner.decode("utf-8").split("\n")
        head = rows[0].rstrip("\r")
        if head.strip() and not head.strip().startswith("//"):
            return None  # a statement on the line of the opening brace
        out = []
        for offset, row in enumerate(rows[1:-1], start=1):
            line = row.rstrip("\r")
            if line.strip() and first_row + offset not in frozen:
                line = "\t" + line
            out.append(line)
        tail = rows[-1]
        replacement = (head + newline + f"{indent}func() {{" + newline
                       + "".join(line + newline for line in out)
                       + f"{indent}}}(){newline}" + tail)
    lines = source.lines
    at = lines.span_from_points(open_brace.end_point, close_brace.start_point)
    return Fix("run the loop body in a func literal so its defers run each iteration",
               (Edit(at, replacement),))


def _wrappable(body: Node) -> bool:
    for node in walk(body):
        kind = node.type
        if kind in ("return_statement", "goto_statement", "labeled_statement"):
            if kind == "return_statement" and inside(node, "func_literal", body):
                continue
            return False
        if kind in ("break_statement", "continue_statement"):
            if any(c.type == "label_name" for c in node.named_children):
                return False
            if not _bound_inside(node, body, kind) and kind == "break_statement":
                return False
    return True


def _own_continues(body: Node) -> list[Node]:
    return [n for n in walk(body) if n.type == "continue_statement"
            and not any(c.type == "label_name" for c in n.named_children)
            and not _bound_inside(n, body, "continue_statement")]



def _bound_inside(node: Node, body: Node, kind: str) -> bool:
    """An unlabelled break or continue that targets a statement inside the body."""
    targets = _BREAKABLE if kind == "break_statement" else ("for_statement",)
    parent = node.parent
    while parent is not None and parent != body:
        if parent.type in targets or parent.type == "func_literal":
            return True
        parent = parent.parent
    return False


def _raw_string_rows(body: Node) -> set[int]:
    """Rows that begin inside a multi-line raw string: indenting them changes it."""
    rows: set[int] = set()
    for node in walk(body):
        if node.type == "raw_string_literal" and node.start_point[0] != node.end_point[0]:
            rows.update(range(node.start_point[0] + 1, node.end_point[0] + 1))
    return rows
