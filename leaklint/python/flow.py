"""Ownership of one local variable through a function body.

A small abstract interpretation over libcst statements. The state is the set of
possibilities for the variable: U (not holding the resource), O (holding it, open),
C (closed or handed over). A path that reaches a `return` or the end of the function
with O possible leaks. Closing: `with`/`async with`, contextlib.closing, the library's
close/release methods, reading the whole body where that releases the connection.
Hand-over (not a leak): returned, yielded, stored anywhere, passed to a call,
entered into an ExitStack, captured by a nested function or lambda.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import libcst as cst

from leaklint.python import api
from leaklint.python.facts import Facts, Function
from leaklint.python.names import targets, unwrap

State = frozenset[str]
OPEN: State = frozenset({"O"})
UNSET: State = frozenset({"U"})

# Calls that look at a value without taking it over.
_HARMLESS_CALLS = frozenset({
    "print", "len", "isinstance", "str", "repr", "bool", "id", "type", "hasattr",
    "getattr", "callable", "format", "vars", "dir", "hash",
})


def _close(state: State) -> State:
    return frozenset("C" if s == "O" else s for s in state)


def _unset(state: State) -> State:
    return frozenset("U" if s == "O" else s for s in state)


@dataclass
class Ownership:
    var: str
    acquire: cst.CSTNode  # the statement (Assign / AnnAssign) that binds the resource
    closers: frozenset[str]  # methods that close or release it
    readers: frozenset[str]  # attributes/methods that read it to the end
    facts: Facts
    fn: Function
    leaks: list[cst.CSTNode] = field(default_factory=list)  # Return nodes
    leaks_at_end: bool = False
    # Statements that bind the variable again while it may still hold an open resource:
    # the first one is lost (also the acquisition itself, run again by a loop).
    overwritten: list[cst.CSTNode] = field(default_factory=list)
    handed_over: bool = False
    _protected: int = 0  # depth of try blocks whose finally closes the variable

    # -- events in expressions ------------------------------------------------------
    def _is_var(self, node: cst.CSTNode) -> bool:
        return isinstance(node, cst.Name) and node.value == self.var

    def releases(self, node: cst.CSTNode) -> bool:
        """Does this expression or statement close, read out or hand over the variable?
        Only the variable's own Name nodes are looked at (indexed by the collector)."""
        for name in self.facts.uses(self.fn, self.var):
            if (name is node or self.facts.inside(name, node)) and self._releasing_use(name):
                return True
        return False

    def _releasing_use(self, name: cst.Name) -> bool:
        parents = self.facts.parents
        parent = parents.get(name)
        if isinstance(parent, cst.Attribute) and parent.attr is name:
            return False  # `x.r` is another object's member, not the variable
        if isinstance(parent, cst.Arg) and parent.keyword is name:
            return False
        if isinstance(parent, (cst.Param, cst.ImportAlias, cst.AsName)):
            return False
        if isinstance(parent, cst.Attribute) and parent.value is name:
            member = parent.attr.value
            if member in api.RESPONSE_ITERATORS:
                return consumed(self.facts, parent)
            return member in self.closers or member in self.readers
        if parent is None or isinstance(parent, (cst.Comparison, cst.ComparisonTarget,
                                                 cst.UnaryOperation, cst.Del,
                                                 cst.AssignTarget, cst.If, cst.While,
                                                 cst.BooleanOperation, cst.IfExp)):
            return isinstance(parent, cst.IfExp) and parent.test is not name
        if isinstance(parent, cst.Arg):
            call = parents.get(parent)
            if isinstance(call, cst.Call) and self.facts.names(call.func) & api.BORROWERS:
                return False  # read, left open: still ours to close
            if isinstance(call, cst.Call) and isinstance(call.func, cst.Name):
                return call.func.value not in _HARMLESS_CALLS
            return True
        # Otherwise: returned, yielded, stored, aliased, captured, with-item...
        return not isinstance(parent, (cst.FormattedStringExpression, cst.Subscript))

    def _apply(self, node: cst.CSTNode, state: State, *, value: bool = False) -> State:
        """Apply the events of node. value: node is a value that goes somewhere
        (returned, assigned, iterated), so the bare variable there is handed over."""
        if "O" in state and ((value and self._is_var(unwrap(node))) or self.releases(node)):
            self.handed_over = True
            return _close(state)
        return state

    # -- statements -------------------------------------------------------------------
    def run(self, body: Sequence[cst.CSTNode]) -> None:
        end = self._block(body, UNSET)
        if end is not None and "O" in end:
            self.leaks_at_end = True

    def _block(self, stmts: Sequence[cst.CSTNode], state: State) -> State | None:
        for stmt in stmts:
            after = self._stmt(stmt, state)
            if after is None:
                return None
            state = after
        return state

    def _suite(self, suite: cst.BaseSuite, state: State) -> State | None:
        return self._block(suite.body, state)

    def _stmt(self, stmt: cst.CSTNode, state: State) -> State | None:
        if isinstance(stmt, cst.SimpleStatementLine):
            for small in stmt.body:
                after = self._small(small, state)
                if after is None:
                    return None
                state = after
            return state
        if isinstance(stmt, cst.If):
            state = self._apply(stmt.test, state)
            then_state, else_state = self._guard(stmt.test, state)
            a = self._suite(stmt.body, then_state)
            if stmt.orelse is None:
                b: State | None = else_state
            elif isinstance(stmt.orelse, cst.If):
                b = self._stmt(stmt.orelse, else_state)
            else:
                b = self._suite(stmt.orelse.body, else_state)
            return _merge(a, b)
        if isinstance(stmt, (cst.For, cst.While)):
            head = stmt.iter if isinstance(stmt, cst.For) else stmt.test
            state = self._apply(head, state, value=isinstance(stmt, cst.For))
            loop_state = state
            for _ in range(2):
                end = self._suite(stmt.body, loop_state)
                loop_state = _merge(loop_state, end) or loop_state
            if stmt.orelse is not None:
                return self._suite(stmt.orelse.body, loop_state)
            return loop_state
        if isinstance(stmt, (cst.Try, cst.TryStar)):
            return self._try(stmt, state)
        if isinstance(stmt, cst.With):
            for item in stmt.items:
                if self._acquires(item):
                    state = OPEN
                elif self._is_var(unwrap(item.item)) or self.releases(item.item):
                    self.handed_over = True
                    state = _close(state)
            return self._suite(stmt.body, state)
        if isinstance(stmt, (cst.FunctionDef, cst.ClassDef)):
            if self._captured(stmt):
                self.handed_over = True
                return _close(state)
            return state
        if isinstance(stmt, cst.Match):
            result: State | None = None
            state = self._apply(stmt.subject, state)
            for case in stmt.cases:
                result = _merge(result, self._suite(case.body, state))
            return _merge(result, state)
        return self._apply(stmt, state)

    def _captured(self, definition: cst.CSTNode) -> bool:
        return any(
            self.facts.uses(fn, self.var)
            for fn in self.facts.functions
            if fn is definition or self.facts.inside(fn, definition)
        )

    def _small(self, small: cst.CSTNode, state: State) -> State | None:
        if isinstance(small, cst.Return):
            if small.value is not None:
                state = self._apply(small.value, state, value=True)
            if "O" in state and not self._protected:
                self.leaks.append(small)
            return None
        if isinstance(small, cst.Raise):
            return None  # an exception ends the path; the caller never sees the object
        if small is self.acquire:
            self._overwrite(small, state)
            return OPEN
        if isinstance(small, (cst.Assign, cst.AnnAssign, cst.AugAssign)):
            value = small.value
            if value is not None:
                state = self._apply(value, state, value=True)
            rebinds = any(self._is_var(t) for t in _assign_targets(small))
            if rebinds:
                self._overwrite(small, state)
                return _unset(state) if "O" not in state else UNSET | (state - OPEN)
            return self._apply_targets(small, state)
        return self._apply(small, state)

    def _overwrite(self, small: cst.CSTNode, state: State) -> None:
        """Binding the variable while it may hold an open resource loses that one
        (AugAssign only updates it in place)."""
        if "O" in state and not self._protected and not isinstance(small, cst.AugAssign) \
                and small not in self.overwritten and not self._after_failed_acquire(small):
            self.overwritten.append(small)

    def _after_failed_acquire(self, small: cst.CSTNode) -> bool:
        """In a handler of the try that acquires, the acquisition most likely is what
        raised: nothing was bound, so binding the name loses nothing."""
        handler = self.facts.enclosing(small, (cst.ExceptHandler, cst.ExceptStarHandler))
        while handler is not None:
            owner = self.facts.parents.get(handler)
            if isinstance(owner, (cst.Try, cst.TryStar)) \
                    and self.facts.inside(self.acquire, owner.body):
                return True
            handler = self.facts.enclosing(handler, (cst.ExceptHandler, cst.ExceptStarHandler))
        return False

    def _apply_targets(self, small: cst.CSTNode, state: State) -> State:
        # `self.x = v` and `d[k] = v` are stores; the target side never releases.
        return state

    def _acquires(self, item: cst.WithItem) -> bool:
        return item is self.acquire

    def _guard(self, test: cst.BaseExpression, state: State) -> tuple[State, State]:
        """Refine on `if v`, `if v is not None`, `if v is None`, `if not v`."""
        none_in_then = None
        if self._is_var(test):
            none_in_then = False
        elif isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not) \
                and self._is_var(test.expression):
            none_in_then = True
        elif isinstance(test, cst.Comparison) and self._is_var(test.left) \
                and len(test.comparisons) == 1:
            comp = test.comparisons[0]
            if isinstance(comp.comparator, cst.Name) and comp.comparator.value == "None":
                if isinstance(comp.operator, cst.IsNot):
                    none_in_then = False
                elif isinstance(comp.operator, cst.Is):
                    none_in_then = True
        if none_in_then is None:
            return state, state
        if none_in_then:
            return _unset(state), state
        return state, _unset(state)

    def _try(self, stmt: cst.Try | cst.TryStar, state: State) -> State | None:
        final_closes = stmt.finalbody is not None and self.releases(stmt.finalbody)
        if final_closes:
            self._protected += 1
        # A handler runs when a statement of the body raised: the variable holds what
        # it held before that statement (an acquisition that raised bound nothing).
        entry: State = state
        body_end: State | None = state
        for inner in stmt.body.body:
            entry = entry | body_end
            body_end = self._stmt(inner, body_end)
            if body_end is None:
                break
        ends: list[State | None] = []
        for handler in stmt.handlers:
            ends.append(self._suite(handler.body, entry))
        if stmt.orelse is not None and body_end is not None:
            ends.append(self._suite(stmt.orelse.body, body_end))
        elif body_end is not None:
            ends.append(body_end)
        if final_closes:
            self._protected -= 1
        result: State | None = None
        for end in ends:
            result = _merge(result, end)
        if stmt.finalbody is not None:
            if final_closes:
                self.handed_over = True
                return _close(result) if result is not None else None
            if result is None:
                self._suite(stmt.finalbody.body, entry)
                return None
            return self._suite(stmt.finalbody.body, result)
        return result


def consumed(facts: Facts, member: cst.Attribute) -> bool:
    """Is `x.iter_lines()` (the call of this member) iterated to the end: a `for` loop's
    iterable, a comprehension's, or passed to list()/b"".join()...?"""
    call = facts.parents.get(member)
    if not isinstance(call, cst.Call) or call.func is not member:
        return False
    holder = facts.parents.get(call)
    if isinstance(holder, cst.For):
        # A loop that can leave early (break, return, raise) may stop mid-body.
        return holder.iter is call and not _leaves_early(holder)
    if isinstance(holder, cst.CompFor):
        return holder.iter is call
    if isinstance(holder, cst.Arg):
        outer = facts.parents.get(holder)
        if isinstance(outer, cst.Call):
            func = outer.func
            name = func.value if isinstance(func, cst.Name) else (
                func.attr.value if isinstance(func, cst.Attribute) else "")
            return name in api.CONSUMERS
    return False


def _leaves_early(loop: cst.For) -> bool:
    """Does the loop body contain a break, return or raise (not in a nested loop or
    function, whose break/return would not leave this loop)?"""
    stack: list[tuple[cst.CSTNode, bool]] = [(loop.body, False)]
    while stack:
        node, nested = stack.pop()
        if isinstance(node, (cst.Return, cst.Raise)) or (
                isinstance(node, cst.Break) and not nested):
            return True
        if isinstance(node, (cst.FunctionDef, cst.Lambda, cst.ClassDef)):
            continue
        # A return or raise inside a nested loop still leaves; its break does not.
        inner = nested or isinstance(node, (cst.For, cst.While))
        stack.extend((child, inner) for child in _statements_of(node))
    return False


def _statements_of(node: cst.CSTNode) -> list[cst.CSTNode]:
    return [c for c in node.children if isinstance(c, cst.CSTNode)]


def _assign_targets(small: cst.CSTNode) -> list[cst.CSTNode]:
    if isinstance(small, cst.Assign):
        out: list[cst.CSTNode] = []
        for target in small.targets:
            out.extend(targets(target.target))
        return out
    if isinstance(small, (cst.AnnAssign, cst.AugAssign)):
        return [small.target]
    return []


def _merge(a: State | None, b: State | None) -> State | None:
    if a is None:
        return b
    if b is None:
        return a
    return a | b
