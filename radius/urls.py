from django.urls import path

from radius import views

urlpatterns = [
    path("", views.server_list, name="radius-servers"),
    path("new/", views.server_create, name="radius-server-create"),
    path("<int:pk>/", views.server_edit, name="radius-server"),
    path("<int:pk>/delete/", views.server_delete, name="radius-server-delete"),
    path("<int:pk>/test/", views.server_test, name="radius-server-test"),
]
