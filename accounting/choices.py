"""Accounting constants."""

from django.db import models

# Operators' pages and the dashboards listen here (radtik.events topic, per tenant).
SESSIONS_TOPIC = "sessions"
# Sessions per SessionsChanged event: a page of 5,000 changes goes out as a few messages.
EVENT_CHUNK = 200


class SessionService(models.TextChoices):
    HOTSPOT = "hotspot", "Hotspot"
    PPPOE = "pppoe", "PPPoE"
