from django.urls import path

from . import views

app_name = "core"
urlpatterns = [
    path("", views.landing, name="landing"),
    path("health", views.health, name="health"),
    # Browsers ask for /favicon.ico on pages that do not name one (the admin).
    path("favicon.ico", views.favicon),
]
