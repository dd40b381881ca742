from django.urls import path

from accounting import kick_views, views

urlpatterns = [
    path("", views.history_page, name="sessions"),
    path("online/", views.online_page, name="sessions-online"),
    path("<int:pk>/kick/", kick_views.session_kick, name="session-kick"),
    path("kick/", kick_views.user_kick, name="sessions-user-kick"),
]
