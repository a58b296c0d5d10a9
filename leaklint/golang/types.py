"""Light types: just enough to know that `c.http.Do(req)` is a *http.Client call."""

from __future__ import annotations

from dataclasses import dataclass

from tree_sitter import Node

HTTP = "net/http"
NET = "net"
TLS = "crypto/tls"
HTTPTEST = "net/http/httptest"


@dataclass(frozen=True)
class TypeRef:
    """A named type, pointer-ness dropped: TypeRef("net/http", "Client")."""

    pkg: str
    name: str

    def is_(self, pkg: str, name: str) -> bool:
        return self.pkg == pkg and self.name == name


RESPONSE = TypeRef(HTTP, "Response")
CLIENT = TypeRef(HTTP, "Client")
TRANSPORT = TypeRef(HTTP, "Transport")
ROUND_TRIPPER = TypeRef(HTTP, "RoundTripper")
SERVER = TypeRef(HTTP, "Server")
# The fields of an http.Transport that dial its connections.
DIAL_FIELDS = frozenset({"Dial", "DialContext", "DialTLS", "DialTLSContext"})
REQUEST = TypeRef(HTTP, "Request")
NET_CONN = TypeRef(NET, "Conn")
TLS_CONN = TypeRef(TLS, "Conn")
FUNC = TypeRef("", "func")

# Closable connection types whose owner must Close them (LL102).
CONN_TYPES = {
    NET_CONN, TLS_CONN,
    TypeRef(NET, "TCPConn"), TypeRef(NET, "UDPConn"), TypeRef(NET, "UnixConn"),
    TypeRef(NET, "IPConn"),
    TypeRef("google.golang.org/grpc", "ClientConn"),
}

# Package-level values and function results of the standard library the rules need.
STD_VALUES: dict[tuple[str, str], TypeRef] = {
    (HTTP, "DefaultClient"): CLIENT,
    (HTTP, "DefaultTransport"): ROUND_TRIPPER,
}
STD_RESULTS: dict[tuple[str, str], TypeRef] = {
    (HTTP, "Get"): RESPONSE, (HTTP, "Head"): RESPONSE, (HTTP, "Post"): RESPONSE,
    (HTTP, "PostForm"): RESPONSE, (HTTP, "ReadResponse"): RESPONSE,
    (HTTP, "NewRequest"): REQUEST, (HTTP, "NewRequestWithContext"): REQUEST,
    (HTTPTEST, "NewRecorder"): TypeRef(HTTPTEST, "ResponseRecorder"),
    (HTTPTEST, "NewServer"): TypeRef(HTTPTEST, "Server"),
    (HTTPTEST, "NewTLSServer"): TypeRef(HTTPTEST, "Server"),
    (HTTPTEST, "NewUnstartedServer"): TypeRef(HTTPTEST, "Server"),
    (NET, "Dial"): NET_CONN, (NET, "DialTimeout"): NET_CONN,
    (NET, "DialTCP"): TypeRef(NET, "TCPConn"), (NET, "DialUDP"): TypeRef(NET, "UDPConn"),
    (NET, "DialUnix"): TypeRef(NET, "UnixConn"), (NET, "DialIP"): TypeRef(NET, "IPConn"),
    (TLS, "Dial"): TLS_CONN, (TLS, "DialWithDialer"): TLS_CONN,
    ("google.golang.org/grpc", "Dial"): TypeRef("google.golang.org/grpc", "ClientConn"),
    ("google.golang.org/grpc", "DialContext"): TypeRef("google.golang.org/grpc", "ClientConn"),
    ("google.golang.org/grpc", "NewClient"): TypeRef("google.golang.org/grpc", "ClientConn"),
    ("golang.org/x/net/context/ctxhttp", "Do"): RESPONSE,
    ("golang.org/x/net/context/ctxhttp", "Get"): RESPONSE,
    ("golang.org/x/net/context/ctxhttp", "Head"): RESPONSE,
    ("golang.org/x/net/context/ctxhttp", "Post"): RESPONSE,
    ("golang.org/x/net/context/ctxhttp", "PostForm"): RESPONSE,
    ("github.com/hashicorp/go-cleanhttp", "DefaultClient"): CLIENT,
    ("github.com/hashicorp/go-cleanhttp", "DefaultPooledClient"): CLIENT,
    ("github.com/hashicorp/go-cleanhttp", "DefaultTransport"): TRANSPORT,
    ("github.com/hashicorp/go-cleanhttp", "DefaultPooledTransport"): TRANSPORT,
    ("archive/zip", "NewReader"): TypeRef("archive/zip", "Reader"),
    ("archive/zip", "OpenReader"): TypeRef("archive/zip", "ReadCloser"),
}
# Fields of standard types the rules follow: (type, field) -> field type.
STD_FIELDS: dict[tuple[TypeRef, str], TypeRef] = {
    (CLIENT, "Transport"): ROUND_TRIPPER,
}
# Slice fields of standard types, ranged over: (type, field) -> element type.
STD_ELEMENTS: dict[tuple[TypeRef, str], TypeRef] = {
    (TypeRef("archive/zip", "Reader"), "File"): TypeRef("archive/zip", "File"),
    (TypeRef("archive/zip", "ReadCloser"), "File"): TypeRef("archive/zip", "File"),
}
# Methods of standard types: (type, method) -> first result type.
STD_METHODS: dict[tuple[TypeRef, str], TypeRef] = {
    **{(CLIENT, m): RESPONSE for m in ("Do", "Get", "Head", "Post", "PostForm")},
    (TRANSPORT, "RoundTrip"): RESPONSE,
    (ROUND_TRIPPER, "RoundTrip"): RESPONSE,
    (TRANSPORT, "Clone"): TRANSPORT,
    (TypeRef(NET, "Dialer"), "Dial"): NET_CONN,
    (TypeRef(NET, "Dialer"), "DialContext"): NET_CONN,
    (TypeRef(TLS, "Dialer"), "Dial"): NET_CONN,
    (TypeRef(TLS, "Dialer"), "DialContext"): NET_CONN,
    (TypeRef(HTTPTEST, "ResponseRecorder"), "Result"): TypeRef(HTTPTEST, "RecordedResponse"),
    (TypeRef(HTTPTEST, "Server"), "Client"): CLIENT,
}


def is_error_type(ref: TypeRef | None) -> bool:
    """`error`, or a package's own error type by Go's naming convention (`errors.Error`,
    `*APIError`): an SDK that returns `(*http.Response, errors.Error)` reports failure
    through it exactly as through `error`."""
    return ref is not None and (ref.name == "error" or ref.name.endswith("Error"))


def is_std(import_path: str) -> bool:
    """Standard-library import paths have no dot in their first element."""
    first = import_path.split("/", 1)[0]
    return "." not in first


def type_from_node(node: Node | None, imports: dict[str, str], pkg: str) -> TypeRef | None:
    """The named type a type expression denotes (pointers, parentheses and
    generic arguments dropped); None for composite or unknown types."""
    while node is not None:
        kind = node.type
        if kind in ("pointer_type", "parenthesized_type"):
            node = node.named_children[-1] if node.named_children else None
            continue
        if kind == "generic_type":
            node = node.child_by_field_name("type")
            continue
        if kind == "qualified_type":
            alias = node.child_by_field_name("package")
            name = node.child_by_field_name("name")
            if alias is None or name is None or alias.text is None or name.text is None:
                return None
            path = imports.get(alias.text.decode())
            return TypeRef(path, name.text.decode()) if path else None
        if kind == "type_identifier":
            return TypeRef(pkg, node.text.decode()) if node.text else None
        if kind == "selector_expression":  # a type in expression position: new(pkg.T)
            operand = node.child_by_field_name("operand")
            name = node.child_by_field_name("field")
            if operand is None or name is None or operand.type != "identifier":
                return None
            path = imports.get((operand.text or b"").decode())
            return TypeRef(path, (name.text or b"").decode()) if path else None
        if kind == "function_type":
            return FUNC
        return None
    return None


# net/http's request builders: the position of the method argument (the URL follows it).
REQUEST_METHOD_ARG = {"NewRequest": 0, "NewRequestWithContext": 1}
