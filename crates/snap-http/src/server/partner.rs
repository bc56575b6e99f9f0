//! Registered partners: who may get a token and send notifications, with which keys.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use snap_crypto::{SignatureOptions, Verifier};
use snap_types::{ChannelId, PartnerId};

use crate::Error;
use crate::error::{ConfigError, ConfigErrorKind, ConfigField};
pub use crate::signature_mode::SignatureMode;

/// A partner (a PJP calling the merchant): its ids, keys and what it may do.
///
/// ```
/// use snap_crypto::{ClientSecret, RsaPublicKey};
/// use snap_http::{Partner, SignatureMode};
///
/// let pem = std::fs::read("../../fixtures/keys/rsa2048-public.pem")?;
/// let partner = Partner::new("QoinSnap")?
///     .with_public_key(RsaPublicKey::parse(&pem)?)
///     .with_client_secret(ClientSecret::new("secret"))
///     .with_mode(SignatureMode::Symmetric)
///     .with_channels(["95221"])?;
/// assert_eq!(partner.partner_id(), "QoinSnap");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct Partner {
    pub(crate) client_id: PartnerId,
    pub(crate) partner_id: PartnerId,
    pub(crate) public_key: Option<Arc<dyn Verifier>>,
    pub(crate) client_secret: Option<Arc<dyn Verifier>>,
    pub(crate) mode: SignatureMode,
    pub(crate) channels: Vec<ChannelId>,
    pub(crate) options: SignatureOptions,
}

impl Partner {
    /// A partner with this client id (`X-CLIENT-KEY` of the token request, and by default the
    /// `X-PARTNER-ID` of its notifications). Symmetric mode, any channel, standard signatures.
    pub fn new(client_id: &str) -> Result<Self, Error> {
        let client_id: PartnerId = client_id.parse()?;
        Ok(Self {
            partner_id: client_id.clone(),
            client_id,
            public_key: None,
            client_secret: None,
            mode: SignatureMode::Symmetric,
            channels: Vec::new(),
            options: SignatureOptions::standard(),
        })
    }

    /// A distinct `X-PARTNER-ID` for notifications (when the provider's partner id differs from
    /// the client key it gets tokens with).
    pub fn with_partner_id(mut self, partner_id: &str) -> Result<Self, Error> {
        self.partner_id = partner_id.parse()?;
        Ok(self)
    }

    /// The RSA public key that verifies the token request (and asymmetric notifications).
    #[must_use]
    pub fn with_public_key(self, key: impl Verifier + 'static) -> Self {
        self.with_public_key_arc(Arc::new(key))
    }

    /// Like [`Partner::with_public_key`] for a shared verifier (a KMS, a key shared by partners).
    #[must_use]
    pub fn with_public_key_arc(mut self, key: Arc<dyn Verifier>) -> Self {
        self.public_key = Some(key);
        self
    }

    /// The HMAC-SHA512 client secret that verifies symmetric notifications: a
    /// [`ClientSecret`](snap_crypto::ClientSecret), or any [`Verifier`] of that algorithm (a
    /// secret held in a KMS or HSM).
    #[must_use]
    pub fn with_client_secret(self, secret: impl Verifier + 'static) -> Self {
        self.with_client_secret_arc(Arc::new(secret))
    }

    /// Like [`Partner::with_client_secret`] for a shared verifier.
    #[must_use]
    pub fn with_client_secret_arc(mut self, secret: Arc<dyn Verifier>) -> Self {
        self.client_secret = Some(secret);
        self
    }

    /// How the partner signs notifications.
    #[must_use]
    pub fn with_mode(mut self, mode: SignatureMode) -> Self {
        self.mode = mode;
        self
    }

    /// The `CHANNEL-ID`s the partner may send; none (the default) allows any.
    pub fn with_channels<I, S>(mut self, channels: I) -> Result<Self, Error>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        self.channels = channels
            .into_iter()
            .map(|c| c.as_ref().parse())
            .collect::<Result<_, _>>()?;
        Ok(self)
    }

    /// Provider variations of the service string-to-sign (query string, empty body).
    #[must_use]
    pub fn with_signature_options(mut self, options: SignatureOptions) -> Self {
        self.options = options;
        self
    }

    /// The client id.
    pub fn client_id(&self) -> &str {
        self.client_id.as_str()
    }

    /// The partner id (`X-PARTNER-ID`).
    pub fn partner_id(&self) -> &str {
        self.partner_id.as_str()
    }

    /// The signature mode.
    pub fn mode(&self) -> SignatureMode {
        self.mode
    }

    /// The key the partner's notifications are verified with, per its mode.
    pub(crate) fn notification_verifier(&self) -> Option<&dyn Verifier> {
        match self.mode {
            SignatureMode::Symmetric => self.client_secret.as_deref(),
            SignatureMode::Asymmetric => self.public_key.as_deref(),
        }
    }

    fn check(&self) -> Result<(), ConfigError> {
        if self.notification_verifier().is_none() {
            let field = match self.mode {
                SignatureMode::Symmetric => ConfigField::ClientSecret,
                SignatureMode::Asymmetric => ConfigField::PublicKey,
            };
            return Err(ConfigError::new(field, ConfigErrorKind::Missing).about(&self.client_id));
        }
        Ok(())
    }

    pub(crate) fn allows_channel(&self, channel: &ChannelId) -> bool {
        self.channels.is_empty() || self.channels.contains(channel)
    }
}

impl fmt::Debug for Partner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Partner")
            .field("client_id", &self.client_id)
            .field("partner_id", &self.partner_id)
            .field("public_key", &self.public_key.is_some())
            .field(
                "client_secret",
                &self.client_secret.as_ref().map(|_| "<redacted>"),
            )
            .field("mode", &self.mode)
            .field("channels", &self.channels)
            .field("options", &self.options)
            .finish()
    }
}

/// The registered partners, found by client id (token requests) and by partner id
/// (notifications).
#[derive(Debug, Default)]
pub(crate) struct Partners {
    by_client: HashMap<PartnerId, Arc<Partner>>,
    by_partner: HashMap<PartnerId, Arc<Partner>>,
}

impl Partners {
    /// Checks each partner (the key its mode needs, unique ids) and indexes them.
    pub(crate) fn new(partners: impl IntoIterator<Item = Partner>) -> Result<Self, Error> {
        let mut registry = Self::default();
        for partner in partners {
            partner.check()?;
            let partner = Arc::new(partner);
            let (client_id, partner_id) = (partner.client_id.clone(), partner.partner_id.clone());
            if registry
                .by_client
                .insert(client_id.clone(), Arc::clone(&partner))
                .is_some()
            {
                let e = ConfigError::new(ConfigField::ClientId, ConfigErrorKind::Duplicate);
                return Err(e.about(client_id).into());
            }
            if registry
                .by_partner
                .insert(partner_id.clone(), partner)
                .is_some()
            {
                let e = ConfigError::new(ConfigField::PartnerId, ConfigErrorKind::Duplicate);
                return Err(e.about(partner_id).into());
            }
        }
        Ok(registry)
    }

    pub(crate) fn by_client_id(&self, client_id: &PartnerId) -> Option<&Arc<Partner>> {
        self.by_client.get(client_id)
    }

    pub(crate) fn by_partner_id(&self, partner_id: &PartnerId) -> Option<&Arc<Partner>> {
        self.by_partner.get(partner_id)
    }

    pub(crate) fn len(&self) -> usize {
        self.by_client.len()
    }
}
