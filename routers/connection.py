"""Open an adapter session to a Router record: the one place that reads its credentials."""

from __future__ import annotations

from contextlib import contextmanager

from routers.models import Router


@contextmanager
def router_session(router: Router, *, timeout: float):
    """Connect with the router's stored API credentials; always closed on exit."""
    from routers.routeros.client import Credentials, RouterClient

    credentials = Credentials(
        host=router.host,
        port=router.api_port,
        username=router.api_username,
        password=router.api_password,
        use_tls=router.use_tls,
        timeout=timeout,
    )
    with RouterClient.connect(credentials) as api:
        yield api
