"""Kenyan mobile numbers in the one form Daraja accepts (2547XXXXXXXX / 2541XXXXXXXX)."""

from __future__ import annotations

import re

_SEPARATORS = re.compile(r"[\s\-().]")
_CANONICAL = re.compile(r"254[17]\d{8}")
_EXPECTED = "expected a Safaricom-style number such as 0712345678, 0112345678 or +254712345678"


def normalize_phone(raw: str | int) -> str:
    """Any common way of writing a Kenyan mobile number → 2547XXXXXXXX or 2541XXXXXXXX."""
    if isinstance(raw, bool) or not isinstance(raw, str | int):
        raise ValueError(f"phone number must be text, not {type(raw).__name__}; {_EXPECTED}")
    text = _SEPARATORS.sub("", str(raw))
    if text.startswith("+"):
        text = text[1:]
    elif text.startswith("00"):
        text = text[2:]  # international dialling prefix, 00254…
    # ASCII only: str.isdigit() also passes Arabic-Indic or fullwidth digits, which no network
    # dials and which would be stored as a different "number".
    if not (text.isascii() and text.isdigit()):
        raise ValueError(f"phone number may only contain digits, spaces and dashes; {_EXPECTED}")
    if len(text) == 10 and text.startswith("0"):
        text = "254" + text[1:]
    elif len(text) == 9:
        text = "254" + text
    if not _CANONICAL.fullmatch(text):
        raise ValueError(f"phone number is not a Kenyan mobile number; {_EXPECTED}")
    return text


def mask_phone(phone: str) -> str:
    """2547****5678: enough to recognise a customer in logs and events without exposing them."""
    if len(phone) <= 8:
        return "*" * len(phone)
    return f"{phone[:4]}****{phone[-4:]}"
