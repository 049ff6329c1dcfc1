"""Glue between authentication libraries and our User."""

from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied

from .models import User, normalize_email


def axes_username(request, credentials):
    """django-axes counts failures per account+IP; "Foo@x.fr" and "foo@x.fr"
    are the same account, so lockouts are keyed on the normalised e-mail."""
    username = (credentials or {}).get("username") or request.POST.get("username", "")
    return normalize_email(username)


class EmailBackend(ModelBackend):
    """Django's ModelBackend, remembering on the request an inactive account
    whose password was right, so the login form can explain the refusal
    without hashing the password a second time (that second bcrypt made a
    wrong password on an inactive account measurably slower).

    A refusal stops the chain (PermissionDenied): the ModelBackend listed
    after this one is there only so that sessions opened before it still
    resolve, and must not hash the password again."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None:
            username = kwargs.get(User.USERNAME_FIELD)
        if username is None or password is None:
            return None
        try:
            user = User._default_manager.get_by_natural_key(username)
        except User.DoesNotExist:
            User().set_password(password)  # the same one hash as a known account
            raise PermissionDenied from None
        if not user.check_password(password):
            raise PermissionDenied
        if not self.user_can_authenticate(user):
            if request is not None:
                request.inactive_account_with_right_password = user
            raise PermissionDenied
        return user
