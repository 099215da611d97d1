//! Services: a dated catalog of who runs which names and addresses, and its matcher.
//!
//! The catalog is data kept in the repository, `geo/services.toml`: every entry names a service
//! (Microsoft Teams, Zoom media, ...), its provider (a `name` of `geo/providers.toml`), a
//! category, and the source and date of the facts behind it. `catalog.rs` turns the TOML into
//! validated tables; `names.rs`, `ranges.rs` and `ports.rs` hold the three kinds of rule.
//!
//! A flow is classified once, by the first kind of rule that matches, in this order:
//!
//! 1. **Name** (TLS/QUIC SNI, DNS answer, HTTP Host). `a.b.c` matches that name only;
//!    `*.b.c` matches any name with at least one more label (`x.b.c`, `x.y.b.c`) but not `b.c`
//!    itself (Microsoft lists both forms separately). Case and one trailing dot are ignored. The
//!    most specific rule wins: the exact name, else the wildcard with the longest suffix. A
//!    pattern listed twice is refused at load, so no two rules can tie. A name that is an IP
//!    literal (some clients send one as SNI) is not looked up as a name.
//! 2. **Range** (server address, with optional protocol and server ports). The longest prefix
//!    wins; among rules with the same prefix, one with ports beats one without, then one with a
//!    protocol beats one without. Rules that could tie are refused at load. An IPv4-mapped IPv6
//!    address is looked up as IPv4. (So `52.112.0.0/14 tcp/443`, Teams media over TCP, beats
//!    `52.112.0.0/14`, Teams signalling, for a flow that no name rule claimed.)
//! 3. **Port** (protocol and server port): heuristics with no provider.
//!
//! Lookups cost a bounded number of hash probes: at most one per label of the name (a name is
//! at most [`names::MAX_NAME_LEN`] bytes and is lowered into a stack buffer, no allocation),
//! one per distinct prefix length of the address family, and a scan of the few port rules.
#![deny(
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::unreachable,
    clippy::todo,
    clippy::unimplemented
)]

mod catalog;
pub mod names;
pub mod ports;
pub mod ranges;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_load;

use std::net::IpAddr;

pub use catalog::MAX_RULES;

/// The catalog shipped in the binary.
pub const SERVICES_TOML: &str = include_str!("../../geo/services.toml");

/// Where the shipped catalog lives in the repository (reported with its hash).
pub const SERVICES_PATH: &str = "geo/services.toml";

/// What kind of traffic a service carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Category {
    Media,
    Signalling,
    Telemetry,
    Auth,
    Web,
    Storage,
    Cdn,
    Other,
}

impl Category {
    /// Every category, in report order.
    pub const ALL: [Category; 8] = [
        Category::Media,
        Category::Signalling,
        Category::Telemetry,
        Category::Auth,
        Category::Web,
        Category::Storage,
        Category::Cdn,
        Category::Other,
    ];

    /// The name used in the catalog and the report.
    pub fn name(self) -> &'static str {
        match self {
            Category::Media => "media",
            Category::Signalling => "signalling",
            Category::Telemetry => "telemetry",
            Category::Auth => "auth",
            Category::Web => "web",
            Category::Storage => "storage",
            Category::Cdn => "cdn",
            Category::Other => "other",
        }
    }

    /// The category of a catalog name, if it is one.
    pub fn parse(name: &str) -> Option<Category> {
        Category::ALL.into_iter().find(|c| c.name() == name)
    }
}

/// One catalog entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Service {
    pub id: String,
    pub name: String,
    /// A `name` of `geo/providers.toml`; `None` for port heuristics.
    pub provider: Option<String>,
    pub category: Category,
    pub source: String,
    /// `YYYY-MM-DD`: the date of the facts.
    pub date: String,
    pub note: Option<String>,
}

/// Which kind of rule matched.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RuleKind {
    Name,
    Range,
    Port,
}

impl RuleKind {
    pub fn name(self) -> &'static str {
        match self {
            RuleKind::Name => "name",
            RuleKind::Range => "range",
            RuleKind::Port => "port",
        }
    }
}

/// What is known of a flow when it is classified.
#[derive(Clone, Copy, Debug)]
pub struct Query<'a> {
    /// The best name of the server (SNI, DNS, Host), if any.
    pub name: Option<&'a str>,
    pub server: IpAddr,
    /// IP protocol number: 6 TCP, 17 UDP.
    pub protocol: u8,
    pub server_port: Option<u16>,
}

/// The service of a flow and the rule that said so.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServiceMatch<'a> {
    pub service: &'a Service,
    pub kind: RuleKind,
    /// e.g. "name:*.events.data.microsoft.com", "range:52.112.0.0/14 udp/3478-3481",
    /// "port:udp/3478-3481"
    pub rule: String,
}

/// What the report says about the catalog it used.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CatalogInfo {
    /// "geo/services.toml" for the embedded catalog (where it lives in the repository), else
    /// the path it was read from (`--services`).
    pub path: String,
    /// The catalog's curated date (`catalog_date`).
    pub date: String,
    /// SHA-256 of the catalog text, lower-case hex.
    pub sha256: String,
    pub services: usize,
    pub name_rules: usize,
    pub range_rules: usize,
    pub port_rules: usize,
}

/// Largest catalog file read: the shipped one is about 50 KB; `MAX_RULES` rules fit well
/// within this.
pub const MAX_CATALOG_FILE: u64 = 16 << 20;

/// Why a catalog was refused; names the entry and field at fault.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CatalogError {
    #[error("cannot read the service catalog: {0}")]
    Read(String),
    #[error("service catalog: {0}")]
    Toml(String),
    #[error("service catalog: catalog_date: {0}")]
    CatalogDate(String),
    #[error("service catalog: service {service:?}: {field}: {reason}")]
    Field {
        service: String,
        field: &'static str,
        reason: String,
    },
    #[error("service catalog: service id {0:?} is listed twice")]
    DuplicateId(String),
    #[error("service catalog: name {pattern:?} is listed by both {first:?} and {second:?}")]
    DuplicateName {
        pattern: String,
        first: String,
        second: String,
    },
    #[error(
        "geo/services.toml: {rule:?} of {second:?} can match the same flows as a rule of {first:?} with the same precedence"
    )]
    AmbiguousRange {
        rule: String,
        first: String,
        second: String,
    },
    #[error(
        "geo/services.toml: {rule:?} of {second:?} shares a port with a port rule of {first:?}"
    )]
    AmbiguousPort {
        rule: String,
        first: String,
        second: String,
    },
    #[error("service catalog: more than {max} rules", max = MAX_RULES)]
    TooManyRules,
}

/// The validated catalog and its lookup tables.
#[derive(Debug)]
pub struct Catalog {
    services: Vec<Service>,
    names: names::NameTable,
    ranges: ranges::RangeTable,
    ports: ports::PortTable,
    info: CatalogInfo,
}

impl Catalog {
    /// The catalog shipped in the binary (include_str!("../../geo/services.toml")).
    pub fn embedded() -> Result<Catalog, CatalogError> {
        Catalog::from_toml(SERVICES_TOML)
    }

    /// Parses and validates a catalog; see `geo/services.toml` for the format.
    pub fn from_toml(text: &str) -> Result<Catalog, CatalogError> {
        catalog::load(text)
    }

    /// A catalog file of the user's (`--services`): the same format and checks as the
    /// embedded one; the report names it by `path`.
    pub fn from_file(path: &std::path::Path) -> Result<Catalog, CatalogError> {
        let text =
            crate::user_file::read_text(path, MAX_CATALOG_FILE).map_err(CatalogError::Read)?;
        let mut catalog = catalog::load(&text)?;
        catalog.info.path = path.display().to_string();
        Ok(catalog)
    }

    pub fn info(&self) -> &CatalogInfo {
        &self.info
    }

    /// Every entry, in file order.
    pub fn services(&self) -> &[Service] {
        &self.services
    }

    /// The service a name belongs to by the name rules alone (e.g. what a DNS query was about).
    pub fn classify_name(&self, name: &str) -> Option<ServiceMatch<'_>> {
        let found = self.names.find(name)?;
        Some(ServiceMatch {
            service: self.services.get(found.service)?,
            kind: RuleKind::Name,
            rule: found.label.to_owned(),
        })
    }

    /// Every range rule holding an address, with its service (longest prefix first): what
    /// `residency lookup` shows for an address, having no protocol or port to choose by.
    pub fn ranges_containing(&self, server: IpAddr) -> Vec<ServiceMatch<'_>> {
        self.ranges
            .containing(server)
            .into_iter()
            .filter_map(|found| {
                Some(ServiceMatch {
                    service: self.services.get(found.service)?,
                    kind: RuleKind::Range,
                    rule: found.label.to_owned(),
                })
            })
            .collect()
    }

    /// The service of a flow: by name, else by server address, else by server port.
    pub fn classify(&self, q: &Query<'_>) -> Option<ServiceMatch<'_>> {
        let (kind, found) = if let Some(found) = q.name.and_then(|n| self.names.find(n)) {
            (RuleKind::Name, found)
        } else if let Some(found) = self.ranges.find(q.server, q.protocol, q.server_port) {
            (RuleKind::Range, found)
        } else {
            (RuleKind::Port, self.ports.find(q.protocol, q.server_port?)?)
        };
        Some(ServiceMatch {
            service: self.services.get(found.service)?,
            kind,
            rule: found.label.to_owned(),
        })
    }
}

/// A rule found by one of the tables: the index of its service and its label.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Found<'a> {
    pub service: usize,
    pub label: &'a str,
}
