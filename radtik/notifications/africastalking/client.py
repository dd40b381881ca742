"""Africa's Talking's bulk SMS API (POST /version1/messaging); no ORM here.

Form fields username, to, message, from; the key in the `apiKey` header; JSON asked with Accept.
The answer lists each recipient with a statusCode: 100-102 are accepted, the rest were not sent
(see PROTOCOLS.md). Errors name the provider's status, never the number or the key.
"""

from __future__ import annotations

from dataclasses import dataclass

import requests

SANDBOX_URL = "https://api.sandbox.africastalking.com"
LIVE_URL = "https://api.africastalking.com"
MESSAGING_PATH = "/version1/messaging"
ACCEPTED = {100, 101, 102}  # Processed, Sent, Queued
# Retrying cannot help these: the number or the sender is wrong, or the number opted out.
PERMANENT = {402, 403, 404, 406}


@dataclass(frozen=True)
class AtConfig:
    username: str
    api_key: str
    environment: str = "sandbox"
    base_url: str = ""
    sender_id: str = ""
    timeout: float = 15.0

    @property
    def url(self) -> str:
        host = self.base_url or (LIVE_URL if self.environment == "production" else SANDBOX_URL)
        return host.rstrip("/") + MESSAGING_PATH


@dataclass(frozen=True)
class SmsResult:
    message_id: str
    status: str
    status_code: int
    cost: str


class AtError(Exception):
    """Not sent; `permanent` when a retry would fail the same way."""

    def __init__(self, message: str, *, permanent: bool = False):
        super().__init__(message)
        self.permanent = permanent


class AfricasTalkingClient:
    def __init__(self, config: AtConfig, session: requests.Session | None = None):
        self.config = config
        self.session = session or requests.Session()

    def send(self, to: str, message: str) -> SmsResult:
        """Send `message` to one number (+2547...)."""
        data = {"username": self.config.username, "to": to, "message": message}
        if self.config.sender_id:
            data["from"] = self.config.sender_id
        try:
            response = self.session.post(
                self.config.url,
                data=data,
                headers={"apiKey": self.config.api_key, "Accept": "application/json"},
                timeout=self.config.timeout,
            )
        except requests.RequestException as exc:
            raise AtError(f"Africa's Talking unreachable: {type(exc).__name__}") from exc
        if response.status_code == 401:
            raise AtError(
                "Africa's Talking refused the username or API key (HTTP 401): check the SMS "
                "settings"
            )
        if response.status_code >= 400:
            raise AtError(
                f"Africa's Talking answered HTTP {response.status_code}: {response.text[:200]}"
            )
        try:
            data = response.json()["SMSMessageData"]
            recipients = data.get("Recipients") or []
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise AtError(
                f"Africa's Talking answered something else: {response.text[:200]}"
            ) from exc
        if not recipients:
            # e.g. "InvalidSenderId" comes as the Message, with no recipient.
            raise AtError(f"Africa's Talking sent nothing: {data.get('Message', '')}"[:300])
        first = recipients[0]
        code = int(first.get("statusCode") or 0)
        status = str(first.get("status", ""))
        if code not in ACCEPTED:
            raise AtError(f"Africa's Talking: {status} ({code})", permanent=code in PERMANENT)
        return SmsResult(
            message_id=str(first.get("messageId", "")),
            status=status,
            status_code=code,
            cost=str(first.get("cost", "")),
        )
