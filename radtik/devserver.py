"""`make run`: the whole product on one machine.

Keys generated once into .data/keys.json (unless given in the environment), DEBUG on,
embedded PostgreSQL / Redis when DATABASE_URL / REDIS_URL are unset, migrations, a system admin,
the demo tenant `acme`, then daphne (HTTP + websockets, radtik.webserver: one process per core)
and the task clusters until Ctrl-C.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from radtik.embedded import DATA_DIR, ENV_FILE

ROOT = Path(__file__).resolve().parent.parent
DEMO_SLUG = "acme"
AGENT_PORT = 8799
SIM_BASE_PORT = 18728
SIM_COUNT = 3
DARAJA_SIM_PORT = 8790
HOTSPOT_BASE_PORT = 18080  # the simulated routers' hotspot login pages
# FreeRADIUS beside the agent, off the standard ports a RADIUS host of the machine may hold.
RADIUS_AUTH_PORT, RADIUS_ACCT_PORT = 18120, 18130


def _servers(env: dict[str, str]) -> str:
    described = []
    if "DATABASE_URL" not in env:
        from radtik.embedded import embedded_database_url

        env["DATABASE_URL"] = embedded_database_url(keep_running=False)
        described.append(f"PostgreSQL 18 embedded ({DATA_DIR / 'postgres'})")
    else:
        described.append("PostgreSQL from DATABASE_URL")
    if "REDIS_URL" not in env:
        from radtik.embedded import embedded_redis_url

        env["REDIS_URL"] = embedded_redis_url()
        described.append(f"Redis embedded ({DATA_DIR / 'redis.rdb'})")
    else:
        described.append("Redis from REDIS_URL")
    return "servers: " + " · ".join(described)


def _kept(filename: str, defaults: dict[str, str]) -> dict[str, str]:
    """Values generated once and kept under .data/ (mode 600), so every run reuses them."""
    path = DATA_DIR / filename
    kept = json.loads(path.read_text()) if path.exists() else {}
    if all(key in kept for key in defaults):
        return kept
    kept = {**defaults, **kept}
    _private_write(filename, kept)
    return kept


def _private_write(filename: str, values: dict[str, str]) -> None:
    path = DATA_DIR / filename
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    path.touch(mode=0o600)
    path.chmod(0o600)  # before the secrets go in
    path.write_text(json.dumps(values, indent=2))


# What another terminal's manage.py needs to reach this run (radtik.devmanage).
SHARED_ENV = ("DJANGO_SETTINGS_MODULE", "DEBUG", "SECRET_KEY", "FIELD_ENCRYPTION_KEY",
              "DATABASE_URL", "REDIS_URL")  # fmt: skip


def _credentials() -> dict[str, str]:
    """Dev credentials, printed on every run."""
    return _kept(
        "credentials.json",
        {
            "system_admin": "admin",
            "system_password": secrets.token_urlsafe(9),
            "tenant_admin": "admin",
            "tenant_password": secrets.token_urlsafe(9),
            "agent_token": secrets.token_urlsafe(24),
            "router_admin_password": secrets.token_urlsafe(9),
        },
    )


def _keys() -> dict[str, str]:
    """The dev keys: never a key from the repository."""
    return _kept(
        "keys.json",
        {
            "SECRET_KEY": secrets.token_urlsafe(50),
            "FIELD_ENCRYPTION_KEY": secrets.token_urlsafe(50),
        },
    )


def _manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=False)


def _tenant_exists(env: dict[str, str], slug: str) -> bool:
    code = (
        "from tenants.models import Tenant;"
        f"import sys; sys.exit(0 if Tenant.objects.filter(slug={slug!r}, status='active')"
        ".exists() else 1)"
    )
    return _manage(env, "shell", "-c", code).returncode == 0


def _freeradius(env: dict[str, str]) -> tuple[subprocess.Popen | None, str]:
    """FreeRADIUS from the configuration radtik ships (`python -m radius.agent
    freeradius-config`), on the demo agent's store, once the agent has created it."""
    from radius.agent.freeradius import SOURCE

    if shutil.which("freeradius") is None or not SOURCE.is_dir():
        return None, (
            "not installed (apt-get install freeradius freeradius-postgresql): vouchers sync, "
            "but no simulated router can log one in"
        )
    import requests

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if requests.get(f"http://127.0.0.1:{AGENT_PORT}/health", timeout=1).ok:
                break
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raddb = DATA_DIR / "raddb"
    shutil.rmtree(raddb, ignore_errors=True)  # written afresh: it follows the shipped config
    command = [
        sys.executable, "-m", "radius.agent", "freeradius-config",
        "--db", str(DATA_DIR / "radius.db"), "--out", str(raddb), "--listen", "127.0.0.1",
        "--auth-port", str(RADIUS_AUTH_PORT), "--acct-port", str(RADIUS_ACCT_PORT),
        "--as-current-user",
    ]  # fmt: skip
    written = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    if written.returncode:
        return None, f"configuration failed: {written.stderr.strip()}"
    proc = subprocess.Popen(
        ["freeradius", "-f", "-d", str(raddb)], cwd=ROOT, start_new_session=True, env=env
    )
    return proc, (
        f"FreeRADIUS on 127.0.0.1:{RADIUS_AUTH_PORT}/{RADIUS_ACCT_PORT} "
        f"(log {raddb / 'log' / 'radius.log'})"
    )


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def main() -> int:
    signal.signal(signal.SIGTERM, _interrupt)
    signal.signal(signal.SIGINT, _interrupt)  # also when started from a shell that ignores it
    env = dict(os.environ)
    env.setdefault("DJANGO_SETTINGS_MODULE", "radtik.settings")
    env.setdefault("DEBUG", "1")  # a developer's machine: tracebacks and static files
    for name, value in _keys().items():
        env.setdefault(name, value)  # keys given in the environment win
    port = env.setdefault("PORT", "8000")
    print(_servers(env), flush=True)
    _private_write(ENV_FILE, {name: env[name] for name in SHARED_ENV})
    creds = _credentials()
    setup = _manage(
        env,
        "platform_setup",
        "--admin-username",
        creds["system_admin"],
        "--admin-password",
        creds["system_password"],
    )
    if setup.returncode:
        return setup.returncode
    _manage(env, "collectstatic", "--noinput", "-v", "0")
    token_file = DATA_DIR / "agent.token"
    token_file.write_text(creds["agent_token"] + "\n")
    token_file.chmod(0o600)
    children = [
        subprocess.Popen(
            [sys.executable, "manage.py", "qcluster"], cwd=ROOT, start_new_session=True, env=env
        ),
        subprocess.Popen(
            [sys.executable, "manage.py", "qcluster"],
            cwd=ROOT,
            start_new_session=True,
            env={**env, "Q_CLUSTER_NAME": "payments"},
        ),
        # The demo's RADIUS agent (what runs next to FreeRADIUS in production) ...
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "radius.agent",
                "--db",
                str(DATA_DIR / "radius.db"),
                "--token-file",
                str(token_file),
                "--port",
                str(AGENT_PORT),
            ],
            cwd=ROOT,
            start_new_session=True,
            env=env,
        ),
        # ... and simulated MikroTik routers to onboard.
        subprocess.Popen(
            [
                sys.executable,
                "manage.py",
                "simulate_routers",
                "--count",
                str(SIM_COUNT),
                "--base-port",
                str(SIM_BASE_PORT),
                "--user",
                "admin",
                "--password",
                creds["router_admin_password"],
                "--hotspot-base-port",
                str(HOTSPOT_BASE_PORT),
            ],
            cwd=ROOT,
            start_new_session=True,
            env=env,
        ),
        # ... and a Daraja (M-Pesa) that answers every STK push with a payment 3 s later.
        subprocess.Popen(
            [sys.executable, "-m", "billing.mpesa.simulator", "--port", str(DARAJA_SIM_PORT)],
            cwd=ROOT,
            start_new_session=True,
            env=env,
        ),
        # HTTP + websockets: one daphne per core (WEB_PROCESSES) on the one port.
        subprocess.Popen(
            [sys.executable, "-m", "radtik.webserver", "-b", "0.0.0.0", "-p", port],
            cwd=ROOT,
            start_new_session=True,
            env=env,
        ),
    ]
    try:
        watched = list(children)  # FreeRADIUS stopping (said in its log) stops nothing else
        radius, radius_said = _freeradius(env)
        if radius is not None:
            children.append(radius)
        if not _tenant_exists(env, DEMO_SLUG):
            created = _manage(
                env,
                "create_tenant",
                DEMO_SLUG,
                "--name",
                "Acme WiFi",
                "--admin-username",
                creds["tenant_admin"],
                "--admin-password",
                creds["tenant_password"],
            )
            if created.returncode:
                print("demo tenant could not be created; see the lines above", flush=True)
        _manage(
            env,
            "demo_setup",
            "--tenant",
            DEMO_SLUG,
            "--agent-url",
            f"http://127.0.0.1:{AGENT_PORT}",
            "--agent-token",
            creds["agent_token"],
            "--daraja-url",
            f"http://127.0.0.1:{DARAJA_SIM_PORT}",
            "--radius-auth-port",
            str(RADIUS_AUTH_PORT),
            "--radius-acct-port",
            str(RADIUS_ACCT_PORT),
        )
        print(
            "\n"
            f"  radtik is running (Ctrl-C stops everything)\n"
            f"  tenant  http://{DEMO_SLUG}.localhost:{port}/   "
            f"user {creds['tenant_admin']} / {creds['tenant_password']}\n"
            f"  system  http://localhost:{port}/admin/   "
            f"user {creds['system_admin']} / {creds['system_password']}\n"
            f"  API     http://{DEMO_SLUG}.localhost:{port}/api/docs/\n"
            f"  routers {SIM_COUNT} simulated MikroTiks at 127.0.0.1:{SIM_BASE_PORT}.."
            f"{SIM_BASE_PORT + SIM_COUNT - 1}, admin / {creds['router_admin_password']}\n"
            f"          after adding one, apply its bootstrap script with\n"
            f"          .venv/bin/python -m radtik.devmanage apply_bootstrap --tenant {DEMO_SLUG} "
            f"--router NAME --admin-password {creds['router_admin_password']}\n"
            f"  RADIUS  agent http://127.0.0.1:{AGENT_PORT} "
            f"(server 'demo-radius' in {DEMO_SLUG}); {radius_said}\n"
            f"  hotspot login pages of the simulated routers: "
            f"http://127.0.0.1:{HOTSPOT_BASE_PORT}/login .. "
            f"http://127.0.0.1:{HOTSPOT_BASE_PORT + SIM_COUNT - 1}/login\n"
            f"          once a router's service config (hotspot + RADIUS on demo-radius) is\n"
            f"          deployed, a voucher of a synced batch logs in there\n"
            f"  M-Pesa  Daraja simulator http://127.0.0.1:{DARAJA_SIM_PORT}: buy a package at "
            f"http://{DEMO_SLUG}.localhost:{port}/portal/ with any 07XXXXXXXX number\n",
            flush=True,
        )
        while all(child.poll() is None for child in watched):
            time.sleep(0.5)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not skip the cleanup
        # Each child leads its own process group, so Ctrl-C reaches only this process: a qcluster
        # whose every process got SIGINT at once could leave its workers behind. Each gets
        # SIGTERM (its graceful stop), then whatever is left of its group is killed.
        for child in children:
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        for child in children:
            try:
                child.wait(15)
            except subprocess.TimeoutExpired:
                pass
            try:
                os.killpg(child.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        from radtik.embedded import stop_embedded

        stop_embedded()
        print("stopped", flush=True)


if __name__ == "__main__":
    sys.exit(main())
