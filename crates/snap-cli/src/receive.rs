//! `snap receive`: the merchant callback receiver.

mod journal;
