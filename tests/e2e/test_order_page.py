"""The order page after staff assign a corrector (issue 9), at 390×844 and
1366×768: the badge says "Correcteur désigné" on both sides, the client reads
what happens next instead of an empty "Actions" card, and no corrected file
shows before delivery."""

import pytest
from django.urls import reverse

from orders import services
from orders.demo import demo_pdf

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1366, "height": 768}


@pytest.mark.parametrize("viewport", [PHONE, LAPTOP], ids=["390", "1366"])
def test_order_page_after_assignment(new_page, live_server, log_in, screenshot, paid_order, client_user, corrector,
                                     staff, viewport):
    order = services.order_assign_corrector(order=paid_order, corrector=corrector, by=staff)
    url = live_server.url + reverse("orders:detail", args=[order.pk])

    client_page = new_page()
    client_page.set_viewport_size(viewport)
    log_in(client_page, client_user.email)
    client_page.goto(url)
    badge = client_page.locator(".badge").first
    assert badge.inner_text() == "Correcteur désigné"
    assert badge.is_visible()
    assert client_page.get_by_role("heading", name="Actions").count() == 0
    next_step = client_page.locator("#order-actions")
    assert next_step.get_by_role("heading", name="Prochaine étape").is_visible()
    assert "Votre correcteur est désigné" in next_step.inner_text()
    width = client_page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], f"the order page scrolls sideways at {viewport['width']} px"
    screenshot(client_page, f"order-page-assigned-client-{viewport['width']}")

    corrector_page = new_page()
    corrector_page.set_viewport_size(viewport)
    log_in(corrector_page, corrector.email)
    corrector_page.goto(url)
    assert corrector_page.locator(".badge").first.inner_text() == "Correcteur désigné"
    assert corrector_page.get_by_role("button", name="Commencer la correction").is_visible()
    screenshot(corrector_page, f"order-page-assigned-corrector-{viewport['width']}")

    # Work starts, a corrected file is uploaded: the client does not see it before delivery.
    order = services.order_start(order=order, by=corrector)
    services.order_add_deliverable(order=order, uploaded_file=demo_pdf("corrige-navigateur.pdf"), by=corrector)
    client_page.reload()
    assert client_page.locator(".badge").first.inner_text() == "En cours de correction"
    assert client_page.get_by_text("corrige-navigateur.pdf").count() == 0
    assert client_page.get_by_text("Les fichiers corrigés apparaîtront ici à la livraison.").is_visible()
    screenshot(client_page, f"order-page-in-progress-client-{viewport['width']}")
