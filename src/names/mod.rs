//! Names: what each flow's client asked for, read from the capture itself — DNS answers, TLS and
//! QUIC server names, HTTP Host, TLS certificate names, STUN/TURN REALMs — plus STUN/TURN
//! recognition.
//!
//! Per packet, only flows still being inspected pay anything; everything here is bounded by
//! named constants.
#![deny(
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::unreachable,
    clippy::todo,
    clippy::unimplemented
)]

pub mod dns;
pub mod http;
pub mod quic;
pub mod stream;
pub mod stun;
pub mod tls;

/// Where a flow's name came from, in order of preference when several are known.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum NameSource {
    TlsSni,
    QuicSni,
    HttpHost,
    Dns,
    TlsCert,
    StunRealm,
    Ptr,
}

impl NameSource {
    pub fn name(self) -> &'static str {
        match self {
            NameSource::TlsSni => "tls-sni",
            NameSource::QuicSni => "quic-sni",
            NameSource::HttpHost => "http-host",
            NameSource::Dns => "dns",
            NameSource::TlsCert => "tls-cert",
            NameSource::StunRealm => "stun-realm",
            NameSource::Ptr => "ptr",
        }
    }
}

mod choose;
pub mod facts;
mod inspect;
pub mod resolve;

pub use choose::{Hostname, dns_for, hostname};
pub use facts::FlowNames;
pub use inspect::{
    INSPECTION_WINDOW_NS, MAX_HELD_BYTES, MAX_INSPECTED_PACKETS, MAX_INSPECTING_FLOWS, Namer,
};

/// Counters of the names stage, for the report.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NameStats {
    /// Flows whose first packets were inspected.
    pub inspected: u64,
    /// Flows let go before their inspection ended, to keep `MAX_INSPECTING_FLOWS` or
    /// `MAX_HELD_BYTES` (the least recently seen first).
    pub evicted: u64,
    /// Passes over the inspection table to make room.
    pub sweeps: u64,
    /// DNS responses read.
    pub dns_responses: u64,
    /// DNS payloads (port 53) that were not a readable DNS message.
    pub dns_malformed: u64,
}
