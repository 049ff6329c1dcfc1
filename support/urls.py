from django.urls import path

from . import views

app_name = "support"
urlpatterns = [
    path("support/tickets/<int:number>/", views.staff_ticket, name="staff_ticket"),
]
