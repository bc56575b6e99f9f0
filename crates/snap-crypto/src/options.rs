/// What goes into the body-hash component when the minified body is empty.
///
/// The standard hashes the empty string; the other variants exist in some providers' SDKs and are
/// only ever used when configured explicitly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum EmptyBodyHash {
    /// `lowerhex(sha256(""))` = `e3b0c442…b855` (the standard).
    #[default]
    Sha256OfEmpty,
    /// An empty component: `GET:/path:token::timestamp`.
    EmptyComponent,
    /// `lowerhex(sha256("null"))`.
    Sha256OfNull,
    /// `lowerhex(sha256("[]"))`.
    Sha256OfEmptyArray,
}

/// Whether the query string is part of the signed EndpointUrl.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum QueryInPath {
    /// The relative URL exactly as sent, query string included (the standard).
    #[default]
    Include,
    /// Everything from the first `?` is dropped before signing (e.g. BRI).
    Exclude,
}

/// Provider-specific variations of the service string-to-sign. `Default` is the standard.
///
/// ```
/// use snap_crypto::{EmptyBodyHash, QueryInPath, SignatureOptions};
/// let bri = SignatureOptions::standard().with_query(QueryInPath::Exclude);
/// assert_eq!(bri.empty_body(), EmptyBodyHash::Sha256OfEmpty);
/// assert_ne!(bri, SignatureOptions::default());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct SignatureOptions {
    empty_body: EmptyBodyHash,
    query: QueryInPath,
}

impl SignatureOptions {
    /// The standard: hash of the empty string for an empty body, query string included.
    pub const fn standard() -> Self {
        Self {
            empty_body: EmptyBodyHash::Sha256OfEmpty,
            query: QueryInPath::Include,
        }
    }

    /// Sets the empty-body variant.
    #[must_use]
    pub const fn with_empty_body(mut self, empty_body: EmptyBodyHash) -> Self {
        self.empty_body = empty_body;
        self
    }

    /// Sets whether the query string is signed.
    #[must_use]
    pub const fn with_query(mut self, query: QueryInPath) -> Self {
        self.query = query;
        self
    }

    /// The empty-body variant in force.
    pub const fn empty_body(&self) -> EmptyBodyHash {
        self.empty_body
    }

    /// The query-string handling in force.
    pub const fn query(&self) -> QueryInPath {
        self.query
    }
}
