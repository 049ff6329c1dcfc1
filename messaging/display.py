"""How messages look to people: author names and safe message bodies."""

from django.utils.html import urlize
from django.utils.safestring import mark_safe
from django.utils.translation import gettext

URL_DISPLAY_LIMIT = 60


def person_label(user):
    """A person's name with their role, e.g. "Léa Martin (Client)": a client
    who calls themself "Équipe Staka Livres" still reads as a client."""
    name = user.get_full_name() or gettext("Utilisateur")
    return gettext("%(name)s (%(role)s)") % {"name": name, "role": user.get_role_display()}


def sender_display_name(message):
    """What people see as the author: a display name, never an e-mail address
    (a visitor's too: the name they typed, marked as a visitor).
    Only the platform and team-signed messages (only an admin may sign so,
    see message_send) go without a role: that, and the badge pages add, is
    the team's mark; no name a client chooses can produce it."""
    if message.sender_id is None:
        if message.visitor_email:
            return gettext("%(name)s (visiteur)") % {"name": message.visitor_name or gettext("Visiteur")}
        return gettext("Staka Livres")
    if message.signed_as_team:
        return gettext("Équipe Staka Livres")
    return person_label(message.sender)


def render_content(text):
    """Plain text to HTML: everything escaped, http(s)/www links made
    clickable (rel="nofollow"), line breaks kept.

    Django's urlize escapes the text around the links itself and only links
    http(s)://, www. and bare domain names (it prefixes those with http://),
    so "javascript:" never becomes a link. No HTML is accepted at all, which
    is why a sanitiser such as nh3 is not needed.
    """
    html = urlize(text or "", trim_url_limit=URL_DISPLAY_LIMIT, nofollow=True, autoescape=True)
    # Only our own escaped text is left: line breaks become <br>.
    html = html.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "<br>")
    return mark_safe(html)  # noqa: S308 - escaped by urlize above


def other_participant_names(participants, viewer):
    """Display names of the participants other than ``viewer``. Staff members
    appear as the team to clients and correctors: a staff member who signs
    "Équipe Staka Livres" must not be named next to it."""
    names = []
    for participant in participants:
        if participant.user_id == viewer.pk:
            continue
        if participant.user.is_admin and not viewer.is_admin:
            name = gettext("l'équipe Staka Livres")
        else:
            name = person_label(participant.user)
        if name not in names:
            names.append(name)
    return names
