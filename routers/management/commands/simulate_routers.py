"""manage.py simulate_routers: serve N simulated MikroTik routers on consecutive ports."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "Run N simulated RouterOS API routers on ports P..P+N-1 until Ctrl-C."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--count", type=int, default=1)
        parser.add_argument("--base-port", type=int, default=18728)
        parser.add_argument("--user", default="admin")
        parser.add_argument("--password", default="admin")
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument("--latency-ms", type=float, default=0.0)
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument(
            "--hotspot-base-port",
            type=int,
            default=None,
            help="also act as NAS: router i's hotspot login page on this port + i (0: any)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        from routers.routeros.simulator.cli import run_simulated_routers

        run_simulated_routers(
            out=self.stdout,
            count=options["count"],
            base_port=options["base_port"],
            user=options["user"],
            password=options["password"],
            seed=options["seed"],
            latency_ms=options["latency_ms"],
            host=options["host"],
            hotspot_base_port=options["hotspot_base_port"],
        )
