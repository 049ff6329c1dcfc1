from django.db.models.signals import post_save
from django.dispatch import receiver
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.signals import user_activated

from .models import Notification
from .services import bell_changed, notify


@receiver(post_save, sender=Notification)
def notification_saved(sender, instance, **kwargs):
    """A new notification (notify()) or one edited in the admin: the bell
    shows it at its next poll. Bulk updates call bell_changed themselves."""
    bell_changed(user_ids=[instance.user_id])


@receiver(user_activated)
def welcome_new_client(sender, user, **kwargs):
    notify(user=user, type=Notification.Type.SUCCESS, title=_("Bienvenue sur Staka Livres"),
           message=_("Votre compte est activé. Commandez une correction ou suivez vos projets depuis votre espace."),
           action_url="/dashboard/")
    for member in User.objects.filter(role=User.Role.ADMIN, is_active=True):
        notify(user=member, type=Notification.Type.INFO, title=_("Nouveau client"),
               message=_("%(name)s vient d'activer son compte.") % {"name": user.get_full_name()})
