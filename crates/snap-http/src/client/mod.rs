//! The merchant side calling a provider: configuration, provider profiles, the signing layer,
//! the transport, the token manager and [`SnapClient`].

mod config;
mod error;
mod profile;
mod sign;
mod snap_client;
mod token;
mod transport;

pub use config::{ClientConfig, ClientConfigBuilder};
pub use error::ClientError;
pub use profile::ProviderProfile;
pub use sign::{SigningLayer, SigningService};
pub use snap_client::{CallOptions, SnapClient, SnapReply};
pub use token::{TokenLayer, TokenService};
pub use transport::HttpTransport;
