//! Per-flow records for search and analytics engines (Elastic/OpenSearch, DuckDB, Spark): one
//! JSON object per line, written as each flow ends, each standing alone (denormalised: the
//! flow with its destination's placement and physics as of the flow's end).
//!
//! Field names follow the Elastic Common Schema where ECS has the field (`source.*`,
//! `destination.*`, `network.*`, `event.*`, `tls.client.server_name`, `observer.*`); what ECS
//! has no name for is under one custom object, `Residency`, capitalised as ECS advises for
//! custom fields so that it can never clash with a future ECS field. Documented in
//! docs/records.md; checked against Elastic's published field definitions by
//! tests/ecs_fields.rs.

use super::model::{Directions, FlowReport, HostnameReport, PacketRefReport};
use crate::analyze::{Ended, Sink};
use crate::flow::Side;
use crate::names::NameSource;
use crate::place::Placement;
use crate::place::legal::Zone;
use crate::place::physics::judge::Verdict;
use crate::report::AddressReport;
use serde::Serialize;
use std::io::{self, Write};

/// The ECS version the field names and types were checked against.
pub const ECS_VERSION: &str = "9.4.0";

#[derive(Serialize)]
pub struct Record<'a> {
    #[serde(rename = "@timestamp")]
    pub timestamp: &'a str,
    pub ecs: Ecs,
    pub event: Event<'a>,
    pub source: Peer<'a>,
    pub destination: Peer<'a>,
    pub network: Network<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub server: Option<Domain<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tls: Option<Tls<'a>>,
    pub observer: Observer<'a>,
    #[serde(rename = "Residency")]
    pub residency: Custom<'a>,
}

#[derive(Serialize)]
pub struct Ecs {
    pub version: &'static str,
}

#[derive(Serialize)]
pub struct Event<'a> {
    /// The flow's identifier across sensors and runs: its Community ID and its first packet's
    /// capture time, `COMMUNITY_ID@START` (the same flow seen by two sensors gets the same one,
    /// up to their clocks).
    pub id: String,
    pub kind: &'static str,
    pub category: [&'static str; 1],
    pub r#type: [&'static str; 2],
    pub start: &'a str,
    pub end: &'a str,
    /// Nanoseconds, as ECS defines it.
    pub duration: i64,
    pub dataset: &'static str,
    pub module: &'static str,
}

#[derive(Serialize)]
pub struct Peer<'a> {
    pub ip: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub port: Option<u16>,
    pub bytes: u64,
    pub packets: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub domain: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub geo: Option<Geo<'a>>,
    #[serde(rename = "as", skip_serializing_if = "Option::is_none")]
    pub asn: Option<As<'a>>,
}

#[derive(Serialize)]
pub struct Geo<'a> {
    pub country_iso_code: &'a str,
}

#[derive(Serialize)]
pub struct As<'a> {
    pub number: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub organization: Option<Named<'a>>,
}

#[derive(Serialize)]
pub struct Named<'a> {
    pub name: &'a str,
}

#[derive(Serialize)]
pub struct Network<'a> {
    pub transport: &'static str,
    pub iana_number: String,
    pub bytes: u64,
    pub packets: u64,
    pub community_id: &'a str,
    /// `outbound`, `inbound`, `internal` or `external`, relative to the inside networks.
    pub direction: &'static str,
}

#[derive(Serialize)]
pub struct Domain<'a> {
    pub domain: &'a str,
}

#[derive(Serialize)]
pub struct Tls<'a> {
    pub client: ServerName<'a>,
}

#[derive(Serialize)]
pub struct ServerName<'a> {
    pub server_name: &'a str,
}

#[derive(Serialize)]
pub struct Observer<'a> {
    /// The sensor's name (`--sensor`); left out without it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<&'a str>,
    pub product: &'static str,
    pub vendor: &'static str,
    pub version: &'static str,
    pub r#type: &'static str,
    /// Where the sensor is (`--vantage` as a city or coordinates); left out otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub geo: Option<ObserverGeo>,
}

/// `observer.geo`: ECS's `geo.location`, a `geo_point` written as `{"lat", "lon"}`.
#[derive(Serialize)]
pub struct ObserverGeo {
    pub location: GeoPoint,
}

#[derive(Clone, Copy, Serialize)]
pub struct GeoPoint {
    pub lat: f64,
    pub lon: f64,
}

/// What ECS has no field for.
#[derive(Serialize)]
pub struct Custom<'a> {
    pub flow_id: u64,
    pub end: crate::flow::FlowEnd,
    pub client_by: crate::flow::ClientBy,
    /// Which side is the remote destination.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remote: Option<Side>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hostname: Option<&'a HostnameReport>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service: Option<Service<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub destination: Option<Place<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub physics: Option<Physics<'a>>,
    /// The flow's own fastest round trip to its remote side, ms.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rtt_ms: Option<f64>,
    /// TCP ACKs, per direction of the data, of data the capture never saw (the report's
    /// `flows[].capture_gaps`); left out when none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub capture_gaps: Option<&'a Directions>,
    /// Left the home country, the EU/EEA (yes, no, unknown) as of the flow's end, with the
    /// basis; the payload sent; whether it was answered (the report's `flows[].answer`).
    pub answer: &'a crate::report::FlowAnswerReport,
    /// Network and service operators when they differ, and which decided control.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub control: Option<&'a crate::place::control::Control>,
    pub evidence: Evidence<'a>,
}

#[derive(Serialize)]
pub struct Service<'a> {
    pub id: &'a str,
    pub name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provider: Option<&'a str>,
    pub category: crate::services::Category,
    pub rule: &'a str,
}

/// The remote address's placement (as in the report's `addresses[]`).
#[derive(Serialize)]
pub struct Place<'a> {
    pub zone: Zone,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub legal_basis: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub leaves_home: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub leaves_eu_eea: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub foreign_control: Option<bool>,
    /// The databases agree on the country.
    pub agree: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provider: Option<&'a str>,
    /// ISO code of the seat of the provider's controlling parent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provider_jurisdiction: Option<&'a str>,
    pub cloud_act: bool,
}

/// The remote address's physics from the flow's vantage, as of the flow's end (the report's
/// `addresses[].physics` has the verdict over the whole run).
#[derive(Serialize)]
pub struct Physics<'a> {
    pub verdict: Verdict,
    pub within_eu_eea: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_distance_km: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country: Option<&'a str>,
}

/// Where to check the record: the input (with its SHA-256 when known before reading) and the
/// packets.
#[derive(Serialize)]
pub struct Evidence<'a> {
    pub input: u32,
    pub input_path: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub input_sha256: Option<&'a str>,
    pub first_packet: PacketRefReport,
    pub last_packet: PacketRefReport,
}

/// The record of one ended flow.
pub fn record<'a>(e: &'a Ended<'a>) -> Record<'a> {
    let f: &FlowReport = e.report;
    let remote_is_server = f.remote == Some(Side::Server);
    let remote_is_client = f.remote == Some(Side::Client);
    let place = e.placement;
    let geo = |pl: &'a Placement| {
        pl.country.as_deref().map(|c| Geo {
            country_iso_code: c,
        })
    };
    let asn = |pl: &'a Placement| {
        pl.asn.map(|number| As {
            number,
            organization: pl.as_org.as_deref().map(|name| Named { name }),
        })
    };
    let name = f.hostname.as_ref().map(|h| h.name.as_str());
    let sni = f
        .hostname
        .as_ref()
        .filter(|h| h.source == NameSource::TlsSni)
        .map(|h| h.name.as_str());
    let input = e.input;
    Record {
        timestamp: &f.first_seen,
        ecs: Ecs {
            version: ECS_VERSION,
        },
        event: Event {
            id: format!("{}@{}", f.community_id, f.first_seen),
            kind: "event",
            category: ["network"],
            r#type: ["connection", "end"],
            start: &f.first_seen,
            end: &f.last_seen,
            duration: e.flow.last_seen.since(e.flow.first_seen).max(0),
            dataset: "residency.flow",
            module: "residency",
        },
        source: Peer {
            ip: &f.client.ip,
            port: f.client.port,
            bytes: f.bytes.to_server,
            packets: f.packets.to_server,
            domain: None,
            geo: place.filter(|_| remote_is_client).and_then(geo),
            asn: place.filter(|_| remote_is_client).and_then(asn),
        },
        destination: Peer {
            ip: &f.server.ip,
            port: f.server.port,
            bytes: f.bytes.to_client,
            packets: f.packets.to_client,
            domain: name,
            geo: place.filter(|_| remote_is_server).and_then(geo),
            asn: place.filter(|_| remote_is_server).and_then(asn),
        },
        network: Network {
            transport: f.transport.name(),
            iana_number: f.ip_protocol.to_string(),
            bytes: f.bytes.to_server + f.bytes.to_client,
            packets: f.packets.to_server + f.packets.to_client,
            community_id: &f.community_id,
            direction: f.scope.name(),
        },
        server: name.map(|domain| Domain { domain }),
        tls: sni.map(|server_name| Tls {
            client: ServerName { server_name },
        }),
        observer: Observer {
            name: e.sensor,
            product: "residency",
            vendor: "residency",
            version: env!("CARGO_PKG_VERSION"),
            r#type: "sensor",
            geo: e.input.location.map(|(lat, lon)| ObserverGeo {
                location: GeoPoint { lat, lon },
            }),
        },
        residency: Custom {
            flow_id: f.id.0,
            end: f.end,
            client_by: f.client_by,
            remote: f.remote,
            hostname: f.hostname.as_ref(),
            service: f.service.as_ref().map(|s| Service {
                id: &s.id,
                name: &s.name,
                provider: s.provider.as_deref(),
                category: s.category,
                rule: &s.rule,
            }),
            destination: place.map(|pl| Place {
                zone: pl.zone,
                legal_basis: pl.legal_basis.as_deref(),
                leaves_home: pl.leaves_home,
                leaves_eu_eea: pl.leaves_eu_eea,
                foreign_control: pl.foreign_control,
                agree: pl.agree,
                provider: pl.provider.as_ref().and_then(|p| p.name.as_deref()),
                provider_jurisdiction: pl.provider.as_ref().and_then(|p| p.jurisdiction.as_deref()),
                cloud_act: pl.provider.as_ref().is_some_and(|p| p.cloud_act()),
            }),
            physics: e.physics.map(|j| Physics {
                verdict: j.judgement.verdict,
                within_eu_eea: j.judgement.within_eu_eea,
                max_distance_km: j.judgement.bound.map(|b| b.strict_km.ceil() as u64),
                country: j.country.as_deref(),
            }),
            rtt_ms: f.rtt.as_ref().and_then(|r| r.min_ms),
            capture_gaps: f.capture_gaps.as_ref(),
            answer: &f.answer,
            control: f.control.as_ref(),
            evidence: Evidence {
                input: input.index,
                input_path: &input.path,
                input_sha256: input.sha256.as_deref(),
                first_packet: f.first_packet,
                last_packet: f.last_packet,
            },
        },
    }
}

/// `--flows`: NDJSON records, one line per flow as it ends.
pub struct NdjsonSink<W: Write> {
    out: W,
    line: Vec<u8>,
}

impl<W: Write> NdjsonSink<W> {
    pub fn new(out: W) -> Self {
        NdjsonSink {
            out,
            line: Vec::with_capacity(2048),
        }
    }

    pub fn into_inner(mut self) -> io::Result<W> {
        self.out.flush()?;
        Ok(self.out)
    }
}

/// The NDJSON line of one ended flow (compact JSON and `\n`) into `line`, cleared first: what
/// [`NdjsonSink`] writes, for other writers of the same records (the rotating `--flows`).
pub fn record_line(line: &mut Vec<u8>, ended: &Ended<'_>) -> io::Result<()> {
    line.clear();
    serde_json::to_writer(&mut *line, &record(ended)).map_err(io::Error::other)?;
    line.push(b'\n');
    Ok(())
}

impl<W: Write + Send> Sink for NdjsonSink<W> {
    fn flow(&mut self, ended: &Ended<'_>) -> io::Result<()> {
        record_line(&mut self.line, ended)?;
        self.out.write_all(&self.line)
    }

    fn address(&mut self, _: &AddressReport) -> io::Result<()> {
        Ok(())
    }
}
