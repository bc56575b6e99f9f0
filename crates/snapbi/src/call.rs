//! `snapbi call PROFILE OPERATION --config FILE [--body FILE]`: one signed request to a provider, for
//! trying it by hand. Prints the provider's answer exactly as received.
//!
//! The configuration is TOML; secrets come from files or environment variables it names, never
//! from its text. Relative paths are relative to the configuration file.
//!
//! ```toml
//! base_url = "https://sandbox.example.com"   # the provider; http:// only for local servers
//! client_id = "7fb118fb-2738-4886-9817-8a2c4de43001"  # X-CLIENT-KEY and X-PARTNER-ID
//! private_key_file = "merchant.pem"          # or private_key_env = "SNAP_PRIVATE_KEY"
//! client_secret_file = "client.secret"       # or client_secret_env = "SNAP_CLIENT_SECRET"
//! channel_id = "95221"
//! origin = "www.example.com"                 # optional ORIGIN header
//! partner_id = "..."                         # optional X-PARTNER-ID if it differs from client_id
//! connect_timeout_secs = 10                  # optional
//! request_timeout_secs = 30                  # optional
//! ```
//!
//! Exit codes: 0 a 2xx `responseCode`, 1 a provider rejection (code and message on stderr) or no
//! usable answer (transport error, timeout, malformed answer, invalid QRIS), 2 usage and
//! configuration errors.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use bytes::Bytes;
use clap::{Args, ValueEnum};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use snap_crypto::{ClientSecret, RsaPrivateKey};
use snap_http::{CallOptions, ClientConfig, ClientError, ProviderProfile, SnapClient, SnapReply};
use snap_types::{
    CreateVaRequest, ExternalId, QrMpmGenerateRequest, QrMpmGenerateResponse, QrMpmQueryRequest,
    QrMpmRefundRequest, ServiceCode,
};

use crate::config_file::{ConfigError, problem, secret, toml_problem};

/// Arguments of `snapbi call`.
#[derive(Debug, Args)]
pub(crate) struct CallArgs {
    /// The provider profile (its paths, token endpoint and signing rules).
    profile: Profile,
    /// What to send.
    operation: Operation,
    /// The TOML configuration (base_url, client_id, key and secret files, channel_id, ...).
    #[arg(long, value_name = "FILE")]
    config: PathBuf,
    /// The JSON request body, sent byte for byte (`-` for stdin). Required except for `token`.
    #[arg(long, value_name = "FILE")]
    body: Option<PathBuf>,
    /// Send this X-EXTERNAL-ID instead of a generated one.
    #[arg(long, value_name = "ID")]
    external_id: Option<String>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Profile {
    /// QoinHub: /ordersnap/api/v1.0/...
    Qoinhub,
    /// Finpay: /snap/oauth/v1.0/access-token/b2b, /pg/payment/card/v1.0/qr/...
    Finpay,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Operation {
    /// Access token B2B (73).
    Token,
    /// Create virtual account (27).
    CreateVa,
    /// Generate a QRIS (47); the answer's qrContent is CRC-checked.
    GenerateQr,
    /// Query a QRIS payment (51).
    QueryQr,
    /// Refund a QRIS payment (78).
    RefundQr,
}

/// A problem before anything is sent: exit 2.
#[derive(Debug)]
struct Usage(String);

fn usage(message: impl Into<String>) -> Usage {
    Usage(message.into())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    base_url: String,
    client_id: String,
    channel_id: String,
    origin: Option<String>,
    partner_id: Option<String>,
    private_key_file: Option<PathBuf>,
    private_key_env: Option<String>,
    private_key: Option<toml::Value>,
    client_secret_file: Option<PathBuf>,
    client_secret_env: Option<String>,
    client_secret: Option<toml::Value>,
    connect_timeout_secs: Option<u64>,
    request_timeout_secs: Option<u64>,
}

/// Runs `snapbi call`.
pub(crate) fn run(args: &CallArgs) -> ExitCode {
    let prepared = match prepare(args) {
        Ok(prepared) => prepared,
        Err(Usage(message)) => {
            eprintln!("snapbi call: {message}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("snapbi call: cannot start the async runtime: {e}");
            return ExitCode::from(2);
        }
    };
    match runtime.block_on(send(args, prepared)) {
        Ok(reply) => report(args.operation, &reply),
        Err(ClientError::Config(message)) => {
            eprintln!("snapbi call: {message}");
            ExitCode::from(2)
        }
        Err(ClientError::Rejected {
            code,
            message,
            http_status,
        }) => {
            eprintln!("rejected: {code} {message} (HTTP {http_status})");
            ExitCode::from(1)
        }
        Err(e) => {
            eprintln!("snapbi call: {e}");
            ExitCode::from(1)
        }
    }
}

struct Prepared {
    client: SnapClient,
    body: Option<Bytes>,
    options: CallOptions,
}

fn prepare(args: &CallArgs) -> Result<Prepared, Usage> {
    let body = match (args.operation, &args.body) {
        (Operation::Token, Some(_)) => return Err(usage("token takes no --body")),
        (Operation::Token, None) => None,
        (_, None) => return Err(usage("--body FILE is required for this operation")),
        (op, Some(path)) => {
            let bytes = read_body(path)?;
            check_body(op, &bytes)?;
            Some(Bytes::from(bytes))
        }
    };
    let mut options = CallOptions::new();
    if let Some(id) = &args.external_id {
        let id: ExternalId = id
            .parse()
            .map_err(|e| usage(format!("--external-id: {e}")))?;
        options = options.with_external_id(id);
    }
    let profile = match args.profile {
        Profile::Qoinhub => ProviderProfile::qoinhub(),
        Profile::Finpay => ProviderProfile::finpay(),
    };
    let config = load_config(&args.config, profile)?;
    let client = SnapClient::new(config).map_err(|e| usage(e.to_string()))?;
    Ok(Prepared {
        client,
        body,
        options,
    })
}

fn read_body(path: &Path) -> Result<Vec<u8>, Usage> {
    if path.as_os_str() == "-" {
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut std::io::stdin(), &mut bytes)
            .map_err(|e| usage(format!("cannot read the body from stdin: {e}")))?;
        return Ok(bytes);
    }
    std::fs::read(path).map_err(|e| usage(format!("cannot read {}: {e}", path.display())))
}

/// The body must have the operation's shape (types, mandatory fields); it is still sent as written.
fn check_body(operation: Operation, body: &[u8]) -> Result<(), Usage> {
    fn shape<T: DeserializeOwned>(body: &[u8]) -> Result<(), Usage> {
        snap_types::parse_body::<T>(body)
            .map(drop)
            .map_err(|e| usage(format!("--body: {e}")))
    }
    match operation {
        Operation::Token => Ok(()),
        Operation::CreateVa => shape::<CreateVaRequest>(body),
        Operation::GenerateQr => shape::<QrMpmGenerateRequest>(body),
        Operation::QueryQr => shape::<QrMpmQueryRequest>(body),
        Operation::RefundQr => shape::<QrMpmRefundRequest>(body),
    }
}

fn load_config(path: &Path, profile: ProviderProfile) -> Result<ClientConfig, Usage> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| usage(format!("cannot read {}: {e}", path.display())))?;
    let base = path.parent().unwrap_or_else(|| Path::new("."));
    parse_config(&text, base, profile).map_err(|e| usage(format!("{}: {e}", path.display())))
}

/// Validates config text for `profile`; `base` resolves relative paths. Every problem names its
/// key (or the TOML line).
pub(crate) fn parse_config(
    text: &str,
    base: &Path,
    profile: ProviderProfile,
) -> Result<ClientConfig, ConfigError> {
    let raw: RawConfig = toml::from_str(text).map_err(|e| toml_problem(text, &e))?;
    let key = secret(
        base,
        "private_key",
        raw.private_key_file,
        raw.private_key_env,
        raw.private_key.is_some(),
    )?
    .ok_or_else(|| problem("private_key_file", "missing (or private_key_env)"))?;
    let key = RsaPrivateKey::parse(&key).map_err(|e| problem("private_key", e.to_string()))?;
    let client_secret = secret(
        base,
        "client_secret",
        raw.client_secret_file,
        raw.client_secret_env,
        raw.client_secret.is_some(),
    )?;
    let client_id = raw
        .client_id
        .parse()
        .map_err(|e: snap_types::Error| problem("client_id", e.to_string()))?;
    let channel_id = raw
        .channel_id
        .parse()
        .map_err(|e: snap_types::Error| problem("channel_id", e.to_string()))?;
    let mut builder = ClientConfig::builder()
        .base_url(&raw.base_url)
        .client_id(client_id)
        .channel_id(channel_id)
        .private_key(key)
        .profile(profile);
    if let Some(secret) = client_secret {
        builder = builder.client_secret(ClientSecret::from_bytes(&secret));
    }
    // Every other setting is given above: only the base URL can be wrong.
    let mut config = builder
        .build()
        .map_err(|e| problem("base_url", client_problem(&e)))?;
    if let Some(origin) = &raw.origin {
        config = config
            .with_origin(origin)
            .map_err(|e| problem("origin", client_problem(&e)))?;
    }
    if let Some(partner_id) = &raw.partner_id {
        let partner_id = partner_id
            .parse()
            .map_err(|e: snap_types::Error| problem("partner_id", e.to_string()))?;
        config = config.with_partner_id(partner_id);
    }
    if let Some(secs) = raw.connect_timeout_secs {
        config = config.with_connect_timeout(Duration::from_secs(secs));
    }
    if let Some(secs) = raw.request_timeout_secs {
        config = config.with_request_timeout(Duration::from_secs(secs));
    }
    Ok(config)
}

/// What is wrong, from a client configuration error (the key is named by the caller).
fn client_problem(e: &ClientError) -> String {
    match e {
        ClientError::Config(config) => config.kind().to_string(),
        other => other.to_string(),
    }
}

async fn send(args: &CallArgs, prepared: Prepared) -> Result<SnapReply, ClientError> {
    let Prepared {
        client,
        body,
        options,
    } = prepared;
    let service = match args.operation {
        Operation::Token => return client.fetch_token().await,
        Operation::CreateVa => ServiceCode::TRANSFER_VA_CREATE_VA,
        Operation::GenerateQr => ServiceCode::QR_MPM_GENERATE,
        Operation::QueryQr => ServiceCode::QR_MPM_QUERY,
        Operation::RefundQr => ServiceCode::QR_MPM_REFUND,
    };
    client
        .call_raw(service, body.unwrap_or_default(), &options)
        .await
}

fn report(operation: Operation, reply: &SnapReply) -> ExitCode {
    println!("{}", String::from_utf8_lossy(reply.body()));
    let reply = match reply.clone().into_success() {
        Ok(reply) => reply,
        Err(ClientError::Rejected {
            code,
            message,
            http_status,
        }) => {
            eprintln!("rejected: {code} {message} (HTTP {http_status})");
            return ExitCode::from(1);
        }
        Err(e) => {
            eprintln!("snapbi call: {e}");
            return ExitCode::from(1);
        }
    };
    if operation == Operation::GenerateQr
        && let Err(message) = check_qr(&reply)
    {
        eprintln!("snapbi call: {message}");
        return ExitCode::from(1);
    }
    ExitCode::SUCCESS
}

fn check_qr(reply: &SnapReply) -> Result<(), String> {
    let response: QrMpmGenerateResponse = reply.parse().map_err(|e| e.to_string())?;
    match response.qr_content.as_deref().filter(|s| !s.is_empty()) {
        Some(content) => {
            let payload = snap_qris::parse(content)
                .map_err(|e| format!("qrContent is not a QRIS payload: {e}"))?;
            payload
                .check_crc()
                .map_err(|e| format!("qrContent fails its check: {e}"))
        }
        None => Ok(()),
    }
}
