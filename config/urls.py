from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("core.urls")),
    path("accounts/", include("accounts.urls")),
    path("", include("orders.urls")),
    path("billing/", include("billing.urls")),
    path("notifications/", include("notifications.urls")),
    path("messages/", include("messaging.urls")),
    path("admin/", admin.site.urls),
]

if settings.DEBUG:
    # Development only, and only avatars: manuscripts are private and leave
    # through the permission-checked download views.
    urlpatterns += static(f"{settings.MEDIA_URL}avatars/", document_root=settings.MEDIA_ROOT / "avatars")
