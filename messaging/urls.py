from django.urls import path

from . import views

app_name = "messaging"
urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("new/", views.conversation_start, name="start"),
    path("new/client/", views.conversation_start_with_client, name="start_with_client"),
    path("unread/", views.unread_badge, name="unread_badge"),
    path("orders/<uuid:order_id>/", views.order_conversation, name="order"),
    path("attachments/<int:pk>/", views.attachment_download, name="attachment"),
    path("<uuid:pk>/", views.conversation_detail, name="conversation"),
    path("<uuid:pk>/send/", views.message_send, name="send"),
    path("<uuid:pk>/since/", views.messages_since, name="since"),
    path("<uuid:pk>/draft/", views.draft_save, name="draft"),
    path("<uuid:pk>/archive/", views.conversation_archive, name="archive"),
    path("<uuid:pk>/messages/<int:message_id>/pin/", views.message_pin, name="pin"),
]
