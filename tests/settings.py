"""Test settings: the machine's PostgreSQL and Redis unless DATABASE_URL / REDIS_URL say else."""

import os
import secrets

# `make test` runs the suite in pytest-xdist workers, each its own run: its database, channel and
# key prefix, SMTP port. A worker inherits the values its controller made when it loaded these
# settings; it makes its own instead (the processes it starts inherit the worker's).
_worker = os.environ.get("PYTEST_XDIST_WORKER")
if _worker and os.environ.get("RADTIK_TEST_WORKER") != _worker:
    os.environ["RADTIK_TEST_WORKER"] = _worker
    for _name in ("RADTIK_CHANNEL_PREFIX", "EMAIL_PORT"):
        os.environ.pop(_name, None)

os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/radtik")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/0")
os.environ.setdefault("RADTIK_EXTRA_TASK_MODULES", "tests.support.jobkinds")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
# Inherited by the worker and server processes the tests start: same groups, apart from others.
os.environ.setdefault("RADTIK_CHANNEL_PREFIX", f"radtik-test-{os.getpid()}")
# Probing sweeps tick faster than in production: tests use 1 s probe intervals.
os.environ.setdefault("ROUTER_PROBE_TICK", "0.3")
# Health checks too: tests set 2-second tenant intervals.
os.environ.setdefault("ROUTER_HEALTH_TICK", "0.3")
os.environ.setdefault("ROUTER_HEALTH_TIMEOUT", "1")
# Accounting reads too: tests set 2-second tenant intervals.
os.environ.setdefault("ACCOUNTING_TICK", "0.3")
# The lease sweep looks for lapsed attempts every second (production: 5 s); leases stay 30 s.
os.environ.setdefault("RADTIK_JOB_LEASE_TICK", "1")
# Keys made per run (inherited by the processes the tests start): none is ever committed.
os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
os.environ.setdefault("FIELD_ENCRYPTION_KEY", secrets.token_urlsafe(50))
# Test servers speak plain http on loopback (production settings default to TLS).
os.environ.setdefault("TLS", "0")
# Every test client and server speaks from 127.0.0.1: production's per-address rates would throttle
# unrelated tests; the throttle tests set their own.
for scope in ("AUTH_TOKEN", "PORTAL_INITIATE", "PORTAL_STATUS"):
    os.environ.setdefault(f"THROTTLE_{scope}", "10000/min")

# The suite's daphne serves static/ straight from the source folders (no collectstatic), as
# `make run` does, so the browser tests load the pages' scripts.
os.environ.setdefault("WHITENOISE_USE_FINDERS", "1")

# Notifications: e-mail to the session's SMTP server on loopback (tests/fixtures/notifications.py),
# on a port fixed now so the worker processes inherit it; sends retry within seconds.
if "EMAIL_PORT" not in os.environ:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        os.environ["EMAIL_PORT"] = str(probe.getsockname()[1])
os.environ.setdefault("EMAIL_HOST", "127.0.0.1")
os.environ.setdefault("NOTIFY_RETRY_DELAYS", "1,1")

from radtik.settings import *  # noqa: E402,F403

# One test database per run, so two runs (a developer's and CI's, or two helpers') never collide.
DATABASES["default"]["TEST"] = {"NAME": f"test_radtik_{os.getpid()}"}  # noqa: F405
# Periodic jobs would start at unpredictable moments inside tests; tests run them explicitly.
Q_CLUSTER = {**Q_CLUSTER, "scheduler": False}  # noqa: F405
