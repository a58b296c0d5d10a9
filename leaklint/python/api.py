"""The API model: which qualified names build clients, return responses, take timeouts.

Data only. Analyses look names up here after import resolution (leaklint.python.names);
nothing in this table is ever matched against a bare method name.
"""

from __future__ import annotations

from dataclasses import dataclass

REQUESTS = "requests"
HTTPX = "httpx"
AIOHTTP = "aiohttp"
URLLIB3 = "urllib3"
HTTP_CLIENT = "http.client"
URLLIB = "urllib"
USER = "user"

# Client (connection pool) constructors -> library.
CLIENT_CONSTRUCTORS: dict[str, str] = {
    "requests.Session": REQUESTS,
    "requests.session": REQUESTS,
    "requests.sessions.Session": REQUESTS,
    "requests.sessions.session": REQUESTS,
    "httpx.Client": HTTPX,
    "httpx.AsyncClient": HTTPX,
    "aiohttp.ClientSession": AIOHTTP,
    "aiohttp.client.ClientSession": AIOHTTP,
    "urllib3.PoolManager": URLLIB3,
    "urllib3.ProxyManager": URLLIB3,
    "urllib3.HTTPConnectionPool": URLLIB3,
    "urllib3.HTTPSConnectionPool": URLLIB3,
    "urllib3.connection_from_url": URLLIB3,
    "urllib3.poolmanager.PoolManager": URLLIB3,
    "urllib3.connectionpool.HTTPConnectionPool": URLLIB3,
    "urllib3.connectionpool.HTTPSConnectionPool": URLLIB3,
    "http.client.HTTPConnection": HTTP_CLIENT,
    "http.client.HTTPSConnection": HTTP_CLIENT,
}

# urllib's OpenerDirector (what build_opener returns): open() is urlopen through its
# handlers, a new connection each time and no timeout unless given. It keeps no
# connection between requests: nothing to close or to reuse, so not a client site.
OPENER = "urllib.request.OpenerDirector"
OPENER_CONSTRUCTORS = frozenset({"urllib.request.build_opener", OPENER})

HTTP_VERBS = frozenset({"get", "post", "put", "patch", "delete", "head", "options"})
REQUEST_METHODS = HTTP_VERBS | {"request"}

# Module-level request functions -> library.
MODULE_REQUEST_FUNCTIONS: dict[str, str] = {
    **{f"requests.{m}": REQUESTS for m in REQUEST_METHODS},
    **{f"requests.api.{m}": REQUESTS for m in REQUEST_METHODS},
    **{f"httpx.{m}": HTTPX for m in REQUEST_METHODS},
    "httpx.stream": HTTPX,
    "urllib.request.urlopen": URLLIB,
    "urllib3.request": URLLIB3,
}

# Methods of a client that send a request, per library. Other methods (mount,
# headers, cookies...) are neither requests nor uses that count towards reuse.
CLIENT_REQUEST_METHODS: dict[str, frozenset[str]] = {
    REQUESTS: REQUEST_METHODS | {"send"},
    HTTPX: REQUEST_METHODS | {"send", "stream"},
    AIOHTTP: REQUEST_METHODS | {"ws_connect"},
    URLLIB3: frozenset({"request", "urlopen", "request_encode_url", "request_encode_body"}),
    HTTP_CLIENT: frozenset({"request", "getresponse", "putrequest"}),
    URLLIB: frozenset({"open"}),
    USER: REQUEST_METHODS | {"send", "stream", "urlopen"},
}

# Methods that release a client's pool.
CLIENT_CLOSERS = frozenset({"close", "aclose", "clear"})
# Methods and attributes that release a response's connection (close, or read to EOF
# where the library then gives the connection back).
RESPONSE_CLOSERS = frozenset({"close", "aclose", "release", "release_conn", "drain_conn"})
RESPONSE_READERS: dict[str, frozenset[str]] = {
    REQUESTS: frozenset({"content", "text", "json"}),
    HTTPX: frozenset({"read", "aread", "content", "text", "json"}),
    AIOHTTP: frozenset({"read", "text", "json"}),
    URLLIB3: frozenset({"data", "read", "json", "stream"}),
    URLLIB: frozenset({"read", "readlines"}),
    HTTP_CLIENT: frozenset({"read", "readlines"}),
    USER: frozenset(),
}

# Functions that read a file object passed to them and never close it (Pillow, csv,
# zipfile, tarfile and gzip leave a caller's file to the caller): a response passed
# straight to one is still the caller's to close.
BORROWERS = frozenset({
    "PIL.Image.open", "csv.reader", "csv.DictReader", "zipfile.ZipFile", "tarfile.open",
    "tarfile.TarFile", "gzip.GzipFile", "gzip.open",
})

# Iterators over a body: they read it to the end only when a loop consumes them
# (`next(resp.iter_lines())` reads one line and leaves the connection held).
RESPONSE_ITERATORS = frozenset({
    "iter_content", "iter_lines", "iter_bytes", "iter_text", "iter_raw", "aiter_bytes",
    "aiter_text", "aiter_lines", "aiter_raw", "stream",
})
# Calls that consume an iterator passed to them.
CONSUMERS = frozenset({"list", "tuple", "bytes", "join", "writelines", "sum", "set"})

# Timeouts. requests and urlopen/http.client have none by default: the call must pass
# one. httpx and aiohttp have defaults: only an explicit disabling counts.
NEEDS_TIMEOUT = frozenset({REQUESTS, URLLIB, HTTP_CLIENT})
# Positional index of `timeout` where the signature allows it positionally.
TIMEOUT_POSITION: dict[str, int] = {
    "urllib.request.urlopen": 2,
    f"{OPENER}.open": 2,  # open(fullurl, data=None, timeout=...)
    "http.client.HTTPConnection": 2,
    "http.client.HTTPSConnection": 4,  # (host, port, key_file, cert_file, timeout) pre-3.12
}
HTTPX_TIMEOUT = frozenset({"httpx.Timeout"})
AIOHTTP_TIMEOUT = frozenset({"aiohttp.ClientTimeout", "aiohttp.client.ClientTimeout"})
AIOHTTP_TIMEOUT_FIELDS = ("total", "connect", "sock_read", "sock_connect")

# Idle expiry (LL401).
HTTPX_LIMITS = frozenset({"httpx.Limits"})
AIOHTTP_CONNECTORS = frozenset({"aiohttp.TCPConnector", "aiohttp.connector.TCPConnector"})

PARTIAL = frozenset({"functools.partial"})
CLOSING = frozenset({"contextlib.closing", "contextlib.aclosing"})
EXIT_STACK_ENTER = frozenset({"enter_context", "enter_async_context", "push", "callback",
                              "push_async_callback"})


@dataclass(frozen=True)
class Client:
    """A client type: its library and whether it sets a default timeout itself
    (a subclass overriding request())."""

    library: str
    name: str
    has_default_timeout: bool = False
    # The construction was seen (a call in this file), so what it did not set is known
    # unset; False for a client known only by an annotation.
    seen_built: bool = True
    # A connection class that installs its own (caller-made) socket or socket factory.
    own_socket: bool = False
    # Request methods rebound to a partial with timeout= (`s.get = partial(s.get, ...)`).
    bounded_methods: frozenset[str] = frozenset()
    # It keeps connections (a pool, a connection): False for an OpenerDirector, which
    # only sends requests (see OPENER).
    pool: bool = True
    # Its requests are known to reach the network: False for an opener whose handlers
    # may answer them all (leaklint.python.openers).
    connects: bool = True
