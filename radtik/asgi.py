"""ASGI entry: HTTP through Django (sync views, see ARCHITECTURE traps), websockets at /ws/."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "radtik.settings")

from django.conf import settings  # noqa: E402
from django.core.asgi import get_asgi_application  # noqa: E402

django_asgi = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler  # noqa: E402
from django.urls import path  # noqa: E402

from radtik.realtime.consumers import EventsConsumer  # noqa: E402

http_app = ASGIStaticFilesHandler(django_asgi) if settings.DEBUG else django_asgi

application = ProtocolTypeRouter(
    {
        "http": http_app,
        "websocket": AllowedHostsOriginValidator(
            URLRouter([path("ws/", EventsConsumer.as_asgi())])
        ),
    }
)
