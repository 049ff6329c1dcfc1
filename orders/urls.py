from django.urls import path

from . import views

app_name = "orders"
urlpatterns = [
    path("dashboard/", views.client_dashboard, name="client_dashboard"),
    path("corrector/", views.corrector_queue, name="corrector_queue"),
]
