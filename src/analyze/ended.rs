//! What happens when a flow ends. Where the packets are read (`Front`), its names and round
//! trips are taken from the stages and its service decided; where the outputs are (`Back`),
//! its remote address is visited in the per-address table, the summary counts it, and the
//! outputs get its record. Addresses written out go the same way. `handoff` carries the one to
//! the other.

use super::handoff::Handoff;
use super::{Context, Front, Stages};
use crate::flow::{Flow, Side};
use crate::names::resolve::{self, PtrAnswer, PtrResults};
use crate::place::Placement;
use crate::place::addresses::{AddressBook, Judged, Visit};
use crate::place::answer::Answers;
use crate::place::control;
use crate::report::answer::HostFlow;
use crate::report::record::{answered, flow_report, remote_bytes, remote_ip, remote_payload};
use crate::report::summary::SummaryBuilder;
use crate::report::{AddressReport, FlowNaming, FlowReport, PtrReport, ResolveReport, flow_naming};
use crate::report::{AnswerReport, FlowAnswerReport};
use crate::rtt::FlowRtt;
use crate::services::Catalog;
use std::io;

/// The input a flow ended in.
#[derive(Clone, Debug)]
pub struct InputInfo {
    pub index: u32,
    pub path: String,
    /// Known before reading for regular files; None for pipes (their hash is in the report's
    /// `inputs`, at the end).
    pub sha256: Option<String>,
    /// Where the sensor that captured it is, as latitude and longitude: the input's
    /// `--vantage` when that is a city or coordinates (a country is no point).
    pub location: Option<(f64, f64)>,
}

/// One ended flow, as the outputs see it.
pub struct Ended<'a> {
    pub flow: &'a Flow,
    pub report: &'a FlowReport,
    /// Its remote address's placement (None for internal flows).
    pub placement: Option<&'a Placement>,
    /// Its remote address's physics as of the flow's end (when asked for: `judge_per_flow`).
    pub physics: Option<&'a Judged>,
    /// The input of the flow's first packet.
    pub input: &'a InputInfo,
    /// The sensor's name (`--sensor`).
    pub sensor: Option<&'a str>,
}

/// An output fed by the pipeline: every ended flow, every address written out, in one
/// deterministic order.
pub trait Sink: Send {
    fn flow(&mut self, ended: &Ended<'_>) -> io::Result<()>;
    fn address(&mut self, address: &AddressReport) -> io::Result<()>;
    /// No flow follows (the run is closing; the addresses held to the end come next). An
    /// output that keeps flows and addresses apart can stop keeping them apart.
    fn flows_done(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl<S: Sink + ?Sized> Sink for &mut S {
    fn flow(&mut self, ended: &Ended<'_>) -> io::Result<()> {
        (**self).flow(ended)
    }

    fn address(&mut self, address: &AddressReport) -> io::Result<()> {
        (**self).address(address)
    }

    fn flows_done(&mut self) -> io::Result<()> {
        (**self).flows_done()
    }
}

/// Several outputs as one.
impl Sink for Vec<Box<dyn Sink + '_>> {
    fn flow(&mut self, ended: &Ended<'_>) -> io::Result<()> {
        self.iter_mut().try_for_each(|s| s.flow(ended))
    }

    fn address(&mut self, address: &AddressReport) -> io::Result<()> {
        self.iter_mut().try_for_each(|s| s.address(address))
    }

    fn flows_done(&mut self) -> io::Result<()> {
        self.iter_mut().try_for_each(|s| s.flows_done())
    }
}

/// `--resolve` over a run: lookups made as addresses are written out.
#[derive(Default)]
pub struct Resolving {
    resolver: Option<String>,
    started: Option<String>,
    looked_up: usize,
    found: usize,
    skipped: usize,
}

impl Resolving {
    pub fn report(&self) -> Option<ResolveReport> {
        Some(ResolveReport {
            resolver: self.resolver.clone()?,
            started: self.started.clone().unwrap_or_default(),
            looked_up: self.looked_up,
            found: self.found,
            skipped: self.skipped,
        })
    }

    fn add(&mut self, results: &PtrResults) {
        self.resolver
            .get_or_insert_with(|| results.resolver.clone());
        self.started.get_or_insert_with(|| results.started.clone());
        self.looked_up += results.answers.len();
        self.found += results
            .answers
            .values()
            .filter(|a| matches!(a, PtrAnswer::Name(_)))
            .count();
        self.skipped += results.skipped;
    }
}

/// A flow that ended, with what the per-packet stages knew of it then: its names as of its
/// end (the DNS answers it is named from move on) and its round trips. Made where the packets
/// are read, judged and written where the outputs are (see `handoff`).
pub(super) struct Closed {
    flow: Flow,
    naming: FlowNaming,
    rtt: Option<FlowRtt>,
    /// The input being read when it ended, and its timestamps' fractional digits then (none
    /// when flows are closed after the inputs).
    precision: Option<(u32, u8)>,
}

impl Front {
    /// Hand every flow that ended to the outputs' side, each with its names as of now.
    pub(super) fn drain(
        &mut self,
        precision: Option<(u32, u8)>,
        catalog: &Catalog,
        out: &mut Handoff<'_, '_>,
    ) -> io::Result<()> {
        let Stages {
            table, namer, rtt, ..
        } = &mut self.stages;
        for flow in table.take_ended() {
            self.flows_ended += 1;
            let facts = namer.end_flow(flow.id);
            let naming = flow_naming(&flow, facts.as_ref(), namer.answers(), catalog);
            out.send(Closed {
                rtt: rtt.end_flow(flow.id),
                flow,
                naming,
                precision,
            })?;
        }
        Ok(())
    }
}

/// The outputs' side of the pipeline: everything a flow meets after its names are known.
pub(super) struct Back {
    pub(super) addresses: AddressBook,
    pub(super) summary: SummaryBuilder,
    pub(super) resolve: Resolving,
    /// Each input's name and hash, by index (for the evidence in per-flow records).
    pub(super) infos: Vec<InputInfo>,
    /// One tick of each input's clock, ns, by input index.
    pub(super) ticks: Vec<u64>,
    /// Fractional digits of timestamps written: the finest of the inputs so far.
    pub(super) digits: u8,
}

impl Back {
    /// Take input `input`'s clock (`digits` fractional digits) as known from now on.
    pub(super) fn set_precision(&mut self, input: u32, digits: u8) {
        self.digits = self.digits.max(digits);
        self.addresses.set_digits(self.digits);
        if let Some(t) = usize::try_from(input)
            .ok()
            .and_then(|i| self.ticks.get_mut(i))
        {
            *t = super::tick(digits);
        }
    }

    /// One ended flow to the per-address table, the summary and the outputs; then the
    /// addresses its visit wrote out (a batch of ended flows, as at a sweep or the end of
    /// input, can be as large as the flow table).
    pub(super) fn take(
        &mut self,
        ctx: &Context<'_>,
        closed: Closed,
        sink: &mut dyn Sink,
    ) -> io::Result<()> {
        if let Some((input, digits)) = closed.precision {
            self.set_precision(input, digits);
        }
        self.end_flow(ctx, closed, sink)?;
        self.drain_addresses(ctx, sink)
    }

    fn end_flow(
        &mut self,
        ctx: &Context<'_>,
        closed: Closed,
        sink: &mut dyn Sink,
    ) -> io::Result<()> {
        let Closed {
            flow,
            mut naming,
            rtt,
            ..
        } = closed;
        let remote = ctx.options.inside.scope(&flow).remote_side();
        let (sent, received) = remote_bytes(&flow, remote);
        let payload_sent = remote_payload(&flow, remote);
        let answered = answered(&flow, remote);
        let mut placement = None;
        let mut judged = None;
        let mut answers = None;
        if let (Some(ip), Some(side)) = (remote_ip(&flow, remote), remote) {
            let endpoint = match side {
                Side::Server => flow.server,
                Side::Client => flow.client,
            };
            let answer = rtt.as_ref().and_then(|r| r.answered_by(endpoint));
            // The vantage of the flow's own fastest answer, else of its first packet.
            let vantage_input = answer.map_or(flow.first_packet.input, |a| a.min.request.input);
            let vantage = ctx.physics.vantage_of(vantage_input);
            let tick = usize::try_from(vantage_input)
                .ok()
                .and_then(|i| self.ticks.get(i))
                .copied()
                .unwrap_or(1);
            let is_server = side == Side::Server;
            let visit = Visit {
                ip,
                vantage,
                flow: flow.id,
                packets: flow.packets[0] + flow.packets[1],
                sent,
                received,
                payload_sent,
                answered,
                first_seen: flow.first_seen,
                last_seen: flow.last_seen,
                answer: answer.map(|a| (a.min, a.samples, tick)),
                hostname: naming
                    .hostname
                    .as_ref()
                    .filter(|_| is_server)
                    .map(|h| h.name.as_str()),
                service: naming
                    .service
                    .as_ref()
                    .filter(|_| is_server)
                    .map(|s| s.name.as_str()),
            };
            placement = Some(self.addresses.visit(&visit, ctx.placer, ctx.physics));
            // Every flow's answer needs the physics as of now (judged again only when the
            // address's fastest answer changed).
            if let Some((a, j)) = self.addresses.answers_now(
                ip,
                vantage,
                ctx.judge_per_flow,
                (ctx.placer, ctx.physics),
            ) {
                answers = Some(a);
                judged = j;
            }
        }
        let home = ctx.placer.home.is_some();
        let answers = match (answers, remote) {
            (Some(a), _) => a,
            (None, None) => Answers::internal(home),
            (None, Some(_)) => Answers::unplaced(home),
        };
        let names = naming.names.take();
        let mut report = flow_report(
            &flow,
            &naming,
            names,
            rtt.as_ref(),
            ctx.options,
            self.digits.max(1),
            FlowAnswerReport {
                answer: AnswerReport::from(&answers),
                payload_to_remote: payload_sent,
                answered,
            },
        );
        let control = placement.as_deref().and_then(|pl| {
            let provider = naming.service.as_ref()?.provider.as_deref();
            control::decide(pl, provider, &ctx.placer.tables.providers, ctx.placer)
        });
        let decided = placement
            .as_deref()
            .and_then(|pl| control::as_decided(pl, control.as_ref(), ctx.placer));
        let counted = decided.as_ref().or(placement.as_deref());
        report.control = control;
        self.summary.flow(&report, &naming, counted, sent, received);
        if let (Some(side), Some(pl)) = (remote, counted) {
            let host = match side {
                Side::Server => flow.client.ip,
                Side::Client => flow.server.ip,
            };
            self.summary.host(&HostFlow {
                host,
                answers: &answers,
                answered,
                payload: payload_sent,
                bytes: sent,
                zone: Some(pl.zone),
                provider: pl.provider.as_ref().and_then(|p| p.name.as_deref()),
                service: report.service.as_ref().map(|s| s.name.as_str()),
            });
        }
        let unknown = InputInfo {
            index: flow.first_packet.input,
            path: String::new(),
            sha256: None,
            location: None,
        };
        let input = usize::try_from(flow.first_packet.input)
            .ok()
            .and_then(|i| self.infos.get(i))
            .unwrap_or(&unknown);
        sink.flow(&Ended {
            flow: &flow,
            report: &report,
            placement: placement.as_deref(),
            physics: judged.as_deref(),
            input,
            sensor: ctx.options.sensor.as_deref(),
        })
    }

    /// Hand every address written out to the summary and the outputs (looking up reverse DNS
    /// first, with `--resolve`).
    pub(super) fn drain_addresses(
        &mut self,
        ctx: &Context<'_>,
        sink: &mut dyn Sink,
    ) -> io::Result<()> {
        let mut done: Vec<AddressReport> = self.addresses.take_done().collect();
        if done.is_empty() {
            return Ok(());
        }
        if let Some(config) = &ctx.resolve {
            let mut unnamed: Vec<std::net::IpAddr> = done
                .iter()
                .filter(|a| a.hostnames.is_empty())
                .filter_map(|a| a.ip.parse().ok())
                .collect();
            let room = resolve::MAX_PTR_LOOKUPS.saturating_sub(self.resolve.looked_up);
            if unnamed.len() > room {
                self.resolve.skipped += unnamed.len() - room;
                unnamed.truncate(room);
            }
            if !unnamed.is_empty() {
                let results = resolve::lookup(&unnamed, config).map_err(io::Error::other)?;
                self.resolve.add(&results);
                for a in &mut done {
                    let Ok(ip) = a.ip.parse() else { continue };
                    if let Some(answer) = results.answers.get(&ip) {
                        a.ptr = Some(ptr_report(answer));
                    }
                }
            }
        }
        for a in &done {
            self.summary.address(a);
            sink.address(a)?;
        }
        Ok(())
    }
}

fn ptr_report(answer: &PtrAnswer) -> PtrReport {
    match answer {
        PtrAnswer::Name(n) => PtrReport {
            name: Some(n.clone()),
            status: "found".to_string(),
        },
        PtrAnswer::NoName => PtrReport {
            name: None,
            status: "no-name".to_string(),
        },
        PtrAnswer::Failed(why) => PtrReport {
            name: None,
            status: format!("failed: {why}"),
        },
    }
}
