//! SNAP verification in front of an axum handler of your own, for an endpoint snap-http does not
//! model (here the VA status inquiry, service 26): signature, token, timestamp window and body
//! limit are checked before the handler runs, which gets the verified facts as an extension.
//!
//! `cargo run -p snap-http --example verify_own_handler` serves on 127.0.0.1:8080 until Ctrl-C.

use axum::routing::post;
use axum::{Extension, Json};
use snap_crypto::ClientSecret;
use snap_http::{JwtTokenIssuer, Partner, SnapServer, Verified};
use snap_types::ServiceCode;

async fn va_status(Extension(v): Extension<Verified>, body: String) -> Json<serde_json::Value> {
    tracing::info!(partner = %v.received().partner_id(), bytes = body.len(), "verified status inquiry");
    Json(serde_json::json!({"responseCode": "2002600", "responseMessage": "Successful"}))
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let partner = Partner::new("QoinSnap")?.with_client_secret(ClientSecret::new("client-secret"));
    let tokens = JwtTokenIssuer::new(b"shared by every instance, 32+ bytes")?;
    // The server issues the tokens (its access-token route); its layer verifies your endpoint.
    let snap = SnapServer::builder()
        .partner(partner)
        .token_issuer(tokens)
        .build()?;
    let app = axum::Router::new()
        .route("/v1.0/transfer-va/status", post(va_status))
        .route_layer(snap.verify_layer(ServiceCode::TRANSFER_VA_STATUS))
        .route_service("/v1.0/access-token/b2b", snap.access_token_service());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await?;
    axum::serve(listener, app).await?;
    Ok(())
}
