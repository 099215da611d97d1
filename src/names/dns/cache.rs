//! Addresses seen in DNS answers, per client, in capture time: which name each client was given
//! for each address, so that a flow to that address can be named by what its client asked for.
//!
//! Everything held is bounded: `MAX_BINDINGS` (client, address) pairs, evicted first-in
//! first-out by first insertion; `MAX_ANSWERS_PER_BINDING` answers per pair, the oldest dropped
//! first; `MAX_HELD_NAME_BYTES` of name text over all answers (crafted answers with 255-byte
//! names and long chains would otherwise hold ~20 KB each). Evictions and drops are counted.
//!
//! Output never depends on hash-map order: maps are only looked up, and every list that is
//! iterated (the clients of an address, the answers of a pair) is in insertion order.

use super::{Binding, RecordKind};
use crate::flow::PacketRef;
use crate::timestamp::Timestamp;
use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;

/// (client, address) pairs held. An office network's day of DNS answers: a few hundred clients
/// times a few hundred addresses each fits; a resolver-side capture of a whole ISP does not, and
/// its oldest pairs go first.
pub const MAX_BINDINGS: usize = 1 << 16;
/// Answers kept per (client, address): a client re-resolving the same name every TTL produces
/// one answer each time; the latest few are what naming a flow needs.
pub const MAX_ANSWERS_PER_BINDING: usize = 8;
/// Clients indexed per address for "answers to any other client". A CDN address handed to
/// thousands of clients of one resolver needs only a few of them to be named.
pub const MAX_CLIENTS_PER_ADDRESS: usize = 64;
/// Other names reported for one address in a [`Resolution`].
pub const MAX_OTHER_NAMES: usize = 8;
/// Name text (names and chains) held over all answers: 64 MiB, about a million typical answers.
pub const MAX_HELD_NAME_BYTES: usize = 64 << 20;

/// One answer to one client for one address.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Answer {
    pub client: IpAddr,
    pub name: String,
    pub chain: Vec<String>,
    pub ttl: u32,
    pub kind: RecordKind,
    pub at: PacketRef,
    pub ts: Timestamp,
    /// Insertion order over the whole cache: breaks ties between equal times, orders first
    /// sight.
    seq: u64,
}

impl Answer {
    fn held_bytes(&self) -> usize {
        self.name.len() + self.chain.iter().map(String::len).sum::<usize>()
    }

    fn order(&self) -> (Timestamp, u64) {
        (self.ts, self.seq)
    }
}

/// What the cache knows about a flow's server address.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Resolution<'a> {
    /// The answer that names the flow: the latest answer to the same client at or before the
    /// flow's start; else the earliest answer to that client after it ("a flow that starts before
    /// its answer is seen is resolved when it arrives"); else the same rules over answers to any
    /// other client (e.g. a capture behind a resolver or NAT).
    pub chosen: Option<&'a Answer>,
    /// Whether `chosen` was given to the flow's own client.
    pub same_client: bool,
    /// Whether `chosen` arrived after the flow started.
    pub after_start: bool,
    /// Other distinct names given for this address (to any client), bounded, in order of first sight.
    pub others: Vec<&'a str>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CacheStats {
    /// (client, address) pairs held.
    pub bindings: usize,
    /// Answers held over all pairs.
    pub answers: usize,
    /// Pairs evicted (oldest first) to stay within `MAX_BINDINGS` or `MAX_HELD_NAME_BYTES`.
    pub evicted_bindings: u64,
    /// Answers dropped (oldest first) from pairs that had `MAX_ANSWERS_PER_BINDING`.
    pub dropped_answers: u64,
    /// Pairs not indexed under their address because it already had
    /// `MAX_CLIENTS_PER_ADDRESS` clients: other clients' flows cannot be named by them.
    pub unindexed_bindings: u64,
}

/// Key: (address, client).
type Key = (IpAddr, IpAddr);

#[derive(Default)]
pub struct AnswerCache {
    slots: HashMap<Key, VecDeque<Answer>>,
    /// Keys in order of first insertion: the eviction order.
    order: VecDeque<Key>,
    /// Address → clients that got it, in order of first sight.
    clients: HashMap<IpAddr, Vec<IpAddr>>,
    held_bytes: usize,
    answers: usize,
    next_seq: u64,
    evicted: u64,
    dropped: u64,
    unindexed: u64,
}

impl AnswerCache {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn insert(&mut self, client: IpAddr, binding: &Binding, at: PacketRef, ts: Timestamp) {
        let key = (binding.address, client);
        if !self.slots.contains_key(&key) {
            while self.slots.len() >= MAX_BINDINGS {
                self.evict_oldest();
            }
            self.slots.insert(key, VecDeque::new());
            self.order.push_back(key);
            let clients = self.clients.entry(binding.address).or_default();
            if clients.len() < MAX_CLIENTS_PER_ADDRESS {
                clients.push(client);
            } else {
                self.unindexed += 1;
            }
        }
        let answer = Answer {
            client,
            name: binding.name.clone(),
            chain: binding.chain.clone(),
            ttl: binding.ttl,
            kind: binding.kind,
            at,
            ts,
            seq: self.next_seq,
        };
        self.next_seq += 1;
        self.held_bytes += answer.held_bytes();
        self.answers += 1;
        if let Some(slot) = self.slots.get_mut(&key) {
            slot.push_back(answer);
            if slot.len() > MAX_ANSWERS_PER_BINDING
                && let Some(old) = slot.pop_front()
            {
                self.held_bytes = self.held_bytes.saturating_sub(old.held_bytes());
                self.answers = self.answers.saturating_sub(1);
                self.dropped += 1;
            }
        }
        while self.held_bytes > MAX_HELD_NAME_BYTES && self.order.len() > 1 {
            self.evict_oldest();
        }
    }

    fn evict_oldest(&mut self) {
        let Some(key @ (address, client)) = self.order.pop_front() else {
            return;
        };
        if let Some(slot) = self.slots.remove(&key) {
            let freed: usize = slot.iter().map(Answer::held_bytes).sum();
            self.held_bytes = self.held_bytes.saturating_sub(freed);
            self.answers = self.answers.saturating_sub(slot.len());
        }
        if let Some(clients) = self.clients.get_mut(&address) {
            clients.retain(|c| *c != client);
            if clients.is_empty() {
                self.clients.remove(&address);
            }
        }
        self.evicted += 1;
    }

    /// Name a flow from `client` to `server` that started at `flow_start`.
    pub fn resolve(&self, client: IpAddr, server: IpAddr, flow_start: Timestamp) -> Resolution<'_> {
        let own = self.slots.get(&(server, client));
        let others = self
            .clients
            .get(&server)
            .into_iter()
            .flatten()
            .filter(|c| **c != client)
            .filter_map(|c| self.slots.get(&(server, *c)));
        let (chosen, same_client) = match pick(own.into_iter().flatten(), flow_start) {
            Some(answer) => (Some(answer), true),
            None => (pick(others.clone().flatten(), flow_start), false),
        };
        let mut seen: Vec<&Answer> = own.into_iter().chain(others).flatten().collect();
        seen.sort_by_key(|a| a.seq);
        let mut names: Vec<&str> = Vec::new();
        for answer in seen {
            if names.len() >= MAX_OTHER_NAMES {
                break;
            }
            let name = answer.name.as_str();
            if chosen.is_some_and(|c| c.name == name) || names.contains(&name) {
                continue;
            }
            names.push(name);
        }
        Resolution {
            chosen,
            same_client,
            after_start: chosen.is_some_and(|a| a.ts > flow_start),
            others: if chosen.is_some() { names } else { Vec::new() },
        }
    }

    pub fn stats(&self) -> CacheStats {
        CacheStats {
            bindings: self.slots.len(),
            answers: self.answers,
            evicted_bindings: self.evicted,
            dropped_answers: self.dropped,
            unindexed_bindings: self.unindexed,
        }
    }
}

/// The latest answer at or before `start`, else the earliest after it; ties go to the later
/// (resp. earlier) insertion.
fn pick<'a>(
    answers: impl Iterator<Item = &'a Answer> + Clone,
    start: Timestamp,
) -> Option<&'a Answer> {
    let before = answers
        .clone()
        .filter(|a| a.ts <= start)
        .max_by_key(|a| a.order());
    before.or_else(|| answers.filter(|a| a.ts > start).min_by_key(|a| a.order()))
}
