from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from accounts import views as account_views

urlpatterns = [
    path("", include("core.urls")),
    path("accounts/", include("accounts.urls")),
    path("", include("orders.urls")),
    path("billing/", include("billing.urls")),
    path("notifications/", include("notifications.urls")),
    path("messages/", include("messaging.urls")),
    path("", include("cms.urls")),
    path("", include("support.urls")),
    path("", include("support.public_urls")),
    path("admin/", admin.site.urls),
]

# Profile photos in local storage, in every mode (production included),
# through a view that checks who asks. Manuscripts are private and leave
# through the permission-checked download views.
urlpatterns += [
    path(f"{settings.MEDIA_URL.lstrip('/')}avatars/<str:name>", account_views.avatar, name="avatar"),
]
