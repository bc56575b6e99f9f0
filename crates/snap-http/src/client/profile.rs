//! Provider profiles: where a provider mounts each service and how it wants requests signed.

use std::borrow::Cow;
use std::collections::BTreeMap;

use http::Method;
use snap_crypto::{SignatureOptions, TimestampStyle};
use snap_types::ServiceCode;

use crate::SignatureMode;

/// Where a provider mounts its endpoints and how it wants requests signed.
///
/// The shipped profiles follow the seeds: [`ProviderProfile::qoinhub`] and
/// [`ProviderProfile::finpay`]. Any other provider is a profile you build:
///
/// ```
/// use snap_http::{ProviderProfile, SignatureMode};
/// use snap_types::ServiceCode;
///
/// let profile = ProviderProfile::new("acme", "/snap/v1.0/access-token/b2b")
///     .with_prefix("/snap/v1.0")
///     .with_path(ServiceCode::QR_MPM_GENERATE, "/snap/v1.0/qris/generate")
///     .with_signature_mode(SignatureMode::Symmetric);
/// assert_eq!(profile.path(ServiceCode::QR_MPM_GENERATE).as_deref(), Some("/snap/v1.0/qris/generate"));
/// assert_eq!(profile.path(ServiceCode::TRANSFER_VA_CREATE_VA).as_deref(), Some("/snap/v1.0/transfer-va/create-va"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderProfile {
    name: Cow<'static, str>,
    token_path: Cow<'static, str>,
    prefix: Option<Cow<'static, str>>,
    paths: BTreeMap<ServiceCode, Cow<'static, str>>,
    methods: BTreeMap<ServiceCode, Method>,
    timestamp_style: TimestampStyle,
    signature_mode: SignatureMode,
    signature_options: SignatureOptions,
}

impl ProviderProfile {
    /// A profile with this name and token path, no service paths, `+07:00` timestamps, symmetric
    /// signatures and the standard signature options.
    pub fn new(
        name: impl Into<Cow<'static, str>>,
        token_path: impl Into<Cow<'static, str>>,
    ) -> Self {
        Self {
            name: name.into(),
            token_path: token_path.into(),
            prefix: None,
            paths: BTreeMap::new(),
            methods: BTreeMap::new(),
            timestamp_style: TimestampStyle::Wib,
            signature_mode: SignatureMode::Symmetric,
            signature_options: SignatureOptions::standard(),
        }
    }

    /// QoinHub (seeds 002, 004): every endpoint under `/ordersnap/api/v1.0`, symmetric
    /// signatures, `+07:00` timestamps.
    ///
    /// The seeds name QoinHub's create-VA (`/ordersnap/api/v1.0/transfer-va/create-va`) and QR
    /// generate (`/ordersnap/api/v1.0/qr/qr-mpm-generate`) paths but not its token endpoint; the
    /// token path is the same prefix plus the standard suffix,
    /// `/ordersnap/api/v1.0/access-token/b2b`, and other services use the prefix plus the
    /// standard's suffix too. Override with [`ProviderProfile::with_token_path`] if your
    /// onboarding papers say otherwise.
    pub fn qoinhub() -> Self {
        Self::new("qoinhub", "/ordersnap/api/v1.0/access-token/b2b")
            .with_prefix("/ordersnap/api/v1.0")
            .with_path(
                ServiceCode::TRANSFER_VA_CREATE_VA,
                "/ordersnap/api/v1.0/transfer-va/create-va",
            )
            .with_path(
                ServiceCode::QR_MPM_GENERATE,
                "/ordersnap/api/v1.0/qr/qr-mpm-generate",
            )
    }

    /// Finpay (seed 003): token at `/snap/oauth/v1.0/access-token/b2b`, QR MPM generate, query,
    /// refund (and notify) at `/pg/payment/card/v1.0/qr/qr-mpm-*`, symmetric signatures, `+07:00`
    /// timestamps. The seed names no other service, so there is no prefix fallback: calling
    /// another service is a configuration error until you add its path.
    pub fn finpay() -> Self {
        Self::new("finpay", "/snap/oauth/v1.0/access-token/b2b")
            .with_path(
                ServiceCode::QR_MPM_GENERATE,
                "/pg/payment/card/v1.0/qr/qr-mpm-generate",
            )
            .with_path(
                ServiceCode::QR_MPM_QUERY,
                "/pg/payment/card/v1.0/qr/qr-mpm-query",
            )
            .with_path(
                ServiceCode::QR_MPM_NOTIFY,
                "/pg/payment/card/v1.0/qr/qr-mpm-notify",
            )
            .with_path(
                ServiceCode::QR_MPM_REFUND,
                "/pg/payment/card/v1.0/qr/qr-mpm-refund",
            )
    }

    /// The ASPI standard: token at `/v1.0/access-token/b2b`, every service at `/v1.0` plus the
    /// standard's suffix (`/v1.0/transfer-va/create-va`, `/v1.0/qr/qr-mpm-generate`, ...),
    /// symmetric signatures, `+07:00` timestamps. Put your provider's prefix in front with
    /// [`ProviderProfile::with_prefix`] and [`ProviderProfile::with_token_path`].
    pub fn standard() -> Self {
        Self::new("standard", "/v1.0/access-token/b2b").with_prefix("/v1.0")
    }

    /// DOKU, as its Python SDK (`doku-python-library` 1.1.72, `commons/config.py`) calls it: token
    /// at `/authorization/v1/access-token/b2b`; create, update and delete VA at
    /// `/virtual-accounts/bi-snap-va/v1.1/transfer-va/*`; VA status at
    /// `/orders/v1.0/transfer-va/status`; QR MPM at `/snap-adapter/b2b/v1.0/qr/qr-mpm-*` (DOKU's
    /// QRIS integration guide); symmetric signatures; X-TIMESTAMP in UTC with `Z` (DOKU's token
    /// guide).
    pub fn doku() -> Self {
        const VA: &str = "/virtual-accounts/bi-snap-va/v1.1/transfer-va";
        const QR: &str = "/snap-adapter/b2b/v1.0/qr";
        Self::new("doku", "/authorization/v1/access-token/b2b")
            .with_path(
                ServiceCode::TRANSFER_VA_CREATE_VA,
                const_format(VA, "/create-va"),
            )
            .with_path(
                ServiceCode::TRANSFER_VA_UPDATE_VA,
                const_format(VA, "/update-va"),
            )
            .with_path(
                ServiceCode::TRANSFER_VA_DELETE_VA,
                const_format(VA, "/delete-va"),
            )
            .with_path(
                ServiceCode::TRANSFER_VA_STATUS,
                "/orders/v1.0/transfer-va/status",
            )
            .with_path(
                ServiceCode::QR_MPM_GENERATE,
                const_format(QR, "/qr-mpm-generate"),
            )
            .with_path(ServiceCode::QR_MPM_QUERY, const_format(QR, "/qr-mpm-query"))
            .with_path(
                ServiceCode::QR_MPM_REFUND,
                const_format(QR, "/qr-mpm-refund"),
            )
            .with_path(
                ServiceCode::QR_MPM_CANCEL,
                const_format(QR, "/qr-mpm-cancel"),
            )
            .with_timestamp_style(TimestampStyle::Utc)
    }

    /// Midtrans SnapBi, as its Node client (`midtrans-client` 1.4.3, `lib/snapBi/snapBi.js`)
    /// calls it: the standard's `/v1.0/...` paths (token, create VA, VA status, delete VA, QR MPM
    /// generate, query, refund, cancel), symmetric signatures, `+07:00` timestamps, and delete VA
    /// (31) sent as `POST` where the standard says `DELETE` (the client posts every call,
    /// `snapBiApiRequestor.js`). (Its notifications to merchants are asymmetric; that is the
    /// merchant's side.)
    pub fn midtrans() -> Self {
        Self::standard()
            .with_name("midtrans")
            .with_method(ServiceCode::TRANSFER_VA_DELETE_VA, Method::POST)
    }

    /// DANA's payment gateway, as its Python SDK (`dana-python` 2.2.2,
    /// `payment_gateway/v1/api/payment_gateway_api.py`) calls it: every request signed
    /// asymmetrically (SHA256withRSA, no token), direct-debit services at
    /// `/payment-gateway/v1.0/debit/*.htm` (payment host-to-host 54, status 55, cancel 57,
    /// refund 58), `+07:00` timestamps. The token path is the standard's; DANA's B2B calls do not
    /// use it.
    pub fn dana() -> Self {
        Self::new("dana", "/v1.0/access-token/b2b")
            .with_path(
                ServiceCode::DEBIT_PAYMENT_HOST_TO_HOST,
                "/payment-gateway/v1.0/debit/payment-host-to-host.htm",
            )
            .with_path(
                ServiceCode::DEBIT_STATUS,
                "/payment-gateway/v1.0/debit/status.htm",
            )
            .with_path(
                ServiceCode::DEBIT_CANCEL,
                "/payment-gateway/v1.0/debit/cancel.htm",
            )
            .with_path(
                ServiceCode::DEBIT_REFUND,
                "/payment-gateway/v1.0/debit/refund.htm",
            )
            .with_signature_mode(SignatureMode::Asymmetric)
    }

    /// A shipped profile by name (`standard`, `qoinhub`, `finpay`, `doku`, `midtrans`, `dana`).
    pub fn by_name(name: &str) -> Option<Self> {
        match name {
            "standard" => Some(Self::standard()),
            "doku" => Some(Self::doku()),
            "midtrans" => Some(Self::midtrans()),
            "dana" => Some(Self::dana()),
            "qoinhub" => Some(Self::qoinhub()),
            "finpay" => Some(Self::finpay()),
            _ => None,
        }
    }

    /// Renames the profile.
    #[must_use]
    pub fn with_name(mut self, name: impl Into<Cow<'static, str>>) -> Self {
        self.name = name.into();
        self
    }

    /// Sets the token endpoint path.
    #[must_use]
    pub fn with_token_path(mut self, path: impl Into<Cow<'static, str>>) -> Self {
        self.token_path = path.into();
        self
    }

    /// Sets the prefix for services without an explicit path: the path becomes the prefix plus
    /// the standard's suffix (`/snap/v1.0` + `/transfer-va/create-va`).
    #[must_use]
    pub fn with_prefix(mut self, prefix: impl Into<Cow<'static, str>>) -> Self {
        let prefix = prefix.into();
        self.prefix = Some(match prefix.strip_suffix('/') {
            Some(p) => Cow::Owned(p.to_owned()),
            None => prefix,
        });
        self
    }

    /// Sets the path of one service (with the query string, if the provider wants one).
    #[must_use]
    pub fn with_path(mut self, service: ServiceCode, path: impl Into<Cow<'static, str>>) -> Self {
        self.paths.insert(service, path.into());
        self
    }

    /// Sends one service with this HTTP method instead of the standard's (Midtrans posts delete
    /// VA). The signature covers the method sent.
    #[must_use]
    pub fn with_method(mut self, service: ServiceCode, method: Method) -> Self {
        self.methods.insert(service, method);
        self
    }

    /// Sets how X-TIMESTAMP values are written.
    #[must_use]
    pub fn with_timestamp_style(mut self, style: TimestampStyle) -> Self {
        self.timestamp_style = style;
        self
    }

    /// Sets how service requests are signed.
    #[must_use]
    pub fn with_signature_mode(mut self, mode: SignatureMode) -> Self {
        self.signature_mode = mode;
        self
    }

    /// Sets the string-to-sign variations (empty-body hash, query string).
    #[must_use]
    pub fn with_signature_options(mut self, options: SignatureOptions) -> Self {
        self.signature_options = options;
        self
    }

    /// The profile's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The token endpoint path.
    pub fn token_path(&self) -> &str {
        &self.token_path
    }

    /// The path of a service: its explicit path, else the prefix plus the standard's suffix, else
    /// `None`.
    pub fn path(&self, service: ServiceCode) -> Option<Cow<'_, str>> {
        if let Some(path) = self.paths.get(&service) {
            return Some(Cow::Borrowed(path));
        }
        let prefix = self.prefix.as_deref()?;
        let info = service.info()?;
        Some(Cow::Owned(format!("{prefix}{}", info.path_suffix)))
    }

    /// The HTTP method of a service: the profile's own, else the standard's (`PUT` for update
    /// VA 28 and 29, `DELETE` for delete VA 31), else `POST`.
    pub fn method(&self, service: ServiceCode) -> Method {
        if let Some(method) = self.methods.get(&service) {
            return method.clone();
        }
        service
            .info()
            .and_then(|i| Method::from_bytes(i.method.as_bytes()).ok())
            .unwrap_or(Method::POST)
    }

    /// How X-TIMESTAMP values are written.
    pub fn timestamp_style(&self) -> TimestampStyle {
        self.timestamp_style
    }

    /// How service requests are signed.
    pub fn signature_mode(&self) -> SignatureMode {
        self.signature_mode
    }

    /// The string-to-sign variations.
    pub fn signature_options(&self) -> SignatureOptions {
        self.signature_options
    }
}

/// `prefix` + `suffix` as an owned path.
fn const_format(prefix: &str, suffix: &str) -> Cow<'static, str> {
    Cow::Owned(format!("{prefix}{suffix}"))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn seed_paths() {
        let q = ProviderProfile::qoinhub();
        assert_eq!(
            q.path(ServiceCode::TRANSFER_VA_CREATE_VA).as_deref(),
            Some("/ordersnap/api/v1.0/transfer-va/create-va")
        );
        assert_eq!(
            q.path(ServiceCode::QR_MPM_GENERATE).as_deref(),
            Some("/ordersnap/api/v1.0/qr/qr-mpm-generate")
        );
        assert_eq!(
            q.path(ServiceCode::QR_MPM_QUERY).as_deref(),
            Some("/ordersnap/api/v1.0/qr/qr-mpm-query")
        );
        assert_eq!(q.token_path(), "/ordersnap/api/v1.0/access-token/b2b");
        let f = ProviderProfile::finpay();
        assert_eq!(f.token_path(), "/snap/oauth/v1.0/access-token/b2b");
        assert_eq!(
            f.path(ServiceCode::QR_MPM_REFUND).as_deref(),
            Some("/pg/payment/card/v1.0/qr/qr-mpm-refund")
        );
        assert_eq!(f.path(ServiceCode::TRANSFER_VA_CREATE_VA), None);
        assert_eq!(ProviderProfile::by_name("finpay"), Some(f));
        assert_eq!(ProviderProfile::by_name("bca"), None);
    }

    #[test]
    fn standard_and_provider_paths() {
        let s = ProviderProfile::standard();
        assert_eq!(s.token_path(), "/v1.0/access-token/b2b");
        assert_eq!(
            s.path(ServiceCode::TRANSFER_VA_DELETE_VA).as_deref(),
            Some("/v1.0/transfer-va/delete-va")
        );
        assert_eq!(
            s.path(ServiceCode::QR_MPM_CANCEL).as_deref(),
            Some("/v1.0/qr/qr-mpm-cancel")
        );
        let d = ProviderProfile::doku();
        assert_eq!(d.token_path(), "/authorization/v1/access-token/b2b");
        assert_eq!(
            d.path(ServiceCode::TRANSFER_VA_CREATE_VA).as_deref(),
            Some("/virtual-accounts/bi-snap-va/v1.1/transfer-va/create-va")
        );
        assert_eq!(d.timestamp_style(), TimestampStyle::Utc);
        let m = ProviderProfile::midtrans();
        assert_eq!(
            m.path(ServiceCode::QR_MPM_REFUND).as_deref(),
            Some("/v1.0/qr/qr-mpm-refund")
        );
        let dana = ProviderProfile::dana();
        assert_eq!(dana.signature_mode(), SignatureMode::Asymmetric);
        assert_eq!(
            dana.path(ServiceCode::DEBIT_REFUND).as_deref(),
            Some("/payment-gateway/v1.0/debit/refund.htm")
        );
        let delete = ServiceCode::TRANSFER_VA_DELETE_VA;
        assert_eq!(s.method(delete), http::Method::DELETE);
        assert_eq!(
            s.method(ServiceCode::TRANSFER_VA_UPDATE_VA),
            http::Method::PUT
        );
        assert_eq!(s.method(ServiceCode::QR_MPM_GENERATE), http::Method::POST);
        assert_eq!(d.method(delete), http::Method::DELETE);
        assert_eq!(m.method(delete), http::Method::POST);
        assert_eq!(
            m.method(ServiceCode::TRANSFER_VA_UPDATE_VA),
            http::Method::PUT,
            "only delete VA is Midtrans's own"
        );
        for name in ["standard", "doku", "midtrans", "dana"] {
            assert_eq!(ProviderProfile::by_name(name).unwrap().name(), name);
        }
    }
}
