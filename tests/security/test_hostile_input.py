"""Hostile input, standing suite: XSS payloads in every free-text field,
read back on every page that shows them, by every role that sees them.

One order goes through its whole life with a payload in each field a user
or staff member can type: profile (names, phone, address, bio), order
(title, description, client note, corrector note, delivery note, revision
comment), messages and conversation subjects, file names, the refund reason
typed in the admin. Then each role crawls the site from its home pages
(following every link of ours, the admin included for staff) and no page,
htmx fragment or HTML e-mail may contain a payload's markup unescaped.

A payload is identified by fragments no page of ours contains legitimately
(``<script>alert(``...), so a truncated excerpt is caught too.
"""

import html
import re
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.urls import reverse

from accounts.models import User
from billing import simulator
from billing.payments import payment_start_checkout
from files.tests.samples import pdf_bytes, upload
from messaging import services as messaging_services
from orders import services as order_services
from orders.demo import demo_pdf

pytestmark = pytest.mark.django_db

# The markup of every payload: none may ever reach a page unescaped.
DANGEROUS_FRAGMENTS = ("<script>alert(", "<img src=x onerror", "<svg onload", "<b onclick")
# As text "javascript:" is harmless; as a link it runs.
DANGEROUS_LINK = re.compile(r"""(?:href|src|action|formaction)\s*=\s*["']?\s*javascript:""", re.IGNORECASE)


def payload(field):
    """Breaks out of text, attributes and <textarea>, runs script either way."""
    return f'{field} "></textarea><img src=x onerror=alert(1)><script>alert("{field}")</script>'


def slashless_payload(field):
    """For file names: the path is cut at the last "/" before we see it."""
    return f'{field}"><img src=x onerror=alert(1)><svg onload=alert(2)>'


SHORT_PAYLOAD = "<b onclick=alert(1)>"  # 20 characters: fits the phone field
LINK_PAYLOAD = "javascript:alert(document.cookie)"


def assert_no_raw_payload(body, where):
    for fragment in DANGEROUS_FRAGMENTS:
        assert fragment not in body, f"unescaped {fragment!r} in {where}"
    assert not DANGEROUS_LINK.search(body), f"unescaped javascript: link in {where}"


def crawl(client, start_urls, *, limit=400):
    """GET every page of ours reachable from start_urls; check each HTML body.

    Returns {url: escaped body} of the pages seen. GET changes nothing here
    (state changes are POST-only); logout and file downloads are skipped.
    """
    seen, pages, queue = set(), {}, list(start_urls)
    while queue and len(seen) < limit:
        url = queue.pop(0)
        if url in seen:
            continue
        seen.add(url)
        response = client.get(url)
        if response.status_code != 200:
            continue
        # Other types (the RGPD export's JSON, files) are not parsed as HTML:
        # nosniff is on every response.
        if not response.get("Content-Type", "").startswith("text/html"):
            assert response["X-Content-Type-Options"] == "nosniff"
            continue
        body = response.content.decode()
        assert_no_raw_payload(body, url)
        pages[url] = body
        for href in re.findall(r'(?:href|hx-get)="([^"]+)"', body):
            href = html.unescape(href).split("#")[0]
            parts = urlsplit(href)
            if parts.scheme or parts.netloc or not href.startswith("/"):
                continue
            if href.startswith(("/static/", "/media/")) or "logout" in href or "/download" in href:
                continue
            if href.startswith("/admin/") and parts.query:  # sort orders and filters of the same lists
                continue
            queue.append(href)
    return pages


@pytest.fixture
def hostile_world(client, client_user, corrector, staff, make_order, django_capture_on_commit_callbacks):
    """An order through its life with a payload in every free-text field."""
    # The client's profile, through the real form.
    client.force_login(client_user)
    response = client.post(reverse("accounts:profile"), {
        "first_name": payload("first_name")[:100], "last_name": payload("last_name")[:100],
        "phone": "", "address": payload("address"), "bio": payload("bio"),
    })
    assert response.status_code in (200, 302)
    # The phone's validator refuses markup; an imported account may have anything.
    User.objects.filter(pk=client_user.pk).update(
        phone=SHORT_PAYLOAD, first_name=payload("first_name")[:100], last_name=payload("last_name")[:100],
    )
    client_user.refresh_from_db()

    manuscript = upload(f"{slashless_payload('filename')}.pdf", pdf_bytes())
    with django_capture_on_commit_callbacks(execute=True):
        order = make_order(
            title=payload("title"), description=payload("description"), client_note=payload("client_note"),
            manuscripts=[manuscript],
        )
        payment_start_checkout(order=order, success_url="http://testserver/ok", cancel_url="http://testserver/ko")
        payment = order.payments.get()
        simulator.deliver(simulator.card_accepted_event(payment))
        order.refresh_from_db()
        order = order_services.order_assign_corrector(order=order, corrector=corrector, by=staff)
        order = order_services.order_start(order=order, by=corrector)
        order_services.order_set_corrector_note(order=order, by=corrector, note=payload("corrector_note"))
        order_services.order_add_deliverable(order=order, uploaded_file=demo_pdf("corrige.pdf"), by=corrector)
        order = order_services.order_deliver(order=order, by=corrector, note=payload("delivery_note"))
        order = order_services.order_request_revision(order=order, by=client_user, comment=payload("revision"))
        messaging_services.conversation_start_direct(client=client_user, subject=payload("subject")[:255])

    # A message through the real form (htmx and plain), and a link-like one.
    conversation = messaging_services.conversation_for_order(order=order)
    send_url = reverse("messaging:send", args=[conversation.pk])
    assert client.post(send_url, {"content": payload("message")}).status_code == 302
    client.post(send_url, {"content": LINK_PAYLOAD}, HTTP_HX_REQUEST="true")
    client.post(reverse("messaging:draft", args=[conversation.pk]), {"content": payload("draft")})

    # The refund reason, typed by staff in the admin.
    client.force_login(staff)
    refund = client.post(
        reverse("admin:billing_payment_refund", args=[payment.pk]), {"amount": "1,00", "reason": payload("refund")}
    )
    assert refund.status_code in (200, 302)
    client.logout()
    return {"order": order, "conversation": conversation, "client": client_user, "corrector": corrector,
            "staff": staff}


def test_the_payloads_reached_the_pages_escaped(client, hostile_world):
    """The suite would pass vacuously if the payloads never got stored."""
    client.force_login(hostile_world["client"])
    detail = client.get(reverse("orders:detail", args=[hostile_world["order"].pk])).content.decode()
    assert html.escape(payload("title"), quote=False).split('"')[0] in detail
    assert "&lt;script&gt;alert(" in detail
    conversation = client.get(reverse("messaging:conversation", args=[hostile_world["conversation"].pk]))
    assert "&lt;script&gt;alert(&quot;message&quot;)" in conversation.content.decode().replace("&#x27;", "'")


def test_client_pages_escape_every_payload(client, hostile_world):
    client.force_login(hostile_world["client"])
    order, conversation = hostile_world["order"], hostile_world["conversation"]
    pages = crawl(client, [
        reverse("accounts:home"), reverse("orders:client_dashboard"), reverse("orders:detail", args=[order.pk]),
        reverse("messaging:inbox"), reverse("messaging:conversation", args=[conversation.pk]),
        reverse("messaging:since", args=[conversation.pk]) + "?after=0", reverse("accounts:profile"),
        reverse("notifications:list"), reverse("notifications:bell"),
    ])
    assert reverse("orders:detail", args=[order.pk]) in pages
    assert len(pages) > 10


def test_corrector_pages_escape_every_payload(client, hostile_world):
    client.force_login(hostile_world["corrector"])
    order, conversation = hostile_world["order"], hostile_world["conversation"]
    pages = crawl(client, [
        reverse("orders:corrector_queue"), reverse("orders:detail", args=[order.pk]), reverse("messaging:inbox"),
        reverse("messaging:conversation", args=[conversation.pk]), reverse("notifications:list"),
    ])
    assert reverse("orders:detail", args=[order.pk]) in pages


def test_staff_pages_and_the_admin_escape_every_payload(client, hostile_world):
    client.force_login(hostile_world["staff"])
    order = hostile_world["order"]
    pages = crawl(client, [
        reverse("orders:staff_board"), reverse("orders:detail", args=[order.pk]), reverse("messaging:inbox"),
        reverse("admin:index"), reverse("admin:orders_order_change", args=[order.pk]),
        reverse("admin:accounts_user_change", args=[hostile_world["client"].pk]),
        reverse("admin:billing_creditnote_changelist"),
    ], limit=600)
    assert reverse("admin:orders_order_change", args=[order.pk]) in pages
    assert any(url.startswith("/admin/billing/creditnote/") and url.endswith("/change/") for url in pages)


def test_html_emails_escape_every_payload(hostile_world):
    html_bodies = [
        content for message in mail.outbox for content, mimetype in getattr(message, "alternatives", [])
        if mimetype == "text/html"
    ]
    assert html_bodies, "the order's life sends HTML e-mails"
    for body in html_bodies:
        assert_no_raw_payload(body, "an HTML e-mail")


def test_the_crawler_would_see_an_unescaped_payload():
    with pytest.raises(AssertionError, match="unescaped"):
        assert_no_raw_payload(f"<p>{payload('x')}</p>", "a page that forgot to escape")
    with pytest.raises(AssertionError, match="javascript"):
        assert_no_raw_payload(f'<a href="{LINK_PAYLOAD}">site</a>', "a page that links a user's URL")


def test_drafts_refuse_nul_bytes(client, working_order, client_user):
    """The draft autosave bypassed the message form: NUL bytes were stored."""
    from messaging.models import Message

    conversation = messaging_services.conversation_for_order(order=working_order)
    client.force_login(client_user)
    response = client.post(reverse("messaging:draft", args=[conversation.pk]), {"content": "Bon\x00jour"})
    assert response.status_code == 400
    assert "caractères interdits" in response.content.decode()
    assert not Message.objects.filter(status=Message.Status.BROUILLON).exists()
    saved = client.post(reverse("messaging:draft", args=[conversation.pk]), {"content": "Bonjour"})
    assert saved.status_code == 200
    assert Message.objects.get(status=Message.Status.BROUILLON).content == "Bonjour"



def reflected_forms(service):
    """Forms that show the typed values back with an error: (url, data)."""
    fields = {name: payload(name)[:100] for name in ("first_name", "last_name")}
    return [
        (reverse("accounts:login"), {"username": payload("username"), "password": "x"}),
        (reverse("accounts:register"), {**fields, "email": payload("email")[:200], "phone": SHORT_PAYLOAD,
                                        "password1": "a", "password2": "b"}),
        (reverse("accounts:password_reset"), {"email": payload("reset")[:200]}),
        (reverse("orders:create"), {"service": service.pk, "declared_pages": "abc", "title": payload("title"),
                                    "description": payload("description"), "client_note": payload("note"),
                                    **fields, "email": payload("email")[:200]}),
    ]


def test_forms_show_rejected_payloads_escaped_to_visitors(client, service):
    shown_back = 0
    for url, data in reflected_forms(service):
        response = client.post(url, data)
        assert response.status_code in (200, 302), url
        body = response.content.decode()
        assert_no_raw_payload(body, f"POST {url} (visitor)")
        shown_back += "&lt;script&gt;alert(" in body
    assert shown_back >= 3  # login, registration, order form: the values did come back


def test_forms_show_rejected_payloads_escaped_to_clients(client, client_user, service):
    client.force_login(client_user)
    posts = [
        (reverse("orders:create"), {"service": service.pk, "declared_pages": "abc", "title": payload("title"),
                                    "description": payload("description"), "client_note": payload("note")}),
        (reverse("accounts:profile"), {"first_name": payload("first_name")[:100], "last_name": "",
                                       "phone": SHORT_PAYLOAD, "address": payload("address"), "bio": "b" * 5000}),
        (reverse("messaging:start"), {"subject": payload("subject"), "content": ""}),
    ]
    for url, data in posts:
        response = client.post(url, data)
        assert response.status_code == 200, url  # the form again, with its errors
        body = response.content.decode()
        assert "&lt;script&gt;alert(" in body, url  # the value did come back
        assert_no_raw_payload(body, f"POST {url} (client)")
