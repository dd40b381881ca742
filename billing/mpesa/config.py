"""Which Daraja to talk to and with which credentials; secrets stay out of repr()."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from urllib.parse import urlsplit


class Environment(StrEnum):
    SANDBOX = "sandbox"
    PRODUCTION = "production"


class TransactionType(StrEnum):
    PAYBILL = "CustomerPayBillOnline"
    BUY_GOODS = "CustomerBuyGoodsOnline"


HOSTS: dict[Environment, str] = {
    Environment.SANDBOX: "https://sandbox.safaricom.co.ke",
    Environment.PRODUCTION: "https://api.safaricom.co.ke",
}


@dataclass(frozen=True)
class DarajaConfig:
    """One Daraja app + till/paybill. `base_url` (e.g. the simulator) overrides `environment`.

    `party_b` defaults to the shortcode (right for PayBill; a Buy Goods till sets its till number).
    """

    shortcode: str
    passkey: str = field(repr=False)
    consumer_key: str = field(repr=False)
    consumer_secret: str = field(repr=False)
    environment: Environment = Environment.SANDBOX
    base_url: str = ""
    transaction_type: TransactionType = TransactionType.PAYBILL
    party_b: str = ""
    timeout: float = 30.0

    def __post_init__(self) -> None:
        shortcode = str(self.shortcode).strip()
        if not shortcode.isdigit():
            raise ValueError("Daraja shortcode must be the digits of your paybill or till number")
        for name in ("passkey", "consumer_key", "consumer_secret"):
            if not getattr(self, name):
                raise ValueError(f"Daraja {name} is empty: copy it from the Daraja portal app")
        try:
            environment = Environment(self.environment)
        except ValueError:
            raise ValueError(
                f"unknown Daraja environment {self.environment!r}: use 'sandbox' or 'production'"
            ) from None
        try:
            transaction_type = TransactionType(self.transaction_type)
        except ValueError:
            raise ValueError(
                f"unknown transaction type {self.transaction_type!r}: use "
                "'CustomerPayBillOnline' (paybill) or 'CustomerBuyGoodsOnline' (till)"
            ) from None
        base_url = (self.base_url or HOSTS[environment]).rstrip("/")
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(f"Daraja base_url must be an http(s) URL, got {base_url!r}")
        if self.timeout <= 0:
            raise ValueError("Daraja timeout must be a positive number of seconds")
        # Frozen dataclass: normalised values are written once, here.
        object.__setattr__(self, "shortcode", shortcode)
        object.__setattr__(self, "environment", environment)
        object.__setattr__(self, "transaction_type", transaction_type)
        object.__setattr__(self, "base_url", base_url)
        object.__setattr__(self, "party_b", str(self.party_b or shortcode))
