"""Profile photos: named after what their bytes are, served in every mode
(production with local storage included) to their owner and staff only."""

import pytest
from django.test import override_settings
from django.urls import reverse

from accounts.tests.factories import AdminFactory, UserFactory
from accounts.tests.test_profile import PROFILE_URL, image_upload, profile_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def author(client):
    user = UserFactory()
    client.force_login(user)
    return user


@pytest.mark.parametrize(("name", "fmt", "extension", "content_type"), [
    ("photo.ps", "PNG", "png", "image/png"),
    ("photo.bmp", "JPEG", "jpg", "image/jpeg"),
    ("photo.jpg", "WEBP", "webp", "image/webp"),
    ("photo.png", "JPEG", "jpg", "image/jpeg"),
])
def test_stored_extension_and_served_type_come_from_the_content(client, author, name, fmt, extension, content_type):
    client.post(PROFILE_URL, profile_data(avatar=image_upload(name, fmt)))
    author.refresh_from_db()
    assert author.avatar.name.endswith(f".{extension}")
    response = client.get(author.avatar.url)
    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert b"".join(response.streaming_content).startswith(image_upload(name, fmt).read()[:4])


@override_settings(DEBUG=False)
def test_avatars_are_served_without_debug(client, author):
    client.post(PROFILE_URL, profile_data(avatar=image_upload()))
    author.refresh_from_db()
    assert client.get(author.avatar.url).status_code == 200
    # And the pages that show it point at that address.
    assert author.avatar.url in client.get(PROFILE_URL).content.decode()


def test_only_the_owner_and_staff_see_a_photo(client, author):
    client.post(PROFILE_URL, profile_data(avatar=image_upload()))
    author.refresh_from_db()
    url = author.avatar.url
    client.force_login(UserFactory())
    assert client.get(url).status_code == 404
    client.logout()
    assert client.get(url).status_code == 302  # to the login page
    client.force_login(AdminFactory())
    assert client.get(url).status_code == 200


def test_a_legacy_avatar_with_a_lying_extension_is_served_as_what_it_is(client, author):
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    png = image_upload().read()
    name = default_storage.save("avatars/0123456789abcdef0123456789abcdef.ps", ContentFile(png))
    author.avatar.name = name
    author.save(update_fields=["avatar"])
    response = client.get(author.avatar.url)
    assert response["Content-Type"] == "image/png"


def test_missing_or_traversing_names_are_404(client, author, settings):
    staff = AdminFactory()
    client.force_login(staff)
    assert client.get(reverse("avatar", args=["absent.png"])).status_code == 404
    assert client.get(f"{settings.MEDIA_URL}avatars/..%2F..%2Fsettings.py").status_code == 404
