"""The standing access-control crawl (issue 8).

Every URL pattern of the project (``get_resolver()``, the admin included) is
filled with one owner's objects and requested with GET and with the POST
that succeeds for the owner, as every other persona: anonymous, another
client, an unassigned corrector, the assigned corrector, the owner on the
actions that are not theirs, staff on the pages that are not theirs. Each
answer must be a login redirect / 403 / 404 / 405 (unless the persona may
use the page), never carry the owner's private data (markers), and never
change a row (a snapshot of every table, taken after the request's on-commit
work ran, inside a savepoint rolled back after each request).

The legitimate user of each URL makes the same requests too and must
succeed, so the crawl cannot pass by requesting objects nobody can reach.

A new URL is crawled without a line here when the registry can fill its
arguments (by name, or by the path segment before them: ``invoices/<pk>``
is the owner's invoice); when it cannot, its test fails and says what to
add. ``RULES`` is the one table to edit: who may use each URL and the POST
that succeeds for its owner.

Run it alone: ``.venv/bin/python -m pytest tests/security/test_access_crawl.py -q``
(add ``DATABASE_URL``/``REDIS_URL`` for MariaDB + Redis).
"""

import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import pytest
from django.contrib import admin
from django.contrib.auth.tokens import default_token_generator
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.test import Client, TestCase, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from core.registry import current_terms
from orders.forms import order_form_submission_key
from support.consultation import consultation_calendar
from support.public_forms import submission_key_new

from .crawl_world import (
    ANON,
    CORR,
    OTHER,
    OWNER,
    PERSONAS,
    STAFF,
    STRANGER,
    build_world,
    login_password,
    pdf,
    snapshot,
    tables,
)

EVERYONE = frozenset(PERSONAS)
LOGGED_IN = EVERYONE - {ANON}
PARTIES = frozenset({OWNER, CORR, STAFF})  # the order's client, its corrector, the team
CLIENTS = frozenset({OWNER, OTHER})
CORRECTORS = frozenset({CORR, STRANGER})

# Answers that refuse: 403, 404, 405 (the method), or a redirect to a login page.
DENIED_STATUSES = {403, 404, 405}
LOGIN_PATHS = ("/accounts/login/", "/admin/login/")


# --- The rules: one entry per URL name ------------------------------------------------

@dataclass(frozen=True)
class Rule:
    """Who may use a URL, and what succeeds for its legitimate user.

    allowed: personas who get a normal answer; the others must be refused.
    sees:    personas who may see the owner's private data in the answer
             (default: ``allowed``; for a self-service page only the owner).
    acts:    personas whose POST may change rows (default: ``sees``).
    actor:   who proves the URL works (default: the owner if allowed, else
             the first allowed persona).
    kwargs:  the URL's arguments, from the world (default: the registry).
    attack_kwargs: arguments for everyone but the actor (a token is the
             credential: the others get a forged one).
    post:    the POST data that succeeds for the actor (world -> dict).
    get_ok / post_ok: the actor's expected statuses; "change" = the POST
             writes rows; "ok" = any answer that is not a refusal; None = not checked.
    self_service: every allowed persona uses it on their own data (profile,
             inbox...): new rows of their own are fine, the owner's are not.
    public:  the reason anyone may use it (then nobody is "refused").
    """

    allowed: frozenset = PARTIES
    sees: frozenset | None = None
    acts: frozenset | None = None
    actor: str | None = None
    kwargs: object = None
    attack_kwargs: object = None
    query: str = ""
    post: object = None
    attack_post: object = None
    get_ok: object = frozenset({200})
    post_ok: object = None
    self_service: bool = False
    public: str = ""

    def seeing(self):
        if self.sees is not None:
            return self.sees
        return frozenset({OWNER}) if (self.self_service or self.public) else self.allowed

    def acting(self):
        return self.acts if self.acts is not None else self.seeing()

    def the_actor(self):
        if self.actor:
            return self.actor
        return OWNER if OWNER in self.allowed else sorted(self.allowed)[0]


def order(status):
    return lambda w: {"pk": w.orders[status].pk}


def order_file(status, file_key):
    return lambda w: {"pk": w.orders[status].pk, "file_pk": w.files[file_key].pk}


def self_page(**kwargs):
    """A page every logged-in person uses on their own data. The owner's
    corrector and the team may meet the owner's data there (their
    notifications, their inbox); another client or corrector may not."""
    return Rule(allowed=LOGGED_IN, sees=PARTIES, self_service=True, **kwargs)


def public_page(reason, **kwargs):
    return Rule(allowed=EVERYONE, public=reason, actor=kwargs.pop("actor", ANON), **kwargs)


def order_action(status, acts, post=None, **kwargs):
    """An order button: POST only; the parties see the order, ``acts`` may press it."""
    allowed = frozenset(kwargs.pop("allowed", PARTIES))
    # The team may act on any order (on the client's behalf too).
    return Rule(allowed=allowed, sees=allowed, acts=frozenset(acts) | {STAFF}, kwargs=order(status),
                get_ok=None, post=post or (lambda w: {}), post_ok="change", **kwargs)


def ticket_number(w):
    return {"number": w.objects["ticket"].number}


def public_request(**fields):
    """A public form's POST (contact, free sample, consultation), with its one-time key."""
    return {"name": "Visiteur Crawl", "email": "visiteur.crawl@example.org", "phone": "", "consent": "on",
            "website": "", "submission": submission_key_new(), **fields}


def first_free_slot():
    return next(slots[0] for _day, slots in consultation_calendar() if slots)


NOTE = lambda w: {"note": "Note du crawl"}  # noqa: E731
FILES = lambda w: {"files": [pdf("crawl-ajout.pdf")]}  # noqa: E731
# Orders before payment have no corrector: only the client and the team see them.
CLIENT_SIDE = frozenset({OWNER, STAFF})

RULES = {
    # core
    "core:landing": public_page("la page d'accueil", post_ok=None),
    "core:health": public_page("la sonde de disponibilité", post_ok=None),
    "favicon.ico": public_page("l'icône du site", get_ok={301}),
    # accounts
    "accounts:home": self_page(get_ok={302}),
    "accounts:register": public_page(
        "l'inscription", post=lambda w: {
            "first_name": "Nouveau", "last_name": "Compte", "email": "nouveau.crawl@example.org", "phone": "",
            "password1": "Un-Mot-De-Passe-Solide-42", "password2": "Un-Mot-De-Passe-Solide-42", "consent": "on"},
        post_ok="change"),
    "accounts:register_done": public_page("la confirmation d'inscription"),
    "accounts:activate": public_page(
        "le lien d'activation (le jeton est la preuve)", kwargs=lambda w: {"token": w.tokens["activation"]},
        attack_kwargs=lambda w: {"token": "jeton-falsifie"}, get_ok={302}, post_ok="change"),
    "accounts:activation_resend": public_page(
        "le renvoi du lien d'activation", post=lambda w: {"email": w.objects["pending_user"].email},
        get_ok=None, post_ok={302}),
    "accounts:login": public_page(
        "la connexion", post=lambda w: {"username": w.owner.email, "password": login_password()},
        attack_post=lambda w: {"username": w.owner.email, "password": "pas-le-bon-mot-de-passe"}, post_ok={302}),
    "accounts:logout": public_page("la déconnexion (de soi-même)", actor=OWNER, get_ok=None, post_ok={302}),
    "accounts:password_reset": public_page(
        "la demande de réinitialisation", post=lambda w: {"email": w.owner.email}, post_ok={302}),
    "accounts:password_reset_done": public_page("la confirmation de demande"),
    "accounts:password_reset_confirm": public_page(
        "le lien de réinitialisation (le jeton est la preuve)",
        kwargs=lambda w: {"uidb64": w.tokens["uidb64"], "token": w.tokens["reset"]},
        attack_kwargs=lambda w: {"uidb64": w.tokens["uidb64"], "token": "jeton-falsifie"},
        get_ok={302}, post_ok={302}),
    "accounts:password_reset_complete": public_page("la fin de réinitialisation"),
    "accounts:password_change": self_page(post=lambda w: {
        "old_password": login_password(), "new_password1": "Nouveau-Mot-De-Passe-77",
        "new_password2": "Nouveau-Mot-De-Passe-77"}, post_ok="change"),
    "accounts:profile": self_page(post=lambda w: {
        "first_name": "Ophélie", "last_name": "Zqxnom-Modifié", "phone": "06 98 76 54 32",
        "address": "7 allée Zqxadresse", "bio": ""}, post_ok="change"),
    "accounts:notification_preferences": self_page(
        post=lambda w: {"orders": "on"}, get_ok=None, post_ok="change"),
    "accounts:export_data": self_page(),
    "accounts:deactivate": self_page(post=lambda w: {"password": login_password()}, post_ok="change"),
    "accounts:delete": self_page(
        post=lambda w: {"password": login_password(), "confirmation": "SUPPRIMER"}, post_ok="change"),
    # orders
    "orders:pricing": public_page("les tarifs"),
    "orders:quote": public_page("le calculateur de prix", query="?declared_pages=100"),
    "orders:client_dashboard": self_page(get_ok={200}),
    "orders:create": public_page(
        "la commande (les visiteurs créent leur compte en commandant)", actor=OWNER,
        post=lambda w: {"service": w.orders["EN_ATTENTE"].service_id, "title": "Nouveau roman", "declared_pages": 50,
                        "manuscripts": [pdf("nouveau.pdf")], "submission": order_form_submission_key(),
                        "terms-accept": "on", "terms-version": current_terms().number},
        post_ok="change"),
    "orders:visitor_done": public_page("la fin de commande d'un visiteur"),
    "orders:detail": Rule(kwargs=order("EN_COURS")),
    "orders:file_download": Rule(kwargs=order_file("EN_COURS", "manuscript")),
    "orders:file_delete": Rule(acts=CLIENT_SIDE, kwargs=order_file("PAYEE", "manuscript_paid"),
                               get_ok=None, post_ok="change"),
    "orders:action[cancel]": order_action("EN_ATTENTE", CLIENT_SIDE, NOTE, allowed=CLIENT_SIDE),
    "orders:action[accept-quote]": order_action("ESTIMATION_ENVOYEE", {OWNER}, allowed=CLIENT_SIDE),
    "orders:action[decline-quote]": order_action("ESTIMATION_ENVOYEE", {OWNER}, allowed=CLIENT_SIDE),
    "orders:action[accept-delivery]": order_action("LIVREE", CLIENT_SIDE),
    "orders:action[revision]": order_action("LIVREE", {OWNER}, lambda w: {"comment": "Merci de revoir le chapitre 2."}),
    "orders:action[start]": order_action("PAYEE", {CORR}, actor=CORR),
    "orders:action[deliver]": order_action("EN_COURS", {CORR}, NOTE, actor=CORR),
    "orders:action[upload-manuscript]": order_action("PAYEE", CLIENT_SIDE, FILES),
    "orders:action[upload-deliverable]": order_action("EN_COURS", {CORR}, FILES, actor=CORR),
    "orders:action[corrector-note]": order_action(
        "EN_COURS", {CORR, STAFF}, lambda w: {"corrector_note": "Note du correcteur"}, actor=CORR),
    "orders:action[assign]": order_action(
        "PAYEE", {STAFF}, lambda w: {"corrector": w.users[STRANGER].pk}, actor=STAFF),
    "orders:action[send-quote]": order_action(
        "EN_ATTENTE_VERIFICATION", {STAFF}, lambda w: {"verified_pages": 140}, actor=STAFF, allowed=CLIENT_SIDE),
    "orders:action[suspend]": order_action("EN_COURS", {STAFF}, NOTE, actor=STAFF),
    "orders:action[resume]": order_action("SUSPENDUE", {STAFF}, actor=STAFF),
    # Only the client rates (not the team on their behalf): order_rate's own rule.
    "orders:action[rate]": Rule(allowed=PARTIES, sees=PARTIES, acts={OWNER}, kwargs=order("TERMINE"), get_ok=None,
                                post=lambda w: {"score": "5", "comment": "Parfait"}, post_ok="change"),
    "orders:client_files": Rule(allowed=CLIENTS, sees={OWNER}, self_service=True),
    "orders:corrector_queue": Rule(allowed=CORRECTORS, sees={CORR}, acts=frozenset(), self_service=True),
    "orders:staff_board": Rule(allowed={STAFF}),
    # billing
    "billing:home": self_page(),
    "billing:payment": Rule(allowed={OWNER}, kwargs=order("EN_ATTENTE"), post=lambda w: {
        "first_name": "Ophélie", "last_name": "Zqxnom", "address": "7 allée Zqxadresse", "postcode": "69001",
        "city": "Lyon", "country": "France"}, post_ok="change"),
    "billing:checkout": Rule(allowed={OWNER}, kwargs=order("EN_ATTENTE"), get_ok=None, post_ok="change"),
    "billing:checkout_return": Rule(allowed={OWNER}, kwargs=order("EN_ATTENTE"), get_ok={302}),
    "billing:webhook": public_page(
        "le webhook Stripe (authentifié par sa signature)", get_ok=None,
        post=lambda w: {"type": "checkout.session.completed"}, post_ok={400}),
    "billing:invoice_pdf": Rule(allowed=CLIENT_SIDE, kwargs=lambda w: {"pk": w.objects["invoice"].pk}),
    "billing:credit_note_pdf": Rule(allowed=CLIENT_SIDE, kwargs=lambda w: {"pk": w.objects["credit_note"].pk}),
    "billing:card_add": Rule(
        allowed=CLIENTS, sees={OWNER}, self_service=True,
        post=lambda w: {"number": "4242 4242 4242 4242", "exp_month": 12, "exp_year": 2034}, post_ok="change"),
    "billing:card_add_done": Rule(allowed=CLIENTS, sees={OWNER}, self_service=True, get_ok={302}),
    "billing:card_set_default": Rule(allowed={OWNER}, kwargs=lambda w: {"pk": w.objects["card"].pk},
                                     get_ok=None, post_ok="change"),
    "billing:card_remove": Rule(allowed={OWNER}, kwargs=lambda w: {"pk": w.objects["card"].pk},
                                get_ok=None, post_ok="change"),
    "billing:pay_with_card": Rule(allowed={OWNER}, kwargs=order("EN_ATTENTE"), get_ok={302},
                                  post=lambda w: {"payment_method": w.objects["card_default"].pk}, post_ok="change"),
    # The payer (or the team) answers the test checkout: anyone else could
    # accept or decline someone else's payment.
    "billing:simulator": Rule(allowed=CLIENT_SIDE, kwargs=lambda w: {"payment_pk": w.objects["pending_payment"].pk},
                              post=lambda w: {"outcome": "accept"}, post_ok="change"),
    # notifications
    "notifications:list": self_page(),
    "notifications:bell": self_page(),
    "notifications:mark_all_read": self_page(get_ok=None, post_ok="change"),
    "notifications:mark_read": Rule(allowed={OWNER}, kwargs=lambda w: {"pk": w.objects["notification"].pk},
                                    get_ok=None, post_ok="change"),
    "notifications:delete": Rule(allowed={OWNER}, kwargs=lambda w: {"pk": w.objects["notification"].pk},
                                 get_ok=None, post_ok="change"),
    "notifications:unsubscribe": public_page(
        "le lien de désinscription d'un e-mail (le jeton signé est la preuve)",
        kwargs=lambda w: {"token": w.tokens["unsubscribe"]}, attack_kwargs=lambda w: {"token": "jeton-falsifie"},
        post_ok="change"),
    # messaging
    "messaging:inbox": self_page(),
    "messaging:start": Rule(allowed=CLIENTS, sees={OWNER}, self_service=True,
                            post=lambda w: {"subject": "Une question", "content": "Bonjour l'équipe"}, post_ok="change"),
    # The team writes first to a client (issue 9): searching "Oph" shows the owner's name and e-mail.
    "messaging:start_with_client": Rule(
        allowed={STAFF}, query="?q=Oph",
        post=lambda w: {"client": w.owner.pk, "subject": "Votre manuscrit", "content": "Bonjour de l'équipe"},
        post_ok="change"),
    "messaging:unread_badge": self_page(),
    "messaging:order": Rule(kwargs=lambda w: {"order_id": w.orders["EN_COURS"].pk}, get_ok={302}),
    "messaging:attachment": Rule(kwargs=lambda w: {"pk": w.objects["attachment"].pk}),
    "messaging:conversation": Rule(kwargs=lambda w: {"pk": w.objects["conversation"].pk}),
    "messaging:send": Rule(kwargs=lambda w: {"pk": w.objects["conversation"].pk},
                           post=lambda w: {"content": "Réponse du crawl"}, get_ok=None, post_ok="change"),
    "messaging:since": Rule(kwargs=lambda w: {"pk": w.objects["conversation"].pk}, query="?after=0"),
    "messaging:draft": Rule(kwargs=lambda w: {"pk": w.objects["conversation"].pk},
                            post=lambda w: {"content": "Brouillon du crawl"}, get_ok=None, post_ok="change"),
    "messaging:archive": Rule(kwargs=lambda w: {"pk": w.objects["conversation"].pk},
                              post=lambda w: {"archived": "1"}, get_ok=None, post_ok="change"),
    "messaging:pin": Rule(kwargs=lambda w: {"pk": w.objects["conversation"].pk,
                                            "message_id": w.objects["message"].pk},
                          post=lambda w: {"pinned": "1"}, get_ok=None, post_ok="change"),
    # support: the client's own tickets (404 to anyone else), the team's queue and ticket page.
    "support:help": Rule(allowed=CLIENTS, sees={OWNER}, self_service=True),
    "support:ticket_list": Rule(allowed=CLIENTS, sees={OWNER}, self_service=True),
    "support:ticket_new": Rule(
        allowed=CLIENTS, sees={OWNER}, self_service=True, post_ok="change",
        post=lambda w: {"title": "Nouvelle demande", "category": "GENERAL", "description": "Bonjour",
                        "submission": "8d7c2b1e-4c55-4c9a-9d7e-3f1a2b3c4d5e"}),
    "support:ticket_detail": Rule(allowed={OWNER}, kwargs=ticket_number),
    "support:ticket_reply": Rule(allowed={OWNER}, kwargs=ticket_number, get_ok=None, post_ok="change",
                                 post=lambda w: {"content": "Réponse du client"}),
    # The ticket is EN_COURS: confirming is refused to its owner too (a message, nothing written).
    "support:ticket_confirm": Rule(allowed={OWNER}, kwargs=ticket_number, get_ok=None, post_ok={302}),
    "support:ticket_rate": Rule(allowed={OWNER}, kwargs=ticket_number, get_ok=None, post_ok={302},
                                post=lambda w: {"score": "5"}),
    "support:visitor_reply": public_page(
        "le lien de réponse d'un visiteur (le jeton signé est la preuve)",
        kwargs=lambda w: {"token": w.tokens["visitor_reply"]}, attack_kwargs=lambda w: {"token": "jeton-falsifie"},
        post=lambda w: {"content": "Réponse du visiteur"}, post_ok={302}),
    "support:queue": Rule(allowed={STAFF}, query="?tab=open"),
    "support:staff_ticket": Rule(allowed={STAFF}, kwargs=ticket_number),
    "support:staff_take": Rule(allowed={STAFF}, kwargs=ticket_number, get_ok=None, post_ok="change"),
    "support:staff_assign": Rule(allowed={STAFF}, kwargs=ticket_number, get_ok=None, post_ok="change",
                                 post=lambda w: {"assignee": w.users[STAFF].pk}),
    "support:staff_priority": Rule(allowed={STAFF}, kwargs=ticket_number, get_ok=None, post_ok="change",
                                   post=lambda w: {"priority": "HAUTE"}),
    "support:staff_category": Rule(allowed={STAFF}, kwargs=ticket_number, get_ok=None, post_ok="change",
                                   post=lambda w: {"category": "TECHNIQUE"}),
    "support:staff_status": Rule(allowed={STAFF}, kwargs=ticket_number, get_ok=None, post_ok="change",
                                 post=lambda w: {"status": "EN_ATTENTE"}),
    "support:staff_reply": Rule(allowed={STAFF}, kwargs=ticket_number, get_ok=None, post_ok="change",
                                post=lambda w: {"content": "Réponse de l'équipe"}),
    # support: public requests (contact, free sample, consultation). Anyone may
    # send one: each opens a ticket (and moves the shared ticket counter).
    "public:contact": public_page("le formulaire de contact", acts=EVERYONE, post=lambda w: public_request(
        subject="Une question", message="Bonjour"), post_ok="change"),
    "public:free_sample": public_page("la demande d'échantillon gratuit", acts=EVERYONE, post=lambda w: public_request(
        service=w.orders["EN_ATTENTE"].service_id, sample=pdf("extrait.pdf")), post_ok="change"),
    "public:consultation": public_page("la réservation d'une consultation", acts=EVERYONE, post=lambda w: public_request(
        slot=first_free_slot().isoformat(), topic="Mon roman"), post_ok="change"),
    "public:consultation_cancel": public_page(
        "le lien d'annulation d'une consultation (le jeton signé est la preuve)",
        kwargs=lambda w: {"token": w.tokens["consultation_cancel"]},
        attack_kwargs=lambda w: {"token": "jeton-falsifie"}, post_ok="change"),
    "public:done": public_page("la page de remerciement", kwargs=lambda w: {"kind": "contact"}),
    "public:consultation_bookings": Rule(allowed={STAFF}),
    # cms: public pages (the world holds the default content and a page of its own)
    "cms:page": public_page("une page publiée", kwargs=lambda w: {"slug": w.objects["cms_page"].slug}),
    "cms:blog": public_page("le blog"),
    "cms:blog_post": public_page("un article publié", kwargs=lambda w: {"slug": w.objects["blog_post"].slug}),
    "cms:faq": public_page("la FAQ et sa recherche", query="?q=commande"),
    "cms:terms": public_page("les CGV"),
    "cms:terms_version": public_page("une version des CGV (le texte accepté par une commande)",
                                     kwargs=lambda w: {"number": 1}),
    "cms:legal_notice": public_page("les mentions légales"),
    "cms:privacy": public_page("la politique de confidentialité"),
    "cms:cookies": public_page("la page des cookies"),
    "cms:sitemap": public_page("le plan du site pour les moteurs de recherche"),
    "cms:robots": public_page("robots.txt"),
    # admin: every ModelAdmin URL gets ADMIN_RULE; these differ.
    # One login page for everybody: the admin's sends the team there too.
    "admin:login": Rule(allowed={STAFF}, get_ok={302}, post_ok={302}),
    # Django's admin sends anyone who is not staff from its logout to its index.
    "admin:logout": public_page("la déconnexion de l'administration", actor=STAFF, get_ok=None, post_ok={302}),
    "admin:autocomplete": Rule(allowed={STAFF}, query="?app_label=orders&model_name=order&field_name=client&term=Oph"),
    "admin:view_on_site": Rule(
        allowed={STAFF}, kwargs=lambda w: {"content_type_id": ContentType.objects.get_for_model(w.orders["EN_COURS"]).pk,
                                           "object_id": w.orders["EN_COURS"].pk},
        get_ok={302}, post_ok={302}),
    "admin:app_list": Rule(allowed={STAFF}, kwargs=lambda w: {"app_label": "orders"}, post_ok="ok"),
    "admin:auth_user_password_change": Rule(allowed={STAFF}, kwargs=lambda w: {"id": w.owner.pk}, post_ok="ok"),
    "admin:billing_payment_refund": Rule(
        allowed={STAFF}, kwargs=lambda w: {"pk": w.objects["payment"].pk},
        post=lambda w: {"amount": "10.00", "reason": "Geste du crawl"}, post_ok="change"),
    # Every changelist's export (its querystring selects the rows): read-only.
    "admin:export": Rule(allowed={STAFF}, kwargs=lambda w: {"app_label": "orders", "model_name": "order", "fmt": "csv"},
                         post_ok="ok"),
    # Django's final catch-all: staff get a 404, the others the login page.
    "admin/(?P<url>.*)$": Rule(allowed={STAFF}, kwargs=lambda w: {"url": "inconnu/"}, get_ok={404}, post_ok={404}),
}
def history_version_rule(model_label):
    """A past version of a record (django-simple-history): read by the team;
    a POST (a revert) is refused to everybody (core.admin_history)."""
    def kwargs(world):
        from django.apps import apps as django_apps

        model = django_apps.get_model(model_label)
        object_id = admin_object(world, model)
        version = model.history.filter(**{model._meta.pk.attname: object_id}).order_by("history_id").first()
        if version is None:
            raise NotCovered(f"aucune version de {model_label} dans le monde du crawl")
        return {"object_id": object_id, "version_id": version.history_id}

    return Rule(allowed={STAFF}, kwargs=kwargs, get_ok={200}, post_ok={403})


RULES.update({
    f"admin:{label.replace('.', '_')}_simple_history": history_version_rule(label)
    for label in ("accounts.user", "orders.order", "billing.invoice", "support.ticket", "orders.service", "cms.page")
})


# Every other admin page: the team only. A read-only ModelAdmin answers the
# team 403 on its add/delete/change POST; never a login page.
ADMIN_RULE = Rule(allowed={STAFF}, get_ok="admitted", post_ok="admitted")
ADMIN_CHANGE_RULE = Rule(allowed={STAFF}, get_ok={200}, post_ok="admitted")


# --- Discovering the URLs ---------------------------------------------------------------

ROUTE_ARG = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>\w+)>")
REGEX_ARG = re.compile(r"\(\?P<(?P<name>\w+)>")


@dataclass(frozen=True)
class Endpoint:
    key: str  # the URL name, or its route when it has none; "[variant]" for an action slug
    name: str | None
    route: str
    args: tuple
    variant: dict = field(default_factory=dict)

    def __repr__(self):
        return self.key


def walk(resolver=None, prefix="", namespace=None):
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            ns = namespace
            if pattern.namespace:
                ns = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
            yield from walk(pattern, route, ns)
        elif isinstance(pattern, URLPattern):
            name = f"{namespace}:{pattern.name}" if namespace and pattern.name else pattern.name
            args = tuple(m["name"] for m in ROUTE_ARG.finditer(route)) + tuple(
                m["name"] for m in REGEX_ARG.finditer(route))
            yield name, route, args


def action_slugs():
    """The order buttons behind ``orders:action``'s ``<slug:action>``."""
    from orders import views

    table = getattr(views, "ACTION_VIEWS", None) or getattr(views, "ACTIONS", None) or {}
    return sorted(table)


def endpoints():
    found = []
    for name, route, args in walk():
        key = name or route
        if "action" in args:
            found += [Endpoint(f"{key}[{slug}]", name, route, args, {"action": slug}) for slug in action_slugs()]
        else:
            found.append(Endpoint(key, name, route, args))
    return found


ENDPOINTS = endpoints()


# --- Filling the arguments -----------------------------------------------------------------

class NotCovered(Exception):
    pass


# What an argument means, by the path segment in front of it: the owner's
# object of that kind (its primary key, or the value the URL carries).
SEGMENT_OBJECTS = {
    "orders": lambda w: w.orders["EN_COURS"].pk,
    "files": lambda w: w.files["manuscript"].pk,
    "invoices": lambda w: w.objects["invoice"].pk,
    "credit-notes": lambda w: w.objects["credit_note"].pk,
    "cards": lambda w: w.objects["card"].pk,
    "attachments": lambda w: w.objects["attachment"].pk,
    "messages": lambda w: w.objects["conversation"].pk,
    "notifications": lambda w: w.objects["notification"].pk,
    "simulator": lambda w: w.objects["pending_payment"].pk,
    "payments": lambda w: w.objects["payment"].pk,
    "avatars": lambda w: w.owner.avatar.name.removeprefix("avatars/"),
}
NESTED = {("messages", "messages"): lambda w: w.objects["message"].pk}


def admin_models():
    return {f"{m._meta.app_label}_{m._meta.model_name}": m for m in admin.site._registry}


def admin_object(world, model):
    """One of the owner's rows of ``model``, else any row of it."""
    label = model._meta.label_lower
    for row_label, pk in sorted(world.protected, key=str):
        if row_label == label:
            return pk
    first = model._base_manager.order_by("pk").values_list("pk", flat=True).first()
    if first is None:
        raise NotCovered(f"aucun objet {label} dans le monde du crawl (crawl_world.build_world)")
    return first


def admin_rule_and_kwargs(endpoint, world):
    """ModelAdmin URLs: admin:<app>_<model>_<view>, or the unnamed redirect
    admin/<app>/<model>/<object_id>/."""
    models_by_prefix = admin_models()
    if endpoint.name:
        local = endpoint.name.split(":", 1)[1]
        for prefix, model in sorted(models_by_prefix.items(), key=lambda item: -len(item[0])):
            if local.startswith(prefix + "_"):
                kwargs = {arg: admin_object(world, model) for arg in endpoint.args}
                view = local[len(prefix) + 1:]
                return (ADMIN_CHANGE_RULE if view in ("change", "history") else ADMIN_RULE), kwargs
        return None, None
    match = re.fullmatch(r"admin/(\w+)/(\w+)/<path:object_id>/", endpoint.route)
    if match and f"{match[1]}_{match[2]}" in models_by_prefix:
        model = models_by_prefix[f"{match[1]}_{match[2]}"]
        return Rule(allowed={STAFF}, get_ok={302}, post_ok={302}), {"object_id": admin_object(world, model)}
    return None, None


def segment_kwargs(endpoint, world):
    """Fill each argument from the path segment before it."""
    segments = [s for s in endpoint.route.split("/") if s]
    kwargs = {}
    for position, segment in enumerate(segments):
        match = ROUTE_ARG.fullmatch(segment)
        if not match:
            continue
        before = segments[position - 1] if position else ""
        grand = segments[position - 3] if position >= 3 else ""
        source = NESTED.get((grand, before)) or SEGMENT_OBJECTS.get(before)
        if source is None:
            raise NotCovered(f"argument « {match['name']} » après « {before}/ »")
        kwargs[match["name"]] = source(world)
    return kwargs


def resolve_case(endpoint, world):
    """(rule, kwargs for the actor, kwargs for everyone else)."""
    rule = RULES.get(endpoint.key)
    kwargs = None
    if rule is None and endpoint.key.startswith("admin"):
        rule, kwargs = admin_rule_and_kwargs(endpoint, world)
        if rule is None and not endpoint.args:
            rule = ADMIN_RULE
    if rule is None:
        if not endpoint.args:
            rule = Rule(allowed=LOGGED_IN, sees=PARTIES, self_service=True, get_ok="ok", post_ok="ok-or-405")
        elif endpoint.variant:
            raise NotCovered(f"bouton « {endpoint.variant} » sans règle")
        else:
            rule = Rule(get_ok="ok", post_ok="ok-or-405")
    if kwargs is None:
        kwargs = rule.kwargs(world) if rule.kwargs else (segment_kwargs(endpoint, world) if endpoint.args else {})
    kwargs = {**kwargs, **endpoint.variant}
    attack = {**(rule.attack_kwargs(world) if rule.attack_kwargs else kwargs), **endpoint.variant}
    return rule, kwargs, attack


def build_path(endpoint, kwargs, query=""):
    if endpoint.name:
        return reverse(endpoint.name, kwargs=kwargs) + query
    path = "/" + ROUTE_ARG.sub(lambda m: str(kwargs[m["name"]]), endpoint.route)
    path = re.sub(r"\^?\(\?P<(\w+)>[^)]*\)\$?", lambda m: str(kwargs[m[1]]), path)
    return path.replace("^", "").replace("$", "") + query


# --- The world, once per module ------------------------------------------------------------------

@pytest.fixture(autouse=True)
def _isolated_media():
    """Overrides the root conftest's per-test media folder: the world's files
    live in the module's folder for every test."""


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    media = tmp_path_factory.mktemp("crawl-media")
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=media, ORDERS_AUTO_ASSIGN=False):
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            built = build_world()
            built.tables = tables()
            built.sessions = {}
            for persona, user in built.users.items():
                browser = Client()
                browser.force_login(user)
                built.sessions[persona] = browser.cookies
            # After the logins: a reset token depends on last_login.
            built.tokens["reset"] = default_token_generator.make_token(built.owner)
            built.baseline = snapshot(built.tables)
            yield built
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def browser(world, persona):
    client = Client(raise_request_exception=False)
    if persona != ANON:
        for key, morsel in world.sessions[persona].items():
            client.cookies[key] = morsel.value
    return client


# --- Requests and checks ------------------------------------------------------------------------

@dataclass
class Outcome:
    status: int
    location: str
    body: bytes
    changes: list  # (kind, table, pk, row)


def body_of(response):
    if getattr(response, "streaming", False):
        content = b"".join(response.streaming_content)
    else:
        content = response.content
    headers = "\n".join(f"{k}: {v}" for k, v in response.items()).encode()
    return headers + b"\n" + content


WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")


def request(world, persona, method, path, data, *, run_on_commit):
    """One request inside a savepoint that is rolled back: what it answered
    and which rows it wrote (its on-commit work included).

    Every statement goes through the connection, so a request that sent no
    INSERT/UPDATE/DELETE wrote nothing: the snapshot is read only after one
    that did (most requests write nothing; this keeps the crawl fast)."""
    client = browser(world, persona)
    with transaction.atomic():
        with CaptureQueriesContext(connection) as queries:
            if run_on_commit:
                with TestCase.captureOnCommitCallbacks(execute=True):
                    response = getattr(client, method)(path, data or {})
            else:
                response = getattr(client, method)(path, data or {})
            body = body_of(response)
        wrote = any(query["sql"].lstrip().upper().startswith(WRITES) for query in queries.captured_queries)
        after = snapshot(world.tables) if wrote else world.baseline
        transaction.set_rollback(True)
    changes = []
    for label, rows in after.items():
        before = world.baseline[label]
        for pk, row in before.items():
            if pk not in rows:
                changes.append(("deleted", label, pk, row))
            elif rows[pk] != row:
                changes.append(("changed", label, pk, rows[pk]))
        for pk in rows.keys() - before.keys():
            changes.append(("created", label, pk, rows[pk]))
    return Outcome(response.status_code, response.get("Location", ""), body, changes)


def refused(outcome):
    if outcome.status in DENIED_STATUSES:
        return True
    return outcome.status in (301, 302) and urlsplit(outcome.location).path.startswith(LOGIN_PATHS)


def expected(outcome, want):
    if want == "change":
        return bool(outcome.changes)
    if want == "ok":
        return outcome.status < 500 and not refused(outcome)
    if want == "ok-or-405":  # a URL without a rule may be GET-only
        return outcome.status == 405 or expected(outcome, "ok")
    if want == "admitted":
        return outcome.status < 500 and not (outcome.status in (301, 302) and refused(outcome))
    return outcome.status in want


def forbidden_changes(world, rule, persona, outcome):
    """The rows a persona without the right to act must not have written."""
    by_label = {table.label: table for table in world.tables}
    user_pk = world.users[persona].pk if persona != ANON else None
    may_create = (rule.self_service or rule.public) and persona in rule.allowed
    bad = []
    for kind, label, pk, row in outcome.changes:
        table = by_label[label]
        own = user_pk is not None and table.belongs_to(row, user_pk)
        if kind == "created":
            links_owner = any((target, row[i]) in world.protected for i, target in table.links if row[i] is not None)
            if links_owner or not (may_create or own):
                bad.append((kind, label, pk))
        elif (label, pk) in world.protected:
            if not (own and persona in rule.seeing()):
                bad.append((kind, label, pk))
        elif not own:
            bad.append((kind, label, pk))
    return bad


def leaked(world, outcome):
    """The owner's markers found in the answer, each with what surrounds it."""
    found = []
    body = outcome.body.lower()
    for marker in world.markers:
        at = body.find(marker.lower().encode())
        if at >= 0:
            context = outcome.body[max(0, at - 60):at + 60].decode(errors="replace").replace("\n", " ")
            found.append(f"{marker!r} dans « …{context}… »")
    return found


@pytest.mark.django_db
@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=repr)
def test_access_crawl(world, endpoint):
    try:
        rule, kwargs, attack_kwargs = resolve_case(endpoint, world)
    except NotCovered as error:
        pytest.fail(
            f"nouvelle URL non couverte : {endpoint.key} ({endpoint.route}) — {error}. Ajoutez-la à RULES "
            "dans tests/security/test_access_crawl.py (qui peut l'utiliser, ses arguments, le POST qui réussit) "
            "ou à SEGMENT_OBJECTS / crawl_world.py."
        )
    problems = []
    actor = rule.the_actor()
    # The legitimate user succeeds: the crawl does not pass by missing the object.
    path = build_path(endpoint, kwargs, rule.query)
    for method, want in (("get", rule.get_ok), ("post", rule.post_ok)):
        if want is None:
            continue
        data = rule.post(world) if (method == "post" and rule.post) else {}
        outcome = request(world, actor, method, path, data, run_on_commit=False)
        if not expected(outcome, want):
            problems.append(
                f"{actor} {method.upper()} {path}: attendu {want}, reçu {outcome.status} {outcome.location} "
                f"({len(outcome.changes)} ligne(s) écrite(s))"
            )

    # Everyone else: refused (unless allowed), nothing of the owner's, no row written.
    attack_path = build_path(endpoint, attack_kwargs, rule.query)
    for persona in PERSONAS:
        if persona == actor:
            continue
        for method in ("get", "post"):
            # Built per request: an upload is consumed by the request that sends it.
            make_data = rule.attack_post or rule.post
            data = make_data(world) if (method == "post" and make_data) else {}
            outcome = request(world, persona, method, attack_path, data, run_on_commit=True)
            where = f"{persona} {method.upper()} {attack_path}"
            if outcome.status >= 500:
                problems.append(f"{where}: erreur {outcome.status}")
            if persona not in rule.allowed and not refused(outcome):
                problems.append(f"{where}: attendu un refus (connexion / 403 / 404 / 405), reçu {outcome.status} "
                                f"{outcome.location}")
            if persona not in rule.seeing() and (markers := leaked(world, outcome)):
                problems.append(f"{where}: données du propriétaire dans la réponse : {markers}")
            if persona not in rule.acting() and (bad := forbidden_changes(world, rule, persona, outcome)):
                problems.append(f"{where}: lignes modifiées : {bad}")
    assert not problems, f"{endpoint.key} :\n" + "\n".join(problems)


def test_crawl_sees_every_url():
    """The crawl enumerates the resolver, admin included, and every rule
    names a URL that exists (a renamed URL must not leave a dead rule)."""
    keys = {endpoint.key for endpoint in ENDPOINTS}
    assert {"orders:detail", "billing:invoice_pdf", "admin:orders_order_change", "messaging:attachment"} <= keys
    dead = sorted(set(RULES) - keys)
    assert not dead, f"règles sans URL (renommée ?) : {dead}"


def test_rules_are_consistent():
    for key, rule in RULES.items():
        assert rule.the_actor() in rule.allowed | {ANON}, key
        assert rule.acting() <= rule.allowed, key


@pytest.mark.django_db
def test_a_new_url_is_filled_from_its_path_or_fails(world):
    """A new URL under a known segment is crawled with the owner's object;
    one the registry cannot fill fails with the message that says what to add."""
    invoice_send = Endpoint("billing:invoice_send", None, "billing/invoices/<uuid:pk>/send/", ("pk",))
    rule, kwargs, attack = resolve_case(invoice_send, world)
    assert kwargs == attack == {"pk": world.objects["invoice"].pk}
    assert rule.allowed == PARTIES and rule.get_ok == "ok"

    unknown = Endpoint("support:ticket", None, "support/tickets/<uuid:pk>/", ("pk",))
    with pytest.raises(NotCovered, match="tickets"):
        resolve_case(unknown, world)
    new_button = Endpoint("orders:action[archive]", "orders:action", "orders/<uuid:pk>/<slug:action>/",
                          ("pk", "action"), {"action": "archive"})
    with pytest.raises(NotCovered, match="archive"):
        resolve_case(new_button, world)
