"""The base domain: system admins manage tenants."""

from django.contrib import admin
from django.urls import include, path
from rest_framework.routers import SimpleRouter

from radtik.urls_common import api_router as common_router
from radtik.urls_common import urlpatterns as common
from tenants import views as tenant_views
from tenants.api.views import TenantViewSet

router = SimpleRouter()
router.registry.extend(common_router.registry)
router.register("tenants", TenantViewSet, basename="api-tenant")

urlpatterns = [
    path("", tenant_views.platform_home, name="home"),
    path("admin/", admin.site.urls),
    path("api/", include(router.urls)),
    *common,
]
