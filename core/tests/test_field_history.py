"""Field history (django-simple-history) of the six models staff need to
trace: a row per save, an "Historique" page in the admin, no password hash."""

import pytest
from django.urls import reverse

from accounts.models import User
from accounts.services import user_anonymise
from accounts.tests.factories import AdminFactory, UserFactory
from billing.tests.factories import InvoiceFactory
from cms.tests.factories import PageFactory
from orders.tests.factories import ServiceFactory
from support.tests.factories import open_ticket

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("model", ["user", "order", "invoice", "ticket", "service", "page"])
def test_each_models_history_page_opens_for_an_admin(client, make_order, model):
    admin_user = AdminFactory()
    objects = {
        "user": lambda: UserFactory(),
        "order": lambda: make_order(),
        "invoice": lambda: InvoiceFactory(),
        "ticket": lambda: open_ticket(),
        "service": lambda: ServiceFactory(),
        "page": lambda: PageFactory(),
    }
    obj = objects[model]()
    assert obj.history.exists()  # the creation is a first version
    client.force_login(admin_user)
    url = reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_history", args=[obj.pk])
    response = client.get(url)
    assert response.status_code == 200
    assert "Historique" in response.content.decode()


def test_a_change_in_the_admin_is_a_new_version_with_its_author(client):
    admin_user = AdminFactory()
    service = ServiceFactory(name="Correction")
    client.force_login(admin_user)
    service.name = "Correction complète"
    service.save()
    latest = service.history.first()
    assert latest.name == "Correction complète"
    assert service.history.count() == 2


def test_the_users_history_never_stores_the_password_hash():
    user = UserFactory()
    user.set_password("Un-Nouveau-Mot-De-Passe-7")
    user.save()
    assert not hasattr(user.history.first(), "password")
    assert "password" not in [f.name for f in User.history.model._meta.fields]


def test_anonymising_a_user_erases_their_past_versions():
    user = UserFactory(first_name="Éloïse", phone="0601020304")
    user.first_name = "Eloise"
    user.save()
    user_anonymise(user=user, by=AdminFactory())
    versions = list(user.history.all())
    assert versions, "the anonymised state is the one version kept"
    assert all(v.first_name == "Utilisateur" and v.phone == "" for v in versions)


def test_reverting_to_an_old_version_is_off(client):
    admin_user = AdminFactory()
    service = ServiceFactory(name="Avant")
    service.name = "Après"
    service.save()
    old = service.history.last()
    client.force_login(admin_user)
    url = reverse("admin:orders_service_simple_history", args=[service.pk, old.history_id])
    assert client.get(url).status_code == 200  # a past version can be read
    assert client.post(url, {"name": "Avant"}).status_code == 403
    service.refresh_from_db()
    assert service.name == "Après"


def test_anonymising_tickets_blanks_the_comment_in_their_past_versions():
    from support.personal_data import anonymise_tickets

    user = UserFactory()
    ticket = open_ticket(requester=user)
    ticket.satisfaction_comment = "Très bien, merci Éloïse"
    ticket.save()
    anonymise_tickets(user)
    assert not ticket.history.exclude(satisfaction_comment="").exists()


def test_a_malformed_id_on_a_history_page_is_a_404_not_an_error(client):
    client.force_login(AdminFactory())
    assert client.get("/admin/orders/order/pas-un-uuid/history/").status_code == 404
    assert client.get("/admin/orders/order/pas-un-uuid/history/12/").status_code == 404
    service = ServiceFactory()
    assert client.get(f"/admin/orders/service/{service.pk}/history/pas-un-nombre/").status_code == 404
