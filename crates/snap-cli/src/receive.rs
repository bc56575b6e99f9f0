//! `snap receive`: the merchant callback receiver.

mod config;
mod forward;
mod journal;
