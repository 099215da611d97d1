//! Physics: what round-trip times prove about where a server can be.
//!
//! A reply cannot travel faster than light, so the fastest round trip measured at the capture
//! point (the vantage) bounds the distance to the endpoint that answered. Compared with the
//! shape of the country a geolocation database claims, that bound confirms the claim or
//! contradicts it; when every country within it is in the EU/EEA, the server is there whatever
//! the databases say. Rules and limits: docs/physics.md.
//!
//! Layout: `geometry` (country shapes, great-circle distances), `vantage` (where a capture was
//! taken: country, shipped city, or coordinates), `bounds` (round trip → distance), `judge`
//! (the verdict per address and vantage), `anycast` (known anycast ranges).

pub mod anycast;
pub mod bounds;
pub mod geometry;
pub mod judge;
pub mod vantage;

use anycast::AnycastTable;
use judge::Judge;
use vantage::Vantage;

#[derive(Debug, thiserror::Error)]
pub enum PhysicsError {
    #[error(
        "{vantages} --vantage values for {inputs} capture files: give one (for every file) or one per file, in the order of the files"
    )]
    VantageCount { vantages: usize, inputs: usize },
    #[error("a built-in table is invalid (this is a bug in residency): {0}")]
    Table(String),
}

/// The vantages of a run and the tables the physics uses.
pub struct Physics {
    /// One per distinct `--vantage` given (or the `--home` country).
    pub judges: Vec<Judge>,
    /// The judge of each input, by input index (all the same with one vantage).
    per_input: Vec<usize>,
    /// The vantage is the `--home` country because no `--vantage` was given.
    pub from_home: bool,
    pub anycast: AnycastTable,
}

impl Physics {
    /// `vantages` as given (none, one for all inputs, or one per input); without any, `home`
    /// is the vantage when given.
    pub fn new(
        vantages: Vec<Vantage>,
        inputs: usize,
        home: Option<&str>,
    ) -> Result<Physics, PhysicsError> {
        let anycast = AnycastTable::embedded().map_err(PhysicsError::Table)?;
        let (vantages, from_home) = match (vantages.is_empty(), home) {
            (true, Some(home)) => (vec![Vantage::Country(home.to_string())], true),
            _ => (vantages, false),
        };
        if vantages.len() > 1 && vantages.len() != inputs {
            return Err(PhysicsError::VantageCount {
                vantages: vantages.len(),
                inputs,
            });
        }
        // The same vantage given for several inputs is one judge: their samples pool.
        let mut judges: Vec<Judge> = Vec::new();
        let mut per_input = Vec::with_capacity(vantages.len());
        for v in vantages {
            let i = match judges.iter().position(|j| j.vantage == v) {
                Some(i) => i,
                None => {
                    judges.push(Judge::new(v));
                    judges.len() - 1
                }
            };
            per_input.push(i);
        }
        Ok(Physics {
            judges,
            per_input,
            from_home,
            anycast,
        })
    }

    /// The judge (index into `judges`) for packets of input `input`.
    pub fn vantage_of(&self, input: u32) -> Option<usize> {
        match self.per_input.as_slice() {
            [] => None,
            [one] => Some(*one),
            many => many.get(usize::try_from(input).ok()?).copied(),
        }
    }

    /// The inputs measured from judge `j`.
    pub fn inputs_of(&self, j: usize, inputs: usize) -> Vec<u32> {
        (0..inputs)
            .filter_map(|i| u32::try_from(i).ok())
            .filter(|&i| self.vantage_of(i) == Some(j))
            .collect()
    }
}
