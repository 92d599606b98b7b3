//! Judging a verified credential in time: validity windows at one injected
//! instant ([`clock`]). Status lists come next.

pub mod clock;
