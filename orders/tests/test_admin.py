"""Back-office edits that would move money or personal data."""

import pytest
from django.urls import reverse

from accounts.tests.factories import UserFactory
from core.testing import page_text
from orders import services
from orders.models import Order, OrderEvent

from .factories import PackFactory

pytestmark = pytest.mark.django_db


def change_form(client, order):
    """The change page's current values, ready to post back."""
    url = reverse("admin:orders_order_change", args=[order.pk])
    page = client.get(url)
    assert page.status_code == 200
    form = page.context["adminform"].form
    data = {name: form[name].value() for name in form.fields}
    data = {name: "" if value is None else value for name, value in data.items()}
    data.update({"events-TOTAL_FORMS": 0, "events-INITIAL_FORMS": 0})
    return url, form, data


def test_the_client_of_an_order_cannot_be_changed(client, staff, paid_order, client_user):
    client.force_login(staff)
    url, form, data = change_form(client, paid_order)
    assert "client" not in form.fields
    data["client"] = UserFactory().pk  # a crafted POST
    response = client.post(url, data)
    assert response.status_code == 302
    paid_order.refresh_from_db()
    assert paid_order.client == client_user
    assert paid_order.files.get().uploaded_by == client_user


def test_price_inputs_are_frozen_once_paid(client, staff, paid_order):
    client.force_login(staff)
    url, form, data = change_form(client, paid_order)
    for field in ("service", "declared_pages", "verified_pages", "urgent"):
        assert field not in form.fields
    data.update({"service": PackFactory().pk, "declared_pages": 5, "urgent": "on", "title": "Nouveau titre"})
    assert client.post(url, data).status_code == 302
    paid_order.refresh_from_db()
    assert paid_order.declared_pages == 250 and not paid_order.urgent and paid_order.price == 48000
    assert paid_order.title == "Nouveau titre"
    with pytest.raises(services.OrderError, match="ne se modifient plus"):
        services.order_update_details(order=paid_order, by=staff, declared_pages=5)


def test_every_edit_is_in_the_history_and_the_price_follows(client, staff, make_order, client_user):
    order = make_order()
    client.force_login(staff)
    url, form, data = change_form(client, order)
    assert "declared_pages" in form.fields  # not paid yet
    data.update({"declared_pages": 100, "title": "Le Grand Meaulnes, v2", "client_note": "Secret"})
    assert client.post(url, data).status_code == 302
    order.refresh_from_db()
    assert order.declared_pages == 100 and order.price == 18000  # 90 paying pages at 2 €
    edit = order.events.get(kind=OrderEvent.Kind.EDIT)
    assert edit.actor == staff
    assert "250 → 100" in edit.note and "Le Grand Meaulnes, v2" in edit.note
    assert "480,00" in edit.note and "180,00" in edit.note
    assert "note du client modifié" in edit.note and "Secret" not in edit.note
    # The team sees it in the admin; the client's timeline does not show back-office edits.
    assert "250 → 100" in page_text(client.get(url))
    client.force_login(client_user)
    assert "250 → 100" not in page_text(client.get(reverse("orders:detail", args=[order.pk])))


def test_bad_pages_are_refused_in_french(client, staff, make_order):
    order = make_order()
    client.force_login(staff)
    url, _form, data = change_form(client, order)
    data["declared_pages"] = 5000
    response = client.post(url, data)
    assert response.status_code == 200 and "entre 1 et 1000" in page_text(response)
    order.refresh_from_db()
    assert order.declared_pages == 250 and not order.events.filter(kind=OrderEvent.Kind.EDIT).exists()


def test_lowering_pages_to_free_sends_the_order_to_the_queue(staff, make_order):
    order = make_order()
    order = services.order_update_details(order=order, by=staff, declared_pages=10)
    assert order.status == Order.Status.PAYEE and order.payment_status == Order.PAYMENT_STATUS_FREE


def test_only_staff_edit_and_only_editable_fields(staff, client_user, make_order):
    order = make_order()
    with pytest.raises(services.OrderError):
        services.order_update_details(order=order, by=client_user, title="x")
    with pytest.raises(services.OrderError, match="client"):
        services.order_update_details(order=order, by=staff, client=UserFactory())
    assert not order.events.filter(kind=OrderEvent.Kind.EDIT).exists()
