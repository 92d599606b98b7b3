//! Judging a verified credential in time and status: validity windows at one
//! injected instant ([`crate::time`]), and revocation, suspension and messages from
//! status lists decoded once per run ([`list`], [`check`]).

pub mod check;
pub mod entry;
pub mod list;
