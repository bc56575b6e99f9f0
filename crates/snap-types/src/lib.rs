#![doc = include_str!("../README.md")]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod access_token;
mod amount;
mod create_va;
mod dana_debit;
mod debit_notify;
mod doku_va;
mod error;
mod generated;
mod ids;
mod qr_mpm;
mod request;
mod response_code;
mod service_code;
mod short_text;
mod standard_qr;
mod standard_va;
mod status_response;
mod text;
mod timestamp;
mod transaction_status;
mod va_payment;
mod validation;
mod virtual_account;

pub use access_token::{AccessTokenRequest, AccessTokenResponse, GRANT_TYPE_CLIENT_CREDENTIALS};
pub use amount::{Amount, Currency, Money};
pub use create_va::{
    BillDescription, BillDetail, CreateVaAdditionalInfo, CreateVaRequest, CreateVaResponse,
};
pub use dana_debit::{
    DanaCancelOrderRequest, DanaCancelOrderResponse, DanaCreateOrderRequest,
    DanaCreateOrderResponse, DanaFinishNotify, DanaQueryPaymentRequest, DanaQueryPaymentResponse,
    DanaRefundOrderRequest, DanaRefundOrderResponse, DanaUrlParam,
};
pub use debit_notify::DebitNotification;
pub use doku_va::{DokuVaInquiryRequest, DokuVaPaymentRequest};
pub use error::Error;
pub use generated::Case;
pub use ids::{AccessToken, ChannelId, ExternalId, PartnerId};
pub use qr_mpm::{
    QrMpmGenerateRequest, QrMpmGenerateResponse, QrMpmNotification, QrMpmQueryRequest,
    QrMpmQueryResponse, QrMpmRefundRequest, QrMpmRefundResponse,
};
pub use request::{RequestError, SnapRequest, SnapResponse, parse_body, parse_request};
pub use response_code::{Category, KnownResponse, ParseResponseCodeError, ResponseCode};
pub use service_code::{ParseServiceCodeError, ServiceCode, ServiceInfo};
pub use standard_qr::{
    StandardDebitNotification, StandardQrCancelRequest, StandardQrCancelResponse,
    StandardQrGenerateRequest, StandardQrGenerateResponse, StandardQrNotification,
    StandardQrQueryRequest, StandardQrQueryResponse, StandardQrRefundRequest,
    StandardQrRefundResponse,
};
pub use standard_va::{
    AnyVaPayment, Extra, StandardBill, StandardCreateVaRequest, StandardDeleteVaRequest,
    StandardInquiryVaRequest, StandardUpdateVaRequest, StandardUpdateVaStatusRequest,
    StandardVaData, StandardVaInquiryRequest, StandardVaPaymentRequest, StandardVaResponse,
    StandardVaStatusRequest,
};
pub use status_response::StatusResponse;
pub use timestamp::{JAKARTA, Timestamp, jakarta_date};
pub use transaction_status::{PaymentFlagStatus, TransactionStatus};
pub use va_payment::{VaPaymentNotification, VaPaymentResponse, VirtualAccountData};
pub use validation::{FieldError, FieldErrorKind, Validate};
pub use virtual_account::{CustomerNo, PartnerServiceId, VirtualAccountNo};
