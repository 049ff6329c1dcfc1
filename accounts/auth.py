"""Glue between authentication libraries and our User."""

from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied

from core import user_cache

from .models import User, normalize_email

# The logged-in user, read on every request (the bell and the polls ask
# every few seconds), comes from the cache: one Redis read instead of a
# query. Every User.save() and delete() drops it (forget_cached_user), bulk
# writes call forget_cached_users; the timeout bounds what a bare UPDATE of
# the users table would leave behind.
SESSION_USER_CACHE = "session-user"
SESSION_USER_CACHE_SECONDS = 300
# Pages kept in the cache that name users (a conversation, an inbox, an
# order, the staff lists) hold this version of every user in their key: any
# User write renews it, so a renamed or deactivated user shows at once.
USERS_VERSION = "users"


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

    def get_user(self, user_id):
        """The session's user (None when deleted or deactivated), from the
        cache when a request read it in the last minutes. The check of the
        session against the password hash runs on it as on a fresh row:
        a password change saves the user, which drops the cached copy."""
        user = user_cache.cached(SESSION_USER_CACHE, user_id, lambda: super(EmailBackend, self).get_user(user_id),
                                 timeout=SESSION_USER_CACHE_SECONDS)
        return user if user is not None and self.user_can_authenticate(user) else None


def users_version():
    """The version of every user (USERS_VERSION), for a cache key."""
    return user_cache.version(USERS_VERSION, "all", timeout=SESSION_USER_CACHE_SECONDS)


def forget_cached_users(user_ids):
    """Their next request reads their row again, and the pages that name
    users are drawn afresh: for writes that send no signal (bulk inserts and
    updates, e.g. ops.legacy's import) and from the signals."""
    user_cache.invalidate(SESSION_USER_CACHE, user_ids)
    user_cache.invalidate(USERS_VERSION, ["all"])


def forget_cached_user(sender, instance, **kwargs):
    """post_save / post_delete of User."""
    forget_cached_users([instance.pk])
