import factory
from django.utils import timezone

from accounts.models import User

DEFAULT_PASSWORD = "Correct-Horse-Battery-9"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"auteur{n}@example.org")
    first_name = factory.Faker("first_name", locale="fr_FR")
    last_name = factory.Faker("last_name", locale="fr_FR")
    role = User.Role.USER
    # A complete billing address, as after the first payment step.
    address = factory.Faker("street_address", locale="fr_FR")
    postcode = factory.Faker("numerify", text="#####")
    city = factory.Faker("city", locale="fr_FR")
    country = "France"
    is_active = True
    email_verified_at = factory.LazyFunction(timezone.now)
    password = factory.PostGenerationMethodCall("set_password", DEFAULT_PASSWORD)

    @factory.post_generation
    def _save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save(update_fields=["password"])


class CorrectorFactory(UserFactory):
    role = User.Role.CORRECTOR


class AdminFactory(UserFactory):
    role = User.Role.ADMIN
    is_superuser = True
