"""The accounts part of the RGPD export and anonymisation."""

from axes.models import AccessAttempt, AccessFailureLog, AccessLog

PROFILE_FIELDS = [
    "email", "first_name", "last_name", "role", "phone", "address", "postcode", "city", "country", "company",
    "vat_number", "bio", "preferences",
    "is_active", "email_verified_at", "consent_at", "deactivated_at", "created_at", "updated_at",
]


def export_profile(user):
    profile = {}
    for name in PROFILE_FIELDS:
        value = getattr(user, name)
        profile[name] = value.isoformat() if hasattr(value, "isoformat") else value
    profile["id"] = str(user.pk)
    profile["avatar"] = user.avatar.name or None
    profile["logins"] = [
        {"at": log.attempt_time.isoformat(), "ip": log.ip_address, "user_agent": log.user_agent}
        for log in AccessLog.objects.filter(username=user.email).order_by("-attempt_time")[:500]
    ]
    return profile


def anonymise_login_records(user):
    # Login records are keyed by e-mail, which is personal data.
    for model in (AccessLog, AccessAttempt, AccessFailureLog):
        model.objects.filter(username=user.email).delete()
    # The account's past versions (field history) are nothing but personal
    # data: they go; the anonymised save that follows writes the one version kept.
    user.history.all().delete()
