"""Demo accounts: the ones the seed document lists, plus a corrector.

Their weak passwords bypass the validators on purpose (demo only)."""

from django.utils import timezone

from .models import User

DEMO_USERS = [
    {"email": "admin@staka-editions.com", "password": "admin123", "first_name": "Admin",
     "last_name": "Staka", "role": User.Role.ADMIN, "is_superuser": True},
    {"email": "user@example.com", "password": "user123", "first_name": "Marie",
     "last_name": "Dupont", "role": User.Role.USER, "phone": "06 12 34 56 78",
     "address": "12 rue des Lilas\n69003 Lyon"},
    {"email": "corrector@staka-editions.com", "password": "corrector123", "first_name": "Julien",
     "last_name": "Moreau", "role": User.Role.CORRECTOR,
     "bio": "Correcteur professionnel depuis 12 ans, spécialiste du roman et de l'essai."},
]


def seed_demo_users():
    users = {}
    for spec in DEMO_USERS:
        spec = dict(spec)
        password = spec.pop("password")
        user, _ = User.objects.update_or_create(
            email=spec.pop("email"),
            defaults={**spec, "is_active": True, "email_verified_at": timezone.now()},
        )
        if not user.check_password(password):
            user.set_password(password)
            user.save(update_fields=["password"])
        users[user.role] = user
    return users
