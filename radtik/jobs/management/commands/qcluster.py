"""django-q2's qcluster, recording which cluster this is for /readyz (radtik.health)."""

from __future__ import annotations

import os

from django_q.management.commands.qcluster import Command as QClusterCommand

from radtik.health import cluster_register


class Command(QClusterCommand):
    def handle(self, *args, **options):
        if options.get("cluster_name"):
            os.environ["Q_CLUSTER_NAME"] = options["cluster_name"]
        cluster_register(os.getpid())
        return super().handle(*args, **options)
