"""A tenant's domain: the operator's product."""

from django.contrib import admin
from django.urls import include, path
from rest_framework.routers import SimpleRouter

from accounting.api.urls import router as accounting_router
from billing.api.urls import router as billing_router
from billing.api.views import PortalSettingsView
from provisioning.api.urls import router as provisioning_router
from radius.api.urls import router as radius_router
from radtik.urls_common import api_router as common_router
from radtik.urls_common import urlpatterns as common
from routers.api.urls import router as router_router
from tenants import views as tenant_views
from tenants.accounts.api.views import UserViewSet
from tenants.api.views import TenantSettingsView
from vouchers.api.urls import router as voucher_router

router = SimpleRouter()
router.registry.extend(common_router.registry)
router.registry.extend(voucher_router.registry)
router.registry.extend(router_router.registry)
router.registry.extend(provisioning_router.registry)
router.registry.extend(billing_router.registry)
router.registry.extend(radius_router.registry)
router.registry.extend(accounting_router.registry)
router.register("users", UserViewSet, basename="api-user")

urlpatterns = [
    path("", tenant_views.tenant_home, name="home"),
    path("admin/", admin.site.urls),
    path("api/settings/", TenantSettingsView.as_view(), name="api-settings"),
    path("settings/", tenant_views.settings_page, name="settings"),
    path("api/portal-settings/", PortalSettingsView.as_view(), name="api-portal-settings"),
    path("users/", include("tenants.accounts.urls")),
    path("api/", include(router.urls)),
    path("vouchers/", include("vouchers.urls")),
    path("routers/", include("routers.urls")),
    path("routers/", include("provisioning.urls")),
    path("radius/", include("radius.urls")),
    path("sessions/", include("accounting.urls")),
    path("", include("billing.urls")),
    *common,
]
