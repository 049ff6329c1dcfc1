"""The back office reads in French (issue 9): no English field label, no
amount in cents, no raw stored value on any list or change page.

Every registered admin's changelist and the change page of one of its rows
(the access crawl's world has a row of every kind) is fetched as staff and
its visible text searched for what the issue found.
"""

import re

import pytest
from django.apps import apps
from django.contrib import admin
from django.urls import reverse

from core.testing import visible_text
from tests.security.crawl_world import STAFF, build_world

OUR_APPS = {"accounts", "billing", "cms", "core", "files", "messaging", "notifications", "orders", "support"}

# English labels Django derives from field names, the amounts in cents, raw
# stored values the issue saw, and the old names.
FORBIDDEN = [
    r"\border\b", r"\bprovider\b", r"\bcreated at\b", r"\bupdated at\b", r"\bkind\b", r"\bfrom status\b",
    r"\bto status\b", r"\bactor\b", r"\bstatus before suspension\b", r"\bstripe session id\b", r"\bsession id\b",
    r"\bevent id\b", r"\blivemode\b", r"\bpayload\b", r"\boutcome\b", r"\bcurrency\b", r"\brefund ids?\b",
    r"\bfingerprint\b", r"\breceived at\b", r"\bpaid at\b", r"\bpayment intent\b", r"\bcheckout session\b",
    r"\bcentimes\b", r"\bsocle\b", r"\bepingl", r"\bsucceeded\b", r"\bpending\b", r"\bsimulator\b",
    r"\balready_recorded\b", r"\bignored\b", r"\bunknown_\w+",
]
FORBIDDEN_RE = re.compile("|".join(FORBIDDEN), re.IGNORECASE)


def flat(text):
    return " ".join(text.split())


def english_in(text):
    return sorted({match.group(0) for match in FORBIDDEN_RE.finditer(text)})


def _history_bookkeeping(field):
    """django-simple-history's own columns (history_date, history_user...) of
    its Historical* copies: never in a form; the "Historique" page heads them
    with the library's French translations."""
    return getattr(field.model, "instance_type", None) is not None and field.name.startswith("history_")


def test_every_model_field_has_a_french_label():
    """An explicit verbose_name on every field: Django's default is the English field name."""
    unnamed = [
        f"{model._meta.label}.{field.name}"
        for model in apps.get_models() if model._meta.app_label in OUR_APPS
        for field in model._meta.concrete_fields if field._verbose_name is None and not _history_bookkeeping(field)
    ]
    assert unnamed == []


def test_the_core_app_is_named_for_what_the_admin_shows():
    assert str(apps.get_app_config("core").verbose_name) == "Journal et boîte d'envoi"


def test_every_webhook_outcome_has_a_french_label():
    """The outcomes the webhook handlers return are the stored values the admin shows in words."""
    from pathlib import Path

    from billing.models import StripeEvent

    root = Path(__file__).resolve().parents[2]
    source = "".join((root / "billing" / name).read_text() for name in ("payments.py", "cards.py"))
    returned = set(re.findall(r'(?:return|outcome =) "([a-z_]+)"', source))
    assert returned and returned <= set(StripeEvent.Outcome.values), returned - set(StripeEvent.Outcome.values)


@pytest.fixture
def world(db, settings, tmp_path):
    settings.ORDERS_AUTO_ASSIGN = False
    built = build_world()
    event = built.objects["stripe_event"]
    event.outcome = "already_recorded"  # a raw value the webhook writes
    event.save(update_fields=["outcome"])
    return built


def test_every_admin_page_reads_in_french(world, client):
    client.force_login(world.users[STAFF])
    pages = 0
    failures = {}
    for model in admin.site._registry:
        opts = model._meta
        urls = [reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")]
        row = model._default_manager.order_by("pk").first()
        if row is not None:
            urls.append(reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[row.pk]))
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, url
            pages += 1
            found = english_in(visible_text(response.content.decode()))
            if found:
                failures[url] = found
    assert pages > 30
    assert failures == {}


def test_the_order_page_shows_euros_and_the_payment_status_in_words(world, client):
    from core.templatetags.formatting import euros
    from orders.models import Order

    client.force_login(world.users[STAFF])
    order = Order.objects.get(pk=world.orders[Order.Status.TERMINE].pk)
    text = visible_text(client.get(reverse("admin:orders_order_change", args=[order.pk])).content.decode())
    assert "Statut du paiement : Payée" in text
    for label, cents in (("Prix estimé", order.estimated_price), ("Montant payé", order.amount)):
        assert f"{label} : {flat(euros(cents))}" in text


def test_the_service_price_is_typed_in_euros_and_stored_in_cents(db, client):
    from accounts.tests.factories import AdminFactory
    from orders.tests.factories import ServiceFactory

    service = ServiceFactory(price=250, reduced_unit_price=100)
    client.force_login(AdminFactory())
    url = reverse("admin:orders_service_change", args=[service.pk])
    page = client.get(url).content.decode()
    assert 'value="2,50"' in page and "Prix (€)" in page
    assert "2,50 €" in visible_text(client.get(reverse("admin:orders_service_changelist")).content.decode())
    form = {
        "name": service.name, "description": service.description, "kind": service.kind,
        "pricing": service.pricing, "price": "3,05", "reduced_unit_price": "1", "estimated_duration": "",
        "is_active": "on", "display_order": "0",
    }
    response = client.post(url, form)
    assert response.status_code == 302, response.content.decode()[:2000]
    service.refresh_from_db()
    assert (service.price, service.reduced_unit_price) == (305, 100)
    form["price"] = "3,055"
    response = client.post(url, form)
    assert response.status_code == 200
    assert "pas plus de 2 chiffres après la virgule" in visible_text(response.content.decode())
    service.refresh_from_db()
    assert service.price == 305
