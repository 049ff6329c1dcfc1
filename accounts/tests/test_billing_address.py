"""The billing address on the profile: its parts, their checks, the RGPD
export and erasure, and the split of the old one-field addresses."""

import importlib

import pytest
from django.apps import apps
from django.urls import reverse

from accounts.models import User
from accounts.services import user_anonymise, user_export_data
from core.testing import page_text

from .factories import UserFactory

pytestmark = pytest.mark.django_db

PROFILE_URL = reverse("accounts:profile")
BILLING = {
    "first_name": "Colette", "last_name": "Willy", "company": "Éditions Ollendorff", "address": "9 rue de Beaujolais",
    "postcode": "75001", "city": "Paris", "country": "France", "vat_number": "FR 12 345 678 901",
    "phone": "", "bio": "",
}


@pytest.fixture
def author(client):
    user = UserFactory(address="", postcode="", city="", country="")
    client.force_login(user)
    return user


def test_the_profile_page_edits_the_billing_address(client, author):
    page = page_text(client.get(PROFILE_URL))
    assert "Code postal" in page and "Société (facultatif)" in page and 'value="France"' in page
    response = client.post(PROFILE_URL, BILLING, follow=True)
    assert "Votre profil a été enregistré." in page_text(response)
    author.refresh_from_db()
    assert (author.company, author.address, author.postcode, author.city, author.country, author.vat_number) == (
        "Éditions Ollendorff", "9 rue de Beaujolais", "75001", "Paris", "France", "FR12345678901")
    assert author.has_billing_address


@pytest.mark.parametrize("field, value, message", [
    ("postcode", "750", "Un code postal français compte 5 chiffres."),
    ("vat_number", "12345", "Ce numéro de TVA n'est pas valide"),
    ("vat_number", "FR123", "Ce numéro de TVA n'est pas valide"),
])
def test_a_wrong_part_is_refused_in_french_and_nothing_is_saved(client, author, field, value, message):
    response = client.post(PROFILE_URL, {**BILLING, field: value})
    assert message in page_text(response)
    author.refresh_from_db()
    assert author.city == "" and author.company == ""


def test_a_foreign_postcode_is_accepted(client, author):
    client.post(PROFILE_URL, {**BILLING, "country": "Belgique", "postcode": "1000", "city": "Bruxelles",
                              "vat_number": "BE0123456789"})
    author.refresh_from_db()
    assert (author.postcode, author.country, author.vat_number) == ("1000", "Belgique", "BE0123456789")


def test_the_address_is_exported_and_erased_with_the_account(client, author):
    client.post(PROFILE_URL, BILLING)
    author.refresh_from_db()
    exported = user_export_data(user=author)["account"]
    assert exported["postcode"] == "75001" and exported["company"] == "Éditions Ollendorff"
    user_anonymise(user=author, by=author)
    author.refresh_from_db()
    assert [getattr(author, name) for name in ("company", "address", "postcode", "city", "country", "vat_number")] == [""] * 6


def test_old_one_field_addresses_are_split_where_plainly_french():
    migration = importlib.import_module("accounts.migrations.0004_billing_address")
    split = UserFactory(address="3 place Bellecour\n69002 Lyon", postcode="", city="", country="")
    one_line = UserFactory(address="12 rue Oberkampf, 75011 Paris", postcode="", city="", country="")
    foreign = UserFactory(address="Rue Neuve 1\nB-1000 Bruxelles", postcode="", city="", country="")
    migration.split_addresses(apps, None)
    rows = {user.pk: (user.address, user.postcode, user.city, user.country) for user in User.objects.all()}
    assert rows[split.pk] == ("3 place Bellecour", "69002", "Lyon", "France")
    assert rows[one_line.pk] == ("12 rue Oberkampf", "75011", "Paris", "France")
    assert rows[foreign.pk] == ("Rue Neuve 1\nB-1000 Bruxelles", "", "", "")  # left as written: asked at payment
    migration.join_addresses(apps, None)
    assert User.objects.get(pk=split.pk).address == "3 place Bellecour\n69002 Lyon"
