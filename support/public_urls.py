from django.urls import path

from . import public_views as views

app_name = "public"

urlpatterns = [
    path("contact/", views.contact, name="contact"),
    path("echantillon-gratuit/", views.free_sample, name="free_sample"),
    path("consultation/", views.consultation_book, name="consultation"),
    path("consultation/annuler/<str:token>/", views.consultation_cancel, name="consultation_cancel"),
    path("merci/<slug:kind>/", views.done, name="done"),
    path("support/consultations/", views.consultation_bookings, name="consultation_bookings"),
]
