"""The hot paths of issue 13 in one data set, and the SQL queries each costs.

    DATABASE_URL=mysql://root@127.0.0.1:3306/staka_bench DJANGO_SETTINGS_MODULE=config.settings.production \\
        SECRET_KEY=... ALLOWED_HOSTS=127.0.0.1 REDIS_URL=redis://127.0.0.1:6379/13 .venv/bin/python bench/hot_paths.py

Run by bench/run.py with the environment of the gunicorn it measures. Finds
the URLs in the database (the bench accounts of ops.fake_data, their order,
their 2 000-message conversation), then requests each path three times with
Django's test client, in this process, against that database: the third
request's queries (CaptureQueriesContext) are the steady-state count — the
first one fills the caches and may write (a conversation's read mark, on
fresh data), the second reads again what that write renewed. Prints one JSON document: the bench
accounts, the paths, their status, size and queries, and the row counts of
the big tables.
"""

import json
import os
import sys
from dataclasses import asdict, dataclass
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent

BASELINE, PAGE, POLL, ADMIN = "baseline", "page", "poll", "admin"
HOST = "127.0.0.1"


@dataclass
class HotPath:
    key: str
    label: str
    url: str
    who: str | None  # "client", "corrector", "admin", or None for a visitor
    kind: str  # BASELINE, PAGE, POLL or ADMIN: which targets apply
    statuses: tuple = (200,)  # the answers that mean "works"
    htmx: bool = False  # a fragment the page asks for through htmx (HX-Request header)

    @property
    def headers(self):
        return {"HX-Request": "true"} if self.htmx else {}

    def revalidating(self, headers, etag):
        """The headers of the next request: a poll sends back the ETag of
        the last answer, as the page's script does (If-None-Match)."""
        return {**headers, "If-None-Match": etag} if etag and self.kind == POLL else headers


class MissingBenchData(Exception):
    pass


def setup_django():
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")
    import django

    django.setup()


def bench_accounts():
    from accounts.models import User
    from ops.fake_data import BENCH_ADMIN, BENCH_CLIENT, BENCH_CORRECTOR

    accounts = {who: User.objects.filter(email=email).first()
                for who, email in (("client", BENCH_CLIENT), ("corrector", BENCH_CORRECTOR), ("admin", BENCH_ADMIN))}
    missing = [who for who, user in accounts.items() if user is None]
    if missing:
        raise MissingBenchData(
            f"comptes de mesure absents ({', '.join(missing)}) : chargez les données avec "
            "« manage.py generate_fake_data --scale F --bench-fixtures » (ou relancez bench/run.py sans --skip-load).")
    return accounts


def baseline_path():
    """/health/live when the app has it; else /robots.txt, a view that reads
    no database and passes through every middleware."""
    from django.urls import Resolver404, resolve

    try:
        resolve("/health/live")
    except Resolver404:
        return HotPath("baseline", "Référence : /robots.txt (aucune requête SQL)", "/robots.txt", None, BASELINE)
    return HotPath("baseline", "Référence : /health/live", "/health/live", None, BASELINE)


def hot_paths(accounts):
    from django.urls import reverse

    from messaging.models import Conversation
    from orders import selectors as order_selectors
    from orders.models import Order

    order = Order.objects.filter(client=accounts["client"], corrector=accounts["corrector"]).order_by("created_at").first()
    conversation = order and Conversation.objects.filter(order=order).first()
    if conversation is None or conversation.last_message_id is None:
        raise MissingBenchData("commande de mesure ou sa conversation longue introuvable (--bench-fixtures).")
    service = next((s for s in order_selectors.active_services() if s.is_per_page), None)
    if service is None:
        raise MissingBenchData("aucun service actif à la page pour le calculateur (« manage.py setup » les crée).")
    quote = urlencode({"service": service.pk, "declared_pages": 250})
    poll = urlencode({"after": conversation.last_message_id})

    def admin_list(model, query=""):
        return reverse(f"admin:{model}_changelist") + (f"?{query}" if query else "")

    return [
        baseline_path(),
        HotPath("landing", "Accueil", reverse("core:landing"), None, PAGE),
        HotPath("quote", "Calculateur de prix (fragment)", f"{reverse('orders:quote')}?{quote}", None, PAGE,
                htmx=True),
        HotPath("cms_page", "Page CMS (CGV)", reverse("cms:terms"), None, PAGE),
        HotPath("client_dashboard", "Client : Mes projets (50 commandes)", reverse("orders:client_dashboard"),
                "client", PAGE),
        HotPath("order", "Client : une commande", reverse("orders:detail", args=[order.pk]), "client", PAGE),
        HotPath("conversation", "Client : conversation de 2 000 messages",
                reverse("messaging:conversation", args=[conversation.pk]), "client", PAGE),
        HotPath("inbox", "Client : messagerie", reverse("messaging:inbox"), "client", PAGE),
        HotPath("notifications", "Client : notifications", reverse("notifications:list"), "client", PAGE),
        HotPath("billing", "Client : facturation", reverse("billing:home"), "client", PAGE),
        # Polled with the ETag of the last answer, as the page does: 304 while nothing changed.
        HotPath("bell", "Cloche (fragment)", reverse("notifications:bell"), "client", POLL, (200, 304), htmx=True),
        HotPath("unread_badge", "Pastille Messages (fragment)", reverse("messaging:unread_badge"), "client", POLL,
                (200, 304), htmx=True),
        # Nothing new: 204, or an empty 200 then 304 once the poll sends its ETag back.
        HotPath("new_messages", "Nouveaux messages (sondage, rien de neuf)",
                f"{reverse('messaging:since', args=[conversation.pk])}?{poll}", "client", POLL, (200, 204, 304),
                htmx=True),
        HotPath("corrector_queue", "Correcteur : file (500 commandes)", reverse("orders:corrector_queue"),
                "corrector", PAGE),
        HotPath("staff_inbox", "Équipe : messagerie", reverse("messaging:inbox"), "admin", PAGE),
        HotPath("ticket_queue", "Équipe : tickets", reverse("support:queue"), "admin", PAGE),
        HotPath("staff_board", "Équipe : tableau (500 à affecter)", reverse("orders:staff_board"), "admin", PAGE),
        HotPath("admin_orders", "Admin : commandes", admin_list("orders_order"), "admin", ADMIN),
        HotPath("admin_orders_filtered", "Admin : commandes en cours", admin_list("orders_order", "status__exact=EN_COURS"),
                "admin", ADMIN),
        HotPath("admin_messages", "Admin : messages", admin_list("messaging_message"), "admin", ADMIN),
        HotPath("admin_messages_filtered", "Admin : messages automatiques",
                admin_list("messaging_message", "type__exact=SYSTEM_MESSAGE"), "admin", ADMIN),
        HotPath("admin_notifications", "Admin : notifications", admin_list("notifications_notification"),
                "admin", ADMIN),
        HotPath("admin_notifications_filtered", "Admin : notifications non lues",
                admin_list("notifications_notification", "is_read__exact=0"), "admin", ADMIN),
        HotPath("admin_audit", "Admin : journal d'audit", admin_list("core_auditlog"), "admin", ADMIN),
        HotPath("admin_audit_filtered", "Admin : audit, gravité élevée", admin_list("core_auditlog", "severity__exact=HIGH"),
                "admin", ADMIN),
        HotPath("admin_dashboard", "Admin : tableau de bord", reverse("admin:index"), "admin", ADMIN),
    ]


def measure_queries(paths, accounts):
    """{key: {"status", "bytes", "queries"}}: the third of three requests (steady state)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    clients = {None: Client(HTTP_HOST=HOST, raise_request_exception=False)}
    for who, user in accounts.items():
        clients[who] = Client(HTTP_HOST=HOST, raise_request_exception=False)
        clients[who].force_login(user)
    measured = {}
    try:
        for path in paths:
            client = clients[path.who]
            # secure=True: what the TLS proxy tells production (X-Forwarded-Proto).
            etag = None
            for _ in range(2):
                etag = client.get(path.url, secure=True, headers=path.revalidating(path.headers, etag)).get("ETag")
            headers = path.revalidating(path.headers, etag)
            with CaptureQueriesContext(connection) as queries:
                response = client.get(path.url, secure=True, headers=headers)
            measured[path.key] = {"status": response.status_code, "bytes": len(response.content),
                                  "queries": len(queries)}
    finally:
        for client in clients.values():
            client.logout()  # the sessions it opened go
    return measured


def table_counts():
    from core.models import AuditLog
    from messaging.models import Message
    from notifications.models import Notification
    from orders.models import Order

    return {name: model.objects.count()
            for name, model in (("orders", Order), ("messages", Message), ("notifications", Notification),
                                ("audit", AuditLog))}


def main():
    setup_django()
    try:
        accounts = bench_accounts()
        paths = hot_paths(accounts)
    except MissingBenchData as error:
        sys.exit(f"Données de mesure incomplètes : {error}")
    from ops.fake_data import FAKE_PASSWORD

    print(json.dumps({
        "accounts": {who: user.email for who, user in accounts.items()},
        "password": FAKE_PASSWORD,
        "paths": [asdict(path) for path in paths],
        "queries": measure_queries(paths, accounts),
        "rows": table_counts(),
    }, ensure_ascii=False))


if __name__ == "__main__":
    main()
