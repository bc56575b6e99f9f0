//! A typed view of the common fields.

use crate::amount::{amount_to_minor, percent_to_hundredths};
use crate::parse::{DataObject, Payload};

/// Point of initiation method (01).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize),
    serde(rename_all = "lowercase")
)]
pub enum Initiation {
    /// `11`: the same code for many transactions.
    Static,
    /// `12`: a code for one transaction.
    Dynamic,
}

/// Tip or convenience fee (55, with 56 or 57).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize),
    serde(rename_all = "snake_case")
)]
pub enum Tip {
    /// `55 = 01`: the payer's app asks for a tip.
    Prompt,
    /// `55 = 02` with 56: a fixed fee in minor units (2 decimals).
    Fixed(u64),
    /// `55 = 03` with 57: a percentage in hundredths of a percent (`550` = 5.50 %).
    Percent(u16),
}

/// A merchant account information template (26–51), or the national repository template 51.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct MerchantAccount<'a> {
    /// The template ID (26–51).
    pub id: u8,
    /// 00: globally unique identifier / reverse domain (`ID.CO.QRIS.WWW`, `id.qoin.www`).
    pub guid: Option<&'a str>,
    /// 01: merchant PAN (first 8 digits: acquirer NNS). For 51 this ID is unused.
    pub pan: Option<&'a str>,
    /// 02: merchant id (for 51: the NMID).
    pub merchant_id: Option<&'a str>,
    /// 03: merchant criteria (UMI, UKE, UME, UBE, URE, PSO, BLU).
    pub criteria: Option<&'a str>,
}

/// Additional data field template (62).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct AdditionalData<'a> {
    /// 01: bill number.
    pub bill_number: Option<&'a str>,
    /// 02: mobile number.
    pub mobile_number: Option<&'a str>,
    /// 03: store label.
    pub store_label: Option<&'a str>,
    /// 04: loyalty number.
    pub loyalty_number: Option<&'a str>,
    /// 05: reference label.
    pub reference_label: Option<&'a str>,
    /// 06: customer label.
    pub customer_label: Option<&'a str>,
    /// 07: terminal label.
    pub terminal_label: Option<&'a str>,
    /// 08: purpose of transaction.
    pub purpose: Option<&'a str>,
    /// 09: additional consumer data request (A, M, E).
    pub consumer_data_request: Option<&'a str>,
    /// 10: merchant tax id.
    pub merchant_tax_id: Option<&'a str>,
    /// 11: merchant channel.
    pub merchant_channel: Option<&'a str>,
    /// 99: QRIS proprietary data, verbatim.
    pub proprietary: Option<&'a str>,
}

/// Merchant information in an alternate language (64).
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct AlternateLanguage<'a> {
    /// 00: language (ISO 639, 2 letters).
    pub language: Option<&'a str>,
    /// 01: merchant name.
    pub name: Option<&'a str>,
    /// 02: merchant city.
    pub city: Option<&'a str>,
}

/// The common fields of a payload, typed; `None` where absent or unreadable.
///
/// This view never fails: validation ([`Payload::validate`]) says whether the values are right.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct QrisView<'a> {
    /// 00.
    pub payload_format: Option<&'a str>,
    /// 01, when it is `11` or `12`.
    pub initiation: Option<Initiation>,
    /// Templates 26–45 (domestic acquirers), in payload order.
    pub merchant_accounts: Vec<MerchantAccount<'a>>,
    /// Template 51 (national repository).
    pub national: Option<MerchantAccount<'a>>,
    /// 51.02: the national merchant id.
    pub nmid: Option<&'a str>,
    /// 52: merchant category code.
    pub mcc: Option<&'a str>,
    /// 53: ISO 4217 numeric currency.
    pub currency: Option<&'a str>,
    /// 54 verbatim.
    pub amount_text: Option<&'a str>,
    /// 54 in minor units (2 decimals); `None` if absent or not an amount.
    pub amount: Option<u64>,
    /// 55–57.
    pub tip: Option<Tip>,
    /// 58.
    pub country: Option<&'a str>,
    /// 59.
    pub merchant_name: Option<&'a str>,
    /// 60.
    pub merchant_city: Option<&'a str>,
    /// 61.
    pub postal_code: Option<&'a str>,
    /// 62.
    pub additional_data: Option<AdditionalData<'a>>,
    /// 64.
    pub alternate_language: Option<AlternateLanguage<'a>>,
    /// 63 verbatim.
    pub crc: Option<&'a str>,
}

fn account<'a>(o: &DataObject<'a>) -> MerchantAccount<'a> {
    MerchantAccount {
        id: o.id(),
        guid: o.child_value(0),
        pan: o.child_value(1),
        merchant_id: o.child_value(2),
        criteria: o.child_value(3),
    }
}

impl<'a> Payload<'a> {
    /// The typed view of the common fields.
    pub fn view(&self) -> QrisView<'a> {
        let tip = match self.value(55) {
            Some("01") => Some(Tip::Prompt),
            Some("02") => self
                .value(56)
                .and_then(|v| amount_to_minor(v, 2))
                .map(Tip::Fixed),
            Some("03") => self
                .value(57)
                .and_then(percent_to_hundredths)
                .map(Tip::Percent),
            _ => None,
        };
        let national = self.get(51).map(account);
        QrisView {
            payload_format: self.value(0),
            initiation: match self.value(1) {
                Some("11") => Some(Initiation::Static),
                Some("12") => Some(Initiation::Dynamic),
                _ => None,
            },
            merchant_accounts: self
                .objects()
                .iter()
                .filter(|o| matches!(o.id(), 26..=45))
                .map(account)
                .collect(),
            nmid: national.as_ref().and_then(|n| n.merchant_id),
            national,
            mcc: self.value(52),
            currency: self.value(53),
            amount_text: self.value(54),
            amount: self.value(54).and_then(|v| amount_to_minor(v, 2)),
            tip,
            country: self.value(58),
            merchant_name: self.value(59),
            merchant_city: self.value(60),
            postal_code: self.value(61),
            additional_data: self.get(62).map(|t| AdditionalData {
                bill_number: t.child_value(1),
                mobile_number: t.child_value(2),
                store_label: t.child_value(3),
                loyalty_number: t.child_value(4),
                reference_label: t.child_value(5),
                customer_label: t.child_value(6),
                terminal_label: t.child_value(7),
                purpose: t.child_value(8),
                consumer_data_request: t.child_value(9),
                merchant_tax_id: t.child_value(10),
                merchant_channel: t.child_value(11),
                proprietary: t.child_value(99),
            }),
            alternate_language: self.get(64).map(|t| AlternateLanguage {
                language: t.child_value(0),
                name: t.child_value(1),
                city: t.child_value(2),
            }),
            crc: self.crc().found(),
        }
    }
}
