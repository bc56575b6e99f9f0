//! A merchant's axum 0.8 app: its own routes and state, with the SNAP endpoints (access token,
//! VA payment) mounted beside them. The SNAP handler gets the same state as the app's handlers.
//!
//! `cargo run -p snap-http --example axum_merchant` serves on 127.0.0.1:8080 until Ctrl-C.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::extract::{Path, State};
use axum::routing::get;
use snap_crypto::ClientSecret;
use snap_http::{
    BoxError, JwtTokenIssuer, Outcome, Partner, RequestContext, SnapServer, with_state,
};
use snap_types::{VaPaymentNotification, VirtualAccountData};

/// The app's own state: which orders are paid.
#[derive(Clone, Default)]
struct Shop {
    paid: Arc<Mutex<HashMap<String, String>>>,
}

/// The success body of a VA payment answer after `responseCode` and `responseMessage`.
#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct Paid {
    virtual_account_data: VirtualAccountData,
}

/// The provider says a VA was paid: remember it, answer with the typed SNAP body.
async fn on_va_payment(
    shop: Shop,
    ctx: RequestContext,
    va: VaPaymentNotification,
) -> Result<Outcome, BoxError> {
    let order = va.virtual_account_no.to_string();
    let amount = va.paid_amount.value.to_string();
    shop.paid
        .lock()
        .map_err(|_| "lock poisoned")?
        .insert(order, amount);
    tracing::info!(external_id = %ctx.external_id(), at = %ctx.received_at(), "VA paid");
    Ok(Outcome::success_with(Paid {
        virtual_account_data: VirtualAccountData {
            virtual_account_no: Some(va.virtual_account_no),
            trx_id: Some(va.trx_id),
            ..Default::default()
        },
    }))
}

/// One of the app's own routes, on the same state.
async fn order(State(shop): State<Shop>, Path(id): Path<String>) -> String {
    let paid = shop
        .paid
        .lock()
        .map(|p| p.get(&id).cloned())
        .unwrap_or_default();
    paid.map_or_else(
        || format!("order {id}: unpaid"),
        |amount| format!("order {id}: paid {amount}"),
    )
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let shop = Shop::default();
    let snap = SnapServer::builder()
        .prefix("/api")
        .partner(
            Partner::new("QoinSnap")?
                .with_public_key(snap_crypto::RsaPublicKey::from_file(
                    "fixtures/keys/rsa2048-public.pem",
                )?)
                .with_client_secret(ClientSecret::new("client-secret")),
        )
        .token_issuer(JwtTokenIssuer::new(b"shared by every instance, 32+ bytes")?)
        .mount_handler(with_state(shop.clone(), on_va_payment))
        .build()?;

    let mut app = axum::Router::new().route("/orders/{id}", get(order));
    // Each SNAP path once, as the server lists them: nothing to spell twice.
    for route in snap.routes() {
        app = app.route_service(route.path(), snap.clone());
    }
    let app = app.with_state(shop);

    let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await?;
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(())
}
