from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from accounts import views as account_views

urlpatterns = [
    # The prefixed apps come first, so the bell and the message polls, asked
    # every few seconds by every open tab, skip trying every pattern of core
    # and orders. The order changes no answer: an include that does not match
    # falls through to the next, and no path is defined twice.
    path("notifications/", include("notifications.urls")),
    path("messages/", include("messaging.urls")),
    path("accounts/", include("accounts.urls")),
    path("billing/", include("billing.urls")),
    path("", include("core.urls")),
    path("", include("orders.urls")),
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
