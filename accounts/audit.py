"""Audit entries for the logins, which Django's own login view runs: its
signals (and django-axes' lockout signal) are where a login is known.

One entry per attempt: a success, a failure, or — from the attempt that
reaches the limit on — a lockout (axes has flagged the request by then)."""

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_login_failed

from core.audit import Severity, audit_record

from .models import normalize_email


def _tried_email(credentials, request):
    username = (credentials or {}).get("username") or (request.POST.get("username", "") if request else "")
    return normalize_email(username)[:255]


def record_login_success(sender, request, user, **kwargs):
    audit_record(action="login.success", actor=user, target=user, request=request)


def record_login_failure(sender, credentials, request=None, **kwargs):
    if request is not None and getattr(request, "axes_locked_out", False):
        return  # record_lockout writes this attempt's entry
    audit_record(
        action="login.failure", actor_email=_tried_email(credentials, request), target_type="auth",
        request=request, severity=Severity.MEDIUM,
    )


def record_lockout(sender, request, username, **kwargs):
    audit_record(
        action="login.lockout", actor_email=(username or "")[:255], target_type="auth",
        request=request, severity=Severity.HIGH,
    )


def connect():
    user_logged_in.connect(record_login_success, dispatch_uid="audit_login_success")
    user_login_failed.connect(record_login_failure, dispatch_uid="audit_login_failure")
    user_locked_out.connect(record_lockout, dispatch_uid="audit_login_lockout")
