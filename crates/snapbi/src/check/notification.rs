//! The notifications a provider sends a merchant (VA payment 25, QR MPM notify 52, debit notify
//! 56): their paths and bodies, valid or deliberately broken in one named field.

use serde_json::json;
use snap_types::{Amount, CustomerNo, ServiceCode, VirtualAccountNo};

use super::config::{Bill, Paths};

/// Which notification.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// VA payment (service 25), seed 000's shape.
    VaPayment,
    /// QR MPM notify (service 52), seed 003's shape.
    QrNotify,
    /// Direct-debit notify (service 56), seed 001's shape.
    DebitNotify,
}

impl Kind {
    /// Its service code.
    pub(crate) fn service(self) -> ServiceCode {
        match self {
            Self::VaPayment => ServiceCode::TRANSFER_VA_PAYMENT,
            Self::QrNotify => ServiceCode::QR_MPM_NOTIFY,
            Self::DebitNotify => ServiceCode::DEBIT_NOTIFY,
        }
    }

    /// Its short name in scenario ids.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::VaPayment => "va-payment",
            Self::QrNotify => "qr-notify",
            Self::DebitNotify => "debit-notify",
        }
    }

    /// The merchant's endpoint for it.
    pub(crate) fn path(self, paths: &Paths) -> &str {
        match self {
            Self::VaPayment => &paths.va_payment,
            Self::QrNotify => &paths.qr_notify,
            Self::DebitNotify => &paths.debit_notify,
        }
    }

    /// The field [`Payment::invalid_body`] breaks, and whether the standard calls that a format
    /// (`01`) rather than a mandatory-field (`02`) problem.
    pub(crate) fn invalid_field(self) -> (&'static str, bool) {
        match self {
            Self::VaPayment => ("paidAmount.value", true),
            Self::QrNotify => ("transactionDate", true),
            Self::DebitNotify => ("createdTime", false),
        }
    }
}

/// One payment to notify: the bill, what was paid, when, and the provider's transaction id.
#[derive(Debug, Clone)]
pub(crate) struct Payment<'a> {
    pub(crate) bill: &'a Bill,
    pub(crate) amount: Amount,
    /// A customer number the merchant never issued, for the unknown-bill scenario.
    pub(crate) unknown_customer: Option<CustomerNo>,
    /// `trxDateTime` / `transactionDate` / `createdTime`, already formatted.
    pub(crate) at: String,
    /// The provider's id of this payment (`trxId`, `originalReferenceNo` suffix).
    pub(crate) trx_id: String,
}

impl Payment<'_> {
    /// The notification body.
    pub(crate) fn body(&self, kind: Kind) -> Vec<u8> {
        self.value(kind).to_string().into_bytes()
    }

    /// The body with [`Kind::invalid_field`] broken (a malformed value, or left out).
    pub(crate) fn invalid_body(&self, kind: Kind) -> Vec<u8> {
        let mut value = self.value(kind);
        match kind {
            Kind::VaPayment => value["paidAmount"]["value"] = json!("ten thousand"),
            Kind::QrNotify => value["transactionDate"] = json!("yesterday"),
            Kind::DebitNotify => {
                if let Some(object) = value.as_object_mut() {
                    object.remove("createdTime");
                }
            }
        }
        value.to_string().into_bytes()
    }

    fn value(&self, kind: Kind) -> serde_json::Value {
        let bill = self.bill;
        let amount = json!({ "value": self.amount.to_string(), "currency": "IDR" });
        let (reference, partner_reference) = match &self.unknown_customer {
            Some(unknown) => (
                format!("UNKNOWN-{}", unknown.as_str()),
                format!("UNKNOWN-{}", unknown.as_str()),
            ),
            None => (bill.reference_no.clone(), bill.partner_reference_no.clone()),
        };
        match kind {
            Kind::VaPayment => {
                let (customer_no, va) = match &self.unknown_customer {
                    Some(unknown) => (
                        unknown.as_str().to_owned(),
                        VirtualAccountNo::compose(&bill.partner_service_id, unknown).map_or_else(
                            |_| unknown.as_str().to_owned(),
                            |v| v.as_str().to_owned(),
                        ),
                    ),
                    None => (
                        bill.customer_no.as_str().to_owned(),
                        bill.virtual_account_no.as_str().to_owned(),
                    ),
                };
                json!({
                    "partnerServiceId": bill.partner_service_id.as_str(),
                    "customerNo": customer_no,
                    "virtualAccountNo": va,
                    "virtualAccountName": "snapbi check",
                    "virtualAccountEmail": "check@example.com",
                    "virtualAccountPhone": "6281200000000",
                    "trxId": self.trx_id,
                    "paymentRequestId": self.trx_id,
                    "paidAmount": amount,
                    "trxDateTime": self.at,
                    "referenceNo": self.trx_id,
                    "additionalInfo": { "paymentFlagStatus": "00" },
                })
            }
            Kind::QrNotify => json!({
                "originalPartnerReferenceNo": partner_reference,
                "originalReferenceNo": reference,
                "transactionDate": self.at,
                "latestTransactionStatus": "00",
                "transactionStatusDesc": "Success",
                "amount": amount,
            }),
            Kind::DebitNotify => {
                let created = self.at.get(..19).unwrap_or(&self.at).replace('T', " ");
                json!({
                    "additionalInfo": { "amount": amount },
                    "createdTime": created,
                    "latestTransactionStatus": "00",
                    "originalPartnerReferenceNo": partner_reference,
                    "originalReferenceNo": reference,
                    "transactionStatusDesc": "Success",
                })
            }
        }
    }
}
