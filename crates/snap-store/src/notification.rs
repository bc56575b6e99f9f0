//! What the store keeps of one notification, and of its delivery to the merchant's service.

use bytes::Bytes;
use serde::{Deserialize, Serialize};
use snap_http::ReceivedRequest;
use snap_types::{ChannelId, ExternalId, PartnerId, ServiceCode, Timestamp};
use time::{Date, OffsetDateTime};

use crate::Summary;

/// A stored notification's number: assigned in order of acceptance, never reused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct NotificationId(pub u64);

impl std::fmt::Display for NotificationId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// A notification the server accepted, as recorded in the same transaction as its answer (made
/// from the server's [`ReceivedRequest`]).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Notification {
    /// The SNAP service (`25` VA payment, `52` QR notify, `56` debit notify, ...).
    pub service: ServiceCode,
    /// The verified partner (`X-PARTNER-ID`).
    pub partner_id: PartnerId,
    /// The endpoint it was posted to (the path as routed, without the query).
    pub endpoint: String,
    /// `X-EXTERNAL-ID`.
    pub external_id: ExternalId,
    /// The Asia/Jakarta date of `received_at`: with partner and external id, the key.
    pub jakarta_date: Date,
    /// `X-TIMESTAMP` as the partner sent it.
    pub timestamp: Timestamp,
    /// `CHANNEL-ID`, when sent.
    pub channel_id: Option<ChannelId>,
    /// When the server received it (the server's clock).
    pub received_at: OffsetDateTime,
    /// The body exactly as received.
    pub body: Bytes,
}

impl From<&ReceivedRequest> for Notification {
    fn from(request: &ReceivedRequest) -> Self {
        Self {
            service: request.service,
            partner_id: request.key.partner_id.clone(),
            endpoint: request.endpoint.clone(),
            external_id: request.key.external_id.clone(),
            jakarta_date: request.key.date,
            timestamp: request.timestamp.clone(),
            channel_id: request.channel_id.clone(),
            received_at: request.received_at,
            body: request.body.clone(),
        }
    }
}

/// A notification read back from the store.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct StoredNotification {
    /// Its number.
    pub id: NotificationId,
    /// What was received.
    pub notification: Notification,
    /// The typed summary made when it was stored.
    pub summary: Summary,
    /// Its delivery to the merchant's service, when the store keeps an outbox for it.
    pub delivery: Option<DeliveryState>,
}

/// Where a notification's delivery to the merchant's service stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub enum DeliveryStatus {
    /// Not yet delivered; retried until it is.
    Pending,
    /// The target answered 2xx.
    Delivered,
    /// Never to be sent (the reason is in [`DeliveryState::last_error`]).
    Abandoned,
}

impl DeliveryStatus {
    #[cfg(feature = "postgres")]
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Delivered => "delivered",
            Self::Abandoned => "abandoned",
        }
    }

    #[cfg(feature = "postgres")]
    pub(crate) fn parse(text: &str) -> Option<Self> {
        match text {
            "pending" => Some(Self::Pending),
            "delivered" => Some(Self::Delivered),
            "abandoned" => Some(Self::Abandoned),
            _ => None,
        }
    }
}

/// A notification's outbox entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct DeliveryState {
    /// Pending, delivered or abandoned.
    pub status: DeliveryStatus,
    /// Attempts so far.
    pub attempts: u32,
    /// The last failure, or why it was abandoned.
    pub last_error: Option<String>,
}

impl DeliveryState {
    #[cfg(feature = "redb")]
    pub(crate) fn pending() -> Self {
        Self {
            status: DeliveryStatus::Pending,
            attempts: 0,
            last_error: None,
        }
    }
}

/// A delivery taken from the outbox by [`NotificationStore::take_deliveries`]: no other taker gets
/// it until it is reported or its lock runs out.
///
/// [`NotificationStore::take_deliveries`]: crate::NotificationStore::take_deliveries
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Delivery {
    /// The notification to send.
    pub notification: StoredNotification,
    /// Attempts before this one.
    pub attempts: u32,
}
