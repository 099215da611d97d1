//! What inspection learned about one flow, each fact with the packet it came from.

use super::stun::{StunClass, StunMessage, StunPacket};
use crate::flow::PacketRef;

/// Distinct DNS question names kept per flow: enough to show what a resolver flow was asked,
/// while a flow carrying thousands of queries (a busy resolver's 5-tuple) stays small.
pub const MAX_QUERIES_PER_FLOW: usize = 8;
/// STUN methods listed per flow: every method defined is fewer than this.
const MAX_STUN_METHODS: usize = 16;

/// A name and the packet that carried it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Named {
    pub name: String,
    pub at: PacketRef,
}

/// The server name a TLS or QUIC ClientHello asked for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hello {
    /// None when the ClientHello had no server_name extension.
    pub sni: Option<String>,
    pub ech: bool,
    pub alpn: Vec<String>,
    /// TLS over TCP: bytes of the stream before the record carrying the ClientHello, which were
    /// not TLS (the hello was found at a later segment's start); None when it opened the stream.
    pub preamble: Option<usize>,
    pub at: PacketRef,
}

/// The leaf certificate's names from a TLS 1.2 Certificate message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CertFact {
    pub subject_cn: Option<String>,
    pub san_dns: Vec<String>,
    /// SAN DNS names beyond the bound, not kept.
    pub san_dropped: usize,
    pub at: PacketRef,
}

impl CertFact {
    /// The name this certificate gives the server: a SAN or CN that is not a wildcard, else the
    /// first name at all (a wildcard still says which domain answered).
    pub fn best_name(&self) -> Option<&str> {
        let all = || self.subject_cn.iter().chain(self.san_dns.iter());
        all()
            .find(|n| !n.starts_with("*."))
            .or_else(|| all().next())
            .map(String::as_str)
    }
}

/// QUIC as seen on the flow.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QuicFact {
    pub version: Option<u32>,
    pub hello: Option<Hello>,
    /// Why the ClientHello could not be read, when it could not.
    pub error: Option<String>,
}

/// STUN/TURN messages seen on the flow.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StunFact {
    pub requests: u64,
    pub indications: u64,
    pub success_responses: u64,
    pub error_responses: u64,
    pub channel_data: u64,
    /// Microsoft MS-TURN attributes were present.
    pub ms_turn: bool,
    pub ms_version: Option<u32>,
    pub software: Option<String>,
    /// The first REALM on the flow that is a host name (`stun::realm_name`), with its packet.
    pub realm: Option<Named>,
    pub methods: Vec<&'static str>,
    pub first: Option<PacketRef>,
}

impl StunFact {
    pub fn messages(&self) -> u64 {
        self.requests + self.indications + self.success_responses + self.error_responses
    }

    pub fn add(&mut self, packet: &StunPacket, at: PacketRef) {
        match packet {
            StunPacket::ChannelData { .. } => self.channel_data += 1,
            StunPacket::Message(m) => self.add_message(m, at),
        }
    }

    fn add_message(&mut self, m: &StunMessage, at: PacketRef) {
        self.first.get_or_insert(at);
        match m.class {
            StunClass::Request => self.requests += 1,
            StunClass::Indication => self.indications += 1,
            StunClass::SuccessResponse => self.success_responses += 1,
            StunClass::ErrorResponse => self.error_responses += 1,
        }
        let method = super::stun::method_name(m.method);
        if !self.methods.contains(&method) && self.methods.len() < MAX_STUN_METHODS {
            self.methods.push(method);
        }
        if let Some(ms) = &m.ms_turn {
            self.ms_turn = true;
            if self.ms_version.is_none() {
                self.ms_version = ms.version;
            }
        }
        if self.software.is_none() {
            self.software.clone_from(&m.software);
        }
        if self.realm.is_none()
            && let Some(name) = m.realm.as_deref().and_then(super::stun::realm_name)
        {
            self.realm = Some(Named { name, at });
        }
    }
}

/// Everything learned about one flow's names. Absent facts are `None`/empty.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FlowNames {
    pub tls: Option<Hello>,
    pub quic: Option<QuicFact>,
    pub http_host: Option<Named>,
    pub cert: Option<CertFact>,
    /// DNS question names the flow carried (it is a DNS flow), first seen first.
    pub dns_queries: Vec<String>,
    pub stun: Option<StunFact>,
}

impl FlowNames {
    /// Nothing to report.
    pub fn is_empty(&self) -> bool {
        self.tls.is_none()
            && self.quic.is_none()
            && self.http_host.is_none()
            && self.cert.is_none()
            && self.dns_queries.is_empty()
            && self.stun.is_none()
    }

    pub fn add_query(&mut self, name: &str) {
        if self.dns_queries.len() < MAX_QUERIES_PER_FLOW
            && !self.dns_queries.iter().any(|q| q == name)
        {
            self.dns_queries.push(name.to_string());
        }
    }
}
