#![doc = include_str!("../README.md")]

mod client;
mod error;
pub mod headers;
mod rejection;
mod response;
mod server;
#[cfg(feature = "testing")]
pub mod testing;

pub use client::{
    CallOptions, ClientConfig, ClientConfigBuilder, ClientError, HttpTransport, ProviderProfile,
    SigningLayer, SigningService, SnapClient, SnapReply, TokenLayer, TokenService,
};
pub use error::{BoxError, ConfigError, ConfigErrorKind, ConfigField, Error};
pub use rejection::Rejection;
pub use response::Fields;
pub use server::{
    AccessTokenService, BoxFuture, Claim, DEFAULT_TOKEN_LIFETIME_SECS, DuplicatePolicy,
    Fingerprint, Handler, HandlerResult, Idempotency, IdempotencyLayer, InvalidToken, IssuedToken,
    JwtTokenIssuer, MemoryReplayStore, Outcome, Partner, ReceivedRequest, ReplayKey, ReplayStore,
    RequestContext, RouteInfo, SignatureMode, SnapServer, SnapServerBuilder, StoredResponse,
    TokenIssuer, Verified, VerifiedToken, Verify, VerifyLayer, WithState, serve, with_state,
};

/// The request_headers fuzz target's entry point (`fuzz/`); built only by `cargo fuzz`, which sets
/// `cfg(fuzzing)`: the header helpers it checks are private to the crate.
#[cfg(fuzzing)]
#[doc(hidden)]
pub fn fuzz_request_headers(data: &[u8]) -> bool {
    server::request_headers_fuzz_check(data)
}
