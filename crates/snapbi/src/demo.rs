//! `snapbi demo`: a sandbox and a receiver on loopback ports with the DEMO/TEST keys, driven by
//! snap-http's client through a whole integration: token, create VA, generate QRIS (drawn in the
//! terminal), both payments notified, verified and stored, status query, refund.
//!
//! Exit 0 when every step passed; otherwise 1, naming the step that failed.

use std::future::Future;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::Args;
use snap_crypto::{ClientSecret, Clock as _, SystemClock, TimestampStyle, format_timestamp};
use snap_http::{ClientConfig, ProviderProfile, SnapClient};
use snap_types::{
    Amount, BillDetail, CreateVaRequest, Money, QrMpmGenerateRequest, QrMpmQueryRequest,
    QrMpmQueryResponse, QrMpmRefundRequest,
};

use crate::receive::{self, ReceiverConfig};
use crate::sandbox::{
    self, DEMO_MERCHANT_CLIENT_ID, DEMO_SANDBOX_CLIENT_ID, DeliveryState, SandboxConfig,
};

/// `snapbi demo` options.
#[derive(Debug, Args)]
pub(crate) struct DemoArgs {
    /// Do not draw the QR code (print its payload only).
    #[arg(long)]
    no_render: bool,
}

/// How long a notification may take to arrive before the step fails.
const DELIVERY_WAIT: Duration = Duration::from_secs(15);

struct Steps {
    n: usize,
    total: usize,
}

impl Steps {
    async fn run<T, F>(&mut self, title: &str, step: F) -> Result<T, String>
    where
        F: Future<Output = Result<T, String>>,
    {
        self.n += 1;
        println!("\n[{}/{}] {title}", self.n, self.total);
        let started = Instant::now();
        match step.await {
            Ok(value) => {
                println!("      ok ({} ms)", started.elapsed().as_millis());
                Ok(value)
            }
            Err(e) => Err(format!(
                "step {}/{} ({title}) failed: {e}",
                self.n, self.total
            )),
        }
    }
}

/// Runs `snapbi demo`.
pub(crate) fn run(args: &DemoArgs) -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(2);
        }
    };
    let started = Instant::now();
    let dir = std::env::temp_dir().join(format!(
        "snap-demo-{}-{}",
        std::process::id(),
        SystemClock.now().unix_timestamp_nanos()
    ));
    let result = runtime.block_on(demo(args, &dir));
    let _ = std::fs::remove_dir_all(&dir);
    match result {
        Ok(()) => {
            println!(
                "\ndemo finished: every step passed in {} ms",
                started.elapsed().as_millis()
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("\ndemo FAILED: {e}");
            ExitCode::from(1)
        }
    }
}

fn text(e: impl std::fmt::Display) -> String {
    e.to_string()
}

/// The receiver's config, written as files the way a user would (keys, secret, TOML).
fn receiver_config(dir: &std::path::Path) -> Result<ReceiverConfig, String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let write = |name: &str, content: &str| {
        std::fs::write(dir.join(name), content)
            .map_err(|e| format!("{}: {e}", dir.join(name).display()))
    };
    write("sandbox.pub.pem", crate::sandbox::DEMO_PUBLIC_PEM)?;
    write("sandbox.secret", sandbox::demo_client_secret())?;
    write("token.key", sandbox::demo_token_key())?;
    let toml = format!(
        "listen = \"127.0.0.1:0\"\nprefix = \"/api\"\ndata_dir = \"data\"\ntoken_key_file = \"token.key\"\n\n\
         [[partners]]\nclient_id = \"{DEMO_SANDBOX_CLIENT_ID}\"\npublic_key_file = \"sandbox.pub.pem\"\n\
         client_secret_file = \"sandbox.secret\"\n"
    );
    write("receive.toml", &toml)?;
    ReceiverConfig::parse(&toml, dir).map_err(text)
}

fn merchant_client(sandbox: SocketAddr, profile: ProviderProfile) -> Result<SnapClient, String> {
    let config = ClientConfig::builder()
        .base_url(&format!("http://{sandbox}"))
        .client_id(DEMO_MERCHANT_CLIENT_ID.parse().map_err(text)?)
        .channel_id("95221".parse().map_err(text)?)
        .private_key(sandbox::demo_private_key()?)
        .client_secret(ClientSecret::new(sandbox::demo_client_secret()))
        .profile(profile)
        .build()
        .map_err(text)?
        .with_request_timeout(Duration::from_secs(10));
    SnapClient::new(config).map_err(text)
}

fn unique() -> String {
    let nanos = SystemClock.now().unix_timestamp_nanos();
    format!("{}", nanos % 1_000_000_000_000)
}

async fn demo(args: &DemoArgs, dir: &std::path::Path) -> Result<(), String> {
    println!(
        "snapbi demo: a local SNAP provider (snapbi sandbox) and a merchant receiver (snapbi receive)"
    );
    println!(
        "on loopback ports, with the DEMO/TEST keys (public test material, never for real use)."
    );
    let mut steps = Steps { n: 0, total: 10 };

    let (receiver, running) = steps
        .run(
            "start the merchant's receiver and the provider sandbox",
            async {
                let receiver = receive::spawn(receiver_config(dir)?, None).await?;
                let callback = format!("http://{}/api", receiver.addr());
                let config = SandboxConfig::demo("127.0.0.1:0".parse().map_err(text)?, &callback)?;
                let running = sandbox::start(config).await?;
                println!(
                    "      receiver  http://{}/api  (token, VA payment, QR notify, debit notify)",
                    receiver.addr()
                );
                println!(
                    "      sandbox   http://{}  (QoinHub and Finpay profiles)",
                    running.addr()
                );
                Ok((receiver, running))
            },
        )
        .await?;
    let result = flow(args, &mut steps, &receiver, &running).await;
    running.shutdown().await;
    receiver.shutdown().await;
    result
}

async fn flow(
    args: &DemoArgs,
    steps: &mut Steps,
    receiver: &receive::ReceiverHandle,
    running: &sandbox::Running,
) -> Result<(), String> {
    let qoinhub = merchant_client(running.addr(), ProviderProfile::qoinhub())?;
    let finpay = merchant_client(running.addr(), ProviderProfile::finpay())?;
    let sandbox = Arc::clone(running.sandbox());

    steps
        .run(
            "merchant gets a B2B access token from the provider (RSA auth signature)",
            async {
                for (name, client) in [("QoinHub", &qoinhub), ("Finpay", &finpay)] {
                    let reply = client
                        .fetch_token()
                        .await
                        .map_err(text)?
                        .into_success()
                        .map_err(text)?;
                    let token = client.access_token().await.map_err(text)?;
                    let shown: String = token.expose().chars().take(16).collect();
                    println!(
                        "      {name:<7} {} {}  accessToken {shown}…  {}",
                        reply.response_code(),
                        reply.response_message(),
                        client.config().profile().token_path()
                    );
                }
                Ok(())
            },
        )
        .await?;

    let now = SystemClock.now();
    let va = steps
        .run("create a virtual account (service 27, QoinHub)", async {
            let amount = Money::idr(Amount::new(15_000_000).ok_or("amount")?);
            let expires = format_timestamp(now + time::Duration::days(1), TimestampStyle::Wib)
                .parse()
                .map_err(text)?;
            let request = CreateVaRequest::new(format!("INV-VA-{}", unique()), amount, expires)
                .with_customer("Budi Utomo", "budi@example.com", "6281223323423")
                .with_bills(vec![BillDetail {
                    bill_code: Some("01".into()),
                    ..BillDetail::new("Order 42")
                }]);
            let response = qoinhub.create_va(&request).await.map_err(text)?;
            let va_no = response
                .virtual_account_data
                .and_then(|d| d.virtual_account_no)
                .ok_or("no virtualAccountNo in the answer")?;
            println!(
                "      {} {}  VA {:?} for {} IDR, trxId {}",
                response.response_code,
                response.response_message,
                va_no.as_str(),
                request.total_amount.value,
                request.trx_id
            );
            Ok(va_no.as_str().to_owned())
        })
        .await?;

    let partner_ref = format!("INV-QR-{}", unique());
    let qr_ref = steps
        .run("generate a dynamic QRIS (service 47, Finpay) and draw it", async {
            let request = QrMpmGenerateRequest {
                partner_reference_no: Some(partner_ref.clone()),
                amount: Some(Money::idr(Amount::new(2_500_000).ok_or("amount")?)),
                terminal_id: Some("DEMO01".into()),
                ..Default::default()
            };
            let response = finpay.generate_qr(&request).await.map_err(text)?;
            let content = response.qr_content.clone().ok_or("no qrContent")?;
            let reference = response.reference_no.clone().ok_or("no referenceNo")?;
            println!("      {} {}  referenceNo {reference}", response.response_code, response.response_message);
            let payload = snap_qris::parse(&content).map_err(text)?;
            payload.check_crc().map_err(text)?;
            let view = payload.view();
            println!(
                "      qrContent {content}\n      decoded: amount {}, merchant {:?}, reference (62.05) {:?}, CRC ok",
                view.amount_text.unwrap_or("?"),
                view.merchant_name.unwrap_or("?"),
                view.additional_data.as_ref().and_then(|a| a.reference_label).unwrap_or("?"),
            );
            if !args.no_render {
                let art = snap_qris::render_terminal(&content).map_err(text)?;
                println!("{art}");
            }
            Ok(reference)
        })
        .await?;

    steps
        .run(
            "the customer pays the VA; the provider notifies the merchant (service 25)",
            async {
                let paid = sandbox
                    .pay_va(&va, None)
                    .map_err(|e| format!("{} {}", e.code, e.message))?;
                arrived(&sandbox, receiver, paid.delivery_id, "25").await
            },
        )
        .await?;

    steps
        .run(
            "the customer pays the QRIS; the provider notifies the merchant (service 52)",
            async {
                let paid = sandbox
                    .pay_qr(&qr_ref)
                    .map_err(|e| format!("{} {}", e.code, e.message))?;
                arrived(&sandbox, receiver, paid.delivery_id, "52").await
            },
        )
        .await?;

    steps
        .run("query the QRIS payment status (service 51)", async {
            let (response, status) = qr_status(&finpay, &qr_ref).await?;
            println!(
                "      {} {}  transactionStatus {status}",
                response.response_code, response.response_message
            );
            if status != "PAID" {
                return Err(format!("expected PAID, got {status:?}"));
            }
            Ok(())
        })
        .await?;

    let refund_ref = format!("RFD-{}", unique());
    steps
        .run("refund the QRIS payment (service 78)", async {
            let response = finpay
                .refund_qr(&QrMpmRefundRequest {
                    partner_reference_no: Some(refund_ref.clone()),
                    original_reference_no: Some(qr_ref.clone()),
                    reason: Some("Customer request".into()),
                    ..Default::default()
                })
                .await
                .map_err(text)?;
            println!(
                "      {} {}  refund referenceNo {}",
                response.response_code,
                response.response_message,
                response.reference_no.unwrap_or_default()
            );
            Ok(())
        })
        .await?;

    steps
        .run(
            "refund again with the same partnerReferenceNo: refused",
            async {
                let err = finpay
                    .refund_qr(&QrMpmRefundRequest {
                        partner_reference_no: Some(refund_ref.clone()),
                        original_reference_no: Some(qr_ref.clone()),
                        ..Default::default()
                    })
                    .await
                    .err()
                    .ok_or("the duplicate refund was accepted")?;
                let code = err
                    .response_code()
                    .map(|c| c.to_string())
                    .unwrap_or_default();
                println!("      {err}");
                if code != "4097801" {
                    return Err(format!("expected 4097801, got {code:?}"));
                }
                let (_, status) = qr_status(&finpay, &qr_ref).await?;
                println!("      status now {status}");
                Ok(())
            },
        )
        .await?;

    steps
        .run("the merchant's journal holds both notifications", async {
            let list = receiver.journal().list().map_err(text)?;
            for (record, _) in &list {
                println!(
                    "      #{} service {} from {} X-EXTERNAL-ID {} at {}  {}",
                    record.id,
                    record.service,
                    record.partner,
                    record.external_id,
                    record.received_at,
                    record.summary
                );
            }
            if list.len() != 2 {
                return Err(format!(
                    "expected 2 stored notifications, found {}",
                    list.len()
                ));
            }
            Ok(())
        })
        .await?;
    Ok(())
}

/// Waits for a delivery to finish, prints its attempts, and finds it in the receiver's journal.
/// Queries a QRIS payment (service 51): the response and its transactionStatus as text.
async fn qr_status(
    client: &SnapClient,
    reference_no: &str,
) -> Result<(QrMpmQueryResponse, String), String> {
    let response = client
        .query_qr(&QrMpmQueryRequest {
            original_reference_no: Some(reference_no.to_owned()),
            ..Default::default()
        })
        .await
        .map_err(text)?;
    let status = response
        .transaction_status
        .as_ref()
        .map(ToString::to_string)
        .unwrap_or_default();
    Ok((response, status))
}

async fn arrived(
    sandbox: &sandbox::Sandbox,
    receiver: &receive::ReceiverHandle,
    delivery_id: u64,
    service: &str,
) -> Result<(), String> {
    let delivery = sandbox
        .notifier
        .wait(delivery_id, DELIVERY_WAIT)
        .await
        .ok_or("the delivery vanished from the log")?;
    println!(
        "      sandbox -> {} {} (X-EXTERNAL-ID {}): token from the merchant, HMAC-SHA512-signed POST",
        delivery.merchant, delivery.path, delivery.external_id
    );
    println!("      body {}", delivery.body);
    for a in &delivery.attempts {
        println!("      attempt {}: {} {}", a.attempt, a.action, a.detail);
    }
    if delivery.state != DeliveryState::Delivered {
        return Err(format!(
            "delivery {:?} after {} attempts",
            delivery.state,
            delivery.attempts.len()
        ));
    }
    let list = receiver.journal().list().map_err(text)?;
    let (record, _) = list
        .iter()
        .find(|(r, _)| r.external_id == delivery.external_id && r.service == service)
        .ok_or("the receiver acknowledged it but it is not in the journal")?;
    println!(
        "      receiver verified it and stored it as journal #{} (body sha256 {}…)",
        record.id,
        &record.body_sha256[..16.min(record.body_sha256.len())]
    );
    Ok(())
}
