//! From placements to the report: per flow, the `geo` section, and the placement summary.

use super::place_model::*;
use crate::digest::sha256_hex;
use crate::place::legal::Zone;
use crate::place::providers::PROVIDERS_TOML;
use crate::place::{Placement, Placer, legal::LEGAL_TOML};
use std::collections::BTreeMap;

/// The three placement fields of one flow.
pub struct FlowPlacement {
    pub server_geo: ServerGeo,
    pub provider: Option<ProviderReport>,
    pub jurisdiction: JurisdictionReport,
}

pub fn flow_placement(placer: &Placer, pl: &Placement) -> FlowPlacement {
    let dbs = &placer.geo.dbs;
    let server_geo = ServerGeo {
        ip: pl.ip.to_string(),
        country: pl.country.clone(),
        country_name: pl
            .country
            .as_deref()
            .and_then(|c| placer.tables.countries.name(c)),
        country_basis: pl.country_basis,
        asn: pl.asn,
        as_org: pl.as_org.clone(),
        prefix: pl.prefix.map(|p| p.to_string()),
        sources: pl
            .answers
            .iter()
            .map(|a| GeoSource {
                db: dbs[a.db].name.clone(),
                build: dbs[a.db].build.clone(),
                country: a.country.clone(),
                // Shown only when it differs from `country` (the contract).
                registered_country: a
                    .registered_country
                    .clone()
                    .filter(|r| a.country.as_ref() != Some(r)),
                asn: a.asn,
                as_org: a.as_org.clone(),
                prefix: a.network.to_string(),
                record: a.record,
            })
            .collect(),
        errors: pl
            .geo_errors
            .iter()
            .map(|e| GeoSourceError {
                db: dbs[e.db].name.clone(),
                build: dbs[e.db].build.clone(),
                record: e.record,
                error: e.detail.clone(),
            })
            .collect(),
        agree: pl.agree,
        special: pl.special,
        looked_up: pl.looked_up.map(|(ip, via)| LookedUp {
            ip: ip.to_string(),
            via,
        }),
    };
    let provider = pl.provider.as_ref().map(|p| ProviderReport {
        name: p.name.clone(),
        parent: p.parent.clone(),
        jurisdiction: p.jurisdiction.clone(),
        cloud_act: p.cloud_act(),
        category: p.category.clone(),
        matched_by: p.matched_by.name(),
        fallback: p.fallback(),
        source: p.source.clone(),
    });
    let jurisdiction = JurisdictionReport {
        zone: pl.zone,
        legal_basis: pl.legal_basis.clone(),
        legal_scope: pl.legal_scope.clone(),
        leaves_home: pl.leaves_home,
        leaves_eu_eea: pl.leaves_eu_eea,
        foreign_control: pl.foreign_control,
        control_zone: pl.control_zone,
    };
    FlowPlacement {
        server_geo,
        provider,
        jurisdiction,
    }
}

/// An embedded table's hash, computed at build time (`digest::embedded_sha256`; the text is
/// hashed here only were a file missing from build.rs's list, which a unit test rules out).
pub(crate) fn embedded_sha256(file: &str, text: &str) -> String {
    crate::digest::embedded_sha256(file).map_or_else(|| sha256_hex(text.as_bytes()), str::to_string)
}

pub fn geo_report(placer: &Placer, catalog: &crate::services::Catalog) -> GeoReport {
    let dbs = &placer.geo.dbs;
    let mut attribution: Vec<String> = dbs
        .iter()
        .filter_map(|d| d.attribution.map(str::to_string))
        .collect();
    attribution.dedup();
    GeoReport {
        home: placer.home.clone(),
        databases: dbs
            .iter()
            .map(|d| DatabaseReport {
                name: d.name.clone(),
                origin: d.origin.clone(),
                source: d.source,
                database_type: d.database_type.clone(),
                layout: d.layout.name,
                role: d.role.name(),
                provides: [(d.provides_country(), "country"), (d.provides_asn(), "asn")]
                    .into_iter()
                    .filter_map(|(has, what)| has.then_some(what))
                    .collect(),
                build: d.build.clone(),
                build_epoch: d.build_epoch,
                size: d.size(),
                sha256: d.sha256().to_string(),
                license: d.license,
            })
            .collect(),
        legal_table: TableReport {
            file: "geo/legal.toml".to_string(),
            date: placer.tables.legal.date.clone(),
            entries: placer.tables.legal.countries().count(),
            sha256: embedded_sha256("geo/legal.toml", LEGAL_TOML),
        },
        providers_table: TableReport {
            file: "geo/providers.toml".to_string(),
            date: placer
                .tables
                .providers
                .providers
                .iter()
                .map(|p| p.date.as_str())
                .max()
                .unwrap_or("")
                .to_string(),
            entries: placer.tables.providers.providers.len(),
            sha256: embedded_sha256("geo/providers.toml", PROVIDERS_TOML),
        },
        regions_table: TableReport {
            file: crate::place::region::REGIONS_PATH.to_string(),
            date: placer.tables.regions.date().to_string(),
            entries: placer.tables.regions.regions(),
            sha256: embedded_sha256("geo/regions.toml", crate::place::region::REGIONS_TOML),
        },
        services_table: {
            let info = catalog.info();
            TableReport {
                file: info.path.clone(),
                date: info.date.clone(),
                entries: info.services,
                sha256: info.sha256.clone(),
            }
        },
        attribution,
    }
}

/// Adds up flows per zone, jurisdiction and provider.
#[derive(Clone)]
pub struct PlacementTotals {
    summary: PlacementSummary,
    providers: BTreeMap<(String, Option<String>, bool), Volume>,
}

impl PlacementTotals {
    pub fn new(home: Option<String>) -> PlacementTotals {
        PlacementTotals {
            summary: PlacementSummary {
                left_home: home.is_some().then(Volume::default),
                home,
                by_zone: Zone::ALL
                    .iter()
                    .map(|z| (z.name(), Volume::default()))
                    .collect(),
                by_jurisdiction: BTreeMap::new(),
                by_provider: Vec::new(),
                left_eu_eea: Volume::default(),
                non_eu_control: Volume::default(),
                cloud_act: Volume::default(),
                unplaced: Volume::default(),
                disputed_destinations: 0,
                unanswered: Volume::default(),
            },
            providers: BTreeMap::new(),
        }
    }

    /// A remote flow never answered: counted apart.
    pub fn unanswered(&mut self, to: u64, from: u64) {
        self.summary.unanswered.add(to, from);
    }

    /// An answered remote flow to `pl`: `to` bytes sent to it, `from` received from it.
    pub fn add(&mut self, pl: &Placement, to: u64, from: u64) {
        let s = &mut self.summary;
        s.by_zone.entry(pl.zone.name()).or_default().add(to, from);
        let jurisdiction = pl.provider.as_ref().and_then(|p| p.jurisdiction.clone());
        s.by_jurisdiction
            .entry(
                jurisdiction
                    .clone()
                    .unwrap_or_else(|| "unknown".to_string()),
            )
            .or_default()
            .add(to, from);
        if pl.leaves_home == Some(true)
            && let Some(v) = s.left_home.as_mut()
        {
            v.add(to, from);
        }
        if pl.leaves_eu_eea == Some(true) {
            s.left_eu_eea.add(to, from);
        }
        if pl.foreign_control == Some(true) {
            s.non_eu_control.add(to, from);
        }
        if pl.provider.as_ref().is_some_and(|p| p.cloud_act()) {
            s.cloud_act.add(to, from);
        }
        if pl.country.is_none() && pl.special.is_none() {
            s.unplaced.add(to, from);
        }
        if let Some(p) = &pl.provider {
            let name = p
                .name
                .clone()
                .or_else(|| pl.asn.map(|a| format!("AS{a}")))
                .unwrap_or_else(|| "(unnamed)".to_string());
            self.providers
                .entry((name, jurisdiction, p.fallback()))
                .or_default()
                .add(to, from);
        }
    }

    /// An address written out whose databases disagree on its country.
    pub fn disputed(&mut self) {
        self.summary.disputed_destinations += 1;
    }

    pub fn finish(self) -> PlacementSummary {
        let mut s = self.summary;
        let mut providers: Vec<ProviderVolume> = self
            .providers
            .into_iter()
            .map(|((name, jurisdiction, fallback), volume)| ProviderVolume {
                name,
                jurisdiction,
                fallback,
                volume,
            })
            .collect();
        providers.sort_by(|a, b| {
            let total = |p: &ProviderVolume| p.volume.bytes_to + p.volume.bytes_from;
            total(b).cmp(&total(a)).then_with(|| a.name.cmp(&b.name))
        });
        s.by_provider = providers;
        s
    }
}
