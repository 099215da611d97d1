//! Adding up the answer: the headline from each address written out (its final answer per
//! vantage), the per-host breakdown from each flow as it ends. Both bounded.

use super::answer_model::*;
use crate::place::answer::Answers;
use crate::place::legal::Zone;
use crate::report::AddressReport;
use std::collections::HashMap;
use std::net::IpAddr;

/// Inside hosts counted one by one. An office has hundreds to a few thousand machines; past
/// this many (a scan from spoofed sources, a capture of a whole ISP) the rest are added up in
/// `other_hosts`, so the table stays a few MiB.
pub const MAX_HOSTS: usize = 16_384;
/// (zone, provider, service) rows kept per host: a laptop talks to a few dozen services; the
/// rest go into one row.
pub const MAX_DESTINATIONS_PER_HOST: usize = 24;
/// Unanswered flows at which a host counts as scanning (when they also outnumber its answered
/// flows): a browser's failed connections stay far below, a sweep of a /24 reaches it.
pub const SCAN_MIN_UNANSWERED: u64 = 100;

/// `summary.answer`, from the addresses.
pub struct AnswerTotals {
    home: bool,
    out: AnswerSummary,
}

impl AnswerTotals {
    pub fn new(home: bool) -> Self {
        AnswerTotals {
            home,
            out: AnswerSummary {
                left_home: home.then(ByLeft::default),
                left_eu_eea: ByLeft::default(),
                by_basis: BasisTotals {
                    left_home: home.then(Default::default),
                    left_eu_eea: Default::default(),
                },
                database_only: DatabaseOnly {
                    left_home: home.then(Sent::default),
                    ..DatabaseOnly::default()
                },
                unanswered: Sent::default(),
            },
        }
    }

    /// One address written out: each vantage's answered flows by its answer.
    pub fn address(&mut self, a: &AddressReport) {
        let o = &mut self.out;
        for p in &a.physics {
            o.unanswered.merge(&p.unanswered);
            let sent = &p.answered;
            let answer = &p.answer;
            o.left_eu_eea.get_mut(answer.left_eu_eea).merge(sent);
            o.by_basis
                .left_eu_eea
                .entry(answer.basis)
                .or_default()
                .merge(sent);
            if let (Some(t), Some(left)) = (o.left_home.as_mut(), answer.left_home) {
                t.get_mut(left).merge(sent);
            }
            if let (Some(t), Some(basis)) = (o.by_basis.left_home.as_mut(), answer.basis_home) {
                t.entry(basis).or_default().merge(sent);
            }
            let j = &a.jurisdiction;
            if j.leaves_eu_eea == Some(true) {
                o.database_only.left_eu_eea.merge(sent);
            }
            if j.leaves_eu_eea.is_none() && j.zone != Zone::Private {
                o.database_only.unplaced.merge(sent);
            }
            if self.home
                && j.leaves_home == Some(true)
                && let Some(t) = o.database_only.left_home.as_mut()
            {
                t.merge(sent);
            }
        }
    }

    pub fn finish(self) -> AnswerSummary {
        self.out
    }
}

/// What one ended remote flow tells the per-host breakdown.
pub struct HostFlow<'a> {
    pub host: IpAddr,
    pub answers: &'a Answers,
    pub answered: bool,
    pub payload: u64,
    pub bytes: u64,
    pub zone: Option<Zone>,
    pub provider: Option<&'a str>,
    pub service: Option<&'a str>,
}

type DestinationKey = (Option<Zone>, Option<String>, Option<String>);

#[derive(Default)]
struct Host {
    sent: Sent,
    unanswered: u64,
    left_eu_eea: ByLeft,
    left_home: Option<ByLeft>,
    to: HashMap<DestinationKey, Sent>,
    other: Sent,
}

/// `summary.hosts`, from the flows.
pub struct HostTotals {
    home: bool,
    hosts: HashMap<IpAddr, Host>,
    other_hosts: Sent,
}

impl HostTotals {
    pub fn new(home: bool) -> Self {
        HostTotals {
            home,
            hosts: HashMap::new(),
            other_hosts: Sent::default(),
        }
    }

    pub fn flow(&mut self, f: &HostFlow<'_>) {
        if !self.hosts.contains_key(&f.host) && self.hosts.len() >= MAX_HOSTS {
            if f.answered {
                self.other_hosts.add(f.payload, f.bytes);
            }
            return;
        }
        let home = self.home;
        let h = self.hosts.entry(f.host).or_insert_with(|| Host {
            left_home: home.then(ByLeft::default),
            ..Host::default()
        });
        if !f.answered {
            h.unanswered += 1;
            return;
        }
        h.sent.add(f.payload, f.bytes);
        h.left_eu_eea
            .get_mut(f.answers.left_eu_eea.left)
            .add(f.payload, f.bytes);
        if let (Some(t), Some(a)) = (h.left_home.as_mut(), f.answers.left_home) {
            t.get_mut(a.left).add(f.payload, f.bytes);
        }
        let key = (
            f.zone,
            f.provider.map(str::to_string),
            f.service.map(str::to_string),
        );
        if let Some(s) = h.to.get_mut(&key) {
            s.add(f.payload, f.bytes);
        } else if h.to.len() < MAX_DESTINATIONS_PER_HOST {
            h.to.entry(key).or_default().add(f.payload, f.bytes);
        } else {
            h.other.add(f.payload, f.bytes);
        }
    }

    pub fn finish(self) -> HostsSummary {
        let counted = self.hosts.len() as u64;
        let mut hosts: Vec<HostReport> = self
            .hosts
            .into_iter()
            .map(|(ip, h)| {
                let mut to: Vec<HostDestination> =
                    h.to.into_iter()
                        .map(|((zone, provider, service), sent)| HostDestination {
                            zone,
                            provider,
                            service,
                            sent,
                        })
                        .collect();
                to.sort_by(|a, b| {
                    b.sent
                        .payload_to_remote
                        .cmp(&a.sent.payload_to_remote)
                        .then(b.sent.bytes_to_remote.cmp(&a.sent.bytes_to_remote))
                        .then_with(|| {
                            (a.zone, &a.provider, &a.service).cmp(&(
                                b.zone,
                                &b.provider,
                                &b.service,
                            ))
                        })
                });
                if h.other.flows > 0 {
                    to.push(HostDestination {
                        zone: None,
                        provider: None,
                        service: None,
                        sent: h.other,
                    });
                }
                HostReport {
                    ip: ip.to_string(),
                    sent: h.sent,
                    unanswered_flows: h.unanswered,
                    scanning: h.unanswered >= SCAN_MIN_UNANSWERED && h.unanswered > h.sent.flows,
                    left_eu_eea: h.left_eu_eea,
                    left_home: h.left_home,
                    to,
                }
            })
            .collect();
        hosts.sort_by(|a, b| {
            b.sent
                .payload_to_remote
                .cmp(&a.sent.payload_to_remote)
                .then(b.sent.bytes_to_remote.cmp(&a.sent.bytes_to_remote))
                .then(b.unanswered_flows.cmp(&a.unanswered_flows))
                .then_with(|| a.ip.cmp(&b.ip))
        });
        let scanning = hosts.iter().filter(|h| h.scanning).count() as u64;
        HostsSummary {
            hosts,
            counted,
            max_hosts: MAX_HOSTS,
            other_hosts: self.other_hosts,
            scanning,
        }
    }
}
