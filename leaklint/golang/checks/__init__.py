"""Go checks, one module per rule or per group of rules that share one analysis, named
by the ids it reports; each exposes run(ctx) and those ids."""

from leaklint.golang.checks import ll000, ll101_ll102_ll103_ll201, ll202, ll301, ll401_ll402

ALL = (ll000, ll101_ll102_ll103_ll201, ll202, ll301, ll401_ll402)
