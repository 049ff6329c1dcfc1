"""Order moves, assignments and file deletions each write one audit entry
with the person who did it, the order (or file) and their IP address."""

import pytest
from django.urls import reverse

from core.models import AuditLog
from files.models import StoredFile
from orders import services
from orders.demo import demo_pdf
from orders.models import Order

pytestmark = pytest.mark.django_db


def written(action):
    return list(AuditLog.objects.filter(action=action))


def test_a_status_change_from_its_button_writes_one_entry(client, paid_order, corrector, staff):
    order = services.order_assign_corrector(order=paid_order, corrector=corrector, by=staff)
    client.force_login(corrector)
    response = client.post(reverse("orders:action", args=[order.pk, "start"]), REMOTE_ADDR="203.0.113.20")
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.status == Order.Status.EN_COURS
    [entry] = [e for e in written("order.status") if e.details["move"] == "start"]
    assert (entry.actor, entry.target_type, entry.target_id) == (corrector, "orders.order", str(order.pk))
    assert entry.ip_address == "203.0.113.20"
    assert (entry.details["from"], entry.details["to"]) == (Order.Status.PAYEE, Order.Status.EN_COURS)


def test_each_move_writes_exactly_one_entry_and_a_refused_one_none(paid_order, corrector, staff):
    before = AuditLog.objects.filter(action="order.status").count()
    order = services.order_assign_corrector(order=paid_order, corrector=corrector, by=staff)
    services.order_start(order=order, by=corrector)
    with pytest.raises(services.OrderError):
        services.order_start(order=order, by=corrector)  # already started
    assert AuditLog.objects.filter(action="order.status").count() == before + 1


def test_an_assignment_from_the_staff_board_writes_one_entry(client, paid_order, corrector, staff):
    client.force_login(staff)
    response = client.post(reverse("orders:action", args=[paid_order.pk, "assign"]), {"corrector": corrector.pk},
                           REMOTE_ADDR="203.0.113.21")
    assert response.status_code == 302
    [entry] = written("order.assign")
    assert (entry.actor, entry.target_id, entry.ip_address) == (staff, str(paid_order.pk), "203.0.113.21")
    assert entry.details["corrector"] == str(corrector.pk)


def test_a_file_deletion_writes_one_entry(client, make_order, client_user):
    order = make_order()
    services.order_add_manuscript(order=order, uploaded_file=demo_pdf("v2.pdf"), by=client_user)
    first = order.files.get(original_name="manuscrit.pdf")
    client.force_login(client_user)
    url = reverse("orders:file_delete", args=[order.pk, first.pk])
    assert client.post(url, REMOTE_ADDR="203.0.113.22").status_code == 302
    client.post(url, REMOTE_ADDR="203.0.113.22")  # a second click deletes, and records, nothing
    [entry] = written("file.delete")
    assert (entry.actor, entry.target_type, entry.target_id) == (client_user, "files.storedfile", str(first.pk))
    assert entry.ip_address == "203.0.113.22"
    assert StoredFile.objects.get(pk=first.pk).deleted_at is not None
