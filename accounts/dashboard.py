"""The accounts' figures on the admin dashboard (one aggregate query)."""

from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

from core.dashboard import Figure, Section, changelist_url, month_start

from .models import User


def accounts_section(*, now):
    since = month_start(now)
    counts = User.objects.aggregate(
        new=Count("pk", filter=Q(is_active=True, created_at__gte=since)),
        clients=Count("pk", filter=Q(is_active=True, role=User.Role.USER)),
        correctors=Count("pk", filter=Q(is_active=True, role=User.Role.CORRECTOR)),
    )
    return Section(title=_("Utilisateurs"), figures=[
        Figure(_("Inscrits actifs ce mois-ci"), counts["new"],
               url=changelist_url(User, is_active__exact=1, created_at__gte=since)),
        Figure(_("Clients actifs"), counts["clients"],
               url=changelist_url(User, is_active__exact=1, role__exact=User.Role.USER)),
        Figure(_("Correcteurs actifs"), counts["correctors"],
               url=changelist_url(User, is_active__exact=1, role__exact=User.Role.CORRECTOR)),
    ])
