"""Go checks, one module per concern; each exposes run(ctx) and the ids it reports."""

from leaklint.golang.checks import defer_in_loop, per_call, resources, syntax, timeouts

ALL = (syntax, resources, defer_in_loop, per_call, timeouts)
