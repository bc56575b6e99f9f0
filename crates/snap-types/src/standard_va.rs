//! The ASPI standard's Virtual Account bodies (services 24–31), as the ASPI SNAP developer site's
//! "Virtual Account" page tables them (digest: `ASPI-SERVICES.md` §2–3), beside the seed shapes of
//! [`CreateVaRequest`](crate::CreateVaRequest) and
//! [`VaPaymentNotification`](crate::VaPaymentNotification).
//!
//! Every DTO keeps the fields it does not name in `extra` (serialised back in place), so a
//! provider's extension (`freeText`, `virtualAccountConfig`, ...) survives a round trip.
//! Optional fields are optional; mandatory ones are checked for presence and length; the
//! conditional rules that a body alone can decide are checked as the standard states them.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::amount::Money;
use crate::request::{RequestError, SnapRequest};
use crate::response_code::ResponseCode;
use crate::service_code::ServiceCode;
use crate::status_response::impl_snap_response;
use crate::transaction_status::PaymentFlagStatus;
use crate::va_payment::VaPaymentNotification;
use crate::validation::{FieldError, Validate, mandatory_str, optional_str};
use crate::virtual_account::{CustomerNo, PartnerServiceId, VirtualAccountNo};

/// Fields a DTO does not name, kept as received.
pub type Extra = Map<String, Value>;

/// `virtualAccountNo` must be `partnerServiceId + customerNo`: the 8-character space-padded form
/// (§2.1), or the two exactly as received (A-3: samples send shorter prefixes).
pub(crate) fn check_va_identity(
    psid: &PartnerServiceId,
    customer_no: &CustomerNo,
    va: &VirtualAccountNo,
) -> Result<(), FieldError> {
    if customer_no.is_empty() {
        return Err(FieldError::mandatory("customerNo"));
    }
    let padded = VirtualAccountNo::compose(psid, customer_no)
        .map_err(|e| FieldError::from_value_error("customerNo", &e))?;
    let as_received = format!("{}{}", psid.as_str(), customer_no.as_str());
    if padded == *va || as_received == va.as_str() {
        Ok(())
    } else {
        Err(FieldError::format(
            "virtualAccountNo",
            "is not partnerServiceId followed by customerNo",
        ))
    }
}

/// `additionalInfo`, when present, must be an object.
pub(crate) fn check_info(path: &str, info: Option<&Value>) -> Result<(), FieldError> {
    match info {
        None | Some(Value::Object(_)) => Ok(()),
        Some(_) => Err(FieldError::format(path, "not a JSON object")),
    }
}

/// An optional array of at most `max` items.
fn check_items<T>(path: &str, items: Option<&Vec<T>>, max: usize) -> Result<(), FieldError> {
    match items {
        Some(items) if items.len() > max => Err(FieldError::format(
            path,
            format!("{} items, at most {max} allowed", items.len()),
        )),
        _ => Ok(()),
    }
}

/// One entry of `billDetails[]` (§2.2); which fields a service uses varies, all are optional.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StandardBill {
    /// Bill the customer picks (≤ 2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bill_code: Option<String>,
    /// The partner's bill number (≤ 18).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bill_no: Option<String>,
    /// Bill name (≤ 20).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bill_name: Option<String>,
    /// Partner product code (≤ 5).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bill_sub_company: Option<String>,
    /// Amount of this bill.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bill_amount: Option<Money>,
    /// Everything else (`billDescription`, `billReferenceNo`, `status`, ...), as received.
    #[serde(flatten)]
    pub extra: Extra,
}

impl StandardBill {
    fn validate_at(&self, path: &str) -> Result<(), FieldError> {
        optional_str("billCode", self.bill_code.as_deref(), Some(2))
            .and_then(|()| optional_str("billNo", self.bill_no.as_deref(), Some(18)))
            .and_then(|()| optional_str("billName", self.bill_name.as_deref(), Some(20)))
            .and_then(|()| {
                optional_str("billSubCompany", self.bill_sub_company.as_deref(), Some(5))
            })
            .map_err(|e| e.under(path))
    }
}

fn check_bills(bills: Option<&Vec<StandardBill>>) -> Result<(), FieldError> {
    check_items("billDetails", bills, 24)?;
    for (i, bill) in bills.into_iter().flatten().enumerate() {
        bill.validate_at(&format!("billDetails[{i}]"))?;
    }
    Ok(())
}

/// The VA identity every service but create VA makes mandatory (§2.1).
macro_rules! va_identity_fields {
    ($(#[$meta:meta])* pub struct $name:ident { $($body:tt)* }) => {
        $(#[$meta])*
        pub struct $name {
            /// Company / BIN prefix, space-padded to 8 (≤ 8).
            pub partner_service_id: PartnerServiceId,
            /// Customer part (≤ 20 digits).
            pub customer_no: CustomerNo,
            /// `partnerServiceId + customerNo` (≤ 28).
            pub virtual_account_no: VirtualAccountNo,
            $($body)*
            /// Fields not named above, as received.
            #[serde(flatten)]
            pub extra: Extra,
        }
    };
}

va_identity_fields! {
    /// Request of VA inquiry (service 24, PJP → merchant): the PJP asks the merchant, as biller,
    /// for the bill of a VA before the customer pays.
    ///
    /// Mandatory: the VA identity and `inquiryRequestId` (≤ 128). Optional: `trxDateInit` (≤ 25),
    /// `channelCode` (a number of 4 digits), `language` (≤ 2), `amount`, `hashedSourceAccountNo`
    /// (≤ 32), `sourceBankCode` (≤ 11), `passApp` (≤ 64), `additionalInfo` (an object).
    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct StandardVaInquiryRequest {
        /// The PJP's system time (ISO-8601, as sent).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub trx_date_init: Option<String>,
        /// ISO 18245 channel (a JSON number in the standard).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub channel_code: Option<Value>,
        /// ISO 639-1 language.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub language: Option<String>,
        /// Amount the customer keyed in.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub amount: Option<Money>,
        /// The inquiry's id, generated by the PJP.
        pub inquiry_request_id: String,
        /// Extension object.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub additional_info: Option<Value>,
    }
}

/// Whose rules a VA body from a PJP (24, 25) is read by: the standard's, or a provider's
/// documented dialect of them (only the rules that differ; see `doku_va.rs`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Dialect {
    /// The standard's table.
    Standard,
    /// DOKU's: `channelCode` as a numeric string, `customerNo` as the whole VA number.
    Doku,
}

/// `channelCode`: a JSON number of at most 4 digits in the standard; DOKU also sends it as a
/// string of digits (`"6011"`).
fn check_channel_code(value: Option<&Value>, dialect: Dialect) -> Result<(), FieldError> {
    match value {
        None => Ok(()),
        Some(Value::Number(n)) if n.as_u64().is_some_and(|n| n <= 9999) => Ok(()),
        Some(Value::String(s)) if dialect == Dialect::Doku && channel_code_text(s).is_some() => {
            Ok(())
        }
        Some(_) if dialect == Dialect::Doku => Err(FieldError::format(
            "channelCode",
            "must be a number or a string of at most 4 digits",
        )),
        Some(_) => Err(FieldError::format(
            "channelCode",
            "must be a number of at most 4 digits",
        )),
    }
}

/// A `channelCode` string of 1 to 4 digits as its number.
fn channel_code_text(text: &str) -> Option<u16> {
    if (1..=4).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_digit()) {
        text.parse().ok()
    } else {
        None
    }
}

/// The ISO 18245 channel of a `channelCode` value, whether a number or (DOKU) a digit string.
pub(crate) fn channel_code(value: Option<&Value>) -> Option<u16> {
    match value? {
        Value::Number(n) => n.as_u64().and_then(|n| u16::try_from(n).ok()),
        Value::String(s) => channel_code_text(s),
        _ => None,
    }
}

/// The VA identity as `dialect` reads it: the standard's rule, and for DOKU also `customerNo`
/// equal to the whole VA number that starts with `partnerServiceId` (its Mandiri sample:
/// `"88899"`, `"8889912345678980003"`, `"8889912345678980003"`).
fn check_identity_in(
    psid: &PartnerServiceId,
    customer_no: &CustomerNo,
    va: &VirtualAccountNo,
    dialect: Dialect,
) -> Result<(), FieldError> {
    let standard = check_va_identity(psid, customer_no, va);
    let prefix = psid.as_str().trim_start();
    let doku_whole_number = dialect == Dialect::Doku
        && !customer_no.is_empty()
        && customer_no.as_str() == va.as_str()
        && !prefix.is_empty()
        && va.as_str().starts_with(prefix);
    match standard {
        Err(_) if doku_whole_number => Ok(()),
        other => other,
    }
}

impl StandardVaInquiryRequest {
    /// The table's checks, with the rules of `dialect`.
    pub(crate) fn validate_in(&self, dialect: Dialect) -> Result<(), FieldError> {
        check_identity_in(
            &self.partner_service_id,
            &self.customer_no,
            &self.virtual_account_no,
            dialect,
        )?;
        optional_str("trxDateInit", self.trx_date_init.as_deref(), Some(25))?;
        check_channel_code(self.channel_code.as_ref(), dialect)?;
        optional_str("language", self.language.as_deref(), Some(2))?;
        for (path, max) in [
            ("hashedSourceAccountNo", 32),
            ("sourceBankCode", 11),
            ("passApp", 64),
        ] {
            optional_str(
                path,
                self.extra.get(path).and_then(Value::as_str),
                Some(max),
            )?;
        }
        mandatory_str("inquiryRequestId", &self.inquiry_request_id, Some(128))?;
        check_info("additionalInfo", self.additional_info.as_ref())
    }
}

impl Validate for StandardVaInquiryRequest {
    fn validate(&self) -> Result<(), FieldError> {
        self.validate_in(Dialect::Standard)
    }
}

impl SnapRequest for StandardVaInquiryRequest {
    const SERVICE: ServiceCode = ServiceCode::TRANSFER_VA_INQUIRY;
    type Response = StandardVaResponse;
}

va_identity_fields! {
    /// Request of VA payment (service 25, PJP → merchant): the payment flag / notification.
    ///
    /// Mandatory: the VA identity, `paymentRequestId` (≤ 128) and `paidAmount`. Optional:
    /// `virtualAccountName`/`Email` (≤ 255), `virtualAccountPhone` (≤ 30), `trxId` (≤ 64; the
    /// standard makes it mandatory when the VA came from create VA, which only the VA's owner
    /// knows), `channelCode` (number), `cumulativePaymentAmount`, `paidBills` (≤ 6),
    /// `totalAmount`, `trxDateTime` (≤ 25), `referenceNo` (≤ 64), `journalNum` (≤ 6),
    /// `paymentType` and `flagAdvise` (1), `subCompany` (≤ 5), `billDetails` (≤ 24), `freeTexts`
    /// (≤ 25), `additionalInfo`.
    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct StandardVaPaymentRequest {
        /// Customer name.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub virtual_account_name: Option<String>,
        /// The merchant's transaction id (from create VA).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub trx_id: Option<String>,
        /// The PJP's payment id (equals `inquiryRequestId` when an inquiry came first).
        pub payment_request_id: String,
        /// ISO 18245 channel (a JSON number in the standard).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub channel_code: Option<Value>,
        /// Amount paid.
        pub paid_amount: Money,
        /// Total from the inquiry.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub total_amount: Option<Money>,
        /// The PJP's system time (ISO-8601, as sent).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub trx_date_time: Option<String>,
        /// The PJP's payment auth code.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub reference_no: Option<String>,
        /// Retry marker (`Y` retry, `N` new).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub flag_advise: Option<String>,
        /// Bills paid.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub bill_details: Option<Vec<StandardBill>>,
        /// Texts shown on the paying channel.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub free_texts: Option<Vec<Value>>,
        /// Extension object.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub additional_info: Option<Value>,
    }
}

impl Validate for StandardVaPaymentRequest {
    fn validate(&self) -> Result<(), FieldError> {
        self.validate_in(Dialect::Standard)
    }
}

impl StandardVaPaymentRequest {
    /// The table's checks, with the rules of `dialect`.
    pub(crate) fn validate_in(&self, dialect: Dialect) -> Result<(), FieldError> {
        check_identity_in(
            &self.partner_service_id,
            &self.customer_no,
            &self.virtual_account_no,
            dialect,
        )?;
        optional_str(
            "virtualAccountName",
            self.virtual_account_name.as_deref(),
            Some(255),
        )?;
        for (path, max) in [
            ("virtualAccountEmail", 255),
            ("virtualAccountPhone", 30),
            ("hashedSourceAccountNo", 32),
            ("sourceBankCode", 11),
            ("paidBills", 6),
            ("journalNum", 6),
            ("subCompany", 5),
        ] {
            optional_str(
                path,
                self.extra.get(path).and_then(Value::as_str),
                Some(max),
            )?;
        }
        optional_str("trxId", self.trx_id.as_deref(), Some(64))?;
        mandatory_str("paymentRequestId", &self.payment_request_id, Some(128))?;
        check_channel_code(self.channel_code.as_ref(), dialect)?;
        optional_str("trxDateTime", self.trx_date_time.as_deref(), Some(25))?;
        optional_str("referenceNo", self.reference_no.as_deref(), Some(64))?;
        optional_str("flagAdvise", self.flag_advise.as_deref(), Some(1))?;
        check_bills(self.bill_details.as_ref())?;
        check_items("freeTexts", self.free_texts.as_ref(), 25)?;
        check_info("additionalInfo", self.additional_info.as_ref())
    }
}

impl SnapRequest for StandardVaPaymentRequest {
    const SERVICE: ServiceCode = ServiceCode::TRANSFER_VA_PAYMENT;
    type Response = StandardVaResponse;
}

/// A VA payment notification (25) in either shape a receiver meets: seed 000's (QoinHub's
/// stricter table, [`VaPaymentNotification`]) or the standard's ([`StandardVaPaymentRequest`]).
///
/// A body is the seed shape when it parses and validates as seed 000; otherwise it must be a
/// valid standard body. A receiver that does not know which dialect a provider speaks mounts this
/// type: nothing either table refuses gets through.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum AnyVaPayment {
    /// Seed 000's shape.
    Seed(VaPaymentNotification),
    /// The standard's shape.
    Standard(StandardVaPaymentRequest),
}

impl<'de> Deserialize<'de> for AnyVaPayment {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(deserializer)?;
        if let Ok(seed) = VaPaymentNotification::deserialize(&value)
            && seed.validate().is_ok()
        {
            return Ok(Self::Seed(seed));
        }
        StandardVaPaymentRequest::deserialize(value)
            .map(Self::Standard)
            .map_err(serde::de::Error::custom)
    }
}

impl AnyVaPayment {
    /// The paid VA number.
    pub fn virtual_account_no(&self) -> &VirtualAccountNo {
        match self {
            Self::Seed(n) => &n.virtual_account_no,
            Self::Standard(n) => &n.virtual_account_no,
        }
    }

    /// The amount paid.
    pub fn paid_amount(&self) -> Money {
        match self {
            Self::Seed(n) => n.paid_amount,
            Self::Standard(n) => n.paid_amount,
        }
    }

    /// The VA prefix, as sent.
    pub fn partner_service_id(&self) -> &PartnerServiceId {
        match self {
            Self::Seed(n) => &n.partner_service_id,
            Self::Standard(n) => &n.partner_service_id,
        }
    }

    /// The customer number (seed 000 may leave it out or empty).
    pub fn customer_no(&self) -> Option<&CustomerNo> {
        match self {
            Self::Seed(n) => n.customer_no.as_ref(),
            Self::Standard(n) => Some(&n.customer_no),
        }
    }

    /// The PJP's payment reference (`referenceNo`), when sent.
    pub fn reference_no(&self) -> Option<&str> {
        match self {
            Self::Seed(n) => Some(&n.reference_no),
            Self::Standard(n) => n.reference_no.as_deref(),
        }
    }

    /// When the payment happened (`trxDateTime`), as sent.
    pub fn trx_date_time(&self) -> Option<&str> {
        match self {
            Self::Seed(n) => Some(n.trx_date_time.as_str()),
            Self::Standard(n) => n.trx_date_time.as_deref(),
        }
    }

    /// `paymentFlagStatus` in `additionalInfo`, when present and a string.
    pub fn payment_flag_status(&self) -> Option<PaymentFlagStatus> {
        match self {
            Self::Seed(n) => n.payment_flag_status(),
            Self::Standard(n) => n
                .additional_info
                .as_ref()
                .and_then(|i| i.get("paymentFlagStatus"))
                .and_then(Value::as_str)
                .map(PaymentFlagStatus::from),
        }
    }

    /// The merchant's transaction id, when sent.
    pub fn trx_id(&self) -> Option<&str> {
        match self {
            Self::Seed(n) => Some(&n.trx_id),
            Self::Standard(n) => n.trx_id.as_deref(),
        }
    }
}

impl Validate for AnyVaPayment {
    fn validate(&self) -> Result<(), FieldError> {
        match self {
            Self::Seed(n) => n.validate(),
            Self::Standard(n) => n.validate(),
        }
    }
}

impl SnapRequest for AnyVaPayment {
    const SERVICE: ServiceCode = ServiceCode::TRANSFER_VA_PAYMENT;
    type Response = StandardVaResponse;

    /// Seed 000's shape when the body is a valid seed 000 body; otherwise the standard's, whose
    /// refusal (with the path of the field at fault) is the one reported.
    fn parse(body: &[u8]) -> Result<Self, RequestError> {
        match VaPaymentNotification::parse(body) {
            Ok(seed) => Ok(Self::Seed(seed)),
            Err(_) => StandardVaPaymentRequest::parse(body).map(Self::Standard),
        }
    }
}

va_identity_fields! {
    /// Request of VA inquiry status (service 26, merchant → PJP).
    ///
    /// Mandatory: the VA identity. Optional: `inquiryRequestId` and `paymentRequestId` (≤ 128),
    /// `additionalInfo`. (The standard makes `inquiryRequestId` conditional on bills stored at
    /// the partner; without it the latest transaction of the VA is meant.)
    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct StandardVaStatusRequest {
        /// The inquiry's id.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub inquiry_request_id: Option<String>,
        /// The PJP's payment id.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub payment_request_id: Option<String>,
        /// Extension object.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub additional_info: Option<Value>,
    }
}

impl Validate for StandardVaStatusRequest {
    fn validate(&self) -> Result<(), FieldError> {
        check_va_identity(
            &self.partner_service_id,
            &self.customer_no,
            &self.virtual_account_no,
        )?;
        optional_str(
            "inquiryRequestId",
            self.inquiry_request_id.as_deref(),
            Some(128),
        )?;
        optional_str(
            "paymentRequestId",
            self.payment_request_id.as_deref(),
            Some(128),
        )?;
        check_info("additionalInfo", self.additional_info.as_ref())
    }
}

impl SnapRequest for StandardVaStatusRequest {
    const SERVICE: ServiceCode = ServiceCode::TRANSFER_VA_STATUS;
    type Response = StandardVaResponse;
}

/// Request of create VA (service 27, merchant → PJP); update VA (28) is
/// [`StandardUpdateVaRequest`], the same fields with the VA identity mandatory.
///
/// Mandatory: `virtualAccountName` (≤ 255) and `trxId` (≤ 64). Optional: the VA identity (left
/// to the PJP; when all three are sent they must agree), `virtualAccountEmail` (≤ 255),
/// `virtualAccountPhone` (≤ 30), `totalAmount`, `billDetails` (≤ 24), `freeTexts` (≤ 25),
/// `virtualAccountTrxType` (1: C, O, I, M, L, N, X), `feeAmount`, `expiredDate` (≤ 25),
/// `additionalInfo`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StandardCreateVaRequest {
    /// Company / BIN prefix (may be left to the PJP).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partner_service_id: Option<PartnerServiceId>,
    /// Customer part (may be left to the PJP).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_no: Option<CustomerNo>,
    /// The VA number (may be left to the PJP).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub virtual_account_no: Option<VirtualAccountNo>,
    /// Customer name.
    pub virtual_account_name: String,
    /// Customer e-mail.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub virtual_account_email: Option<String>,
    /// Customer phone (`62…`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub virtual_account_phone: Option<String>,
    /// The merchant's transaction id.
    pub trx_id: String,
    /// The amount due (absent: an open amount).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_amount: Option<Money>,
    /// Bills.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bill_details: Option<Vec<StandardBill>>,
    /// Texts shown on the paying channel.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub free_texts: Option<Vec<Value>>,
    /// `C` closed, `O` open, `I` partial, `M` minimum, `L` maximum, `N` open-minimum, `X`
    /// open-maximum.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub virtual_account_trx_type: Option<String>,
    /// Fee.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fee_amount: Option<Money>,
    /// Expiry (ISO-8601, as sent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expired_date: Option<String>,
    /// Extension object.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub additional_info: Option<Value>,
    /// Fields not named above, as received.
    #[serde(flatten)]
    pub extra: Extra,
}

impl StandardCreateVaRequest {
    fn validate_with(&self, identity_mandatory: bool) -> Result<(), FieldError> {
        match (
            &self.partner_service_id,
            &self.customer_no,
            &self.virtual_account_no,
        ) {
            (Some(p), Some(c), Some(v)) => check_va_identity(p, c, v)?,
            _ if identity_mandatory => {
                let missing = if self.partner_service_id.is_none() {
                    "partnerServiceId"
                } else if self.customer_no.is_none() {
                    "customerNo"
                } else {
                    "virtualAccountNo"
                };
                return Err(FieldError::mandatory(missing));
            }
            _ => {}
        }
        mandatory_str("virtualAccountName", &self.virtual_account_name, Some(255))?;
        optional_str(
            "virtualAccountEmail",
            self.virtual_account_email.as_deref(),
            Some(255),
        )?;
        optional_str(
            "virtualAccountPhone",
            self.virtual_account_phone.as_deref(),
            Some(30),
        )?;
        mandatory_str("trxId", &self.trx_id, Some(64))?;
        check_bills(self.bill_details.as_ref())?;
        check_items("freeTexts", self.free_texts.as_ref(), 25)?;
        if let Some(t) = &self.virtual_account_trx_type
            && !matches!(t.as_str(), "C" | "O" | "I" | "M" | "L" | "N" | "X")
        {
            return Err(FieldError::format(
                "virtualAccountTrxType",
                "must be one of C, O, I, M, L, N, X",
            ));
        }
        optional_str("expiredDate", self.expired_date.as_deref(), Some(25))?;
        check_info("additionalInfo", self.additional_info.as_ref())
    }
}

impl Validate for StandardCreateVaRequest {
    fn validate(&self) -> Result<(), FieldError> {
        self.validate_with(false)
    }
}

impl SnapRequest for StandardCreateVaRequest {
    const SERVICE: ServiceCode = ServiceCode::TRANSFER_VA_CREATE_VA;
    type Response = StandardVaResponse;
}

/// Request of update VA (service 28, PUT, merchant → PJP): create VA's fields with the VA
/// identity mandatory.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct StandardUpdateVaRequest(pub StandardCreateVaRequest);

impl Validate for StandardUpdateVaRequest {
    fn validate(&self) -> Result<(), FieldError> {
        self.0.validate_with(true)
    }
}

impl SnapRequest for StandardUpdateVaRequest {
    const SERVICE: ServiceCode = ServiceCode::TRANSFER_VA_UPDATE_VA;
    type Response = StandardVaResponse;
}

va_identity_fields! {
    /// Request of update VA status (service 29, PUT, merchant → PJP).
    ///
    /// Mandatory: the VA identity, `trxId` (≤ 64) and `paidStatus` (`Y` paid / `N` not paid).
    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct StandardUpdateVaStatusRequest {
        /// The merchant's transaction id.
        pub trx_id: String,
        /// `Y` paid, `N` not paid.
        pub paid_status: String,
    }
}

impl Validate for StandardUpdateVaStatusRequest {
    fn validate(&self) -> Result<(), FieldError> {
        check_va_identity(
            &self.partner_service_id,
            &self.customer_no,
            &self.virtual_account_no,
        )?;
        mandatory_str("trxId", &self.trx_id, Some(64))?;
        mandatory_str("paidStatus", &self.paid_status, Some(1))?;
        if !matches!(self.paid_status.as_str(), "Y" | "N") {
            return Err(FieldError::format("paidStatus", "must be Y or N"));
        }
        Ok(())
    }
}

impl SnapRequest for StandardUpdateVaStatusRequest {
    const SERVICE: ServiceCode = ServiceCode::TRANSFER_VA_UPDATE_STATUS;
    type Response = StandardVaResponse;
}

va_identity_fields! {
    /// Request of inquiry VA (service 30, merchant → PJP): the VA's current data.
    ///
    /// Mandatory: the VA identity and `trxId` (≤ 64).
    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct StandardInquiryVaRequest {
        /// The merchant's transaction id.
        pub trx_id: String,
    }
}

impl Validate for StandardInquiryVaRequest {
    fn validate(&self) -> Result<(), FieldError> {
        check_va_identity(
            &self.partner_service_id,
            &self.customer_no,
            &self.virtual_account_no,
        )?;
        mandatory_str("trxId", &self.trx_id, Some(64))
    }
}

impl SnapRequest for StandardInquiryVaRequest {
    const SERVICE: ServiceCode = ServiceCode::TRANSFER_VA_INQUIRY_VA;
    type Response = StandardVaResponse;
}

va_identity_fields! {
    /// Request of delete VA (service 31, DELETE with a body, merchant → PJP).
    ///
    /// Mandatory: the VA identity. Optional: `trxId` (≤ 64), `additionalInfo`.
    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct StandardDeleteVaRequest {
        /// The merchant's transaction id.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub trx_id: Option<String>,
        /// Extension object.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub additional_info: Option<Value>,
    }
}

impl Validate for StandardDeleteVaRequest {
    fn validate(&self) -> Result<(), FieldError> {
        check_va_identity(
            &self.partner_service_id,
            &self.customer_no,
            &self.virtual_account_no,
        )?;
        optional_str("trxId", self.trx_id.as_deref(), Some(64))?;
        check_info("additionalInfo", self.additional_info.as_ref())
    }
}

impl SnapRequest for StandardDeleteVaRequest {
    const SERVICE: ServiceCode = ServiceCode::TRANSFER_VA_DELETE_VA;
    type Response = StandardVaResponse;
}

/// `virtualAccountData` of the VA responses (24–31): the fields the services share, each
/// optional here because each service's table makes a different subset mandatory; the rest is
/// kept in `extra`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StandardVaData {
    /// 24: outcome of the inquiry (BCA: `00` success, `01` failed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inquiry_status: Option<String>,
    /// Company / BIN prefix.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partner_service_id: Option<String>,
    /// Customer part.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_no: Option<String>,
    /// The VA number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub virtual_account_no: Option<String>,
    /// Customer name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub virtual_account_name: Option<String>,
    /// 24/26: the inquiry's id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inquiry_request_id: Option<String>,
    /// 25/26: the PJP's payment id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_request_id: Option<String>,
    /// The merchant's transaction id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trx_id: Option<String>,
    /// Total due.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_amount: Option<Money>,
    /// 25/26: amount paid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paid_amount: Option<Money>,
    /// 25/26: the merchant's (25) or PJP's (26) verdict on the payment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_flag_status: Option<String>,
    /// `C`, `O`, ... (§2.4).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub virtual_account_trx_type: Option<String>,
    /// Expiry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expired_date: Option<String>,
    /// Fields not named above, as received.
    #[serde(flatten)]
    pub extra: Extra,
}

/// The response of every standard VA service (24–31).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StandardVaResponse {
    /// `200xx00` on success.
    pub response_code: ResponseCode,
    /// Free text (≤ 150).
    pub response_message: String,
    /// The VA (mandatory on success in every VA table).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub virtual_account_data: Option<StandardVaData>,
    /// Root `additionalInfo` (where the 24–26 samples put it; A-2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub additional_info: Option<Value>,
}

impl_snap_response!(StandardVaResponse);

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::{FieldErrorKind, parse_request};

    #[test]
    fn aspi_samples_pass() {
        let va = r#""partnerServiceId":"   12345","customerNo":"0000012345","virtualAccountNo":"   123450000012345""#;
        parse_request::<StandardVaInquiryRequest>(
            format!(r#"{{{va},"inquiryRequestId":"INQ20250101000001"}}"#).as_bytes(),
        )
        .unwrap();
        let p = parse_request::<StandardVaPaymentRequest>(
            format!(r#"{{{va},"paymentRequestId":"INQ1","paidAmount":{{"value":"150000.00","currency":"IDR"}},"freeText":[1]}}"#)
                .as_bytes(),
        )
        .unwrap();
        assert!(p.extra.contains_key("freeText"), "unknown fields are kept");
        let json = serde_json::to_string(&p).unwrap();
        assert!(json.contains(r#""freeText":[1]"#), "{json}");
        parse_request::<StandardVaStatusRequest>(format!("{{{va}}}").as_bytes()).unwrap();
        parse_request::<StandardCreateVaRequest>(
            br#"{"virtualAccountName":"Budi Santoso","trxId":"ORDER-0001"}"#,
        )
        .unwrap();
        parse_request::<StandardUpdateVaRequest>(
            format!(r#"{{{va},"virtualAccountName":"Budi","trxId":"ORDER-0001"}}"#).as_bytes(),
        )
        .unwrap();
        parse_request::<StandardUpdateVaStatusRequest>(
            format!(r#"{{{va},"trxId":"ORDER-0001","paidStatus":"Y"}}"#).as_bytes(),
        )
        .unwrap();
        parse_request::<StandardInquiryVaRequest>(
            format!(r#"{{{va},"trxId":"ORDER-0001"}}"#).as_bytes(),
        )
        .unwrap();
        parse_request::<StandardDeleteVaRequest>(format!("{{{va}}}").as_bytes()).unwrap();
    }

    #[test]
    fn rules_of_the_tables() {
        let va = r#""partnerServiceId":"   12345","customerNo":"0000012345","virtualAccountNo":"   123450000012345""#;
        let cases: [(String, FieldErrorKind, &str); 5] = [
            (
                format!(r#"{{{va},"paidAmount":{{"value":"1.00","currency":"IDR"}}}}"#),
                FieldErrorKind::Mandatory,
                "paymentRequestId",
            ),
            (
                r#"{"partnerServiceId":"   12345","customerNo":"1","virtualAccountNo":"   123452","paymentRequestId":"x","paidAmount":{"value":"1.00","currency":"IDR"}}"#.into(),
                FieldErrorKind::Format,
                "virtualAccountNo",
            ),
            (
                format!(r#"{{{va},"paymentRequestId":"x","paidAmount":{{"value":"1.00","currency":"IDR"}},"channelCode":"6011"}}"#),
                FieldErrorKind::Format,
                "channelCode",
            ),
            (
                format!(r#"{{{va},"paymentRequestId":"x","paidAmount":{{"value":"1.00","currency":"IDR"}},"flagAdvise":"NO"}}"#),
                FieldErrorKind::Format,
                "flagAdvise",
            ),
            (
                format!(r#"{{{va},"paymentRequestId":"x","paidAmount":{{"value":"1.00","currency":"IDR"}},"additionalInfo":""}}"#),
                FieldErrorKind::Format,
                "additionalInfo",
            ),
        ];
        for (body, kind, path) in cases {
            let err = parse_request::<StandardVaPaymentRequest>(body.as_bytes()).unwrap_err();
            let field = err.field_error().unwrap();
            assert_eq!((field.kind(), field.path()), (kind, path), "{body}");
        }
        let err = parse_request::<StandardUpdateVaRequest>(
            br#"{"virtualAccountName":"Budi","trxId":"T"}"#,
        )
        .unwrap_err();
        assert_eq!(err.field_error().unwrap().path(), "partnerServiceId");
        let err = parse_request::<StandardUpdateVaStatusRequest>(
            format!(r#"{{{va},"trxId":"T","paidStatus":"P"}}"#).as_bytes(),
        )
        .unwrap_err();
        assert_eq!(err.field_error().unwrap().path(), "paidStatus");
        let err = parse_request::<StandardCreateVaRequest>(
            br#"{"virtualAccountName":"Budi","trxId":"T","virtualAccountTrxType":"Z"}"#,
        )
        .unwrap_err();
        assert_eq!(err.field_error().unwrap().path(), "virtualAccountTrxType");
    }
}
