"""Wording: a tenant's template if it has one, else the default; rendered with string.Template
(placeholders name values, nothing else), once as sent and once with secrets left out."""

from __future__ import annotations

from string import Template

from radtik.notifications.defaults import DEFAULTS
from radtik.notifications.models import NotificationTemplate

HIDDEN = "••••••"


def template_text(*, key: str, language: str, channel: str) -> tuple[str, str]:
    """(subject, body) of `key`: the tenant's own, else the default in `language` or English."""
    own = NotificationTemplate.objects.filter(key=key, language=language, channel=channel).first()
    if own is not None:
        return own.subject, own.body
    return DEFAULTS.get((key, language)) or DEFAULTS[(key, "en")]


def render(text: str, context: dict[str, object]) -> str:
    return Template(text).safe_substitute({k: str(v) for k, v in context.items()})


def render_both(text: str, context: dict[str, object], secrets: tuple[str, ...]) -> tuple[str, str]:
    """The text as sent, and the same with each of `secrets` hidden (what pages show)."""
    hidden = {**context, **{name: HIDDEN for name in secrets if name in context}}
    return render(text, context), render(text, hidden)
