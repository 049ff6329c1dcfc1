from django.urls import path

from . import views

app_name = "orders"
urlpatterns = [
    path("pricing/", views.pricing_page, name="pricing"),
    path("pricing/quote/", views.quote_fragment, name="quote"),
    path("dashboard/", views.client_dashboard, name="client_dashboard"),
    path("files/", views.client_files, name="client_files"),
    path("orders/new/", views.order_create, name="create"),
    path("orders/new/done/", views.visitor_order_done, name="visitor_done"),
    path("orders/<uuid:pk>/", views.order_detail, name="detail"),
    path("orders/<uuid:pk>/files/<uuid:file_pk>/", views.order_file_download, name="file_download"),
    path("orders/<uuid:pk>/files/<uuid:file_pk>/delete/", views.order_file_delete, name="file_delete"),
    path("orders/<uuid:pk>/<slug:action>/", views.order_action, name="action"),
    path("corrector/", views.corrector_queue, name="corrector_queue"),
    path("staff/orders/", views.staff_board, name="staff_board"),
]
