"""The light per-package index the Go rules share (SPEC §1 "Go semantics").

No type checker: imports and their aliases, struct field types, function and method
signatures, package variables, and per-function summaries computed on demand
(returns a response? closes or hands over its parameter? builds a new transport?).
"""

from __future__ import annotations

import bisect
import functools
import operator
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from tree_sitter import Node, Query, QueryCursor, Tree

from leaklint.golang.buildtags import obsolete_release_only
from leaklint.golang.parse import language, named_children, parse, text
from leaklint.golang.types import TypeRef, type_from_node
from leaklint.sources import SourceFile

_MAJOR_SUFFIX = re.compile(r"^v[0-9]+$")


def default_alias(import_path: str) -> str:
    """The package name Go code uses for an import without an explicit name."""
    parts = import_path.split("/")
    last = parts[-1]
    if _MAJOR_SUFFIX.match(last) and len(parts) > 1:
        last = parts[-2]
    if last.startswith("gopkg.in") or ".v" in last:  # gopkg.in/yaml.v3 -> yaml
        last = last.split(".v")[0]
    return last.replace("go-", "").replace("-go", "").replace("-", "_")


# Node kinds the checks look up, in groups that are usually needed together; each group
# is collected by one query in C, the first time a check asks for one of its kinds.
KIND_GROUPS = (
    ("function_declaration", "method_declaration", "func_literal"),
    ("call_expression",),
    ("selector_expression",),
    ("composite_literal", "literal_value"),
    ("defer_statement",),
    ("var_spec", "short_var_declaration", "assignment_statement", "range_clause",
     "return_statement", "parameter_declaration"),
)
INDEXED_KINDS = tuple(k for group in KIND_GROUPS for k in group)
_GROUP_OF = {k: group for group in KIND_GROUPS for k in group}


@functools.cache
def _field_ids() -> tuple[int, int, int]:
    """Field ids of a call's function and a selector's field and operand (looking a
    field up by id spares a name lookup per call)."""
    lang = language()
    ids = (lang.field_id_for_name("function"), lang.field_id_for_name("field"),
           lang.field_id_for_name("operand"))
    assert all(i is not None for i in ids)
    return ids  # type: ignore[return-value]


@functools.cache
def _kinds_query(group: tuple[str, ...]) -> Query:
    return Query(language(), " ".join(f"({k}) @{k}" for k in group))


@dataclass
class GoFile:
    source: SourceFile | None  # None for files indexed from disk only (not reported)
    path: Path
    data: bytes
    tree: Tree
    imports: dict[str, str] = field(default_factory=dict)  # alias -> import path
    dot_imports: list[str] = field(default_factory=list)

    _nodes: dict[str, list[Node]] | None = None
    _starts: dict[str, list[int]] = field(default_factory=dict)
    _calls: list[tuple[int, str, str | None]] | None = None
    memo: dict[object, object] = field(default_factory=dict)  # checks' per-file answers

    @property
    def root(self) -> Node:
        return self.tree.root_node

    def nodes(self, kind: str) -> list[Node]:
        """Every node of a kind in the file, in source order."""
        if self._nodes is None:
            self._nodes = {}
        if kind not in self._nodes:
            # Every indexed kind in one pass: the query's walk over the whole tree, not
            # the captures, is most of its cost (six walks cost 2.5 s on the Go tree).
            captured = QueryCursor(_kinds_query(INDEXED_KINDS)).captures(self.root)
            by_start = operator.attrgetter("start_byte")
            for k in INDEXED_KINDS:
                self._nodes[k] = sorted(captured.get(k, []), key=by_start)
        return self._nodes[kind]

    def within(self, kind: str, node: Node) -> list[Node]:
        """Nodes of a kind inside node (node included), in source order."""
        all_nodes = self.nodes(kind)
        starts = self._starts.get(kind)
        if starts is None:
            starts = self._starts[kind] = [n.start_byte for n in all_nodes]
        lo = bisect.bisect_left(starts, node.start_byte)
        hi = bisect.bisect_left(starts, node.end_byte, lo)
        return [n for n in all_nodes[lo:hi] if n.end_byte <= node.end_byte]

    def release_caches(self) -> None:
        """Drop the per-kind node lists (Python wrappers over the tree, the bulk of a
        file's memory); a later lookup collects them again."""
        self._nodes = None
        self._starts = {}
        self._calls = None
        self.memo = {}

    def calls_named(self, name: str) -> list[Node]:
        """The calls of the file whose called name (a plain or selected identifier) is
        `name`, in source order."""
        starts = {start for start, called, _path in self.call_names() if called == name}
        if not starts:
            return []
        return [c for c in self.nodes("call_expression")
                if c.start_byte in starts and called_name(c) == name]

    def call_names(self) -> list[tuple[int, str, str | None]]:
        """(start byte, called name, import path of its qualifier or None) for every
        call in the file, computed once: checks filter calls by name without resolving."""
        if self._calls is None:
            function, field_, operand_ = _field_ids()
            imports = {alias.encode(): path for alias, path in self.imports.items()}
            out = []
            for call in self.nodes("call_expression"):
                func = call.child_by_field_id(function)
                while func is not None and func.type == "parenthesized_expression":
                    func = func.named_children[0] if func.named_children else None
                if func is None:
                    continue
                kind = func.type
                if kind == "selector_expression":
                    name_node = func.child_by_field_id(field_)
                    operand = func.child_by_field_id(operand_)
                    path = None
                    if operand is not None and operand.type == "identifier":
                        path = imports.get(operand.text)
                    name = name_node.text if name_node is not None else None
                    out.append((call.start_byte,
                                name.decode("utf-8", "replace") if name else "", path))
                elif kind == "identifier":
                    name = func.text
                    out.append((call.start_byte,
                                name.decode("utf-8", "replace") if name else "", None))
            self._calls = out
        return self._calls

    def package_name(self) -> str:
        for child in self.root.named_children:
            if child.type == "package_clause":
                for c in child.named_children:
                    return text(c)
        return ""

    def import_path(self, alias: str) -> str | None:
        return self.imports.get(alias)


def called_name(call: Node) -> str:
    """The name a call calls (`f` of `f(x)`, `Do` of `c.Do(r)`): a chained call
    (`s.client().Do(r)`) starts where its inner call does, so the start alone is not it."""
    func = call.child_by_field_name("function")
    while func is not None and func.type == "parenthesized_expression":
        func = func.named_children[0] if func.named_children else None
    if func is not None and func.type == "selector_expression":
        func = func.child_by_field_name("field")
    return text(func) if func is not None and func.type in (
        "identifier", "field_identifier") else ""


@dataclass
class FuncInfo:
    name: str
    receiver: str | None  # receiver type name without pointer
    node: Node
    file: GoFile
    params: list[tuple[str, TypeRef | None]]
    results: list[TypeRef | None]

    @property
    def key(self) -> str:
        return f"{self.receiver}.{self.name}" if self.receiver else self.name

    def param_index(self, name: str) -> int | None:
        for i, (pname, _) in enumerate(self.params):
            if pname == name:
                return i
        return None


@dataclass
class StructInfo:
    fields: dict[str, TypeRef | None] = field(default_factory=dict)
    embedded: list[TypeRef] = field(default_factory=list)


# Every pattern starts at a newline (the text is searched with one prepended): a
# literal start lets the regex engine skip to candidates instead of trying every byte.
# Constants are left out: the index keeps none (a lookup of one would parse a file for
# nothing; generated files such as syscall's zerrors hold thousands).
_GROUP = re.compile(rb"\n(?:type|var)[ \t]*\([ \t]*\r?(?=\n)(.*?)\n\)", re.DOTALL)
_GROUP_NAME = re.compile(rb"^[ \t]+(\w+)", re.MULTILINE)
# A sibling whose functions may build a pool (LL301 factories) mentions one of these.
FACTORY_HINTS = (b"Transport", b"DefaultClient", b"DefaultPooledClient", b"NewClient",
                 b"resty")


_TOP_FUNC = re.compile(
    rb"\nfunc[ \t]*(?:\([^)]*?\*?[ \t]*(\w+)(?:\[[^\]]*\])?[ \t]*\)[ \t]*)?(\w+)(?=([^{]*))")
_TOP_OTHER = re.compile(rb"\n(?:type|var)[ \t]+(\w+)")
# Typed constants only (`const Auto Provider = "auto"`, or such a line in a group): an
# enum's values give their type to `p := pkg.Auto`. Untyped ones (a generated file's
# thousands of `EINVAL = Errno(0x16)`) stay unknown: looking one up parses nothing.
_CONST_GROUP = re.compile(rb"\nconst[ \t]*\([ \t]*\r?(?=\n)(.*?)\n\)", re.DOTALL)
_TYPED_CONST = re.compile(rb"^[ \t]*(?:const[ \t]+)?(\w+)[ \t]+[\w.]+[ \t]*=", re.MULTILINE)
_TOP_TYPED_CONST = re.compile(rb"\nconst[ \t]+(\w+)[ \t]+[\w.]+[ \t]*=")


def declared_names(data: bytes) -> tuple[set[str], set[str], set[str]]:
    """Top-level names a file declares, read without parsing: (every name, function
    names whose signature mentions a response or connection, functions of a file that
    may build a pool). Method names are keyed Recv.Name like FuncInfo.key, except as
    factories (a call names a method without its receiver type)."""
    names: set[str] = set()
    acquiring: set[str] = set()
    pool_methods: set[str] = set()
    data = b"\n" + data
    # Found by regular expressions in C: a package can have hundreds of files pending.
    # (The signature, up to the body's brace, is looked at without being consumed: a
    # function without a body must not hide the next declaration.)
    for recv, func, signature in _TOP_FUNC.findall(data):
        key = (recv + b"." + func if recv else func).decode("utf-8", "replace")
        names.add(key)
        if b"Response" in signature or b"Conn" in signature:
            acquiring.add(key)
        if recv and (b"Transport" in signature or b"Client" in signature):
            pool_methods.add(func.decode("utf-8", "replace"))
    names.update(n.decode("utf-8", "replace") for n in _TOP_OTHER.findall(data))
    for group in _GROUP.finditer(data):
        names.update(n.decode("utf-8", "replace") for n in _GROUP_NAME.findall(group.group(1)))
    names.update(n.decode("utf-8", "replace") for n in _TOP_TYPED_CONST.findall(data))
    for group in _CONST_GROUP.finditer(data):
        names.update(n.decode("utf-8", "replace") for n in _TYPED_CONST.findall(group.group(1)))
    # Methods count by name (calls name them without their receiver type) when their
    # signature names a pool type: known before the file is parsed, like functions.
    factories = {n for n in names if "." not in n} | pool_methods if any(
        h in data for h in FACTORY_HINTS) else set()
    return names, acquiring, factories


class _LazyTable(dict):
    """A dict that asks its index to parse a pending file declaring a missing key."""

    def __init__(self, owner: PackageIndex) -> None:
        super().__init__()
        self._owner = owner

    def get(self, key, default=None):
        if not dict.__contains__(self, key):
            self._owner.ensure(key)
        return dict.get(self, key, default)

    def __contains__(self, key) -> bool:
        if not dict.__contains__(self, key):
            self._owner.ensure(key)
        return dict.__contains__(self, key)

    def __getitem__(self, key):
        if not dict.__contains__(self, key):
            self._owner.ensure(key)
        return dict.__getitem__(self, key)


@dataclass
class PackageIndex:
    key: str  # import path when known, else the directory
    files: list[GoFile] = field(default_factory=list)
    summaries: dict[str, object] = field(default_factory=dict)  # cache for flow summaries
    # Files not parsed yet, by the names they declare; parsed on the first lookup.
    pending: dict[str, list[Path]] = field(default_factory=dict)
    pending_acquiring: set[str] = field(default_factory=set)
    pending_factories: set[str] = field(default_factory=set)
    loader: Callable[[Path], GoFile | None] | None = None
    loaded_paths: set[Path] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.funcs: dict[str, FuncInfo] = _LazyTable(self)  # "Name" or "Recv.Name"
        self.structs: dict[str, StructInfo] = _LazyTable(self)
        self.aliases: dict[str, TypeRef | None] = _LazyTable(self)  # type T U / type T = U
        self.vars: dict[str, TypeRef | None] = _LazyTable(self)
        self.var_values: dict[str, Node] = _LazyTable(self)
        # Typed constants (`const Auto Provider = "auto"`, and the specs of a group
        # that repeat the one before): `p := pkg.Auto` has the constant's type.
        self.consts: dict[str, TypeRef | None] = _LazyTable(self)
        # The types an interface embeds (`interface { error; Status() int }`).
        self.interface_embeds: dict[str, list[TypeRef | None]] = _LazyTable(self)
        # Pending files' text, read once when callers are looked for (load_mentioning).
        self._pending_texts: dict[Path, bytes] = {}

    def add_pending(self, path: Path, data: bytes) -> None:
        names, acquiring, factories = declared_names(data)
        for name in names:
            self.pending.setdefault(name, []).append(path)
        self.pending_acquiring |= acquiring
        self.pending_factories |= factories

    def ensure(self, name: str) -> None:
        paths = self.pending.pop(name, None)
        if not paths or self.loader is None:
            return
        for path in paths:
            self._load(path)

    def load_mentioning(self, needle: bytes) -> bool:
        """Parse every pending file whose text contains needle (the callers of a
        function, say); False when one cannot be loaded, so its text stays unseen."""
        complete = True
        for path in {p for paths in self.pending.values() for p in paths}:
            if path in self.loaded_paths:
                continue
            data = self._pending_text(path)
            if needle in data and (self.loader is None or not self._load(path)):
                complete = False
        return complete

    def _pending_text(self, path: Path) -> bytes:
        """A pending file's text, read once: callers of many functions are looked for."""
        if path not in self._pending_texts:
            try:
                self._pending_texts[path] = path.read_bytes()
            except OSError:
                self._pending_texts[path] = b""
        return self._pending_texts[path]

    def _load(self, path: Path) -> bool:
        if path in self.loaded_paths:
            return True
        if self.loader is None:
            return False
        self.loaded_paths.add(path)
        self._pending_texts.pop(path, None)  # parsed: the file keeps its own copy
        file = self.loader(path)
        if file is None:
            return False
        self.files.append(file)
        _index_file(file, self)
        return True

    def method(self, type_name: str, name: str, _depth: int = 0) -> FuncInfo | None:
        key = f"{type_name}.{name}"
        if not dict.__contains__(self.funcs, key):
            # An interface's methods are indexed when the file declaring the type is
            # parsed: parse it first (a sibling package's files are read on demand).
            self.ensure(type_name)
        info = self.funcs.get(key)
        if info is not None or _depth > 3:
            return info
        struct = self.structs.get(type_name)
        if struct is not None:
            for emb in struct.embedded:
                if emb.pkg == self.key:
                    found = self.method(emb.name, name, _depth + 1)
                    if found is not None:
                        return found
        return None

    def field_type(self, type_name: str, name: str, _depth: int = 0) -> TypeRef | None:
        struct = self.structs.get(type_name)
        if struct is None:
            target = self.aliases.get(type_name)
            if target is not None and target.pkg == self.key and _depth < 3:
                return self.field_type(target.name, name, _depth + 1)
            return None
        if name in struct.fields:
            return struct.fields[name]
        for emb in struct.embedded:
            if emb.name == name:
                return emb
            if emb.pkg == self.key and _depth < 3:
                found = self.field_type(emb.name, name, _depth + 1)
                if found is not None:
                    return found
        return None

    def unalias(self, tref: TypeRef | None, *, parse: bool = True) -> TypeRef | None:
        """A package-local type declared as another (`type response = http.Response`,
        `type Resp http.Response`) stands for that type: its values carry the same body.
        parse=False reads only the files parsed already (a sweep over every function
        must not parse the package's other files for their result types)."""
        for _ in range(3):
            if tref is None or tref.pkg != self.key:
                return tref
            target = self.aliases.get(tref.name) if parse else dict.get(self.aliases,
                                                                         tref.name)
            if target is None:
                return tref
            tref = target
        return tref

    def embeds(self, type_name: str) -> list[TypeRef]:
        struct = self.structs.get(type_name)
        return list(struct.embedded) if struct else []


def _imports(file: GoFile) -> None:
    for decl in file.root.named_children:
        if decl.type != "import_declaration":
            continue
        specs = []
        for child in decl.named_children:
            if child.type == "import_spec":
                specs.append(child)
            elif child.type == "import_spec_list":
                specs.extend(c for c in child.named_children if c.type == "import_spec")
        for spec in specs:
            path_node = spec.child_by_field_name("path")
            if path_node is None:
                continue
            path = text(path_node).strip('"`')
            name_node = spec.child_by_field_name("name")
            name = text(name_node) if name_node is not None else default_alias(path)
            if name == ".":
                file.dot_imports.append(path)
            elif name != "_":
                file.imports[name] = path


def _params(node: Node | None, file: GoFile, pkg: str) -> list[tuple[str, TypeRef | None]]:
    out: list[tuple[str, TypeRef | None]] = []
    for decl in named_children(node):
        if decl.type not in ("parameter_declaration", "variadic_parameter_declaration"):
            continue
        type_node = decl.child_by_field_name("type")
        tref = type_from_node(type_node, file.imports, pkg)
        names = [text(c) for c in decl.children_by_field_name("name")]
        if not names:
            out.append(("", tref))
        for name in names:
            out.append((name, tref))
    return out


def _results(node: Node | None, file: GoFile, pkg: str) -> list[TypeRef | None]:
    if node is None:
        return []
    if node.type == "parameter_list":
        return [t for _, t in _params(node, file, pkg)]
    return [type_from_node(node, file.imports, pkg)]


def receiver_type(node: Node | None) -> str | None:
    """The type a method's receiver list names, pointer and type arguments dropped."""
    for decl in named_children(node):
        type_node = decl.child_by_field_name("type")
        while type_node is not None and type_node.type in ("pointer_type", "generic_type"):
            inner = type_node.child_by_field_name("type") or (
                type_node.named_children[0] if type_node.named_children else None
            )
            type_node = inner
        if type_node is not None:
            return text(type_node).split("[")[0]
    return None


def _index_file(file: GoFile, index: PackageIndex) -> None:
    pkg = index.key
    # A function declared twice under build constraints (download_go16.go and
    # download_go17.go): the file only Go releases long gone build never wins.
    obsolete = obsolete_release_only(file.data)

    def put(key: str, info: FuncInfo) -> None:
        if not obsolete or not dict.__contains__(index.funcs, key):
            index.funcs[key] = info

    for decl in file.root.named_children:
        kind = decl.type
        if kind == "function_declaration":
            name = text(decl.child_by_field_name("name"))
            put(name, FuncInfo(
                name, None, decl, file,
                _params(decl.child_by_field_name("parameters"), file, pkg),
                _results(decl.child_by_field_name("result"), file, pkg),
            ))
        elif kind == "method_declaration":
            name = text(decl.child_by_field_name("name"))
            recv = receiver_type(decl.child_by_field_name("receiver"))
            info = FuncInfo(
                name, recv, decl, file,
                _params(decl.child_by_field_name("parameters"), file, pkg),
                _results(decl.child_by_field_name("result"), file, pkg),
            )
            put(info.key, info)
        elif kind == "type_declaration":
            for spec in decl.named_children:
                if spec.type not in ("type_spec", "type_alias"):
                    continue
                name = text(spec.child_by_field_name("name"))
                type_node = spec.child_by_field_name("type")
                if type_node is not None and type_node.type == "struct_type":
                    index.structs[name] = _struct(type_node, file, pkg)
                elif type_node is not None and type_node.type == "interface_type":
                    _interface(type_node, name, file, index)
                else:
                    index.aliases[name] = type_from_node(type_node, file.imports, pkg)
        elif kind == "const_declaration":
            # A spec with neither type nor value repeats the previous spec (iota).
            last: TypeRef | None = None
            for spec in decl.named_children:
                if spec.type != "const_spec":
                    continue
                type_node = spec.child_by_field_name("type")
                if type_node is not None:
                    last = type_from_node(type_node, file.imports, pkg)
                elif spec.child_by_field_name("value") is not None:
                    last = None  # untyped
                for name_node in spec.children_by_field_name("name"):
                    index.consts[text(name_node)] = last
        elif kind == "var_declaration":
            for spec in var_specs(decl):
                type_node = spec.child_by_field_name("type")
                tref = type_from_node(type_node, file.imports, pkg) if type_node else None
                names = spec.children_by_field_name("name")
                value = spec.child_by_field_name("value")
                values = named_children(value)
                for i, name_node in enumerate(names):
                    name = text(name_node)
                    index.vars[name] = tref
                    if i < len(values):
                        index.var_values[name] = values[i]


def _interface(node: Node, name: str, file: GoFile, index: PackageIndex) -> None:
    """Interface methods have signatures (no body): `g.Get(u)` on a getter returns a
    response even though no concrete type is known."""
    pkg = index.key
    embeds: list[TypeRef | None] = []
    for elem in node.named_children:
        if elem.type in ("type_elem", "constraint_elem") and elem.named_children:
            embeds.append(type_from_node(elem.named_children[0], file.imports, pkg))
            continue
        if elem.type not in ("method_elem", "method_spec"):
            continue
        mname = text(elem.child_by_field_name("name"))
        info = FuncInfo(
            mname, name, elem, file,
            _params(elem.child_by_field_name("parameters"), file, pkg),
            _results(elem.child_by_field_name("result"), file, pkg),
        )
        index.funcs.setdefault(info.key, info)
    index.interface_embeds[name] = embeds


def var_specs(decl: Node) -> list[Node]:
    """The var_spec nodes of a var declaration, grouped or not."""
    specs: list[Node] = []
    for child in decl.named_children:
        if child.type == "var_spec":
            specs.append(child)
        elif child.type == "var_spec_list":
            specs.extend(c for c in child.named_children if c.type == "var_spec")
    return specs


def _struct(node: Node, file: GoFile, pkg: str) -> StructInfo:
    info = StructInfo()
    for child in node.named_children:
        if child.type != "field_declaration_list":
            continue
        for fdecl in child.named_children:
            if fdecl.type != "field_declaration":
                continue
            type_node = fdecl.child_by_field_name("type")
            tref = type_from_node(type_node, file.imports, pkg)
            names = fdecl.children_by_field_name("name")
            if names:
                for n in names:
                    info.fields[text(n)] = tref
            elif tref is not None:
                info.embedded.append(tref)
    return info


def load_file(source: SourceFile | None, path: Path, data: bytes) -> GoFile:
    file = GoFile(source, path, data, parse(data))
    _imports(file)
    return file


def load_path(path: Path, max_bytes: int = 4 * 1024 * 1024) -> GoFile | None:
    """Parse a file the run does not report on (a sibling or another package's file)."""
    from leaklint.sources import UnreadableSource, decode

    try:
        raw = path.read_bytes()
        if len(raw) > max_bytes:
            return None
        return load_file(None, path, decode(raw))
    except (OSError, UnreadableSource):
        return None


def build_index(
    key: str, files: list[GoFile], pending: list[tuple[Path, bytes | None]] = ()
) -> PackageIndex:
    """An index of the parsed files; `pending` files (with their bytes, None: read them)
    are parsed only when a name they declare is looked up."""
    index = PackageIndex(key=key, files=list(files), loader=load_path)
    for file in files:
        index.loaded_paths.add(file.path)
        _index_file(file, index)
    for path, data in pending:
        if data is None:
            try:
                data = path.read_bytes()
            except OSError:
                continue
        if len(data) <= 4 * 1024 * 1024:
            index.add_pending(path, data)
    # Package variables initialised without an explicit type: infer from the value later.
    return index
