import io
import json

import pytest
from axes.models import AccessLog
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from accounts.models import User
from core.testing import page_text

from .factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

PROFILE_URL = reverse("accounts:profile")


def image_upload(name="photo.png", image_format="PNG", size=(64, 64)):
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 120, 40)).save(buffer, format=image_format)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def profile_data(**overrides):
    return {
        "first_name": "Hélène", "last_name": "Béranger", "phone": "+33 6 12 34 56 78",
        "address": "3 place Bellecour\n69002 Lyon", "bio": "Romancière.", **overrides,
    }


@pytest.fixture
def author(client):
    user = UserFactory()
    client.force_login(user)
    return user


def test_profile_edit_saves_fields_and_avatar(client, author):
    response = client.post(PROFILE_URL, profile_data(avatar=image_upload()), follow=True)
    assert "Votre profil a été enregistré." in page_text(response)
    author.refresh_from_db()
    assert (author.first_name, author.last_name, author.phone) == ("Hélène", "Béranger", "+33 6 12 34 56 78")
    assert author.avatar.name.startswith("avatars/") and author.avatar.name.endswith(".png")
    assert "photo" not in author.avatar.name  # stored under a random name
    assert author.avatar.storage.exists(author.avatar.name)


def test_replacing_the_avatar_removes_the_old_file(client, author):
    client.post(PROFILE_URL, profile_data(avatar=image_upload()))
    author.refresh_from_db()
    old = author.avatar.name
    client.post(PROFILE_URL, profile_data(avatar=image_upload("autre.jpg", "JPEG")))
    author.refresh_from_db()
    assert author.avatar.name != old
    assert not author.avatar.storage.exists(old)


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (SimpleUploadedFile("photo.png", b"<html><script>alert(1)</script></html>", "image/png"), "pas une image valide"),
        (SimpleUploadedFile("logo.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script/></svg>', "image/svg+xml"), "pas une image valide"),
        (SimpleUploadedFile("virus.png", b"MZ\x90\x00" + b"\x00" * 200, "image/png"), "pas une image valide"),
        ("gif", "Format d'image refusé"),
    ],
)
def test_disguised_or_forbidden_images_are_refused(client, author, upload, message):
    if upload == "gif":
        upload = image_upload("anime.png", "GIF")
    # Not the name the form posts (the factory sometimes picks "Hélène" too).
    author.first_name = "Albertine"
    author.save(update_fields=["first_name"])
    response = client.post(PROFILE_URL, profile_data(avatar=upload))
    assert response.status_code == 200
    assert message in page_text(response)
    author.refresh_from_db()
    assert not author.avatar
    assert author.first_name == "Albertine"  # nothing half-saved


def test_oversize_avatar_is_refused(client, author, settings):
    settings.AVATAR_MAX_BYTES = 1024
    response = client.post(PROFILE_URL, profile_data(avatar=image_upload(size=(600, 600))))
    assert "dépasse la taille maximale" in page_text(response)
    author.refresh_from_db()
    assert not author.avatar


def test_notification_preferences_are_saved(client, author):
    response = client.post(
        reverse("accounts:notification_preferences"), {"orders": "on", "billing": "on"}, follow=True
    )
    assert "préférences de notification" in page_text(response)
    author.refresh_from_db()
    assert author.preferences["notifications"] == {
        "orders": True, "messages": False, "billing": True, "support": False, "marketing": False,
    }


def test_preferences_saved_through_htmx_get_the_form_back_with_a_toast(client, author):
    response = client.post(
        reverse("accounts:notification_preferences"), {"messages": "on"}, headers={"HX-Request": "true"}
    )
    content = page_text(response)
    assert response.status_code == 200
    assert content.lstrip().startswith("<form")
    assert 'hx-swap-oob="beforeend"' in content
    assert "Vos préférences de notification ont été enregistrées." in content
    author.refresh_from_db()
    assert author.preferences["notifications"]["messages"] is True
    assert author.preferences["notifications"]["orders"] is False


def test_export_contains_my_data_and_nobody_elses(client, author):
    other = UserFactory(email="voisin@example.org", phone="0700000000")
    AccessLog.objects.create(username=author.email, ip_address="10.1.1.1", user_agent="Firefox")
    AccessLog.objects.create(username=other.email, ip_address="10.9.9.9", user_agent="Other")

    response = client.get(reverse("accounts:export_data"))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert "attachment;" in response["Content-Disposition"]
    data = json.loads(response.content)
    assert data["account"]["email"] == author.email
    assert data["account"]["id"] == str(author.pk)
    assert "10.1.1.1" in [login["ip"] for login in data["account"]["logins"]]
    raw = response.content.decode()
    assert "voisin@example.org" not in raw and "10.9.9.9" not in raw
    assert "password" not in raw and author.password not in raw


def test_deactivation_needs_the_password_and_blocks_login(client, author):
    url = reverse("accounts:deactivate")
    wrong = client.post(url, {"password": "faux"})
    assert "Mot de passe incorrect." in page_text(wrong)
    author.refresh_from_db()
    assert author.is_active

    client.post(url, {"password": DEFAULT_PASSWORD})
    author.refresh_from_db()
    assert author.is_active is False and author.deactivated_at is not None
    response = client.post(reverse("accounts:login"), {"username": author.email, "password": DEFAULT_PASSWORD})
    assert "Ce compte est désactivé" in page_text(response)


def test_delete_account_anonymises_and_blocks_login(client, author):
    email = author.email
    client.post(PROFILE_URL, profile_data(avatar=image_upload()))
    author.refresh_from_db()
    avatar = author.avatar.name
    AccessLog.objects.create(username=email, ip_address="10.1.1.1")

    refused = client.post(reverse("accounts:delete"), {"password": DEFAULT_PASSWORD, "confirmation": "oui"})
    assert "Tapez exactement « SUPPRIMER »" in page_text(refused)

    response = client.post(
        reverse("accounts:delete"), {"password": DEFAULT_PASSWORD, "confirmation": "SUPPRIMER"}, follow=True
    )
    assert "Votre compte a été supprimé" in page_text(response)
    author.refresh_from_db()
    assert author.anonymised_at is not None
    assert author.email != email and author.email.endswith("@invalid.invalid")
    assert (author.first_name, author.phone, author.address, author.bio) == ("Utilisateur", "", "", "")
    assert not author.has_usable_password() and not author.is_active
    assert not author.avatar and not author.avatar.storage.exists(avatar)
    assert not AccessLog.objects.filter(username=email).exists()
    # The row stays (invoices will point to it) and the old e-mail can sign up again.
    assert User.objects.filter(pk=author.pk).exists()
    login = client.post(reverse("accounts:login"), {"username": email, "password": DEFAULT_PASSWORD})
    assert "Adresse e-mail ou mot de passe incorrect." in page_text(login)


def test_profile_pages_need_login(client):
    for name in ["profile", "export_data", "deactivate", "delete", "password_change"]:
        response = client.get(reverse(f"accounts:{name}"))
        assert response.status_code == 302, name
        assert reverse("accounts:login") in response.url
