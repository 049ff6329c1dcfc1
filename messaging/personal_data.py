"""The messaging part of the RGPD export and anonymisation.

Sent messages are kept on anonymisation: they belong to the conversation as
much as to their author, and the other side keeps its record of the
exchange. Their sender stays the (now anonymised) account, shown as
"Utilisateur supprimé". Drafts nobody else ever saw are deleted; the files
the user attached are purged by the files part.
"""

from .models import Message, Participant


def _iso(value):
    return value.isoformat() if value else None


def export_messages(user):
    messages = (
        Message.objects.filter(sender=user)
        .select_related("conversation")
        .prefetch_related("attachments__stored_file")
        .order_by("id")
    )
    return {
        "messages": [
            {
                "id": message.pk,
                "conversation": str(message.conversation_id),
                "conversation_subject": message.conversation.subject,
                "subject": message.subject,
                "content": message.content,
                "type": message.type,
                "status": message.status,
                "reply_to": message.parent_id,
                "pinned": message.is_pinned,
                "signed_as_team": message.signed_as_team,
                "created_at": _iso(message.created_at),
                "attachments": [a.stored_file.original_name for a in message.attachments.all()],
            }
            for message in messages
        ],
        "conversations": [
            {
                "conversation": str(participant.conversation_id),
                "subject": participant.conversation.subject,
                "archived": participant.archived,
                "joined_at": _iso(participant.joined_at),
            }
            for participant in Participant.objects.filter(user=user).select_related("conversation").order_by("joined_at")
        ],
    }


def anonymise_messages(user):
    Message.objects.filter(sender=user, status=Message.Status.BROUILLON).delete()
    # No more e-mails or unread counts for an account that is gone.
    Participant.objects.filter(user=user).update(archived=True, last_emailed_at=None)
