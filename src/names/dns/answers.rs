//! From the answer section to bindings: address records (A, AAAA) and SVCB/HTTPS address hints
//! (RFC 9460 §7.3 `ipv4hint`, `ipv6hint`), named by the question they answer through the chain
//! of CNAMEs that leads to them.

use super::wire::{self, Record};
use super::{Binding, MAX_BINDINGS_PER_MESSAGE, RecordKind};
use std::net::IpAddr;

/// CNAME hops followed from the question name. Resolvers give up well before this (BIND stops
/// at 16 restarts); real chains have one to four.
pub const MAX_CNAME_CHAIN: usize = 16;
/// CNAME records remembered from one answer section (each can extend the chain).
const MAX_CNAMES: usize = 64;

/// RFC 9460 §14.3.2 SvcParamKeys.
const SVC_KEY_IPV4HINT: u16 = 4;
const SVC_KEY_IPV6HINT: u16 = 6;

/// An address found in one record, before the chain from the question is known.
struct Found {
    owner: String,
    /// For a ServiceMode SVCB/HTTPS record whose TargetName is not ".", the target: the hints
    /// are that name's addresses.
    target: Option<String>,
    address: IpAddr,
    ttl: u32,
    kind: RecordKind,
}

/// Collects the answer records of one message, then names them.
#[derive(Default)]
pub struct Collector {
    cnames: Vec<(String, String)>,
    found: Vec<Found>,
}

impl Collector {
    /// Whether the bindings are already at their bound (the rest of the section is not read).
    pub fn full(&self) -> bool {
        self.found.len() >= MAX_BINDINGS_PER_MESSAGE
    }

    pub fn add(&mut self, msg: &[u8], record: Record<'_>) {
        if !record.class_in {
            return;
        }
        match record.rtype {
            wire::TYPE_A | wire::TYPE_AAAA => {
                let kind = if record.rtype == wire::TYPE_A {
                    RecordKind::A
                } else {
                    RecordKind::Aaaa
                };
                // A takes exactly 4 bytes and AAAA 16; anything else is ignored.
                let width = if kind == RecordKind::A { 4 } else { 16 };
                if record.rdata.len() == width
                    && let Some(address) = address(record.rdata)
                {
                    self.push(record.owner, None, address, record.ttl, kind);
                }
            }
            wire::TYPE_CNAME => {
                let end = record.rdata_at + record.rdata.len();
                if let Ok((target, _)) = wire::read_name(msg, record.rdata_at, end)
                    && self.cnames.len() < MAX_CNAMES
                {
                    self.cnames.push((record.owner, target));
                }
            }
            wire::TYPE_SVCB | wire::TYPE_HTTPS => self.add_svcb(msg, record),
            _ => {}
        }
    }

    fn push(
        &mut self,
        owner: String,
        target: Option<String>,
        address: IpAddr,
        ttl: u32,
        kind: RecordKind,
    ) {
        if !self.full() {
            self.found.push(Found {
                owner,
                target,
                address,
                ttl,
                kind,
            });
        }
    }

    /// SvcPriority, TargetName, then SvcParams (key, length, value). AliasMode (priority 0)
    /// carries no parameters and is not followed. Hints read before a malformed parameter are
    /// kept.
    fn add_svcb(&mut self, msg: &[u8], record: Record<'_>) {
        let kind = if record.rtype == wire::TYPE_HTTPS {
            RecordKind::HttpsHint
        } else {
            RecordKind::SvcbHint
        };
        let end = record.rdata_at + record.rdata.len();
        let Some(priority) = wire::be16(record.rdata, 0) else {
            return;
        };
        if priority == 0 {
            return;
        }
        let Ok((target, mut pos)) = wire::read_name(msg, record.rdata_at + 2, end) else {
            return;
        };
        let target = (target != ".").then_some(target);
        // Each parameter takes at least four bytes, so this walk is bounded by the data length.
        while pos < end {
            let (Some(key), Some(len)) = (wire::be16(msg, pos), wire::be16(msg, pos + 2)) else {
                return;
            };
            let value_at = pos + 4;
            let value_end = value_at + usize::from(len);
            let Some(value) = msg.get(value_at..value_end).filter(|_| value_end <= end) else {
                return;
            };
            let width = match key {
                SVC_KEY_IPV4HINT => 4,
                SVC_KEY_IPV6HINT => 16,
                _ => 0,
            };
            if width > 0 && value.len() % width == 0 {
                for address in value.chunks_exact(width).filter_map(address) {
                    let owner = record.owner.clone();
                    self.push(owner, target.clone(), address, record.ttl, kind);
                }
            }
            pos = value_end;
        }
    }

    /// Name each address by the question it answers (see [`Binding`]).
    pub fn finish(self, question: Option<&str>) -> Vec<Binding> {
        let chain = question.map(|q| (q, follow_cnames(q, &self.cnames)));
        self.found
            .into_iter()
            .map(|found| {
                let (name, mut hops) = match &chain {
                    Some((q, _)) if found.owner == *q => (q.to_string(), Vec::new()),
                    Some((q, chain)) => match chain.iter().position(|n| *n == found.owner) {
                        Some(i) => (q.to_string(), chain.iter().take(i + 1).cloned().collect()),
                        None => (found.owner, Vec::new()),
                    },
                    None => (found.owner, Vec::new()),
                };
                hops.extend(found.target);
                Binding {
                    name,
                    chain: hops,
                    address: found.address,
                    ttl: found.ttl,
                    kind: found.kind,
                }
            })
            .collect()
    }
}

/// An IPv4 (4 bytes) or IPv6 (16 bytes) address.
fn address(bytes: &[u8]) -> Option<IpAddr> {
    if let Ok(v4) = <[u8; 4]>::try_from(bytes) {
        return Some(IpAddr::from(v4));
    }
    <[u8; 16]>::try_from(bytes).ok().map(IpAddr::from)
}

/// The CNAME targets from `question` on, in order; stops at a loop or after `MAX_CNAME_CHAIN`.
fn follow_cnames(question: &str, cnames: &[(String, String)]) -> Vec<String> {
    let mut chain: Vec<String> = Vec::new();
    let mut current = question;
    while chain.len() < MAX_CNAME_CHAIN {
        let Some((_, target)) = cnames.iter().find(|(owner, _)| owner == current) else {
            break;
        };
        if target == question || chain.contains(target) {
            break;
        }
        chain.push(target.clone());
        current = target;
    }
    chain
}
