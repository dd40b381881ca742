from django.urls import path

from tenants.accounts import views

urlpatterns = [
    path("", views.user_list, name="user-list"),
    path("<int:pk>/", views.user_detail, name="user-detail"),
    path("<int:pk>/role/", views.user_role, name="user-role"),
    path("<int:pk>/active/", views.user_active, name="user-active"),
    path("<int:pk>/password/", views.user_password, name="user-password"),
]
