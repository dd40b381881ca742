"""`print` query words, evaluated the way RouterOS does: a stack of booleans per item.

`?name` has property · `?-name` lacks it · `?name=x` / `?=name=x` equals · `?<name=x` less ·
`?>name=x` greater · `?#ops`: `|` or, `&` and, `!` not, `.` duplicate top, digits push a copy
of the n-th value from the top. Whatever is left on the stack is and-ed; empty = match all.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from routers.routeros.simulator.state import Trap

_BOOLEAN_WORDS = {"yes": "true", "true": "true", "no": "false", "false": "false"}
Predicate = Callable[[Mapping[str, str]], bool]


def _compare(left: str | None, right: str, op: str) -> bool:
    if left is None:
        return False
    try:
        a, b = int(left), int(right)
    except ValueError:
        a, b = left, right  # type: ignore[assignment]
    return a < b if op == "<" else a > b


def _leaf(word: str) -> Predicate:
    body = word[1:]
    if body.startswith("-"):
        key = body[1:]
        return lambda row: key not in row or row[key] == ""
    if body[:1] in ("<", ">"):
        op, (key, _, value) = body[0], body[1:].partition("=")
        return lambda row: _compare(row.get(key), value, op)
    if body.startswith("="):  # librouteros: ?=name=value
        body = body[1:]
    key, sep, value = body.partition("=")
    if not sep:
        return lambda row: key in row and row[key] != ""
    return lambda row: _same(row.get(key, ""), value)


def _same(stored: str, wanted: str) -> bool:
    """Booleans are typed on RouterOS: ?running=yes matches a row printed running=true."""
    if stored in ("true", "false") and wanted.lower() in _BOOLEAN_WORDS:
        return stored == _BOOLEAN_WORDS[wanted.lower()]
    return stored == wanted


def matcher(words: Sequence[str]) -> Predicate:
    """Compile query words to one predicate (raises Trap on a malformed stack operation)."""
    program: list[tuple[str, Predicate | None]] = []
    for word in words:
        if word.startswith("?#"):
            program.append((word[2:], None))
        else:
            program.append(("", _leaf(word)))

    def run(row: Mapping[str, str]) -> bool:
        stack: list[bool] = []
        for ops, leaf in program:
            if leaf is not None:
                stack.append(leaf(row))
                continue
            _apply(stack, ops)
        return all(stack)

    return run


def _apply(stack: list[bool], ops: str) -> None:
    i = 0
    while i < len(ops):
        op = ops[i]
        try:
            if op == "!":
                stack.append(not stack.pop())
            elif op in "|&":
                b, a = stack.pop(), stack.pop()
                stack.append((a or b) if op == "|" else (a and b))
            elif op == ".":
                stack.append(stack[-1])
            elif op.isdigit():
                j = i
                while j < len(ops) and ops[j].isdigit():
                    j += 1
                stack.append(stack[-1 - int(ops[i:j])])
                i = j
                continue
            else:
                raise Trap(f"unknown query operation {op}", 5)
        except IndexError:
            raise Trap("invalid query: stack underflow", 5) from None
        i += 1
