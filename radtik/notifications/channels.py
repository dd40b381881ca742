"""The channels a notification goes out on, behind one small interface: `send(message)` returns
what the provider said (its id, the cost) or raises SendFailed with the provider's error."""

from __future__ import annotations

from dataclasses import dataclass
from email.utils import make_msgid
from typing import Protocol

from django.conf import settings
from django.core.mail import EmailMessage

from radtik.notifications.africastalking import AfricasTalkingClient, AtConfig, AtError


@dataclass(frozen=True)
class Outgoing:
    recipient: str
    subject: str
    body: str


@dataclass(frozen=True)
class Delivered:
    provider_id: str
    cost: str = ""


class SendFailed(Exception):
    """Not sent. `permanent`: a retry would fail the same way (the job stops retrying)."""

    def __init__(self, message: str, *, permanent: bool = False):
        super().__init__(message)
        self.permanent = permanent


class Channel(Protocol):
    def send(self, message: Outgoing) -> Delivered: ...


class EmailChannel:
    """Django's mail backend (SMTP in production: EMAIL_HOST, EMAIL_PORT ...)."""

    def send(self, message: Outgoing) -> Delivered:
        message_id = make_msgid(domain=settings.BASE_DOMAIN)
        email = EmailMessage(
            subject=message.subject,
            body=message.body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[message.recipient],
            headers={"Message-ID": message_id},
        )
        try:
            email.send(fail_silently=False)
        except (OSError, ValueError) as exc:  # smtplib's errors are OSErrors
            raise SendFailed(f"E-mail not sent: {type(exc).__name__}: {exc}"[:500]) from exc
        return Delivered(provider_id=message_id)


class SmsChannel:
    def __init__(self, config: AtConfig):
        self.client = AfricasTalkingClient(config)

    def send(self, message: Outgoing) -> Delivered:
        try:
            result = self.client.send(message.recipient, message.body)
        except AtError as exc:
            raise SendFailed(str(exc), permanent=exc.permanent) from exc
        return Delivered(provider_id=result.message_id, cost=result.cost)
