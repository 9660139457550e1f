"""The public connect pages: no staff sign-in, outside /admin/."""

from django.urls import path

from . import views

app_name = "connect"
urlpatterns = [
    path("connect/callback/<str:platform>/", views.callback, name="callback"),
    path("connect/choose/<str:flow_id>/", views.choose, name="choose"),
    path("connect/<str:token>/", views.link_page, name="link"),
]
