//! residency: where does the data of a capture go?
//!
//! The library follows the data, one stage per folder, and streams: a flow leaves memory when
//! it ends, and every table is bounded (see docs/architecture.md).
//!
//! `source` (capture files) → `decode` (link, IP, tunnels, transport) → `flow` (bidirectional
//! flow table, fragments; flows leave it as they end) → `names` (DNS, TLS, QUIC, HTTP, STUN, on
//! each flow's first packets) and `rtt` (round-trip samples) → `services` (the catalog) →
//! `place` (geo databases, providers, legal zones; `place::addresses`, the bounded per-address
//! table; `place::physics`, what round trips prove) → `report` (the JSON contract
//! `residency.report/2` written as the run goes, per-flow NDJSON records in ECS names, the
//! summary, the terminal). `analyze` wires the stages: each ended flow goes to the outputs
//! (`analyze::Sink`) as it ends. `output` gets the outputs to their place whole (temporary file
//! and rename, inputs never overwritten, SIGINT/SIGTERM). `bounded` is the one eviction helper
//! of every bounded table; `wire` the one way every parser reads untrusted bytes (a checked
//! cursor and checked fixed-offset reads). `diff` compares two finished reports (`residency
//! diff`); `user_file` reads the user's catalogs and policies (bounded, short TOML errors). Nothing here needs libpcap.
#![forbid(unsafe_code)]

pub mod analyze;
pub mod bounded;
pub mod decode;
pub mod diff;
pub mod digest;
pub mod flow;
pub mod merge;
pub mod names;
pub mod output;
pub mod place;
pub mod policy;
pub mod report;
pub mod rtt;
pub mod services;
pub mod source;
pub mod timestamp;
pub mod user_file;
pub mod wire;
