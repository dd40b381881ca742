"""Import IP pools and PPP secrets/profiles from a router: idempotent and incremental.

Every menu is read whole first, then written page by page, each page in one transaction: a
router that drops mid-read leaves nothing half-written, and items gone from the router are only
marked removed after a complete read.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone

from radtik.jobs.context import JobContext
from routers.choices import ImportWhat
from routers.connection import router_session
from routers.models import IPPool, PPPProfile, PPPSecret, Router

logger = logging.getLogger("radtik.imports")
PAGE = 500


@dataclass
class ImportCounts:
    imported: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    failed: int = 0
    errors: list[dict[str, str]] = field(default_factory=list)


Mapper = Callable[[dict[str, Any]], dict[str, Any]]


def _flag(value: Any) -> bool:
    return str(value).lower() in {"true", "yes"}


def pool_fields(row: dict[str, Any]) -> dict[str, Any]:
    if not row.get("ranges"):
        raise ValueError("pool has no ranges")
    return {"ranges": row["ranges"], "next_pool": row.get("next-pool", "") or ""}


def profile_fields(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "local_address": row.get("local-address", "") or "",
        "remote_address": row.get("remote-address", "") or "",
        "rate_limit": row.get("rate-limit", "") or "",
    }


def secret_fields(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "password": row.get("password", "") or "",
        "service": row.get("service", "") or "",
        "profile": row.get("profile", "") or "",
        "local_address": row.get("local-address", "") or "",
        "remote_address": row.get("remote-address", "") or "",
        "disabled": _flag(row.get("disabled", "false")),
        "comment": (row.get("comment", "") or "")[:500],
    }


MENUS: dict[str, tuple[str, type[models.Model], Mapper]] = {
    "pools": ("/ip/pool", IPPool, pool_fields),
    "profiles": ("/ppp/profile", PPPProfile, profile_fields),
    "secrets": ("/ppp/secret", PPPSecret, secret_fields),
}
PLAN = {
    ImportWhat.POOLS: ["pools"],
    ImportWhat.SECRETS: ["profiles", "secrets"],
    ImportWhat.ALL: ["pools", "profiles", "secrets"],
}


def import_menu(
    *,
    router: Router,
    rows: list[dict[str, Any]],
    menu: str,
    on_page: Callable[[int, int], None] = lambda done, total: None,
) -> ImportCounts:
    """Apply one menu's complete listing to what radtik holds for the router."""
    _, model, mapper = MENUS[menu]
    counts = ImportCounts()
    existing = {item.name: item for item in model.objects.filter(router=router)}
    seen: set[str] = set()
    for start in range(0, len(rows), PAGE):
        creates, updates = [], []
        for row in rows[start : start + PAGE]:
            name = (row.get("name") or "").strip()
            try:
                if not name:
                    raise ValueError("item has no name")
                fields = mapper(row)
            except ValueError as exc:
                counts.failed += 1
                counts.errors.append({"item": name or row.get(".id", "?"), "reason": str(exc)})
                continue
            seen.add(name)
            device_id = row.get(".id", "") or ""
            item = existing.get(name)
            if item is None:
                creates.append(
                    model(router=router, name=name, router_id_on_device=device_id, **fields)
                )
                continue
            changed = any(getattr(item, k) != v for k, v in fields.items())
            if changed or item.removed_at is not None or item.router_id_on_device != device_id:
                for key, value in fields.items():
                    setattr(item, key, value)
                item.removed_at = None
                item.router_id_on_device = device_id
                updates.append(item)
            else:
                counts.unchanged += 1
        with transaction.atomic():
            model.objects.bulk_create(creates)
            if updates:
                model.objects.bulk_update(
                    updates,
                    [*mapper_fields(model), "removed_at", "router_id_on_device", "updated_at"],
                )
        counts.imported += len(creates)
        counts.updated += len(updates)
        on_page(min(start + PAGE, len(rows)), len(rows))
    gone = [name for name, item in existing.items() if name not in seen and item.removed_at is None]
    if gone:
        counts.removed = model.objects.filter(router=router, name__in=gone).update(
            removed_at=timezone.now()
        )
    return counts


def mapper_fields(model: type[models.Model]) -> list[str]:
    skip = {
        "id",
        "router",
        "name",
        "router_id_on_device",
        "imported_at",
        "updated_at",
        "removed_at",
    }
    return [f.name for f in model._meta.concrete_fields if f.name not in skip]


def router_import_run(ctx: JobContext) -> dict[str, Any]:
    """Job body: read the router's menus and import them, logging start and end for support."""
    router = Router.objects.get(pk=ctx.params["router_id"])
    what = ctx.params["what"]
    who = ctx.job.requested_by.get_username() if ctx.job.requested_by else "system"
    ctx.log(
        f"starting import of {what} from router {router.name} (tenant {ctx.schema_name}, "
        f"user {who})"
    )
    menus = PLAN[ImportWhat(what)]
    results: dict[str, Any] = {}
    with router_session(router, timeout=settings.ROUTER_API_TIMEOUT) as api:
        for number, menu in enumerate(menus):
            path = MENUS[menu][0]
            base = int(number * 100 / len(menus))
            span = 100 / len(menus)
            ctx.progress(menu, base, f"reading {path}")
            rows = api.print(path)

            def on_page(done: int, total: int, menu=menu, base=base, span=span) -> None:
                ctx.progress(
                    menu, int(base + span * done / max(total, 1)), f"{menu}: {done}/{total}"
                )

            counts = import_menu(router=router, rows=rows, menu=menu, on_page=on_page)
            results[menu] = asdict(counts)
    summary = "; ".join(
        f"{menu}: {c['imported']} imported, {c['updated']} updated, {c['unchanged']} unchanged, "
        f"{c['removed']} removed, {c['failed']} failed"
        for menu, c in results.items()
    )
    ctx.log(f"completed import from {router.name}: {summary}")
    return results
