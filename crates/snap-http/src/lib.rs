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
    CallOptions, ClientConfig, ClientError, HttpTransport, ProviderProfile, SigningLayer,
    SigningService, SnapClient, SnapReply,
};
pub use error::{BoxError, Error};
#[cfg(feature = "server")]
pub use rejection::Rejection;
#[cfg(feature = "server")]
pub use response::Fields;
#[cfg(feature = "server")]
pub use server::{
    BoxFuture, Business, Claim, DEFAULT_TOKEN_LIFETIME_SECS, DuplicatePolicy, Handler,
    HandlerResult, InvalidToken, IssuedToken, JAKARTA, JwtTokenIssuer, MemoryReplayStore, Outcome,
    Partner, ReplayKey, ReplayStore, RequestContext, SignatureMode, SnapServer, SnapServerBuilder,
    StoreFuture, StoredResponse, TokenIssuer, VerifiedToken, jakarta_date, serve,
};
#[cfg(all(feature = "client", not(feature = "server")))]
pub use signature_mode::SignatureMode;
