//! `snap receive`: the merchant callback receiver.

mod config;
mod journal;
