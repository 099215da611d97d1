//! Unit-sphere primitives: points as unit vectors, angular distances, the distance from a point
//! to a great-circle arc, arc crossings, and bounding caps. Angles are in radians.
//!
//! Arcs are the shorter great-circle arcs between their ends (always under 180° here: boundary
//! edges are at most a few hundred km long).

/// A point on the unit sphere.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct V3 {
    pub x: f64,
    pub y: f64,
    pub z: f64,
}

impl V3 {
    /// The unit vector of a latitude and longitude in degrees.
    pub fn from_lat_lon(lat: f64, lon: f64) -> V3 {
        let (lat, lon) = (lat.to_radians(), lon.to_radians());
        V3 {
            x: lat.cos() * lon.cos(),
            y: lat.cos() * lon.sin(),
            z: lat.sin(),
        }
    }

    pub fn dot(self, o: V3) -> f64 {
        self.x * o.x + self.y * o.y + self.z * o.z
    }

    pub fn cross(self, o: V3) -> V3 {
        V3 {
            x: self.y * o.z - self.z * o.y,
            y: self.z * o.x - self.x * o.z,
            z: self.x * o.y - self.y * o.x,
        }
    }

    pub fn add(self, o: V3) -> V3 {
        V3 {
            x: self.x + o.x,
            y: self.y + o.y,
            z: self.z + o.z,
        }
    }

    pub fn scale(self, k: f64) -> V3 {
        V3 {
            x: self.x * k,
            y: self.y * k,
            z: self.z * k,
        }
    }

    pub fn norm(self) -> f64 {
        self.dot(self).sqrt()
    }

    /// The vector scaled to length 1, or None for a (near) zero vector.
    pub fn unit(self) -> Option<V3> {
        let n = self.norm();
        (n > 1e-300).then(|| self.scale(1.0 / n))
    }
}

/// The angle between two unit vectors (the great-circle distance on the unit sphere). The
/// atan2 form stays accurate for tiny and for near-antipodal angles, where acos does not.
pub(super) fn angle(a: V3, b: V3) -> f64 {
    a.cross(b).norm().atan2(a.dot(b))
}

/// The angular distance from `p` to the great-circle arc from `a` to `b` (ends included).
pub(super) fn point_arc(p: V3, a: V3, b: V3) -> f64 {
    let n = a.cross(b);
    let nn = n.norm();
    // A zero-length arc (or one too short to have a stable plane) is its end points.
    if nn > 1e-15 {
        // p's projection on the arc's great circle falls between a and b exactly when p lies
        // on the inner side of the planes through the pole n and each end.
        if a.cross(p).dot(n) >= 0.0 && p.cross(b).dot(n) >= 0.0 {
            let off = p.dot(n) / nn; // sine of the distance to the great circle
            let along = (p.dot(p) - off * off).max(0.0).sqrt();
            return off.abs().atan2(along);
        }
    }
    angle(p, a).min(angle(p, b))
}

/// Whether the arcs a–b and c–d cross at a point interior to both. Touching at an end point or
/// running along each other is not a crossing (callers measure those as distance 0 anyway).
/// Both arcs cross exactly when the four triangles acb, bda, cbd and dac turn the same way.
pub(super) fn arcs_cross(a: V3, b: V3, c: V3, d: V3) -> bool {
    let ab = a.cross(b);
    let acb = -ab.dot(c);
    let bda = ab.dot(d);
    if acb * bda <= 0.0 {
        return false;
    }
    let cd = c.cross(d);
    let cbd = -cd.dot(b);
    let dac = cd.dot(a);
    acb * cbd > 0.0 && acb * dac > 0.0
}

/// The angular distance between the arcs a–b and c–d: 0 when they cross, else the smallest
/// distance from an end of one to the other (for arcs under 180° the closest points of two
/// disjoint arcs always include an end point).
pub(super) fn arc_arc(a: V3, b: V3, c: V3, d: V3) -> f64 {
    if arcs_cross(a, b, c, d) {
        return 0.0;
    }
    point_arc(a, c, d)
        .min(point_arc(b, c, d))
        .min(point_arc(c, a, b))
        .min(point_arc(d, a, b))
}

/// A spherical cap: every point within `radius` of `center`. Used to bound groups of boundary
/// edges, so that far-away groups are skipped without looking at their edges.
#[derive(Debug, Clone, Copy)]
pub(super) struct Cap {
    pub center: V3,
    pub radius: f64,
}

/// Added to every cap radius so that rounding in the angle computations never leaves a point
/// that belongs to a cap just outside it (1e-12 rad is 6 µm on Earth).
const CAP_SLACK: f64 = 1e-12;

/// Above this radius a cap built from vertices alone may not contain the arcs between them
/// (caps are convex only below a hemisphere); such caps are widened to the whole sphere.
const MAX_CONVEX_RADIUS: f64 = std::f64::consts::FRAC_PI_2 * 0.99;

impl Cap {
    /// The whole sphere.
    pub const ALL: Cap = Cap {
        center: V3 {
            x: 0.0,
            y: 0.0,
            z: 1.0,
        },
        radius: std::f64::consts::PI,
    };

    /// A cap around the vertices of a run of arcs, containing the arcs between them.
    pub fn around(points: &[V3]) -> Cap {
        let sum = points.iter().fold(
            V3 {
                x: 0.0,
                y: 0.0,
                z: 0.0,
            },
            |s, &p| s.add(p),
        );
        let Some(center) = sum.unit() else {
            return Cap::ALL;
        };
        let radius = points.iter().map(|&p| angle(center, p)).fold(0.0, f64::max) + CAP_SLACK;
        if radius < MAX_CONVEX_RADIUS {
            Cap { center, radius }
        } else {
            Cap::ALL
        }
    }

    /// A cap containing every one of `caps` (by the triangle inequality; not the smallest).
    pub fn covering(caps: &[Cap]) -> Cap {
        let sum = caps.iter().fold(
            V3 {
                x: 0.0,
                y: 0.0,
                z: 0.0,
            },
            |s, c| s.add(c.center),
        );
        let Some(center) = sum.unit() else {
            return Cap::ALL;
        };
        let radius = caps
            .iter()
            .map(|c| angle(center, c.center) + c.radius)
            .fold(0.0, f64::max)
            + CAP_SLACK;
        if radius < std::f64::consts::PI {
            Cap { center, radius }
        } else {
            Cap::ALL
        }
    }

    /// A lower bound of the distance from `p` to anything in the cap.
    pub fn gap_to_point(&self, p: V3) -> f64 {
        (angle(self.center, p) - self.radius).max(0.0)
    }

    /// A lower bound of the distance between anything in this cap and anything in `other`.
    pub fn gap_to_cap(&self, other: &Cap) -> f64 {
        (angle(self.center, other.center) - self.radius - other.radius).max(0.0)
    }

    /// Whether the arc a–b may pass through the cap.
    pub fn meets_arc(&self, a: V3, b: V3) -> bool {
        point_arc(self.center, a, b) <= self.radius
    }

    pub fn contains(&self, p: V3) -> bool {
        angle(self.center, p) <= self.radius
    }
}
