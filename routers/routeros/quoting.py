"""RouterOS script quoting: every value radtik writes into a script goes through here; and
durations in the form RouterOS prints them."""

from __future__ import annotations

_ESCAPES = {
    "\\": "\\\\",
    '"': '\\"',
    "$": "\\$",  # variable substitution
    "?": "\\?",  # the console's help key
    "\n": "\\n",
    "\r": "\\r",
    "\t": "\\t",
}


def ros_quote(value: object) -> str:
    """A RouterOS double-quoted string whose content is taken literally."""
    text = str(value)
    if any(ord(ch) < 32 and ch not in "\n\r\t" for ch in text):
        raise ValueError("control characters cannot be written into a RouterOS script")
    return '"' + "".join(_ESCAPES.get(ch, ch) for ch in text) + '"'


def ros_duration(seconds: int) -> str:
    """RouterOS's form ('1w2d3h4m5s', zero parts omitted, '0s' for zero): what a router prints
    back for a time it was given, so a deployed value reads back unchanged."""
    parts = []
    for unit, size in (("w", 604800), ("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        amount, seconds = divmod(seconds, size)
        if amount:
            parts.append(f"{amount}{unit}")
    return "".join(parts) or "0s"
