//! The provider endpoints in the ASPI standard's shapes (the `standard`, `doku` and `midtrans`
//! profiles): VA status (26), create (27), update (28), update status (29), inquiry VA (30),
//! delete (31); QR MPM generate (47), query (51), cancel (77), refund (78).
//!
//! snap-http's server verifies everything before a handler and validates the body against the
//! standard's table (snap-types' `Standard*` DTOs); the handlers add the business rules:
//!
//! | situation | answer |
//! |---|---|
//! | create VA with a trxId the merchant used before | `409xx01 Duplicate partnerReferenceNo` |
//! | create VA with another merchant's `partnerServiceId`, a used VA number | `400xx01` / `409xx00` |
//! | `expiredDate` not RFC 3339 or in the past; currency not IDR | `400xx01 Invalid Field Format {field}` |
//! | a VA of the merchant that does not exist, or whose trxId differs | `404xx12 Invalid Bill/Virtual Account` |
//! | update, delete or mark a paid VA | `404xx14 Paid Bill` |
//! | generate QR without `amount` (a dynamic QRIS needs one) | `400xx02 Invalid Mandatory Field amount` |
//! | query, cancel or refund an unknown QR | `404xx01 Transaction Not Found` |
//! | query with a `serviceCode` other than `47` | `404xx01 Transaction Not Found` |
//! | cancel with a `merchantId` other than the QRIS merchant's | `404xx08 Invalid Merchant` |
//! | cancel a paid QR, refund an unpaid one | `404xx00 Invalid Transaction Status` |
//! | refund more than is left | `404xx13 Invalid Amount` |
//! | refund reusing a `partnerRefundNo` | `409xx01 Duplicate partnerReferenceNo` |

use serde_json::json;
use snap_http::{Outcome, RequestContext};
use snap_types::{
    Amount, Case, Currency, CustomerNo, Money, PartnerServiceId, StandardCreateVaRequest,
    StandardDeleteVaRequest, StandardInquiryVaRequest, StandardQrCancelRequest,
    StandardQrGenerateRequest, StandardQrQueryRequest, StandardQrRefundRequest,
    StandardUpdateVaRequest, StandardUpdateVaStatusRequest, StandardVaStatusRequest, Timestamp,
    VirtualAccountNo,
};
use time::{Duration, OffsetDateTime};

use super::provider::{HandlerResult, Sandbox, fields, money, stamp};
use super::state::{Flavor, Qr, Refusal, Status, Va};

/// How long a VA created without `expiredDate` stays open.
const DEFAULT_VA_LIFETIME: Duration = Duration::days(1);

/// `virtualAccountData` of a VA answer: identity, name, contact, trxId, amounts, expiry.
fn va_data(va: &Va) -> serde_json::Value {
    let mut data = json!({
        "partnerServiceId": va.partner_service_id,
        "customerNo": va.customer_no,
        "virtualAccountNo": va.virtual_account_no,
        "virtualAccountName": va.name,
        "trxId": va.trx_id,
        "virtualAccountTrxType": if va.amount == Amount::ZERO { "O" } else { "C" },
        "expiredDate": stamp(va.expires_at),
    });
    if !va.email.is_empty() {
        data["virtualAccountEmail"] = json!(va.email);
    }
    if !va.phone.is_empty() {
        data["virtualAccountPhone"] = json!(va.phone);
    }
    if va.amount != Amount::ZERO {
        data["totalAmount"] = money(va.amount);
    }
    if let Some(paid) = va.paid_at {
        data["paymentDate"] = json!(stamp(paid));
    }
    data
}

fn va_reply(va: &Va) -> HandlerResult {
    Ok(Outcome::success_with(fields(vec![(
        "virtualAccountData",
        va_data(va),
    )])?))
}

/// The SNAP answer of a refused ledger change on a VA.
fn va_refusal(refusal: &Refusal) -> Outcome {
    match refusal {
        Refusal::InvalidStatus(Status::Paid | Status::Refunded) => {
            Outcome::business(Case::PaidBill, "")
        }
        Refusal::InvalidStatus(Status::Expired) => {
            Outcome::business(Case::InvalidBillVirtualAccountExpired, "")
        }
        Refusal::Duplicate => Outcome::business(Case::Conflict, ""),
        Refusal::InvalidStatus(_) | Refusal::NotFound | Refusal::TooMuch => {
            Outcome::business(Case::InvalidBillVirtualAccount, "")
        }
    }
}

/// `expiredDate` as sent, parsed as RFC 3339 and in the future; `Err` is the answer.
fn expiry(value: Option<&str>, now: OffsetDateTime) -> Result<OffsetDateTime, Box<Outcome>> {
    let Some(text) = value else {
        return Ok(now + DEFAULT_VA_LIFETIME);
    };
    match text.parse::<Timestamp>() {
        Ok(t) if t.datetime() > now => Ok(t.datetime()),
        _ => Err(Box::new(Outcome::business(
            Case::InvalidFieldFormat,
            "expiredDate",
        ))),
    }
}

fn idr(amount: Option<&Money>, path: &str) -> Result<Amount, Box<Outcome>> {
    match amount {
        None => Ok(Amount::ZERO),
        Some(m) if m.currency == Currency::IDR => Ok(m.value),
        Some(_) => Err(Box::new(Outcome::business(
            Case::InvalidFieldFormat,
            format!("{path}.currency"),
        ))),
    }
}

impl Sandbox {
    /// Create VA (27): the merchant may choose the customer number (within its own
    /// `partnerServiceId`) or leave it to the sandbox.
    pub(crate) fn standard_create_va(
        &self,
        flavor: Flavor,
        context: &RequestContext,
        request: StandardCreateVaRequest,
    ) -> HandlerResult {
        let merchant = self.merchant(context)?;
        let now = self.now();
        let amount = match idr(request.total_amount.as_ref(), "totalAmount") {
            Ok(a) => a,
            Err(answer) => return Ok(*answer),
        };
        let expires_at = match expiry(request.expired_date.as_deref(), now) {
            Ok(t) => t,
            Err(answer) => return Ok(*answer),
        };
        let info = &self.merchants[merchant];
        let own: PartnerServiceId = info.partner_service_id.parse()?;
        if let Some(psid) = &request.partner_service_id
            && psid.digits() != own.digits()
        {
            return Ok(Outcome::business(
                Case::InvalidFieldFormat,
                "partnerServiceId",
            ));
        }
        let customer_no: CustomerNo = match &request.customer_no {
            Some(c) => c.clone(),
            None => format!("{:010}", self.store.next_sequence()).parse()?,
        };
        let va_no = VirtualAccountNo::compose(&own, &customer_no)?;
        if self.store.find_va(va_no.as_str()).is_some() {
            return Ok(Outcome::business(Case::Conflict, ""));
        }
        let va = Va {
            merchant,
            flavor,
            partner_id: info.client_id.clone(),
            virtual_account_no: va_no.as_str().to_owned(),
            partner_service_id: own.padded(),
            customer_no: customer_no.as_str().to_owned(),
            trx_id: request.trx_id.clone(),
            reference_no: self.reference(flavor),
            payment_request_id: None,
            name: request.virtual_account_name.clone(),
            email: request.virtual_account_email.clone().unwrap_or_default(),
            phone: request.virtual_account_phone.clone().unwrap_or_default(),
            amount,
            paid_amount: None,
            paid_at: None,
            expires_at,
            status: Status::Open,
        };
        let mut data = va_data(&va);
        if let Some(info) = &request.additional_info {
            data["additionalInfo"] = info.clone();
        }
        match self.store.insert_va(va) {
            Ok(()) => Ok(Outcome::success_with(fields(vec![(
                "virtualAccountData",
                data,
            )])?)),
            Err(_) => Ok(Outcome::business(Case::DuplicatePartnerreferenceno, "")),
        }
    }

    /// VA inquiry status (26): the VA's payment, if any.
    pub(crate) fn standard_va_status(
        &self,
        context: &RequestContext,
        request: StandardVaStatusRequest,
    ) -> HandlerResult {
        let partner = context.partner_id().as_str();
        let now = self.now();
        let va = match self.store.change_va(
            partner,
            request.virtual_account_no.as_str(),
            now,
            |_| Ok(()),
        ) {
            Ok(va) => va,
            Err(refusal) => return Ok(va_refusal(&refusal)),
        };
        let request_id = va
            .payment_request_id
            .clone()
            .unwrap_or_else(|| va.reference_no.clone());
        let mut data = json!({
            "partnerServiceId": va.partner_service_id,
            "customerNo": va.customer_no,
            "virtualAccountNo": va.virtual_account_no,
            "inquiryRequestId": request.inquiry_request_id.clone().unwrap_or_else(|| request_id.clone()),
        });
        if va.amount != Amount::ZERO {
            data["totalAmount"] = money(va.amount);
        }
        if let (Some(paid), Some(at)) = (va.paid_amount, va.paid_at) {
            data["paymentRequestId"] = json!(request_id);
            data["paidAmount"] = money(paid);
            data["transactionDate"] = json!(stamp(at));
            data["trxDateTime"] = json!(stamp(at));
            data["referenceNo"] = json!(va.reference_no);
            data["paymentFlagStatus"] = json!("00");
            data["paymentFlagReason"] = json!({"english": "Success", "indonesia": "Sukses"});
        }
        let (code, desc) = va.status.snap();
        Ok(Outcome::success_with(fields(vec![
            ("virtualAccountData", data),
            (
                "additionalInfo",
                json!({"status": code, "statusDesc": desc}),
            ),
        ])?))
    }

    /// Update VA (28): name, contact, amount and expiry of an open VA.
    pub(crate) fn standard_update_va(
        &self,
        context: &RequestContext,
        request: StandardUpdateVaRequest,
    ) -> HandlerResult {
        let request = request.0;
        let now = self.now();
        let amount = match idr(request.total_amount.as_ref(), "totalAmount") {
            Ok(a) => a,
            Err(answer) => return Ok(*answer),
        };
        let expires_at = match request.expired_date.as_deref() {
            None => None,
            Some(text) => match expiry(Some(text), now) {
                Ok(t) => Some(t),
                Err(answer) => return Ok(*answer),
            },
        };
        let Some(number) = &request.virtual_account_no else {
            return Ok(Outcome::business(
                Case::InvalidMandatoryField,
                "virtualAccountNo",
            ));
        };
        let result =
            self.store
                .change_va(context.partner_id().as_str(), number.as_str(), now, |va| {
                    if va.trx_id != request.trx_id {
                        return Err(Refusal::NotFound);
                    }
                    if va.status != Status::Open {
                        return Err(Refusal::InvalidStatus(va.status));
                    }
                    va.name.clone_from(&request.virtual_account_name);
                    if let Some(email) = &request.virtual_account_email {
                        va.email.clone_from(email);
                    }
                    if let Some(phone) = &request.virtual_account_phone {
                        va.phone.clone_from(phone);
                    }
                    if request.total_amount.is_some() {
                        va.amount = amount;
                    }
                    if let Some(t) = expires_at {
                        va.expires_at = t;
                    }
                    Ok(())
                });
        match result {
            Ok(va) => va_reply(&va),
            Err(refusal) => Ok(va_refusal(&refusal)),
        }
    }

    /// Update VA status (29): `Y` marks an open VA paid (no notification: the merchant knows),
    /// `N` keeps an open VA open; a paid VA cannot be set back to unpaid.
    pub(crate) fn standard_update_va_status(
        &self,
        context: &RequestContext,
        request: StandardUpdateVaStatusRequest,
    ) -> HandlerResult {
        let now = self.now();
        let result = self.store.change_va(
            context.partner_id().as_str(),
            request.virtual_account_no.as_str(),
            now,
            |va| {
                if va.trx_id != request.trx_id {
                    return Err(Refusal::NotFound);
                }
                if va.status != Status::Open {
                    return Err(Refusal::InvalidStatus(va.status));
                }
                if request.paid_status == "Y" {
                    va.status = Status::Paid;
                    va.paid_amount = Some(va.amount);
                    va.paid_at = Some(now);
                }
                Ok(())
            },
        );
        match result {
            Ok(va) => va_reply(&va),
            Err(refusal) => Ok(va_refusal(&refusal)),
        }
    }

    /// Inquiry VA (30): the VA as stored.
    pub(crate) fn standard_inquiry_va(
        &self,
        context: &RequestContext,
        request: StandardInquiryVaRequest,
    ) -> HandlerResult {
        let result = self.store.change_va(
            context.partner_id().as_str(),
            request.virtual_account_no.as_str(),
            self.now(),
            |va| {
                if va.trx_id == request.trx_id {
                    Ok(())
                } else {
                    Err(Refusal::NotFound)
                }
            },
        );
        match result {
            Ok(va) => va_reply(&va),
            Err(refusal) => Ok(va_refusal(&refusal)),
        }
    }

    /// Delete VA (31): an open VA is closed for payment.
    pub(crate) fn standard_delete_va(
        &self,
        context: &RequestContext,
        request: StandardDeleteVaRequest,
    ) -> HandlerResult {
        let result = self.store.change_va(
            context.partner_id().as_str(),
            request.virtual_account_no.as_str(),
            self.now(),
            |va| {
                if request.trx_id.as_ref().is_some_and(|t| *t != va.trx_id) {
                    return Err(Refusal::NotFound);
                }
                if va.status != Status::Open {
                    return Err(Refusal::InvalidStatus(va.status));
                }
                va.status = Status::Canceled;
                Ok(())
            },
        );
        match result {
            Ok(va) => Ok(Outcome::success_with(fields(vec![(
                "virtualAccountData",
                json!({
                    "partnerServiceId": va.partner_service_id,
                    "customerNo": va.customer_no,
                    "virtualAccountNo": va.virtual_account_no,
                    "trxId": va.trx_id,
                }),
            )])?)),
            Err(refusal) => Ok(va_refusal(&refusal)),
        }
    }

    /// QR MPM generate (47): a real dynamic QRIS with the amount and the reference in 62.05.
    pub(crate) fn standard_generate_qr(
        &self,
        flavor: Flavor,
        context: &RequestContext,
        request: StandardQrGenerateRequest,
    ) -> HandlerResult {
        let merchant = self.merchant(context)?;
        let Some(amount) = request.amount else {
            return Ok(Outcome::business(Case::InvalidMandatoryField, "amount"));
        };
        let value = match idr(Some(&amount), "amount") {
            Ok(v) if v != Amount::ZERO => v,
            Ok(_) => return Ok(Outcome::business(Case::InvalidFieldFormat, "amount.value")),
            Err(answer) => return Ok(*answer),
        };
        let now = self.now();
        let expires_at = match request.validity_period.as_deref() {
            None => None,
            Some(text) => match text.parse::<Timestamp>() {
                Ok(t) if t.datetime() > now => Some(t.datetime()),
                _ => {
                    return Ok(Outcome::business(
                        Case::InvalidFieldFormat,
                        "validityPeriod",
                    ));
                }
            },
        };
        let partner_reference_no = request
            .partner_reference_no
            .clone()
            .filter(|p| !p.is_empty())
            .unwrap_or_else(|| context.external_id().as_str().to_owned());
        let reference_no = self.reference(flavor);
        let terminal = request.terminal_id.clone();
        let qr_content = self.qris_payload(&reference_no, value, terminal.as_deref())?;
        let qr = Qr {
            merchant,
            partner_id: self.merchants[merchant].client_id.clone(),
            flavor,
            reference_no: reference_no.clone(),
            partner_reference_no: partner_reference_no.clone(),
            amount: value,
            qr_content: qr_content.clone(),
            created_at: now,
            expires_at,
            paid_at: None,
            status: Status::Open,
            refunds: Vec::new(),
            notify_url: None,
        };
        if self.store.insert_qr(qr).is_err() {
            return Ok(Outcome::business(Case::DuplicatePartnerreferenceno, ""));
        }
        let mut pairs = vec![
            ("referenceNo", json!(reference_no)),
            ("partnerReferenceNo", json!(partner_reference_no)),
            ("qrContent", json!(qr_content)),
            ("merchantName", json!(self.qris.merchant_name)),
        ];
        if let Some(store) = request.store_id {
            pairs.push(("storeId", json!(store)));
        }
        if let Some(terminal) = terminal {
            pairs.push(("terminalId", json!(terminal)));
        }
        Ok(Outcome::success_with(fields(pairs)?))
    }

    fn standard_find_qr(
        &self,
        context: &RequestContext,
        reference_no: Option<&str>,
        partner_reference_no: Option<&str>,
    ) -> Result<Qr, Outcome> {
        if reference_no.is_none() && partner_reference_no.is_none() {
            return Err(Outcome::business(
                Case::InvalidMandatoryField,
                "originalReferenceNo",
            ));
        }
        self.store
            .find_qr(
                Some(context.partner_id().as_str()),
                reference_no,
                partner_reference_no,
            )
            .ok_or_else(|| Outcome::business(Case::TransactionNotFound, ""))
    }

    /// QR MPM query (51).
    pub(crate) fn standard_query_qr(
        &self,
        context: &RequestContext,
        request: StandardQrQueryRequest,
    ) -> HandlerResult {
        if request.service_code != "47" {
            return Ok(Outcome::business(Case::TransactionNotFound, ""));
        }
        let qr = match self.standard_find_qr(
            context,
            request.original_reference_no.as_deref(),
            request.original_partner_reference_no.as_deref(),
        ) {
            Ok(qr) => qr,
            Err(answer) => return Ok(answer),
        };
        let (code, desc) = qr.status.snap();
        let mut pairs = vec![
            ("originalReferenceNo", json!(qr.reference_no)),
            ("originalPartnerReferenceNo", json!(qr.partner_reference_no)),
            ("serviceCode", json!("47")),
            ("latestTransactionStatus", json!(code)),
            ("transactionStatusDesc", json!(desc)),
            ("amount", money(qr.amount)),
        ];
        if let Some(external) = request.original_external_id {
            pairs.push(("originalExternalId", json!(external)));
        }
        if let Some(paid) = qr.paid_at {
            pairs.push(("paidTime", json!(stamp(paid))));
        }
        Ok(Outcome::success_with(fields(pairs)?))
    }

    /// QR MPM cancel (77): an unpaid QR can no longer be paid.
    pub(crate) fn standard_cancel_qr(
        &self,
        context: &RequestContext,
        request: StandardQrCancelRequest,
    ) -> HandlerResult {
        if request.merchant_id != self.qris.merchant_id {
            return Ok(Outcome::business(Case::InvalidMerchant, ""));
        }
        let qr = match self.standard_find_qr(
            context,
            request.original_reference_no.as_deref(),
            request.original_partner_reference_no.as_deref(),
        ) {
            Ok(qr) => qr,
            Err(answer) => return Ok(answer),
        };
        match self.store.cancel_qr(&qr.reference_no) {
            Ok(qr) => Ok(Outcome::success_with(fields(vec![
                ("originalReferenceNo", json!(qr.reference_no)),
                ("originalPartnerReferenceNo", json!(qr.partner_reference_no)),
                ("cancelTime", json!(stamp(self.now()))),
                ("transactionDate", json!(stamp(qr.created_at))),
            ])?)),
            Err(_) => Ok(Outcome::business(Case::InvalidTransactionStatus, "")),
        }
    }

    /// QR MPM refund (78): matched on `originalPartnerReferenceNo` (and `originalReferenceNo`
    /// when sent), once per `partnerRefundNo`.
    pub(crate) fn standard_refund_qr(
        &self,
        context: &RequestContext,
        request: StandardQrRefundRequest,
    ) -> HandlerResult {
        let amount = match request.refund_amount.as_ref() {
            None => None,
            Some(m) => match idr(Some(m), "refundAmount") {
                Ok(v) => Some(v),
                Err(answer) => return Ok(*answer),
            },
        };
        let qr = match self.standard_find_qr(
            context,
            request.original_reference_no.as_deref(),
            Some(&request.original_partner_reference_no),
        ) {
            Ok(qr) if qr.partner_reference_no == request.original_partner_reference_no => qr,
            Ok(_) => return Ok(Outcome::business(Case::TransactionNotFound, "")),
            Err(answer) => return Ok(answer),
        };
        match self.store.refund_qr(
            &qr.reference_no,
            &request.partner_refund_no,
            amount,
            self.now(),
        ) {
            Ok((qr, refund)) => Ok(Outcome::success_with(fields(vec![
                ("originalPartnerReferenceNo", json!(qr.partner_reference_no)),
                ("originalReferenceNo", json!(qr.reference_no)),
                ("refundNo", json!(refund.reference_no)),
                ("partnerRefundNo", json!(refund.partner_reference_no)),
                ("refundAmount", money(refund.amount)),
                ("refundTime", json!(stamp(refund.at))),
            ])?)),
            Err(refusal) => Ok(refusal.refund_answer()),
        }
    }
}
