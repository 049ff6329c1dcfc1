"""Who hears about what (the table of the messaging & notifications issue)."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from accounts.tests.factories import CorrectorFactory, UserFactory
from notifications.models import Notification
from orders import services
from orders.demo import demo_pdf
from orders.models import Order

from .factories import ServiceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    """Run a service as a request would: its on-commit announcements too."""

    def run(action, **kwargs):
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            return action(**kwargs)

    return run


def titles(user):
    return list(Notification.objects.filter(user=user).order_by("id").values_list("title", flat=True))


def test_order_created_tells_the_client_and_staff(run, client_user, service, staff):
    bystander = UserFactory()
    order = run(services.order_create, client=client_user, service=service, title="Colomba", declared_pages=20,
                manuscripts=[demo_pdf("c.pdf")])
    assert titles(client_user) == ["Commande enregistrée"]
    assert titles(staff) == ["Nouvelle commande"]
    assert titles(bystander) == []
    assert [m.to for m in mail.outbox] == [[client_user.email]]  # staff: in-app only
    assert order.get_absolute_url() in mail.outbox[0].body


def test_quote_ready_tells_the_client(run, make_order, client_user, staff):
    order = make_order(service=ServiceFactory(needs_page_verification=True))
    run(services.order_send_quote, order=order, verified_pages=90, by=staff)
    assert titles(client_user)[-1] == "Votre devis est prêt"


def test_payment_tells_client_in_app_and_staff(run, make_order, client_user, staff):
    order = make_order()
    run(services.order_mark_paid, order=order, amount=order.price)
    assert titles(client_user)[-1] == "Paiement reçu"
    assert titles(staff)[-1] == "Paiement reçu"
    assert mail.outbox == []  # the receipt is the invoice e-mail (billing)


def test_assignment_tells_client_and_corrector(run, paid_order, client_user, corrector, staff):
    run(services.order_assign_corrector, order=paid_order, corrector=corrector, by=staff)
    assert titles(client_user)[-1] == "Correcteur désigné"
    assert titles(corrector) == ["Nouvelle affectation"]
    assert {m.to[0] for m in mail.outbox} == {client_user.email, corrector.email}


def test_status_changes_tell_the_other_party_not_the_actor(run, paid_order, client_user, corrector, staff):
    order = services.order_assign_corrector(order=paid_order, corrector=corrector, by=staff)
    before = titles(corrector)
    run(services.order_start, order=order, by=corrector)
    assert titles(client_user)[-1] == "« Le Grand Meaulnes » : En cours de correction"
    assert titles(corrector) == before


def test_delivery_and_revision(run, working_order, client_user, corrector):
    services.order_add_deliverable(order=working_order, uploaded_file=demo_pdf("v1.pdf"), by=corrector)
    order = run(services.order_deliver, order=working_order, by=corrector)
    assert titles(client_user)[-1] == "Votre manuscrit corrigé est disponible"
    run(services.order_request_revision, order=order, by=client_user, comment="Chapitre 3 trop chargé")
    revision = Notification.objects.filter(user=corrector).latest("id")
    assert revision.title == "Révision demandée" and "Chapitre 3 trop chargé" in revision.message


def test_preferences_switch_order_emails_off(run, paid_order, client_user, corrector, staff):
    client_user.preferences = {"notifications": {"orders": False}}
    client_user.save()
    run(services.order_assign_corrector, order=paid_order, corrector=corrector, by=staff)
    assert [m.to for m in mail.outbox] == [[corrector.email]]
    assert titles(client_user)[-1] == "Correcteur désigné"  # still told in-app


def test_overdue_orders_are_announced_once(run, working_order, corrector, staff):
    Order.objects.filter(pk=working_order.pk).update(due_date=timezone.localdate() - timedelta(days=1))
    other_corrector = CorrectorFactory()
    assert run(services.orders_announce_overdue) == 1
    assert titles(corrector)[-1] == "Échéance dépassée" and titles(staff)[-1] == "Commande en retard"
    assert titles(other_corrector) == []
    assert run(services.orders_announce_overdue) == 0


def test_order_events_appear_in_the_order_conversation(run, client_user, service, corrector, staff):
    from messaging.models import Message

    order = run(services.order_create, client=client_user, service=service, title="Sido", declared_pages=20,
                manuscripts=[demo_pdf("s.pdf")])
    order = run(services.order_mark_paid, order=order, amount=order.price)
    order = run(services.order_assign_corrector, order=order, corrector=corrector, by=staff)
    order = run(services.order_start, order=order, by=corrector)
    services.order_add_deliverable(order=order, uploaded_file=demo_pdf("s2.pdf"), by=corrector)
    order = run(services.order_deliver, order=order, by=corrector)
    run(services.order_request_revision, order=order, by=client_user, comment="Le chapitre 2")
    texts = list(Message.objects.filter(conversation__order_id=order.pk, type=Message.Type.SYSTEM_MESSAGE)
                 .order_by("id").values_list("content", flat=True))
    assert texts == [
        "Paiement reçu : la commande attend son correcteur.",
        f"{corrector.get_full_name()} est le correcteur de ce projet.",
        "Les fichiers corrigés sont livrés.",
        "Révision demandée : Le chapitre 2",
    ]
    conversation = Message.objects.filter(conversation__order_id=order.pk).first().conversation
    assert set(conversation.participants.values_list("user_id", flat=True)) == {client_user.pk, corrector.pk}
