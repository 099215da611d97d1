//! Order statistics of a few timings, and the rotation of the interleaved rounds. Written by
//! hand: a median of five numbers does not need a statistics crate.

/// The median (mean of the middle two for an even count); NaN for none.
pub fn median(xs: &[f64]) -> f64 {
    let mut v: Vec<f64> = xs.to_vec();
    v.sort_by(f64::total_cmp);
    match v.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => v[n / 2],
        n => (v[n / 2 - 1] + v[n / 2]) / 2.0,
    }
}

pub fn min(xs: &[f64]) -> f64 {
    xs.iter()
        .copied()
        .min_by(f64::total_cmp)
        .unwrap_or(f64::NAN)
}

pub fn max(xs: &[f64]) -> f64 {
    xs.iter()
        .copied()
        .max_by(f64::total_cmp)
        .unwrap_or(f64::NAN)
}

pub fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

/// The order of `n` tools in round `round`: 0..n rotated left by `round`, so each tool runs
/// first in one round of every n, and right after each other tool as often as any.
pub fn rotated(n: usize, round: usize) -> Vec<usize> {
    (0..n).map(|i| (i + round) % n.max(1)).collect()
}

pub fn self_check() {
    assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
    assert_eq!(median(&[4.0, 1.0, 3.0, 2.0]), 2.5);
    assert!(median(&[]).is_nan());
    assert_eq!((min(&[2.0, 0.5, 1.0]), max(&[2.0, 0.5, 1.0])), (0.5, 2.0));
    assert_eq!(rotated(3, 0), [0, 1, 2]);
    assert_eq!(rotated(3, 1), [1, 2, 0]);
    assert_eq!(rotated(3, 4), [1, 2, 0]);
    assert_eq!(round3(1.23456), 1.235);
}
