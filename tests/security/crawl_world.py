"""The access-control crawl's world: one owner client with an object of every
kind, the people who must not reach them, and the tools the crawl checks
with (markers of the owner's private data, a cheap snapshot of every table).

Every private value of the owner carries a word of ``PRIVATE_WORDS`` (or
is a number only the owner's documents have), so a page that shows one of
them to someone else is caught by a substring search.
"""

import io
from dataclasses import dataclass, field
from datetime import timedelta

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models
from django.test import TestCase
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from accounts.tests.factories import DEFAULT_PASSWORD, AdminFactory, CorrectorFactory, UserFactory

ANON = "anonyme"
OWNER = "client propriétaire"
OTHER = "autre client"
CORR = "correcteur affecté"
STRANGER = "correcteur non affecté"
STAFF = "équipe"
PERSONAS = (ANON, OWNER, OTHER, CORR, STRANGER, STAFF)

OWNER_EMAIL = "zqx.proprietaire@example.org"
MESSAGE_TEXT = "Message zqxmsg confidentiel du client"
CARD_LAST4 = "8131"
# The words the owner's private values are made of (long enough never to
# turn up by chance in a CSRF token).
PRIVATE_WORDS = (
    OWNER_EMAIL, "Zqxnom", "Zqxadresse", "Zqxtitre", "zqxdesc", "zqxnote", "zqxfichier", "zqxcorrige", "zqxmsg",
    "zqxdraft", "zqxpiece", "zqxsujet", "zqxdirect", "zqxnotif", "zqxavoir", "zqxavis", "zqxticket",
)
PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


def png_bytes():
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "purple").save(buffer, format="PNG")
    return buffer.getvalue()


def pdf(name):
    """A fresh upload (a request consumes its file)."""
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


@dataclass
class World:
    users: dict  # persona -> User (no entry for ANON)
    orders: dict  # Order.Status value -> the owner's order in that status
    files: dict = field(default_factory=dict)  # "manuscript_paid", "manuscript", "deliverable"...
    objects: dict = field(default_factory=dict)  # conversation, message, attachment, payment, invoice...
    tokens: dict = field(default_factory=dict)
    markers: list = field(default_factory=list)
    protected: set = field(default_factory=set)  # (model label, pk) of the owner's rows

    @property
    def owner(self):
        return self.users[OWNER]


def build_world():
    """Create the world through the real services (prices, events,
    notifications and conversations are what production makes)."""
    from billing.invoicing import credit_note_issue, invoice_issue_for_order
    from billing.models import Customer, Payment, PaymentMethod, StripeEvent
    from core.models import OutboxEmail
    from messaging import services as messaging
    from messaging.models import Message
    from notifications.services import notify, unsubscribe_token
    from orders import services as orders
    from orders.models import Order
    from orders.tests.factories import ServiceFactory

    S = Order.Status
    owner = UserFactory(email=OWNER_EMAIL, first_name="Ophélie", last_name="Zqxnom",
                        address="7 allée Zqxadresse\n69001 Lyon", phone="06 98 76 54 32")
    owner.avatar = SimpleUploadedFile("photo.png", png_bytes(), content_type="image/png")
    owner.save(update_fields=["avatar"])
    corrector = CorrectorFactory()
    users = {
        OWNER: owner, OTHER: UserFactory(), CORR: corrector, STRANGER: CorrectorFactory(), STAFF: AdminFactory(),
    }
    staff = users[STAFF]
    service = ServiceFactory(name="Correction crawl")
    quoted = ServiceFactory(name="Mise en page crawl", needs_page_verification=True)
    world = World(users=users, orders={})

    def order(status, *, with_service=service):
        made = orders.order_create(
            client=owner, service=with_service, title=f"Roman Zqxtitre {status}", declared_pages=120,
            description="Description zqxdesc", client_note="Note zqxnote",
            manuscripts=[pdf(f"manuscrit-zqxfichier-{status.lower()}.pdf")],
        )
        world.orders[status] = made
        return made

    with TestCase.captureOnCommitCallbacks(execute=True):
        order(S.EN_ATTENTE_VERIFICATION, with_service=quoted)
        sent = order(S.ESTIMATION_ENVOYEE, with_service=quoted)
        world.orders[S.ESTIMATION_ENVOYEE] = orders.order_send_quote(order=sent, verified_pages=130, by=staff)

        unpaid = order(S.EN_ATTENTE)
        world.objects["pending_payment"] = Payment.objects.create(
            order=unpaid, provider=Payment.Provider.SIMULATOR, checkout_session_id="cs_sim_zqx_pending",
            amount=unpaid.price, status=Payment.Status.PENDING,
        )

        def paid(status):
            made = order(status)
            made = orders.order_mark_paid(order=made, amount=made.price)
            made = orders.order_assign_corrector(order=made, corrector=corrector, by=staff)
            world.orders[status] = made
            return made

        waiting = paid(S.PAYEE)
        # A paid order keeps its last manuscript (issue 9): a replacement lets the first one be deleted.
        orders.order_add_manuscript(order=waiting, uploaded_file=pdf("remplacement-zqxfichier.pdf"), by=owner)
        working = orders.order_start(order=paid(S.EN_COURS), by=corrector)
        orders.order_add_deliverable(order=working, uploaded_file=pdf("corrige-zqxcorrige-1.pdf"), by=corrector)
        world.orders[S.EN_COURS] = working
        delivered = orders.order_start(order=paid(S.LIVREE), by=corrector)
        orders.order_add_deliverable(order=delivered, uploaded_file=pdf("corrige-zqxcorrige-2.pdf"), by=corrector)
        world.orders[S.LIVREE] = orders.order_deliver(order=delivered, by=corrector)
        suspended = orders.order_start(order=paid(S.SUSPENDUE), by=corrector)
        world.orders[S.SUSPENDUE] = orders.order_suspend(order=suspended, by=staff, note="Pause")

        # The finished order carries the money: payment, invoice, credit note.
        done = orders.order_start(order=paid(S.TERMINE), by=corrector)
        orders.order_add_deliverable(order=done, uploaded_file=pdf("corrige-zqxcorrige-3.pdf"), by=corrector)
        done = orders.order_deliver(order=done, by=corrector)
        world.orders[S.TERMINE] = orders.order_accept_delivery(order=done, by=owner)
        # A second finished order, rated (the TERMINE one stays to be rated by the crawl).
        rated = orders.order_start(order=paid("TERMINE_NOTEE"), by=corrector)
        del world.orders["TERMINE_NOTEE"]
        orders.order_add_deliverable(order=rated, uploaded_file=pdf("corrige-zqxcorrige-4.pdf"), by=corrector)
        rated = orders.order_accept_delivery(order=orders.order_deliver(order=rated, by=corrector), by=owner)
        world.objects["rating"] = orders.order_rate(order=rated, by=owner, score=4, comment="Très soigné zqxavis")
        payment = Payment.objects.create(
            order=done, provider=Payment.Provider.SIMULATOR, checkout_session_id="cs_sim_zqx_paid",
            amount=done.price, amount_received=done.price, status=Payment.Status.SUCCEEDED,
            method_label=f"Visa •••• {CARD_LAST4}", paid_at=timezone.now(),
        )
        invoice = invoice_issue_for_order(order=done, payment=payment)
        credit_note = credit_note_issue(invoice=invoice, amount_ttc=1000, reason="Geste zqxavoir")
        world.objects.update(payment=payment, invoice=invoice, credit_note=credit_note)

        # Saved cards: the default one and a second one (to make default or remove).
        Customer.objects.create(user=owner, stripe_customer_id="cus_sim_zqx")
        world.objects["card_default"] = PaymentMethod.objects.create(
            user=owner, stripe_payment_method_id=f"pm_sim_visa_{CARD_LAST4}_122031_zqx000000001",
            brand="visa", last4=CARD_LAST4, exp_month=12, exp_year=2031, is_default=True,
        )
        world.objects["card"] = PaymentMethod.objects.create(
            user=owner, stripe_payment_method_id=f"pm_sim_mastercard_{CARD_LAST4}_112032_zqx000000002",
            brand="mastercard", last4=CARD_LAST4, exp_month=11, exp_year=2032,
        )

        # The order's conversation: a message with an attachment, a draft, a reply.
        conversation = messaging.conversation_for_order(order=working)
        message = messaging.message_send(
            conversation=conversation, sender=owner, content=MESSAGE_TEXT,
            attachments=[pdf("annexe-zqxpiece.pdf")],
        )
        messaging.message_send(conversation=conversation, sender=corrector, content="Bien reçu, merci.")
        messaging.message_save_draft(conversation=conversation, sender=owner, content="Brouillon zqxdraft")
        direct = messaging.conversation_start_direct(client=owner, subject="Question zqxsujet")
        messaging.message_send(conversation=direct, sender=owner, content="Question zqxdirect sur les délais")
        world.objects.update(
            conversation=conversation, message=message, attachment=message.attachments.get(),
            direct_conversation=direct,
        )
        world.objects["notification"] = notify(
            user=owner, type="SYSTEM", title="Avis zqxnotif", message="Votre commande zqxnotif avance.",
        )

        # support: the owner's ticket about an order, answered by the team; a
        # visitor's ticket and the reply link its answer e-mailed.
        from support import services as support
        from support.models import CannedReply

        ticket = support.ticket_open(requester=owner, title="Demande zqxticket", order=working,
                                     description="Détail zqxticket de ma demande")
        support.ticket_reply(ticket=ticket, by=staff, content="Réponse de l'équipe au client")
        visitor_ticket = support.ticket_open(visitor_name="Visiteur du crawl", visitor_email="visiteur.crawl@example.net",
                                             title="Question d'un visiteur", description="Bonjour, une question.")
        visitor_answer = support.ticket_reply(ticket=visitor_ticket, by=staff, content="Réponse au visiteur")
        world.objects.update(
            ticket=ticket, visitor_ticket=visitor_ticket,
            canned_reply=CannedReply.objects.create(title="Réponse type du crawl", body="Bonjour,"),
        )
        world.tokens["visitor_reply"] = support.visitor_reply_token(ticket=visitor_ticket, message=visitor_answer)

        # The site's pages: the default content (CGV v1, FAQ, blog) and a page of the team's.
        from cms.defaults import load_default_content
        from cms.models import Page

        load_default_content()
        world.objects["cms_page"] = Page.objects.create(
            title="À propos", slug="a-propos", content="Qui sommes-nous ?", status=Page.Status.PUBLISHED,
            published_at=timezone.now())
        world.objects["blog_post"] = Page.objects.filter(type=Page.Type.BLOG).first()

        # One row of each table the admin shows, so every admin URL has an object.
        world.objects["stripe_event"] = StripeEvent.objects.create(
            event_id="evt_zqx_crawl", type="checkout.session.completed", payload={})
        world.objects["group"] = Group.objects.create(name="Groupe crawl")
        if not OutboxEmail.objects.exists():
            OutboxEmail.objects.create(to=OWNER_EMAIL, template="notification", subject="Avis zqxnotif")
        _axes_rows(owner)

    # A visitor whose account waits for activation (the activation link).
    from accounts.tokens import make_activation_token

    pending = UserFactory(is_active=False, email_verified_at=None, email="zqx.visiteur@example.org")
    world.objects["pending_user"] = pending
    world.tokens.update(
        activation=make_activation_token(pending),
        uidb64=urlsafe_base64_encode(force_bytes(owner.pk)),
        unsubscribe=unsubscribe_token(owner, "orders"),
    )
    world.files["manuscript"] = working.files.filter(role="MANUSCRIPT").get()
    world.files["deliverable"] = working.files.filter(role="DELIVERABLE").get()
    world.files["manuscript_paid"] = world.orders[S.PAYEE].files.exclude(original_name__startswith="remplacement").get()
    world.objects["draft"] = Message.objects.get(conversation=conversation, status=Message.Status.BROUILLON)

    # A visitor's consultation booking (its cancel link) and a calendar exception (its admin page).
    from support.consultation import consultation_book, consultation_calendar, consultation_cancel_token
    from support.models import ConsultationException
    from support.tests.consultation_fixtures import migrated_rows

    migrated_rows()  # a transactional test before this one emptied the calendar
    slot = next(slots[0] for _day, slots in consultation_calendar() if slots)
    booking = consultation_book(slot_start=slot, name="Visiteur Crawl", email="visiteur.crawl@example.org",
                                topic="Un projet de roman")
    world.objects["booking"] = booking
    world.tokens["consultation_cancel"] = consultation_cancel_token(booking)
    ConsultationException.objects.create(date=slot.date() + timedelta(days=60), kind=ConsultationException.Kind.CLOSED)
    # A visitor's reply link that has served (its admin page).
    from support.models import ReplyLinkUse

    ReplyLinkUse.objects.create(ticket=booking.ticket,
                                staff_message=Message.objects.exclude(pk=world.objects["draft"].pk).order_by("pk").first())

    world.markers = [
        *PRIVATE_WORDS, world.objects["invoice"].number, world.objects["credit_note"].number, f"•••• {CARD_LAST4}",
    ]
    world.protected = owned_rows(owner)
    return world


def _axes_rows(user):
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog

    common = {"user_agent": "crawl", "ip_address": "127.0.0.9", "username": "crawl@example.org",
              "http_accept": "*/*", "path_info": "/accounts/login/"}
    AccessAttempt.objects.create(**common, get_data="", post_data="", failures_since_start=1)
    AccessLog.objects.create(**common)
    AccessFailureLog.objects.create(**common)


# --- Snapshots ----------------------------------------------------------------------

# Tables that change on every request by design and hold nothing of the owner's.
# support.ticketnumber is a counter: any new ticket moves it.
SNAPSHOT_SKIPPED_MODELS = {
    "sessions.session", "axes.accessattempt", "axes.accesslog", "axes.accessfailurelog",
    "contenttypes.contenttype", "auth.permission", "support.ticketnumber",
}
# Logging someone in stamps last_login: the crawl logs its personas in.
SNAPSHOT_SKIPPED_FIELDS = {(settings.AUTH_USER_MODEL.lower(), "last_login")}


class Table:
    """How to read one model's rows cheaply, and which of its columns point
    at a user (rows of the requester) or at other rows (protected links)."""

    def __init__(self, model):
        self.model = model
        self.label = model._meta.label_lower
        self.columns = [f for f in model._meta.concrete_fields
                        if (self.label, f.name) not in SNAPSHOT_SKIPPED_FIELDS]
        self.names = [f.attname for f in self.columns]
        self.pk_index = self.names.index(model._meta.pk.attname)
        self.links = [(i, f.related_model._meta.label_lower) for i, f in enumerate(self.columns)
                      if isinstance(f, models.ForeignKey)]
        user_label = get_user_model()._meta.label_lower
        self.user_links = [i for i, label in self.links if label == user_label]
        self.is_user = self.label == user_label
        # A past version of an account (django-simple-history) is that
        # account's row: its "id" column is the user's primary key.
        if getattr(model, "instance_type", None) is get_user_model():
            self.user_links.append(self.names.index("id"))

    def rows(self):
        return {row[self.pk_index]: row for row in self.model._base_manager.values_list(*self.names)}

    def belongs_to(self, row, user_pk):
        if self.is_user:
            return row[self.pk_index] == user_pk
        return any(row[i] == user_pk for i in self.user_links)


def tables():
    return [Table(model) for model in apps.get_models(include_auto_created=True)
            if model._meta.label_lower not in SNAPSHOT_SKIPPED_MODELS and model._meta.managed]


def snapshot(all_tables):
    return {table.label: table.rows() for table in all_tables}


def owned_rows(owner):
    """The owner's rows: the owner, then every row that points (through any
    foreign key, transitively) at one of them. New tables are covered
    without a line here."""
    all_tables = tables()
    state = snapshot(all_tables)
    user_label = get_user_model()._meta.label_lower
    protected = {(user_label, owner.pk)}
    grew = True
    while grew:
        grew = False
        for table in all_tables:
            for pk, row in state[table.label].items():
                if (table.label, pk) in protected:
                    continue
                if any((label, row[i]) in protected for i, label in table.links if row[i] is not None):
                    protected.add((table.label, pk))
                    grew = True
    return protected


def login_password():
    return DEFAULT_PASSWORD
