"""DOKU's Python library (doku-python-library) against `snapbi sandbox --profile doku`, as a
merchant uses it: token, create VA, update VA, VA status, delete VA; then DOKU's merchant-side
check of the sandbox's token request (validate_signature). Prints one `PASS name` or
`FAIL name: why` line per check. Run by `cargo xtask interop`."""

import json
import os
import sys
import time
import urllib.request

from doku_python_library.src.commons import config
from doku_python_library.src.snap import DokuSNAP
from doku_python_library.src.model.va.create_va_request import CreateVARequest
from doku_python_library.src.model.va.additional_info import AdditionalInfo
from doku_python_library.src.model.va.virtual_account_config import VirtualAccountConfig
from doku_python_library.src.model.va.total_amount import TotalAmount
from doku_python_library.src.model.va.update_va_request import UpdateVaRequest
from doku_python_library.src.model.va.update_va_additional_info import UpdateVAAdditionalInfo
from doku_python_library.src.model.va.update_va_config import UpdateVAConfig
from doku_python_library.src.model.va.check_status_va_request import CheckStatusRequest
from doku_python_library.src.model.va.delete_va_request import DeleteVARequest
from doku_python_library.src.model.va.delete_va_additional_info import DeleteVAAdditionalInfo

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


def code(response):
    return getattr(response, "response_code", None) or getattr(response, "responseCode", None)


def show(response):
    try:
        return json.dumps(response.json())
    except Exception:  # the SDK's response objects differ in shape
        return repr(vars(response))


# The library's base URL is fixed to DOKU's hosts; point it at the sandbox.
config._Development.BASE_URL = SANDBOX
private_key = open(f"{KEYS}/demo-private.pem").read()
public_key = open(f"{KEYS}/demo-public.pem").read()
secret = open(f"{KEYS}/demo-client-secret.txt").read().strip()

snap = DokuSNAP(
    private_key=private_key,
    client_id="DEMO-MERCHANT",
    is_production=False,
    public_key=public_key,
    issuer="snapbi-interop",
    secret_key=secret,
    merchant_public_key=public_key,
)
token = snap.get_token()
check("doku token b2b (additionalInfo \"\")", code(token) == "2007300", show(token))

customer_no = str(int(time.time() * 1000))[-10:]
psid = "88899000"
va_no = psid + customer_no
trx_id = f"DK-VA-{customer_no}"
create = CreateVARequest(
    partner_service_id=psid,
    customer_no=customer_no,
    virtual_account_no=va_no,
    virtual_acc_name="Toru Yamashita",
    virtual_acc_email="toru@example.com",
    virtual_acc_phone="6281274334110",
    trx_id=trx_id,
    total_amount=TotalAmount(value="12500.00", currency="IDR"),
    additional_info=AdditionalInfo(
        channel="VIRTUAL_ACCOUNT_BANK_CIMB",
        virtual_account_config=VirtualAccountConfig(reusable_status=False),
    ),
    virtual_acc_trx_type="C",
    expired_date=time.strftime("%Y-%m-%dT%H:%M:%S+07:00", time.gmtime(time.time() + 7 * 3600 + 86400)),
)
created = snap.create_va(create)
check("doku create va (27)", code(created) == "2002700", show(created))

update = UpdateVaRequest(
    partnerServiceId=psid,
    customerNo=customer_no,
    virtualAccountNo=va_no,
    virtualAccountName="Toru Yamashita Jr",
    trxId=trx_id,
    totalAmount=TotalAmount(value="13000.00", currency="IDR"),
    additionalInfo=UpdateVAAdditionalInfo(
        channel="VIRTUAL_ACCOUNT_BANK_CIMB", virtualAccountConfig=UpdateVAConfig(status="ACTIVE")
    ),
    virtualAccountTrxType="C",
    expiredDate=time.strftime("%Y-%m-%dT%H:%M:%S+07:00", time.gmtime(time.time() + 7 * 3600 + 86400)),
)
updated = snap.update_va(update)
check("doku update va (28)", code(updated) == "2002800", show(updated))

status = snap.check_status_va(
    CheckStatusRequest(partner_service_id=psid, customer_no=customer_no, virtual_acc_no=va_no)
)
check("doku va status (26)", code(status) == "2002600", show(status))

deleted = snap.delete_payment_code(
    DeleteVARequest(
        partner_service_id=psid,
        customer_no=customer_no,
        virtual_acc_no=va_no,
        trx_id=trx_id,
        additional_info=DeleteVAAdditionalInfo(channel="VIRTUAL_ACCOUNT_BANK_CIMB"),
    )
)
check("doku delete va (31)", code(deleted) == "2003100", show(deleted))

# DOKU's merchant side: the sandbox (as DOKU) asks the merchant for a token, then notifies it.
# The merchant checks the token request with the SDK's validate_signature (clientId|X-TIMESTAMP,
# SHA256withRSA, the provider's public key), issues the SDK's token, and checks the
# notification's bearer token with the SDK's validate_token_b2b.
import threading

from flask import Flask, jsonify, request
from doku_python_library.src.controller.token_controller import TokenController

sandbox_public_key = os.environ["SANDBOX_PUBLIC_KEY"]
seen = {}
app = Flask("doku-merchant")


@app.post("/api/v1.0/access-token/b2b")
def token_endpoint():
    ok = TokenController.validate_signature(client_id="SNAPSANDBOX", public_key=sandbox_public_key)
    seen["signature"] = ok
    token = snap.generate_token_b2b(is_signature_valid=ok)
    response = jsonify(token.body.json())
    response.headers["X-TIMESTAMP"] = token.header.timestamp
    response.headers["X-CLIENT-KEY"] = token.header.client_id
    return response


@app.post("/api/v1.0/transfer-va/payment")
def payment_endpoint():
    bearer = request.headers.get("Authorization", "").removeprefix("Bearer ")
    ok = snap.validate_token_b2b(request_token=bearer)
    seen["token"] = ok
    seen["body"] = request.get_json()
    if not ok:
        return jsonify({"responseCode": "4012501", "responseMessage": "Invalid Token (B2B)"}), 401
    return jsonify({"responseCode": "2002500", "responseMessage": "Successful", "virtualAccountData": {}})


port = int(os.environ["WEBHOOK_PORT"])
threading.Thread(target=lambda: app.run("127.0.0.1", port), daemon=True).start()
time.sleep(0.5)

customer_no2 = str(int(time.time() * 1000) + 7)[-10:]
create2 = CreateVARequest(
    partner_service_id=psid,
    customer_no=customer_no2,
    virtual_account_no=psid + customer_no2,
    virtual_acc_name="Toru Yamashita",
    trx_id=f"DK-VA-{customer_no2}",
    total_amount=TotalAmount(value="20000.00", currency="IDR"),
    additional_info=AdditionalInfo(
        channel="VIRTUAL_ACCOUNT_BANK_CIMB",
        virtual_account_config=VirtualAccountConfig(reusable_status=False),
    ),
    virtual_acc_trx_type="C",
    expired_date=time.strftime("%Y-%m-%dT%H:%M:%S+07:00", time.gmtime(time.time() + 7 * 3600 + 86400)),
)
created2 = snap.create_va(create2)
check("doku create a second va to pay", code(created2) == "2002700", show(created2))
pay = urllib.request.Request(
    f"{SANDBOX}/_sandbox/pay",
    data=json.dumps({"va": psid + customer_no2}).encode(),
    headers={"Content-Type": "application/json"},
    method="POST",
)
delivery = json.load(urllib.request.urlopen(pay))
wait = f"{SANDBOX}/_sandbox/deliveries/{delivery['deliveryId']}?wait_ms=15000"
delivery = json.load(urllib.request.urlopen(wait))
check(
    "doku merchant validate_signature of the sandbox's token request",
    seen.get("signature") is True,
    f"validate_signature gave {seen.get('signature')!r}",
)
check(
    "doku merchant validate_token_b2b of the notification",
    seen.get("token") is True,
    f"validate_token_b2b gave {seen.get('token')!r}",
)
check(
    "doku notification (25) delivered",
    delivery.get("state") == "delivered",
    json.dumps(delivery.get("attempts")),
)

sys.exit(1 if failed else 0)
