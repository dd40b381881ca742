from typing import ClassVar

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db import models
from encrypted_fields.fields import EncryptedCharField

from radius.agent.rate_limit import RATE_LIMIT_FORM, rate_limit_check
from radius.users import RadiusLimits


def validate_rate_limit(value: str) -> None:
    """The agent's own check (radius/agent/rate_limit.py), as a form error."""
    if not value:
        return
    try:
        rate_limit_check(value)
    except ValueError:
        raise ValidationError(f"Use {RATE_LIMIT_FORM}.") from None


class RadiusLimitsModel(models.Model):
    """Limits FreeRADIUS enforces, shared by what is sold: voucher profiles and packages."""

    time_limit = models.PositiveIntegerField(
        null=True, blank=True, help_text="Seconds of use; empty for unlimited."
    )
    data_limit = models.PositiveBigIntegerField(null=True, blank=True, help_text="Bytes.")
    rate_limit = models.CharField(max_length=100, blank=True, validators=[validate_rate_limit])

    # The field saying how many devices may be logged in at once (each model names its own).
    sessions_field: ClassVar[str]

    class Meta:
        abstract = True

    @property
    def sessions_allowed(self) -> int:
        return getattr(self, self.sessions_field)

    def radius_limits(self) -> RadiusLimits:
        return RadiusLimits(
            time_limit=self.time_limit,
            data_limit=self.data_limit,
            rate_limit=self.rate_limit,
            simultaneous_use=self.sessions_allowed,
        )


class RadiusServer(models.Model):
    """A FreeRADIUS host reached through its radtik agent (radius/agent)."""

    name = models.CharField(max_length=100, unique=True)
    host = models.CharField(max_length=255, help_text="Address routers send RADIUS requests to.")
    auth_port = models.PositiveIntegerField(
        default=1812, validators=[MaxValueValidator(65535)], help_text="FreeRADIUS's auth port."
    )
    acct_port = models.PositiveIntegerField(
        default=1813, validators=[MaxValueValidator(65535)], help_text="Its accounting port."
    )
    api_base_url = models.URLField(help_text="The agent's URL, e.g. http://10.0.0.5:8799")
    auth_token = EncryptedCharField(max_length=200)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
