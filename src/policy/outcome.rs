//! The result of a check: per input, per rule, the flows behind each verdict with their
//! evidence; written as JSON (`residency.check/1`, docs/policy.md) and for the terminal.

use super::input::{AnswerFrom, Endpoint, Facts, Hostname, PacketRef, Report};
use super::model::{Incomplete, Unanswered, Unknown};
use serde::Serialize;
use std::io::{self, Write};

pub const CHECK_SCHEMA: &str = "residency.check/1";

/// A verdict, for a rule, an input or the whole check; ordered from best to worst.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    Holds,
    Incomplete,
    Violated,
    Error,
}

impl Status {
    pub fn name(self) -> &'static str {
        match self {
            Status::Holds => "holds",
            Status::Incomplete => "incomplete",
            Status::Violated => "violated",
            Status::Error => "error",
        }
    }
}

/// Flows and their bytes toward the remote side.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Volume {
    pub flows: u64,
    pub bytes_to_remote: u64,
    pub payload_to_remote: u64,
    pub bytes_from_remote: u64,
}

impl Volume {
    pub fn add(&mut self, f: &Facts<'_>) {
        self.flows += 1;
        self.bytes_to_remote += f.bytes_to_remote;
        self.payload_to_remote += f.flow.answer.payload_to_remote;
        self.bytes_from_remote += f.bytes_from_remote;
    }

    pub fn plus(&self, o: &Volume) -> Volume {
        Volume {
            flows: self.flows + o.flows,
            bytes_to_remote: self.bytes_to_remote + o.bytes_to_remote,
            payload_to_remote: self.payload_to_remote + o.payload_to_remote,
            bytes_from_remote: self.bytes_from_remote + o.bytes_from_remote,
        }
    }
}

/// A rule's limits (null: none).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Limits {
    pub max_flows: Option<u64>,
    pub max_bytes: Option<u64>,
    pub max_payload: Option<u64>,
}

impl Limits {
    /// With no limit any counted flow violates; with limits, exceeding one does.
    pub fn exceeded_by(&self, v: &Volume) -> bool {
        if self.max_flows.is_none() && self.max_bytes.is_none() && self.max_payload.is_none() {
            return v.flows > 0;
        }
        self.max_flows.is_some_and(|m| v.flows > m)
            || self.max_bytes.is_some_and(|m| v.bytes_to_remote > m)
            || self.max_payload.is_some_and(|m| v.payload_to_remote > m)
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct AddressRef {
    pub ip: String,
    pub part: u32,
}

#[derive(Clone, Debug, Serialize)]
pub struct ServiceRef {
    pub name: String,
    pub id: String,
    pub category: String,
    pub rule: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct AnswerRef {
    pub left_home: Option<String>,
    pub left_eu_eea: String,
    pub basis: String,
    pub basis_home: Option<String>,
    pub from: AnswerFrom,
}

/// One flow behind a rule's verdict, with the pointers into the report that prove its facts.
#[derive(Clone, Debug, Serialize)]
pub struct FlowEvidence {
    pub id: u64,
    pub community_id: String,
    /// `violation`: every condition holds; `unknown`: the evidence cannot decide one.
    pub verdict: &'static str,
    pub transport: String,
    pub client: Endpoint,
    pub server: Endpoint,
    pub first_packet: PacketRef,
    /// The capture file `first_packet.input` names.
    pub first_packet_file: Option<String>,
    pub bytes_to_remote: u64,
    pub payload_to_remote: u64,
    pub bytes_from_remote: u64,
    pub answered: bool,
    /// The `addresses[]` entry the placement comes from.
    pub address: Option<AddressRef>,
    pub zone: String,
    pub country: Option<String>,
    pub provider: Option<String>,
    pub jurisdiction: Option<String>,
    pub non_eu_control: Option<bool>,
    /// `flows[].control.decided_by` when the service's operator is not the network's.
    pub control_decided_by: Option<String>,
    pub hostname: Option<Hostname>,
    pub service: Option<ServiceRef>,
    pub answer: AnswerRef,
    /// The rule's conditions as this flow met them.
    pub why: Vec<String>,
}

impl FlowEvidence {
    pub fn new(f: &Facts<'_>, certain: bool, why: Vec<String>, report: &Report) -> FlowEvidence {
        let flow = f.flow;
        let input = usize::try_from(flow.first_packet.input).unwrap_or(usize::MAX);
        FlowEvidence {
            id: flow.id,
            community_id: flow.community_id.clone(),
            verdict: if certain { "violation" } else { "unknown" },
            transport: flow.transport.clone(),
            client: flow.client.clone(),
            server: flow.server.clone(),
            first_packet: flow.first_packet,
            first_packet_file: report.inputs.get(input).map(|i| i.path.clone()),
            bytes_to_remote: f.bytes_to_remote,
            payload_to_remote: flow.answer.payload_to_remote,
            bytes_from_remote: f.bytes_from_remote,
            answered: flow.answer.answered,
            address: f.address.map(|a| AddressRef {
                ip: a.ip.clone(),
                part: a.part,
            }),
            zone: f.zone.clone(),
            country: f.country.clone(),
            provider: f.provider.clone(),
            jurisdiction: f.jurisdiction.clone(),
            non_eu_control: f.non_eu_control,
            control_decided_by: flow.control.as_ref().map(|c| c.decided_by.clone()),
            hostname: flow.hostname.clone(),
            service: flow.service.as_ref().map(|s| ServiceRef {
                name: s.name.clone(),
                id: s.id.clone(),
                category: s.category.clone(),
                rule: s.rule.clone(),
            }),
            answer: AnswerRef {
                left_home: f.answer.left_home.clone(),
                left_eu_eea: f.answer.left_eu_eea.clone(),
                basis: f.answer.basis.clone(),
                basis_home: f.answer.basis_home.clone(),
                from: f.answer_from,
            },
            why,
        }
    }

    /// Whether the flow counts toward the rule's totals.
    pub fn counts(&self, unknown: Unknown) -> bool {
        self.verdict == "violation" || unknown == Unknown::Violation
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct RuleOutcome {
    pub id: String,
    pub description: String,
    pub status: Status,
    pub unknown: Unknown,
    pub unanswered: Unanswered,
    pub limits: Limits,
    /// What the limits are compared with: `violations`, plus `undecided` when strict.
    pub counted: Volume,
    pub violations: Volume,
    pub undecided: Volume,
    /// Every flow in `violations` and `undecided`: counted first, then most bytes, then id.
    pub flows: Vec<FlowEvidence>,
}

#[derive(Clone, Debug, Serialize)]
pub struct InputOutcome {
    pub path: String,
    /// `report` (a JSON report) or `capture` (analysed for the check).
    pub kind: &'static str,
    pub status: Status,
    /// Why the input could not be checked (status `error`).
    pub error: Option<String>,
    pub home: Option<String>,
    pub complete: Option<bool>,
    /// `summary.incomplete` of the report (`damaged-input`, `interrupted`, ...).
    pub incomplete: Vec<String>,
    /// The report's `inputs[].path`: what the packet references' `input` index names.
    pub report_inputs: Vec<String>,
    /// Remote flows in the report (internal flows never leave and are not checked).
    pub remote_flows: u64,
    pub rules: Vec<RuleOutcome>,
}

impl InputOutcome {
    /// An input that could not be checked.
    pub fn failed(path: &str, kind: &'static str, error: String) -> InputOutcome {
        InputOutcome {
            path: path.to_string(),
            kind,
            status: Status::Error,
            error: Some(error),
            home: None,
            complete: None,
            incomplete: Vec::new(),
            report_inputs: Vec::new(),
            remote_flows: 0,
            rules: Vec::new(),
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct Tool {
    pub name: &'static str,
    pub version: &'static str,
}

#[derive(Clone, Debug, Serialize)]
pub struct PolicyInfo {
    pub path: String,
    pub sha256: String,
    pub name: Option<String>,
    pub home: Option<String>,
    pub unknown: Unknown,
    pub unanswered: Unanswered,
    pub incomplete: Incomplete,
    pub rules: usize,
}

/// The whole check, as `--json` writes it.
#[derive(Clone, Debug, Serialize)]
pub struct CheckReport {
    pub schema: &'static str,
    pub tool: Tool,
    pub policy: PolicyInfo,
    /// The worst status over the inputs.
    pub status: Status,
    /// The exit status of the run.
    pub exit: u8,
    pub inputs: Vec<InputOutcome>,
}

impl CheckReport {
    /// Pretty JSON ending in a newline.
    pub fn write_json(&self, out: &mut impl Write) -> io::Result<()> {
        serde_json::to_writer_pretty(&mut *out, self)?;
        out.write_all(b"\n")
    }

    /// The listing for people: per input, per rule, the top `top` flows with their evidence.
    pub fn write_terminal(&self, top: usize, out: &mut impl Write) -> io::Result<()> {
        let p = &self.policy;
        writeln!(
            out,
            "residency {}: policy {}{} ({} rules; unknown answers: {})",
            self.tool.version,
            p.path,
            p.name
                .as_deref()
                .map(|n| format!(" \"{n}\""))
                .unwrap_or_default(),
            p.rules,
            match p.unknown {
                Unknown::Violation => "violation",
                Unknown::Pass => "pass",
            }
        )?;
        for input in &self.inputs {
            writeln!(out)?;
            write_input(input, top, out)?;
        }
        writeln!(out)?;
        writeln!(out, "result: {} (exit {})", self.status.name(), self.exit)
    }
}

fn write_input(input: &InputOutcome, top: usize, out: &mut impl Write) -> io::Result<()> {
    let home = input
        .home
        .as_deref()
        .map(|h| format!(", home {h}"))
        .unwrap_or_default();
    writeln!(
        out,
        "{} ({}{home}): {}",
        input.path,
        input.kind,
        input.status.name().to_uppercase()
    )?;
    if let Some(e) = &input.error {
        return writeln!(out, "  error: {e}");
    }
    if input.complete == Some(false) {
        writeln!(
            out,
            "  incomplete input ({}): the rules were checked on what was read",
            input.incomplete.join(", ")
        )?;
    }
    writeln!(out, "  {} remote flows checked", input.remote_flows)?;
    for rule in &input.rules {
        let mark = match rule.status {
            Status::Violated => "VIOLATED",
            _ => "holds",
        };
        writeln!(out, "  [{mark}] {}: {}", rule.id, rule.description)?;
        let c = &rule.counted;
        writeln!(
            out,
            "      counted {} flows, {} B sent, {} B payload; {} certain, {} undecided ({}){}",
            c.flows,
            c.bytes_to_remote,
            c.payload_to_remote,
            rule.violations.flows,
            rule.undecided.flows,
            match rule.unknown {
                Unknown::Violation => "undecided counts",
                Unknown::Pass => "undecided does not count",
            },
            limits_text(&rule.limits)
        )?;
        for f in rule.flows.iter().take(top) {
            write_flow(f, &input.report_inputs, out)?;
        }
        if rule.flows.len() > top {
            writeln!(
                out,
                "      ... {} more flows (all in --json)",
                rule.flows.len() - top
            )?;
        }
    }
    Ok(())
}

fn limits_text(l: &Limits) -> String {
    let parts: Vec<String> = [
        l.max_flows.map(|m| format!("max_flows {m}")),
        l.max_bytes.map(|m| format!("max_bytes {m}")),
        l.max_payload.map(|m| format!("max_payload {m}")),
    ]
    .into_iter()
    .flatten()
    .collect();
    if parts.is_empty() {
        String::new()
    } else {
        format!("; limits {}", parts.join(", "))
    }
}

fn endpoint(e: &Endpoint) -> String {
    match e.port {
        Some(p) if e.ip.contains(':') => format!("[{}]:{p}", e.ip),
        Some(p) => format!("{}:{p}", e.ip),
        None => e.ip.clone(),
    }
}

fn write_flow(f: &FlowEvidence, files: &[String], out: &mut impl Write) -> io::Result<()> {
    writeln!(
        out,
        "      flow {} ({}) {} {} -> {}  {} B sent, {} B payload  first packet {} of {}",
        f.id,
        f.verdict,
        f.transport,
        endpoint(&f.client),
        endpoint(&f.server),
        f.bytes_to_remote,
        f.payload_to_remote,
        f.first_packet.number,
        f.first_packet_file.as_deref().unwrap_or("input ?"),
    )?;
    if let Some(h) = &f.hostname {
        writeln!(
            out,
            "          name {} ({}, packet {} of {})",
            h.name,
            h.source,
            h.packet,
            usize::try_from(h.input)
                .ok()
                .and_then(|i| files.get(i))
                .map_or_else(|| format!("input {}", h.input), String::clone)
        )?;
    }
    if let Some(s) = &f.service {
        writeln!(
            out,
            "          service {} ({}, {})",
            s.name, s.category, s.rule
        )?;
    }
    let a = &f.answer;
    writeln!(
        out,
        "          address {}: {}, zone {}, {} ({}); left EU/EEA {} ({}){}",
        f.address
            .as_ref()
            .map_or_else(|| "?".to_string(), |a| format!("{} part {}", a.ip, a.part)),
        f.country.as_deref().unwrap_or("-"),
        f.zone,
        f.provider.as_deref().unwrap_or("no provider"),
        f.jurisdiction.as_deref().unwrap_or("-"),
        a.left_eu_eea,
        a.basis,
        a.left_home
            .as_deref()
            .map(|h| format!(
                ", left home {h} ({})",
                a.basis_home.as_deref().unwrap_or("-")
            ))
            .unwrap_or_default(),
    )?;
    writeln!(out, "          why: {}", f.why.join("; "))
}
