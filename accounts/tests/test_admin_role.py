"""The ADMIN role grants the whole back office; the back office never loses
its last active admin, and an admin cannot remove their own powers."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts import services
from accounts.models import User
from core.testing import page_text

from .factories import AdminFactory, UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "Le-Rouge-et-le-Noir-1830"


def change_url(user):
    return reverse("admin:accounts_user_change", args=[user.pk])


def change_data(user, **overrides):
    data = {
        "email": user.email, "role": user.role, "is_active": "on" if user.is_active else "",
        "first_name": user.first_name, "last_name": user.last_name, "phone": "", "address": "", "bio": "",
        "preferences": "{}", **overrides,
    }
    if not data["is_active"]:
        del data["is_active"]  # an unticked box is not posted
    return data


def test_an_admin_created_through_the_admin_has_the_whole_back_office(client):
    client.force_login(AdminFactory())
    response = client.post(reverse("admin:accounts_user_add"), {
        "email": "nouvelle@staka-editions.com", "first_name": "Nora", "last_name": "Admin", "role": "ADMIN",
        "password1": PASSWORD, "password2": PASSWORD, "usable_password": "true",
    })
    assert response.status_code == 302, page_text(response)
    created = User.objects.get(email="nouvelle@staka-editions.com")
    assert created.is_staff and created.is_superuser
    client.logout()
    client.force_login(created)
    for name in ["accounts_user", "orders_order", "billing_invoice", "core_outboxemail", "messaging_message"]:
        assert client.get(reverse(f"admin:{name}_changelist")).status_code == 200, name
    assert client.get(change_url(UserFactory())).status_code == 200


def test_the_admin_role_given_in_the_admin_grants_the_back_office(client):
    client.force_login(AdminFactory())
    user = UserFactory()
    response = client.post(change_url(user), change_data(user, role="ADMIN"))
    assert response.status_code == 302, page_text(response)
    user.refresh_from_db()
    assert user.is_superuser and user.is_staff
    client.force_login(user)
    assert client.get(reverse("admin:orders_order_changelist")).status_code == 200


def test_an_admin_cannot_deactivate_or_demote_themself_in_the_admin(client):
    me = AdminFactory()
    AdminFactory()
    client.force_login(me)
    for overrides, message in [({"is_active": ""}, "désactiver votre propre compte"),
                               ({"role": "CORRECTOR"}, "retirer votre propre rôle")]:
        response = client.post(change_url(me), change_data(me, **overrides))
        assert response.status_code == 200 and message in page_text(response)
        me.refresh_from_db()
        assert me.is_active and me.role == User.Role.ADMIN


def test_another_admin_can_be_deactivated_and_demoted_while_one_remains(client):
    me, other = AdminFactory(), AdminFactory()
    client.force_login(me)
    response = client.post(change_url(other), change_data(other, is_active="", role="CORRECTOR"))
    assert response.status_code == 302, page_text(response)
    other.refresh_from_db()
    assert not other.is_active and other.role == User.Role.CORRECTOR and not other.is_superuser


def test_the_last_active_admin_cannot_be_deactivated_demoted_or_deleted():
    last = AdminFactory(email="dernier@staka-editions.com")
    AdminFactory(is_active=False)  # an inactive admin does not count
    for call in [
        lambda: services.user_deactivate(user=last, by=None),
        lambda: services.user_set_role(user=last, role=User.Role.USER, by=None),
        lambda: services.user_anonymise(user=last, by=UserFactory()),
        lambda: services.user_admin_delete(user=last, by=None),
    ]:
        with pytest.raises(ValidationError, match="dernier administrateur actif"):
            call()
    last.refresh_from_db()
    assert last.is_active and last.role == User.Role.ADMIN and not last.is_anonymised


def test_admins_cannot_delete_themselves_and_bulk_delete_is_off(client):
    me, other = AdminFactory(), AdminFactory()
    client.force_login(me)
    assert client.post(reverse("admin:accounts_user_delete", args=[me.pk]), {"post": "yes"}).status_code == 403
    assert User.objects.filter(pk=me.pk).exists()
    changelist = client.get(reverse("admin:accounts_user_changelist"))
    assert 'value="delete_selected"' not in changelist.content.decode()
    # Deleting another admin works while one remains.
    assert client.post(reverse("admin:accounts_user_delete", args=[other.pk]), {"post": "yes"}).status_code == 302
    assert not User.objects.filter(pk=other.pk).exists()


def test_admin_actions_explain_what_they_refused(client):
    me = AdminFactory()
    client.force_login(me)
    response = client.post(reverse("admin:accounts_user_changelist"), {
        "action": "deactivate_users", "_selected_action": [str(me.pk)],
    }, follow=True)
    assert "désactiver votre propre compte" in page_text(response)
    me.refresh_from_db()
    assert me.is_active


def test_an_admin_cannot_close_their_own_account_from_the_profile(client):
    from .factories import DEFAULT_PASSWORD

    me = AdminFactory()
    client.force_login(me)
    response = client.post(reverse("accounts:deactivate"), {"password": DEFAULT_PASSWORD})
    assert response.status_code == 200 and "désactiver votre propre compte" in page_text(response)
    me.refresh_from_db()
    assert me.is_active
