"""`{% load messaging_tags %}`: author names and safe message bodies."""

from django import template
from django.utils.translation import gettext

from messaging.display import person_label, render_content, sender_display_name

register = template.Library()


@register.filter
def sender_name(message):
    return sender_display_name(message)


@register.filter
def message_body(text):
    """Escaped plain text, http(s) links clickable, line breaks kept."""
    return render_content(text)


@register.filter
def others(participants, user):
    """Display names of the participants other than ``user``. Staff members
    appear as the team to clients and correctors: a staff member who signs
    "Équipe Staka Livres" must not be named next to it."""
    names = []
    for participant in participants:
        if participant.user_id == user.pk:
            continue
        if participant.user.is_admin and not user.is_admin:
            name = gettext("l'équipe Staka Livres")
        else:
            name = person_label(participant.user)
        if name not in names:
            names.append(name)
    return names
