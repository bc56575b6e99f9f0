#![doc = include_str!("../README.md")]

mod generated;
mod response_code;
mod service_code;

pub use generated::Case;
pub use response_code::{Category, KnownResponse, ParseResponseCodeError, ResponseCode};
pub use service_code::{ParseServiceCodeError, ServiceCode, ServiceInfo};
