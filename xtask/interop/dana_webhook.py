"""DANA's Python SDK (dana-python) webhook verifier against a notification `snapbi sandbox`
sends asymmetrically (SHA256withRSA with the sandbox key over POST:path:sha256(body):timestamp).
Prints one `PASS name` or `FAIL name: why` line per check. Run by `cargo xtask interop`.

DANA's SDK reads the public key from its arguments only when DANA_ENV is neither unset nor
"sandbox" (otherwise it uses DANA's own sandbox key); `cargo xtask interop` sets
DANA_ENV=production for that reason."""

import json
import os
import sys
import threading
import urllib.request
from http.server import BaseHTTPRequestHandler, HTTPServer

from dana.webhook import WebhookParser

SANDBOX = os.environ["SANDBOX"]
failed = 0


def check(name, ok, why=""):
    global failed
    if ok:
        print(f"PASS {name}", flush=True)
    else:
        failed += 1
        print(f"FAIL {name}: {why}", flush=True)


def call(path, body=None):
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
        received["headers"] = {k.lower(): v for k, v in self.headers.items()}
        received["body"] = self.rfile.read(length).decode()
        answer = json.dumps({"responseCode": "2005200", "responseMessage": "Successful"}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args):
        pass


server = HTTPServer(("127.0.0.1", int(os.environ["WEBHOOK_PORT"])), Merchant)
threading.Thread(target=server.serve_forever, daemon=True).start()

# DANA's own order APIs (debit 54/55/57/58) are not in the sandbox: a QRIS is created with a
# plainly signed standard call (RSA token request, then HMAC-SHA512), paid through the admin
# API, and the sandbox notifies the merchant asymmetrically, as DANA does.
import base64
import datetime
import hashlib
import hmac
import random

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding

keys = os.environ["KEY_DIR"]
private_key = serialization.load_pem_private_key(
    open(f"{keys}/demo-private.pem", "rb").read(), password=None
)
secret = open(f"{keys}/demo-client-secret.txt").read().strip().encode()
stamp = datetime.datetime.now(datetime.timezone(datetime.timedelta(hours=7))).strftime(
    "%Y-%m-%dT%H:%M:%S+07:00"
)
signature = base64.b64encode(
    private_key.sign(f"DEMO-MERCHANT|{stamp}".encode(), padding.PKCS1v15(), hashes.SHA256())
).decode()
token_request = urllib.request.Request(
    f"{SANDBOX}/v1.0/access-token/b2b",
    data=b'{"grantType":"client_credentials"}',
    headers={
        "Content-Type": "application/json",
        "X-TIMESTAMP": stamp,
        "X-CLIENT-KEY": "DEMO-MERCHANT",
        "X-SIGNATURE": signature,
    },
)
token = json.load(urllib.request.urlopen(token_request))["accessToken"]
reference = f"DANA-QR-{random.randrange(10**9)}"
body = json.dumps(
    {"partnerReferenceNo": reference, "amount": {"value": "30000.00", "currency": "IDR"}},
    separators=(",", ":"),
)
path = "/v1.0/qr/qr-mpm-generate"
to_sign = f"POST:{path}:{token}:{hashlib.sha256(body.encode()).hexdigest()}:{stamp}"
generate = urllib.request.Request(
    f"{SANDBOX}{path}",
    data=body.encode(),
    headers={
        "Content-Type": "application/json",
        "Authorization": f"Bearer {token}",
        "X-TIMESTAMP": stamp,
        "X-SIGNATURE": base64.b64encode(hmac.new(secret, to_sign.encode(), hashlib.sha512).digest()).decode(),
        "X-PARTNER-ID": "DEMO-MERCHANT",
        "X-EXTERNAL-ID": str(random.randrange(10**15)),
        "CHANNEL-ID": "95221",
    },
)
generated = json.load(urllib.request.urlopen(generate))
assert generated["responseCode"] == "2004700", generated
paid = call("/_sandbox/pay", {"qr": reference})
delivery = call(f"/_sandbox/deliveries/{paid['deliveryId']}?wait_ms=15000")
check("dana: the sandbox's asymmetric notification arrives", "body" in received, json.dumps(delivery))

if "body" in received:
    parser = WebhookParser(public_key=os.environ["SANDBOX_PUBLIC_KEY"])
    try:
        parser._verify_signature(
            "POST",
            received["path"],
            received["body"],
            received["headers"]["x-timestamp"],
            received["headers"]["x-signature"],
        )
        check("dana WebhookParser signature verification (sandbox key)", True)
    except Exception as e:
        check("dana WebhookParser signature verification (sandbox key)", False, repr(e))
    try:
        parser._verify_signature(
            "POST",
            received["path"],
            received["body"].replace('"00"', '"06"'),
            received["headers"]["x-timestamp"],
            received["headers"]["x-signature"],
        )
        check("dana WebhookParser refuses a changed body", False, "a changed body verified")
    except ValueError:
        check("dana WebhookParser refuses a changed body", True)

server.shutdown()
sys.exit(1 if failed else 0)
