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
    CallOptions, ClientConfig, ClientError, HttpTransport, ProviderProfile, SigningLayer,
    SigningService, SnapClient, SnapReply,
};
pub use error::{BoxError, Error};
pub use rejection::Rejection;
pub use response::Fields;
pub use server::{
    BoxFuture, Business, Claim, DEFAULT_TOKEN_LIFETIME_SECS, DuplicatePolicy, Fingerprint, Handler,
    HandlerResult, InvalidToken, IssuedToken, JAKARTA, JwtTokenIssuer, MemoryReplayStore, Outcome,
    Partner, ReceivedRequest, ReplayKey, ReplayStore, RequestContext, SignatureMode, SnapServer,
    SnapServerBuilder, StoredResponse, TokenIssuer, VerifiedToken, jakarta_date, serve,
};
