//! Policies: rules about where a report's flows may go, checked for CI gates and audits
//! (`residency check`). `model` reads the TOML policy, `input` the parts of a JSON report the
//! rules test, `eval` decides each rule in three-valued logic (true, false, undecided), and
//! `outcome` is the result with the evidence behind every verdict. docs/policy.md.
#![deny(
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::unreachable,
    clippy::todo,
    clippy::unimplemented
)]

pub mod eval;
pub mod input;
pub mod model;
pub mod outcome;

pub use eval::evaluate;
pub use input::Report;
pub use model::Policy;
pub use outcome::{CheckReport, InputOutcome, Status};

#[derive(Debug, thiserror::Error)]
pub enum PolicyError {
    /// The policy file is not valid TOML or has an unknown key (the message names the line).
    #[error("{0}")]
    Toml(String),
    /// The policy parses but says something impossible (an unknown country code, two rules
    /// with one id).
    #[error("{0}")]
    Invalid(String),
    /// The input is not a report this version reads.
    #[error("{0}")]
    Report(String),
    /// The report cannot answer the policy's home-country questions.
    #[error("{0}")]
    Home(String),
}
