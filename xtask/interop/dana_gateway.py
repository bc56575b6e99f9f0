"""DANA's Python SDK (dana-python) against `snapbi sandbox --profile dana`, as a merchant uses
it: create order (54), query (55), refund (58), cancel (57), every request signed asymmetrically
by the SDK; then the SDK's WebhookParser on the finish notify (56) the sandbox sends, signed with
the sandbox key. Prints one `PASS name` or `FAIL name: why` line per check. Run by
`cargo xtask interop`.

DANA's WebhookParser reads the public key from its arguments only when DANA_ENV is neither unset
nor "sandbox" (otherwise it uses DANA's own sandbox key); `cargo xtask interop` sets
DANA_ENV=production for that reason."""

import datetime
import json
import os
import random
import sys
import threading
import urllib.request
from http.server import BaseHTTPRequestHandler, HTTPServer

from dana.api_client import ApiClient
from dana.payment_gateway.v1 import PaymentGatewayApi
from dana.payment_gateway.v1.models import (
    CancelOrderRequest,
    CreateOrderByApiAdditionalInfo,
    CreateOrderByApiRequest,
    EnvInfo,
    Money,
    PayOptionDetail,
    QueryPaymentRequest,
    RefundOrderRequest,
    UrlParam,
)
from dana.utils.snap_configuration import AuthSettings, Env, SnapConfiguration
from dana.webhook import WebhookParser

SANDBOX = os.environ["SANDBOX"]
KEYS = os.environ["KEY_DIR"]
failed = 0


def check(name, ok, why=""):
    global failed
    if ok:
        print(f"PASS {name}", flush=True)
    else:
        failed += 1
        print(f"FAIL {name}: {why}", flush=True)


def admin(path, body=None):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(
        f"{SANDBOX}{path}", data=data, headers={"Content-Type": "application/json"}
    )
    return json.load(urllib.request.urlopen(request))


received = {}


class Merchant(BaseHTTPRequestHandler):
    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        received["path"] = self.path
        received["headers"] = {k: v for k, v in self.headers.items()}
        received["body"] = self.rfile.read(length).decode()
        answer = json.dumps({"responseCode": "2005600", "responseMessage": "Successful"}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args):
        pass


server = HTTPServer(("127.0.0.1", int(os.environ["WEBHOOK_PORT"])), Merchant)
# DANA sends the finish notify to the order's NOTIFICATION URL, not to a configured callback.
NOTIFY_PATH = "/dana/finish-notify"
NOTIFY_URL = f"http://127.0.0.1:{os.environ['WEBHOOK_PORT']}{NOTIFY_PATH}"
threading.Thread(target=server.serve_forever, daemon=True).start()

config = SnapConfiguration(
    api_key=AuthSettings(
        PRIVATE_KEY=open(f"{KEYS}/demo-private.pem").read(),
        ORIGIN="http://merchant.example",
        X_PARTNER_ID="DEMO-MERCHANT",
        ENV=Env.SANDBOX,
        DANA_ENV=Env.SANDBOX,
    )
)
# The SDK's host is DANA's; point it at the sandbox.
config.host = SANDBOX
MERCHANT_ID = "SANDBOX0001"


def valid_up_to():
    jakarta = datetime.timezone(datetime.timedelta(hours=7))
    return (datetime.datetime.now(jakarta) + datetime.timedelta(minutes=20)).strftime(
        "%Y-%m-%dT%H:%M:%S+07:00"
    )


def order(api, reference, value):
    return api.create_order(
        CreateOrderByApiRequest(
            partner_reference_no=reference,
            merchant_id=MERCHANT_ID,
            amount=Money(value=value, currency="IDR"),
            valid_up_to=valid_up_to(),
            pay_option_details=[
                PayOptionDetail(
                    pay_method="BALANCE", pay_option="", trans_amount=Money(value=value, currency="IDR")
                )
            ],
            url_params=[
                UrlParam(url="https://merchant.example/back", type="PAY_RETURN", is_deeplink="N"),
                UrlParam(url=NOTIFY_URL, type="NOTIFICATION", is_deeplink="N"),
            ],
            additional_info=CreateOrderByApiAdditionalInfo(
                mcc="5732", env_info=EnvInfo(source_platform="IPG", terminal_type="SYSTEM")
            ),
        )
    )


def attempt(name, call, ok):
    try:
        response = call()
        check(name, ok(response), repr(response))
        return response
    except Exception as e:  # the SDK raises on non-2xx answers
        check(name, False, repr(e)[:400])
        return None


with ApiClient(config) as client:
    api = PaymentGatewayApi(client)
    reference = f"DANA-{random.randrange(10**12)}"
    created = attempt(
        "dana create order (54, asymmetric)",
        lambda: order(api, reference, "30000.00"),
        lambda r: r.response_code == "2005400" and r.reference_no,
    )
    query = lambda: api.query_payment(  # noqa: E731
        QueryPaymentRequest(
            original_partner_reference_no=reference, service_code="54", merchant_id=MERCHANT_ID
        )
    )
    attempt("dana query payment (55): initiated", query, lambda r: r.latest_transaction_status == "01")

    paid = admin("/_sandbox/pay", {"qr": reference})
    delivery = admin(f"/_sandbox/deliveries/{paid['deliveryId']}?wait_ms=15000")
    check("dana finish notify (56) delivered", delivery.get("state") == "delivered", json.dumps(delivery)[:400])
    check(
        "dana finish notify (56) at the order's NOTIFICATION URL",
        received.get("path") == NOTIFY_PATH,
        repr(received.get("path")),
    )
    if "body" in received:
        parser = WebhookParser(public_key=os.environ["SANDBOX_PUBLIC_KEY"])
        try:
            notify = parser.parse_webhook(
                "POST", received["path"], received["headers"], received["body"]
            )
            check(
                "dana WebhookParser.parse_webhook (sandbox key)",
                notify.original_partner_reference_no == reference
                and notify.latest_transaction_status == "00",
                repr(notify),
            )
        except Exception as e:
            check("dana WebhookParser.parse_webhook (sandbox key)", False, repr(e)[:400])
        try:
            parser.parse_webhook(
                "POST", received["path"], received["headers"], received["body"].replace('"00"', '"05"')
            )
            check("dana WebhookParser refuses a changed body", False, "a changed body parsed")
        except ValueError:
            check("dana WebhookParser refuses a changed body", True)

    attempt("dana query payment (55): paid", query, lambda r: r.latest_transaction_status == "00")
    attempt(
        "dana refund order (58)",
        lambda: api.refund_order(
            RefundOrderRequest(
                merchant_id=MERCHANT_ID,
                original_partner_reference_no=reference,
                partner_refund_no=f"RF-{random.randrange(10**12)}",
                refund_amount=Money(value="10000.00", currency="IDR"),
                reason="interop",
            )
        ),
        lambda r: r.response_code == "2005800" and r.refund_no,
    )
    second = f"DANA-{random.randrange(10**12)}"
    order(api, second, "5000.00")
    attempt(
        "dana cancel order (57)",
        lambda: api.cancel_order(
            CancelOrderRequest(original_partner_reference_no=second, merchant_id=MERCHANT_ID)
        ),
        lambda r: r.response_code == "2005700",
    )

server.shutdown()
sys.exit(1 if failed else 0)
