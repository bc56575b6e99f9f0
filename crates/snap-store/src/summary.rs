//! The typed summary kept beside each stored notification: what a person scanning the inbox or
//! the merchant's service reading the outbox wants without parsing the body again.

use serde::{Deserialize, Serialize};
use snap_types::{
    AnyVaPayment, Money, PaymentFlagStatus, QrMpmNotification, ServiceCode,
    StandardDebitNotification, Timestamp, TransactionStatus, VirtualAccountNo, parse_body,
};

/// The essentials of a notification, by service.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(
    tag = "kind",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
#[non_exhaustive]
pub enum Summary {
    /// `25` Virtual Account payment.
    VaPayment {
        /// The paid virtual account.
        virtual_account_no: VirtualAccountNo,
        /// The merchant's transaction id (the standard's shape may leave it out).
        trx_id: Option<String>,
        /// The provider's reference (the standard's shape may leave it out).
        reference_no: Option<String>,
        /// What was paid.
        paid_amount: Money,
        /// `00` success, `06` failed (from `additionalInfo` or `paymentFlagStatus`).
        payment_flag_status: Option<PaymentFlagStatus>,
        /// When it was paid, as sent (the standard's shape may leave it out).
        trx_date_time: Option<String>,
    },
    /// `56` debit (direct debit / e-wallet) notify.
    DebitNotify {
        /// The merchant's reference of the original transaction (optional in the standard).
        original_partner_reference_no: Option<String>,
        /// The provider's reference of the original transaction.
        original_reference_no: String,
        /// The transaction's state.
        latest_transaction_status: TransactionStatus,
        /// The provider's words for it (optional in the standard).
        transaction_status_desc: Option<String>,
    },
    /// `52` QRIS MPM notify.
    QrMpmNotify {
        /// The merchant's reference of the original transaction.
        original_partner_reference_no: Option<String>,
        /// The provider's reference of the original transaction.
        original_reference_no: Option<String>,
        /// When it happened.
        transaction_date: Option<Timestamp>,
    },
    /// A service this crate does not summarise, or a body its DTO does not read (the raw body is
    /// kept either way).
    Unsummarised,
}

impl Summary {
    /// The summary of a notification body of `service`.
    pub fn of(service: ServiceCode, body: &[u8]) -> Self {
        match service {
            // Either shape a receiver accepts: seed 000's or the standard's.
            ServiceCode::TRANSFER_VA_PAYMENT => parse_body::<AnyVaPayment>(body)
                .map(|n| Self::VaPayment {
                    payment_flag_status: n.payment_flag_status(),
                    virtual_account_no: n.virtual_account_no().clone(),
                    trx_id: n.trx_id().map(str::to_owned),
                    reference_no: n.reference_no().map(str::to_owned),
                    paid_amount: n.paid_amount(),
                    trx_date_time: n.trx_date_time().map(str::to_owned),
                })
                .unwrap_or(Self::Unsummarised),
            // The standard's table, which seed bodies also satisfy (`createdTime` optional).
            ServiceCode::DEBIT_NOTIFY => parse_body::<StandardDebitNotification>(body)
                .map(|n| Self::DebitNotify {
                    original_partner_reference_no: n.original_partner_reference_no,
                    original_reference_no: n.original_reference_no,
                    latest_transaction_status: n.latest_transaction_status,
                    transaction_status_desc: n.transaction_status_desc,
                })
                .unwrap_or(Self::Unsummarised),
            ServiceCode::QR_MPM_NOTIFY => parse_body::<QrMpmNotification>(body)
                .map(|n| Self::QrMpmNotify {
                    original_partner_reference_no: n.original_partner_reference_no,
                    original_reference_no: n.original_reference_no,
                    transaction_date: n.transaction_date,
                })
                .unwrap_or(Self::Unsummarised),
            _ => Self::Unsummarised,
        }
    }
}
