//! The names and services part of the JSON contract (see docs/report-schema.md).

use super::model::PacketRefReport;
use super::place_model::Volume;
use serde::Serialize;
use std::collections::BTreeMap;

/// The name chosen for a flow (`flows[].hostname`).
#[derive(Clone, Debug, Serialize)]
pub struct HostnameReport {
    pub name: String,
    pub source: crate::names::NameSource,
    /// Number of the packet that carried the name, in input `input` (null for `ptr`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub packet: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub input: Option<u32>,
}

/// The service a flow belongs to (`flows[].service`).
#[derive(Clone, Debug, Serialize)]
pub struct ServiceReport {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provider: Option<String>,
    pub category: crate::services::Category,
    /// The catalog rule that matched, e.g. `name:*.teams.microsoft.com`.
    pub rule: String,
    /// The catalog entry's id.
    pub id: String,
}

/// Every name-related fact read for a flow (`flows[].names`), each with its packet.
#[derive(Clone, Debug, Default, Serialize)]
pub struct NamesReport {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tls: Option<HelloReport>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quic: Option<QuicReport>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub http_host: Option<NamedReport>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tls_cert: Option<CertReport>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dns: Option<DnsReport>,
    /// Question names this flow carried (a flow to a DNS server), first seen first, at most 8.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub dns_queries: Vec<String>,
    /// The services the `dns_queries` names belong to (by name rules), in query order, each
    /// once. The flow's own `service` stays that of its destination (the resolver): a lookup of
    /// a Teams name sends the name to the resolver, not to Microsoft.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub dns_query_services: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stun: Option<StunReport>,
}

#[derive(Clone, Debug, Serialize)]
pub struct HelloReport {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sni: Option<String>,
    /// The ClientHello carried Encrypted Client Hello: `sni` is then the outer (public) name.
    pub ech: bool,
    pub alpn: Vec<String>,
    /// TLS over TCP: the ClientHello's record came after this many bytes that were not TLS.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub preamble_bytes: Option<usize>,
    pub packet: PacketRefReport,
}

#[derive(Clone, Debug, Serialize)]
pub struct QuicReport {
    /// e.g. `v1`, `v2`, `draft-29`, `Q046`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hello: Option<HelloReport>,
    /// Why the ClientHello could not be read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct NamedReport {
    pub name: String,
    pub packet: PacketRefReport,
}

#[derive(Clone, Debug, Serialize)]
pub struct CertReport {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject_cn: Option<String>,
    /// At most 32 names, in certificate order.
    pub san_dns: Vec<String>,
    /// SAN DNS names the certificate had beyond those 32.
    pub san_dropped: usize,
    pub packet: PacketRefReport,
}

/// The DNS answer that named the server address.
#[derive(Clone, Debug, Serialize)]
pub struct DnsReport {
    /// The name the client asked for.
    pub name: String,
    /// CNAMEs from `name` to the address record, in order.
    pub chain: Vec<String>,
    pub ttl: u32,
    /// `a`, `aaaa`, `svcb-hint` or `https-hint`.
    pub record: &'static str,
    /// The packet carrying the answer.
    pub packet: PacketRefReport,
    /// The answer went to this flow's client (false: to another client in the capture).
    pub same_client: bool,
    /// The answer arrived after the flow started.
    pub after_start: bool,
    /// Other names DNS gave this address in the capture.
    pub other_names: Vec<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct StunReport {
    pub requests: u64,
    pub indications: u64,
    pub success_responses: u64,
    pub error_responses: u64,
    pub channel_data: u64,
    /// Microsoft MS-TURN attributes seen (Teams/Skype for Business media relays).
    pub ms_turn: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ms_version: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub software: Option<String>,
    /// The first REALM that is a host name, with its packet.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub realm: Option<NamedReport>,
    pub methods: Vec<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_packet: Option<PacketRefReport>,
}

#[derive(Clone, Debug, Serialize)]
pub struct PtrReport {
    /// Null when the resolver had no PTR record or the lookup failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// `found`, `no-name` or `failed: <why>`.
    pub status: String,
}

/// The opt-in reverse lookups of a run (`resolve`): not from the capture.
#[derive(Clone, Debug, Serialize)]
pub struct ResolveReport {
    pub resolver: String,
    /// Wall-clock time the lookups started (UTC).
    pub started: String,
    pub looked_up: usize,
    pub found: usize,
    /// Addresses over the lookup limit.
    pub skipped: usize,
}

/// Volume per service or category, with how much of it left.
#[derive(Clone, Debug, Default, Serialize)]
pub struct ServiceVolume {
    /// Answered flows (flows never answered are in `unanswered` only).
    #[serde(flatten)]
    pub volume: Volume,
    /// Transport payload sent to the destinations: the data itself.
    pub payload_to: u64,
    /// Flows never answered (no data exchanged).
    pub unanswered: u64,
    /// To destinations outside the home country (null without `--home`).
    pub left_home: Option<Volume>,
    pub left_eu_eea: Volume,
    pub non_eu_control: Volume,
    pub cloud_act: Volume,
}

impl ServiceVolume {
    /// Nothing yet; `left_home` counted only with `--home`.
    pub fn empty(home: bool) -> Self {
        ServiceVolume {
            left_home: home.then(Volume::default),
            ..ServiceVolume::default()
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct ServiceTotal {
    pub name: String,
    pub provider: Option<String>,
    pub category: &'static str,
    #[serde(flatten)]
    pub volume: ServiceVolume,
}

/// `summary.services`.
#[derive(Clone, Debug, Serialize)]
pub struct ServicesSummary {
    /// Remote flows per service, most bytes first; flows without a service are in `unclassified`.
    pub by_service: Vec<ServiceTotal>,
    /// Remote flows per category (every category listed, zero or not).
    pub by_category: BTreeMap<&'static str, ServiceVolume>,
    pub unclassified: ServiceVolume,
    /// Remote flows by where their hostname came from (`none`: no name).
    pub by_hostname_source: BTreeMap<&'static str, u64>,
    /// Remote flows by the kind of catalog rule that classified them (`name`, `range`, `port`,
    /// `stun`).
    pub by_rule_kind: BTreeMap<&'static str, u64>,
    pub inspection: InspectionReport,
}

/// Counters of the names stage.
#[derive(Clone, Debug, Serialize)]
pub struct InspectionReport {
    pub flows_inspected: u64,
    /// Let go before their inspection ended, to keep the bounds on flows in inspection and
    /// bytes held (the least recently seen first).
    pub flows_evicted: u64,
    pub dns_responses: u64,
    pub dns_malformed: u64,
    /// (client, address) pairs the DNS answer cache holds, and pairs it pushed out.
    pub dns_bindings: u64,
    pub dns_bindings_evicted: u64,
}
