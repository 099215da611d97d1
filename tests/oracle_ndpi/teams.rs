//! teams.pcap: the flows nDPI labels as Microsoft's collaboration services get a Microsoft
//! service from residency, and the telemetry flows get the category `telemetry`.
//!
//! Both lists below come from the issue text, not from residency's catalog, so the check
//! stays independent of the catalog it checks.

use crate::ndpi::{self, Flow};
use crate::ours::Run;
use residency::report::FlowReport;
use residency::services::Catalog;
use std::net::{IpAddr, Ipv4Addr};

pub const CAPTURE: &str = "teams.pcap";

/// nDPI application labels (in its `proto:` field) that mean a Microsoft service.
pub const MICROSOFT_LABELS: &[&str] = &[
    "Teams",
    "Skype_Teams",
    "Skype_TeamsCall",
    "Microsoft365",
    "Azure",
];

/// Telemetry endpoints named by the issue: `*.` means any subdomain.
pub const TELEMETRY_NAMES: &[&str] = &[
    "*.events.data.microsoft.com",
    "*.aria.microsoft.com",
    "nexus.officeapps.live.com",
    "*.hockeyapp.net", // HockeyApp crash reporting
];

/// The capture's local DNS resolver (the home router).
pub const LOCAL_RESOLVER: (IpAddr, u16) = (IpAddr::V4(Ipv4Addr::new(192, 168, 1, 1)), 53);

/// nDPI's DNS master protocol id.
const DNS: u16 = 5;

pub fn is_telemetry(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    TELEMETRY_NAMES.iter().any(|p| match p.strip_prefix("*.") {
        Some(suffix) => name.ends_with(&format!(".{suffix}")),
        None => name == *p,
    })
}

fn microsoft_label(f: &Flow) -> bool {
    MICROSOFT_LABELS.iter().any(|l| f.labelled(l))
}

/// Why a flow labelled as Microsoft by nDPI gets no Microsoft service: a DNS lookup sent to
/// the local resolver. nDPI labels a DNS flow by the name looked up (`DNS.Teams` for
/// `config.teams.microsoft.com`), but the flow's bytes go to 192.168.1.1, the home router,
/// not to Microsoft: residency's `service` describes the flow's destination, so it is not
/// Microsoft's. What the flow *asked about* is in `names.dns_queries`, and the services those
/// names belong to are in `names.dns_query_services`: that is where Microsoft must show.
fn to_local_resolver(f: &Flow) -> bool {
    f.master == Some(DNS)
        && [&f.client, &f.server]
            .iter()
            .any(|e| e.ip == Some(LOCAL_RESOLVER.0) && e.port == LOCAL_RESOLVER.1)
}

fn service_provider<'a>(catalog: &'a Catalog, service: &str) -> Option<&'a str> {
    catalog
        .services()
        .iter()
        .find(|s| s.name == service)
        .and_then(|s| s.provider.as_deref())
}

#[derive(Default, Debug, PartialEq, Eq)]
pub struct Counts {
    /// Labelled flows with a Microsoft service.
    pub microsoft: usize,
    /// Of those, flows whose other end is a peer (LAN or the NAT's public address), not
    /// Microsoft: the service is Teams media, but the bytes go to the peer.
    pub peer_to_peer: usize,
    /// Labelled DNS flows to the local resolver, checked through `names.dns_query_services`.
    pub dns_lookups: usize,
    /// Flows to a telemetry endpoint (by nDPI's name) with category `telemetry`.
    pub telemetry: usize,
    /// Telemetry flows per nDPI name.
    pub telemetry_names: Vec<(String, usize)>,
}

/// The public address of the capture's NAT: the STUN Mapped address of 192.168.1.6 in
/// nDPI's output (`[Mapped IP/Port: 93.71.110.205:16332]`), which Teams used for
/// peer-to-peer media.
const NAT_PUBLIC: IpAddr = IpAddr::V4(Ipv4Addr::new(93, 71, 110, 205));

fn peer_to_peer(x: &FlowReport) -> bool {
    let remote_ip = |e: &residency::report::EndpointReport| e.ip.parse::<IpAddr>().ok();
    x.scope == residency::flow::Scope::Internal
        || remote_ip(&x.client) == Some(NAT_PUBLIC)
        || remote_ip(&x.server) == Some(NAT_PUBLIC)
}

/// Checks the capture; returns the figures and the failures.
pub fn check(run: &Run, catalog: &Catalog) -> (Counts, Vec<String>) {
    let mut counts = Counts::default();
    let mut failures = Vec::new();
    let mut fail = |f: &Flow, what: String| failures.push(format!("{}: {what}", f.describe()));
    println!("{CAPTURE}: flows nDPI labels {MICROSOFT_LABELS:?}:");
    for f in run.ndpi.iter().filter(|f| microsoft_label(f)) {
        let matched = run.flows_for(f);
        let [x] = matched.flows[..] else {
            fail(f, format!("{} residency flows", matched.flows.len()));
            continue;
        };
        let service = x.service.as_ref();
        let provider = service.and_then(|s| s.provider.as_deref());
        println!(
            "  {} -> service {:?} ({:?}, {:?})",
            f.describe(),
            service.map(|s| &s.name),
            provider,
            service.map(|s| s.category)
        );
        if to_local_resolver(f) {
            counts.dns_lookups += 1;
            let names = x.names.as_ref();
            let queries = names.map(|n| n.dns_queries.as_slice()).unwrap_or_default();
            let query_services = names
                .map(|n| n.dns_query_services.as_slice())
                .unwrap_or_default();
            println!("      DNS lookup: queries {queries:?}, their services {query_services:?}");
            if provider == Some("Microsoft") {
                fail(
                    f,
                    "a DNS lookup to the local resolver got a Microsoft service".into(),
                );
            }
            let asked = f.hostname().unwrap_or_default();
            if !queries.iter().any(|q| q.eq_ignore_ascii_case(asked)) {
                fail(f, format!("names.dns_queries {queries:?} lacks {asked:?}"));
            }
            if !query_services
                .iter()
                .any(|s| service_provider(catalog, s) == Some("Microsoft"))
            {
                fail(
                    f,
                    format!("no Microsoft service in dns_query_services {query_services:?}"),
                );
            }
            continue;
        }
        if provider != Some("Microsoft") {
            fail(
                f,
                format!("service {:?} is not Microsoft's", service.map(|s| &s.name)),
            );
            continue;
        }
        counts.microsoft += 1;
        if peer_to_peer(x) {
            counts.peer_to_peer += 1;
            println!(
                "      peer-to-peer: the bytes go to {} / {}, placed at {:?}",
                x.client.ip,
                x.server.ip,
                x.address
                    .as_deref()
                    .and_then(|a| run.report.address(a))
                    .and_then(|a| a.provider.as_ref())
                    .and_then(|p| p.name.as_deref())
            );
        }
    }
    check_telemetry(run, &mut counts, &mut failures);
    (counts, failures)
}

fn check_telemetry(run: &Run, counts: &mut Counts, failures: &mut Vec<String>) {
    let telemetry =
        |f: &&ndpi::Flow| f.master != Some(DNS) && f.hostname().is_some_and(is_telemetry);
    let mut ours_ids = Vec::new();
    for f in run.ndpi.iter().filter(telemetry) {
        let name = f.hostname().unwrap_or_default().to_ascii_lowercase();
        let matched = run.flows_for(f);
        let category = matched
            .flows
            .first()
            .and_then(|x| x.service.as_ref())
            .map(|s| s.category.name());
        if matched.flows.len() == 1 && category == Some("telemetry") {
            counts.telemetry += 1;
            ours_ids.extend(matched.flows.iter().map(|x| x.id));
            match counts.telemetry_names.iter_mut().find(|(n, _)| *n == name) {
                Some((_, c)) => *c += 1,
                None => counts.telemetry_names.push((name, 1)),
            }
        } else {
            failures.push(format!(
                "{}: telemetry endpoint {name} has category {category:?} ({} flows)",
                f.describe(),
                matched.flows.len()
            ));
        }
    }
    // The other way round: every flow residency calls telemetry is one of those.
    for x in &run.report.flows {
        let is_telemetry = x
            .service
            .as_ref()
            .is_some_and(|s| s.category.name() == "telemetry");
        if is_telemetry && !ours_ids.contains(&x.id) {
            failures.push(format!(
                "residency flow {} ({:?}) is telemetry, but nDPI's name is not a telemetry endpoint",
                x.id,
                x.hostname.as_ref().map(|h| &h.name)
            ));
        }
    }
}
