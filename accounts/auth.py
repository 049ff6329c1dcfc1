"""Glue between authentication libraries and our User."""

from .models import normalize_email


def axes_username(request, credentials):
    """django-axes counts failures per account+IP; "Foo@x.fr" and "foo@x.fr"
    are the same account, so lockouts are keyed on the normalised e-mail."""
    username = (credentials or {}).get("username") or request.POST.get("username", "")
    return normalize_email(username)
