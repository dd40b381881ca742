"""Debian's nginx with deploy/nginx/radtik.conf, in a scratch prefix: for `nginx -t` and for the
several-hosts test (a non-daemon nginx on free loopback ports in front of test web hosts)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

from tests.support.processes import ROOT, Process

SITE = ROOT / "deploy" / "nginx" / "radtik.conf"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


def self_signed(tmp: Path) -> tuple[Path, Path]:
    cert, key = tmp / "cert.pem", tmp / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=radtik.test", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    return cert, key


def render(
    tmp: Path, *, upstreams: list[int] | None = None, http_port: int = 80, https_port: int = 443
) -> Path:
    """nginx.conf in `tmp` including the site, with its certificate, ports, static root and (if
    given) upstream web hosts replaced; the site's own directives otherwise untouched."""
    tmp.mkdir(parents=True, exist_ok=True)
    cert, key = self_signed(tmp)
    site = SITE.read_text()
    site = site.replace("/etc/radtik/tls/fullchain.pem", str(cert))
    site = site.replace("/etc/radtik/tls/privkey.pem", str(key))
    site = site.replace("/srv/radtik/app/staticfiles/", f"{ROOT}/staticfiles/")
    site = re.sub(r"listen (\[::\]:)?80;", f"listen 127.0.0.1:{http_port};", site, count=1)
    site = re.sub(r"\n\s*listen \[::\]:80;", "", site)
    site = re.sub(r"listen 443 ssl http2;", f"listen 127.0.0.1:{https_port} ssl http2;", site)
    site = re.sub(r"\n\s*listen \[::\]:443 ssl http2;", "", site)
    if upstreams is not None:
        servers = "".join(
            f"    server 127.0.0.1:{port} max_fails=1 fail_timeout=10s;\n" for port in upstreams
        )
        site = re.sub(r"upstream radtik_web \{\n.*?keepalive", "upstream radtik_web {\n"
                      + servers + "    keepalive", site, flags=re.S)  # fmt: skip
    (tmp / "radtik.conf").write_text(site)
    temp_paths = "".join(
        f"    {name}_temp_path {tmp}/{name};\n"
        for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    conf = tmp / "nginx.conf"
    conf.write_text(
        f"pid {tmp}/nginx.pid;\nerror_log {tmp}/error.log;\ndaemon off;\n"
        "worker_processes 1;\nevents { worker_connections 256; }\n"
        f"http {{\n    access_log {tmp}/access.log;\n{temp_paths}"
        f"    include /etc/nginx/mime.types;\n    include {tmp}/radtik.conf;\n}}\n"
    )
    return conf


def nginx_test(conf: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [NGINX, "-t", "-p", str(conf.parent), "-c", str(conf)],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip


def start_nginx(conf: Path) -> Process:
    return Process([NGINX, "-p", str(conf.parent), "-c", str(conf)], conf.parent / "nginx.out", {})
