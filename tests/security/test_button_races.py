"""The standing concurrency suite (issue 8): 20 simultaneous submits of every
state-changing button -> one effect.

Every URL of the project (``get_resolver()``, through the access crawl's
walker) and every admin bulk action must be listed in ``RACES``: either the
race test that proves it (``path::test``, checked to exist), or why a repeat
cannot change anything. A new button fails ``test_every_button_has_a_race_test``
until it is listed, so the next double-click defect is caught by CI.

The tests themselves live beside each app (``<app>/tests/test_races.py``,
``orders/tests/test_button_races.py``, "Payer" in
``billing/tests/test_checkout_sessions.py``); this file holds the admin bulk
actions and the order-file button. Each submit is a real POST through the
view, from its own logged-in browser, each thread with its own database
connection (``core.testing.submit_all``). Needs row locks: MariaDB + Redis in
CI (skipped on SQLite)::

    DATABASE_URL=mysql://root@127.0.0.1:3306/staka REDIS_URL=redis://127.0.0.1:6379/0 \\
        .venv/bin/python -m pytest -q tests/security/test_button_races.py */tests/test_*races.py
"""

import importlib
from pathlib import Path

import pytest
from django.contrib import admin
from django.core import mail
from django.urls import reverse

from accounts.models import User
from accounts.tests.factories import CorrectorFactory, UserFactory
from core.models import OutboxEmail, OutboxTask
from core.testing import server_database_only, submit_all
from files.models import StoredFile
from files.tests.factories import StoredFileFactory
from orders import services as orders
from orders.models import Order, OrderEvent

from .test_access_crawl import ENDPOINTS

ROOT = Path(__file__).resolve().parents[2]
ORDERS = "orders/tests/test_button_races.py"
MESSAGING = "messaging/tests/test_races.py"
BILLING = "billing/tests/test_races.py"
ACCOUNTS = "accounts/tests/test_races.py"
NOTIFICATIONS = "notifications/tests/test_races.py"
SUPPORT = "support/tests/test_races.py"
PUBLIC = "support/tests/test_consultation_races.py"
CMS = "cms/tests/test_races.py"
HERE = "tests/security/test_button_races.py"

# URL (crawl key) or admin action ("admin-action:<app>.<model>:<action>") ->
# "path::test" proving one effect under 20 simultaneous submits, or the
# reason a repeat changes nothing (read-only pages, GET-only downloads...).
READ_ONLY = "lecture seule : aucun POST ne change d'état"
RACES = {
    # core
    "core:landing": READ_ONLY, "core:health": READ_ONLY, "favicon.ico": READ_ONLY, "avatar": READ_ONLY,
    # accounts
    "accounts:home": READ_ONLY, "accounts:register_done": READ_ONLY, "accounts:password_reset_done": READ_ONLY,
    "accounts:password_reset_complete": READ_ONLY,
    "accounts:export_data": "export RGPD : un fichier calculé à chaque demande, rien d'écrit",
    "accounts:register": f"{ACCOUNTS}::test_register_20_times_with_one_address_makes_one_account",
    "accounts:activate": f"{ACCOUNTS}::test_activation_link_opened_20_times_activates_once",
    "accounts:activation_resend": f"{ACCOUNTS}::test_link_requests_20_times_answer_alike_and_queue_at_most_one_mail_each",
    "accounts:password_reset": f"{ACCOUNTS}::test_link_requests_20_times_answer_alike_and_queue_at_most_one_mail_each",
    "accounts:password_reset_confirm": f"{ACCOUNTS}::test_reset_link_submitted_20_times",
    "accounts:login": "connexion : une session par navigateur, le compteur d'échecs d'axes est atomique",
    "accounts:logout": "déconnexion : idempotente (la session de ce navigateur)",
    "accounts:password_change": f"{ACCOUNTS}::test_password_change_submitted_20_times",
    "accounts:profile": f"{ACCOUNTS}::test_profile_saved_20_times",
    "accounts:notification_preferences": f"{ACCOUNTS}::test_preferences_saved_20_times",
    "accounts:deactivate": f"{ACCOUNTS}::test_deactivate_submitted_20_times",
    "accounts:delete": f"{ACCOUNTS}::test_delete_submitted_20_times_anonymises_once",
    # orders
    "orders:pricing": READ_ONLY, "orders:quote": READ_ONLY, "orders:client_dashboard": READ_ONLY,
    "orders:visitor_done": READ_ONLY, "orders:detail": READ_ONLY, "orders:file_download": READ_ONLY,
    "orders:corrector_queue": READ_ONLY, "orders:staff_board": READ_ONLY, "orders:client_files": READ_ONLY,
    "orders:create": "le formulaire de commande : orders/tests (assistant « visitor »)",
    "orders:file_delete": f"{HERE}::test_removing_a_manuscript_20_times_removes_it_once",
    "orders:action[accept-delivery]": f"{ORDERS}::test_one_status_change_per_button",
    "orders:action[accept-quote]": f"{ORDERS}::test_quote_sent_once_then_accepted_once",
    "orders:action[assign]": f"{ORDERS}::test_assigned_once",
    "orders:action[cancel]": f"{ORDERS}::test_one_status_change_per_button",
    "orders:action[corrector-note]": f"{HERE}::test_corrector_note_saved_20_times",
    "orders:action[decline-quote]": f"{ORDERS}::test_quote_declined_once",
    "orders:action[deliver]": f"{ORDERS}::test_deliver_once",
    "orders:action[resume]": f"{ORDERS}::test_resume_once",
    "orders:action[rate]": f"{ORDERS}::test_rated_once",
    "orders:action[revision]": f"{ORDERS}::test_revision_counted_once",
    "orders:action[send-quote]": f"{ORDERS}::test_quote_sent_once_then_accepted_once",
    "orders:action[start]": f"{ORDERS}::test_one_status_change_per_button",
    "orders:action[suspend]": f"{ORDERS}::test_one_status_change_per_button",
    "orders:action[upload-deliverable]": f"{ORDERS}::test_an_upload_submitted_20_times_is_attached_once",
    "orders:action[upload-manuscript]": f"{ORDERS}::test_an_upload_submitted_20_times_is_attached_once",
    # billing
    "billing:home": READ_ONLY, "billing:invoice_pdf": READ_ONLY, "billing:credit_note_pdf": READ_ONLY,
    "billing:card_add_done": "retour de Stripe.js : un message, la carte est enregistrée par le webhook",
    "billing:checkout_return": "retour du paiement : n'écrit rien (seul le webhook marque payé)",
    "billing:payment": "l'étape de paiement enregistre l'adresse de facturation : deux envois écrivent les mêmes valeurs",
    "billing:checkout": "billing/tests/test_checkout_sessions.py::test_20_concurrent_payer_clicks_leave_exactly_one_open_checkout",
    "billing:webhook": "un événement Stripe est traité une fois (StripeEvent.event_id unique) : billing/tests",
    "billing:card_add": f"{BILLING}::test_the_same_card_added_20_times_is_saved_once",
    "billing:card_set_default": f"{BILLING}::test_make_default_pressed_20_times_leaves_one_default",
    "billing:card_remove": f"{BILLING}::test_remove_pressed_20_times_removes_once",
    "billing:pay_with_card": f"{BILLING}::test_paying_with_a_saved_card_20_times_charges_once",
    "billing:simulator": f"{BILLING}::test_the_simulator_accept_pressed_20_times_pays_once",
    "admin:billing_payment_refund": f"{BILLING}::test_a_refund_submitted_20_times_refunds_once",
    # notifications
    "notifications:list": READ_ONLY, "notifications:bell": READ_ONLY,
    "notifications:mark_read": f"{NOTIFICATIONS}::test_mark_read_pressed_20_times",
    "notifications:mark_all_read": f"{NOTIFICATIONS}::test_mark_all_read_pressed_20_times",
    "notifications:delete": f"{NOTIFICATIONS}::test_delete_pressed_20_times",
    "notifications:unsubscribe": f"{NOTIFICATIONS}::test_unsubscribe_pressed_20_times_turns_the_kind_off_once",
    # messaging
    "messaging:inbox": READ_ONLY, "messaging:unread_badge": READ_ONLY, "messaging:order": READ_ONLY,
    "messaging:attachment": READ_ONLY, "messaging:since": "GET seulement (la lecture avance, jamais en arrière)",
    "messaging:conversation": "GET seulement (la lecture avance, jamais en arrière)",
    "messaging:start": f"{MESSAGING}::test_writing_to_the_team_20_times_opens_one_conversation",
    "messaging:start_with_client": f"{MESSAGING}::test_writing_to_a_client_20_times_opens_one_conversation",
    "messaging:send": f"{MESSAGING}::test_one_compose_form_sent_20_times_posts_one_message",
    "messaging:draft": f"{MESSAGING}::test_draft_saved_20_times_is_one_draft",
    "messaging:archive": f"{MESSAGING}::test_archive_pressed_20_times_sets_one_state",
    "messaging:pin": f"{MESSAGING}::test_pin_pressed_20_times_sets_one_state",
    # support
    "support:help": READ_ONLY, "support:ticket_list": READ_ONLY, "support:queue": READ_ONLY,
    "support:ticket_detail": "GET seulement (la lecture avance, jamais en arrière)",
    "support:staff_ticket": "GET seulement (la lecture avance, jamais en arrière)",
    "support:ticket_new": f"{SUPPORT}::test_the_new_ticket_form_sent_20_times_opens_one_ticket",
    "support:ticket_reply": f"{SUPPORT}::test_one_client_reply_form_sent_20_times_posts_once",
    "support:ticket_confirm": f"{SUPPORT}::test_confirm_and_rate_pressed_20_times_act_once",
    "support:ticket_rate": f"{SUPPORT}::test_confirm_and_rate_pressed_20_times_act_once",
    "support:visitor_reply": f"{SUPPORT}::test_a_visitor_reply_link_sent_20_times_adds_one_message",
    "support:staff_take": f"{SUPPORT}::test_take_pressed_20_times_assigns_once",
    "support:staff_assign": f"{SUPPORT}::test_staff_buttons_pressed_20_times_record_one_change",
    "support:staff_priority": f"{SUPPORT}::test_staff_buttons_pressed_20_times_record_one_change",
    "support:staff_category": f"{SUPPORT}::test_staff_buttons_pressed_20_times_record_one_change",
    "support:staff_status": f"{SUPPORT}::test_staff_buttons_pressed_20_times_record_one_change",
    "support:staff_reply": f"{SUPPORT}::test_one_staff_reply_form_sent_20_times_posts_once",
    "admin-action:support.ticket:take_tickets": f"{SUPPORT}::test_admin_actions_20_times_move_once",
    "admin-action:support.ticket:resolve_tickets": f"{SUPPORT}::test_admin_actions_20_times_move_once",
    "admin-action:support.ticket:cancel_tickets": f"{SUPPORT}::test_admin_actions_20_times_move_once",
    # support: public requests
    "public:done": READ_ONLY, "public:consultation_bookings": READ_ONLY,
    "public:contact": f"{PUBLIC}::test_contact_form_sent_20_times_opens_one_ticket",
    "public:free_sample": f"{PUBLIC}::test_free_sample_sent_20_times_opens_one_ticket_and_keeps_the_file_once",
    "public:consultation": f"{PUBLIC}::test_twenty_people_booking_one_slot_through_the_page_make_one_booking",
    "public:consultation_cancel": f"{PUBLIC}::test_cancel_pressed_20_times_cancels_once",
    # cms: public pages, GET only
    "cms:page": READ_ONLY, "cms:blog": READ_ONLY, "cms:blog_post": READ_ONLY, "cms:faq": READ_ONLY,
    "cms:terms": READ_ONLY, "cms:terms_version": READ_ONLY, "cms:legal_notice": READ_ONLY, "cms:privacy": READ_ONLY,
    "cms:cookies": READ_ONLY, "cms:sitemap": READ_ONLY, "cms:robots": READ_ONLY,
    "admin-action:cms.page:publish": f"{CMS}::test_publish_pressed_20_times_writes_one_version",
    "admin-action:cms.page:unpublish": f"{CMS}::test_unpublish_and_archive_20_times_move_once",
    "admin-action:cms.page:archive": f"{CMS}::test_unpublish_and_archive_20_times_move_once",
    # admin bulk actions
    "admin-action:orders.order:auto_assign": f"{HERE}::test_auto_assign_20_times_assigns_once",
    "admin-action:orders.order:suspend": f"{HERE}::test_suspend_and_resume_actions_20_times_move_once",
    "admin-action:orders.order:resume": f"{HERE}::test_suspend_and_resume_actions_20_times_move_once",
    "admin-action:orders.order:assign_corrector": f"{HERE}::test_assign_and_cancel_actions_20_times_act_once",
    "admin-action:orders.order:cancel_orders": f"{HERE}::test_assign_and_cancel_actions_20_times_act_once",
    "admin-action:billing.invoice:resend_invoices": "renvoyer une facture est répétable exprès (le client l'a perdue) ;"
                                                     " un double clic avant l'envoi n'en met qu'un en file (clé : dernier envoi)",
    "admin-action:accounts.user:deactivate_users": f"{HERE}::test_user_actions_20_times_act_once",
    "admin-action:accounts.user:anonymise_users": f"{HERE}::test_user_actions_20_times_act_once",
    "admin-action:core.outboxemail:resend": f"{HERE}::test_resending_a_failed_email_20_times_sends_it_once",
    "admin-action:core.outboxtask:retry": f"{HERE}::test_retrying_a_failed_task_20_times_hands_it_over_once",
    "admin-action:files.storedfile:soft_delete_files": f"{HERE}::test_file_actions_20_times_act_once",
    "admin-action:files.storedfile:purge_files_content": f"{HERE}::test_file_actions_20_times_act_once",
    "admin-action:billing.invoice:regenerate_pdf": "régénère le PDF d'un document figé : même numéro, mêmes montants",
    "admin-action:billing.creditnote:regenerate_pdf": "régénère le PDF d'un document figé : même numéro, mêmes montants",
    "admin-action:orders.service:sync_to_stripe": f"{BILLING}::test_stripe_sync_20_times_creates_one_product",
    "admin-action:axes.accessattempt:cleanup_expired_attempts": "supprime ce qui a expiré : idempotent",
    "admin:export": "lecture seule : exporter deux fois donne deux fichiers et ne change rien",
    "admin-action:*:delete_selected": "désactivé ou une confirmation par objet : supprimer deux fois ne supprime qu'une fois",
}
# The admin's own pages (changelists, add/change/delete forms, history) are
# Django's: a change form saved twice saves the same values; the bulk
# actions above are what the admin adds.
ADMIN_PAGES = "pages de l'administration Django (enregistrer deux fois les mêmes valeurs)"


def button_keys():
    keys = set()
    for endpoint in ENDPOINTS:
        if endpoint.key.startswith("admin") and endpoint.key not in RACES:
            continue  # ADMIN_PAGES
        keys.add(endpoint.key)
    for model, model_admin in admin.site._registry.items():
        for action in model_admin.actions or ():
            name = action if isinstance(action, str) else action.__name__
            keys.add(f"admin-action:{model._meta.label_lower}:{name}")
    return keys


def test_every_button_has_a_race_test():
    """A new URL or admin action fails here until it is listed in RACES."""
    missing = sorted(button_keys() - set(RACES) - {"admin-action:*:delete_selected"})
    assert not missing, f"boutons sans test de concurrence (à ajouter à RACES) : {missing}"
    dead = sorted(set(RACES) - button_keys() - {"admin-action:*:delete_selected"})
    assert not dead, f"entrées de RACES sans URL ni action (renommée ?) : {dead}"


def test_every_listed_race_test_exists():
    for key, proof in RACES.items():
        if "::" not in proof:
            continue
        path, name = proof.split("::")
        assert (ROOT / path).exists(), f"{key}: {path}"
        module = importlib.import_module(path.removesuffix(".py").replace("/", "."))
        assert callable(getattr(module, name, None)), f"{key}: {name} absent de {path}"


# --- The races --------------------------------------------------------------------

race = [pytest.mark.django_db(transaction=True), server_database_only]


def changelist(model):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")


def run_action(staff, model, action, pks):
    data = {"action": action, "index": "0", "_selected_action": [str(pk) for pk in pks]}
    responses = submit_all(staff, changelist(model), lambda: dict(data))
    assert {r.status_code for r in responses} == {302}
    return responses


@pytest.mark.django_db(transaction=True)
@server_database_only
def test_auto_assign_20_times_assigns_once(paid_order, staff):
    CorrectorFactory(), CorrectorFactory()
    run_action(staff, Order, "auto_assign", [paid_order.pk])
    paid_order.refresh_from_db()
    assert paid_order.corrector is not None
    assert OrderEvent.objects.filter(order=paid_order, kind=OrderEvent.Kind.ASSIGNMENT).count() == 1


@pytest.mark.django_db(transaction=True)
@server_database_only
def test_suspend_and_resume_actions_20_times_move_once(working_order, staff):
    run_action(staff, Order, "suspend", [working_order.pk])
    working_order.refresh_from_db()
    assert working_order.status == Order.Status.SUSPENDUE
    assert OrderEvent.objects.filter(order=working_order, to_status=Order.Status.SUSPENDUE).count() == 1
    run_action(staff, Order, "resume", [working_order.pk])
    working_order.refresh_from_db()
    assert working_order.status == Order.Status.EN_COURS
    assert OrderEvent.objects.filter(order=working_order, to_status=Order.Status.EN_COURS).count() == 2  # start, resume


@pytest.mark.django_db(transaction=True)
@server_database_only
def test_assign_and_cancel_actions_20_times_act_once(paid_order, staff):
    corrector = CorrectorFactory()
    data = {"action": "assign_corrector", "index": "0", "_selected_action": [str(paid_order.pk)],
            "corrector": str(corrector.pk)}
    responses = submit_all(staff, changelist(Order), lambda: dict(data))
    assert {r.status_code for r in responses} == {302}
    paid_order.refresh_from_db()
    assert paid_order.corrector == corrector
    assert OrderEvent.objects.filter(order=paid_order, kind=OrderEvent.Kind.ASSIGNMENT).count() == 1
    run_action(staff, Order, "cancel_orders", [paid_order.pk])
    paid_order.refresh_from_db()
    assert paid_order.status == Order.Status.ANNULEE
    assert OrderEvent.objects.filter(order=paid_order, to_status=Order.Status.ANNULEE).count() == 1


@pytest.mark.django_db(transaction=True)
@server_database_only
def test_user_actions_20_times_act_once(staff):
    closing, erased = UserFactory(), UserFactory()
    run_action(staff, User, "deactivate_users", [closing.pk])
    closing.refresh_from_db()
    assert not closing.is_active and closing.deactivated_at is not None
    email = erased.email
    run_action(staff, User, "anonymise_users", [erased.pk])
    erased.refresh_from_db()
    assert erased.is_anonymised and not User.objects.filter(email=email).exists()


@pytest.mark.django_db(transaction=True)
@server_database_only
def test_resending_a_failed_email_20_times_sends_it_once(staff):
    record = OutboxEmail.objects.create(to="lecteur@example.org", template="notification",
                                        context={"first_name": "Anne", "title": "Avis", "message": "Bonjour"},
                                        status=OutboxEmail.Status.FAILED, last_error="SMTP en panne")
    mail.outbox.clear()
    run_action(staff, OutboxEmail, "resend", [record.pk])
    record.refresh_from_db()
    assert record.status == OutboxEmail.Status.SENT
    assert [m.to for m in mail.outbox] == [["lecteur@example.org"]]


@pytest.mark.django_db(transaction=True)
@server_database_only
def test_retrying_a_failed_task_20_times_hands_it_over_once(staff):
    """The task here queues a password-reset e-mail: each run would add one."""
    from accounts.tasks import send_password_reset

    user = UserFactory()
    record = OutboxTask.objects.create(task=send_password_reset.name, kwargs={"email": user.email},
                                       status=OutboxTask.Status.FAILED, attempts=5)
    run_action(staff, OutboxTask, "retry", [record.pk])
    record.refresh_from_db()
    assert record.status in (OutboxTask.Status.PENDING, OutboxTask.Status.DONE) and record.attempts == 1
    assert OutboxEmail.objects.filter(to=user.email).count() == 1


@pytest.mark.django_db(transaction=True)
@server_database_only
def test_file_actions_20_times_act_once(staff):
    deleted, purged = StoredFileFactory(), StoredFileFactory()
    run_action(staff, StoredFile, "soft_delete_files", [deleted.pk])
    run_action(staff, StoredFile, "purge_files_content", [purged.pk])
    deleted.refresh_from_db()
    purged.refresh_from_db()
    assert deleted.deleted_at is not None and deleted.content_purged_at is not None
    assert purged.content_purged_at is not None and purged.deleted_at is None
    assert not deleted.file.storage.exists(deleted.file.name) and not purged.file.storage.exists(purged.file.name)


@pytest.mark.django_db(transaction=True)
@server_database_only
def test_removing_a_manuscript_20_times_removes_it_once(make_order, client_user):
    from orders.demo import demo_pdf

    order = make_order()
    orders.order_add_manuscript(order=order, uploaded_file=demo_pdf("v2.pdf"), by=client_user)
    manuscript = order.files.get(original_name="v2.pdf")
    url = reverse("orders:file_delete", args=[order.pk, manuscript.pk])
    responses = submit_all(client_user, url)
    assert {r.status_code for r in responses} == {302}, [r.content[:300] for r in responses if r.status_code != 302]
    manuscript.refresh_from_db()
    assert manuscript.deleted_at is not None
    assert order.files.alive().filter(role=StoredFile.Role.MANUSCRIPT).count() == 1  # the first one stays


@pytest.mark.django_db(transaction=True)
@server_database_only
def test_corrector_note_saved_20_times(working_order, corrector):
    url = reverse("orders:action", args=[working_order.pk, "corrector-note"])
    responses = submit_all(corrector, url, lambda: {"corrector_note": "Relire le chapitre 2"})
    assert {r.status_code for r in responses} == {302}
    working_order.refresh_from_db()
    assert working_order.corrector_note == "Relire le chapitre 2"
