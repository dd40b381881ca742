"""What an operator installs from deploy/ is valid for the tools that load it."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys

import pytest

from tests.support.nginx import nginx_test, render
from tests.support.processes import ROOT

DEPLOY = ROOT / "deploy"
UNITS = sorted((DEPLOY / "systemd").glob("*.service"))


@pytest.mark.skipif(
    not shutil.which("nginx"), reason="nginx is not installed (apt-get install nginx)"
)
def test_nginx_site_passes_nginx_t(tmp_path):
    out = nginx_test(render(tmp_path))
    assert out.returncode == 0, out.stderr
    assert "syntax is ok" in out.stderr and "test is successful" in out.stderr


def test_nginx_site_upgrades_websockets_redirects_to_https_and_limits_bodies():
    site = (DEPLOY / "nginx" / "radtik.conf").read_text()
    assert "return 301 https://$host$request_uri" in site
    assert re.search(r"location /ws/ \{[^}]*Upgrade \$http_upgrade", site)
    assert "client_max_body_size" in site and "*.radtik.example.com" in site
    assert "X-Request-ID $request_id" in site and "location /static/" in site


@pytest.mark.skipif(
    not shutil.which("systemd-analyze"), reason="systemd-analyze is not installed (systemd)"
)
def test_systemd_units_pass_systemd_analyze_verify(tmp_path):
    """The units as installed, with this checkout standing for /srv/radtik/app."""
    paths = []
    for unit in UNITS:
        text = unit.read_text()
        text = text.replace("/srv/radtik/app/.venv/bin/python", sys.executable)
        text = text.replace("/srv/radtik/app", str(ROOT))
        name = unit.name.replace("@.", "@payments.")  # a template is verified as an instance
        (tmp_path / name).write_text(text)
        paths.append(str(tmp_path / name))
    out = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", *paths],
        capture_output=True, text=True, timeout=120, cwd=tmp_path,
    )  # fmt: skip
    ours = [line for line in out.stderr.splitlines() if str(tmp_path) in line]
    assert out.returncode == 0 and not ours, out.stderr


def test_every_unit_restarts_on_failure_with_a_memory_limit():
    for unit in UNITS:
        text = unit.read_text()
        assert "Restart=on-failure" in text and "MemoryMax=" in text, unit.name
    names = {unit.name for unit in UNITS}
    assert {"radtik-web.service", "radtik-cluster.service", "radtik-cluster@.service",
            "radtik-agent.service", "radtik-freeradius.service"} <= names  # fmt: skip


def test_env_template_lists_every_setting_radtik_reads():
    read = set(re.findall(r'env(?:iron\.get|_bool|_list)?\(\s*"([A-Z][A-Z0-9_]+)"',
                          (ROOT / "radtik" / "settings.py").read_text()))  # fmt: skip
    read |= set(re.findall(r'os\.environ\["([A-Z][A-Z0-9_]+)"\]',
                           (ROOT / "radtik" / "settings.py").read_text()))  # fmt: skip
    template = (DEPLOY / "env" / "radtik.env.template").read_text()
    listed = set(re.findall(r"^#?([A-Z][A-Z0-9_]+)=", template, flags=re.M))
    internal = {"RADTIK_EXTRA_TASK_MODULES"}  # tests' own job kinds
    assert read - listed - internal == set()


def test_grafana_dashboard_is_json_over_radtik_metrics():
    dashboard = json.loads((DEPLOY / "grafana" / "radtik-dashboard.json").read_text())
    exprs = " ".join(t["expr"] for p in dashboard["panels"] for t in p["targets"])
    for metric in ("radtik_queue_depth", "radtik_jobs", "radtik_payments_settled_total",
                   "radtik_routers", "radtik_callback_inbox_lag_seconds"):  # fmt: skip
        assert metric in exprs
