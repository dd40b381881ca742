"""Africa's Talking SMS: the client radtik sends with, and a simulator speaking the same API."""

from radtik.notifications.africastalking.client import (
    AfricasTalkingClient,
    AtConfig,
    AtError,
    SmsResult,
)

__all__ = ["AfricasTalkingClient", "AtConfig", "AtError", "SmsResult"]
