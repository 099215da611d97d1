//! The comparison: two reports in, one [`Diff`] out. Pure and deterministic: the same two
//! reports give the same diff, in the orders of docs/diff.md.

use super::dest::{destinations, hostnames, ip_key};
use super::model::{
    AddressChange, AnswerDiff, ByLeft, Changes, Count, DIFF_SCHEMA, Destination, Diff,
    HostnameChange, HostnameEntry, InputRef, Pair, PlacementDiff, ProviderRow, Sent, ServiceRow,
    Side, Status, Totals, Verdicts, Volume, VolumeRow,
};
use super::read::{self, Report};
use super::warn::warnings;
use std::collections::{BTreeMap, BTreeSet};

/// The zones in the order a reader goes through them: at home, then ever further away in
/// law; `private` and `unknown` last. A zone not listed (from a later version) follows, by
/// name.
pub const ZONE_ORDER: [&str; 8] = [
    "home", "eu", "eea", "adequate", "us-dpf", "third", "private", "unknown",
];

/// Compares `old` (before) with `new` (after).
pub fn diff(old: &Report, new: &Report) -> Diff {
    let (old_dests, new_dests) = (destinations(old), destinations(new));
    let (old_hosts, new_hosts) = (hostnames(old, &old_dests), hostnames(new, &new_dests));
    let mut d = Diff {
        schema: DIFF_SCHEMA,
        old: side(old),
        new: side(new),
        warnings: warnings(old, new),
        differences: false,
        totals: Totals {
            flows: Count::of(old.summary.flows.total, new.summary.flows.total),
            bytes_to_remote: Count::of(old.summary.bytes_to_remote, new.summary.bytes_to_remote),
            bytes_from_remote: Count::of(
                old.summary.bytes_from_remote,
                new.summary.bytes_from_remote,
            ),
            destinations: Count::of(old.summary.destinations, new.summary.destinations),
        },
        answer: answer(&old.summary.answer, &new.summary.answer),
        placement: placement(&old.summary.placement, &new.summary.placement),
        services: services(old, new),
        destinations: changes(&old_dests, &new_dests, |x, y| {
            y.bytes_to
                .cmp(&x.bytes_to)
                .then_with(|| ip_key(&x.ip).cmp(&ip_key(&y.ip)))
        }),
        hostnames: changes(&old_hosts, &new_hosts, |x, y| {
            y.bytes_to
                .cmp(&x.bytes_to)
                .then_with(|| x.name.cmp(&y.name))
        }),
        verdicts: Verdicts {
            addresses: address_changes(&old_dests, &new_dests),
            hostnames: hostname_changes(&old_hosts, &new_hosts),
        },
    };
    d.differences = differs(&d);
    d
}

fn side(r: &Report) -> Side {
    Side {
        path: r.path.clone(),
        schema: r.schema.clone(),
        tool_version: r.tool.version.clone(),
        home: r.geo.home.clone(),
        inputs: r
            .inputs
            .iter()
            .map(|i| InputRef {
                path: i.path.clone(),
                sha256: i.sha256.clone(),
                packets: i.packets,
            })
            .collect(),
        first_packet: r.summary.first_packet.clone(),
        last_packet: r.summary.last_packet.clone(),
        complete: r.summary.complete != Some(false),
    }
}

fn differs(d: &Diff) -> bool {
    let t = &d.totals;
    let p = &d.placement;
    let a = &d.answer;
    let rows_differ = p.by_zone.iter().any(|r| r.status != Status::Same)
        || p.by_jurisdiction.iter().any(|r| r.status != Status::Same)
        || p.by_provider.iter().any(|r| r.status != Status::Same)
        || d.services.iter().any(|r| r.status != Status::Same);
    let volumes = [
        p.left_eu_eea,
        p.non_eu_control,
        p.cloud_act,
        p.unplaced,
        p.unanswered,
    ];
    [
        t.flows,
        t.bytes_to_remote,
        t.bytes_from_remote,
        t.destinations,
    ]
    .iter()
    .any(Count::changed)
        || a.left_home.is_some_and(|b| b.changed())
        || a.left_eu_eea.changed()
        || a.unanswered.changed()
        || rows_differ
        || p.left_home.is_some_and(|v| v.changed())
        || volumes.iter().any(Volume::changed)
        || !d.destinations.is_empty()
        || !d.hostnames.is_empty()
        || !d.verdicts.addresses.is_empty()
        || !d.verdicts.hostnames.is_empty()
}

fn volume(a: &read::Volume, b: &read::Volume) -> Volume {
    Volume {
        flows: Count::of(a.flows, b.flows),
        bytes_to: Count::of(a.bytes_to, b.bytes_to),
        bytes_from: Count::of(a.bytes_from, b.bytes_from),
    }
}

fn sent(a: &read::Sent, b: &read::Sent) -> Sent {
    Sent {
        flows: Count::of(a.flows, b.flows),
        payload_to_remote: Count::of(a.payload_to_remote, b.payload_to_remote),
        bytes_to_remote: Count::of(a.bytes_to_remote, b.bytes_to_remote),
    }
}

fn by_left(a: &read::ByLeft, b: &read::ByLeft) -> ByLeft {
    ByLeft {
        yes: sent(&a.yes, &b.yes),
        no: sent(&a.no, &b.no),
        unknown: sent(&a.unknown, &b.unknown),
    }
}

fn answer(a: &read::SummaryAnswer, b: &read::SummaryAnswer) -> AnswerDiff {
    AnswerDiff {
        left_home: match (&a.left_home, &b.left_home) {
            (Some(x), Some(y)) => Some(by_left(x, y)),
            _ => None,
        },
        left_eu_eea: by_left(&a.left_eu_eea, &b.left_eu_eea),
        unanswered: sent(&a.unanswered, &b.unanswered),
    }
}

/// The status of a row from whether each side has it (with any flow or byte) and whether
/// its numbers changed.
fn status(in_old: bool, in_new: bool, changed: bool) -> Status {
    match (in_old, in_new) {
        (false, true) => Status::New,
        (true, false) => Status::Vanished,
        _ if changed => Status::Changed,
        _ => Status::Same,
    }
}

fn present(v: &read::Volume) -> bool {
    v.flows > 0 || v.bytes_to > 0 || v.bytes_from > 0
}

/// Rows keyed by name: the union of both sides' keys, each side's volume (zero when absent).
fn keyed(
    old: &BTreeMap<String, read::Volume>,
    new: &BTreeMap<String, read::Volume>,
) -> Vec<VolumeRow> {
    let keys: BTreeSet<&String> = old.keys().chain(new.keys()).collect();
    keys.into_iter()
        .map(|k| {
            let (a, b) = (
                old.get(k).copied().unwrap_or_default(),
                new.get(k).copied().unwrap_or_default(),
            );
            let volume = volume(&a, &b);
            VolumeRow {
                name: k.clone(),
                status: status(present(&a), present(&b), volume.changed()),
                volume,
            }
        })
        .collect()
}

/// Most bytes sent first (the larger of the two sides), then by name.
fn by_bytes_then_name<'a>(to: &'a Count, name: &'a str) -> (std::cmp::Reverse<u64>, &'a str) {
    (std::cmp::Reverse(to.old.max(to.new)), name)
}

fn placement(a: &read::Placement, b: &read::Placement) -> PlacementDiff {
    let mut by_zone = keyed(&a.by_zone, &b.by_zone);
    by_zone.sort_by_key(|r| {
        let rank = ZONE_ORDER.iter().position(|z| *z == r.name);
        (rank.unwrap_or(ZONE_ORDER.len()), r.name.clone())
    });
    let mut by_jurisdiction = keyed(&a.by_jurisdiction, &b.by_jurisdiction);
    by_jurisdiction.sort_by(|x, y| {
        by_bytes_then_name(&x.volume.bytes_to, &x.name)
            .cmp(&by_bytes_then_name(&y.volume.bytes_to, &y.name))
    });
    PlacementDiff {
        by_zone,
        by_jurisdiction,
        by_provider: providers(&a.by_provider, &b.by_provider),
        left_home: match (&a.left_home, &b.left_home) {
            (Some(x), Some(y)) => Some(volume(x, y)),
            _ => None,
        },
        left_eu_eea: volume(&a.left_eu_eea, &b.left_eu_eea),
        non_eu_control: volume(&a.non_eu_control, &b.non_eu_control),
        cloud_act: volume(&a.cloud_act, &b.cloud_act),
        unplaced: volume(&a.unplaced, &b.unplaced),
        unanswered: volume(&a.unanswered, &b.unanswered),
    }
}

/// Providers by name; a name listed twice in one report (a registration fallback beside the
/// table's entry) is added up, keeping the first jurisdiction.
fn providers(old: &[read::ProviderVolume], new: &[read::ProviderVolume]) -> Vec<ProviderRow> {
    type Side = BTreeMap<String, (read::Volume, Option<String>)>;
    let collect = |rows: &[read::ProviderVolume]| {
        let mut m = Side::new();
        for r in rows {
            let e = m
                .entry(r.name.clone())
                .or_insert_with(|| (read::Volume::default(), r.jurisdiction.clone()));
            e.0.flows += r.flows;
            e.0.bytes_to += r.bytes_to;
            e.0.bytes_from += r.bytes_from;
        }
        m
    };
    let (a, b) = (collect(old), collect(new));
    let keys: BTreeSet<&String> = a.keys().chain(b.keys()).collect();
    let mut rows: Vec<ProviderRow> = keys
        .into_iter()
        .map(|k| {
            let (x, y) = (a.get(k), b.get(k));
            let zero = read::Volume::default();
            let volume = volume(x.map_or(&zero, |x| &x.0), y.map_or(&zero, |y| &y.0));
            let jurisdiction = Pair {
                old: x.and_then(|x| x.1.clone()),
                new: y.and_then(|y| y.1.clone()),
            };
            let changed = volume.changed()
                || (x.is_some() && y.is_some() && jurisdiction.old != jurisdiction.new);
            ProviderRow {
                name: k.clone(),
                status: status(x.is_some(), y.is_some(), changed),
                jurisdiction,
                volume,
            }
        })
        .collect();
    rows.sort_by(|x, y| {
        by_bytes_then_name(&x.volume.bytes_to, &x.name)
            .cmp(&by_bytes_then_name(&y.volume.bytes_to, &y.name))
    });
    rows
}

/// A report's services by name (the first row of a name, should one repeat).
fn service_index(r: &Report) -> BTreeMap<String, &read::ServiceVolume> {
    let mut m: BTreeMap<String, &read::ServiceVolume> = BTreeMap::new();
    for s in &r.summary.services.by_service {
        m.entry(s.name.clone()).or_insert(s);
    }
    m
}

fn services(old: &Report, new: &Report) -> Vec<ServiceRow> {
    let (a, b) = (service_index(old), service_index(new));
    let keys: BTreeSet<&String> = a.keys().chain(b.keys()).collect();
    let zero = read::ServiceVolume::default();
    let mut rows: Vec<ServiceRow> = keys
        .into_iter()
        .map(|k| {
            let (x, y) = (a.get(k).copied(), b.get(k).copied());
            let (xs, ys) = (x.unwrap_or(&zero), y.unwrap_or(&zero));
            let vol = |s: &read::ServiceVolume| read::Volume {
                flows: s.flows,
                bytes_to: s.bytes_to,
                bytes_from: s.bytes_from,
            };
            let volume = volume(&vol(xs), &vol(ys));
            let payload_to = Count::of(xs.payload_to, ys.payload_to);
            let unanswered = Count::of(xs.unanswered, ys.unanswered);
            let changed = volume.changed() || payload_to.changed() || unanswered.changed();
            let shown = y.or(x).unwrap_or(&zero);
            ServiceRow {
                name: k.clone(),
                provider: shown.provider.clone(),
                category: shown.category.clone(),
                status: status(x.is_some(), y.is_some(), changed),
                volume,
                payload_to,
                unanswered,
            }
        })
        .collect();
    rows.sort_by(|x, y| {
        by_bytes_then_name(&x.volume.bytes_to, &x.name)
            .cmp(&by_bytes_then_name(&y.volume.bytes_to, &y.name))
    });
    rows
}

/// What only `new` has and what only `old` had, each sorted by `order`.
fn changes<T: Clone>(
    old: &BTreeMap<String, T>,
    new: &BTreeMap<String, T>,
    order: impl Fn(&T, &T) -> std::cmp::Ordering,
) -> Changes<T> {
    let only = |a: &BTreeMap<String, T>, b: &BTreeMap<String, T>| {
        let mut v: Vec<T> = a
            .iter()
            .filter(|(k, _)| !b.contains_key(*k))
            .map(|(_, t)| t.clone())
            .collect();
        v.sort_by(&order);
        v
    };
    Changes {
        new: only(new, old),
        vanished: only(old, new),
    }
}

fn address_changes(
    old: &BTreeMap<String, Destination>,
    new: &BTreeMap<String, Destination>,
) -> Vec<AddressChange> {
    let mut out: Vec<AddressChange> = old
        .iter()
        .filter_map(|(ip, a)| {
            let b = new.get(ip)?;
            let (x, y) = (&a.verdict, &b.verdict);
            let fields: [(&'static str, bool); 8] = [
                ("left_home", x.answer.left_home != y.answer.left_home),
                ("left_eu_eea", x.answer.left_eu_eea != y.answer.left_eu_eea),
                ("basis", x.answer.basis != y.answer.basis),
                ("basis_home", x.answer.basis_home != y.answer.basis_home),
                ("zone", x.zone != y.zone),
                ("country", x.country != y.country),
                ("provider", x.provider != y.provider),
                ("jurisdiction", x.jurisdiction != y.jurisdiction),
            ];
            let changed: Vec<&'static str> =
                fields.iter().filter(|(_, c)| *c).map(|(f, _)| *f).collect();
            (!changed.is_empty()).then(|| AddressChange {
                ip: ip.clone(),
                hostnames: if b.hostnames.is_empty() {
                    a.hostnames.clone()
                } else {
                    b.hostnames.clone()
                },
                changed,
                bytes_to: Count::of(a.bytes_to, b.bytes_to),
                old: x.clone(),
                new: y.clone(),
            })
        })
        .collect();
    out.sort_by(|x, y| {
        let kx = (
            std::cmp::Reverse(x.bytes_to.old.max(x.bytes_to.new)),
            ip_key(&x.ip),
        );
        let ky = (
            std::cmp::Reverse(y.bytes_to.old.max(y.bytes_to.new)),
            ip_key(&y.ip),
        );
        kx.cmp(&ky)
    });
    out
}

fn hostname_changes(
    old: &BTreeMap<String, HostnameEntry>,
    new: &BTreeMap<String, HostnameEntry>,
) -> Vec<HostnameChange> {
    let mut out: Vec<HostnameChange> = old
        .iter()
        .filter_map(|(name, a)| {
            let b = new.get(name)?;
            let (x, y) = (&a.verdict, &b.verdict);
            let fields: [(&'static str, bool); 6] = [
                ("left_home", x.left_home != y.left_home),
                ("left_eu_eea", x.left_eu_eea != y.left_eu_eea),
                ("basis", x.basis != y.basis),
                ("zones", x.zones != y.zones),
                ("countries", x.countries != y.countries),
                ("providers", x.providers != y.providers),
            ];
            let changed: Vec<&'static str> =
                fields.iter().filter(|(_, c)| *c).map(|(f, _)| *f).collect();
            (!changed.is_empty()).then(|| HostnameChange {
                name: name.clone(),
                changed,
                bytes_to: Count::of(a.bytes_to, b.bytes_to),
                old: x.clone(),
                new: y.clone(),
            })
        })
        .collect();
    out.sort_by(|x, y| {
        by_bytes_then_name(&x.bytes_to, &x.name).cmp(&by_bytes_then_name(&y.bytes_to, &y.name))
    });
    out
}
