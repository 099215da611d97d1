//! residency: where does the data of a capture go?
//!
//! The library follows the data, one stage per folder:
//! `source` (capture files) → `decode` (link, IP, tunnels, transport) → `flow` (bidirectional flow
//! table) → `report` (the JSON contract and the terminal summary). `analyze` wires the stages
//! together. Nothing here needs libpcap.
#![forbid(unsafe_code)]

pub mod analyze;
pub mod bounded;
pub mod decode;
pub mod digest;
pub mod flow;
pub mod names;
pub mod output;
pub mod place;
pub mod report;
pub mod rtt;
pub mod services;
pub mod source;
pub mod timestamp;
