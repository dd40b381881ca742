"""Trust on first use for api-ssl: a router's self-signed certificate is read once, kept, and
from then on the only certificate accepted from it (no CA, no host name: routers have neither).
"""

from __future__ import annotations

import hashlib
import socket
import ssl


def fingerprint(pem: str) -> str:
    """SHA-256 of the certificate's DER, colon-separated upper-case hex."""
    digest = hashlib.sha256(ssl.PEM_cert_to_DER_cert(pem)).hexdigest().upper()
    return ":".join(digest[i : i + 2] for i in range(0, len(digest), 2))


def certificate_seen(host: str, port: int, *, timeout: float) -> str:
    """The certificate the router presents now (PEM), unverified: the first contact's."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    with socket.create_connection((host, port), timeout=timeout) as sock:
        with context.wrap_socket(sock) as tls:
            der = tls.getpeercert(binary_form=True)
    if der is None:
        raise ssl.SSLError("the router presented no certificate")
    return ssl.DER_cert_to_PEM_cert(der)


def pinned_context(pem: str) -> ssl.SSLContext:
    """A context that accepts exactly this certificate (self-signed, so it is its own anchor)."""
    context = ssl.create_default_context(cadata=pem)
    context.check_hostname = False
    context.verify_flags |= ssl.VERIFY_X509_PARTIAL_CHAIN
    return context
