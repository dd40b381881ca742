from django.urls import path

from provisioning import views as provisioning
from routers import views

urlpatterns = [
    path("", views.router_list, name="router-list"),
    path("<int:pk>/", views.router_detail, name="router-detail"),
    path("<int:pk>/rotate-token/", views.router_rotate_token, name="router-rotate-token"),
    path("<int:pk>/probe/", views.router_probe, name="router-probe"),
    path("<int:pk>/import/", views.router_import, name="router-import"),
    path("<int:pk>/discover/", provisioning.discovery_refresh, name="router-discover"),
    path("<int:pk>/service-config/", provisioning.service_config_save, name="router-config"),
    path("<int:pk>/deploy/", provisioning.deploy, name="router-deploy"),
]
