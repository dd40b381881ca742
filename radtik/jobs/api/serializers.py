from rest_framework import serializers
from rest_framework.reverse import reverse

from radtik.jobs.models import Job, JobLogLine


class JobLogLineSerializer(serializers.ModelSerializer):
    class Meta:
        model = JobLogLine
        fields = ["at", "level", "stage", "message"]


class JobSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()
    page_url = serializers.SerializerMethodField()
    # None for jobs the system queued (periodic work, retries).
    requested_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )

    class Meta:
        model = Job
        fields = [
            "id",
            "url",
            "page_url",
            "kind",
            "target_type",
            "target_id",
            "target_repr",
            "status",
            "stage",
            "progress",
            "message",
            "attempts",
            "max_attempts",
            "error",
            "result",
            "requested_by",
            "created_at",
            "started_at",
            "finished_at",
            "next_attempt_at",
            "can_retry",
        ]
        read_only_fields = fields

    def get_url(self, job: Job) -> str:
        return reverse("api-job-detail", args=[job.pk], request=self.context.get("request"))

    def get_page_url(self, job: Job) -> str:
        return reverse("job-page", args=[job.pk], request=self.context.get("request"))


class JobDetailSerializer(JobSerializer):
    log = JobLogLineSerializer(source="log_lines", many=True, read_only=True)

    class Meta(JobSerializer.Meta):
        fields = [*JobSerializer.Meta.fields, "log"]
        read_only_fields = fields
