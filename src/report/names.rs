//! Names and services in the report: the flow's hostname, its service by the catalog, the
//! evidence behind both, and the per-service totals.

use super::model::PacketRefReport;
use super::names_model::*;
use crate::flow::{Flow, PacketRef};
use crate::names::dns::{AnswerCache, CacheStats};
use crate::names::facts::{FlowNames, Hello, StunFact};
use crate::names::{NameSource, NameStats, dns_for, hostname, quic};
use crate::place::Placement;
use crate::services::{Catalog, Category, Query, RuleKind, Service};
use std::collections::BTreeMap;

/// The catalog entry a flow with Microsoft MS-TURN attributes belongs to when no name or range
/// rule placed it: only Teams (and Skype for Business) relays speak MS-TURN.
pub const MS_TURN_SERVICE: &str = "teams-media";

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
        preamble_bytes: h.preamble,
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
        realm: s.realm.as_ref().map(|r| NamedReport {
            name: r.name.clone(),
            packet: packet(r.at),
        }),
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
    }
}

/// Names, evidence and service of one flow, from its own facts and the DNS answers seen by
/// the time it ended. Reverse DNS (`--resolve`) names addresses, not flows: it is in
/// `addresses[].ptr`.
pub fn flow_naming(
    flow: &Flow,
    facts: Option<&FlowNames>,
    answers: &AnswerCache,
    catalog: &Catalog,
) -> FlowNaming {
    let mut report = facts.map(|f| facts_report(f, catalog)).unwrap_or_default();
    let resolution = dns_for(answers, flow);
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
    let hostname = hostname(facts, &resolution).map(|h| HostnameReport {
        name: h.name,
        source: h.source,
        packet: h.at.map(|a| a.number),
        input: h.at.map(|a| a.input),
    });
    // A PTR name is whatever the owner of the reverse zone chose to publish, unverified: it
    // must not make an address look like a catalog service, so it takes no part in name rules.
    let query = Query {
        name: hostname
            .as_ref()
            .filter(|h| h.source != NameSource::Ptr)
            .map(|h| h.name.as_str()),
        server: flow.server.ip,
        protocol: flow.protocol,
        server_port: flow.has_ports.then_some(flow.server.port),
    };
    let mut matched = catalog
        .classify(&query)
        .map(|m| (m.service, m.rule, m.kind.name()));
    // A STUN/TURN REALM names a relay, and a relay carries media: the realm classifies the
    // flow only as a media service (`turn.l.google.com` must not make a relay "Google / web");
    // otherwise the flow is classified as if it had no name.
    let from_realm = hostname
        .as_ref()
        .is_some_and(|h| h.source == NameSource::StunRealm);
    if from_realm
        && matched
            .as_ref()
            .is_none_or(|m| m.0.category != Category::Media)
    {
        matched = catalog
            .classify(&Query {
                name: None,
                ..query
            })
            .map(|m| (m.service, m.rule, m.kind.name()));
    }
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
        let by_address = catalog
            .classify(&Query {
                name: None,
                ..query
            })
            .filter(|m| m.kind == RuleKind::Range && m.service.category == Category::Media)
            .filter(|m| provider.is_none() || m.service.provider == provider)
            .map(|m| (m.service, m.rule, "range"));
        let by_ms_turn = ms_turn
            .then(|| catalog.services().iter().find(|s| s.id == MS_TURN_SERVICE))
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
    let empty = facts.is_none_or(FlowNames::is_empty) && report.dns.is_none();
    FlowNaming {
        hostname,
        category: matched.as_ref().map(|m| m.0.category),
        rule_kind: matched.as_ref().map(|m| m.2),
        service: matched.map(|(s, rule, _)| ServiceReport {
            name: s.name.clone(),
            provider: s.provider.clone(),
            category: s.category,
            rule,
            id: s.id.clone(),
        }),
        names: (!empty).then_some(report),
    }
}

/// Adds up remote flows per service and category.
#[derive(Clone)]
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
        ServiceTotals {
            home,
            by_service: BTreeMap::new(),
            by_category: Category::ALL
                .iter()
                .map(|c| (c.name(), ServiceVolume::empty(home)))
                .collect(),
            unclassified: ServiceVolume::empty(home),
            by_source: BTreeMap::new(),
            by_rule: BTreeMap::new(),
        }
    }

    /// Count a remote flow's name source; its service's and its category's volumes
    /// (`unclassified` and none without a service).
    fn volumes(&mut self, naming: &FlowNaming) -> (&mut ServiceVolume, Option<&mut ServiceVolume>) {
        let source = naming.hostname.as_ref().map_or("none", |h| h.source.name());
        *self.by_source.entry(source).or_default() += 1;
        let home = self.home;
        match (&naming.service, naming.category) {
            (Some(s), Some(category)) => {
                let service = self
                    .by_service
                    .entry((s.name.clone(), s.provider.clone(), category))
                    .or_insert_with(|| ServiceVolume::empty(home));
                (service, self.by_category.get_mut(category.name()))
            }
            _ => (&mut self.unclassified, None),
        }
    }

    /// A remote flow never answered: counted per service apart from the volumes.
    pub fn unanswered(&mut self, naming: &FlowNaming) {
        let (service, category) = self.volumes(naming);
        service.unanswered += 1;
        if let Some(v) = category {
            v.unanswered += 1;
        }
    }

    /// One answered remote flow: `to` bytes sent to the destination `pl` (`payload` of them
    /// transport payload), `from` received.
    pub fn add(&mut self, naming: &FlowNaming, pl: &Placement, to: u64, from: u64, payload: u64) {
        if naming.service.is_some() && naming.category.is_some() {
            *self
                .by_rule
                .entry(naming.rule_kind.unwrap_or("name"))
                .or_default() += 1;
        }
        let (service, category) = self.volumes(naming);
        for v in std::iter::once(service).chain(category) {
            v.payload_to += payload;
            add_volume(v, pl, to, from);
        }
    }

    pub fn finish(self, names: NameStats, cache: CacheStats) -> ServicesSummary {
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
        ServicesSummary {
            by_service,
            by_category: self.by_category,
            unclassified: self.unclassified,
            by_hostname_source: self.by_source,
            by_rule_kind: self.by_rule,
            inspection: InspectionReport {
                flows_inspected: names.inspected,
                flows_evicted: names.evicted,
                dns_responses: names.dns_responses,
                dns_malformed: names.dns_malformed,
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
