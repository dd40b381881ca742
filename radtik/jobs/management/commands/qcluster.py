"""django-q2's qcluster, recording which cluster this is for /readyz (radtik.health) and
running it at settings.CLUSTER_NICE (its workers are forked from it and inherit it)."""

from __future__ import annotations

import os

from django.conf import settings
from django_q.management.commands.qcluster import Command as QClusterCommand

from radtik.health import cluster_register


class Command(QClusterCommand):
    def handle(self, *args, **options):
        if options.get("cluster_name"):
            os.environ["Q_CLUSTER_NAME"] = options["cluster_name"]
        if settings.CLUSTER_NICE:
            os.nice(settings.CLUSTER_NICE)
        cluster_register(os.getpid())
        return super().handle(*args, **options)
