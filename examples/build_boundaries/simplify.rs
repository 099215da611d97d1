//! Douglas–Peucker simplification of one arc on the sphere.

use super::{Grid, Transform};

type V = [f64; 3];

fn unit(tf: Transform, p: Grid) -> V {
    let (lat, lon) = tf.degrees(p);
    let (lat, lon) = (lat.to_radians(), lon.to_radians());
    [lat.cos() * lon.cos(), lat.cos() * lon.sin(), lat.sin()]
}

fn cross(a: V, b: V) -> V {
    [
        a[1] * b[2] - a[2] * b[1],
        a[2] * b[0] - a[0] * b[2],
        a[0] * b[1] - a[1] * b[0],
    ]
}

fn dot(a: V, b: V) -> f64 {
    a[0] * b[0] + a[1] * b[1] + a[2] * b[2]
}

fn angle(a: V, b: V) -> f64 {
    dot(cross(a, b), cross(a, b)).sqrt().atan2(dot(a, b))
}

/// The angle from `p` to the shorter great-circle arc a–b (written independently of residency's
/// reader, which the measurement then checks against).
fn to_arc(p: V, a: V, b: V) -> f64 {
    let n = cross(a, b);
    let nn = dot(n, n).sqrt();
    if nn > 1e-15 && dot(cross(a, p), n) >= 0.0 && dot(cross(p, b), n) >= 0.0 {
        let s = (dot(p, n) / nn).abs();
        return s.min(1.0).asin();
    }
    angle(p, a).min(angle(p, b))
}

/// The arc with the vertices kept by Douglas–Peucker at `eps` radians; the ends are always kept,
/// and a closed arc (an island) keeps its vertex farthest from the start, and a third one.
pub fn arc(points: &[Grid], tf: Transform, eps: f64) -> Vec<Grid> {
    let n = points.len();
    if n <= 2 {
        return points.to_vec();
    }
    let v: Vec<V> = points.iter().map(|&p| unit(tf, p)).collect();
    let mut keep = vec![false; n];
    keep[0] = true;
    keep[n - 1] = true;
    let mut stack = Vec::new();
    if points[0] == points[n - 1] {
        let far = (1..n - 1).max_by(|&i, &j| angle(v[0], v[i]).total_cmp(&angle(v[0], v[j])));
        let far = far.unwrap_or(1);
        keep[far] = true;
        stack.extend([(0, far), (far, n - 1)]);
    } else {
        stack.push((0, n - 1));
    }
    while let Some((i, j)) = stack.pop() {
        if j <= i + 1 {
            continue;
        }
        let (mut worst, mut at) = (-1.0, i + 1);
        for (m, &p) in v.iter().enumerate().take(j).skip(i + 1) {
            let d = to_arc(p, v[i], v[j]);
            if d > worst {
                (worst, at) = (d, m);
            }
        }
        if worst > eps {
            keep[at] = true;
            stack.extend([(i, at), (at, j)]);
        }
    }
    // A closed arc (an island, or an enclave such as the Vatican) keeps at least a triangle, so
    // that it keeps an inside.
    if points[0] == points[n - 1] && keep.iter().filter(|k| **k).count() < 4 {
        let far = (1..n - 1).find(|&i| keep[i]).unwrap_or(1);
        let third = (1..n - 1)
            .filter(|&i| i != far)
            .max_by(|&i, &j| to_arc(v[i], v[0], v[far]).total_cmp(&to_arc(v[j], v[0], v[far])));
        if let Some(t) = third {
            keep[t] = true;
        }
    }
    points
        .iter()
        .zip(keep)
        .filter(|(_, k)| *k)
        .map(|(&p, _)| p)
        .collect()
}
