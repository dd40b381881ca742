"""URLs served on every domain: login, jobs (page + API), auth token, OpenAPI."""

from django.contrib.auth import views as auth_views
from django.urls import path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import SimpleRouter

from radtik.auth_token import ObtainToken
from radtik.jobs import views as job_views
from radtik.jobs.api.views import JobViewSet


class SchemaView(SpectacularAPIView):
    """The schema of the domain asked: the public API on the base domain, the tenant API else."""

    @extend_schema(responses={200: OpenApiTypes.OBJECT})  # as SpectacularAPIView.get says
    def get(self, request, *args, **kwargs):
        self.urlconf = getattr(request, "urlconf", None)
        return super().get(request, *args, **kwargs)


api_router = SimpleRouter()
api_router.register("jobs", JobViewSet, basename="api-job")

urlpatterns = [
    path("login/", auth_views.LoginView.as_view(template_name="login.html"), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("jobs/", job_views.job_list, name="job-list"),
    path("jobs/<int:pk>/", job_views.job_page, name="job-page"),
    path("jobs/<int:pk>/retry/", job_views.job_retry, name="job-retry"),
    path("api/auth/token/", ObtainToken.as_view(), name="api-token"),
    path("api/schema/", SchemaView.as_view(), name="api-schema"),
    # The split view: its script is a file of this site (the Content-Security-Policy allows no
    # inline script).
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
]
