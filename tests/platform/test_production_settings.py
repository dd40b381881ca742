"""Production defaults: no key from the repository, DEBUG only when asked, `check --deploy` clean,
and keys that rotate without losing a stored secret."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys

import pytest
import requests
from django_tenants.utils import schema_context

from tests.support.processes import ROOT, process_env

PRODUCTION = {"DJANGO_SETTINGS_MODULE": "radtik.settings"}


def run(code_or_args: str | list[str], **env: str) -> subprocess.CompletedProcess:
    """A fresh process on the production settings, with `env` (a None value unsets it)."""
    args = code_or_args if isinstance(code_or_args, list) else ["-c", code_or_args]
    environ = {k: v for k, v in process_env(**PRODUCTION).items() if k not in ("DEBUG", "TLS")}
    for name, value in env.items():
        environ.pop(name, None) if value is None else environ.__setitem__(name, value)
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
    )


SHOW_DEBUG = (
    "import django; django.setup(); from django.conf import settings; print(settings.DEBUG)"
)


@pytest.mark.parametrize("missing", ["SECRET_KEY", "FIELD_ENCRYPTION_KEY"])
def test_a_start_without_both_keys_is_refused(missing):
    out = run(SHOW_DEBUG, **{missing: None})
    assert out.returncode != 0
    assert "SECRET_KEY and FIELD_ENCRYPTION_KEY" in out.stderr


def test_debug_is_off_unless_asked():
    assert run(SHOW_DEBUG).stdout.strip() == "False"
    assert run(SHOW_DEBUG, DEBUG="1").stdout.strip() == "True"


@pytest.mark.parametrize("module", ["radtik.settings", "radtik.settings_production"])
def test_check_deploy_is_clean_with_production_settings(module):
    out = run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        DJANGO_SETTINGS_MODULE=module,
        BASE_DOMAIN="radtik.example",
        SECRET_KEY=secrets.token_urlsafe(50),
        FIELD_ENCRYPTION_KEY=secrets.token_urlsafe(50),
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert "no issues" in out.stdout


def test_anonymous_404_and_pages_carry_no_debug_and_a_csp(daphne_server, tenants):
    """The test server runs the default settings (DEBUG unset), as production does."""
    base = f"http://127.0.0.1:{daphne_server}"
    missing = requests.get(f"{base}/no-such-page/", headers={"Host": "alpha.localhost"}, timeout=30)
    assert missing.status_code == 404
    assert "URLconf" not in missing.text and "radtik.urls" not in missing.text
    login = requests.get(f"{base}/login/", headers={"Host": "alpha.localhost"}, timeout=30)
    assert "script-src 'self'" in login.headers["Content-Security-Policy"]


def test_rotated_keys_still_decrypt_and_reencrypt_moves_every_secret_to_the_new_keys(live_db):
    from provisioning.models import RouterConfig
    from radtik.crypto import decrypt, encrypt
    from routers.models import Router

    with schema_context("alpha"):
        router = Router.objects.create(
            name="rot-1", host="10.9.0.1", api_username="radtik", api_password="router-pw-1"
        )
        config = RouterConfig.objects.create(
            router=router, version=1, config={"radius": {"secret_encrypted": encrypt("shh-123")}}
        )
    old = {"SECRET_KEY": os.environ["SECRET_KEY"], "FIELD": os.environ["FIELD_ENCRYPTION_KEY"]}
    new = {
        "SECRET_KEY": secrets.token_urlsafe(50),
        "FIELD_ENCRYPTION_KEY": secrets.token_urlsafe(50),
    }
    read_back = (
        "import django; django.setup();"
        "from django_tenants.utils import schema_context;"
        "from routers.models import Router; from provisioning.models import RouterConfig;"
        "from radtik.crypto import decrypt\n"
        "with schema_context('alpha'):\n"
        f"    print(Router.objects.get(pk={router.pk}).api_password,"
        f" decrypt(RouterConfig.objects.get(pk={config.pk}).config['radius']['secret_encrypted']))"
    )
    env = {"DJANGO_SETTINGS_MODULE": "tests.settings", "TLS": "0"}

    # New keys alone cannot open what the old ones wrote: the command says what to do.
    refused = run(["manage.py", "reencrypt_fields"], **env, **new)
    assert refused.returncode != 0
    assert "FIELD_ENCRYPTION_KEY_FALLBACKS" in refused.stderr and "routers_router" in refused.stderr

    # With the old keys as fallbacks, reads work at once and the command re-encrypts.
    fallbacks = {
        "SECRET_KEY_FALLBACKS": old["SECRET_KEY"],
        "FIELD_ENCRYPTION_KEY_FALLBACKS": old["FIELD"],
    }
    assert run(read_back, **env, **new, **fallbacks).stdout.split() == ["router-pw-1", "shh-123"]
    rotated = run(["manage.py", "reencrypt_fields"], **env, **new, **fallbacks)
    assert rotated.returncode == 0, rotated.stderr
    assert "alpha: 2 values re-encrypted" in rotated.stdout

    # Now the new keys alone read everything, and the old keys read nothing.
    assert run(read_back, **env, **new).stdout.split() == ["router-pw-1", "shh-123"]
    with schema_context("alpha"):
        stored = RouterConfig.objects.get(pk=config.pk).config["radius"]["secret_encrypted"]
    from cryptography.fernet import InvalidToken

    with pytest.raises(InvalidToken):
        decrypt(stored)


def test_make_run_generates_its_keys_once_into_the_data_dir(tmp_path):
    show = "import json; from radtik.devserver import _keys; print(json.dumps(_keys()))"
    first = run(show, RADTIK_DATA_DIR=str(tmp_path))
    again = run(show, RADTIK_DATA_DIR=str(tmp_path))
    assert first.returncode == 0, first.stderr
    assert first.stdout == again.stdout  # kept: sessions and stored secrets survive a restart
    keys = json.loads(first.stdout)
    assert set(keys) == {"SECRET_KEY", "FIELD_ENCRYPTION_KEY"}
    assert keys["SECRET_KEY"] != os.environ["SECRET_KEY"] and len(keys["SECRET_KEY"]) >= 50
    assert (tmp_path / "keys.json").stat().st_mode & 0o777 == 0o600


def test_production_module_refuses_embedded_servers_and_debug():
    production = {"DJANGO_SETTINGS_MODULE": "radtik.settings_production", "BASE_DOMAIN": "x.test"}
    refused = run(SHOW_DEBUG, **production, REDIS_URL=None)
    assert refused.returncode != 0 and "REDIS_URL" in refused.stderr
    assert run(SHOW_DEBUG, **production, DEBUG="1").returncode != 0
    assert run(SHOW_DEBUG, **production).stdout.strip() == "False"


def test_production_defaults_serve_only_the_base_domain_over_tls():
    """What `check --deploy` looks at, as a deployment gets it (TLS on unless DEBUG), and the
    hosts: the base domain and its tenants' subdomains, nothing else."""
    show = (
        "import json, django; django.setup(); from django.conf import settings as s; "
        "from django.test import Client; "
        "answer = Client(HTTP_HOST='evil.example').get('/login/', secure=True); "
        "foreign = [answer.status_code, 'evil.example' in answer.content.decode()]; "
        "print(json.dumps({'hosts': s.ALLOWED_HOSTS, 'hsts': s.SECURE_HSTS_SECONDS, "
        "'session': s.SESSION_COOKIE_SECURE, 'csrf': s.CSRF_COOKIE_SECURE, "
        "'redirect': s.SECURE_SSL_REDIRECT, 'foreign': foreign}))"
    )
    out = run(show, BASE_DOMAIN="radtik.example", ALLOWED_HOSTS=None)
    assert out.returncode == 0, out.stderr
    got = json.loads(out.stdout.strip().splitlines()[-1])
    assert got["hosts"] == [".radtik.example", "radtik.example", "127.0.0.1"]
    assert got["hsts"] >= 31536000 and got["session"] and got["csrf"] and got["redirect"]
    # DisallowedHost, which django-tenants answers with a bare 404: the host is never looked up
    # (an allowed unknown host gets "No radtik account is served at <host>").
    assert got["foreign"] == [404, False]


def test_another_terminal_s_manage_py_reaches_the_running_make_run(tmp_path):
    """The banner's apply_bootstrap line: radtik.devmanage takes the run's servers and keys
    from .data/env.json; without it, one readable line."""
    shared = {name: os.environ[name] for name in ("SECRET_KEY", "FIELD_ENCRYPTION_KEY")}
    shared["DATABASE_URL"] = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1/radtik")
    (tmp_path / "env.json").write_text(json.dumps(shared))
    bare = {name: None for name in shared} | {"RADTIK_DATA_DIR": str(tmp_path)}
    assert run(["manage.py", "check"], **bare).returncode != 0  # manage.py alone: refused
    done = run(["-m", "radtik.devmanage", "check"], **bare)
    assert done.returncode == 0, done.stderr
    (tmp_path / "env.json").unlink()
    missing = run(["-m", "radtik.devmanage", "check"], **bare)
    assert missing.returncode == 2 and "start `make run` first" in missing.stderr
