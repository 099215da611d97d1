//! One country's shape on the unit sphere, indexed for distance and containment queries.
//!
//! Rings are closed polylines of great-circle arcs. Their edges are grouped into leaves of a few
//! consecutive edges, and the leaves into a binary tree of bounding caps, so a query skips every
//! group of edges whose cap is farther than the best distance found so far.
//!
//! Inside means: inside an odd number of rings (outer rings and holes alike), where a ring's
//! inside is the side that fits in its bounding cap (every ring is smaller than a hemisphere;
//! `Shape::new` refuses others). Containment casts a great-circle ray from the point to a point
//! known to be outside every ring and counts the edges it crosses.

use super::sphere::{Cap, V3, arc_arc, point_arc};
use std::f64::consts::PI;

/// Edges per leaf: small enough that a leaf's cap is tight, large enough that the tree stays
/// shallow (about 100,000 edges in all make some 15,000 leaves).
const LEAF_EDGES: usize = 8;

/// Candidate ray targets: this many points spread evenly over the sphere (a Fibonacci lattice);
/// those outside every ring's cap are kept. 64 leave neighbours within about 30° of any point.
const RAY_CANDIDATES: usize = 64;

/// A shape must keep at least this many ray targets, so that some target is always well away
/// from the antipode of a query point (a ray to a near-antipode has no stable direction).
pub(super) const MIN_RAY_TARGETS: usize = 16;

/// A ray target nearer than this to a query point's antipode (cosine of 170°) is not used.
const MAX_RAY_COS: f64 = -0.984_807_753;

#[derive(Debug)]
enum Node {
    /// Edges `start..end`: edge i runs from points[i] to points[i + 1].
    Leaf {
        cap: Cap,
        start: usize,
        end: usize,
    },
    Inner {
        cap: Cap,
        left: usize,
        right: usize,
    },
}

impl Node {
    fn cap(&self) -> &Cap {
        match self {
            Node::Leaf { cap, .. } | Node::Inner { cap, .. } => cap,
        }
    }
}

/// Why a shape cannot be indexed.
#[derive(Debug, PartialEq)]
pub(super) enum ShapeError {
    /// A ring does not fit in a cap smaller than a hemisphere, so its inside is ambiguous.
    RingTooLarge(usize),
    /// Too few points are outside every ring to cast containment rays from.
    NoRayTargets,
    /// No rings.
    Empty,
}

/// An indexed country shape.
#[derive(Debug)]
pub(super) struct Shape {
    /// Every ring's vertices, one ring after the other, each ring closed (last = first).
    points: Vec<V3>,
    /// The index of each ring's first vertex.
    ring_starts: Vec<usize>,
    nodes: Vec<Node>,
    root: usize,
    /// Points outside every ring, targets for containment rays.
    ray_targets: Vec<V3>,
}

impl Shape {
    /// Indexes rings of (lat, lon) in degrees; each ring closed, with at least 2 points.
    pub fn new(rings: &[Vec<(f64, f64)>]) -> Result<Shape, ShapeError> {
        let mut points = Vec::new();
        let mut ring_starts = Vec::new();
        let mut ring_caps = Vec::new();
        let mut leaves = Vec::new();
        for (i, ring) in rings.iter().enumerate() {
            let start = points.len();
            ring_starts.push(start);
            points.extend(ring.iter().map(|&(lat, lon)| V3::from_lat_lon(lat, lon)));
            let cap = Cap::around(&points[start..]);
            if cap.radius >= PI {
                return Err(ShapeError::RingTooLarge(i));
            }
            ring_caps.push(cap);
            let last_edge = points.len() - 1;
            let mut s = start;
            while s < last_edge {
                let e = (s + LEAF_EDGES).min(last_edge);
                leaves.push(Node::Leaf {
                    cap: Cap::around(&points[s..=e]),
                    start: s,
                    end: e,
                });
                s = e;
            }
        }
        if leaves.is_empty() {
            return Err(ShapeError::Empty);
        }
        let ray_targets: Vec<V3> = fibonacci(RAY_CANDIDATES)
            .filter(|&q| ring_caps.iter().all(|c| c.gap_to_point(q) > 0.0))
            .collect();
        if ray_targets.len() < MIN_RAY_TARGETS {
            return Err(ShapeError::NoRayTargets);
        }
        let mut nodes = Vec::with_capacity(leaves.len() * 2);
        let root = build(&mut leaves, &mut nodes);
        Ok(Shape {
            points,
            ring_starts,
            nodes,
            root,
            ray_targets,
        })
    }

    /// The vertices of every ring.
    pub fn vertices(&self) -> &[V3] {
        &self.points
    }

    /// The shape's bounding cap.
    pub fn cap(&self) -> &Cap {
        self.nodes[self.root].cap()
    }

    /// Whether `p` is inside the shape.
    pub fn contains(&self, p: V3) -> bool {
        if !self.cap().contains(p) {
            return false;
        }
        let best = self
            .ray_targets
            .iter()
            .copied()
            .max_by(|a, b| p.dot(*a).total_cmp(&p.dot(*b)));
        match best.filter(|q| p.dot(*q) > MAX_RAY_COS) {
            Some(q) => self.ray_parity(p, q),
            // Cannot happen with MIN_RAY_TARGETS spread targets; inside is the answer that
            // never overstates a distance.
            None => true,
        }
    }

    /// The ray targets (points outside every ring), for tests.
    #[cfg(test)]
    pub fn ray_targets(&self) -> &[V3] {
        &self.ray_targets
    }

    /// Whether the ray from `p` to `q` (a point outside every ring, not antipodal to `p`)
    /// crosses the boundary an odd number of times.
    pub fn ray_parity(&self, p: V3, q: V3) -> bool {
        let pq = p.cross(q);
        let mut crossings = 0usize;
        let mut stack = vec![self.root];
        while let Some(n) = stack.pop() {
            match &self.nodes[n] {
                Node::Inner { cap, left, right } => {
                    if cap.meets_arc(p, q) {
                        stack.extend([*left, *right]);
                    }
                }
                Node::Leaf { cap, start, end } => {
                    if cap.meets_arc(p, q) {
                        let edges = self.points[*start..=*end].windows(2);
                        crossings += edges.filter(|e| ray_crosses(p, q, pq, e[0], e[1])).count();
                    }
                }
            }
        }
        crossings % 2 == 1
    }

    /// The angular distance from `p` to the shape's boundary, if less than `limit`; else a value
    /// of at least `limit`. (Containment is the caller's.)
    pub fn boundary_distance(&self, p: V3, limit: f64) -> f64 {
        let mut best = limit;
        let mut stack = vec![self.root];
        while let Some(n) = stack.pop() {
            let node = &self.nodes[n];
            if node.cap().gap_to_point(p) >= best {
                continue;
            }
            match node {
                Node::Inner { left, right, .. } => {
                    let (l, r) = (&self.nodes[*left], &self.nodes[*right]);
                    // Nearer child last, so it is searched first.
                    if l.cap().gap_to_point(p) < r.cap().gap_to_point(p) {
                        stack.extend([*right, *left]);
                    } else {
                        stack.extend([*left, *right]);
                    }
                }
                Node::Leaf { start, end, .. } => {
                    for e in self.points[*start..=*end].windows(2) {
                        best = best.min(point_arc(p, e[0], e[1]));
                    }
                }
            }
        }
        best
    }

    /// The angular distance between this shape and `other`: 0 when they touch or overlap, if less
    /// than `limit`; else a value of at least `limit`. The search stops early at the first
    /// distance found at or below `enough`, and returns that (0 asks for the exact distance).
    pub fn distance(&self, other: &Shape, limit: f64, enough: f64) -> f64 {
        if self.cap().gap_to_cap(other.cap()) >= limit {
            return limit;
        }
        let best = self.boundary_gap(other, limit, enough);
        if best <= enough {
            return best;
        }
        // Boundaries that do not meet: the shapes overlap only if a whole ring of one lies
        // inside the other, and then so does that ring's first vertex.
        let inside = |a: &Shape, b: &Shape| a.ring_starts.iter().any(|&i| b.contains(a.points[i]));
        if inside(self, other) || inside(other, self) {
            0.0
        } else {
            best
        }
    }

    /// The smallest distance between an edge of this shape and an edge of `other`, below `limit`.
    /// (Stops at the first at or below `enough`.)
    fn boundary_gap(&self, other: &Shape, limit: f64, enough: f64) -> f64 {
        let mut best = limit;
        let mut stack = vec![(self.root, other.root)];
        while let Some((a, b)) = stack.pop() {
            let (na, nb) = (&self.nodes[a], &other.nodes[b]);
            if na.cap().gap_to_cap(nb.cap()) >= best {
                continue;
            }
            let split_self = match (na, nb) {
                (
                    Node::Leaf {
                        start: sa, end: ea, ..
                    },
                    Node::Leaf {
                        start: sb, end: eb, ..
                    },
                ) => {
                    for e in self.points[*sa..=*ea].windows(2) {
                        for f in other.points[*sb..=*eb].windows(2) {
                            best = best.min(arc_arc(e[0], e[1], f[0], f[1]));
                        }
                    }
                    if best <= enough {
                        return best;
                    }
                    continue;
                }
                (Node::Inner { .. }, Node::Leaf { .. }) => true,
                (Node::Leaf { .. }, Node::Inner { .. }) => false,
                // Split the larger of two inner nodes.
                (Node::Inner { cap, .. }, Node::Inner { cap: other_cap, .. }) => {
                    cap.radius >= other_cap.radius
                }
            };
            match (split_self, na, nb) {
                (true, Node::Inner { left, right, .. }, _) => {
                    push_nearer_last(&mut stack, [(*left, b), (*right, b)], |(x, _)| {
                        self.nodes[x].cap().gap_to_cap(nb.cap())
                    });
                }
                (false, _, Node::Inner { left, right, .. }) => {
                    push_nearer_last(&mut stack, [(a, *left), (a, *right)], |(_, y)| {
                        na.cap().gap_to_cap(other.nodes[y].cap())
                    });
                }
                _ => {}
            }
        }
        best
    }
}

/// Pushes two pairs so that the one with the smaller gap is popped first.
fn push_nearer_last(
    stack: &mut Vec<(usize, usize)>,
    pairs: [(usize, usize); 2],
    gap: impl Fn((usize, usize)) -> f64,
) {
    let [x, y] = pairs;
    if gap(x) < gap(y) {
        stack.extend([y, x]);
    } else {
        stack.extend([x, y]);
    }
}

/// Builds a subtree over `leaves` (moved into `nodes`): split at the median of the leaf centres
/// along their widest axis. Returns the subtree's root.
fn build(leaves: &mut [Node], nodes: &mut Vec<Node>) -> usize {
    if leaves.len() == 1 {
        let leaf = std::mem::replace(
            &mut leaves[0],
            Node::Inner {
                cap: Cap::ALL,
                left: 0,
                right: 0,
            },
        );
        nodes.push(leaf);
        return nodes.len() - 1;
    }
    let centers = leaves.iter().map(|l| l.cap().center);
    let (mut lo, mut hi) = ([f64::MAX; 3], [f64::MIN; 3]);
    for c in centers {
        for (k, v) in [c.x, c.y, c.z].into_iter().enumerate() {
            lo[k] = lo[k].min(v);
            hi[k] = hi[k].max(v);
        }
    }
    let axis = (0..3)
        .max_by(|&i, &j| (hi[i] - lo[i]).total_cmp(&(hi[j] - lo[j])))
        .unwrap_or(0);
    let key = |n: &Node| {
        let c = n.cap().center;
        [c.x, c.y, c.z][axis]
    };
    let mid = leaves.len() / 2;
    leaves.select_nth_unstable_by(mid, |a, b| key(a).total_cmp(&key(b)));
    let (l, r) = leaves.split_at_mut(mid);
    let left = build(l, nodes);
    let right = build(r, nodes);
    let cap = Cap::covering(&[*nodes[left].cap(), *nodes[right].cap()]);
    nodes.push(Node::Inner { cap, left, right });
    nodes.len() - 1
}

/// Whether the ray p→q crosses the edge c–d (see `sphere::arcs_cross`). A vertex exactly on the
/// ray's great circle counts as lying on its positive side, for both edges that share it, so a
/// ray through a vertex is counted once, or not at all, but never half.
fn ray_crosses(p: V3, q: V3, pq: V3, c: V3, d: V3) -> bool {
    let (sc, sd) = (pq.dot(c) >= 0.0, pq.dot(d) >= 0.0);
    if sc == sd {
        return false;
    }
    let cd = c.cross(d);
    let acb = if sc { -1.0 } else { 1.0 };
    acb * -cd.dot(q) > 0.0 && acb * cd.dot(p) > 0.0
}

/// `n` points spread evenly over the unit sphere.
fn fibonacci(n: usize) -> impl Iterator<Item = V3> {
    let golden = PI * (3.0 - 5f64.sqrt());
    (0..n).map(move |i| {
        let z = 1.0 - (2 * i + 1) as f64 / n as f64;
        let r = (1.0 - z * z).sqrt();
        let t = golden * i as f64;
        V3 {
            x: r * t.cos(),
            y: r * t.sin(),
            z,
        }
    })
}

/// The angular distance from `p` to the shape: 0 inside.
pub(super) fn point_distance(shape: &Shape, p: V3, limit: f64) -> f64 {
    if shape.contains(p) {
        0.0
    } else {
        shape.boundary_distance(p, limit)
    }
}
