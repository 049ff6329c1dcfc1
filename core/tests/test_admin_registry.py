"""Every model of every app is in the back office, and a staff member walks
the graph (user → orders, invoices, messages... → back) by links."""

import pytest
from django.apps import apps
from django.contrib import admin
from django.urls import reverse

from accounts.tests.factories import AdminFactory, UserFactory
from core.admin_links import changelist_url
from core.testing import visible_text
from notifications.models import Notification

pytestmark = pytest.mark.django_db

# Models left out of the back office, each with its reason.
NOT_REGISTERED = {
    "admin.LogEntry": "le journal de l'admin Django : l'« Historique » de chaque objet le montre",
    "auth.Permission": "interne à Django : l'accès se décide par le rôle (ADMIN), pas par permission",
    "contenttypes.ContentType": "interne à Django",
    "sessions.Session": "les sessions contiennent des secrets de connexion",
    "axes.AccessAttemptExpiration": "interne à django-axes : l'expiration d'une tentative, montrée sur la tentative",
    "messaging.Participant": "table de liaison : en ligne (inline) sur la conversation",
    "messaging.MessageAttachment": "table de liaison : en ligne (inline) sur le message",
}
# django-simple-history's tables are read through each record's « Historique » page.
HISTORY_OF = ("accounts.User", "billing.Invoice", "cms.Page", "orders.Order", "orders.Service", "support.Ticket")
for label in HISTORY_OF:
    app_label, name = label.split(".")
    NOT_REGISTERED[f"{app_label}.Historical{name}"] = f"versions de {name} : la page « Historique » de l'objet"


def test_every_model_is_registered_or_exempted_with_a_reason():
    registered = {model._meta.label for model in admin.site._registry}
    models = {model._meta.label for model in apps.get_models()}
    missing = sorted(models - registered - set(NOT_REGISTERED))
    assert not missing, f"modèles absents de l'administration : {missing}"
    assert not (set(NOT_REGISTERED) & registered), "exemptés mais enregistrés : retirez-les de NOT_REGISTERED"
    assert set(NOT_REGISTERED) <= models, "exemption d'un modèle qui n'existe plus"


def test_a_users_page_links_to_their_rows_with_counts(client, make_order):
    staff = AdminFactory()
    client.force_login(staff)
    someone = UserFactory()
    for i in range(3):
        Notification.objects.create(user=someone, title=f"Avis {i}", message="…")
    Notification.objects.create(user=UserFactory(), title="Pas à lui", message="…")
    page = client.get(reverse("admin:accounts_user_change", args=[someone.pk])).content.decode()
    url = changelist_url(Notification, user__pk__exact=someone.pk)
    assert f'href="{url.replace("&", "&amp;")}"' in page and "Notifications (3)" in visible_text(page)
    listed = client.get(url)
    assert listed.status_code == 200
    assert list(listed.context["cl"].result_list.values_list("user", flat=True)) == [someone.pk] * 3


def test_a_two_step_relation_filters_the_changelist(client, paid_order, make_order):
    from billing.invoicing import invoice_issue_for_order
    from billing.models import Invoice
    from orders import services

    invoice = invoice_issue_for_order(order=paid_order)
    other = make_order(client=UserFactory())
    invoice_issue_for_order(order=services.order_mark_paid(order=other, amount=other.price))
    client.force_login(AdminFactory())
    user_page = visible_text(client.get(reverse("admin:accounts_user_change", args=[paid_order.client.pk])).content.decode())
    assert "Factures (1)" in user_page
    response = client.get(changelist_url(Invoice, order__client__pk__exact=paid_order.client.pk))
    assert response.status_code == 200  # Django alone refuses two steps (400)
    assert list(response.context["cl"].result_list) == [invoice]
    invoice_page = client.get(reverse("admin:billing_invoice_change", args=[invoice.pk])).content.decode()
    assert reverse("admin:orders_order_change", args=[paid_order.pk]) in invoice_page
    assert reverse("admin:accounts_user_change", args=[paid_order.client.pk]) in invoice_page


def test_an_orders_page_links_to_its_history_and_conversation(client, paid_order):
    client.force_login(AdminFactory())
    text = visible_text(client.get(reverse("admin:orders_order_change", args=[paid_order.pk])).content.decode())
    assert "Historique (" in text and "Conversation (" in text and "Factures (" in text
    events = client.get(changelist_url(paid_order.events.model, order__pk__exact=paid_order.pk))
    assert events.status_code == 200
    assert {e.order_id for e in events.context["cl"].result_list} == {paid_order.pk}


# Plain <select>s the back office keeps, each on a small, bounded list.
PLAIN_SELECTS = {
    ("orders.Order", "service"): "les services du catalogue : une poignée",
    ("orders.Order", "corrector"): "les seuls correcteurs (filtrés par rôle), une liste étiquetée et accessible",
    ("auth.Group", "permissions"): "les permissions de Django : une liste finie",
}


def test_no_form_loads_a_whole_big_table_into_a_select(rf):
    """Every other foreign key of an add or change form is an autocomplete,
    a raw id, or read-only."""
    from django.contrib.admin.widgets import AutocompleteSelect, AutocompleteSelectMultiple, ForeignKeyRawIdWidget

    request = rf.get("/")
    request.user = AdminFactory.build()
    plain = set()
    for model, model_admin in admin.site._registry.items():
        forms = []
        if model_admin.has_add_permission(request):
            forms.append(model_admin.get_form(request, None))
        if model_admin.has_change_permission(request, model()):
            forms.append(model_admin.get_form(request, model()))
        forms += [inline.get_formset(request, None).form for inline in model_admin.get_inline_instances(request)]
        for form in forms:
            for name, field in form.base_fields.items():
                widget = getattr(field.widget, "widget", field.widget)
                if hasattr(field, "queryset") and not isinstance(
                        widget, (AutocompleteSelect, AutocompleteSelectMultiple, ForeignKeyRawIdWidget)):
                    plain.add((form._meta.model._meta.label, name))
    assert plain <= set(PLAIN_SELECTS), f"listes déroulantes sur une table entière : {sorted(plain - set(PLAIN_SELECTS))}"


def test_a_users_page_counts_their_unread_notifications(client):
    client.force_login(AdminFactory())
    someone = UserFactory()
    for i in range(3):
        Notification.objects.create(user=someone, title=f"Avis {i}", message="…", is_read=(i == 0))
    page = client.get(reverse("admin:accounts_user_change", args=[someone.pk])).content.decode()
    assert "Notifications non lues (2)" in visible_text(page)
    url = changelist_url(Notification, user__pk__exact=someone.pk, is_read__exact=0)
    assert f'href="{url.replace("&", "&amp;")}"' in page
    listed = client.get(url)
    assert sorted(n.title for n in listed.context["cl"].result_list) == ["Avis 1", "Avis 2"]
