//! Adding up the answer: the headline from each address written out (its final answer per
//! vantage), the per-host breakdown from each flow as it ends. Both bounded.

use super::answer_model::*;
use crate::place::answer::Answers;
use crate::place::legal::Zone;
use crate::report::AddressReport;
use std::collections::HashMap;
use std::net::IpAddr;

/// Inside hosts counted one by one. An office has hundreds to a few thousand machines that
/// talk outside; past this many (a scan from spoofed sources, a capture of a whole ISP) the
/// sixteenth that sent the least (payload, then IP bytes, then flows) is added up in
/// `other_hosts`, so the table stays under a few MiB and the big senders stay listed.
pub const MAX_HOSTS: usize = 4_096;
/// (zone, provider, service) rows kept per host: a laptop talks to a few dozen services; the
/// rest go into one row.
pub const MAX_DESTINATIONS_PER_HOST: usize = 24;
/// Unanswered flows at which a host counts as scanning (when they also outnumber its answered
/// flows): a browser's failed connections stay far below, a sweep of a /24 reaches it.
pub const SCAN_MIN_UNANSWERED: u64 = 100;

/// `summary.answer`, from the addresses.
#[derive(Clone)]
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

/// One inside host: small while it has only unanswered flows (a scan's sources).
#[derive(Clone, Default)]
struct Host {
    sent: Sent,
    unanswered: u64,
    detail: Option<Box<Detail>>,
}

/// What a host's answered flows add.
#[derive(Clone, Default)]
struct Detail {
    left_eu_eea: ByLeft,
    left_home: Option<ByLeft>,
    /// At most `MAX_DESTINATIONS_PER_HOST` rows, found by a linear scan (no allocation for a
    /// row already there).
    to: Vec<(DestinationKey, Sent)>,
    other: Sent,
}

impl Detail {
    fn new(home: bool) -> Detail {
        Detail {
            left_home: home.then(ByLeft::default),
            ..Detail::default()
        }
    }
}

/// `summary.hosts`, from the flows.
#[derive(Clone)]
pub struct HostTotals {
    home: bool,
    hosts: HashMap<IpAddr, Host>,
    other_hosts: Sent,
    /// Hosts folded into `other_hosts`, and their unanswered flows.
    evicted: u64,
    evicted_unanswered: u64,
}

impl HostTotals {
    pub fn new(home: bool) -> Self {
        HostTotals {
            home,
            hosts: HashMap::new(),
            other_hosts: Sent::default(),
            evicted: 0,
            evicted_unanswered: 0,
        }
    }

    pub fn flow(&mut self, f: &HostFlow<'_>) {
        if !self.hosts.contains_key(&f.host) && self.hosts.len() >= MAX_HOSTS {
            self.make_room();
        }
        let home = self.home;
        let h = self.hosts.entry(f.host).or_default();
        if !f.answered {
            h.unanswered += 1;
            return;
        }
        h.sent.add(f.payload, f.bytes);
        let d = h.detail.get_or_insert_with(|| Box::new(Detail::new(home)));
        d.left_eu_eea
            .get_mut(f.answers.left_eu_eea.left)
            .add(f.payload, f.bytes);
        if let (Some(t), Some(a)) = (d.left_home.as_mut(), f.answers.left_home) {
            t.get_mut(a.left).add(f.payload, f.bytes);
        }
        let row = d.to.iter().position(|((zone, provider, service), _)| {
            *zone == f.zone && provider.as_deref() == f.provider && service.as_deref() == f.service
        });
        let full = d.to.len() >= MAX_DESTINATIONS_PER_HOST;
        match row.and_then(|i| d.to.get_mut(i)) {
            Some((_, s)) => s.add(f.payload, f.bytes),
            None if !full => {
                let key = (
                    f.zone,
                    f.provider.map(str::to_string),
                    f.service.map(str::to_string),
                );
                let mut s = Sent::default();
                s.add(f.payload, f.bytes);
                d.to.push((key, s));
            }
            None => d.other.add(f.payload, f.bytes),
        }
    }

    /// Fold the sixteenth of the hosts that sent least into `other_hosts`.
    fn make_room(&mut self) {
        let candidates: Vec<(u64, u64, u64, u64, IpAddr)> = self
            .hosts
            .iter()
            .map(|(ip, h)| {
                let s = &h.sent;
                (
                    s.payload_to_remote,
                    s.bytes_to_remote,
                    s.flows,
                    h.unanswered,
                    *ip,
                )
            })
            .collect();
        let count = crate::bounded::sixteenth(MAX_HOSTS);
        for (.., ip) in crate::bounded::smallest(candidates, count) {
            if let Some(h) = self.hosts.remove(&ip) {
                self.other_hosts.merge(&h.sent);
                self.evicted += 1;
                self.evicted_unanswered += h.unanswered;
            }
        }
    }

    pub fn finish(self) -> HostsSummary {
        let counted = self.hosts.len() as u64;
        let mut hosts: Vec<HostReport> = self
            .hosts
            .into_iter()
            .map(|(ip, h)| {
                let home = self.home;
                let d = h.detail.map_or_else(|| Detail::new(home), |d| *d);
                let mut to: Vec<HostDestination> =
                    d.to.into_iter()
                        .map(|((zone, provider, service), sent)| HostDestination {
                            zone,
                            provider,
                            service,
                            sent,
                        })
                        .collect();
                to.sort_by(|a, b| {
                    most_sent(&a.sent, &b.sent).then_with(|| {
                        (a.zone, &a.provider, &a.service).cmp(&(b.zone, &b.provider, &b.service))
                    })
                });
                if d.other.flows > 0 {
                    to.push(HostDestination {
                        zone: None,
                        provider: None,
                        service: None,
                        sent: d.other,
                    });
                }
                HostReport {
                    ip: ip.to_string(),
                    sent: h.sent,
                    unanswered_flows: h.unanswered,
                    scanning: h.unanswered >= SCAN_MIN_UNANSWERED && h.unanswered > h.sent.flows,
                    left_eu_eea: d.left_eu_eea,
                    left_home: d.left_home,
                    to,
                }
            })
            .collect();
        hosts.sort_by(|a, b| {
            most_sent(&a.sent, &b.sent)
                .then(b.unanswered_flows.cmp(&a.unanswered_flows))
                .then_with(|| a.ip.cmp(&b.ip))
        });
        let scanning = hosts.iter().filter(|h| h.scanning).count() as u64;
        HostsSummary {
            hosts,
            counted,
            max_hosts: MAX_HOSTS,
            other_hosts: self.other_hosts,
            evicted: self.evicted,
            other_unanswered: self.evicted_unanswered,
            scanning,
        }
    }
}

/// Most payload first, then most IP bytes.
fn most_sent(a: &Sent, b: &Sent) -> std::cmp::Ordering {
    b.payload_to_remote
        .cmp(&a.payload_to_remote)
        .then(b.bytes_to_remote.cmp(&a.bytes_to_remote))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::place::answer::{Answer, Basis, Left};
    use std::net::Ipv4Addr;

    fn flow<'a>(host: u32, answers: &'a Answers, answered: bool, payload: u64) -> HostFlow<'a> {
        HostFlow {
            host: IpAddr::V4(Ipv4Addr::from(host)),
            answers,
            answered,
            payload,
            bytes: payload + 40,
            zone: Some(Zone::Eu),
            provider: Some("Microsoft"),
            service: Some("Microsoft Teams"),
        }
    }

    /// A sweep from thousands of spoofed sources fills the table; a real sender that comes
    /// last is still listed, and what was folded out is counted.
    #[test]
    fn a_full_host_table_folds_out_the_smallest_senders() {
        let yes = Answers {
            left_home: None,
            left_eu_eea: Answer {
                left: Left::Yes,
                basis: Basis::Database,
            },
        };
        let mut t = HostTotals::new(false);
        for i in 0..(MAX_HOSTS as u32 + 100) {
            t.flow(&flow(0x0a00_0000 + i, &yes, false, 0));
        }
        t.flow(&flow(0x0b00_0001, &yes, true, 5_000));
        t.flow(&flow(0x0b00_0001, &yes, true, 1_000));
        let s = t.finish();
        assert!(s.hosts.len() <= MAX_HOSTS);
        assert_eq!(s.evicted, MAX_HOSTS as u64 / 16);
        assert_eq!(s.other_unanswered, MAX_HOSTS as u64 / 16);
        assert_eq!(s.counted + s.evicted, MAX_HOSTS as u64 + 101);
        let top = &s.hosts[0];
        assert_eq!(top.ip, "11.0.0.1");
        assert_eq!(top.sent.flows, 2);
        assert_eq!(top.sent.payload_to_remote, 6_000);
        assert_eq!(top.left_eu_eea.yes.payload_to_remote, 6_000);
        assert_eq!(top.to.len(), 1);
        assert_eq!(top.to[0].sent.bytes_to_remote, 6_080);
        // Every host listed but the sender has one unanswered flow and is no scanner.
        assert!(
            s.hosts[1..]
                .iter()
                .all(|h| h.unanswered_flows == 1 && !h.scanning)
        );
    }
}
