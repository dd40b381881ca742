from django.db import models
from encrypted_fields.fields import EncryptedCharField


class RadiusServer(models.Model):
    """A FreeRADIUS host reached through its radtik agent (radius/agent)."""

    name = models.CharField(max_length=100, unique=True)
    host = models.CharField(max_length=255, help_text="Address routers send RADIUS requests to.")
    api_base_url = models.URLField(help_text="The agent's URL, e.g. http://10.0.0.5:8799")
    auth_token = EncryptedCharField(max_length=200)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
