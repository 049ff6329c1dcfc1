"""Each page costs a fixed, small number of queries."""

import pytest
from django.urls import reverse

from .factories import AdminFactory, CorrectorFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("factory", "url_name"),
    [
        (UserFactory, "accounts:profile"),
        (CorrectorFactory, "orders:corrector_queue"),
        (UserFactory, "accounts:password_change"),
    ],
)
def test_logged_in_pages_cost_few_queries(client, django_assert_max_num_queries, factory, url_name):
    client.force_login(factory())
    with django_assert_max_num_queries(3):  # session + user (+ savepoint noise)
        assert client.get(reverse(url_name)).status_code == 200


# The landing page reads the services, testimonials and FAQ as they are now
# (a fixed number of queries: core/tests/test_landing.py).
@pytest.mark.parametrize("url_name", ["accounts:login", "accounts:register", "accounts:password_reset"])
def test_public_pages_query_nothing(client, django_assert_num_queries, url_name):
    client.get(reverse(url_name))
    with django_assert_num_queries(0):
        assert client.get(reverse(url_name)).status_code == 200


def test_admin_user_list_does_not_grow_with_the_table(client, django_assert_max_num_queries):
    client.force_login(AdminFactory())
    UserFactory.create_batch(5)
    url = reverse("admin:accounts_user_changelist")
    client.get(url)
    with django_assert_max_num_queries(8) as few:
        client.get(url)
    UserFactory.create_batch(40)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(url)
