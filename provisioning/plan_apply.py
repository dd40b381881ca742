"""Stage 5: apply a plan item by item, undo on failure, read back and verify.

Before anything changes, each touched item's current row is kept (plan.current); a failure at
step k undoes steps k-1..1 in reverse, leaving the router as it was.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from provisioning.plan import Item, PlanStep, desired_items, diff
from routers.routeros.errors import RouterError


class DeployFailed(Exception):
    def __init__(self, message: str, *, step: int | None = None, item: str = ""):
        super().__init__(message)
        self.step = step
        self.item = item


@dataclass
class Applied:
    step: PlanStep
    new_id: str = ""


def read_current(api: Any, item: Item) -> dict[str, str] | None:
    if item.singleton:
        return api.get_singleton(item.path)
    rows = api.print(item.path, **item.key)
    return rows[0] if rows else None


def build_plan(api: Any, config: dict[str, Any]) -> list[PlanStep]:
    return [diff(item, read_current(api, item)) for item in desired_items(config)]


def apply_plan(api: Any, steps: list[PlanStep], on_step=lambda n, total, step: None) -> int:
    """Apply every step that changes something; returns how many did."""
    applied: list[Applied] = []
    pending = [s for s in steps if s.action != "unchanged"]
    for number, step in enumerate(pending, start=1):
        try:
            applied.append(_apply(api, step))
        except RouterError as exc:
            undo_errors = rollback(api, applied)
            message = (
                f"step {number} of {len(pending)} ({step.action} {step.item.label}) failed: {exc}"
            )
            if undo_errors:
                message += "; undo incomplete: " + "; ".join(undo_errors)
            else:
                message += f"; {len(applied)} earlier step(s) undone"
            raise DeployFailed(message, step=number, item=step.item.label) from exc
        on_step(number, len(pending), step)
    return len(pending)


def _apply(api: Any, step: PlanStep) -> Applied:
    item = step.item
    if item.singleton:
        api.set_singleton(item.path, **item.fields)
        return Applied(step)
    if step.action == "create":
        return Applied(step, new_id=api.add(item.path, **item.fields))
    changed = {key: new for key, (_, new) in step.changes.items()}
    api.set(item.path, step.current[".id"], **changed)
    return Applied(step)


def rollback(api: Any, applied: list[Applied]) -> list[str]:
    errors = []
    for done in reversed(applied):
        item, step = done.step.item, done.step
        try:
            if step.action == "create" and not item.singleton:
                api.remove(item.path, done.new_id)
            else:
                previous = {key: old or "" for key, (old, _) in step.changes.items()}
                if item.singleton:
                    api.set_singleton(item.path, **previous)
                else:
                    api.set(item.path, step.current[".id"], **previous)
        except RouterError as exc:
            errors.append(f"{item.label}: {exc}")
    return errors


def verify(api: Any, config: dict[str, Any]) -> None:
    """Every desired item is on the router with the desired values."""
    drift = [step.item.label for step in build_plan(api, config) if step.action != "unchanged"]
    if drift:
        raise DeployFailed(f"verification failed: the router does not hold {', '.join(drift)}")
