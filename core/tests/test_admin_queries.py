"""Every back-office page costs a fixed number of queries: each changelist,
and the pages of a user and of an order, cost the same with 1 and with 50
rows of everything (orders, their files, events, invoices, conversations,
messages, notifications, tickets)."""

import pytest
from django.contrib import admin
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.tests.factories import AdminFactory, CorrectorFactory
from billing.invoicing import invoice_issue_for_order
from messaging import services as messaging
from notifications.models import Notification
from orders import services as orders
from support import services as support

pytestmark = pytest.mark.django_db


def build(n, *, client_user, corrector, staff, make_order):
    for i in range(n):
        order = make_order(title=f"Roman {i}")
        order = orders.order_mark_paid(order=order, amount=order.price)
        orders.order_assign_corrector(order=order, corrector=corrector, by=staff)
        invoice_issue_for_order(order=order)
        conversation = messaging.conversation_for_order(order=order)
        messaging.message_send(conversation=conversation, sender=client_user, content=f"Bonjour {i}")
        Notification.objects.create(user=client_user, title=f"Avis {i}", message="…")
        support.ticket_open(title=f"Question {i}", description="Une question.", requester=client_user)
    return order


def cost(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries)


def pages(client_user, order):
    urls = [reverse(f"admin:{m._meta.app_label}_{m._meta.model_name}_changelist") for m in admin.site._registry]
    urls += [
        reverse("admin:accounts_user_change", args=[client_user.pk]),
        reverse("admin:orders_order_change", args=[order.pk]),
        reverse("admin:messaging_conversation_change", args=[order.conversations.get().pk]),
    ]
    return urls


def test_every_changelist_and_the_user_and_order_pages_cost_the_same_with_1_and_50_rows(
        client, client_user, make_order, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    staff, corrector = AdminFactory(), CorrectorFactory()
    client.force_login(staff)
    first = build(1, client_user=client_user, corrector=corrector, staff=staff, make_order=make_order)
    for _ in range(6):  # more events on the first order
        orders.order_suspend(order=first, by=staff)
        orders.order_resume(order=first, by=staff)
    urls = pages(client_user, first)
    with_one = {url: cost(client, url) for url in urls}
    build(49, client_user=client_user, corrector=corrector, staff=staff, make_order=make_order)
    for _ in range(20):
        orders.order_suspend(order=first, by=staff)
        orders.order_resume(order=first, by=staff)
    with_fifty = {url: cost(client, url) for url in urls}
    grew = {url: (with_one[url], with_fifty[url]) for url in urls if with_fifty[url] > with_one[url]}
    assert not grew, f"pages dont le coût grandit avec les lignes (1 → 50) : {grew}"
