"""ASGI entry: HTTP through Django's WSGI handler on fixed threads (radtik.wsgi_http: our views
and middleware are synchronous, see ARCHITECTURE traps), websockets at /ws/ through channels."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "radtik.settings")

from django.core.wsgi import get_wsgi_application  # noqa: E402

django_wsgi = get_wsgi_application()  # sets Django up before the imports below

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from django.conf import settings  # noqa: E402
from django.urls import path  # noqa: E402

from radtik.realtime.consumers import EventsConsumer  # noqa: E402
from radtik.wsgi_http import WsgiHttp  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": WsgiHttp(django_wsgi, threads=settings.HTTP_THREADS),  # static: WhiteNoise
        "websocket": AllowedHostsOriginValidator(
            URLRouter([path("ws/", EventsConsumer.as_asgi())])
        ),
    }
)
