//! Deserializing values that travel as JSON strings straight from the borrowed text.
//!
//! `String::deserialize` (or `Cow<str>`, which serde always fills owned) allocates before the
//! newtype checks the text, and a newtype that keeps its text then copies it again. Reading the
//! `&str` the deserializer already holds leaves at most the newtype's own copy.

use std::fmt;
use std::marker::PhantomData;
use std::str::FromStr;

use serde::Deserializer;
use serde::de::{Error, Visitor};

/// Deserializes a string and parses it with `T::from_str`, without an intermediate `String`.
pub(crate) fn from_text<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: FromStr,
    T::Err: fmt::Display,
{
    struct Text<T>(PhantomData<fn() -> T>);

    impl<T> Visitor<'_> for Text<T>
    where
        T: FromStr,
        T::Err: fmt::Display,
    {
        type Value = T;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a string")
        }

        fn visit_str<E: Error>(self, text: &str) -> Result<T, E> {
            text.parse().map_err(E::custom)
        }
    }

    deserializer.deserialize_str(Text(PhantomData))
}
