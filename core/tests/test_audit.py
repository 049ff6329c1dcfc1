"""The audit trail: one entry per action, append-only, purged only by the
retention command (which is itself audited), readable by ADMIN staff only."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from accounts.tests.factories import DEFAULT_PASSWORD, AdminFactory, CorrectorFactory, UserFactory
from core.audit import audit_record
from core.models import AuditLog, AuditLogImmutable

pytestmark = pytest.mark.django_db

LOGIN_URL = reverse("accounts:login")
BROWSER = "Mozilla/5.0 (Audit test)"


def login(client, email, password=DEFAULT_PASSWORD):
    return client.post(LOGIN_URL, {"username": email, "password": password},
                       REMOTE_ADDR="203.0.113.7", HTTP_USER_AGENT=BROWSER)


def entries(action):
    return list(AuditLog.objects.filter(action=action))


def written():
    """The entries a test's action wrote (force_login records a login too)."""
    return AuditLog.objects.exclude(action="login.success")


# --- Logins -----------------------------------------------------------------

def test_a_successful_login_writes_one_entry_with_actor_ip_and_browser(client):
    user = UserFactory()
    assert login(client, user.email).status_code == 302
    [entry] = AuditLog.objects.all()
    assert (entry.action, entry.actor, entry.actor_email) == ("login.success", user, user.email)
    assert (entry.target_type, entry.target_id) == ("accounts.user", str(user.pk))
    assert (entry.ip_address, entry.user_agent) == ("203.0.113.7", BROWSER)


def test_a_failed_login_writes_one_entry_naming_the_address_tried(client):
    UserFactory(email="connue@example.org")
    login(client, "Connue@Example.org", "pas-le-bon")
    [entry] = AuditLog.objects.all()
    assert (entry.action, entry.actor, entry.actor_email) == ("login.failure", None, "connue@example.org")
    assert entry.ip_address == "203.0.113.7"
    assert entry.severity == AuditLog.Severity.MEDIUM


@override_settings(AXES_FAILURE_LIMIT=3)
def test_the_attempt_that_locks_the_account_and_the_later_ones_are_lockouts(client):
    user = UserFactory()
    for _ in range(4):
        login(client, user.email, "pas-le-bon")
    actions = list(AuditLog.objects.order_by("timestamp", "pk").values_list("action", flat=True))
    assert actions == ["login.failure", "login.failure", "login.lockout", "login.lockout"]
    assert {e.actor_email for e in entries("login.lockout")} == {user.email}
    assert entries("login.lockout")[0].severity == AuditLog.Severity.HIGH


@override_settings(TRUSTED_PROXY_COUNT=1)
def test_the_ip_is_the_clients_behind_the_trusted_proxy(client):
    user = UserFactory()
    client.post(LOGIN_URL, {"username": user.email, "password": DEFAULT_PASSWORD},
                REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="6.6.6.6, 198.51.100.4")
    assert AuditLog.objects.get().ip_address == "198.51.100.4"


# --- Accounts -----------------------------------------------------------------

def test_a_password_change_writes_one_entry(client):
    user = UserFactory()
    client.force_login(user)
    response = client.post(reverse("accounts:password_change"), {
        "old_password": DEFAULT_PASSWORD, "new_password1": "Un-Autre-Mot-De-Passe-42",
        "new_password2": "Un-Autre-Mot-De-Passe-42",
    }, REMOTE_ADDR="203.0.113.8")
    assert response.status_code == 302
    [entry] = entries("password.change")
    assert (entry.actor, entry.target_id, entry.ip_address) == (user, str(user.pk), "203.0.113.8")
    assert written().count() == 1


def test_a_password_reset_request_writes_one_entry_without_looking_the_address_up(client):
    client.post(reverse("accounts:password_reset"), {"email": "Quelqu.un@example.org"}, REMOTE_ADDR="203.0.113.9")
    [entry] = AuditLog.objects.all()
    assert (entry.action, entry.actor_email, entry.ip_address) == (
        "password_reset.request", "quelqu.un@example.org", "203.0.113.9")


def test_a_password_reset_through_the_link_writes_one_entry(client):
    from django.contrib.auth.tokens import default_token_generator
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    user = UserFactory()
    start = reverse("accounts:password_reset_confirm",
                    args=[urlsafe_base64_encode(force_bytes(user.pk)), default_token_generator.make_token(user)])
    set_url = client.get(start)["Location"]  # Django swaps the token for a session one
    password = "Un-Autre-Mot-De-Passe-42"
    response = client.post(set_url, {"new_password1": password, "new_password2": password}, REMOTE_ADDR="203.0.113.13")
    assert response.status_code == 302
    [entry] = AuditLog.objects.all()
    assert (entry.action, entry.actor, entry.target_id, entry.ip_address) == (
        "password_reset.done", user, str(user.pk), "203.0.113.13")


def test_a_role_change_through_the_admin_writes_the_role_entry_and_the_admins_before_after(client):
    admin_user = AdminFactory()
    user = UserFactory(role=User.Role.USER)
    client.force_login(admin_user)
    response = client.post(reverse("admin:accounts_user_change", args=[user.pk]), {
        "email": user.email, "role": "CORRECTOR", "is_active": "on", "first_name": user.first_name,
        "last_name": user.last_name, "phone": "", "address": "", "bio": "", "preferences": "{}",
    }, REMOTE_ADDR="203.0.113.10")
    assert response.status_code == 302
    [role] = entries("user.role")
    assert (role.actor, role.target_id, role.ip_address) == (admin_user, str(user.pk), "203.0.113.10")
    [change] = entries("admin.change")
    assert change.details["changes"]["role"] == {"before": "USER", "after": "CORRECTOR"}
    assert change.target_type == "accounts.user"
    assert written().count() == 2


def test_an_admin_edit_records_before_and_after_of_the_changed_fields_only(client):
    admin_user = AdminFactory()
    user = UserFactory(first_name="Avant", last_name="Même", address="", postcode="", city="", country="")
    client.force_login(admin_user)
    client.post(reverse("admin:accounts_user_change", args=[user.pk]), {
        "email": user.email, "role": user.role, "is_active": "on", "first_name": "Après",
        "last_name": "Même", "phone": "", "address": "", "bio": "", "preferences": "{}",
    })
    [entry] = written()
    assert entry.action == "admin.change"
    assert entry.details["changes"] == {"first_name": {"before": "Avant", "after": "Après"}}


def test_an_unchanged_admin_save_writes_nothing(client):
    admin_user = AdminFactory()
    user = UserFactory(address="", postcode="", city="", country="")
    client.force_login(admin_user)
    client.post(reverse("admin:accounts_user_change", args=[user.pk]), {
        "email": user.email, "role": user.role, "is_active": "on", "first_name": user.first_name,
        "last_name": user.last_name, "phone": "", "address": "", "bio": "", "preferences": "{}",
    })
    assert not written().exists()


def test_a_password_set_in_the_admin_is_never_written_to_the_trail(client):
    client.force_login(AdminFactory())
    password = "Le-Rouge-et-le-Noir-1830"
    client.post(reverse("admin:accounts_user_add"), {
        "email": "nouvelle@staka-editions.com", "first_name": "Nora", "last_name": "Admin", "role": "USER",
        "password1": password, "password2": password, "usable_password": "true",
    })
    entry = AuditLog.objects.get(action="admin.add")
    assert password not in str(entry.details)
    assert "pbkdf2" not in str(entry.details) and "bcrypt" not in str(entry.details)


def test_deleting_ones_account_is_audited_and_the_entry_is_anonymised(client):
    user = UserFactory()
    email = user.email
    client.force_login(user)
    response = client.post(reverse("accounts:delete"), {"password": DEFAULT_PASSWORD, "confirmation": "SUPPRIMER"},
                           REMOTE_ADDR="203.0.113.11", HTTP_USER_AGENT=BROWSER)
    assert response.status_code == 302
    [entry] = entries("user.delete")
    assert entry.target_id == str(user.pk)
    # RGPD: what happened stays, who-from-where goes.
    assert (entry.actor_email, entry.ip_address, entry.user_agent) == ("", None, "")
    assert not AuditLog.objects.filter(actor_email__iexact=email).exists()


def test_a_data_export_is_audited(client):
    user = UserFactory()
    client.force_login(user)
    assert client.get(reverse("accounts:export_data"), REMOTE_ADDR="203.0.113.12").status_code == 200
    [entry] = entries("user.export")
    assert (entry.actor, entry.ip_address) == (user, "203.0.113.12")


def test_entries_survive_the_deletion_of_their_actor(client):
    user = UserFactory()
    audit_record(action="test.thing", actor=user)
    user.delete()
    entry = AuditLog.objects.get()
    assert (entry.actor, entry.actor_email) == (None, user.email)


# --- Append-only ----------------------------------------------------------------

def test_an_entry_cannot_be_changed_or_deleted_through_the_orm():
    entry = audit_record(action="test.thing")
    entry.action = "test.other"
    with pytest.raises(AuditLogImmutable):
        entry.save()
    with pytest.raises(AuditLogImmutable):
        entry.delete()
    with pytest.raises(AuditLogImmutable):
        AuditLog.objects.all().delete()
    with pytest.raises(AuditLogImmutable):
        AuditLog.objects.update(action="x")
    assert AuditLog.objects.get().action == "test.thing"


def test_the_admin_lists_and_shows_entries_but_refuses_change_add_and_delete(client):
    admin_user = AdminFactory()
    entry = audit_record(action="test.thing", actor=admin_user, details={"a": 1})
    client.force_login(admin_user)
    assert client.get(reverse("admin:core_auditlog_changelist")).status_code == 200
    assert client.get(reverse("admin:core_auditlog_changelist"), {"q": admin_user.email}).status_code == 200
    assert client.get(reverse("admin:core_auditlog_change", args=[entry.pk])).status_code == 200
    assert client.post(reverse("admin:core_auditlog_change", args=[entry.pk]),
                       {"action": "forged"}).status_code == 403
    assert client.get(reverse("admin:core_auditlog_delete", args=[entry.pk])).status_code == 403
    assert client.post(reverse("admin:core_auditlog_delete", args=[entry.pk]), {"post": "yes"}).status_code == 403
    assert client.get(reverse("admin:core_auditlog_add")).status_code == 403
    response = client.post(reverse("admin:core_auditlog_changelist"),
                           {"action": "delete_selected", "_selected_action": [entry.pk], "post": "yes"})
    assert response.status_code in (200, 302)
    assert AuditLog.objects.filter(pk=entry.pk, action="test.thing").exists()


@pytest.mark.parametrize("factory", [CorrectorFactory, UserFactory])
def test_only_admin_staff_read_the_trail(client, factory):
    audit_record(action="test.thing")
    client.force_login(factory())
    assert client.get(reverse("admin:core_auditlog_changelist"), follow=True).status_code == 403


def test_the_changelist_costs_a_fixed_number_of_queries(client, django_assert_max_num_queries):
    admin_user = AdminFactory()
    client.force_login(admin_user)
    for n in range(30):
        audit_record(action=f"test.{n % 3}", actor=UserFactory())
    with django_assert_max_num_queries(12):
        assert client.get(reverse("admin:core_auditlog_changelist")).status_code == 200


# --- Retention -----------------------------------------------------------------

def _age(entry, days):
    # Test set-up only: the model refuses updates, the raw queryset does not.
    from django.db.models import QuerySet

    QuerySet.update(AuditLog.objects.filter(pk=entry.pk), timestamp=timezone.now() - timedelta(days=days))


def test_purge_audit_removes_only_old_entries_in_batches_and_audits_itself(capsys):
    old = [audit_record(action="test.old") for _ in range(5)]
    for entry in old:
        _age(entry, 400)
    recent = audit_record(action="test.recent")
    _age(recent, 10)
    call_command("purge_audit", "--older-than", "365", "--dry-run")
    assert "5 entrée(s)" in capsys.readouterr().out
    assert AuditLog.objects.count() == 6
    from core import audit

    removed = audit.audit_purge(older_than_days=365, batch_size=2)
    assert removed == 5
    assert set(AuditLog.objects.values_list("action", flat=True)) == {"test.recent", "audit.purge"}
    assert AuditLog.objects.get(action="audit.purge").details["removed"] == 5


def test_purge_audit_command_reports_and_records_the_count(capsys):
    _age(audit_record(action="test.old"), 40)
    call_command("purge_audit", "--older-than", "30")
    assert "1 entrée(s) supprimée(s)" in capsys.readouterr().out
    assert list(AuditLog.objects.values_list("action", flat=True)) == ["audit.purge"]


# --- Every admin change, whichever ModelAdmin --------------------------------------

def _admin_form_data(form):
    """What the unbound admin form would post back unchanged."""
    data = {}
    for name in form.fields:
        value = form[name].value()
        if value is None or value is False:
            continue
        data[name] = [str(v) for v in value] if isinstance(value, list | tuple) else value
    return data


def test_a_price_change_in_the_services_admin_records_before_and_after(client, service):
    admin_user = AdminFactory()
    client.force_login(admin_user)
    url = reverse("admin:orders_service_change", args=[service.pk])
    form = client.get(url).context["adminform"].form
    data = _admin_form_data(form)
    price_field = next(name for name in form.fields if "price" in name)
    before = data[price_field]
    data[price_field] = "123,45"
    response = client.post(url, data, REMOTE_ADDR="203.0.113.40")
    assert response.status_code == 302, response.context["adminform"].form.errors
    [entry] = written()
    assert (entry.action, entry.target_type, entry.target_id) == ("admin.change", "orders.service", str(service.pk))
    # In cents, as stored (the form shows euros).
    assert entry.details["changes"][price_field] == {"before": round(Decimal(str(before)) * 100), "after": 12345}
    assert entry.ip_address == "203.0.113.40"


def test_a_deletion_in_the_admin_is_recorded_with_what_was_deleted(client):
    from cms.tests.factories import FAQFactory

    faq = FAQFactory(question="Combien de temps ?")
    client.force_login(AdminFactory())
    response = client.post(reverse("admin:cms_faq_delete", args=[faq.pk]), {"post": "yes"})
    assert response.status_code == 302
    [entry] = written()
    assert (entry.action, entry.target_type, entry.target_id) == ("admin.delete", "cms.faq", str(faq.pk))
    assert "Combien de temps" in entry.details["object"]


def test_the_changelist_filters_by_date_action_and_target_type(client):
    admin_user = AdminFactory()
    audit_record(action="order.status", target_type="orders.order", target_id="1")
    audit_record(action="file.delete", target_type="files.storedfile", target_id="2")
    client.force_login(admin_user)
    url = reverse("admin:core_auditlog_changelist")
    by_action = client.get(url, {"action": "file.delete"})
    assert [e.action for e in by_action.context["cl"].result_list] == ["file.delete"]
    by_type = client.get(url, {"target_type": "orders.order"})
    assert [e.action for e in by_type.context["cl"].result_list] == ["order.status"]
    # What the filter's "Aujourd'hui" link sends: aware bounds of the local day.
    midnight = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    by_date = client.get(url, {"timestamp__gte": str(midnight), "timestamp__lt": str(midnight + timedelta(days=1))})
    assert by_date.status_code == 200
    assert {"order.status", "file.delete"} <= {e.action for e in by_date.context["cl"].result_list}
