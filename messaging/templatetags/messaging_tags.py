"""`{% load messaging_tags %}`: author names and safe message bodies."""

from django import template
from django.urls import reverse

from messaging import fragments
from messaging.display import other_participant_names, render_content, sender_display_name

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
    return other_participant_names(participants, user)


@register.simple_tag
def message_link(conversation_id, message_id, first_shown=None):
    """Where a link to a message of the conversation points: an anchor when
    the page shows it (``first_shown``: the oldest message rendered), else the
    older page that starts with it. messaging.js scrolls in place whenever the
    message is already in the page (loaded by "Messages précédents")."""
    anchor = f"#message-{int(message_id)}"
    if first_shown and int(message_id) >= int(first_shown):
        return anchor
    return f"{reverse('messaging:conversation', args=[conversation_id])}?from={int(message_id)}{anchor}"


@register.simple_tag(takes_context=True)
def render_messages(context, messages, first_shown=None):
    """``messaging/_message.html`` for each message, from the per-message cache (messaging.fragments)."""
    return fragments.render_messages(messages, viewer=context.get("user"), first_shown=first_shown,
                                     csrf_token=context.get("csrf_token"))


@register.simple_tag(takes_context=True)
def inbox_items(context, conversations):
    """The inbox's rows (messaging/_inbox_item.html), from the per-row cache (messaging.fragments)."""
    return fragments.render_inbox_items(conversations, viewer=context.get("user"),
                                        csrf_token=context.get("csrf_token"))
