"""leaklint: static analysis for connection-leak anti-patterns in Go and Python."""

__version__ = "0.1.0"
