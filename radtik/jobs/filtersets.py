"""The query filters of the job list, shared by its page and the API (see radtik.lists)."""

import django_filters

from radtik.jobs.models import Job


class JobFilter(django_filters.FilterSet):
    class Meta:
        model = Job
        fields = ["status", "kind", "target_type", "target_id"]
