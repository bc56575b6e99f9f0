//! Heap allocations per verified notification (`cargo xtask bench http` prints it after the
//! load figures): `SnapServer::handle` on a VA payment notification (token check, signature,
//! DTO, replay claim, handler, stored answer), counted with dhat's allocator. hyper's own
//! allocations are not included (they are the same on the bare side of the load benchmark).
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::cast_precision_loss)]

use std::convert::Infallible;

use http_body_util::BodyExt as _;
use snap_crypto::{
    ClientSecret, RsaPrivateKey, RsaPublicKey, SystemClock, TimestampStyle, timestamp_now,
};
use snap_http::testing::TestPartner;
use snap_http::{JwtTokenIssuer, Outcome, Partner, SnapServer};

#[global_allocator]
static ALLOCATOR: dhat::Alloc = dhat::Alloc;

const SECRET: &str = "bench-client-secret";
const TOKEN_KEY: &[u8] = b"bench token key of at least 32 bytes";
const VA_PATH: &str = "/api/v1.0/transfer-va/payment";
const TOKEN_PATH: &str = "/api/v1.0/access-token/b2b";
const REQUESTS: u64 = 2_000;

fn fixture(path: &str) -> Vec<u8> {
    let full = format!("{}/../../fixtures/{path}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&full).unwrap_or_else(|e| panic!("{full}: {e}"))
}

fn main() {
    // `cargo bench` passes `--bench`; a filter other than this bench's name skips it.
    if std::env::args()
        .skip(1)
        .any(|a| !a.starts_with('-') && !"allocations".contains(a.as_str()))
    {
        return;
    }
    let _profiler = dhat::Profiler::builder().testing().build();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let public = RsaPublicKey::parse(&fixture("keys/rsa2048-public.pem")).expect("public key");
        let server = SnapServer::builder()
            .prefix("/api")
            .partner(
                Partner::new("QoinSnap")
                    .expect("partner")
                    .with_public_key(public)
                    .with_client_secret(ClientSecret::new(SECRET)),
            )
            .token_issuer(JwtTokenIssuer::new(TOKEN_KEY).expect("token key"))
            .va_payment(|_ctx, _va| async { Ok::<_, Infallible>(Outcome::success()) })
            .build()
            .expect("server");
        let pjp = TestPartner::new("QoinSnap")
            .with_private_key(RsaPrivateKey::parse(&fixture("keys/rsa2048-pkcs8.pem")).expect("key"))
            .with_client_secret(ClientSecret::new(SECRET));
        let ts = timestamp_now(&SystemClock, TimestampStyle::Wib);
        let token_request = pjp.token_request(TOKEN_PATH, &ts).expect("t").into_request().expect("r");
        let body = server.handle(token_request).await.into_body().collect().await.expect("b");
        let json: serde_json::Value = serde_json::from_slice(&body.to_bytes()).expect("json");
        let token = json["accessToken"].as_str().expect("token").to_owned();
        let body = fixture("examples/000-qoinhub-va-payment-request.json");
        let template = pjp.notification(VA_PATH, Some(&token), body, &ts, "0").expect("sign");
        let requests: Vec<_> = (0..=REQUESTS)
            .map(|i| {
                let mut r = template.clone();
                r.set(snap_http::headers::X_EXTERNAL_ID, &i.to_string()).expect("id");
                r.into_request().expect("req")
            })
            .collect();
        let mut requests = requests.into_iter();
        // One first request outside the count (lazy statics, the store's first entry).
        let first = requests.next().expect("first");
        assert_eq!(server.handle(first).await.status(), 200);
        let before = dhat::HeapStats::get();
        for request in requests {
            let response = server.handle(request).await;
            assert_eq!(response.status(), 200);
            drop(response);
        }
        let after = dhat::HeapStats::get();
        let blocks = (after.total_blocks - before.total_blocks) as f64 / REQUESTS as f64;
        let bytes = (after.total_bytes - before.total_bytes) as f64 / REQUESTS as f64;
        println!(
            "allocations per verified notification (SnapServer::handle, in-process): {blocks:.1} ({bytes:.0} bytes)"
        );
    });
}
