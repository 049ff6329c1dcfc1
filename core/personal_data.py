"""The core part of the RGPD export and anonymisation: the e-mails sent to
the user (the outbox holds no secret: links with tokens are built at send time)."""

from .models import OutboxEmail


def _emails_of(user):
    return OutboxEmail.objects.filter(to__iexact=user.email)


def export_emails(user):
    return [
        {
            "to": email.to, "template": email.template, "subject": email.subject, "context": email.context,
            "status": email.status, "created_at": email.created_at.isoformat(),
            "sent_at": email.sent_at.isoformat() if email.sent_at else None,
        }
        for email in _emails_of(user).order_by("-created_at")[:1000]
    ]


def erase_emails(user):
    _emails_of(user).delete()
