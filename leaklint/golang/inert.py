"""Which imports of a Go file can hand it anything the rules track.

Importing net only for `net.IP`, or net/http only for `http.StatusOK` and handler
types, gives a file nothing to leak: no connection, response, client, transport or
server comes out of those members. Such an import does not make the file a seed of the
prefilter (the file can still join through the package-level names it mentions, see
leaklint.golang.reach). The tables list members known to be inert; any other member,
a dot import, or the package name used other than as `name.Member` keeps the import;
so does net/http in a file that reads a `.Body` (the analysis takes the result of an
untyped call whose Body is read for a response).
"""

from __future__ import annotations

import re
from functools import lru_cache

from leaklint.golang.header import COMMENTS_AND_LITERALS, GoHeader


def _members(words: str) -> frozenset[str]:
    return frozenset(words.split())


_NET = _members("""
    IP IPMask IPNet IPAddr TCPAddr UDPAddr UnixAddr Addr HardwareAddr Flags Interface
    MX NS SRV Buffers IPv4 IPv4Mask CIDRMask ParseIP ParseCIDR ParseMAC JoinHostPort
    SplitHostPort ResolveIPAddr ResolveTCPAddr ResolveUDPAddr ResolveUnixAddr
    TCPAddrFromAddrPort UDPAddrFromAddrPort LookupAddr LookupCNAME LookupHost LookupIP
    LookupMX LookupNS LookupPort LookupSRV LookupTXT Interfaces InterfaceByIndex
    InterfaceByName InterfaceAddrs IPv4len IPv6len IPv4bcast IPv4allsys IPv4allrouter
    IPv4zero IPv6zero IPv6unspecified IPv6loopback IPv6interfacelocalallnodes
    IPv6linklocalallnodes IPv6linklocalallrouters FlagUp FlagBroadcast FlagLoopback
    FlagPointToPoint FlagMulticast FlagRunning Error OpError AddrError DNSError
    DNSConfigError ParseError UnknownNetworkError InvalidAddrError
""")

_HTTP = _members("""
    Header Cookie Request ResponseWriter Handler HandlerFunc ServeMux Flusher Pusher
    PushOptions CloseNotifier File FileSystem Dir ConnState CookieJar ProtocolError
    MaxBytesError Protocols HTTP2Config CrossOriginProtection NewCrossOriginProtection
    StatusText CanonicalHeaderKey DetectContentType ParseHTTPVersion ParseTime
    ParseCookie ParseSetCookie Error NotFound NotFoundHandler Redirect RedirectHandler
    ServeContent ServeFile ServeFileFS FileServer FileServerFS FS StripPrefix
    TimeoutHandler MaxBytesReader MaxBytesHandler AllowQuerySemicolons Handle HandleFunc
    NewServeMux NewRequest NewRequestWithContext ReadRequest SetCookie NoBody
    DefaultServeMux TimeFormat DefaultMaxHeaderBytes TrailerPrefix LocalAddrContextKey
    ServerContextKey ProxyFromEnvironment ProxyURL
""")

_TLS = _members("""
    Config Certificate LoadX509KeyPair X509KeyPair ConnectionState ClientAuthType
    NoClientCert RequestClientCert RequireAnyClientCert VerifyClientCertIfGiven
    RequireAndVerifyClientCert CurveID CurveP256 CurveP384 CurveP521 X25519
    X25519MLKEM768 SignatureScheme PKCS1WithSHA256 PKCS1WithSHA384 PKCS1WithSHA512
    PSSWithSHA256 PSSWithSHA384 PSSWithSHA512 ECDSAWithP256AndSHA256
    ECDSAWithP384AndSHA384 ECDSAWithP521AndSHA512 Ed25519 PKCS1WithSHA1 ECDSAWithSHA1
    ClientHelloInfo CertificateRequestInfo CipherSuite CipherSuites InsecureCipherSuites
    CipherSuiteName VersionName NewLRUClientSessionCache ClientSessionCache
    ClientSessionState SessionState RecordHeaderError AlertError
    CertificateVerificationError ECHRejectionError RenegotiationSupport RenegotiateNever
    RenegotiateOnceAsClient RenegotiateFreelyAsClient
""")

# Import path -> (inert members, prefixes of inert constant and error names).
INERT_MEMBERS: dict[str, tuple[frozenset[str], tuple[str, ...]]] = {
    "net": (_NET, ("Err",)),
    "net/http": (_HTTP, ("Status", "Method", "SameSite", "State", "Err")),
    "crypto/tls": (_TLS, ("TLS_", "Version")),
}

_BODY_READ = re.compile(rb"\.\s*Body(?![\w\x80-\xff])")


@lru_cache(maxsize=64)
def _uses(names: tuple[bytes, ...]) -> re.Pattern[bytes]:
    """Matches a use of one of the package names (comments and literals skipped: a word
    in them is not a use): group 1 the name, group 2 the member when it is selected
    (`http.Get`), absent when the name stands alone."""
    alternatives = b"|".join(re.escape(n) for n in names)
    return re.compile(
        COMMENTS_AND_LITERALS + rb"|(?<![\w.\x80-\xff])(" + alternatives + rb")(?![\w\x80-\xff])"
        rb"(?:\s*\.\s*([A-Za-z_\x80-\xff][\w\x80-\xff]*))?",
        re.DOTALL,
    )


def _inert(path: str, member: str) -> bool:
    names, prefixes = INERT_MEMBERS[path]
    return member in names or member.startswith(prefixes)


def reaching_imports(source: bytes, header: GoHeader) -> list[str]:
    """The file's import paths, less those of the tabled packages that it uses only
    through inert members (or not at all: a blank import runs the package's init)."""
    by_name: dict[bytes, str] = {}
    kept: list[str] = []
    for spec in header.imports:
        if spec.path not in INERT_MEMBERS or spec.name == ".":
            kept.append(spec.path)
        elif spec.name != "_":
            name = spec.name or spec.path.rsplit("/", 1)[-1]
            by_name[name.encode()] = spec.path
    if not by_name:
        return kept
    live: set[str] = set()
    tabled = set(by_name.values())
    if "net/http" in tabled and _BODY_READ.search(source, header.end):
        # The analysis takes an untyped call result whose .Body is read for a response
        # (a third-party client's): such a file stays with net/http, as it always was.
        live.add("net/http")
    for m in _uses(tuple(sorted(by_name))).finditer(source, header.end):
        name = m.group(1)
        if name is None:
            continue  # a comment or a literal
        path = by_name[name]
        member = m.group(2)
        if member is None or not _inert(path, member.decode("utf-8", "replace")):
            live.add(path)
            if len(live) == len(tabled):
                break
    return kept + [p for p in dict.fromkeys(by_name.values()) if p in live]
