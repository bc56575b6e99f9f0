// Midtrans's Node client (midtrans-client, SnapBi) against `snapbi sandbox --profile midtrans`,
// as a merchant uses it; then its webhook verifier against a notification the sandbox sends.
// Prints one `PASS name` or `FAIL name: why` line per check. Run by `cargo xtask interop`.
'use strict';
const fs = require('fs');
const http = require('http');
const { SnapBi, SnapBiConfig } = require('midtrans-client');

const sandbox = process.env.SANDBOX;
const keys = process.env.KEY_DIR;
const webhookPort = Number(process.env.WEBHOOK_PORT);
let failed = 0;
function check(name, ok, why) {
  if (ok) {
    console.log(`PASS ${name}`);
  } else {
    failed += 1;
    console.log(`FAIL ${name}: ${why}`);
  }
}
const externalId = () => String(Date.now()) + String(Math.floor(Math.random() * 1e6)).padStart(6, '0');

// The client's base URL is fixed to Midtrans's hosts; point it at the sandbox.
SnapBiConfig.getBaseUrl = () => sandbox;
SnapBiConfig.snapBiClientId = 'DEMO-MERCHANT';
SnapBiConfig.snapBiPartnerId = 'DEMO-MERCHANT';
SnapBiConfig.snapBiChannelId = '95221';
SnapBiConfig.snapBiPrivateKey = fs.readFileSync(`${keys}/demo-private.pem`, 'utf8');
SnapBiConfig.snapBiClientSecret = fs.readFileSync(`${keys}/demo-client-secret.txt`, 'utf8').trim();

async function main() {
  const token = await SnapBi.va().getAccessToken();
  check('midtrans token b2b (grant_type body)', token.responseCode === '2007300' && token.accessToken, JSON.stringify(token));
  const accessToken = token.accessToken;

  const customerNo = String(Date.now()).slice(-10);
  const va = {
    partnerServiceId: '88899000',
    customerNo,
    virtualAccountNo: `88899000${customerNo}`,
    virtualAccountName: 'Jokul Doe',
    trxId: `MT-VA-${customerNo}`,
    totalAmount: { value: '10000.00', currency: 'IDR' },
    virtualAccountTrxType: 'C',
    expiredDate: new Date(Date.now() + 86400000).toISOString().replace(/\.\d+Z$/, '+00:00'),
    additionalInfo: { merchantId: 'SANDBOX0001', bankCode: '002' },
  };
  const created = await SnapBi.va().withAccessToken(accessToken).withBody(va).createPayment(externalId());
  check('midtrans va create (27)', created.responseCode === '2002700', JSON.stringify(created));

  const status = await SnapBi.va().withAccessToken(accessToken).withBody({
    partnerServiceId: va.partnerServiceId, customerNo, virtualAccountNo: va.virtualAccountNo,
    inquiryRequestId: 'none', additionalInfo: { merchantId: 'SANDBOX0001' },
  }).getStatus(externalId());
  check('midtrans va status (26)', status.responseCode === '2002600', JSON.stringify(status));

  const cancelled = await SnapBi.va().withAccessToken(accessToken).withBody({
    partnerServiceId: va.partnerServiceId, customerNo, virtualAccountNo: va.virtualAccountNo, trxId: va.trxId,
  }).cancel(externalId());
  check('midtrans va cancel (31, sent as POST)', cancelled.responseCode === '2003100', JSON.stringify(cancelled));

  const partnerReferenceNo = `MT-QR-${externalId()}`;
  const qr = await SnapBi.qris().withAccessToken(accessToken).withBody({
    partnerReferenceNo, amount: { value: '15000.00', currency: 'IDR' }, merchantId: 'SANDBOX0001',
    validityPeriod: new Date(Date.now() + 3600000).toISOString().replace(/\.\d+Z$/, '+00:00'),
    additionalInfo: { acquirer: 'gopay' },
  }).createPayment(externalId());
  check('midtrans qris generate (47)', qr.responseCode === '2004700' && qr.qrContent, JSON.stringify(qr));

  // The payer pays; the sandbox notifies the webhook below (asymmetric, sandbox key).
  const notification = new Promise((resolve) => {
    const server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c) => { body += c; });
      req.on('end', () => {
        res.setHeader('Content-Type', 'application/json');
        res.end(JSON.stringify({ responseCode: '2005200', responseMessage: 'Successful' }));
        server.close();
        resolve({ path: req.url, headers: req.headers, body });
      });
    });
    server.listen(webhookPort, '127.0.0.1');
  });
  const pay = await fetch(`${sandbox}/_sandbox/pay`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ qr: partnerReferenceNo }),
  });
  check('sandbox pays the qris', pay.status === 200, await pay.text());
  const got = await Promise.race([notification, new Promise((r) => setTimeout(() => r(null), 15000))]);
  if (!got) {
    check('midtrans webhook verifier (isWebhookNotificationVerified)', false, 'no notification within 15 s');
  } else {
    SnapBiConfig.snapBiPublicKey = process.env.SANDBOX_PUBLIC_KEY;
    const verified = SnapBi.notification()
      .withNotificationPayload(JSON.parse(got.body))
      .withSignature(got.headers['x-signature'])
      .withTimeStamp(got.headers['x-timestamp'])
      .withNotificationUrlPath(got.path)
      .isWebhookNotificationVerified();
    check('midtrans webhook verifier (isWebhookNotificationVerified)', verified, `path ${got.path}`);
    const tampered = SnapBi.notification()
      .withNotificationPayload({ ...JSON.parse(got.body), latestTransactionStatus: '06' })
      .withSignature(got.headers['x-signature'])
      .withTimeStamp(got.headers['x-timestamp'])
      .withNotificationUrlPath(got.path)
      .isWebhookNotificationVerified();
    check('midtrans webhook verifier refuses a changed body', !tampered, 'a changed body verified');
  }

  const query = await SnapBi.qris().withAccessToken(accessToken).withBody({
    originalPartnerReferenceNo: partnerReferenceNo, originalReferenceNo: qr.referenceNo, serviceCode: '47', merchantId: 'SANDBOX0001',
  }).getStatus(externalId());
  check('midtrans qris status (51)', query.responseCode === '2005100' && query.latestTransactionStatus === '00', JSON.stringify(query));

  const refund = await SnapBi.qris().withAccessToken(accessToken).withBody({
    merchantId: 'SANDBOX0001', originalPartnerReferenceNo: partnerReferenceNo, originalReferenceNo: qr.referenceNo,
    partnerRefundNo: `MT-RF-${externalId()}`, reason: 'interop', refundAmount: { value: '5000.00', currency: 'IDR' },
    additionalInfo: { foo: 'bar' },
  }).refund(externalId());
  check('midtrans qris refund (78)', refund.responseCode === '2007800' && refund.refundNo, JSON.stringify(refund));
}

main().then(() => process.exit(failed ? 1 : 0), (e) => { console.log(`FAIL midtrans script: ${e.stack}`); process.exit(1); });
