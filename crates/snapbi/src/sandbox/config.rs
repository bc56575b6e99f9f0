//! `snapbi sandbox` configuration (TOML), or the embedded demo defaults. Secrets and keys are read
//! from files or environment variables the config names, never from the config text; every
//! problem names its field before anything listens.
//!
//! ```toml
//! listen = "127.0.0.1:7070"
//! private_key_file = "sandbox.pem"      # the sandbox's RSA key: signs its token requests to merchants
//! token_key_file = "token.key"          # optional (or token_key_env): signs the tokens it issues; random if absent
//!
//! [qris]                                # the merchant data in generated QRIS payloads
//! merchant_name = "Toko Sandbox"        # 59, at most 25 characters
//! merchant_city = "Jakarta"             # 60, at most 15
//! postal_code = "12190"                 # 61
//! nmid = "ID1020000000001"              # 51.02
//! merchant_pan = "936000000000000001"   # 26.01
//! mcc = "5812"                          # 52
//! criteria = "UMI"                      # 26.03 / 51.03
//!
//! serve = ["qoinhub", "finpay"]         # the default; or standard, doku, midtrans, dana
//!
//! [profiles.standard]                   # any served profile: prefix, token_path, paths
//! prefix = "/snap"                      # token and services at {prefix}/v1.0/...
//! [profiles.standard.paths]
//! "27" = "/snap/v1.0/va/create"         # one service (by its code) elsewhere
//! [profiles.standard.methods]
//! "31" = "POST"                         # one service with another method (POST, PUT, DELETE)
//!
//! [profiles.qoinhub]
//! prefix = "/ordersnap/api"             # token, create VA, QR under {prefix}/v1.0/...
//! [profiles.finpay]
//! token_path = "/snap/oauth/v1.0/access-token/b2b"
//! qr_prefix = "/pg/payment/card/v1.0/qr"
//!
//! [delivery]
//! initial_backoff_ms = 500
//! max_backoff_ms = 30000
//! max_attempts = 10
//!
//! [faults]                              # also settable at run time: snapbi sandbox fault ...
//! delay_ms = 0
//! drop_first = 0
//! duplicate = false
//! wrong_amount = false
//! expired_va = false
//!
//! [[merchants]]
//! client_id = "my-shop"                 # X-CLIENT-KEY / X-PARTNER-ID of the merchant's calls
//! public_key_file = "my-shop.pub.pem"   # verifies the merchant's token requests
//! client_secret_file = "my-shop.secret" # or client_secret_env: verifies its HMAC-SHA512 calls
//! partner_service_id = "88899000"       # VA prefix (8 characters, space-padded)
//! channels = []                         # allowed CHANNEL-IDs; empty = any
//! [merchants.callback]
//! base_url = "http://127.0.0.1:8080/api"  # where the merchant's SNAP endpoints live
//! client_id = "SNAPSANDBOX"             # how the sandbox introduces itself (X-CLIENT-KEY, X-PARTNER-ID)
//! client_secret_file = "callback.secret"  # or client_secret_env: signs the notifications
//! channel_id = "95221"
//! token_path = "/v1.0/access-token/b2b"   # these four are the defaults
//! va_payment_path = "/v1.0/transfer-va/payment"
//! qr_notify_path = "/v1.0/qr/qr-mpm-notify"
//! debit_notify_path = "/v1.0/debit/notify"
//! va_inquiry_path = "/v1.0/transfer-va/inquiry"   # service 24, when inquiry = true
//! signature = "symmetric"               # or "asymmetric": SHA256withRSA with private_key_file, no token
//! inquiry = false                       # true: the merchant is biller (inquiry 24 before payment 25)
//! ```

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use snap_crypto::{RsaPrivateKey, RsaPublicKey};
use snap_http::ProviderProfile;
use snap_types::ServiceCode;
use zeroize::Zeroizing;

use super::keys;
pub(crate) use crate::config_file::ConfigError;
use crate::config_file::{key_file, problem, secret, toml_problem};

/// The address `--demo` listens on by default, and where `pay`, `deliveries` and `fault` look.
pub(crate) const DEMO_LISTEN: &str = "127.0.0.1:7070";
/// How the sandbox introduces itself to merchants in demo mode.
pub(crate) const DEMO_SANDBOX_CLIENT_ID: &str = "SNAPSANDBOX";
/// The demo merchant's client id.
pub(crate) const DEMO_MERCHANT_CLIENT_ID: &str = "DEMO-MERCHANT";
/// The demo merchant's receiver (`snapbi receive`) default base URL.
pub(crate) const DEMO_CALLBACK_BASE: &str = "http://127.0.0.1:8080/api";

/// Fault injection settings; all off by default.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(crate) struct Faults {
    /// Wait this long before every delivery attempt.
    pub(crate) delay_ms: u64,
    /// Drop (do not send) this many delivery attempts, then deliver normally: the merchant sees
    /// nothing and the sandbox retries with backoff.
    pub(crate) drop_first: u32,
    /// After a successful delivery, send the identical request (same X-EXTERNAL-ID and body)
    /// once more.
    pub(crate) duplicate: bool,
    /// Notifications carry an amount 1.00 higher than what was paid.
    pub(crate) wrong_amount: bool,
    /// VA payments hit an expired VA: the VA becomes expired and the notification says
    /// `paymentFlagStatus` `08` (Expiry) instead of `00`.
    pub(crate) expired_va: bool,
}

/// Retry policy of notification deliveries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct DeliveryPolicy {
    pub(crate) initial_backoff: Duration,
    pub(crate) max_backoff: Duration,
    pub(crate) max_attempts: u32,
    pub(crate) request_timeout: Duration,
}

impl Default for DeliveryPolicy {
    fn default() -> Self {
        Self {
            initial_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(30),
            max_attempts: 10,
            request_timeout: Duration::from_secs(10),
        }
    }
}

/// The merchant data written into generated QRIS payloads.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(crate) struct QrisMerchant {
    pub(crate) merchant_name: String,
    pub(crate) merchant_city: String,
    pub(crate) postal_code: String,
    pub(crate) nmid: String,
    pub(crate) merchant_pan: String,
    pub(crate) merchant_id: String,
    pub(crate) acquirer_guid: String,
    pub(crate) mcc: String,
    pub(crate) criteria: String,
}

impl Default for QrisMerchant {
    fn default() -> Self {
        Self {
            merchant_name: "Toko Sandbox".into(),
            merchant_city: "Jakarta".into(),
            postal_code: "12190".into(),
            nmid: "ID1020000000001".into(),
            merchant_pan: "936000000000000001".into(),
            merchant_id: "SANDBOX0001".into(),
            acquirer_guid: "ID.SNAPRS.SANDBOX".into(),
            mcc: "5812".into(),
            criteria: "UMI".into(),
        }
    }
}

/// A provider dialect the sandbox can serve.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, clap::ValueEnum, Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub(crate) enum ProfileKind {
    /// The ASPI standard's paths and shapes.
    Standard,
    /// QoinHub (seeds 002, 004).
    Qoinhub,
    /// Finpay (seed 003).
    Finpay,
    /// DOKU: its paths, the standard's shapes, its SDK's token quirks.
    Doku,
    /// Midtrans SnapBi: the standard's paths and shapes, its SDK's token quirk.
    Midtrans,
    /// DANA's payment gateway: asymmetric requests, debit services at `.htm` paths.
    Dana,
}

impl ProfileKind {
    /// The config and CLI name.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::Standard => "standard",
            Self::Qoinhub => "qoinhub",
            Self::Finpay => "finpay",
            Self::Doku => "doku",
            Self::Midtrans => "midtrans",
            Self::Dana => "dana",
        }
    }

    /// The services this dialect serves, in the sandbox.
    pub(crate) fn services(self) -> &'static [ServiceCode] {
        match self {
            Self::Qoinhub => &[
                ServiceCode::TRANSFER_VA_CREATE_VA,
                ServiceCode::QR_MPM_GENERATE,
                ServiceCode::QR_MPM_QUERY,
                ServiceCode::QR_MPM_REFUND,
            ],
            Self::Finpay => &[
                ServiceCode::QR_MPM_GENERATE,
                ServiceCode::QR_MPM_QUERY,
                ServiceCode::QR_MPM_REFUND,
            ],
            Self::Dana => &[
                ServiceCode::DEBIT_PAYMENT_HOST_TO_HOST,
                ServiceCode::DEBIT_STATUS,
                ServiceCode::DEBIT_CANCEL,
                ServiceCode::DEBIT_REFUND,
            ],
            Self::Standard | Self::Doku | Self::Midtrans => &[
                ServiceCode::TRANSFER_VA_STATUS,
                ServiceCode::TRANSFER_VA_CREATE_VA,
                ServiceCode::TRANSFER_VA_UPDATE_VA,
                ServiceCode::TRANSFER_VA_UPDATE_STATUS,
                ServiceCode::TRANSFER_VA_INQUIRY_VA,
                ServiceCode::TRANSFER_VA_DELETE_VA,
                ServiceCode::QR_MPM_GENERATE,
                ServiceCode::QR_MPM_QUERY,
                ServiceCode::QR_MPM_CANCEL,
                ServiceCode::QR_MPM_REFUND,
            ],
        }
    }

    /// The shipped paths of this dialect (snap-http's client profile of the same provider).
    pub(crate) fn default_paths(self) -> ProviderProfile {
        match self {
            Self::Standard => ProviderProfile::standard(),
            Self::Qoinhub => ProviderProfile::qoinhub(),
            Self::Finpay => ProviderProfile::finpay(),
            Self::Doku => ProviderProfile::doku(),
            Self::Midtrans => ProviderProfile::midtrans(),
            Self::Dana => ProviderProfile::dana(),
        }
    }
}

/// The profiles to serve and where each mounts its endpoints.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Profiles {
    /// Served profiles with their paths (defaults, then the config's overrides).
    pub(crate) served: Vec<(ProfileKind, ProviderProfile)>,
}

impl Profiles {
    /// The profiles' shipped paths.
    pub(crate) fn of(kinds: &[ProfileKind]) -> Self {
        Self {
            served: kinds.iter().map(|k| (*k, k.default_paths())).collect(),
        }
    }
}

impl Default for Profiles {
    /// QoinHub and Finpay, as before profiles were selectable.
    fn default() -> Self {
        Self::of(&[ProfileKind::Qoinhub, ProfileKind::Finpay])
    }
}

/// How the sandbox signs the notifications it sends a merchant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Notifications {
    /// Token B2B from the merchant first, then HMAC-SHA512 (the seeds, DOKU).
    #[default]
    Symmetric,
    /// SHA256withRSA with the sandbox's key over `POST:path:sha256(minified body):timestamp`, no
    /// token request (Midtrans, DANA).
    Asymmetric,
}

/// How the sandbox calls one merchant back.
#[derive(Debug)]
pub(crate) struct Callback {
    pub(crate) base_url: String,
    pub(crate) client_id: String,
    pub(crate) client_secret: Zeroizing<Vec<u8>>,
    pub(crate) channel_id: String,
    pub(crate) token_path: String,
    pub(crate) va_payment_path: String,
    pub(crate) qr_notify_path: String,
    pub(crate) debit_notify_path: String,
    pub(crate) va_inquiry_path: String,
    pub(crate) signature: Notifications,
    /// Whether VA payments to numbers the sandbox did not create are inquired (24) at the
    /// merchant, as biller, before the payment (25).
    pub(crate) inquiry: bool,
}

/// A merchant the sandbox serves.
#[derive(Debug)]
pub(crate) struct MerchantConfig {
    pub(crate) client_id: String,
    pub(crate) public_key: RsaPublicKey,
    pub(crate) client_secret: Zeroizing<Vec<u8>>,
    pub(crate) partner_service_id: String,
    pub(crate) channels: Vec<String>,
    pub(crate) callback: Callback,
}

/// The validated configuration.
#[derive(Debug)]
pub(crate) struct SandboxConfig {
    pub(crate) listen: SocketAddr,
    /// Shared with the notifier, which signs asymmetric notifications with it.
    pub(crate) private_key: Arc<RsaPrivateKey>,
    pub(crate) token_key: Option<Zeroizing<Vec<u8>>>,
    pub(crate) qris: QrisMerchant,
    pub(crate) profiles: Profiles,
    pub(crate) delivery: DeliveryPolicy,
    pub(crate) faults: Faults,
    pub(crate) merchants: Vec<MerchantConfig>,
    /// Whether the embedded demo credentials are in use (printed at start-up).
    pub(crate) demo: bool,
    /// `--data DIR`: where the ledger, deliveries and outbox survive restarts (`persist`);
    /// in memory only when absent.
    pub(crate) data_dir: Option<PathBuf>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    listen: Option<String>,
    private_key_file: Option<PathBuf>,
    token_key_file: Option<PathBuf>,
    token_key_env: Option<String>,
    token_key: Option<toml::Value>,
    private_key: Option<toml::Value>,
    #[serde(default)]
    qris: QrisMerchant,
    serve: Option<Vec<ProfileKind>>,
    #[serde(default)]
    profiles: RawProfiles,
    #[serde(default)]
    delivery: RawDelivery,
    #[serde(default)]
    faults: Faults,
    #[serde(default)]
    merchants: Vec<RawMerchant>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawProfiles {
    standard: Option<RawProfile>,
    qoinhub: Option<RawProfile>,
    finpay: Option<RawProfile>,
    doku: Option<RawProfile>,
    midtrans: Option<RawProfile>,
    dana: Option<RawProfile>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawProfile {
    prefix: Option<String>,
    token_path: Option<String>,
    qr_prefix: Option<String>,
    #[serde(default)]
    paths: BTreeMap<String, String>,
    #[serde(default)]
    methods: BTreeMap<String, String>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawDelivery {
    initial_backoff_ms: Option<u64>,
    max_backoff_ms: Option<u64>,
    max_attempts: Option<u32>,
    request_timeout_ms: Option<u64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMerchant {
    client_id: Option<String>,
    public_key_file: Option<PathBuf>,
    client_secret_file: Option<PathBuf>,
    client_secret_env: Option<String>,
    client_secret: Option<toml::Value>,
    partner_service_id: Option<String>,
    #[serde(default)]
    channels: Vec<String>,
    callback: Option<RawCallback>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCallback {
    base_url: Option<String>,
    client_id: Option<String>,
    client_secret_file: Option<PathBuf>,
    client_secret_env: Option<String>,
    client_secret: Option<toml::Value>,
    channel_id: Option<String>,
    token_path: Option<String>,
    va_payment_path: Option<String>,
    qr_notify_path: Option<String>,
    debit_notify_path: Option<String>,
    va_inquiry_path: Option<String>,
    signature: Option<Notifications>,
    #[serde(default)]
    inquiry: bool,
}

impl SandboxConfig {
    /// Reads and validates the file; relative paths are relative to the file's directory.
    /// `allow_demo_keys` lets the embedded demo credentials through.
    pub(crate) fn load(path: &Path, allow_demo_keys: bool) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| problem("--config", format!("cannot read {}: {e}", path.display())))?;
        let base = path.parent().unwrap_or(Path::new("."));
        Self::parse(&text, base, allow_demo_keys)
    }

    /// Validates config text; `base` resolves relative paths.
    pub(crate) fn parse(
        text: &str,
        base: &Path,
        allow_demo_keys: bool,
    ) -> Result<Self, ConfigError> {
        let raw: RawConfig = toml::from_str(text).map_err(|e| toml_problem(text, &e))?;
        let listen = raw.listen.as_deref().unwrap_or(DEMO_LISTEN);
        let listen = listen.parse().map_err(|_| {
            problem(
                "listen",
                format!("{listen:?} is not an address such as 127.0.0.1:7070"),
            )
        })?;
        if raw.private_key.is_some() {
            return Err(problem(
                "private_key",
                "keys are never read from the config text; use private_key_file",
            ));
        }
        let private_key = key_file(base, "private_key_file", raw.private_key_file, |path| {
            RsaPrivateKey::from_file(path)
        })?;
        let demo_refusal = |field: String| {
            problem(
                field,
                "is the embedded DEMO/TEST key material, which everyone has; use your own, \
                 or pass --allow-demo-keys for a throwaway local setup",
            )
        };
        if !allow_demo_keys && keys::is_demo_public_key(&private_key.public_key()) {
            return Err(demo_refusal("private_key_file".into()));
        }
        let token_key = secret(
            base,
            "token_key",
            raw.token_key_file,
            raw.token_key_env,
            raw.token_key.is_some(),
        )?;
        if let Some(key) = &token_key {
            if key.len() < 32 {
                return Err(problem(
                    "token_key_file",
                    "the token key must be at least 32 bytes",
                ));
            }
            if !allow_demo_keys && keys::is_demo_secret(key) {
                return Err(demo_refusal("token_key".into()));
            }
        }
        check_qris(&raw.qris)?;
        let profiles = profiles(raw.serve, raw.profiles)?;
        let delivery = DeliveryPolicy {
            initial_backoff: raw.delivery.initial_backoff_ms.map_or(
                DeliveryPolicy::default().initial_backoff,
                Duration::from_millis,
            ),
            max_backoff: raw
                .delivery
                .max_backoff_ms
                .map_or(DeliveryPolicy::default().max_backoff, Duration::from_millis),
            max_attempts: raw
                .delivery
                .max_attempts
                .unwrap_or(DeliveryPolicy::default().max_attempts),
            request_timeout: raw.delivery.request_timeout_ms.map_or(
                DeliveryPolicy::default().request_timeout,
                Duration::from_millis,
            ),
        };
        if delivery.max_attempts == 0 {
            return Err(problem("delivery.max_attempts", "must be at least 1"));
        }
        if raw.merchants.is_empty() {
            return Err(problem(
                "merchants",
                "at least one [[merchants]] entry is needed",
            ));
        }
        let mut merchants: Vec<MerchantConfig> = Vec::new();
        for (i, m) in raw.merchants.into_iter().enumerate() {
            let field = |name: &str| format!("merchants[{i}].{name}");
            let client_id = m
                .client_id
                .filter(|c| !c.is_empty())
                .ok_or_else(|| problem(field("client_id"), "missing"))?;
            if client_id.len() > 36 {
                return Err(problem(field("client_id"), "longer than 36 characters"));
            }
            if merchants.iter().any(|q| q.client_id == client_id) {
                return Err(problem(
                    field("client_id"),
                    format!("{client_id:?} is configured twice"),
                ));
            }
            let public_key =
                key_file(base, &field("public_key_file"), m.public_key_file, |path| {
                    RsaPublicKey::from_file(path)
                })?;
            if !allow_demo_keys && keys::is_demo_public_key(&public_key) {
                return Err(demo_refusal(field("public_key_file")));
            }
            let secret_name = field("client_secret");
            let client_secret = secret(
                base,
                &secret_name,
                m.client_secret_file,
                m.client_secret_env,
                m.client_secret.is_some(),
            )?
            .ok_or_else(|| {
                problem(
                    field("client_secret_file"),
                    "missing (or client_secret_env)",
                )
            })?;
            if !allow_demo_keys && keys::is_demo_secret(&client_secret) {
                return Err(demo_refusal(secret_name));
            }
            let partner_service_id = m.partner_service_id.unwrap_or_else(|| "88899000".into());
            if partner_service_id.trim().is_empty()
                || partner_service_id.chars().count() > 8
                || !partner_service_id
                    .trim_start()
                    .chars()
                    .all(|c| c.is_ascii_digit())
            {
                return Err(problem(
                    field("partner_service_id"),
                    "must be 1 to 8 digits",
                ));
            }
            for channel in &m.channels {
                if channel.is_empty() || channel.len() > 5 {
                    return Err(problem(
                        field("channels"),
                        format!("{channel:?} is not a CHANNEL-ID (1 to 5 characters)"),
                    ));
                }
            }
            let cb = m
                .callback
                .ok_or_else(|| problem(field("callback"), "missing [merchants.callback]"))?;
            let cfield = |name: &str| format!("merchants[{i}].callback.{name}");
            let base_url = cb
                .base_url
                .ok_or_else(|| problem(cfield("base_url"), "missing"))?;
            if !(base_url.starts_with("http://") || base_url.starts_with("https://")) {
                return Err(problem(
                    cfield("base_url"),
                    format!("{base_url:?} must start with http:// or https://"),
                ));
            }
            let secret_name = cfield("client_secret");
            let callback_secret = secret(
                base,
                &secret_name,
                cb.client_secret_file,
                cb.client_secret_env,
                cb.client_secret.is_some(),
            )?
            .ok_or_else(|| {
                problem(
                    cfield("client_secret_file"),
                    "missing (or client_secret_env)",
                )
            })?;
            if !allow_demo_keys && keys::is_demo_secret(&callback_secret) {
                return Err(demo_refusal(secret_name));
            }
            let path =
                |value: Option<String>, name: &str, default: &str| -> Result<String, ConfigError> {
                    let value = value.unwrap_or_else(|| default.to_owned());
                    if value.starts_with('/') {
                        Ok(value)
                    } else {
                        Err(problem(
                            cfield(name),
                            format!("{value:?} must start with /"),
                        ))
                    }
                };
            let callback = Callback {
                base_url,
                client_id: cb
                    .client_id
                    .unwrap_or_else(|| DEMO_SANDBOX_CLIENT_ID.to_owned()),
                client_secret: callback_secret,
                channel_id: cb.channel_id.unwrap_or_else(|| "95221".to_owned()),
                token_path: path(cb.token_path, "token_path", "/v1.0/access-token/b2b")?,
                va_payment_path: path(
                    cb.va_payment_path,
                    "va_payment_path",
                    "/v1.0/transfer-va/payment",
                )?,
                qr_notify_path: path(
                    cb.qr_notify_path,
                    "qr_notify_path",
                    "/v1.0/qr/qr-mpm-notify",
                )?,
                debit_notify_path: path(
                    cb.debit_notify_path,
                    "debit_notify_path",
                    "/v1.0/debit/notify",
                )?,
                va_inquiry_path: path(
                    cb.va_inquiry_path,
                    "va_inquiry_path",
                    "/v1.0/transfer-va/inquiry",
                )?,
                signature: cb.signature.unwrap_or_default(),
                inquiry: cb.inquiry,
            };
            if callback.client_id.is_empty() || callback.client_id.len() > 36 {
                return Err(problem(cfield("client_id"), "must be 1 to 36 characters"));
            }
            if callback.channel_id.is_empty() || callback.channel_id.len() > 5 {
                return Err(problem(cfield("channel_id"), "must be 1 to 5 characters"));
            }
            merchants.push(MerchantConfig {
                client_id,
                public_key,
                client_secret,
                partner_service_id,
                channels: m.channels,
                callback,
            });
        }
        Ok(Self {
            listen,
            private_key: Arc::new(private_key),
            token_key,
            qris: raw.qris,
            profiles,
            delivery,
            faults: raw.faults,
            merchants,
            demo: false,
            data_dir: None,
        })
    }

    /// The embedded demo configuration: the demo keys everywhere, one merchant whose callbacks
    /// go to `callback_base`, fast retries.
    pub(crate) fn demo(
        listen: SocketAddr,
        callback_base: &str,
        profiles: Profiles,
        signature: Notifications,
        inquiry: bool,
    ) -> Result<Self, String> {
        let secret = || Zeroizing::new(keys::demo_client_secret().as_bytes().to_vec());
        Ok(Self {
            listen,
            private_key: Arc::new(keys::demo_private_key()?),
            token_key: Some(Zeroizing::new(keys::demo_token_key().as_bytes().to_vec())),
            qris: QrisMerchant::default(),
            profiles,
            delivery: DeliveryPolicy {
                initial_backoff: Duration::from_millis(200),
                max_backoff: Duration::from_secs(5),
                max_attempts: 10,
                request_timeout: Duration::from_secs(5),
            },
            faults: Faults::default(),
            merchants: vec![MerchantConfig {
                client_id: DEMO_MERCHANT_CLIENT_ID.to_owned(),
                public_key: keys::demo_public_key()?,
                client_secret: secret(),
                partner_service_id: "88899000".to_owned(),
                channels: Vec::new(),
                callback: Callback {
                    base_url: callback_base.to_owned(),
                    client_id: DEMO_SANDBOX_CLIENT_ID.to_owned(),
                    client_secret: secret(),
                    channel_id: "95221".to_owned(),
                    token_path: "/v1.0/access-token/b2b".to_owned(),
                    va_payment_path: "/v1.0/transfer-va/payment".to_owned(),
                    qr_notify_path: "/v1.0/qr/qr-mpm-notify".to_owned(),
                    debit_notify_path: "/v1.0/debit/notify".to_owned(),
                    va_inquiry_path: "/v1.0/transfer-va/inquiry".to_owned(),
                    signature,
                    inquiry,
                },
            }],
            demo: true,
            data_dir: None,
        })
    }
}

fn check_qris(q: &QrisMerchant) -> Result<(), ConfigError> {
    let limits: [(&str, &str, usize); 8] = [
        ("qris.merchant_name", &q.merchant_name, 25),
        ("qris.merchant_city", &q.merchant_city, 15),
        ("qris.postal_code", &q.postal_code, 10),
        ("qris.nmid", &q.nmid, 15),
        ("qris.merchant_pan", &q.merchant_pan, 19),
        ("qris.merchant_id", &q.merchant_id, 15),
        ("qris.acquirer_guid", &q.acquirer_guid, 32),
        ("qris.criteria", &q.criteria, 3),
    ];
    for (field, value, max) in limits {
        if value.is_empty() || value.chars().count() > max {
            return Err(problem(field, format!("must be 1 to {max} characters")));
        }
        if value.contains('|') {
            return Err(problem(field, "QRIS forbids '|'"));
        }
    }
    if q.mcc.len() != 4 || !q.mcc.chars().all(|c| c.is_ascii_digit()) {
        return Err(problem("qris.mcc", "must be 4 digits"));
    }
    if !q.merchant_pan.chars().all(|c| c.is_ascii_digit()) {
        return Err(problem("qris.merchant_pan", "must be digits"));
    }
    Ok(())
}

/// The service a `paths` or `methods` key names (a two-digit code), when `kind` serves it.
fn served_service(kind: ProfileKind, key: &str, field: &str) -> Result<ServiceCode, ConfigError> {
    let service: ServiceCode = key
        .parse()
        .map_err(|_| problem(field, "the key is a two-digit service code such as \"27\""))?;
    if kind.services().contains(&service) {
        Ok(service)
    } else {
        Err(problem(
            field,
            format!(
                "the {} profile does not serve service {service}",
                kind.name()
            ),
        ))
    }
}

fn profiles(serve: Option<Vec<ProfileKind>>, raw: RawProfiles) -> Result<Profiles, ConfigError> {
    let mut out = match serve {
        Some(kinds) if kinds.is_empty() => {
            return Err(problem("serve", "name at least one profile"));
        }
        Some(kinds) => {
            let twice = (1..kinds.len()).find(|&i| kinds[..i].contains(&kinds[i]));
            if let Some(i) = twice {
                return Err(problem(
                    "serve",
                    format!("{} is named twice", kinds[i].name()),
                ));
            }
            Profiles::of(&kinds)
        }
        None => Profiles::default(),
    };
    let check = |field: &str, value: String| -> Result<String, ConfigError> {
        if value.starts_with('/') && !value.ends_with('/') || value.is_empty() {
            Ok(value)
        } else {
            Err(problem(
                field,
                format!("{value:?} must start with / and not end with /"),
            ))
        }
    };
    let raws = [
        (ProfileKind::Standard, raw.standard),
        (ProfileKind::Qoinhub, raw.qoinhub),
        (ProfileKind::Finpay, raw.finpay),
        (ProfileKind::Doku, raw.doku),
        (ProfileKind::Midtrans, raw.midtrans),
        (ProfileKind::Dana, raw.dana),
    ];
    for (kind, raw) in raws {
        let Some(raw) = raw else { continue };
        let name = kind.name();
        let Some((_, profile)) = out.served.iter_mut().find(|(k, _)| *k == kind) else {
            continue;
        };
        let field = |key: &str| format!("profiles.{name}.{key}");
        if let Some(prefix) = raw.prefix {
            // `{prefix}/v1.0/...` for the token and every service the profile serves.
            let prefix = check(&field("prefix"), prefix)?;
            let mut p = ProviderProfile::new(name, format!("{prefix}/v1.0/access-token/b2b"))
                .with_prefix(format!("{prefix}/v1.0"));
            for service in kind.services() {
                if let Some(path) = p.path(*service).map(|c| c.into_owned()) {
                    p = p.with_path(*service, path);
                }
                // The provider's own methods stay (Midtrans posts delete VA).
                p = p.with_method(*service, profile.method(*service));
            }
            *profile = p;
        }
        if let Some(path) = raw.token_path {
            let path = check(&field("token_path"), path)?;
            if path.is_empty() {
                return Err(problem(field("token_path"), "must not be empty"));
            }
            *profile = profile.clone().with_token_path(path);
        }
        if let Some(prefix) = raw.qr_prefix {
            let prefix = check(&field("qr_prefix"), prefix)?;
            for (service, suffix) in [
                (ServiceCode::QR_MPM_GENERATE, "qr-mpm-generate"),
                (ServiceCode::QR_MPM_QUERY, "qr-mpm-query"),
                (ServiceCode::QR_MPM_NOTIFY, "qr-mpm-notify"),
                (ServiceCode::QR_MPM_CANCEL, "qr-mpm-cancel"),
                (ServiceCode::QR_MPM_REFUND, "qr-mpm-refund"),
            ] {
                *profile = profile
                    .clone()
                    .with_path(service, format!("{prefix}/{suffix}"));
            }
        }
        for (key, path) in raw.paths {
            let key_field = field(&format!("paths.{key}"));
            let service = served_service(kind, &key, &key_field)?;
            let path = check(&key_field, path)?;
            if path.is_empty() {
                return Err(problem(&key_field, "must start with /"));
            }
            *profile = profile.clone().with_path(service, path);
        }
        for (key, method) in raw.methods {
            let key_field = field(&format!("methods.{key}"));
            let service = served_service(kind, &key, &key_field)?;
            let method = match method.as_str() {
                "POST" => http::Method::POST,
                "PUT" => http::Method::PUT,
                "DELETE" => http::Method::DELETE,
                _ => {
                    return Err(problem(
                        &key_field,
                        format!("{method:?} is not POST, PUT or DELETE"),
                    ));
                }
            };
            *profile = profile.clone().with_method(service, method);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// A temporary directory with the config's key and secret files, removed on drop.
    fn dir_with_keys(demo: bool) -> tempfile::TempDir {
        let temp = tempfile::tempdir().unwrap();
        let dir = temp.path();
        let keys = Path::new(env!("CARGO_MANIFEST_DIR")).join("demo-keys");
        std::fs::copy(keys.join("demo-private.pem"), dir.join("sandbox.pem")).unwrap();
        std::fs::copy(keys.join("demo-public.pem"), dir.join("merchant.pub.pem")).unwrap();
        let secret = if demo {
            keys::demo_client_secret()
        } else {
            "a-real-secret"
        };
        std::fs::write(dir.join("merchant.secret"), format!("{secret}\n")).unwrap();
        std::fs::write(dir.join("callback.secret"), "another-real-secret\n").unwrap();
        temp
    }

    const GOOD: &str = r#"
listen = "127.0.0.1:0"
private_key_file = "sandbox.pem"

[[merchants]]
client_id = "shop"
public_key_file = "merchant.pub.pem"
client_secret_file = "merchant.secret"
[merchants.callback]
base_url = "http://127.0.0.1:8080/api"
client_secret_file = "callback.secret"
"#;

    #[test]
    fn demo_keys_need_the_flag() {
        let dir = dir_with_keys(true);
        let err = SandboxConfig::parse(GOOD, dir.path(), false)
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("private_key_file:") && err.contains("DEMO"),
            "{err}"
        );
        let config = SandboxConfig::parse(GOOD, dir.path(), true).unwrap();
        assert_eq!(
            config.merchants[0].callback.va_payment_path,
            "/v1.0/transfer-va/payment"
        );
        assert_eq!(config.merchants[0].partner_service_id, "88899000");
        assert!(!config.demo);
    }

    #[test]
    fn profiles_and_per_endpoint_paths() {
        let dir = dir_with_keys(false);
        let text = format!(
            "serve = [\"standard\", \"doku\", \"midtrans\"]\n{GOOD}\n[profiles.standard]\nprefix = \"/snap\"\n\
             [profiles.standard.paths]\n\"27\" = \"/snap/va/new\"\n\
             [profiles.standard.methods]\n\"28\" = \"POST\"\n\
             [profiles.doku]\ntoken_path = \"/auth/token\"\n\
             [profiles.midtrans]\nprefix = \"/mt\"\n"
        );
        let config = SandboxConfig::parse(&text, dir.path(), true).unwrap();
        let served = &config.profiles.served;
        assert_eq!(served.len(), 3);
        let (kind, standard) = &served[0];
        assert_eq!(*kind, ProfileKind::Standard);
        assert_eq!(standard.token_path(), "/snap/v1.0/access-token/b2b");
        assert_eq!(
            standard.path(ServiceCode::TRANSFER_VA_CREATE_VA).as_deref(),
            Some("/snap/va/new")
        );
        assert_eq!(
            standard.path(ServiceCode::QR_MPM_REFUND).as_deref(),
            Some("/snap/v1.0/qr/qr-mpm-refund")
        );
        let update = ServiceCode::TRANSFER_VA_UPDATE_VA;
        let delete = ServiceCode::TRANSFER_VA_DELETE_VA;
        assert_eq!(standard.method(update), http::Method::POST);
        assert_eq!(standard.method(delete), http::Method::DELETE);
        // A new prefix keeps the provider's own method: Midtrans posts delete VA.
        let (_, midtrans) = &served[2];
        assert_eq!(
            midtrans.path(delete).as_deref(),
            Some("/mt/v1.0/transfer-va/delete-va")
        );
        assert_eq!(midtrans.method(delete), http::Method::POST);
        let (_, doku) = &served[1];
        assert_eq!(doku.token_path(), "/auth/token");
        assert_eq!(
            doku.path(ServiceCode::TRANSFER_VA_CREATE_VA).as_deref(),
            Some("/virtual-accounts/bi-snap-va/v1.1/transfer-va/create-va")
        );
        for (extra, expected) in [
            (
                "[profiles.standard.paths]\n\"99\" = \"/x\"\n",
                "profiles.standard.paths.99",
            ),
            (
                "[profiles.standard.paths]\nva = \"/x\"\n",
                "two-digit service code",
            ),
            (
                "[profiles.standard.paths]\n\"27\" = \"x\"\n",
                "must start with /",
            ),
            (
                "[profiles.standard.methods]\n\"31\" = \"GET\"\n",
                "profiles.standard.methods.31: \"GET\" is not POST, PUT or DELETE",
            ),
            (
                "[profiles.standard.methods]\n\"54\" = \"POST\"\n",
                "the standard profile does not serve service 54",
            ),
        ] {
            let text = format!("serve = [\"standard\"]\n{GOOD}\n{extra}");
            let err = SandboxConfig::parse(&text, dir.path(), true)
                .unwrap_err()
                .to_string();
            assert!(err.contains(expected), "{expected:?} in {err:?}");
        }
        // Without `serve`, the seeds' two profiles.
        let config = SandboxConfig::parse(GOOD, dir.path(), true).unwrap();
        assert_eq!(config.profiles, Profiles::default());
    }

    #[test]
    fn every_problem_names_its_field() {
        let dir = dir_with_keys(false);
        let cases = [
            (GOOD.replace("127.0.0.1:0", "nowhere"), "listen:"),
            (
                GOOD.replace("private_key_file = \"sandbox.pem\"", ""),
                "private_key_file: missing",
            ),
            (
                GOOD.replace("client_id = \"shop\"", ""),
                "merchants[0].client_id: missing",
            ),
            (
                GOOD.replace("http://127", "ftp://127"),
                "merchants[0].callback.base_url:",
            ),
            (
                GOOD.replace(
                    "client_secret_file = \"merchant.secret\"",
                    "client_secret = \"x\"",
                ),
                "merchants[0].client_secret: secrets are never read",
            ),
            (
                format!("{GOOD}\n[faults]\ncolour = 1\n"),
                "unknown field `colour`",
            ),
            (format!("{GOOD}\n[qris]\nmcc = \"12\"\n"), "qris.mcc:"),
            (
                GOOD.split("[[merchants]]").next().unwrap().to_owned(),
                "merchants: at least one",
            ),
        ];
        for (text, expected) in cases {
            let message = SandboxConfig::parse(&text, dir.path(), true)
                .unwrap_err()
                .to_string();
            assert!(
                message.contains(expected),
                "expected {expected:?} in {message:?}"
            );
        }
        // A demo client secret under a real private key is refused too.
        let dir = dir_with_keys(true);
        let err = SandboxConfig::parse(GOOD, dir.path(), false)
            .unwrap_err()
            .to_string();
        assert!(err.contains("DEMO"), "{err}");
    }
}
