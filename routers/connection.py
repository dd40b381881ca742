"""Open an adapter session to a Router record: the one place that reads its credentials."""

from __future__ import annotations

from contextlib import contextmanager

from routers.models import Router


@contextmanager
def router_session(router: Router, *, timeout: float):
    """Connect with the router's stored API credentials; always closed on exit. Over TLS only
    the pinned certificate is accepted; a router with none yet has the one it shows now pinned
    on this object (trust on first use), which probing stores (no ORM here: probes run in
    threads)."""
    from routers.routeros.client import Credentials, RouterClient

    if router.use_tls and not router.tls_certificate:
        router.tls_certificate = _first_certificate(router, timeout)

    credentials = Credentials(
        host=router.host,
        port=router.api_port,
        username=router.api_username,
        password=router.api_password,
        use_tls=router.use_tls,
        tls_certificate=router.tls_certificate,
        timeout=timeout,
    )
    with RouterClient.connect(credentials) as api:
        yield api


def _first_certificate(router: Router, timeout: float) -> str:
    import ssl

    from routers.routeros.errors import RouterTLSError, RouterUnreachable
    from routers.routeros.tls_pin import certificate_seen

    port = router.api_port or 8729
    try:
        return certificate_seen(router.host, port, timeout=timeout)
    except ssl.SSLError as exc:
        raise RouterTLSError(
            f"TLS with {router.host}:{port} failed ({exc.reason or exc}). Check that api-ssl "
            "has a certificate in /ip service (the bootstrap script makes one)."
        ) from None
    except (TimeoutError, OSError) as exc:
        raise RouterUnreachable(f"{router.host}:{port} is unreachable: {exc}") from None
