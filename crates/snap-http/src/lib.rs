#![doc = include_str!("../README.md")]
#![cfg_attr(docsrs, feature(doc_cfg))]

#[cfg(feature = "client")]
mod client;
mod error;
pub mod headers;
#[cfg(feature = "server")]
mod rejection;
#[cfg(feature = "server")]
mod response;
#[cfg(feature = "server")]
mod server;
#[cfg(any(feature = "server", feature = "client"))]
mod signature_mode;
#[cfg(feature = "testing")]
pub mod testing;

#[cfg(feature = "client")]
pub use client::{
    CallOptions, ClientConfig, ClientConfigBuilder, ClientError, HttpTransport, ProviderProfile,
    SigningLayer, SigningService, SnapClient, SnapReply, TokenLayer, TokenService,
};
pub use error::{BoxError, ConfigError, ConfigErrorKind, ConfigField, Error};
#[cfg(feature = "server")]
pub use rejection::Rejection;
#[cfg(feature = "server")]
pub use response::Fields;
#[cfg(feature = "server")]
pub use server::{
    AccessTokenService, BoxFuture, Claim, DEFAULT_TOKEN_LIFETIME_SECS, DuplicatePolicy,
    Fingerprint, Handler, HandlerResult, Idempotency, IdempotencyLayer, InvalidToken, IssuedToken,
    JwtTokenIssuer, MemoryReplayStore, Outcome, Partner, ReceivedRequest, ReplayKey, ReplayStore,
    RequestContext, RouteInfo, SignatureMode, SnapServer, SnapServerBuilder, StoredResponse,
    TokenIssuer, Verified, VerifiedToken, Verify, VerifyLayer, WithState, serve, with_state,
};
#[cfg(all(feature = "client", not(feature = "server")))]
pub use signature_mode::SignatureMode;

/// The request_headers fuzz target's entry point (`fuzz/`); built only by `cargo fuzz`, which sets
/// `cfg(fuzzing)`: the header helpers it checks are private to the crate.
#[cfg(all(fuzzing, feature = "server"))]
#[doc(hidden)]
pub fn fuzz_request_headers(data: &[u8]) -> bool {
    server::request_headers_fuzz_check(data)
}
