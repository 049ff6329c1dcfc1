import pytest
from django.urls import reverse

from accounts import services
from accounts.models import User

from .factories import AdminFactory, CorrectorFactory, UserFactory

pytestmark = pytest.mark.django_db

CORRECTOR_URL = reverse("orders:corrector_queue")
CLIENT_URL = reverse("orders:client_dashboard")
ADMIN_URLS = [reverse("admin:index"), reverse("admin:accounts_user_changelist")]


def test_client_gets_403_on_corrector_and_admin_pages(client):
    client.force_login(UserFactory())
    assert client.get(CORRECTOR_URL).status_code == 403
    for url in ADMIN_URLS:
        assert client.get(url, follow=True).status_code == 403, url


def test_corrector_gets_403_on_admin_and_is_sent_home_from_client_space(client):
    client.force_login(CorrectorFactory())
    for url in ADMIN_URLS:
        assert client.get(url, follow=True).status_code == 403, url
    response = client.get(CLIENT_URL, follow=True)
    assert response.redirect_chain[-1][0] == CORRECTOR_URL


def test_admin_enters_the_back_office(client):
    client.force_login(AdminFactory())
    for url in ADMIN_URLS:
        assert client.get(url).status_code == 200, url


def test_anonymous_visitor_is_sent_to_our_login_page(client):
    for url in [CORRECTOR_URL, CLIENT_URL, reverse("admin:index")]:
        response = client.get(url, follow=True)
        assert response.redirect_chain[-1][0].startswith(reverse("accounts:login")), url


def test_navigation_shows_each_role_only_its_own_entries(client):
    expectations = {
        UserFactory: ("Mon espace", ["Mes corrections", "Administration"]),
        CorrectorFactory: ("Mes corrections", ["Mon espace", "Administration"]),
    }
    for factory, (shown, hidden) in expectations.items():
        client.force_login(factory())
        page = client.get(reverse("accounts:profile")).content.decode()
        assert shown in page
        for label in hidden:
            assert label not in page
    client.force_login(AdminFactory())
    assert "Administration" in client.get(reverse("accounts:profile")).content.decode()


def test_is_staff_follows_the_role():
    user = UserFactory()
    assert not user.is_staff
    admin = services.user_set_role(user=user, role=User.Role.ADMIN, by=user)
    admin.refresh_from_db()
    assert admin.is_staff
    assert admin.is_superuser  # the ADMIN role grants the whole back office
    AdminFactory()  # another admin remains, who demotes this one
    demoted = services.user_set_role(user=admin, role=User.Role.CORRECTOR, by=AdminFactory())
    demoted.refresh_from_db()
    assert not demoted.is_staff and not demoted.is_superuser


def test_createsuperuser_makes_an_admin():
    user = User.objects.create_superuser("Boss@Example.org", "x" * 12, first_name="B", last_name="S")
    assert user.role == User.Role.ADMIN and user.is_staff and user.is_superuser
    assert user.email == "boss@example.org"
