#![doc = include_str!("../README.md")]
#![cfg_attr(docsrs, feature(doc_cfg))]
// Without `render` the README's links to the render functions point at docs.rs (built with every
// feature) instead of items that are not compiled.
#![cfg_attr(
    not(feature = "render"),
    doc = "",
    doc = "[`render_svg`]: https://docs.rs/snap-qris/latest/snap_qris/fn.render_svg.html",
    doc = "[`render_png`]: https://docs.rs/snap-qris/latest/snap_qris/fn.render_png.html",
    doc = "[`render_terminal`]: https://docs.rs/snap-qris/latest/snap_qris/fn.render_terminal.html"
)]

mod amount;
mod builder;
mod crc16;
mod dynamic;
mod encode;
mod error;
mod issue;
mod parse;
#[cfg(feature = "render")]
mod render;
mod validate;
mod view;

pub use amount::{
    amount_to_minor, format_minor, format_percent, is_valid_amount, percent_to_hundredths,
};
pub use builder::Builder;
pub use crc16::{crc16, crc16_hex};
pub use dynamic::DynamicOptions;
pub use encode::{OwnedObject, OwnedValue, encode};
pub use error::Error;
pub use issue::{Issue, IssueCode, Path, Severity};
pub use parse::{CrcStatus, DataObject, ParseError, Payload, id_text, is_template, parse};
#[cfg(feature = "render")]
pub use render::{qr_code, render_png, render_svg, render_terminal};
pub use validate::{MAX_PAYLOAD_CHARS, Profile, QRIS_CRITERIA, validate};
pub use view::{AdditionalData, AlternateLanguage, Initiation, MerchantAccount, QrisView, Tip};
