from django.templatetags.static import static
from django.urls import path
from django.views.generic import RedirectView

from . import views

app_name = "core"
urlpatterns = [
    path("", views.landing, name="landing"),
    path("health", views.health, name="health"),
    # Browsers ask for /favicon.ico on pages that do not name one (the admin).
    path("favicon.ico", RedirectView.as_view(url=static("img/favicon.svg"), permanent=True)),
]
