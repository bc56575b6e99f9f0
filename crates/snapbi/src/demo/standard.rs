//! `snapbi demo --profile standard`: the ASPI standard's whole flow between a merchant and
//! `snapbi sandbox --profile standard`, both on loopback with the DEMO/TEST keys.
//!
//! The merchant here is a few lines of snap-http's server, as an integrator would write it: it
//! issues the sandbox a B2B token, answers the VA inquiry (24) as biller, and takes the VA
//! payment (25) and QR payment (52) notifications, each verified before its handler runs.

use std::sync::{Arc, Mutex};

use serde_json::json;
use snap_crypto::{ClientSecret, TimestampStyle, format_timestamp};
use snap_http::{
    Fields, JwtTokenIssuer, Outcome, Partner, ProviderProfile, RequestContext, SnapServer,
};
use snap_types::{
    Amount, AnyVaPayment, Money, StandardCreateVaRequest, StandardQrGenerateRequest,
    StandardQrNotification, StandardQrQueryRequest, StandardQrRefundRequest,
    StandardVaInquiryRequest, StandardVaStatusRequest,
};
use tokio::net::TcpListener;
use tokio::sync::oneshot;

use super::{DELIVERY_WAIT, Steps, merchant_client, text, unique};
use crate::sandbox::{
    self, DEMO_SANDBOX_CLIENT_ID, DeliveryState, Notifications, ProfileKind, Profiles,
    SandboxConfig,
};

/// What the demo merchant received: `(service, X-EXTERNAL-ID, summary)`.
type Inbox = Arc<Mutex<Vec<(String, String, String)>>>;

/// The bill the merchant, as biller, answers for any VA inquiry.
const BILL: (&str, u64) = ("Listrik Budi", 5_000_000);

fn record(inbox: &Inbox, service: &str, ctx: &RequestContext, summary: String) {
    inbox
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .push((service.into(), ctx.external_id().as_str().into(), summary));
}

/// The merchant: token, inquiry (24), payment (25), QR notify (52) under `/api/v1.0/...`.
async fn merchant(inbox: Inbox) -> Result<(std::net::SocketAddr, oneshot::Sender<()>), String> {
    let partner = Partner::new(DEMO_SANDBOX_CLIENT_ID)
        .map_err(text)?
        .with_public_key(sandbox::demo_private_key()?.public_key())
        .with_client_secret(ClientSecret::new(sandbox::demo_client_secret()));
    let (i25, i52) = (Arc::clone(&inbox), Arc::clone(&inbox));
    let server = SnapServer::builder()
        .prefix("/api")
        .token_issuer(JwtTokenIssuer::new(sandbox::demo_token_key().as_bytes()).map_err(text)?)
        .partner(partner)
        .mount::<StandardVaInquiryRequest, _, _, snap_http::BoxError>(|_ctx, q| async move {
            let data = json!({
                "inquiryStatus": "00",
                "inquiryReason": {"english": "Success", "indonesia": "Sukses"},
                "partnerServiceId": q.partner_service_id,
                "customerNo": q.customer_no,
                "virtualAccountNo": q.virtual_account_no,
                "virtualAccountName": BILL.0,
                "inquiryRequestId": q.inquiry_request_id,
                "totalAmount": Money::idr(Amount::new(BILL.1).ok_or("bill")?),
                "virtualAccountTrxType": "C",
            });
            Ok(Outcome::success_with(
                Fields::new().with("virtualAccountData", &data)?,
            ))
        })
        .mount::<AnyVaPayment, _, _, snap_http::BoxError>(move |ctx, n| {
            let inbox = Arc::clone(&i25);
            async move {
                let summary = format!(
                    "VA {:?} paid {} (trxId {:?})",
                    n.virtual_account_no().as_str(),
                    n.paid_amount().value,
                    n.trx_id().unwrap_or("-")
                );
                record(&inbox, "25", &ctx, summary);
                let data = json!({
                    "virtualAccountNo": n.virtual_account_no(),
                    "paymentFlagStatus": "00",
                });
                Ok(Outcome::success_with(
                    Fields::new().with("virtualAccountData", &data)?,
                ))
            }
        })
        .mount::<StandardQrNotification, _, _, snap_http::BoxError>(move |ctx, n| {
            let inbox = Arc::clone(&i52);
            async move {
                let summary = format!(
                    "QR {} status {}",
                    n.original_reference_no, n.latest_transaction_status
                );
                record(&inbox, "52", &ctx, summary);
                Ok(Outcome::success())
            }
        })
        .build()
        .map_err(text)?;
    let listener = TcpListener::bind("127.0.0.1:0").await.map_err(text)?;
    let addr = listener.local_addr().map_err(text)?;
    let (stop, stopped) = oneshot::channel::<()>();
    tokio::spawn(snap_http::serve(listener, server, async move {
        let _ = stopped.await;
    }));
    Ok((addr, stop))
}

/// Waits for a delivery and checks the merchant recorded it.
async fn delivered(
    sandbox: &sandbox::Sandbox,
    inbox: &Inbox,
    delivery_id: u64,
) -> Result<(), String> {
    let delivery = sandbox
        .notifier
        .wait(delivery_id, DELIVERY_WAIT)
        .await
        .ok_or("the delivery vanished from the log")?;
    println!(
        "      sandbox -> {} (X-EXTERNAL-ID {})\n      body {}",
        delivery.path, delivery.external_id, delivery.body
    );
    for a in &delivery.attempts {
        println!("      attempt {}: {} {}", a.attempt, a.action, a.detail);
    }
    if delivery.state != DeliveryState::Delivered {
        return Err(format!("delivery {:?}", delivery.state));
    }
    let found = inbox
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .iter()
        .find(|(_, id, _)| *id == delivery.external_id)
        .map(|(service, _, summary)| format!("service {service}: {summary}"))
        .ok_or("the merchant acknowledged it but did not record it")?;
    println!("      merchant verified and recorded {found}");
    Ok(())
}

/// Runs the standard flow.
pub(super) async fn demo() -> Result<(), String> {
    println!(
        "snapbi demo --profile standard: the ASPI standard's flow between a merchant (snap-http)"
    );
    println!(
        "and `snapbi sandbox --profile standard`, with the DEMO/TEST keys (never for real use)."
    );
    let mut steps = Steps { n: 0, total: 10 };
    let inbox: Inbox = Arc::default();
    let (merchant_addr, stop, running) = steps
        .run("start the merchant and the sandbox (standard profile)", async {
            let (addr, stop) = merchant(Arc::clone(&inbox)).await?;
            let config = SandboxConfig::demo(
                "127.0.0.1:0".parse().map_err(text)?,
                &format!("http://{addr}/api"),
                Profiles::of(&[ProfileKind::Standard]),
                Notifications::Symmetric,
                true,
            )?;
            let running = sandbox::start(config).await?;
            println!("      merchant  http://{addr}/api  (token, VA inquiry 24, VA payment 25, QR notify 52)");
            println!("      sandbox   http://{}  (/v1.0/...)", running.addr());
            Ok((addr, stop, running))
        })
        .await?;
    let result = flow(&mut steps, &running, &inbox).await;
    running.shutdown().await;
    let _ = stop.send(());
    let _ = merchant_addr;
    result
}

async fn flow(steps: &mut Steps, running: &sandbox::Running, inbox: &Inbox) -> Result<(), String> {
    let client = merchant_client(running.addr(), ProviderProfile::standard())?;
    let sandbox = Arc::clone(running.sandbox());
    steps
        .run("merchant gets a B2B access token (service 73)", async {
            let reply = client
                .fetch_token()
                .await
                .map_err(text)?
                .into_success()
                .map_err(text)?;
            println!(
                "      {} {}  POST /v1.0/access-token/b2b",
                reply.response_code(),
                reply.response_message()
            );
            Ok(())
        })
        .await?;
    let now = snap_crypto::Clock::now(&snap_crypto::SystemClock);
    let va = steps
        .run("create a virtual account (service 27)", async {
            let request = StandardCreateVaRequest {
                virtual_account_name: "Budi Utomo".into(),
                trx_id: format!("INV-VA-{}", unique()),
                total_amount: Some(Money::idr(Amount::new(15_000_000).ok_or("amount")?)),
                virtual_account_trx_type: Some("C".into()),
                expired_date: Some(format_timestamp(
                    now + time::Duration::days(1),
                    TimestampStyle::Wib,
                )),
                ..Default::default()
            };
            let response = client.call(&request).await.map_err(text)?;
            let data = response
                .virtual_account_data
                .ok_or("no virtualAccountData")?;
            let number = data.virtual_account_no.ok_or("no virtualAccountNo")?;
            println!(
                "      {} {}  VA {number:?} trxId {}",
                response.response_code, response.response_message, request.trx_id
            );
            Ok(number)
        })
        .await?;
    steps
        .run(
            "the customer pays the VA; the provider notifies the merchant (service 25)",
            async {
                let paid = sandbox
                    .pay_va_any(&va, None)
                    .await
                    .map_err(|e| format!("{} {}", e.code, e.message))?;
                delivered(&sandbox, inbox, paid.delivery_id).await
            },
        )
        .await?;
    steps
        .run(
            "the merchant asks for the VA's status (service 26)",
            async {
                let (psid, customer) = va.split_at(8);
                let request: StandardVaStatusRequest = serde_json::from_value(json!({
                    "partnerServiceId": psid, "customerNo": customer, "virtualAccountNo": va,
                }))
                .map_err(text)?;
                let response = client.call(&request).await.map_err(text)?;
                let flag = response
                    .virtual_account_data
                    .and_then(|d| d.payment_flag_status)
                    .unwrap_or_default();
                println!(
                    "      {} {}  paymentFlagStatus {flag}",
                    response.response_code, response.response_message
                );
                if flag != "00" {
                    return Err(format!("expected paymentFlagStatus 00, got {flag:?}"));
                }
                Ok(())
            },
        )
        .await?;
    steps
        .run(
            "a customer pays the merchant's own VA: inquiry (24) to the biller, then payment (25)",
            async {
                let number = format!("88899000{}", unique());
                let paid = sandbox
                    .pay_va_any(&number, None)
                    .await
                    .map_err(|e| format!("{} {}", e.code, e.message))?;
                println!(
                    "      the merchant answered the inquiry: {:?}, {} IDR",
                    BILL.0, paid.amount
                );
                delivered(&sandbox, inbox, paid.delivery_id).await
            },
        )
        .await?;
    let partner_ref = format!("INV-QR-{}", unique());
    let qr_ref = steps
        .run("generate a dynamic QRIS (service 47)", async {
            let request = StandardQrGenerateRequest {
                partner_reference_no: Some(partner_ref.clone()),
                amount: Some(Money::idr(Amount::new(2_500_000).ok_or("amount")?)),
                merchant_id: Some("SANDBOX0001".into()),
                ..Default::default()
            };
            let response = client.call(&request).await.map_err(text)?;
            if !response.has_qr() {
                return Err("no qrContent, qrUrl or qrImage".into());
            }
            let reference = response.reference_no.clone().ok_or("no referenceNo")?;
            let content = response.qr_content.unwrap_or_default();
            snap_qris::parse(&content)
                .map_err(text)?
                .check_crc()
                .map_err(text)?;
            println!(
                "      {} {}  referenceNo {reference}\n      qrContent {content} (CRC ok)",
                response.response_code, response.response_message
            );
            Ok(reference)
        })
        .await?;
    steps
        .run(
            "the customer pays the QRIS; the provider notifies the merchant (service 52)",
            async {
                let paid = sandbox
                    .pay_qr(&qr_ref)
                    .map_err(|e| format!("{} {}", e.code, e.message))?;
                delivered(&sandbox, inbox, paid.delivery_id).await
            },
        )
        .await?;
    steps
        .run("query the QRIS payment (service 51)", async {
            let response = client
                .call(&StandardQrQueryRequest {
                    original_partner_reference_no: Some(partner_ref.clone()),
                    service_code: "47".into(),
                    ..Default::default()
                })
                .await
                .map_err(text)?;
            let status = response
                .latest_transaction_status
                .map(|s| s.to_string())
                .unwrap_or_default();
            println!(
                "      {} {}  latestTransactionStatus {status}",
                response.response_code, response.response_message
            );
            if status != "00" {
                return Err(format!("expected 00, got {status:?}"));
            }
            Ok(())
        })
        .await?;
    steps
        .run(
            "refund the QRIS payment (service 78, partnerRefundNo)",
            async {
                let response = client
                    .call(&StandardQrRefundRequest {
                        merchant_id: None,
                        original_partner_reference_no: partner_ref.clone(),
                        original_reference_no: Some(qr_ref.clone()),
                        partner_refund_no: format!("RF-{}", unique()),
                        refund_amount: None,
                        reason: Some("Customer request".into()),
                        additional_info: None,
                        extra: Default::default(),
                    })
                    .await
                    .map_err(text)?;
                println!(
                    "      {} {}  refundNo {} refundTime {}",
                    response.response_code,
                    response.response_message,
                    response.refund_no.unwrap_or_default(),
                    response.refund_time.unwrap_or_default()
                );
                Ok(())
            },
        )
        .await?;
    Ok(())
}
