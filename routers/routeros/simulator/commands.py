"""Executes one logged-in API command against a RouterState and returns the reply sentences.

Pure and synchronous (no sockets): the server adds `.tag`, latency and faults around it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from routers.routeros.simulator.menus import MenuSpec
from routers.routeros.simulator.query import matcher
from routers.routeros.simulator.state import RouterState, Trap

Sentence = list[str]


def trap_sentences(message: str, category: int | None = None) -> list[Sentence]:
    trap = ["!trap"]
    if category is not None:
        trap.append(f"=category={category}")
    trap.append(f"=message={message}")
    return [trap, ["!done"]]


def execute(
    state: RouterState, command: str, args: Mapping[str, str], queries: Sequence[str]
) -> list[Sentence]:
    """Reply sentences (without tags) for `command`, e.g. '/ip/pool/add' with its arguments."""
    try:
        return _execute(state, command, args, queries)
    except Trap as trap:
        return trap_sentences(trap.message, trap.category)


def _execute(
    state: RouterState, command: str, args: Mapping[str, str], queries: Sequence[str]
) -> list[Sentence]:
    path, _, verb = command.rpartition("/")
    spec = state.spec(path or "/")
    if verb not in spec.commands:
        raise Trap("no such command", 0)
    if verb == "print":
        return _print(state, spec, args, queries)
    if spec.singleton:  # set
        state.set_singleton(spec.path, args)
        return [["!done"]]
    if verb == "add":
        return [["!done", f"=ret={state.add_row(spec.path, args)}"]]
    reference = args.get(".id") or args.get("numbers")
    if not reference:
        raise Trap("no such item", 0)
    ids = state.resolve(spec.path, reference)
    if verb == "remove":
        state.remove_rows(spec.path, ids)
    else:
        fields = {k: v for k, v in args.items() if k not in (".id", "numbers")}
        if verb in ("enable", "disable"):
            fields = {"disabled": "true" if verb == "disable" else "false"}
        for item_id in ids:
            state.set_row(spec.path, item_id, fields)
    return [["!done"]]


def _print(
    state: RouterState, spec: MenuSpec, args: Mapping[str, str], queries: Sequence[str]
) -> list[Sentence]:
    rows = [state.singleton(spec.path)] if spec.singleton else state.printed_rows(spec.path)
    match = matcher(queries)
    rows = [row for row in rows if match(row)]
    if "count-only" in args:
        return [["!done", f"=ret={len(rows)}"]]
    proplist = [p for p in args.get(".proplist", "").split(",") if p]
    sentences: list[Sentence] = []
    for row in rows:
        keys = proplist or list(dict.fromkeys([".id", *spec.fields, *row]))
        words = ["!re"]
        for key in keys:
            value = row.get(key)
            if not value or key in spec.hidden:
                continue  # RouterOS omits unset properties
            words.append(f"={key}={value}")
        sentences.append(words)
    sentences.append(["!done"])
    return sentences
