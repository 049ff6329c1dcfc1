import pytest

from accounts.tests.factories import AdminFactory
from support.tests.factories import open_ticket


@pytest.fixture
def ticket(client_user):
    return open_ticket(requester=client_user)


@pytest.fixture
def visitor_ticket():
    return open_ticket(visitor_name="Jeanne Visiteuse", visitor_email="jeanne@example.net")


@pytest.fixture
def second_staff():
    return AdminFactory()
