"""Issue 9: after acceptance the client rates the work (1–5 and a comment),
once; staff read the ratings per corrector (staff board, admin)."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.tests.factories import CorrectorFactory, UserFactory
from core.testing import page_text
from orders import services
from orders.models import OrderRating

pytestmark = pytest.mark.django_db


@pytest.fixture
def finished_order(delivered_order, client_user):
    return services.order_accept_delivery(order=delivered_order, by=client_user)


def rate_url(order):
    return reverse("orders:action", args=[order.pk, "rate"])


# --- The service -------------------------------------------------------------------

def test_the_client_rates_a_finished_order_and_the_corrector_is_kept(finished_order, client_user, corrector):
    rating = services.order_rate(order=finished_order, by=client_user, score=5, comment="  Parfait, merci.  ")
    assert (rating.score, rating.comment, rating.corrector_id) == (5, "Parfait, merci.", corrector.pk)


def test_a_rating_is_given_once(finished_order, client_user):
    services.order_rate(order=finished_order, by=client_user, score=4)
    with pytest.raises(ValidationError, match="déjà noté"):
        services.order_rate(order=finished_order, by=client_user, score=1, comment="Changé d'avis")
    assert OrderRating.objects.get().score == 4


@pytest.mark.parametrize("score", [0, 6, -1, None])
def test_a_score_outside_1_to_5_is_refused(finished_order, client_user, score):
    with pytest.raises(ValidationError, match="entre 1 et 5"):
        services.order_rate(order=finished_order, by=client_user, score=score)
    assert not OrderRating.objects.exists()


def test_only_the_client_rates(finished_order, corrector, staff):
    for who in (corrector, staff, UserFactory()):
        with pytest.raises(ValidationError, match="ne pouvez pas"):
            services.order_rate(order=finished_order, by=who, score=5)
    assert not OrderRating.objects.exists()


def test_an_order_not_finished_cannot_be_rated(delivered_order, client_user):
    with pytest.raises(ValidationError, match="Action impossible"):
        services.order_rate(order=delivered_order, by=client_user, score=5)
    assert not OrderRating.objects.exists()


# --- The order page ---------------------------------------------------------------

def test_the_form_shows_after_acceptance_only_then_the_rating(client, finished_order, delivered_order, client_user):
    client.force_login(client_user)
    detail = reverse("orders:detail", args=[finished_order.pk])
    assert "Envoyer mon évaluation" in page_text(client.get(detail))

    response = client.post(rate_url(finished_order), {"score": "3", "comment": "Correct, un peu lent."}, follow=True)
    text = page_text(response)
    assert "Merci pour votre évaluation" in text
    assert "Votre évaluation" in text and "3/5" in text and "Correct, un peu lent." in text
    assert "Envoyer mon évaluation" not in text  # given once


def test_no_form_before_acceptance(client, delivered_order, client_user):
    client.force_login(client_user)
    assert "Envoyer mon évaluation" not in page_text(client.get(reverse("orders:detail", args=[delivered_order.pk])))


def test_the_corrector_gets_no_form_and_does_not_read_the_rating(client, finished_order, client_user, corrector):
    services.order_rate(order=finished_order, by=client_user, score=2, comment="Des oublis zqx")
    client.force_login(corrector)
    text = page_text(client.get(reverse("orders:detail", args=[finished_order.pk])))
    assert "Envoyer mon évaluation" not in text and "Des oublis zqx" not in text


def test_staff_read_the_rating_on_the_order_page(client, finished_order, client_user, staff):
    services.order_rate(order=finished_order, by=client_user, score=2, comment="Des oublis")
    client.force_login(staff)
    text = page_text(client.get(reverse("orders:detail", args=[finished_order.pk])))
    assert "Évaluation du client" in text and "2/5" in text and "Des oublis" in text


@pytest.mark.parametrize(("data", "message"), [
    ({"score": "", "comment": "x"}, "Choisissez une note entre 1 et 5."),
    ({"score": "9"}, "Choisissez une note entre 1 et 5."),
    ({"score": "4", "comment": "x" * 2001}, "dépasse 2000 caractères"),
])
def test_bad_input_is_a_french_message_and_writes_nothing(client, finished_order, client_user, data, message):
    client.force_login(client_user)
    response = client.post(rate_url(finished_order), data, follow=True)
    assert message in page_text(response).replace("\u202f", "").replace("\xa0", "")
    assert not OrderRating.objects.exists()


def test_a_second_submit_says_already_rated(client, finished_order, client_user):
    client.force_login(client_user)
    client.post(rate_url(finished_order), {"score": "5"})
    response = client.post(rate_url(finished_order), {"score": "1"}, follow=True)
    assert "Vous avez déjà noté cette commande." in page_text(response)
    assert OrderRating.objects.get().score == 5


# --- Staff: per corrector ----------------------------------------------------------

def test_the_staff_board_shows_each_correctors_average_and_count(client, make_order, client_user, staff):
    first, second = CorrectorFactory(last_name="Aaa"), CorrectorFactory(last_name="Bbb")
    for corrector, score in ((first, 5), (first, 4), (second, 2)):
        order = make_order()
        order = services.order_mark_paid(order=order, amount=order.price)
        order = services.order_assign_corrector(order=order, corrector=corrector, by=staff)
        order = services.order_start(order=order, by=corrector)
        services.order_add_deliverable(order=order, uploaded_file=_pdf(), by=corrector)
        order = services.order_accept_delivery(order=services.order_deliver(order=order, by=corrector), by=client_user)
        services.order_rate(order=order, by=client_user, score=score)
    # Orders in hand must not multiply the ratings (no join between the two).
    busy = make_order()
    busy = services.order_mark_paid(order=busy, amount=busy.price)
    services.order_assign_corrector(order=busy, corrector=first, by=staff)

    client.force_login(staff)
    text = page_text(client.get(reverse("orders:staff_board")))
    assert "Avis clients" in text
    assert "4,5/5 (2 avis)" in text
    assert "2/5 (1 avis)" in text


def test_the_admin_lists_and_filters_ratings_per_corrector(client, finished_order, client_user, staff, corrector):
    services.order_rate(order=finished_order, by=client_user, score=3, comment="Bien")
    client.force_login(staff)
    url = reverse("admin:orders_orderrating_changelist")
    response = client.get(url, {"corrector__id__exact": corrector.pk})
    assert response.status_code == 200 and finished_order.title in page_text(response)
    other = CorrectorFactory()
    assert finished_order.title not in page_text(client.get(url, {"corrector__id__exact": other.pk, "score": 3}))
    # Written by clients only: the team reads, it does not add or edit.
    assert client.get(reverse("admin:orders_orderrating_add")).status_code == 403


def _pdf():
    from orders.demo import demo_pdf

    return demo_pdf("corrige.pdf")


# --- RGPD ----------------------------------------------------------------------------

def test_the_rating_is_exported_and_its_comment_goes_on_anonymisation(finished_order, client_user, staff):
    from accounts.services import user_anonymise
    from orders.personal_data import export_orders

    services.order_rate(order=finished_order, by=client_user, score=4, comment="Merci à Sylvie, de Lyon")
    exported = export_orders(client_user)
    assert exported[0]["rating"]["score"] == 4 and exported[0]["rating"]["comment"] == "Merci à Sylvie, de Lyon"
    user_anonymise(user=client_user, by=staff)
    rating = OrderRating.objects.get()
    assert (rating.score, rating.comment) == (4, "")
