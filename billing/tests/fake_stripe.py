"""A local stand-in for api.stripe.com: a real HTTP server on 127.0.0.1 that
answers the calls we make with responses shaped like Stripe's, and records
what it was sent. Our code talks to it through the real Stripe library
(STRIPE_API_BASE), so nothing of ours is patched.
"""

import itertools
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl

_ids = itertools.count(1)


def _id(prefix):
    return f"{prefix}_fake{next(_ids):06d}"


def _nest(pairs):
    """Stripe's form encoding (a[b][c]=x) back into dictionaries."""
    root = {}
    for key, value in pairs:
        parts = key.replace("]", "").split("[")
        node = root
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    return root


class FakeStripe:
    def __init__(self):
        self.requests = []  # (method, path, params)
        self.refuse_refunds = False
        self.require_authentication = False  # off-session payments answer authentication_required
        self.decline_cards = False  # off-session payments answer card_declined
        self.sessions = {}  # checkout session id -> status ("open", "expired", "complete")
        # Faults: path prefix -> "error" (HTTP 500) or "hang" (answers after hang_seconds).
        self.faults = {}
        self.hang_seconds = 3.0
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self):
        self.thread.start()
        return self

    def reset(self):
        self.requests.clear()
        self.sessions.clear()
        self.faults.clear()
        self.refuse_refunds = self.require_authentication = self.decline_cards = False

    def open_sessions(self):
        return [session_id for session_id, status in self.sessions.items() if status == "open"]

    def fault_for(self, path):
        return next((fault for prefix, fault in self.faults.items() if path.startswith(prefix)), None)

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def calls(self, path_prefix):
        return [params for method, path, params in self.requests if path.startswith(path_prefix)]

    def answer(self, method, path, params):
        if path.startswith("/v1/checkout/sessions/") and path.endswith("/expire"):
            session_id = path.split("/")[4]
            if self.sessions.get(session_id) != "open":
                return 400, {"error": {"type": "invalid_request_error", "code": "checkout_session_not_open",
                                       "message": "Only Checkout Sessions with a status of open can be expired."}}
            self.sessions[session_id] = "expired"
            return 200, {"id": session_id, "object": "checkout.session", "status": "expired"}
        if path == "/v1/checkout/sessions":
            session_id = _id("cs_test")
            self.sessions[session_id] = "open"
            return 200, {
                "id": session_id, "object": "checkout.session", "mode": "payment",
                "url": f"https://checkout.stripe.com/c/pay/{session_id}",
                "amount_total": int(params["line_items"]["0"]["price_data"]["unit_amount"]),
                "currency": "eur", "payment_status": "unpaid", "status": "open",
                "metadata": params.get("metadata", {}), "payment_intent": None,
            }
        if path == "/v1/refunds":
            if self.refuse_refunds:
                return 400, {"error": {
                    "type": "invalid_request_error", "code": "charge_already_refunded",
                    "message": "Charge has already been refunded.",
                }}
            return 200, {"id": _id("re"), "object": "refund", "amount": int(params["amount"]),
                         "status": "succeeded", "payment_intent": params.get("payment_intent")}
        if path == "/v1/products":
            return 200, {"id": _id("prod"), "object": "product", "name": params["name"], "active": True,
                         "metadata": params.get("metadata", {})}
        if path.startswith("/v1/products/"):
            return 200, {"id": path.rsplit("/", 1)[1], "object": "product", "name": params.get("name", ""),
                         "active": True, "metadata": params.get("metadata", {})}
        if path == "/v1/prices":
            return 200, {"id": _id("price"), "object": "price", "product": params["product"], "active": True,
                         "currency": params["currency"], "unit_amount": int(params["unit_amount"])}
        if path.startswith("/v1/prices/"):
            return 200, {"id": path.rsplit("/", 1)[1], "object": "price", "active": params.get("active") != "false"}
        if path == "/v1/customers":
            return 200, {"id": _id("cus"), "object": "customer", "email": params.get("email"),
                         "metadata": params.get("metadata", {})}
        if path.startswith("/v1/customers/"):
            return 200, {"id": path.rsplit("/", 1)[1], "object": "customer",
                         "invoice_settings": params.get("invoice_settings", {})}
        if path == "/v1/setup_intents":
            intent_id = _id("seti")
            return 200, {"id": intent_id, "object": "setup_intent", "client_secret": f"{intent_id}_secret_fake",
                         "customer": params.get("customer"), "usage": params.get("usage"),
                         "status": "requires_payment_method", "metadata": params.get("metadata", {})}
        if path.startswith("/v1/payment_methods/"):
            pm_id = path.split("/")[3]
            return 200, {"id": pm_id, "object": "payment_method", "type": "card",
                         "customer": None if path.endswith("/detach") else "cus_fake",
                         "card": {"brand": "visa", "last4": "4242", "exp_month": 12, "exp_year": 2034,
                                  "fingerprint": "fp_fake4242"}}
        if path == "/v1/payment_intents":
            intent = {"id": _id("pi"), "object": "payment_intent", "amount": int(params["amount"]),
                      "currency": params["currency"], "customer": params.get("customer"),
                      "payment_method": params.get("payment_method"), "metadata": params.get("metadata", {})}
            if self.require_authentication or self.decline_cards:
                code = "authentication_required" if self.require_authentication else "card_declined"
                return 402, {"error": {
                    "type": "card_error", "code": code, "decline_code": code,
                    "message": "Your card was declined." if self.decline_cards else
                    "This payment requires authentication.",
                    "payment_intent": {**intent, "status": "requires_payment_method"},
                }}
            return 200, {**intent, "status": "succeeded", "amount_received": int(params["amount"])}
        return 404, {"error": {"type": "invalid_request_error", "message": f"Unrecognized request URL ({method}: {path})"}}

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                path, _, query = self.path.partition("?")
                self.respond("GET", path, _nest(parse_qsl(query, keep_blank_values=True)))

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
                self.respond("POST", self.path, _nest(parse_qsl(body, keep_blank_values=True)))

            def respond(self, method, path, params):
                fake.requests.append((method, path, params))
                fault = fake.fault_for(path)
                if fault == "hang":
                    time.sleep(fake.hang_seconds)  # the client has given up by then
                if fault == "error":
                    status, payload = 500, {"error": {"type": "api_error", "message": "Internal server error"}}
                else:
                    status, payload = fake.answer(method, path, params)
                data = json.dumps(payload).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.send_header("Request-Id", _id("req"))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client timed out and hung up

            def log_message(self, *args):
                pass

        return Handler
