"""RouterOS script quoting: every value radtik writes into a script goes through here."""

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
