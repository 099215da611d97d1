//! The parts of a JSON report (`residency.report/2`, docs/report-schema.md) a policy reads,
//! and the facts of each remote flow the rules test.
//!
//! Only the fields used are declared; others (added within the schema) are ignored.

use super::PolicyError;
use serde::Deserialize;
use std::collections::HashMap;

pub const SCHEMA: &str = "residency.report/2";

#[derive(Debug, Deserialize)]
pub struct Report {
    pub schema: String,
    pub geo: Geo,
    pub flows: Vec<Flow>,
    pub addresses: Vec<Address>,
    pub inputs: Vec<Input>,
    pub summary: Summary,
}

#[derive(Debug, Deserialize)]
pub struct Geo {
    pub home: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct Input {
    pub path: String,
    pub complete: bool,
}

#[derive(Debug, Deserialize)]
pub struct Summary {
    pub complete: bool,
    #[serde(default)]
    pub incomplete: Vec<String>,
    pub physics: SummaryPhysics,
}

#[derive(Debug, Deserialize)]
pub struct SummaryPhysics {
    #[serde(default)]
    pub vantages: Vec<VantageEntry>,
}

#[derive(Debug, Deserialize)]
pub struct VantageEntry {
    pub vantage: Option<String>,
    #[serde(default)]
    pub inputs: Vec<u32>,
}

#[derive(Clone, Debug, Deserialize, serde::Serialize, PartialEq, Eq)]
pub struct Endpoint {
    pub ip: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<u16>,
}

#[derive(Clone, Copy, Debug, Deserialize, serde::Serialize, PartialEq, Eq)]
pub struct PacketRef {
    pub input: u32,
    pub number: u64,
}

#[derive(Debug, Deserialize)]
pub struct Directions {
    pub to_server: u64,
    pub to_client: u64,
}

#[derive(Debug, Deserialize)]
pub struct FlowAnswer {
    pub left_home: Option<String>,
    pub left_eu_eea: String,
    pub basis: String,
    pub basis_home: Option<String>,
    pub payload_to_remote: u64,
    pub answered: bool,
}

#[derive(Debug, Deserialize)]
pub struct Party {
    pub provider: String,
    pub jurisdiction: Option<String>,
    pub foreign_control: Option<bool>,
}

#[derive(Debug, Deserialize)]
pub struct Control {
    pub network: Option<Party>,
    pub service: Party,
    pub decided_by: String,
}

#[derive(Clone, Debug, Deserialize, serde::Serialize)]
pub struct Hostname {
    pub name: String,
    pub source: String,
    pub input: u32,
    pub packet: u64,
}

#[derive(Debug, Deserialize)]
pub struct Service {
    pub name: String,
    pub provider: Option<String>,
    pub category: String,
    pub rule: String,
    pub id: String,
}

#[derive(Debug, Deserialize)]
pub struct Rtt {
    pub request: Option<PacketRef>,
}

#[derive(Debug, Deserialize)]
pub struct Flow {
    pub id: u64,
    pub community_id: String,
    pub transport: String,
    pub client: Endpoint,
    pub server: Endpoint,
    pub remote: Option<String>,
    pub address: Option<String>,
    pub bytes: Directions,
    pub answer: FlowAnswer,
    pub control: Option<Control>,
    pub first_packet: PacketRef,
    pub hostname: Option<Hostname>,
    pub service: Option<Service>,
    pub rtt: Option<Rtt>,
}

#[derive(Debug, Deserialize)]
pub struct AddressGeo {
    pub country: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct Provider {
    pub name: Option<String>,
    pub jurisdiction: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct Jurisdiction {
    pub zone: String,
    pub foreign_control: Option<bool>,
}

#[derive(Clone, Debug, Deserialize)]
pub struct Answer {
    pub left_home: Option<String>,
    pub left_eu_eea: String,
    pub basis: String,
    pub basis_home: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct AddressPhysics {
    pub vantage: Option<String>,
    pub answer: Answer,
}

#[derive(Debug, Deserialize)]
pub struct Address {
    pub ip: String,
    pub part: u32,
    pub geo: AddressGeo,
    pub provider: Option<Provider>,
    pub jurisdiction: Jurisdiction,
    #[serde(default)]
    pub physics: Vec<AddressPhysics>,
}

impl Report {
    /// Reads a report, refusing other schemas.
    pub fn from_reader(reader: impl std::io::Read) -> Result<Report, PolicyError> {
        let report: Report = serde_json::from_reader(reader).map_err(|e| {
            PolicyError::Report(format!(
                "not a residency JSON report ({e}); write one with `residency analyze --json PATH`"
            ))
        })?;
        if report.schema != SCHEMA {
            return Err(PolicyError::Report(format!(
                "schema `{}`, this residency reads `{SCHEMA}`",
                report.schema
            )));
        }
        Ok(report)
    }
}

/// Which answer a flow is judged on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum AnswerFrom {
    /// `addresses[].physics[].answer`: the address's final answer from the flow's vantage.
    Address,
    /// `flows[].answer`: as known when the flow ended (the address has several parts, or its
    /// vantage could not be told).
    Flow,
}

/// What the rules test about one remote flow.
#[derive(Debug)]
pub struct Facts<'r> {
    pub flow: &'r Flow,
    /// Its `addresses[]` entry (`None` only in a report missing it).
    pub address: Option<&'r Address>,
    pub answer: Answer,
    pub answer_from: AnswerFrom,
    /// A non-routable destination (zone `private`): a machine of this network, no provider.
    pub private: bool,
    pub zone: String,
    pub country: Option<String>,
    /// The deciding operator, its jurisdiction and whether its parent is outside the EU/EEA.
    pub provider: Option<String>,
    pub jurisdiction: Option<String>,
    pub non_eu_control: Option<bool>,
    pub bytes_to_remote: u64,
    pub bytes_from_remote: u64,
}

/// The remote flows of a report with their facts, in the report's order.
pub fn remote_flows(report: &Report) -> Vec<Facts<'_>> {
    let mut by_ip: HashMap<&str, Vec<&Address>> = HashMap::new();
    for a in &report.addresses {
        by_ip.entry(a.ip.as_str()).or_default().push(a);
    }
    report
        .flows
        .iter()
        .filter_map(|flow| {
            let ip = flow.address.as_deref()?;
            let parts = by_ip.get(ip).map(Vec::as_slice).unwrap_or_default();
            Some(facts(report, flow, parts))
        })
        .collect()
}

fn facts<'r>(report: &'r Report, flow: &'r Flow, parts: &[&'r Address]) -> Facts<'r> {
    // Placement is the same in every part; the answer is per part and per vantage.
    let address = parts.first().copied();
    let final_answer = match parts {
        [only] => vantage_answer(report, flow, only),
        _ => None,
    };
    let (answer, answer_from) = match final_answer {
        Some(a) => (a.clone(), AnswerFrom::Address),
        None => (
            Answer {
                left_home: flow.answer.left_home.clone(),
                left_eu_eea: flow.answer.left_eu_eea.clone(),
                basis: flow.answer.basis.clone(),
                basis_home: flow.answer.basis_home.clone(),
            },
            AnswerFrom::Flow,
        ),
    };
    let zone = address.map_or_else(|| "unknown".to_string(), |a| a.jurisdiction.zone.clone());
    let private = zone == "private";
    // The operator the totals count the flow under (docs/placement.md, "Control").
    let (provider, jurisdiction, non_eu_control) = match &flow.control {
        Some(c) if c.decided_by == "service" => (
            Some(c.service.provider.clone()),
            c.service.jurisdiction.clone(),
            c.service.foreign_control,
        ),
        _ => (
            address
                .and_then(|a| a.provider.as_ref())
                .and_then(|p| p.name.clone()),
            address
                .and_then(|a| a.provider.as_ref())
                .and_then(|p| p.jurisdiction.clone()),
            address.and_then(|a| a.jurisdiction.foreign_control),
        ),
    };
    let to_server = flow.remote.as_deref() != Some("client");
    let (to, from) = if to_server {
        (flow.bytes.to_server, flow.bytes.to_client)
    } else {
        (flow.bytes.to_client, flow.bytes.to_server)
    };
    Facts {
        flow,
        address,
        answer,
        answer_from,
        private,
        zone,
        country: address.and_then(|a| a.geo.country.clone()),
        provider,
        jurisdiction,
        non_eu_control,
        bytes_to_remote: to,
        bytes_from_remote: from,
    }
}

/// The address's final answer from the flow's vantage: the vantage of the input that gave the
/// flow's fastest answer, else of its first packet (docs/report-schema.md).
fn vantage_answer<'r>(report: &Report, flow: &Flow, address: &'r Address) -> Option<&'r Answer> {
    if let [only] = address.physics.as_slice() {
        return Some(&only.answer);
    }
    let input = flow
        .rtt
        .as_ref()
        .and_then(|r| r.request)
        .map_or(flow.first_packet.input, |p| p.input);
    let vantage = report
        .summary
        .physics
        .vantages
        .iter()
        .find(|v| v.inputs.contains(&input))?;
    address
        .physics
        .iter()
        .find(|p| p.vantage == vantage.vantage)
        .map(|p| &p.answer)
}
