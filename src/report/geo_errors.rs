//! `summary.geo_errors`: the `--geo` databases whose reader could not decode the record (or
//! the search-tree node) an address led to. Such an address is placed by the other databases
//! and says so itself (`addresses[].geo.errors`); the run is incomplete (`geo-record-errors`)
//! because what the broken database would have answered is unknown, not "no record".
//! Tallied from the addresses written out, so it covers exactly this report's addresses.

use super::model::AddressReport;
use super::place_model::{GeoErrorsReport, RecordErrorReport};
use std::collections::BTreeMap;
use std::net::IpAddr;

/// Failed lookups listed per database, beside the count: the lowest addresses, so the list
/// does not depend on the order addresses are written out. A few name the fault; the count
/// says how far it reaches.
pub const MAX_GEO_ERRORS_KEPT: usize = 8;

/// Failed lookups kept, with the address parsed for ordering.
type Kept = Vec<(Option<IpAddr>, RecordErrorReport)>;

#[derive(Clone, Debug, Default)]
pub struct GeoErrorTotals {
    /// Per database name: address entries with an error, and the first by address.
    by_db: BTreeMap<String, (u64, Kept)>,
}

impl GeoErrorTotals {
    /// One address written out.
    pub fn address(&mut self, a: &AddressReport) {
        for e in &a.geo.errors {
            let (count, first) = self.by_db.entry(e.db.clone()).or_default();
            *count += 1;
            let ip: Option<IpAddr> = a.ip.parse().ok();
            if first.iter().any(|(_, r)| r.ip == a.ip) {
                continue;
            }
            first.push((
                ip,
                RecordErrorReport {
                    ip: a.ip.clone(),
                    record: e.record,
                    error: e.error.clone(),
                },
            ));
            first.sort_by(|x, y| (x.0, &x.1.ip).cmp(&(y.0, &y.1.ip)));
            first.truncate(MAX_GEO_ERRORS_KEPT);
        }
    }

    pub fn any(&self) -> bool {
        !self.by_db.is_empty()
    }

    pub fn finish(self) -> Vec<GeoErrorsReport> {
        self.by_db
            .into_iter()
            .map(|(db, (addresses, first))| GeoErrorsReport {
                db,
                addresses,
                first: first.into_iter().map(|(_, r)| r).collect(),
            })
            .collect()
    }
}
