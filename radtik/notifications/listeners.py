"""The domain events notifications listen to (radtik.events.listen): each runs inside the
publishing transaction and queues what its cause sends (radtik.notifications.triggers)."""

from __future__ import annotations

from radtik.events import DomainEvent, listen
from radtik.notifications import triggers


@listen("payments", "payment.completed", many=True)
def on_payments_completed(events: list[DomainEvent]) -> None:
    triggers.payment_receipts_queue(payment_ids=[event.payload["id"] for event in events])


# The probe's statuses (routers being onboarded, which router health does not watch yet); the
# down-for-N-minutes rule is the periodic check's (routers_down_alert).
@listen("routers", "RouterStatusUpdated")
def on_router_status(event: DomainEvent) -> None:
    triggers.router_status_note(router_id=event.payload["id"], status=event.payload["status"])


# A watched (deployed) router's outage, as router health decides it: RouterDown once it has been
# down the tenant's router_down_minutes, RouterUp when it is back after that.
@listen("routers", "RouterDown")
def on_router_down(event: DomainEvent) -> None:
    triggers.router_health_alert(payload=event.payload, up=False)


@listen("routers", "RouterUp")
def on_router_up(event: DomainEvent) -> None:
    triggers.router_health_alert(payload=event.payload, up=True)


@listen("jobs", "job.failed")
def on_job_failed(event: DomainEvent) -> None:
    triggers.job_failed_alert(payload=event.payload)


@listen("callbacks", "callback.quarantined")
def on_callback_quarantined(event: DomainEvent) -> None:
    triggers.callback_quarantined_alert(payload=event.payload)


@listen("tenants", "tenant.ready")
def on_tenant_ready(event: DomainEvent) -> None:
    triggers.tenant_welcome_queue(tenant_id=event.payload["id"])
