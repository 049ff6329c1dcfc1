"""Activation links: signed, valid ACCOUNT_ACTIVATION_TIMEOUT, single use.

Single use comes from the account's state: once the e-mail is verified the
same token is refused. Password resets use Django's own token generator,
which a password change invalidates.
"""

from django.conf import settings
from django.core import signing

SALT = "accounts.activation"


class ActivationTokenError(Exception):
    pass


class ExpiredActivationToken(ActivationTokenError):
    pass


def make_activation_token(user):
    return signing.dumps({"user": str(user.pk)}, salt=SALT)


def read_activation_token(token):
    """Return the user id the token was made for, or raise."""
    try:
        data = signing.loads(token, salt=SALT, max_age=settings.ACCOUNT_ACTIVATION_TIMEOUT)
    except signing.SignatureExpired as exc:
        raise ExpiredActivationToken from exc
    except signing.BadSignature as exc:
        raise ActivationTokenError from exc
    return data["user"]
