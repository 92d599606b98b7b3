//! Judging a verified credential in time and status: validity windows at one
//! injected instant ([`clock`]), and revocation, suspension and messages from
//! status lists decoded once per run ([`list`], [`check`]).

pub mod check;
pub mod clock;
pub mod list;
