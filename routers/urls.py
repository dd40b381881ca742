from django.urls import path

from routers import views

urlpatterns = [
    path("", views.router_list, name="router-list"),
    path("<int:pk>/", views.router_detail, name="router-detail"),
    path("<int:pk>/edit/", views.router_edit, name="router-edit"),
    path("<int:pk>/delete/", views.router_delete, name="router-delete"),
    path("<int:pk>/rotate-token/", views.router_rotate_token, name="router-rotate-token"),
    path("<int:pk>/probe/", views.router_probe, name="router-probe"),
    path("<int:pk>/import/", views.router_import, name="router-import"),
    path("<int:pk>/repair-drift/", views.router_repair_drift, name="router-repair-drift"),
]
