//! The per-address table: each remote address's facts once — placement, provider,
//! jurisdiction, round trips, physics, traffic — however many flows go to it.
//!
//! Flows report to it as they end (`visit`). An address is placed on its first visit and
//! its fastest answer per vantage is kept; the physics is judged when an entry is written
//! out: when the table is full (the least recently visited sixteenth goes, counted) or when
//! the run ends. Written-out entries wait in `take_done` for the outputs. Memory is bounded
//! by `max_addresses` entries whatever the capture.

mod judged;

pub use judged::{
    ANSWERED, Claims, Declared, Fastest, Judged, Subject, Traffic, UNANSWERED, judge_now,
};

use crate::flow::FlowId;
use crate::place::answer::Answers;
use crate::place::physics::Physics;
use crate::place::{Placement, Placer};
use crate::report::{AddressReport, PhysicsReport, Volume};
use crate::rtt::Sample;
use crate::timestamp::Timestamp;
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Arc;

/// Remote addresses held at once by default. An office's day has a few thousand
/// destinations, a month of a busy site tens of thousands; an entry is its placement (every
/// database's answer: about 1 KB) and counters, so the table stays under ~100 MiB. A flood of
/// distinct addresses (a scan) goes past it: the least recently visited entries are then
/// written out early, a sixteenth at a time, and counted (`summary.address_table.evicted`).
pub const DEFAULT_MAX_ADDRESSES: usize = 65_536;
/// Distinct declared regions kept per address: an address serves one region; a second is
/// already a dispute (answer `disputed`), a few more add nothing.
const MAX_DECLARED: usize = 4;
/// Distinct names (and services) counted per address. A CDN address can serve thousands of
/// names; the report lists the 8 most used, and past this many the rarest are not counted.
const MAX_NAMES_PER_ADDRESS: usize = 32;
/// Names listed per address in the report.
const LISTED_NAMES: usize = 8;

/// What one ended flow tells its remote address.
pub struct Visit<'a> {
    pub ip: IpAddr,
    /// The vantage (judge index) of the flow's input, or of its fastest answer.
    pub vantage: Option<usize>,
    pub flow: FlowId,
    pub packets: u64,
    /// Bytes sent to the address and received from it.
    pub sent: u64,
    pub received: u64,
    /// Transport payload sent to the address.
    pub payload_sent: u64,
    /// The address sent something back (`report::record::answered`).
    pub answered: bool,
    pub first_seen: Timestamp,
    pub last_seen: Timestamp,
    /// The address's fastest answer on this flow, how many it gave, and one tick of the
    /// input's clock (ns).
    pub answer: Option<(Sample, u32, u64)>,
    /// The flow's hostname and service, when the address is its server.
    pub hostname: Option<&'a str>,
    pub service: Option<&'a str>,
}

/// The table's counters, for the report.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AddressStats {
    pub peak: usize,
    /// Entries written out early because the table was full.
    pub evicted: u64,
    /// Entries written out in all (parts).
    pub written: u64,
}

/// Counts per name, bounded.
#[derive(Default)]
struct Counts(Vec<(String, u64)>);

impl Counts {
    /// Count `name`; true when it is new here.
    fn add(&mut self, name: &str) -> bool {
        if let Some(e) = self.0.iter_mut().find(|(n, _)| n == name) {
            e.1 += 1;
            false
        } else if self.0.len() < MAX_NAMES_PER_ADDRESS {
            self.0.push((name.to_string(), 1));
            true
        } else {
            false
        }
    }

    /// Most used first, ties by name; at most `max`.
    fn top(&self, max: usize) -> Vec<String> {
        let mut v: Vec<&(String, u64)> = self.0.iter().collect();
        v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        v.into_iter().take(max).map(|(n, _)| n.clone()).collect()
    }
}

/// One vantage's view of an address.
struct PerVantage {
    vantage: Option<usize>,
    traffic: Traffic,
    fastest: Option<Fastest>,
    /// The last judgement kept for per-flow records, or of the written-out entry.
    judged: Option<Cached>,
    /// The last answers, and `Entry::evidence` when they were made.
    answers: Option<(u64, Answers)>,
}

struct Entry {
    /// The placement as each flow needs it (`brief`); the whole placement is looked up again
    /// when the entry is written out or judged.
    placement: Arc<Placement>,
    part: u32,
    volume: Volume,
    packets: u64,
    first_seen: Timestamp,
    last_seen: Timestamp,
    hostnames: Counts,
    services: Counts,
    /// Each database's country (the brief placement leaves the databases' answers out).
    claims: Claims,
    /// Distinct regions its names declare (at most `MAX_DECLARED`), with the name that
    /// declared each first.
    declared: Vec<Declared>,
    vantages: Vec<PerVantage>,
    /// Counts the changes of what its judgement rests on (a faster answer from any vantage, a
    /// new declared region): cached judgements and answers are made for one value of it.
    evidence: u64,
    /// Visit stamp, for least-recently-visited eviction.
    used: u64,
}

/// The per-address table of a run.
pub struct AddressBook {
    /// SipHash (std): addresses are chosen by whoever sends packets.
    entries: HashMap<IpAddr, Entry>,
    /// Parts already written per address that was evicted: the next entry's part number.
    /// Bounded like the table: past `max_addresses` evicted addresses the one evicted longest
    /// ago is forgotten (should it come back, its part numbers start again at 1).
    parts: HashMap<IpAddr, u32>,
    /// Evicted addresses, oldest first (the order `parts` forgets them in).
    parts_order: std::collections::VecDeque<IpAddr>,
    done: Vec<AddressReport>,
    /// The addresses still to write out at the end of the run, last first (`close_batch`).
    closing: Option<Vec<IpAddr>>,
    max: usize,
    clock: u64,
    digits: u8,
    stats: AddressStats,
    /// Threads that judge a batch of addresses written out together (1: this one only).
    threads: usize,
}

impl AddressBook {
    pub fn new(max_addresses: usize) -> Self {
        AddressBook {
            entries: HashMap::new(),
            parts: HashMap::new(),
            parts_order: std::collections::VecDeque::new(),
            done: Vec::new(),
            closing: None,
            max: max_addresses.max(1),
            clock: 0,
            digits: 6,
            stats: AddressStats::default(),
            threads: 1,
        }
    }

    /// Judge batches written out together (the end of a run, a sixteenth made room for) on up
    /// to `threads` threads. The reports are the same, in the same order.
    pub fn set_threads(&mut self, threads: usize) {
        self.threads = threads.max(1);
    }

    /// Fractional digits of the timestamps written (the finest input's).
    pub fn set_digits(&mut self, digits: u8) {
        self.digits = digits;
    }

    /// Count an ended flow into its remote address; returns the address's placement.
    pub fn visit(&mut self, v: &Visit<'_>, placer: &Placer, physics: &Physics) -> Arc<Placement> {
        self.clock += 1;
        if !self.entries.contains_key(&v.ip) && self.entries.len() >= self.max {
            self.make_room(placer, physics);
        }
        let clock = self.clock;
        let parts = &self.parts;
        let entry = self.entries.entry(v.ip).or_insert_with(|| {
            let full = placer.place(v.ip);
            Entry {
                claims: Claims::of(&full),
                placement: brief(full),
                part: parts.get(&v.ip).copied().unwrap_or(1),
                volume: Volume::default(),
                packets: 0,
                first_seen: v.first_seen,
                last_seen: v.last_seen,
                hostnames: Counts::default(),
                services: Counts::default(),
                declared: Vec::new(),
                vantages: Vec::new(),
                evidence: 0,
                used: clock,
            }
        });
        entry.used = clock;
        entry.volume.add(v.sent, v.received);
        entry.packets += v.packets;
        entry.first_seen = entry.first_seen.min(v.first_seen);
        entry.last_seen = entry.last_seen.max(v.last_seen);
        if let Some(h) = v.hostname
            && entry.hostnames.add(h)
            && entry.declared.len() < MAX_DECLARED
            && let Some(region) = placer.tables.regions.declared(h)
            && !entry
                .declared
                .iter()
                .any(|d| (d.region.family, &d.region.region) == (region.family, &region.region))
        {
            entry.declared.push(Declared {
                name: h.to_string(),
                region,
            });
            entry.evidence += 1;
        }
        if let Some(s) = v.service {
            entry.services.add(s);
        }
        let pv = match entry.vantages.iter().position(|p| p.vantage == v.vantage) {
            Some(i) => &mut entry.vantages[i],
            None => {
                entry.vantages.push(PerVantage {
                    vantage: v.vantage,
                    traffic: Traffic::default(),
                    fastest: None,
                    judged: None,
                    answers: None,
                });
                entry.vantages.sort_by_key(|p| p.vantage);
                let i = entry
                    .vantages
                    .iter()
                    .position(|p| p.vantage == v.vantage)
                    .unwrap_or(0);
                &mut entry.vantages[i]
            }
        };
        let t = &mut pv.traffic;
        t.volume.add(v.sent, v.received);
        t.sent[if v.answered { ANSWERED } else { UNANSWERED }].add(v.payload_sent, v.sent);
        if let Some((sample, samples, tick)) = v.answer {
            t.samples += u64::from(samples);
            let padded = sample.nanos.saturating_add(tick);
            if pv.fastest.is_none_or(|f| padded < f.padded) {
                pv.fastest = Some(Fastest {
                    sample,
                    padded,
                    flow: v.flow,
                });
                entry.evidence += 1;
            }
        }
        let placement = Arc::clone(&entry.placement);
        self.stats.peak = self.stats.peak.max(self.entries.len());
        placement
    }

    /// The answers for an address from a vantage as of now, judged again only when its
    /// fastest answer or its declared regions changed; with `record`, also the physics a
    /// per-flow record written now can say.
    pub fn answers_now(
        &mut self,
        ip: IpAddr,
        vantage: Option<usize>,
        record: bool,
        ctx: (&Placer, &Physics),
    ) -> Option<(Answers, Option<Arc<Judged>>)> {
        let entry = self.entries.get_mut(&ip)?;
        let i = entry.vantages.iter().position(|p| p.vantage == vantage)?;
        if !record
            && let Some((at, answers)) = entry.vantages.get(i)?.answers
            && at == entry.evidence
        {
            return Some((answers, None));
        }
        // The brief placement holds all that judging needs, with the entry's claims.
        let known = Known {
            ip,
            placement: &entry.placement,
            claims: &entry.claims,
            declared: &entry.declared,
            evidence: entry.evidence,
        };
        let need = if record { Need::Flow } else { Need::Answers };
        let judged = judge_cached(&known, &mut entry.vantages, i, need, ctx)?;
        let pv = entry.vantages.get_mut(i)?;
        pv.answers = Some((entry.evidence, judged.answers));
        Some((judged.answers, record.then_some(judged)))
    }

    /// Entries written out since the last call.
    pub fn take_done(&mut self) -> std::vec::Drain<'_, AddressReport> {
        self.done.drain(..)
    }

    /// Write out every entry (the run ended), in address order.
    pub fn close_all(&mut self, placer: &Placer, physics: &Physics) {
        while self.close_batch(usize::MAX, placer, physics) {}
    }

    /// Write out at most `max` entries (the run ended), in address order; returns whether any
    /// remain. The caller takes each batch (`take_done`) before the next: a written-out entry
    /// is several times the size of a held one.
    pub fn close_batch(&mut self, max: usize, placer: &Placer, physics: &Physics) -> bool {
        let mut order = match self.closing.take() {
            Some(order) => order,
            None => {
                let mut order: Vec<IpAddr> = self.entries.keys().copied().collect();
                // Last first: batches pop from the end.
                order.sort_unstable_by(|a, b| b.cmp(a));
                order
            }
        };
        let mut batch = Vec::with_capacity(max.max(1).min(order.len()));
        for _ in 0..max.max(1) {
            let Some(ip) = order.pop() else { break };
            if let Some(entry) = self.entries.remove(&ip) {
                batch.push((ip, entry));
            }
        }
        self.stats.written += batch.len() as u64;
        let reports = reports_of(batch, self.digits, (placer, physics), self.threads);
        self.done.extend(reports);
        let more = !order.is_empty();
        if more {
            self.closing = Some(order);
        }
        more
    }

    pub fn stats(&self) -> AddressStats {
        self.stats
    }

    pub fn max(&self) -> usize {
        self.max
    }

    /// Write out the least recently visited sixteenth.
    fn make_room(&mut self, placer: &Placer, physics: &Physics) {
        let count = crate::bounded::sixteenth(self.max);
        let ages: Vec<(u64, IpAddr)> = self.entries.iter().map(|(ip, e)| (e.used, *ip)).collect();
        let mut batch = Vec::with_capacity(count);
        for (_, ip) in crate::bounded::smallest(ages, count) {
            let Some(entry) = self.entries.remove(&ip) else {
                continue;
            };
            self.stats.evicted += 1;
            if self
                .parts
                .insert(ip, entry.part.saturating_add(1))
                .is_none()
            {
                self.parts_order.push_back(ip);
                if self.parts_order.len() > self.max
                    && let Some(old) = self.parts_order.pop_front()
                {
                    self.parts.remove(&old);
                }
            }
            batch.push((ip, entry));
        }
        self.stats.written += batch.len() as u64;
        let reports = reports_of(batch, self.digits, (placer, physics), self.threads);
        self.done.extend(reports);
    }

    /// The report every held entry would get if written out now, in address order, leaving
    /// the entries held (a running capture's periodic report). Costs one placement and
    /// judgement per held address, so it is for snapshots minutes apart, not per packet.
    pub fn peek(&mut self, placer: &Placer, physics: &Physics) -> Vec<AddressReport> {
        let mut ips: Vec<IpAddr> = self.entries.keys().copied().collect();
        ips.sort_unstable();
        let digits = self.digits;
        ips.into_iter()
            .filter_map(|ip| {
                let entry = self.entries.get_mut(&ip)?;
                Some(report_of(ip, entry, digits, placer, physics))
            })
            .collect()
    }
}

/// Addresses in a batch below this are judged on the calling thread: starting threads costs
/// tens of microseconds, an address's judgement a few.
const PARALLEL_BATCH: usize = 64;

/// The reports of `batch`, in its order, judged on up to `threads` threads, each taking a
/// contiguous part. A report depends only on its entry and the shared tables, so the reports
/// (and the outputs, which take them in this order) are those one thread would make.
fn reports_of(
    mut batch: Vec<(IpAddr, Entry)>,
    digits: u8,
    (placer, physics): (&Placer, &Physics),
    threads: usize,
) -> Vec<AddressReport> {
    let one = |part: &mut [(IpAddr, Entry)]| -> Vec<AddressReport> {
        part.iter_mut()
            .map(|(ip, entry)| report_of(*ip, entry, digits, placer, physics))
            .collect()
    };
    if threads <= 1 || batch.len() < PARALLEL_BATCH {
        return one(&mut batch);
    }
    let per = batch.len().div_ceil(threads);
    std::thread::scope(|scope| {
        let mut parts = batch.chunks_mut(per);
        let mine = parts.next();
        let others: Vec<_> = parts.map(|part| scope.spawn(move || one(part))).collect();
        let mut reports = mine.map(one).unwrap_or_default();
        for other in others {
            match other.join() {
                Ok(r) => reports.extend(r),
                // A panic in a judgement is a bug: it surfaces as it would on one thread.
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
        reports
    })
}

/// An entry's report (its judgements cached in the entry as they are made).
fn report_of(
    ip: IpAddr,
    entry: &mut Entry,
    digits: u8,
    placer: &Placer,
    physics: &Physics,
) -> AddressReport {
    let full = placer.place(ip);
    let mut reports: Vec<PhysicsReport> = Vec::with_capacity(entry.vantages.len());
    let known = Known {
        ip,
        placement: &full,
        claims: &entry.claims,
        declared: &entry.declared,
        evidence: entry.evidence,
    };
    for i in 0..entry.vantages.len() {
        let Some(judged) = judge_cached(
            &known,
            &mut entry.vantages,
            i,
            Need::Report,
            (placer, physics),
        ) else {
            continue;
        };
        let pv = &entry.vantages[i];
        reports.push(judged::physics_report(
            &judged,
            pv.vantage,
            &pv.traffic,
            &entry.declared,
            pv.fastest.as_ref(),
            physics,
        ));
    }
    let placed = crate::report::flow_placement(placer, &full);
    AddressReport {
        ip: ip.to_string(),
        part: entry.part,
        flows: entry.volume.flows,
        packets: entry.packets,
        bytes_to: entry.volume.bytes_to,
        bytes_from: entry.volume.bytes_from,
        first_seen: entry.first_seen.rfc3339(digits),
        last_seen: entry.last_seen.rfc3339(digits),
        hostnames: entry.hostnames.top(LISTED_NAMES),
        services: entry.services.top(usize::MAX),
        declared_regions: entry
            .declared
            .iter()
            .map(|d| crate::report::DeclaredRegionReport {
                name: d.name.clone(),
                region: d.region.clone(),
            })
            .collect(),
        geo: placed.server_geo,
        provider: placed.provider,
        jurisdiction: placed.jurisdiction,
        physics: reports,
        ptr: None,
    }
}

/// Each vantage's fastest round trip, padded and as measured (for the anycast check across
/// vantages).
fn across(vantages: &[PerVantage]) -> Vec<(usize, u64, u64)> {
    vantages
        .iter()
        .filter_map(|p| {
            let f = p.fastest?;
            Some((p.vantage?, f.padded, f.sample.nanos))
        })
        .collect()
}

/// A placement with only what each flow's summary and record use (country, ASN, zone, legal
/// basis, provider name and jurisdiction, what leaves what): without the per-database answers
/// (their countries are kept compactly in the entry's `claims`), the provider's source and
/// parent, and the legal scope, which only the written-out entry shows (from the placement
/// looked up again then).
fn brief(full: Arc<Placement>) -> Arc<Placement> {
    let mut p = Arc::unwrap_or_clone(full);
    p.answers = Vec::new();
    p.legal_scope = None;
    if let Some(provider) = p.provider.as_mut() {
        provider.source = String::new();
        provider.parent = None;
        provider.category = None;
    }
    Arc::new(p)
}

/// What an address's judgement rests on, besides its vantages' round trips.
struct Known<'a> {
    ip: IpAddr,
    /// The brief placement, or the full one when the entry is written out.
    placement: &'a Placement,
    claims: &'a Claims,
    declared: &'a [Declared],
    /// `Entry::evidence` now.
    evidence: u64,
}

/// The judgement of vantage `i`, judged again only when the address's evidence changed (a
/// faster answer from any vantage: the anycast check spans them; a new declared region).
fn judge_cached(
    known: &Known<'_>,
    vantages: &mut [PerVantage],
    i: usize,
    need: Need,
    ctx: (&Placer, &Physics),
) -> Option<Arc<Judged>> {
    let (placer, physics) = ctx;
    if let Some(c) = &vantages.get(i)?.judged
        && c.evidence == known.evidence
        && (c.full || need != Need::Report)
    {
        return Some(Arc::clone(&c.judged));
    }
    let across = across(vantages);
    let pv = vantages.get_mut(i)?;
    let subject = Subject {
        ip: known.ip,
        placement: known.placement,
        claims: known.claims,
        across: &across,
        declared: known.declared,
    };
    let rtt = pv.fastest.map(|f| f.padded);
    let judged = judge_now(&subject, pv.vantage, rtt, placer, physics);
    // Held while the address stays in the table: without the country lists (up to 249
    // entries each, some 8 KB), which only the written-out entry shows. For the answers alone
    // nothing is held but the answers (`PerVantage::answers`).
    let judged = Arc::new(match need {
        Need::Flow | Need::Answers => judged.brief(),
        Need::Report => judged,
    });
    if need == Need::Answers {
        return Some(judged);
    }
    pv.judged = Some(Cached {
        evidence: known.evidence,
        full: need == Need::Report,
        judged: Arc::clone(&judged),
    });
    Some(judged)
}

/// What a judgement is for: a flow's answer and record (the verdict and answers), or the
/// written-out entry (everything, with the country lists).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Need {
    /// The answers only.
    Answers,
    Flow,
    Report,
}

/// A judgement and what it was made for.
struct Cached {
    /// `Entry::evidence` when it was made.
    evidence: u64,
    /// It keeps the country lists (`Need::Report`).
    full: bool,
    judged: Arc<Judged>,
}

#[cfg(test)]
mod tests;
