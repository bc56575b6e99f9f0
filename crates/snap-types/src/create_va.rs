//! Create virtual account (service 27): `POST .../v1.0/transfer-va/create-va` (seed 002).

use serde::{Deserialize, Serialize};

use crate::amount::Money;
use crate::request::SnapRequest;
use crate::response_code::ResponseCode;
use crate::service_code::ServiceCode;
use crate::status_response::impl_snap_response;
use crate::timestamp::Timestamp;
use crate::va_payment::VirtualAccountData;
use crate::validation::{FieldError, Validate, mandatory_str};

/// Request body of create VA (seed 002), fields in the example's order.
///
/// Validation (seed 002 table): mandatory `virtualAccountName` (≤ 255), `virtualAccountEmail`
/// (≤ 255), `virtualAccountPhone` (≤ 30), `trxId` (≤ 36), `totalAmount`, `billDetails` (at least
/// one), each bill's `billName` and `additionalInfo` (an object), `expiredDate` (RFC 3339) and
/// `additionalInfo` with the integer `enabledh2hpayments`. The seed's table spells the top-level
/// object `addtionalInfo` while its example says `additionalInfo`: both are accepted, and it is
/// always written as `additionalInfo`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateVaRequest {
    /// Customer name.
    pub virtual_account_name: String,
    /// Customer e-mail.
    pub virtual_account_email: String,
    /// Customer phone number.
    pub virtual_account_phone: String,
    /// Transaction id in the merchant's system.
    pub trx_id: String,
    /// Amount to pay.
    pub total_amount: Money,
    /// Bills (at least one).
    pub bill_details: Vec<BillDetail>,
    /// When the VA expires.
    pub expired_date: Timestamp,
    /// `additionalInfo` (`{"enabledh2hpayments": 4}`), also read from `addtionalInfo`.
    #[serde(alias = "addtionalInfo")]
    pub additional_info: CreateVaAdditionalInfo,
}

/// Create VA's `additionalInfo`: the seed's `enabledh2hpayments`, and any other key a provider
/// wants, passed through as sent (written after `enabledh2hpayments`, in key order).
///
/// ```
/// use snap_types::CreateVaAdditionalInfo;
///
/// let info = CreateVaAdditionalInfo::new(4).with_extra("channel", serde_json::json!("BCA"));
/// assert_eq!(serde_json::to_string(&info)?, r#"{"enabledh2hpayments":4,"channel":"BCA"}"#);
/// let back: CreateVaAdditionalInfo = serde_json::from_str(r#"{"channel":"BCA","enabledh2hpayments":4}"#)?;
/// assert_eq!(back, info);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct CreateVaAdditionalInfo {
    /// `enabledh2hpayments`: which host-to-host payment channels the VA accepts (4 in seed 002).
    pub enabled_h2h_payments: i64,
    /// Every other key, as sent.
    pub extra: serde_json::Map<String, serde_json::Value>,
}

impl CreateVaAdditionalInfo {
    /// `{"enabledh2hpayments": n}`.
    pub fn new(enabled_h2h_payments: i64) -> Self {
        Self {
            enabled_h2h_payments,
            extra: serde_json::Map::new(),
        }
    }

    /// With another key (replacing one of that name).
    #[must_use]
    pub fn with_extra(mut self, key: impl Into<String>, value: serde_json::Value) -> Self {
        self.extra.insert(key.into(), value);
        self
    }
}

const ENABLED_H2H: &str = "enabledh2hpayments";

impl Serialize for CreateVaAdditionalInfo {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap as _;
        let extra = self
            .extra
            .iter()
            .filter(|(key, _)| key.as_str() != ENABLED_H2H);
        let mut map = serializer.serialize_map(Some(1 + self.extra.len()))?;
        map.serialize_entry(ENABLED_H2H, &self.enabled_h2h_payments)?;
        for (key, value) in extra {
            map.serialize_entry(key, value)?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for CreateVaAdditionalInfo {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct InfoVisitor;

        impl<'de> serde::de::Visitor<'de> for InfoVisitor {
            type Value = CreateVaAdditionalInfo;

            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a JSON object with an integer enabledh2hpayments")
            }

            // Key by key through the map, so a bad `enabledh2hpayments` is reported at its path.
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<Self::Value, A::Error> {
                let mut enabled = None;
                let mut extra = serde_json::Map::new();
                while let Some(key) = map.next_key::<String>()? {
                    if key == ENABLED_H2H {
                        enabled = Some(map.next_value::<i64>()?);
                    } else {
                        let value = map.next_value()?;
                        extra.insert(key, value);
                    }
                }
                let enabled_h2h_payments =
                    enabled.ok_or_else(|| serde::de::Error::missing_field(ENABLED_H2H))?;
                Ok(CreateVaAdditionalInfo {
                    enabled_h2h_payments,
                    extra,
                })
            }
        }

        deserializer.deserialize_map(InfoVisitor)
    }
}

/// One entry of `billDetails`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BillDetail {
    /// Bill code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bill_code: Option<String>,
    /// Bill number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bill_no: Option<String>,
    /// Bill name (mandatory).
    pub bill_name: String,
    /// Short name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bill_short_name: Option<String>,
    /// Description in English and Indonesian.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bill_description: Option<BillDescription>,
    /// The partner's product code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bill_sub_company: Option<String>,
    /// Amount of this bill.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bill_amount: Option<Money>,
    /// `additionalInfo` of the bill (mandatory, an object, may be `{}`), passed through as sent.
    pub additional_info: serde_json::Map<String, serde_json::Value>,
}

/// `billDescription`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BillDescription {
    /// English text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub english: Option<String>,
    /// Indonesian text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub indonesia: Option<String>,
}

impl CreateVaRequest {
    /// A request for the merchant's transaction `trx_id` of `total_amount`, expiring at
    /// `expired_date`, with one bill of that amount named after the transaction and
    /// `additionalInfo` `{"enabledh2hpayments":4}` (seed 002). Set the customer with
    /// [`with_customer`](Self::with_customer), other bills with [`with_bills`](Self::with_bills).
    ///
    /// ```
    /// use snap_types::{Amount, BillDetail, CreateVaRequest, Money};
    ///
    /// let amount = Money::idr(Amount::new(15_000_000).ok_or("amount")?);
    /// let request = CreateVaRequest::new("INV-42", amount, "2024-08-24T07:45:00+07:00".parse()?)
    ///     .with_customer("Budi Utomo", "budi@example.com", "6281223323423");
    /// assert_eq!(request.bill_details[0].bill_name, "INV-42");
    /// assert_eq!(request.additional_info.enabled_h2h_payments, 4);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new(trx_id: impl Into<String>, total_amount: Money, expired_date: Timestamp) -> Self {
        let trx_id = trx_id.into();
        let mut bill = BillDetail::new(trx_id.clone());
        bill.bill_amount = Some(total_amount);
        Self {
            virtual_account_name: String::new(),
            virtual_account_email: String::new(),
            virtual_account_phone: String::new(),
            trx_id,
            total_amount,
            bill_details: vec![bill],
            expired_date,
            additional_info: CreateVaAdditionalInfo::new(4),
        }
    }

    /// The customer's `virtualAccountName`, `virtualAccountEmail` and `virtualAccountPhone`.
    #[must_use]
    pub fn with_customer(
        mut self,
        name: impl Into<String>,
        email: impl Into<String>,
        phone: impl Into<String>,
    ) -> Self {
        self.virtual_account_name = name.into();
        self.virtual_account_email = email.into();
        self.virtual_account_phone = phone.into();
        self
    }

    /// Replaces the bills.
    #[must_use]
    pub fn with_bills(mut self, bills: Vec<BillDetail>) -> Self {
        self.bill_details = bills;
        self
    }
}

impl BillDetail {
    /// A bill named `bill_name` with an empty `additionalInfo` and no other field.
    pub fn new(bill_name: impl Into<String>) -> Self {
        Self {
            bill_code: None,
            bill_no: None,
            bill_name: bill_name.into(),
            bill_short_name: None,
            bill_description: None,
            bill_sub_company: None,
            bill_amount: None,
            additional_info: serde_json::Map::new(),
        }
    }
}

impl Validate for CreateVaRequest {
    fn validate(&self) -> Result<(), FieldError> {
        mandatory_str("virtualAccountName", &self.virtual_account_name, Some(255))?;
        mandatory_str(
            "virtualAccountEmail",
            &self.virtual_account_email,
            Some(255),
        )?;
        mandatory_str("virtualAccountPhone", &self.virtual_account_phone, Some(30))?;
        mandatory_str("trxId", &self.trx_id, Some(36))?;
        if self.bill_details.is_empty() {
            return Err(FieldError::mandatory("billDetails"));
        }
        for (i, bill) in self.bill_details.iter().enumerate() {
            let at = |field: &str| format!("billDetails[{i}].{field}");
            mandatory_str(&at("billName"), &bill.bill_name, None)?;
        }
        Ok(())
    }
}

impl SnapRequest for CreateVaRequest {
    const SERVICE: ServiceCode = ServiceCode::TRANSFER_VA_CREATE_VA;
    type Response = CreateVaResponse;
}

/// Response body of create VA (seed 002). `referenceNo` and `virtualAccountData` are optional so
/// error answers parse too.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateVaResponse {
    /// The PJP's reference.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference_no: Option<String>,
    /// `2002700` on success.
    pub response_code: ResponseCode,
    /// Free text (≤ 150).
    pub response_message: String,
    /// The created VA (seed 002 sends only `virtualAccountNo`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub virtual_account_data: Option<VirtualAccountData>,
}

impl_snap_response!(CreateVaResponse);
