//! Destinations as one report has them: each remote address with all its parts added up and
//! its verdict, and each host name of the flows with the verdicts of its addresses.

use super::model::{DatabaseCountry, Destination, HostVerdict, HostnameEntry, Verdict};
use super::read::{Address, Physics, Report};
use std::collections::btree_map::Entry;
use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;

/// Sort key of an address: IPv4 before IPv6, numerically; text that is no address first.
pub fn ip_key(ip: &str) -> (Option<IpAddr>, &str) {
    (ip.parse().ok(), ip)
}

/// Every remote address of `report`, by address text.
pub fn destinations(report: &Report) -> BTreeMap<String, Destination> {
    let mut out: BTreeMap<String, (Destination, Option<&Physics>)> = BTreeMap::new();
    for part in &report.addresses {
        let (_, dominant) = match out.entry(part.ip.clone()) {
            Entry::Vacant(v) => v.insert((first_part(part), None)),
            Entry::Occupied(o) => {
                let held = o.into_mut();
                let dest = &mut held.0;
                dest.flows += part.flows;
                dest.bytes_to += part.bytes_to;
                dest.bytes_from += part.bytes_from;
                merge(&mut dest.hostnames, &part.hostnames);
                merge(&mut dest.services, &part.services);
                held
            }
        };
        for entry in &part.physics {
            if dominant.is_none_or(|d| weight(entry) > weight(d)) {
                *dominant = Some(entry);
            }
        }
    }
    out.into_iter()
        .map(|(ip, (mut dest, dominant))| {
            if let Some(p) = dominant {
                dest.verdict.answer = p.answer.clone().unwrap_or_default();
                dest.verdict.vantage = p.vantage.clone();
                dest.verdict.physics = p.verdict.clone();
                dest.verdict.rtt_ms = p.rtt_ms;
            }
            (ip, dest)
        })
        .collect()
}

/// The physics entry that speaks for an address: the one that carried the most answered
/// bytes (then the most bytes, then flows); the first in report order on a tie. In a report
/// from one vantage without parts, it is the address's only entry.
fn weight(p: &Physics) -> (u64, u64, u64) {
    (p.answered.bytes_to_remote, p.bytes_to, p.flows)
}

fn merge(into: &mut Vec<String>, more: &[String]) {
    for name in more {
        if !into.contains(name) {
            into.push(name.clone());
        }
    }
}

/// The destination as its first part has it (placement is the same in every part).
fn first_part(a: &Address) -> Destination {
    Destination {
        ip: a.ip.clone(),
        hostnames: a.hostnames.clone(),
        services: a.services.clone(),
        flows: a.flows,
        bytes_to: a.bytes_to,
        bytes_from: a.bytes_from,
        verdict: Verdict {
            answer: Default::default(),
            zone: a.jurisdiction.zone.clone(),
            country: a.geo.country.clone(),
            databases: a
                .geo
                .sources
                .iter()
                .filter(|s| s.country.is_some())
                .map(|s| DatabaseCountry {
                    db: s.db.clone(),
                    country: s.country.clone(),
                })
                .collect(),
            provider: a.provider.as_ref().map(|p| p.name.clone()),
            jurisdiction: a.provider.as_ref().and_then(|p| p.jurisdiction.clone()),
            vantage: None,
            physics: None,
            rtt_ms: None,
        },
    }
}

/// Every host name of `report`'s flows whose remote side is the server it names, with the
/// verdicts of the addresses those flows went to (`dests`, from [`destinations`]).
pub fn hostnames(
    report: &Report,
    dests: &BTreeMap<String, Destination>,
) -> BTreeMap<String, HostnameEntry> {
    report
        .flows
        .0
        .iter()
        .map(|(name, f)| {
            let entry = HostnameEntry {
                name: name.clone(),
                flows: f.flows,
                bytes_to: f.bytes_to,
                bytes_from: f.bytes_from,
                verdict: host_verdict(&f.addresses, dests),
            };
            (name.clone(), entry)
        })
        .collect()
}

fn host_verdict(ips: &BTreeSet<String>, dests: &BTreeMap<String, Destination>) -> HostVerdict {
    let mut sets: [BTreeSet<String>; 6] = Default::default();
    let mut addresses: Vec<&str> = ips.iter().map(String::as_str).collect();
    addresses.sort_by_key(|ip| ip_key(ip));
    for ip in &addresses {
        let Some(d) = dests.get(*ip) else { continue };
        let v = &d.verdict;
        let values = [
            v.answer.left_home.clone(),
            v.answer.left_eu_eea.clone(),
            v.answer.basis.clone(),
            Some(v.zone.clone()),
            v.country.clone(),
            v.provider.clone(),
        ];
        for (set, value) in sets.iter_mut().zip(values) {
            if let Some(value) = value {
                set.insert(value);
            }
        }
    }
    let [left_home, left_eu_eea, basis, zones, countries, providers] =
        sets.map(|s| s.into_iter().collect::<Vec<_>>());
    HostVerdict {
        addresses: addresses.into_iter().map(str::to_owned).collect(),
        left_home,
        left_eu_eea,
        basis,
        zones,
        countries,
        providers,
    }
}
