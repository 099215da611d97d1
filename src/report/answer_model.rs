//! The answer part of the JSON contract: per flow (`flows[].answer`), per address and vantage
//! (`addresses[].physics[].answer`) and in total (`summary.answer`, `summary.hosts`).
//! Documented in docs/report-schema.md and docs/placement.md ("The answer").

use crate::place::answer::{Answers, Basis, Left};
use serde::Serialize;
use std::collections::BTreeMap;

/// Both questions for one destination, with the evidence that decided each.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct AnswerReport {
    /// Left the home country (left out without `--home`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub left_home: Option<Left>,
    pub left_eu_eea: Left,
    /// What decided `left_eu_eea`.
    pub basis: Basis,
    /// What decided `left_home` (left out without `--home`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub basis_home: Option<Basis>,
}

impl From<&Answers> for AnswerReport {
    fn from(a: &Answers) -> Self {
        AnswerReport {
            left_home: a.left_home.map(|x| x.left),
            left_eu_eea: a.left_eu_eea.left,
            basis: a.left_eu_eea.basis,
            basis_home: a.left_home.map(|x| x.basis),
        }
    }
}

/// One flow's answer: its destination's, as known when the flow ended, and what it carried.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct FlowAnswerReport {
    #[serde(flatten)]
    pub answer: AnswerReport,
    /// Transport payload bytes sent to the remote side (0 for internal flows).
    pub payload_to_remote: u64,
    /// The other side sent something back (for TCP: more than a reset).
    pub answered: bool,
}

/// Flows and what they sent to their remote side.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Sent {
    pub flows: u64,
    /// Transport payload: the data itself.
    pub payload_to_remote: u64,
    /// IP bytes: payload and headers.
    pub bytes_to_remote: u64,
}

impl Sent {
    pub fn add(&mut self, payload: u64, bytes: u64) {
        self.flows += 1;
        self.payload_to_remote += payload;
        self.bytes_to_remote += bytes;
    }

    pub fn merge(&mut self, other: &Sent) {
        self.flows += other.flows;
        self.payload_to_remote += other.payload_to_remote;
        self.bytes_to_remote += other.bytes_to_remote;
    }
}

/// One question's totals: yes, no and unknown apart.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ByLeft {
    pub yes: Sent,
    pub no: Sent,
    pub unknown: Sent,
}

impl ByLeft {
    pub fn get_mut(&mut self, left: Left) -> &mut Sent {
        match left {
            Left::Yes => &mut self.yes,
            Left::No => &mut self.no,
            Left::Unknown => &mut self.unknown,
        }
    }

    pub fn get(&self, left: Left) -> &Sent {
        match left {
            Left::Yes => &self.yes,
            Left::No => &self.no,
            Left::Unknown => &self.unknown,
        }
    }
}

/// `summary.answer`: the headline. Counts answered flows to remote destinations by each
/// address's final answer (per vantage); flows never answered are kept apart.
#[derive(Clone, Debug, Serialize)]
pub struct AnswerSummary {
    /// Null without `--home`.
    pub left_home: Option<ByLeft>,
    pub left_eu_eea: ByLeft,
    /// The same flows by the evidence that decided (`basis` → answer → totals).
    pub by_basis: BasisTotals,
    /// For comparison: the same answered flows whose databases' chosen country is outside
    /// (the answer of the databases alone, without physics or names).
    pub database_only: DatabaseOnly,
    /// Flows to remote destinations that were never answered (SYNs to nowhere, scans): no data
    /// was exchanged, whatever the destination.
    pub unanswered: Sent,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct BasisTotals {
    /// Null without `--home`.
    pub left_home: Option<BTreeMap<Basis, Sent>>,
    pub left_eu_eea: BTreeMap<Basis, Sent>,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct DatabaseOnly {
    /// Null without `--home`.
    pub left_home: Option<Sent>,
    pub left_eu_eea: Sent,
    /// Answered flows whose destination no database places.
    pub unplaced: Sent,
}

/// `summary.hosts`: which inside host sent what where.
#[derive(Clone, Debug, Serialize)]
pub struct HostsSummary {
    /// Inside hosts with remote flows, most payload sent first (at most `max_hosts`).
    pub hosts: Vec<HostReport>,
    /// Hosts listed.
    pub counted: u64,
    pub max_hosts: usize,
    /// The answered flows of hosts folded out of the list when it was full (those that had
    /// sent least), added up.
    pub other_hosts: Sent,
    /// Hosts folded out, and their unanswered flows.
    pub evicted: u64,
    pub other_unanswered: u64,
    /// Hosts that look like they were scanning (see `HostReport::scanning`).
    pub scanning: u64,
}

/// One inside host.
#[derive(Clone, Debug, Serialize)]
pub struct HostReport {
    pub ip: String,
    /// Answered flows to remote destinations and what they sent.
    pub sent: Sent,
    pub unanswered_flows: u64,
    /// At least `SCAN_MIN_UNANSWERED` unanswered flows, more than its answered ones.
    pub scanning: bool,
    /// Its answered flows by each one's answer (as known when the flow ended).
    pub left_eu_eea: ByLeft,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub left_home: Option<ByLeft>,
    /// Where it sent: per zone of the destination, provider and service, most payload first
    /// (at most `MAX_DESTINATIONS_PER_HOST`; the rest in a row with all three null).
    pub to: Vec<HostDestination>,
}

#[derive(Clone, Debug, Serialize)]
pub struct HostDestination {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub zone: Option<crate::place::legal::Zone>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provider: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
    #[serde(flatten)]
    pub sent: Sent,
}
