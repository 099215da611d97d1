//! The report: one set of serde types that is the JSON contract (`model`); the records of
//! flows and inputs (`record`); the summary, added up as flows end (`summary`); and writers
//! that only format: the streamed JSON report (`json`), per-flow NDJSON records in Elastic
//! Common Schema (`ecs`), the terminal summary (`terminal`).

pub mod answer;
mod answer_model;
pub mod ecs;
mod geo_errors;
pub mod html;
pub mod json;
mod lookup;
mod model;
mod names;
mod names_model;
#[cfg(feature = "parquet")]
pub mod parquet;
mod physics;
mod physics_model;
mod place;
mod place_model;
pub mod record;
pub mod summary;
mod terminal;
mod terminal_answer;
mod terminal_names;
mod terminal_physics;
mod terminal_place;
pub mod units;

pub use answer_model::*;
pub use lookup::{Lookup, LookupEntry, Query, write_lookup_json, write_lookup_table};
pub use model::*;
pub use names::{FlowNaming, MS_TURN_SERVICE, ServiceTotals, flow_naming};
pub use physics::ms;
pub use place::flow_placement;
pub use terminal::write_terminal;
