from django.urls import path

from . import views

app_name = "support"
urlpatterns = [
    path("aide/", views.help_centre, name="help"),
    path("aide/tickets/", views.ticket_list, name="ticket_list"),
    path("aide/tickets/nouveau/", views.ticket_new, name="ticket_new"),
    path("aide/tickets/<int:number>/", views.ticket_detail, name="ticket_detail"),
    path("aide/tickets/<int:number>/repondre/", views.ticket_reply_client, name="ticket_reply"),
    path("aide/tickets/<int:number>/resolu/", views.ticket_confirm, name="ticket_confirm"),
    path("aide/tickets/<int:number>/avis/", views.ticket_rate, name="ticket_rate"),
    path("aide/reponse/<str:token>/", views.visitor_reply, name="visitor_reply"),
    path("support/", views.queue, name="queue"),
    path("support/tickets/<int:number>/", views.staff_ticket, name="staff_ticket"),
    path("support/tickets/<int:number>/prendre/", views.staff_take, name="staff_take"),
    path("support/tickets/<int:number>/assigner/", views.staff_assign, name="staff_assign"),
    path("support/tickets/<int:number>/priorite/", views.staff_priority, name="staff_priority"),
    path("support/tickets/<int:number>/categorie/", views.staff_category, name="staff_category"),
    path("support/tickets/<int:number>/statut/", views.staff_status, name="staff_status"),
    path("support/tickets/<int:number>/repondre/", views.staff_reply, name="staff_reply"),
]
