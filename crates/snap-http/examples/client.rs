//! The merchant calling its provider with a plain tower stack: the token layer (fetch, cache,
//! refresh, one resend on `401xx01`) in front of the signing layer, over the HTTPS transport.
//! `SnapClient` is this stack plus typed operations; use the layers directly to add your own
//! (tracing, metrics, a rate limit).
//!
//! `cargo run -p snap-http --example client -- https://sandbox.example.com` sends one QRIS status
//! query with the fixtures' test keys and prints the answer.

use bytes::Bytes;
use snap_crypto::{ClientSecret, RsaPrivateKey};
use snap_http::{ClientConfig, HttpTransport, ProviderProfile, SigningLayer, TokenLayer};
use snap_types::{QrMpmQueryRequest, ServiceCode};
use tower::ServiceExt as _;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let base_url = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "http://127.0.0.1:8080".into());
    let config = ClientConfig::builder()
        .base_url(&base_url)
        .client_id("7fb118fb-2738-4886-9817-8a2c4de43001".parse()?)
        .channel_id("95221".parse()?)
        .private_key(RsaPrivateKey::from_file("fixtures/keys/rsa2048-pkcs8.pem")?)
        .client_secret(ClientSecret::new("client-secret"))
        .profile(ProviderProfile::finpay())
        .build()?;
    let transport = HttpTransport::new(&config)?;
    let service = tower::ServiceBuilder::new()
        .layer(TokenLayer::new(&config, transport.clone()))
        .layer(SigningLayer::new(&config))
        .service(transport);

    let query = QrMpmQueryRequest {
        original_reference_no: Some("weoOiX7RIjSBA31QGcUxrJLyaKFH0z5T".into()),
        ..Default::default()
    };
    let path = config
        .profile()
        .path(ServiceCode::QR_MPM_QUERY)
        .ok_or("the profile has no QRIS query path")?;
    let request =
        http::Request::post(config.url(&path)?).body(Bytes::from(serde_json::to_vec(&query)?))?;
    let response = service.oneshot(request).await?;
    println!(
        "HTTP {}: {}",
        response.status(),
        String::from_utf8_lossy(response.body())
    );
    Ok(())
}
