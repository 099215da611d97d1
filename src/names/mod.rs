//! Names: what each flow's client asked for, read from the capture itself — DNS answers, TLS and
//! QUIC server names, HTTP Host, TLS certificate names — plus STUN/TURN recognition.
//!
//! Per packet, only flows still being inspected pay anything; everything here is bounded by
//! named constants.

pub mod dns;
pub mod http;
pub mod quic;
pub mod stream;
pub mod stun;
pub mod tls;

/// Where a flow's name came from, in order of preference when several are known.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum NameSource {
    TlsSni,
    QuicSni,
    HttpHost,
    Dns,
    TlsCert,
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
            NameSource::Ptr => "ptr",
        }
    }
}

pub mod resolve;
