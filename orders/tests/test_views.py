import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.tests.factories import CorrectorFactory, UserFactory
from core.testing import page_text
from files.models import StoredFile
from orders import services
from orders.demo import demo_pdf
from orders.forms import order_form_submission_key
from orders.models import Order

from .factories import ServiceFactory
from .fixtures import TERMS_ACCEPTED, exe_named_pdf

pytestmark = pytest.mark.django_db
S = Order.Status


def order_urls(order):
    file = order.files.first()
    return {
        "detail": ("get", reverse("orders:detail", args=[order.pk])),
        "download": ("get", reverse("orders:file_download", args=[order.pk, file.pk])),
        "delete": ("post", reverse("orders:file_delete", args=[order.pk, file.pk])),
        **{action: ("post", reverse("orders:action", args=[order.pk, action]))
           for action in ("cancel", "start", "deliver", "accept-delivery", "revision", "upload-manuscript",
                          "upload-deliverable", "corrector-note", "assign", "send-quote", "suspend", "resume")},
    }


@pytest.mark.parametrize("intruder", ["other_client", "unassigned_corrector"])
def test_every_order_url_answers_404_to_outsiders(client, working_order, intruder):
    client.force_login(UserFactory() if intruder == "other_client" else CorrectorFactory())
    for name, (method, url) in order_urls(working_order).items():
        response = getattr(client, method)(url)
        assert response.status_code == 404, name
    working_order.refresh_from_db()
    assert working_order.status == S.EN_COURS
    assert working_order.files.alive().count() == 1


def test_guessed_uuids_are_404(client, client_user):
    client.force_login(client_user)
    assert client.get("/orders/00000000-0000-0000-0000-000000000000/").status_code == 404


def test_client_corrector_and_staff_see_the_order(client, working_order, client_user, corrector, staff):
    for user in (client_user, corrector, staff):
        client.force_login(user)
        response = client.get(reverse("orders:detail", args=[working_order.pk]))
        assert response.status_code == 200
        assert "Le Grand Meaulnes" in page_text(response)


def test_corrector_note_is_never_shown_to_the_client(client, working_order, client_user, corrector):
    services.order_set_corrector_note(order=working_order, by=corrector, note="Style très oral, attention.")
    client.force_login(client_user)
    assert "Style très oral" not in page_text(client.get(reverse("orders:detail", args=[working_order.pk])))
    client.force_login(corrector)
    assert "Style très oral" in page_text(client.get(reverse("orders:detail", args=[working_order.pk])))


def test_download_streams_the_file_with_safe_headers(client, working_order, client_user):
    client.force_login(client_user)
    stored = working_order.files.get()
    response = client.get(reverse("orders:file_download", args=[working_order.pk, stored.pk]))
    assert response.status_code == 200
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "attachment" in response["Content-Disposition"] and "manuscrit.pdf" in response["Content-Disposition"]
    assert b"".join(response.streaming_content).startswith(b"%PDF")


def test_client_orders_through_the_form(client, client_user, service, terms):
    client.force_login(client_user)
    response = client.post(reverse("orders:create"), {
        "service": service.pk, "title": "Voyage au centre", "declared_pages": 11, "submission": order_form_submission_key(),
        # A forged price is simply not a field: the server computes it.
        "price": 1, "manuscripts": [demo_pdf("voyage.pdf")], **TERMS_ACCEPTED,
    })
    order = Order.objects.get()
    assert response.status_code == 302 and response.url == reverse("orders:detail", args=[order.pk])
    assert order.price == 200 and order.client == client_user
    assert order.files.get().original_name == "voyage.pdf"


@pytest.mark.parametrize(
    ("upload", "message"),
    [(exe_named_pdf, "type accepté"),
     (lambda: SimpleUploadedFile("page.docx", b"<html><body>hi</body></html>", "application/msword"), "type accepté")],
)
def test_disguised_files_are_refused_by_the_form(client, client_user, service, upload, message, terms):
    client.force_login(client_user)
    response = client.post(reverse("orders:create"), {
        "service": service.pk, "title": "X", "declared_pages": 20, "manuscripts": [upload()],
        "submission": order_form_submission_key(), **TERMS_ACCEPTED,
    })
    assert response.status_code == 200
    assert message in page_text(response)
    assert not Order.objects.exists() and not StoredFile.objects.exists()


def test_order_form_requires_a_manuscript_and_pages(client, client_user, service):
    client.force_login(client_user)
    response = client.post(reverse("orders:create"), {"service": service.pk, "title": "X"})
    text = page_text(response)
    assert "Joignez votre manuscrit." in text and "Indiquez le nombre de pages" in text


def test_actions_refused_by_the_workflow_show_a_message_and_change_nothing(client, make_order, client_user):
    order = make_order()
    client.force_login(client_user)
    response = client.post(reverse("orders:action", args=[order.pk, "accept-delivery"]), follow=True)
    assert "Action impossible" in page_text(response)
    order.refresh_from_db()
    assert order.status == S.EN_ATTENTE


def test_unknown_action_is_404(client, make_order, client_user):
    order = make_order()
    client.force_login(client_user)
    assert client.post(reverse("orders:action", args=[order.pk, "pay-me"])).status_code == 404


def test_corrector_delivers_through_the_page(client, working_order, corrector):
    client.force_login(corrector)
    url = reverse("orders:action", args=[working_order.pk, "upload-deliverable"])
    client.post(url, {"files": [demo_pdf("corrige.pdf")]})
    response = client.post(reverse("orders:action", args=[working_order.pk, "deliver"]), {"note": ""}, follow=True)
    assert "Livraison envoyée au client." in page_text(response)
    working_order.refresh_from_db()
    assert working_order.status == S.LIVREE


def test_client_dashboard_counts_filters_and_searches(client, make_order, client_user):
    make_order(title="Alpha")
    paid = make_order(title="Bêta")
    services.order_mark_paid(order=paid, amount=paid.price)
    client.force_login(client_user)
    response = client.get(reverse("orders:client_dashboard"))
    assert response.context["counts"] == {"active": 1, "awaiting": 1, "finished": 0, "all": 2}
    active = client.get(reverse("orders:client_dashboard"), {"status": "active"})
    assert [o.title for o in active.context["page"].object_list] == ["Bêta"]
    found = client.get(reverse("orders:client_dashboard"), {"q": "alp"})
    assert [o.title for o in found.context["page"].object_list] == ["Alpha"]


def test_client_dashboard_costs_the_same_queries_for_1_and_50_orders(client, client_user, service, django_assert_max_num_queries):
    def create(n):
        Order.objects.bulk_create(
            Order(client=client_user, service=service, title=f"Livre {i}", estimated_price=100, final_price=100)
            for i in range(n)
        )

    client.force_login(client_user)
    create(1)
    with django_assert_max_num_queries(6) as one:
        client.get(reverse("orders:client_dashboard"))
    create(49)
    with django_assert_max_num_queries(len(one.captured_queries)):
        client.get(reverse("orders:client_dashboard"))


def test_corrector_queue_is_sorted_and_flags_overdue(client, corrector, staff, make_order, django_assert_max_num_queries):
    from datetime import timedelta

    from django.utils import timezone

    orders = []
    for title in ("Tard", "Bientôt", "En retard"):
        order = make_order(title=title)
        order = services.order_mark_paid(order=order, amount=order.price)
        orders.append(services.order_assign_corrector(order=order, corrector=corrector, by=staff))
    today = timezone.localdate()
    Order.objects.filter(pk=orders[0].pk).update(due_date=today + timedelta(days=20))
    Order.objects.filter(pk=orders[1].pk).update(due_date=today + timedelta(days=2))
    Order.objects.filter(pk=orders[2].pk).update(due_date=today - timedelta(days=1))
    client.force_login(corrector)
    with django_assert_max_num_queries(4):
        response = client.get(reverse("orders:corrector_queue"))
    assert [o.title for o in response.context["orders"]] == ["En retard", "Bientôt", "Tard"]
    assert "En retard" in page_text(response) and 'class="is-overdue"' in page_text(response)


def test_staff_board_is_for_staff_only(client, client_user, corrector, staff, paid_order):
    for user in (client_user, corrector):
        client.force_login(user)
        assert client.get(reverse("orders:staff_board")).status_code == 403
    client.force_login(staff)
    response = client.get(reverse("orders:staff_board"))
    assert response.status_code == 200 and "Le Grand Meaulnes" in page_text(response)


def test_staff_assigns_from_the_board(client, staff, corrector, paid_order):
    client.force_login(staff)
    client.post(reverse("orders:action", args=[paid_order.pk, "assign"]), {"corrector": corrector.pk})
    paid_order.refresh_from_db()
    assert paid_order.corrector == corrector


def test_live_calculator_answers_with_the_server_price(client):
    service = ServiceFactory(price=200)
    response = client.get(reverse("orders:quote"), {"service": service.pk, "declared_pages": 250})
    assert "480,00" in page_text(response)
    urgent = client.get(reverse("orders:quote"), {"service": service.pk, "declared_pages": 250, "urgent": "on"})
    assert "720,00" in page_text(urgent)
    bad = client.get(reverse("orders:quote"), {"service": service.pk, "declared_pages": 5000})
    assert "Indiquez entre 1 et 1\u202f000 pages." in page_text(bad)


def test_pricing_page_is_public_and_shows_the_legacy_example(client):
    ServiceFactory(name="Correction Standard", price=200, display_order=0)
    response = client.get(reverse("orders:pricing"))
    assert response.status_code == 200 and "Correction Standard" in page_text(response)
    assert "480,00" in page_text(response)  # 250 pages at 2 €


@pytest.mark.parametrize("who", ["client_user", "corrector", "staff"])
def test_order_page_costs_the_same_queries_whatever_its_history(
    request, client, working_order, corrector, django_assert_max_num_queries, who
):
    client.force_login(request.getfixturevalue(who))
    url = reverse("orders:detail", args=[working_order.pk])
    with django_assert_max_num_queries(12) as few:
        client.get(url)
    for n in range(15):
        services.order_add_deliverable(order=working_order, uploaded_file=demo_pdf(f"v{n}.pdf"), by=corrector)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url)
    # Corrected files not delivered yet are the corrector's and staff's only (issue 9).
    assert ("v14.pdf" in page_text(response)) == (who != "client_user")


def test_staff_assign_from_the_admin_through_the_service(client, staff, corrector, paid_order):
    client.force_login(staff)
    url = reverse("admin:orders_order_change", args=[paid_order.pk])
    page = client.get(url)
    assert page.status_code == 200
    form = page.context["adminform"].form
    data = {name: form[name].value() or "" for name in form.fields}
    data.update({"corrector": corrector.pk, "events-TOTAL_FORMS": 0, "events-INITIAL_FORMS": 0})
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    paid_order.refresh_from_db()
    assert paid_order.corrector == corrector
    assert paid_order.events.filter(kind="ASSIGNMENT", actor=staff).exists()

    # The corrector field lists correctors only (a plain select): a client is not a choice,
    # an inactive corrector is listed (past assignments show) but refused.
    data["corrector"] = UserFactory().pk
    refused = client.post(url, data)
    assert "Sélectionnez un choix valide" in page_text(refused)
    data["corrector"] = CorrectorFactory(is_active=False).pk
    refused = client.post(url, data)
    assert "pas un correcteur actif" in page_text(refused)
    paid_order.refresh_from_db()
    assert paid_order.corrector == corrector


def test_staff_board_costs_the_same_queries_for_1_and_20_orders(
    client, staff, corrector, make_order, django_assert_max_num_queries
):
    def paid(title):
        order = make_order(title=title)
        return services.order_mark_paid(order=order, amount=order.price)

    paid("Premier")
    client.force_login(staff)
    with django_assert_max_num_queries(10) as few:
        client.get(reverse("orders:staff_board"))
    for n in range(19):
        order = paid(f"Livre {n}")
        if n % 2:
            services.order_assign_corrector(order=order, corrector=corrector, by=staff)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("orders:staff_board"))
    assert "Livre 18" in page_text(response)
