"""The element type of what a `for ... range` walks, as written in the source.

Table-driven tests range over a slice literal of an anonymous struct
(`for _, tc := range []struct{ rt test.MockRoundTripper }{...}`, or over a local holding
one): the value variable's fields have the types the struct spells out, which the
resolver's named types cannot express. These helpers find those type nodes."""

from __future__ import annotations

from collections.abc import Iterator

from tree_sitter import Node

from leaklint.golang.parse import assigned_before, field, named_children, text, unparen

_FUNCTIONS = ("function_declaration", "method_declaration", "func_literal")
# Collection types, each with the field naming its element type.
CONTAINERS = {"slice_type": "element", "array_type": "element",
               "implicit_length_array_type": "element", "map_type": "value"}


def declaring_clause(ident: Node) -> Node | None:
    """The range clause whose value variable (`for _, v := range xs`) a use of ident
    names: the nearest enclosing `for` that declares it."""
    name = text(ident)
    node = ident.parent
    while node is not None:
        if node.type == "for_statement":
            clause = next((c for c in node.named_children if c.type == "range_clause"), None)
            if clause is not None and value_name(clause) == name:
                return clause
        if node.type in ("function_declaration", "method_declaration"):
            return None
        node = node.parent
    return None


def value_name(clause: Node) -> str | None:
    """The name a `k, v := range xs` clause gives each element (None for `for k :=`)."""
    if b":=" not in (clause.text or b""):
        return None
    left = named_children(field(clause, "left"))
    return text(left[1]) if len(left) == 2 and left[1].type == "identifier" else None


def element_type(clause: Node, file) -> Node | None:
    """The type node of a range clause's elements, when the ranged value is a slice,
    array or map literal, or a local or parameter declared or built as one."""
    container = _container_type(unparen(field(clause, "right")), clause, file)
    if container is None:
        return None
    element = field(container, CONTAINERS.get(container.type, ""))
    while element is not None and element.type in ("pointer_type", "parenthesized_type"):
        element = element.named_children[-1] if element.named_children else None
    return element


def struct_of(type_node: Node | None, at: Node) -> Node | None:
    """The struct type a type node spells: itself, or a type declared inside the
    enclosing functions (`type testCase struct{...}` in the test)."""
    if type_node is None:
        return None
    if type_node.type == "struct_type":
        return type_node
    if type_node.type != "type_identifier":
        return None
    name = text(type_node)
    for func in _enclosing_functions(at):
        for spec in _type_specs(field(func, "body")):
            if text(field(spec, "name")) == name:
                declared = field(spec, "type")
                return declared if declared is not None and (
                    declared.type == "struct_type") else None
    return None


def field_type(struct: Node, name: str) -> Node | None:
    """The type node of a struct type's named field."""
    for declaration in _field_declarations(struct):
        if any(text(n) == name for n in declaration.children_by_field_name("name")):
            return field(declaration, "type")
    return None


def field_names(struct: Node) -> list[str]:
    """A struct type's field names in order; an embedded field is named for its type."""
    names: list[str] = []
    for declaration in _field_declarations(struct):
        found = declaration.children_by_field_name("name")
        if found:
            names += [text(n) for n in found]
        else:
            names.append(text(field(declaration, "type")).lstrip("*").rsplit(".", 1)[-1])
    return names


def _field_declarations(struct: Node) -> Iterator[Node]:
    for fields in struct.named_children:
        if fields.type == "field_declaration_list":
            yield from (d for d in fields.named_children if d.type == "field_declaration")


def _container_type(value: Node | None, clause: Node, file) -> Node | None:
    if value is None:
        return None
    if value.type == "composite_literal":
        spelled = field(value, "type")
        return spelled if spelled is not None and spelled.type in CONTAINERS else None
    if value.type != "identifier":
        return None
    name = text(value)
    declared = False
    for func in _enclosing_functions(clause):
        found, given = _declared_in(func, name, clause.start_byte, file)
        if found is not None:
            return found if found.type in CONTAINERS else None
        declared = declared or given
    return None if declared else _package_var_container(file, name)


def _package_var_container(file, name: str) -> Node | None:
    """The container type of a package variable of the file (`var cases = []testCase{...}`
    or `var cases []testCase`): a table its tests range over."""
    root = file.root
    for decl in named_children(root) if root is not None else []:
        if decl.type != "var_declaration":
            continue
        specs = [c for child in decl.named_children for c in (
            child.named_children if child.type == "var_spec_list" else [child])
            if c.type == "var_spec"]
        for spec in specs:
            names = [text(n) for n in spec.children_by_field_name("name")]
            if name not in names:
                continue
            spelled = field(spec, "type")
            if spelled is None:
                values = named_children(field(spec, "value"))
                value = unparen(values[names.index(name)]) if len(values) == len(
                    names) else None
                spelled = field(value, "type") if value is not None and (
                    value.type == "composite_literal") else None
            return spelled if spelled is not None and spelled.type in CONTAINERS else None
    return None


def _enclosing_functions(node: Node) -> Iterator[Node]:
    """The functions and func literals around node, innermost first."""
    current = node.parent
    while current is not None:
        if current.type in _FUNCTIONS:
            yield current
        current = current.parent


def _declared_in(func: Node, name: str, before: int, file) -> tuple[Node | None, bool]:
    """The container type a function gives name: its parameter's type, the type of the
    literal last assigned to it before a point, or the type of a `var` without a value;
    and whether the function gives name a value at all (then no package variable of
    that name is meant)."""
    for part in ("parameters", "receiver"):
        for decl in named_children(field(func, part)):
            if any(text(n) == name for n in decl.children_by_field_name("name")):
                return field(decl, "type"), True
    body = field(func, "body")
    if body is None:
        return None, False
    value = unparen(assigned_before(file, func, name, before))
    if value is not None:
        return (field(value, "type") if value.type == "composite_literal" else None), True
    for spec in file.within("var_spec", body):  # `var cases []testCase`, filled later
        if spec.end_byte <= before and any(
                text(n) == name for n in spec.children_by_field_name("name")):
            return field(spec, "type"), True
    return None, False
    value = unparen(assigned_before(file, func, name, before))
    if value is not None:
        return field(value, "type") if value.type == "composite_literal" else None
    for spec in file.within("var_spec", body):  # `var cases []testCase`, filled later
        if spec.end_byte <= before and any(
                text(n) == name for n in spec.children_by_field_name("name")):
            return field(spec, "type")
    return None


def _type_specs(body: Node | None) -> list[Node]:
    """The type declarations inside a function body (rare: a walk, not an index)."""
    if body is None:
        return []
    found: list[Node] = []
    stack = [body]
    while stack:
        node = stack.pop()
        if node.type == "type_spec":
            found.append(node)
        elif node.type not in ("call_expression", "composite_literal"):
            stack.extend(node.named_children)  # no type declaration inside those
    return found
