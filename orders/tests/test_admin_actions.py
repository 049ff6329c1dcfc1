"""The orders' admin actions go through the workflow's services, one order
at a time, and say what they refused and why; a refused order is unchanged."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from accounts.tests.factories import CorrectorFactory
from core.testing import visible_text
from orders.models import Order, OrderEvent

pytestmark = pytest.mark.django_db

URL = reverse("admin:orders_order_changelist")


def run(client, action, orders, **extra):
    return client.post(URL, {"action": action, "index": "0", "_selected_action": [str(o.pk) for o in orders], **extra})


def told(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_an_invalid_transition_is_refused_with_its_reason_and_changes_nothing(client, staff, paid_order):
    client.force_login(staff)
    events = OrderEvent.objects.filter(order=paid_order).count()
    response = run(client, "resume", [paid_order])  # a paid order is not suspended
    assert response.status_code == 302
    [message] = told(response)
    assert "1 refusé" in message and paid_order.title in message
    paid_order.refresh_from_db()
    assert paid_order.status == Order.Status.PAYEE
    assert OrderEvent.objects.filter(order=paid_order).count() == events


def test_assigning_a_corrector_asks_which_then_assigns_each_order_through_the_service(
        client, staff, paid_order, make_order):
    corrector = CorrectorFactory(last_name="Zola")
    CorrectorFactory(is_active=False, last_name="Hugo")  # not offered
    unpaid = make_order(title="Pas encore payée")
    client.force_login(staff)
    page = run(client, "assign_corrector", [paid_order, unpaid])
    assert page.status_code == 200
    text = visible_text(page.content.decode())
    assert "2 commandes sélectionnées" in text and "Zola" in text and "Hugo" not in text
    response = run(client, "assign_corrector", [paid_order, unpaid], corrector=str(corrector.pk))
    assert response.status_code == 302
    success, refusal = told(response)
    assert success.startswith("1 commande affectée à") and "Zola" in success
    assert "1 refusé" in refusal and "Pas encore payée" in refusal and "commande payée" in refusal
    paid_order.refresh_from_db()
    unpaid.refresh_from_db()
    assert paid_order.corrector == corrector and unpaid.corrector is None
    assert OrderEvent.objects.filter(order=paid_order, kind=OrderEvent.Kind.ASSIGNMENT).count() == 1


def test_an_inactive_corrector_cannot_be_picked(client, staff, paid_order):
    inactive = CorrectorFactory(is_active=False)
    client.force_login(staff)
    page = run(client, "assign_corrector", [paid_order], corrector=str(inactive.pk))
    assert page.status_code == 200 and "errorlist" in page.content.decode()
    paid_order.refresh_from_db()
    assert paid_order.corrector is None


def test_cancelling_goes_through_the_service(client, staff, paid_order):
    client.force_login(staff)
    response = run(client, "cancel_orders", [paid_order])
    assert told(response) == ["1 commande annulée."]
    paid_order.refresh_from_db()
    assert paid_order.status == Order.Status.ANNULEE
    run(client, "cancel_orders", [paid_order])  # already cancelled: nothing more
    assert OrderEvent.objects.filter(order=paid_order, to_status=Order.Status.ANNULEE).count() == 1


def test_a_finished_order_cannot_be_suspended(client, staff, paid_order):
    client.force_login(staff)
    run(client, "cancel_orders", [paid_order])
    response = run(client, "suspend", [paid_order])
    assert "1 refusé" in told(response)[-1]
    paid_order.refresh_from_db()
    assert paid_order.status == Order.Status.ANNULEE


def test_the_orders_list_shows_the_price_in_euros(client, staff, paid_order):
    client.force_login(staff)
    text = visible_text(client.get(URL).content.decode())
    assert "Prix" in text and f"{paid_order.price // 100},00 €" in text.replace("\u202f", " ").replace("\xa0", " ")


def test_the_orders_search_finds_by_title_or_by_the_clients_email_or_name(client, staff, paid_order, make_order):
    from accounts.tests.factories import UserFactory

    other = make_order(client=UserFactory(email="autre@example.org", last_name="Zzautre"), title="Autre roman")
    client.force_login(staff)

    def found(term):
        return set(client.get(URL, {"q": term}).context["cl"].result_list)

    assert found(paid_order.client.email) == {paid_order}
    assert found("Zzautre") == {other}
    assert found("Autre roman") == {other}
