//! Names and services in the report: the flow's hostname, its service by the catalog, the
//! evidence behind both, and the per-service totals.

use super::model::PacketRefReport;
use super::names_model::*;
use super::place_model::Volume;
use crate::flow::{Flow, PacketRef};
use crate::names::facts::{FlowNames, Hello, StunFact};
use crate::names::resolve::{PtrAnswer, PtrResults};
use crate::names::{NameSource, Names, quic};
use crate::place::Placement;
use crate::services::{Catalog, Category, Query, RuleKind, Service};
use std::collections::BTreeMap;
use std::net::IpAddr;

/// The catalog entry a flow with Microsoft MS-TURN attributes belongs to when no name or range
/// rule placed it: only Teams (and Skype for Business) relays speak MS-TURN.
pub const MS_TURN_SERVICE: &str = "teams-media";

/// What the names side of the report needs besides the analysis.
pub struct Naming<'a> {
    pub catalog: &'a Catalog,
    /// Reverse lookups, when `--resolve` asked for them.
    pub ptr: Option<&'a PtrResults>,
}

/// A flow's names and service, for its report.
pub struct FlowNaming {
    pub hostname: Option<HostnameReport>,
    pub service: Option<ServiceReport>,
    pub names: Option<NamesReport>,
    pub rule_kind: Option<&'static str>,
    pub category: Option<Category>,
}

pub fn packet(at: PacketRef) -> PacketRefReport {
    PacketRefReport {
        input: at.input,
        number: at.number,
    }
}

fn hello(h: &Hello) -> HelloReport {
    HelloReport {
        sni: h.sni.clone(),
        ech: h.ech,
        alpn: h.alpn.clone(),
        packet: packet(h.at),
    }
}

fn stun(s: &StunFact) -> StunReport {
    StunReport {
        requests: s.requests,
        indications: s.indications,
        success_responses: s.success_responses,
        error_responses: s.error_responses,
        channel_data: s.channel_data,
        ms_turn: s.ms_turn,
        ms_version: s.ms_version,
        software: s.software.clone(),
        methods: s.methods.clone(),
        first_packet: s.first.map(packet),
    }
}

fn facts_report(f: &FlowNames, catalog: &Catalog) -> NamesReport {
    let mut dns_query_services: Vec<String> = Vec::new();
    for q in &f.dns_queries {
        if let Some(m) = catalog.classify_name(q)
            && !dns_query_services.contains(&m.service.name)
        {
            dns_query_services.push(m.service.name.clone());
        }
    }
    NamesReport {
        tls: f.tls.as_ref().map(hello),
        quic: f.quic.as_ref().map(|q| QuicReport {
            version: q.version.map(quic::version_name),
            hello: q.hello.as_ref().map(hello),
            error: q.error.clone(),
        }),
        http_host: f.http_host.as_ref().map(|h| NamedReport {
            name: h.name.clone(),
            packet: packet(h.at),
        }),
        tls_cert: f.cert.as_ref().map(|c| CertReport {
            subject_cn: c.subject_cn.clone(),
            san_dns: c.san_dns.clone(),
            san_dropped: c.san_dropped,
            packet: packet(c.at),
        }),
        dns: None,
        dns_queries: f.dns_queries.clone(),
        dns_query_services,
        stun: f.stun.as_ref().map(stun),
        ptr: None,
    }
}

/// Names, evidence and service of one flow. `remote` is the flow's remote address (None for
/// internal flows): only it is ever looked up by reverse DNS.
pub fn flow_naming(
    flow: &Flow,
    remote: Option<IpAddr>,
    names: &Names,
    naming: &Naming<'_>,
) -> FlowNaming {
    let facts = names.flows.get(&flow.id);
    let mut report = facts
        .map(|f| facts_report(f, naming.catalog))
        .unwrap_or_default();
    let resolution = names.dns_for(flow);
    if let Some(answer) = resolution.chosen {
        report.dns = Some(DnsReport {
            name: answer.name.clone(),
            chain: answer.chain.clone(),
            ttl: answer.ttl,
            record: answer.kind.name(),
            packet: packet(answer.at),
            same_client: resolution.same_client,
            after_start: resolution.after_start,
            other_names: resolution.others.iter().map(|s| s.to_string()).collect(),
        });
    }
    let mut hostname = names
        .hostname_with(flow, &resolution)
        .map(|h| HostnameReport {
            name: h.name,
            source: h.source.name(),
            packet: h.at.map(|a| a.number),
            input: h.at.map(|a| a.input),
        });
    // Reverse DNS names the remote address; it becomes the hostname only when that address is
    // the flow's server (the hostname is the name used *for the server*).
    if let (Some(ptr), Some(ip)) = (naming.ptr, remote)
        && let Some(answer) = ptr.answers.get(&ip)
    {
        let (name, status) = match answer {
            PtrAnswer::Name(n) => (Some(n.clone()), "found".to_string()),
            PtrAnswer::NoName => (None, "no-name".to_string()),
            PtrAnswer::Failed(why) => (None, format!("failed: {why}")),
        };
        if hostname.is_none()
            && ip == flow.server.ip
            && let Some(n) = &name
        {
            hostname = Some(HostnameReport {
                name: n.clone(),
                source: NameSource::Ptr.name(),
                packet: None,
                input: None,
            });
        }
        report.ptr = Some(PtrReport { name, status });
    }
    // A PTR name is whatever the owner of the reverse zone chose to publish, unverified: it
    // must not make an address look like a catalog service, so it takes no part in name rules.
    let query = Query {
        name: hostname
            .as_ref()
            .filter(|h| h.source != NameSource::Ptr.name())
            .map(|h| h.name.as_str()),
        server: flow.server.ip,
        protocol: flow.protocol,
        server_port: flow.has_ports.then_some(flow.server.port),
    };
    let mut matched = naming
        .catalog
        .classify(&query)
        .map(|m| (m.service, m.rule, m.kind.name()));
    // A flow that carries STUN/TURN is media, whatever name it was reached by (Teams relays
    // are named `*.tr.teams.microsoft.com`, `api.flightproxy.teams.microsoft.com`): a media
    // service of the same provider found by address and port, or by MS-TURN, replaces a name
    // match of another category. Without STUN evidence the name decides.
    let stun = facts.and_then(|f| f.stun.as_ref());
    let carries_stun = stun.is_some_and(|s| s.messages() > 0);
    let ms_turn = stun.is_some_and(|s| s.ms_turn);
    let is_media = |m: &Option<(&Service, String, &str)>| {
        m.as_ref().is_some_and(|m| m.0.category == Category::Media)
    };
    if carries_stun && !is_media(&matched) {
        let provider = matched.as_ref().and_then(|m| m.0.provider.clone());
        let by_address = naming
            .catalog
            .classify(&Query {
                name: None,
                ..query
            })
            .filter(|m| m.kind == RuleKind::Range && m.service.category == Category::Media)
            .filter(|m| provider.is_none() || m.service.provider == provider)
            .map(|m| (m.service, m.rule, "range"));
        let by_ms_turn = ms_turn
            .then(|| {
                naming
                    .catalog
                    .services()
                    .iter()
                    .find(|s| s.id == MS_TURN_SERVICE)
            })
            .flatten()
            .filter(|s| provider.is_none() || s.provider == provider)
            .map(|s| (s, "stun:ms-turn".to_string(), "stun"));
        let media = by_address.or(by_ms_turn);
        let replaces = matched
            .as_ref()
            .is_none_or(|m| m.2 == "name" || m.2 == "port");
        if media.is_some() && replaces {
            matched = media;
        }
    }
    let empty =
        facts.is_none_or(FlowNames::is_empty) && report.dns.is_none() && report.ptr.is_none();
    FlowNaming {
        hostname,
        category: matched.as_ref().map(|m| m.0.category),
        rule_kind: matched.as_ref().map(|m| m.2),
        service: matched.map(|(s, rule, _)| ServiceReport {
            name: s.name.clone(),
            provider: s.provider.clone(),
            category: s.category.name(),
            rule,
            id: s.id.clone(),
        }),
        names: (!empty).then_some(report),
    }
}

/// Adds up remote flows per service and category.
pub struct ServiceTotals {
    home: bool,
    by_service: BTreeMap<(String, Option<String>, Category), ServiceVolume>,
    by_category: BTreeMap<&'static str, ServiceVolume>,
    unclassified: ServiceVolume,
    by_source: BTreeMap<&'static str, u64>,
    by_rule: BTreeMap<&'static str, u64>,
}

impl ServiceTotals {
    pub fn new(home: bool) -> Self {
        let volume = || ServiceVolume {
            left_home: home.then(Volume::default),
            ..ServiceVolume::default()
        };
        ServiceTotals {
            home,
            by_service: BTreeMap::new(),
            by_category: Category::ALL.iter().map(|c| (c.name(), volume())).collect(),
            unclassified: volume(),
            by_source: BTreeMap::new(),
            by_rule: BTreeMap::new(),
        }
    }

    /// One remote flow: `to` bytes sent to the destination `pl`, `from` received.
    pub fn add(&mut self, naming: &FlowNaming, pl: &Placement, to: u64, from: u64) {
        let source = naming.hostname.as_ref().map_or("none", |h| h.source);
        *self.by_source.entry(source).or_default() += 1;
        let add = |v: &mut ServiceVolume| add_volume(v, pl, to, from);
        match (&naming.service, naming.category) {
            (Some(s), Some(category)) => {
                *self
                    .by_rule
                    .entry(naming.rule_kind.unwrap_or("name"))
                    .or_default() += 1;
                let home = self.home;
                let v = self
                    .by_service
                    .entry((s.name.clone(), s.provider.clone(), category))
                    .or_insert_with(|| ServiceVolume {
                        left_home: home.then(Volume::default),
                        ..ServiceVolume::default()
                    });
                add(v);
                if let Some(v) = self.by_category.get_mut(category.name()) {
                    add(v);
                }
            }
            _ => add(&mut self.unclassified),
        }
    }

    pub fn finish(self, names: &Names) -> ServicesSummary {
        let mut by_service: Vec<ServiceTotal> = self
            .by_service
            .into_iter()
            .map(|((name, provider, category), volume)| ServiceTotal {
                name,
                provider,
                category: category.name(),
                volume,
            })
            .collect();
        let total = |s: &ServiceTotal| s.volume.volume.bytes_to + s.volume.volume.bytes_from;
        by_service.sort_by(|a, b| total(b).cmp(&total(a)).then_with(|| a.name.cmp(&b.name)));
        let cache = names.answers.stats();
        ServicesSummary {
            by_service,
            by_category: self.by_category,
            unclassified: self.unclassified,
            by_hostname_source: self.by_source,
            by_rule_kind: self.by_rule,
            inspection: InspectionReport {
                flows_inspected: names.stats.inspected,
                flows_evicted: names.stats.evicted,
                dns_responses: names.stats.dns_responses,
                dns_malformed: names.stats.dns_malformed,
                dns_bindings: cache.bindings as u64,
                dns_bindings_evicted: cache.evicted_bindings,
            },
        }
    }
}

fn add_volume(v: &mut ServiceVolume, pl: &Placement, to: u64, from: u64) {
    v.volume.add(to, from);
    if pl.leaves_home == Some(true)
        && let Some(h) = v.left_home.as_mut()
    {
        h.add(to, from);
    }
    if pl.leaves_eu_eea == Some(true) {
        v.left_eu_eea.add(to, from);
    }
    if pl.foreign_control == Some(true) {
        v.non_eu_control.add(to, from);
    }
    if pl.provider.as_ref().is_some_and(|p| p.cloud_act()) {
        v.cloud_act.add(to, from);
    }
}
