//! Geo databases: the embedded defaults and the ones users bring (`--geo PATH`), all MaxMind DB
//! files, read through the `maxminddb` crate. Every lookup keeps what each database said, the
//! network it matched and the record's offset, so a verdict can be traced to the record.
#![deny(
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::unreachable,
    clippy::todo,
    clippy::unimplemented
)]

mod embedded;
mod layout;
mod record;

pub use embedded::{EMBEDDED, EmbeddedDb};
pub use layout::Layout;

use ipnet::IpNet;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::OnceLock;

/// A database's bytes: embedded in the binary, or read from a file. Kept beside the reader
/// (which has no accessor for them) to hash the file for the report.
#[derive(Clone)]
enum Bytes {
    Static(&'static [u8]),
    Shared(Arc<[u8]>),
}

impl AsRef<[u8]> for Bytes {
    fn as_ref(&self) -> &[u8] {
        match self {
            Bytes::Static(b) => b,
            Bytes::Shared(b) => b,
        }
    }
}

/// Largest `--geo` file loaded (into memory, whole). The largest commercial MaxMind databases
/// (GeoIP2 Enterprise, ISP) are a few hundred MB; this leaves room and stops `/dev/zero`-style
/// mistakes from taking the machine's memory.
pub const MAX_GEO_FILE: u64 = 4 << 30;

/// What a database's country answer means.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// Where the vendor believes the address is used (DB-IP, MaxMind, IPinfo).
    Geolocation,
    /// What the address holder declared: its own RFC 8805 geofeed, else its RIR registration
    /// (whois, ASN). Not where the server is, but where its holder says or is registered.
    Declared,
}

impl Role {
    pub fn name(self) -> &'static str {
        match self {
            Role::Geolocation => "geolocation",
            Role::Declared => "declared",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum GeoError {
    #[error("{}: cannot read the geo database: {error}", path.display())]
    Read {
        path: PathBuf,
        error: std::io::Error,
    },
    #[error("{}: {what}; --geo takes a MaxMind DB file (.mmdb)", path.display())]
    NotAFile { path: PathBuf, what: String },
    #[error(
        "{path}: not a MaxMind DB file ({error}); --geo takes .mmdb files from MaxMind (GeoLite2/GeoIP2 Country, City, ASN), IPinfo (Lite, Country, ASN) or DB-IP"
    )]
    NotMmdb {
        path: String,
        error: maxminddb::MaxMindDbError,
    },
    #[error("{path}: {detail}")]
    Layout { path: String, detail: String },
}

/// One open database.
pub struct GeoDb {
    /// Short name used in reports: the embedded database's name, or the file's `database_type`.
    pub name: String,
    /// `embedded` or the path given with `--geo`.
    pub origin: String,
    pub database_type: String,
    pub layout: Layout,
    pub role: Role,
    /// Build date (UTC) from the database's metadata, `YYYY-MM-DD`.
    pub build: String,
    pub build_epoch: u64,
    pub license: Option<&'static str>,
    pub attribution: Option<&'static str>,
    /// What an embedded database was built from (npm packages and versions).
    pub source: Option<&'static str>,
    reader: maxminddb::Reader<Bytes>,
    bytes: Bytes,
    sha256: OnceLock<String>,
}

/// A lookup that reached something the reader could not decode: a corrupt record (too deep,
/// too large, a pointer out of the file or into a loop, an unknown type) or a broken search
/// tree. Never read as "no record": the address's placement and the report say so.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordError {
    /// Index of the database in its [`GeoSet`].
    pub db: usize,
    pub ip: IpAddr,
    /// Offset of the record in the data section, when the search tree led to one (`None`: the
    /// search tree itself is broken there).
    pub record: Option<u64>,
    /// What the reader said.
    pub detail: String,
}

/// What every database says about one address: the answers, and the lookups that failed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GeoLookup {
    pub answers: Vec<Answer>,
    pub errors: Vec<RecordError>,
}

/// What one database says about one address.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Answer {
    /// Index of the database in its [`GeoSet`].
    pub db: usize,
    /// The network of the record that matched.
    pub network: IpNet,
    /// Offset of the record in the database's data section: with the file's SHA-256, it names
    /// the exact record that gave this answer.
    pub record: u64,
    pub country: Option<String>,
    /// A MaxMind-layout database's `registered_country` (also when it equals `country`: the
    /// provider fallback needs it; reports show it only when it differs).
    pub registered_country: Option<String>,
    pub asn: Option<u32>,
    pub as_org: Option<String>,
}

impl GeoDb {
    pub fn embedded(db: &EmbeddedDb) -> Result<GeoDb, GeoError> {
        let mut geo = GeoDb::from_bytes(Bytes::Static(db.bytes), db.file, "embedded")?;
        geo.name = db.name.to_string();
        geo.role = db.role;
        geo.license = Some(db.license);
        geo.attribution = Some(db.attribution);
        geo.source = Some(db.package);
        // Hashed at build time: hashing here would read every page of the database.
        if let Some(sha256) = crate::digest::embedded_sha256(db.file) {
            let _ = geo.sha256.set(sha256.to_string());
        }
        Ok(geo)
    }

    pub fn open(path: &Path) -> Result<GeoDb, GeoError> {
        use crate::user_file::{ReadError, read_bounded};
        let bytes = read_bounded(path, MAX_GEO_FILE).map_err(|e| match e {
            ReadError::Io(error) => GeoError::Read {
                path: path.to_path_buf(),
                error,
            },
            ReadError::Refused(what) => GeoError::NotAFile {
                path: path.to_path_buf(),
                what,
            },
        })?;
        GeoDb::from_user_bytes(bytes, &path.display().to_string())
    }

    /// A database given by the user (`--geo`), already read into memory: `shown` names it in
    /// errors and in the report. What [`GeoDb::open`] does after reading the file, and what the
    /// `geo` fuzz target feeds with arbitrary bytes.
    pub fn from_user_bytes(bytes: Vec<u8>, shown: &str) -> Result<GeoDb, GeoError> {
        GeoDb::from_bytes(Bytes::Shared(bytes.into()), shown, shown)
    }

    fn from_bytes(bytes: Bytes, shown: &str, origin: &str) -> Result<GeoDb, GeoError> {
        let reader =
            maxminddb::Reader::from_source(bytes.clone()).map_err(|error| GeoError::NotMmdb {
                path: shown.to_string(),
                error,
            })?;
        let layout = Layout::detect(&reader).map_err(|detail| GeoError::Layout {
            path: shown.to_string(),
            detail,
        })?;
        let meta = reader.metadata();
        Ok(GeoDb {
            name: meta.database_type.clone(),
            origin: origin.to_string(),
            database_type: meta.database_type.clone(),
            layout,
            role: Role::Geolocation,
            build: date_of(meta.build_epoch),
            build_epoch: meta.build_epoch,
            license: None,
            attribution: None,
            source: None,
            reader,
            bytes,
            sha256: OnceLock::new(),
        })
    }

    /// SHA-256 of the database file, computed on first use (the report needs it; lookups don't).
    pub fn sha256(&self) -> &str {
        self.sha256
            .get_or_init(|| crate::digest::sha256_hex(self.bytes.as_ref()))
    }

    pub fn size(&self) -> u64 {
        self.bytes.as_ref().len() as u64
    }

    pub fn provides_country(&self) -> bool {
        self.layout.country
    }

    pub fn provides_asn(&self) -> bool {
        self.layout.asn
    }

    /// What this database says about `ip`: `Ok(None)` when it has no record for it, an error
    /// when the search tree or the record it leads to cannot be decoded.
    pub fn lookup(&self, index: usize, ip: IpAddr) -> Result<Option<Answer>, RecordError> {
        match self.try_lookup(ip) {
            Ok(found) => Ok(found.map(|a| Answer { db: index, ..a })),
            Err((record, detail)) => Err(RecordError {
                db: index,
                ip,
                record,
                detail,
            }),
        }
    }

    fn try_lookup(&self, ip: IpAddr) -> Result<Option<Answer>, (Option<u64>, String)> {
        if ip.is_ipv6() && self.reader.metadata().ip_version == 4 {
            return Ok(None);
        }
        let result = self
            .reader
            .lookup(ip)
            .map_err(|e| (None, format!("search tree: {e}")))?;
        let Some(record) = result.offset() else {
            return Ok(None);
        };
        let offset = Some(record as u64);
        let Some(decoded) = result
            .decode::<record::Record>()
            .map_err(|e| (offset, e.to_string()))?
        else {
            return Ok(None);
        };
        let network = result
            .network()
            .map_err(|e| (offset, format!("network: {e}")))?;
        let network = IpNet::new(network.network(), network.prefix())
            .map_err(|e| (offset, format!("network: {e}")))?;
        let fields = decoded.fields;
        if fields.is_empty() {
            return Ok(None);
        }
        Ok(Some(Answer {
            db: 0,
            network,
            record: record as u64,
            country: fields.country,
            registered_country: fields.registered_country,
            asn: fields.asn,
            as_org: fields.as_org,
        }))
    }
}

/// `YYYY-MM-DD` (UTC) of a Unix time; out-of-range values print as the epoch.
fn date_of(epoch: u64) -> String {
    let at = i64::try_from(epoch)
        .ok()
        .and_then(|s| time::OffsetDateTime::from_unix_timestamp(s).ok())
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    let date = at.date();
    format!(
        "{:04}-{:02}-{:02}",
        date.year(),
        u8::from(date.month()),
        date.day()
    )
}

/// The databases consulted, in priority order: `--geo` files as given, then the embedded ones.
pub struct GeoSet {
    pub dbs: Vec<GeoDb>,
}

impl GeoSet {
    /// Opens the user's databases, then (unless `embedded` is false) the embedded ones.
    pub fn open(paths: &[PathBuf], embedded: bool) -> Result<GeoSet, GeoError> {
        let mut dbs = paths
            .iter()
            .map(|p| GeoDb::open(p))
            .collect::<Result<Vec<GeoDb>, GeoError>>()?;
        // Two builds of one product share a `database_type`: name those by their file too, so
        // `sources[].db` says which one answered.
        let names: Vec<String> = dbs.iter().map(|d| d.name.clone()).collect();
        for db in &mut dbs {
            if names.iter().filter(|n| **n == db.name).count() > 1 {
                db.name = format!("{} ({})", db.name, db.origin);
            }
        }
        if embedded {
            for db in &EMBEDDED {
                dbs.push(GeoDb::embedded(db)?);
            }
        }
        Ok(GeoSet { dbs })
    }

    /// Every database's answer for `ip`, in priority order, and every lookup that failed.
    pub fn lookup(&self, ip: IpAddr) -> GeoLookup {
        let mut out = GeoLookup::default();
        for (i, db) in self.dbs.iter().enumerate() {
            match db.lookup(i, ip) {
                Ok(Some(answer)) => out.answers.push(answer),
                Ok(None) => {}
                Err(error) => out.errors.push(error),
            }
        }
        out
    }
}
