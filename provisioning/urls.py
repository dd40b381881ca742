"""Onboarding stages 3-5, under /routers/<id>/ beside the router's own pages."""

from django.urls import path

from provisioning import views

urlpatterns = [
    path("<int:pk>/discover/", views.discovery_refresh, name="router-discover"),
    path("<int:pk>/service-config/", views.service_config_save, name="router-config"),
    path("<int:pk>/deploy/", views.deploy, name="router-deploy"),
]
