//! Computes `geo/distances.bin`: every country's distance to every other, from the embedded
//! boundaries (format: src/place/physics/geometry/distances.rs). Deterministic: the same
//! boundaries give the same bytes. Run by `geo/build-distances` after the boundaries change
//! (a unit test fails until it is).
//!
//! usage: build_distances OUT.bin

use residency::place::physics::geometry::{Geometry, Region, distances};
use std::time::Instant;

type Error = Box<dyn std::error::Error>;

fn main() -> Result<(), Error> {
    let out = std::env::args()
        .nth(1)
        .ok_or("usage: build_distances OUT.bin")?;
    let geometry = Geometry::embedded();
    let hex = residency::digest::embedded_sha256("geo/boundaries.bin")
        .ok_or("no build-time hash of geo/boundaries.bin")?;
    let boundaries = distances::unhex(hex).ok_or("bad hash")?;
    let n = geometry.len();
    let started = Instant::now();
    // Rows are independent: one thread per core, each taking every k-th row.
    let threads = std::thread::available_parallelism().map_or(1, |p| p.get());
    let mut rows: Vec<Vec<Option<f64>>> = vec![Vec::new(); n];
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                s.spawn(move || {
                    (t..n)
                        .step_by(threads)
                        .map(|i| {
                            let from = Region::Country(geometry.code_at(i).unwrap_or("").into());
                            let row = (0..n)
                                .map(|j| geometry.distance_km(&from, geometry.code_at(j)?))
                                .collect();
                            (i, row)
                        })
                        .collect::<Vec<(usize, Vec<Option<f64>>)>>()
                })
            })
            .collect();
        for h in handles {
            for (i, row) in h.join().unwrap_or_default() {
                rows[i] = row;
            }
        }
    });
    let bytes = distances::write(geometry, &boundaries, |i, j| rows[i][j]);
    let tmp = format!("{out}.tmp");
    std::fs::write(&tmp, &bytes)?;
    std::fs::rename(&tmp, &out)?;
    println!(
        "{out}: {n} countries, {} bytes, {:.1} s on {threads} threads",
        bytes.len(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
