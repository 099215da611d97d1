//! An address's round trips against its databases' countries, per vantage: the verdict and
//! its report.

use crate::flow::FlowId;
use crate::place::answer::{self, Answers, Claim, Evidence};
use crate::place::physics::Physics;
use crate::place::physics::bounds::Bound;
use crate::place::physics::judge::{self, Anycast, Judge, Judgement};
use crate::place::region::DeclaredRegion;
use crate::place::{Placement, Placer};
use crate::report::{
    AnswerReport, AnycastReport, ClaimReport, PacketRefReport, PhysicsReport, Sent, VantageRtt,
    Volume, ms,
};
use crate::rtt::Sample;
use std::net::IpAddr;

/// Index of answered flows in per-vantage `[Sent; 2]` counters.
pub const ANSWERED: usize = 0;
/// Index of flows never answered.
pub const UNANSWERED: usize = 1;

/// A region one of the address's names declares.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Declared {
    /// The first name that declared it.
    pub name: String,
    pub region: DeclaredRegion,
}

/// Each database's country for an address, compactly (the per-address table holds one per
/// address): the database's index in the geo set, and its country code.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Claims(Box<[(u16, Box<str>)]>);

impl Claims {
    pub fn of(placement: &Placement) -> Claims {
        Claims(
            placement
                .answers
                .iter()
                .filter_map(|a| {
                    let db = u16::try_from(a.db).ok()?;
                    Some((db, Box::from(a.country.as_deref()?)))
                })
                .collect(),
        )
    }

    /// (database name, country), as the judge takes them.
    fn named(&self, placer: &Placer) -> Vec<(String, String)> {
        self.0
            .iter()
            .filter_map(|(db, country)| {
                let db = placer.geo.dbs.get(usize::from(*db))?;
                Some((db.name.clone(), country.to_string()))
            })
            .collect()
    }
}

/// The address being judged and what is known of it across vantages.
#[derive(Clone, Copy)]
pub struct Subject<'a> {
    pub ip: IpAddr,
    /// Its placement: `special` and the chosen `country` are used.
    pub placement: &'a Placement,
    /// Each database's country.
    pub claims: &'a Claims,
    /// Every vantage's fastest round trip to it, padded and as measured.
    pub across: &'a [(usize, u64, u64)],
    pub declared: &'a [Declared],
}

/// What one vantage's flows to an address carried.
#[derive(Clone, Copy, Debug, Default)]
pub struct Traffic {
    pub volume: Volume,
    /// Answered and unanswered flows (`ANSWERED`, `UNANSWERED`).
    pub sent: [Sent; 2],
    /// Round-trip samples the address answered.
    pub samples: u64,
}

/// The fastest answer of one address to one vantage.
#[derive(Clone, Copy, Debug)]
pub struct Fastest {
    pub sample: Sample,
    /// The sample lengthened by one tick of its file's timestamp resolution: a clock that
    /// counts in ticks can show a round trip up to one tick shorter than it was. Bounds use
    /// this.
    pub padded: u64,
    pub flow: FlowId,
}

/// A judgement of one address from one vantage, with the anycast check.
#[derive(Clone, Debug)]
pub struct Judged {
    pub judgement: Judgement,
    pub anycast: Option<Anycast>,
    pub country: Option<String>,
    /// Vantage labels and round trips of the two vantages that disagree (for the report).
    pub disagreeing: Vec<VantageRtt>,
    /// Left the home country, the EU/EEA? From all of the above (`place::answer`).
    pub answers: Answers,
    /// For each of the address's declared regions (in order): physics rules it out.
    pub declared_contradicted: Vec<bool>,
}

impl Judged {
    /// The judgement without its country lists (feasible, likely, each claim), which only a
    /// written-out entry shows: what a flow's answer and record need.
    pub fn brief(mut self) -> Judged {
        self.judgement.feasible = None;
        self.judgement.likely = None;
        self.judgement.claims = Vec::new();
        self
    }
}

/// Judge an address's fastest padded round trip `rtt` from `vantage`.
pub fn judge_now(
    subject: &Subject<'_>,
    vantage: Option<usize>,
    rtt: Option<u64>,
    placer: &Placer,
    physics: &Physics,
) -> Judged {
    let Subject {
        ip,
        placement,
        claims,
        across,
        declared,
    } = *subject;
    let claims = claims.named(placer);
    let judgement = match vantage.and_then(|v| physics.judges.get(v)) {
        Some(judge) => judge.judge(
            rtt,
            placement.country.as_deref(),
            &claims,
            &placer.tables.legal,
        ),
        None => Judge::without_vantage(rtt, &claims),
    };
    let padded: Vec<(usize, u64)> = across.iter().map(|&(v, p, _)| (v, p)).collect();
    let anycast = judge::anycast(ip, &physics.anycast, &physics.judges, &padded);
    let disagreeing = match &anycast {
        Some(Anycast::VantagesDisagree { a, b, .. }) => [*a, *b]
            .iter()
            .filter_map(|v| {
                let (_, padded, nanos) = across.iter().find(|(w, _, _)| w == v)?;
                let label = physics.judges.get(*v)?.vantage.label();
                Some(VantageRtt {
                    vantage: label,
                    rtt_ms: ms(*nanos),
                    max_distance_km: Bound::from_rtt(*padded).strict_km.ceil() as u64,
                })
            })
            .collect(),
        _ => Vec::new(),
    };
    let declared_contradicted: Vec<bool> = declared
        .iter()
        .map(|d| {
            judgement
                .feasible
                .as_ref()
                .is_some_and(|f| !d.region.countries.iter().any(|c| f.contains(&c.as_str())))
        })
        .collect();
    let answers = answer_of(
        placement,
        &judgement,
        anycast.is_some(),
        declared,
        &declared_contradicted,
        placer,
    );
    Judged {
        judgement,
        anycast,
        country: placement.country.clone(),
        disagreeing,
        answers,
        declared_contradicted,
    }
}

/// The answer from a judgement: the database claims with physics' verdict on each.
fn answer_of(
    placement: &Placement,
    j: &Judgement,
    anycast: bool,
    declared: &[Declared],
    declared_contradicted: &[bool],
    placer: &Placer,
) -> Answers {
    let mut claims: Vec<Claim<'_>> = j
        .claims
        .iter()
        .map(|c| Claim {
            countries: std::slice::from_ref(&c.country),
            declared: false,
            contradicted: c.contradicted,
        })
        .collect();
    claims.extend(
        declared
            .iter()
            .zip(declared_contradicted)
            .map(|(d, &contradicted)| Claim {
                countries: &d.region.countries,
                declared: true,
                contradicted,
            }),
    );
    let evidence = Evidence {
        special: placement.special,
        anycast,
        feasible: j.feasible.as_deref(),
        claims,
    };
    answer::decide(&evidence, placer.home.as_deref(), &placer.tables.legal)
}

fn packet(at: crate::flow::PacketRef) -> PacketRefReport {
    PacketRefReport {
        input: at.input,
        number: at.number,
    }
}

/// The report of one address from one vantage.
pub fn physics_report(
    judged: &Judged,
    vantage: Option<usize>,
    traffic: &Traffic,
    declared: &[Declared],
    fastest: Option<&Fastest>,
    physics: &Physics,
) -> PhysicsReport {
    let Traffic {
        volume,
        sent,
        samples,
    } = *traffic;
    let j = &judged.judgement;
    PhysicsReport {
        vantage: vantage
            .and_then(|v| physics.judges.get(v))
            .map(|j| j.vantage.label()),
        flows: volume.flows,
        bytes_to: volume.bytes_to,
        bytes_from: volume.bytes_from,
        rtt_ms: fastest.map(|f| ms(f.sample.nanos)),
        rtt_flow: fastest.map(|f| f.flow),
        rtt_source: fastest.map(|f| f.sample.source),
        rtt_request: fastest.map(|f| packet(f.sample.request)),
        rtt_response: fastest.map(|f| packet(f.sample.response)),
        samples,
        max_distance_km: j.bound.map(|b| b.strict_km.ceil() as u64),
        likely_distance_km: j.bound.map(|b| b.likely_km.ceil() as u64),
        verdict: j.verdict,
        country: judged.country.clone(),
        claim_distance_km: j.claim_distance_km.map(|d| d.floor() as u64),
        feasible: j.feasible.clone(),
        // Left out when it is the feasible list itself (a long round trip reaches everywhere
        // either way): the list of 249 countries twice is most of an entry's size.
        likely: j
            .likely
            .as_ref()
            .filter(|l| j.feasible.as_ref() != Some(*l))
            .cloned(),
        within_eu_eea: j.within_eu_eea,
        // Without a vantage nothing is judged: the claims are the geo section's answers.
        claims: j
            .claims
            .iter()
            .filter(|_| j.verdict != judge::Verdict::NoVantage)
            .map(|c| ClaimReport {
                db: c.source.clone(),
                country: c.country.clone(),
                distance_km: c.distance_km.map(|d| d.floor() as u64),
                contradicted: c.contradicted,
            })
            .collect(),
        answer: AnswerReport::from(&judged.answers),
        declared_contradicted: declared
            .iter()
            .zip(&judged.declared_contradicted)
            .filter(|(_, c)| **c)
            .map(|(d, _)| d.region.region.clone())
            .collect(),
        answered: sent[ANSWERED],
        unanswered: sent[UNANSWERED],
        anycast: judged.anycast.as_ref().map(|a| match a {
            Anycast::KnownRange(r) => AnycastReport {
                reason: "known-range",
                prefix: Some(r.prefix.to_string()),
                operator: Some(r.operator.clone()),
                source: Some(r.source.clone()),
                vantages: Vec::new(),
                distance_km: None,
                gap_km: None,
            },
            Anycast::VantagesDisagree {
                distance_km,
                gap_km,
                ..
            } => AnycastReport {
                reason: "vantages-disagree",
                prefix: None,
                operator: None,
                source: None,
                vantages: judged.disagreeing.clone(),
                distance_km: Some(distance_km.floor() as u64),
                gap_km: Some(gap_km.floor() as u64),
            },
        }),
    }
}
