//! VA with the merchant as biller, as BCA-style providers run it: a payment to a VA number the
//! sandbox did not create, under the prefix of a merchant configured with `inquiry = true`, is
//! first inquired (service 24) at that merchant; its answer (name, amount or open amount) is the
//! bill, and the payment notification (25) that follows carries the inquiry's id as
//! `paymentRequestId`. Both speak the dialect of the first served VA profile (`doku`: DOKU's
//! `channelCode` string).

use serde_json::json;
use snap_types::{
    Amount, Case, Currency, CustomerNo, PartnerServiceId, ResponseCode, ServiceCode,
    StandardVaResponse, VirtualAccountNo,
};
use time::Duration;

use super::delivery;
use super::provider::{Paid, PayError, Sandbox, stamp};
use super::state::{Status, Va};

/// How long an inquired bill stays payable.
const BILL_LIFETIME: Duration = Duration::hours(1);

fn refused(detail: &str) -> PayError {
    PayError {
        code: ResponseCode::of(
            Case::InvalidBillVirtualAccount,
            ServiceCode::TRANSFER_VA_INQUIRY,
        ),
        message: format!("Invalid Bill/Virtual Account ({detail})"),
    }
}

impl Sandbox {
    /// Pays a VA: one the sandbox created, or a biller merchant's after an inquiry.
    pub(crate) async fn pay_va_any(
        &self,
        number: &str,
        amount: Option<Amount>,
    ) -> Result<Paid, PayError> {
        if self.store.find_va(number).is_none()
            && let Some(merchant) = self.biller_of(number)
        {
            self.inquire(merchant, number, amount).await?;
        }
        self.pay_va(number, amount)
    }

    /// The merchant configured as biller whose `partnerServiceId` starts `number`.
    fn biller_of(&self, number: &str) -> Option<usize> {
        let compact: String = number.chars().filter(|c| !c.is_whitespace()).collect();
        self.merchants.iter().position(|m| {
            let prefix = m.partner_service_id.trim_start();
            m.inquiry && compact.len() > prefix.len() && compact.starts_with(prefix)
        })
    }

    /// Asks the merchant for the bill of `number` (service 24) and records it as an open VA.
    async fn inquire(
        &self,
        merchant: usize,
        number: &str,
        amount: Option<Amount>,
    ) -> Result<(), PayError> {
        let info = &self.merchants[merchant];
        let compact: String = number.chars().filter(|c| !c.is_whitespace()).collect();
        let prefix = info.partner_service_id.trim_start();
        let psid: PartnerServiceId = prefix.parse().map_err(|_| refused("partnerServiceId"))?;
        let customer_no: CustomerNo = compact[prefix.len()..]
            .parse()
            .map_err(|_| refused("customerNo"))?;
        let va_no = VirtualAccountNo::compose(&psid, &customer_no)
            .map_err(|_| refused("virtualAccountNo"))?;
        let now = self.now();
        let flavor = self.biller_flavor;
        let inquiry_request_id = self.reference(flavor);
        let mut body = json!({
            "partnerServiceId": psid.padded(),
            "customerNo": customer_no.as_str(),
            "virtualAccountNo": va_no.as_str(),
            "trxDateInit": stamp(now),
            "channelCode": delivery::channel_code(flavor),
            "language": "ID",
            "inquiryRequestId": inquiry_request_id,
        });
        if let Some(a) = amount {
            body["amount"] = json!({"value": a.to_string(), "currency": "IDR"});
        }
        let body = serde_json::to_vec(&body).map_err(|e| refused(&e.to_string()))?;
        let reply = self
            .notifier
            .inquire(merchant, body)
            .await
            .map_err(|e| refused(&e))?;
        let success = ResponseCode::of(Case::Successful, ServiceCode::TRANSFER_VA_INQUIRY);
        if reply.response_code() != success {
            return Err(PayError {
                code: reply.response_code(),
                message: format!(
                    "the merchant refused the inquiry: {}",
                    reply.response_message()
                ),
            });
        }
        let answer: StandardVaResponse = serde_json::from_slice(reply.body())
            .map_err(|e| refused(&format!("the merchant's inquiry answer: {e}")))?;
        let data = answer
            .virtual_account_data
            .ok_or_else(|| refused("the merchant's answer has no virtualAccountData"))?;
        if let Some(status) = data.inquiry_status.as_deref().filter(|s| *s != "00") {
            return Err(refused(&format!(
                "the merchant answered inquiryStatus {status}"
            )));
        }
        let name = data
            .virtual_account_name
            .clone()
            .filter(|n| !n.trim().is_empty())
            .ok_or_else(|| refused("the merchant's answer has no virtualAccountName"))?;
        let bill = match data.total_amount {
            Some(m) if m.currency == Currency::IDR => m.value,
            Some(_) => return Err(refused("the merchant's totalAmount is not in IDR")),
            None => Amount::ZERO,
        };
        let text = |key: &str| {
            data.extra
                .get(key)
                .and_then(serde_json::Value::as_str)
                .unwrap_or_default()
                .to_owned()
        };
        let va = Va {
            merchant,
            flavor,
            partner_id: info.client_id.clone(),
            virtual_account_no: va_no.as_str().to_owned(),
            partner_service_id: psid.padded(),
            customer_no: customer_no.as_str().to_owned(),
            trx_id: String::new(),
            reference_no: self.reference(flavor),
            payment_request_id: Some(inquiry_request_id),
            name,
            email: text("virtualAccountEmail"),
            phone: text("virtualAccountPhone"),
            amount: bill,
            paid_amount: None,
            paid_at: None,
            expires_at: now + BILL_LIFETIME,
            status: Status::Open,
        };
        self.store
            .insert_va(va)
            .map_err(|_| refused("the VA number is taken"))
    }
}
