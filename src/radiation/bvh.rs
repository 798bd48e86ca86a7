//! A bounding-volume hierarchy over flat elements and the closest-hit ray query.
//!
//! Axis-aligned boxes, split at the median centroid along the longest axis of the
//! centroids' box (a balanced tree, depth ≈ log₂(n / leaf size)); leaves hold at most
//! [`LEAF_SIZE`] elements. The ray–element tests are the plain plane intersections of
//! [`intersect`], used alike by the tree walk and by the brute-force reference in the tests.

use super::geometry::{Element, Vec3};

/// Most elements in a leaf: a ray–box test costs about as much as a ray–element test, so
/// small leaves keep the walk short without many box tests.
const LEAF_SIZE: usize = 2;

/// A ray hit: the element, the distance along the (unit) direction, and the side struck.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Hit {
    /// Element index.
    pub element: u32,
    /// Distance (m).
    pub t: f64,
    /// Whether the ray struck the element's front side (travelling against its normal).
    pub front: bool,
}

/// A flat element prepared for ray tests: plane point, normal, the edges scaled by their
/// inverse squared length (so the local coordinates are dot products), disc radius².
#[derive(Debug, Clone, Copy)]
struct Prim {
    anchor: Vec3,
    normal: Vec3,
    u_scaled: Vec3,
    v_scaled: Vec3,
    radius_sq: f64,
}

/// Ray–element intersection: the distance `t ∈ (t_min, t_max)` at which `origin + t·dir`
/// meets the element, with the side struck (the plain formula: plane distance, then the
/// local coordinates `a, b ∈ [0, 1]` of a rectangle or the radius of a disc).
fn intersect(p: &Prim, origin: &Vec3, dir: &Vec3, t_min: f64, t_max: f64) -> Option<(f64, bool)> {
    let denom = dir.dot(&p.normal);
    if denom == 0.0 {
        return None;
    }
    let t = (p.anchor - origin).dot(&p.normal) / denom;
    if !(t > t_min && t < t_max) {
        return None;
    }
    let d = origin + dir * t - p.anchor;
    let inside = if p.radius_sq > 0.0 {
        d.norm_squared() <= p.radius_sq
    } else {
        let a = d.dot(&p.u_scaled);
        let b = d.dot(&p.v_scaled);
        (0.0..=1.0).contains(&a) && (0.0..=1.0).contains(&b)
    };
    inside.then_some((t, denom < 0.0))
}

#[derive(Debug, Clone, Copy)]
struct Node {
    min: [f64; 3],
    max: [f64; 3],
    /// Leaf: first index into `order`; inner: index of the left child (right = left + 1).
    first: u32,
    /// Elements in a leaf; 0 for an inner node.
    count: u32,
}

/// The hierarchy.
#[derive(Debug, Clone)]
pub struct Bvh {
    nodes: Vec<Node>,
    order: Vec<u32>,
    prims: Vec<Prim>,
}

impl Bvh {
    /// Builds the tree over `elements` (at least one).
    pub fn new(elements: &[Element]) -> Self {
        let prims: Vec<Prim> = elements
            .iter()
            .map(|e| Prim {
                anchor: e.anchor_m,
                normal: e.normal,
                u_scaled: scaled(&e.edge_u_m),
                v_scaled: scaled(&e.edge_v_m),
                radius_sq: e.radius_m * e.radius_m,
            })
            .collect();
        let boxes: Vec<([f64; 3], [f64; 3])> = elements.iter().map(element_box).collect();
        let mut order: Vec<u32> = (0..elements.len() as u32).collect();
        let mut nodes = Vec::with_capacity(2 * elements.len());
        nodes.push(Node {
            min: [0.0; 3],
            max: [0.0; 3],
            first: 0,
            count: 0,
        });
        build(&mut nodes, 0, &mut order, 0, &boxes);
        Self {
            nodes,
            order,
            prims,
        }
    }

    /// The closest hit of the ray `origin + t·dir` (`dir` a unit vector), `t > t_min`,
    /// ignoring element `skip` (the emitter: a flat element cannot see itself).
    pub fn closest_hit(&self, origin: &Vec3, dir: &Vec3, t_min: f64, skip: u32) -> Option<Hit> {
        let inv = [1.0 / dir.x, 1.0 / dir.y, 1.0 / dir.z];
        let o = [origin.x, origin.y, origin.z];
        let mut best: Option<Hit> = None;
        let mut t_max = f64::INFINITY;
        let mut stack = [0u32; 64];
        let mut top = 0usize;
        let mut node = 0u32;
        loop {
            let n = &self.nodes[node as usize];
            if n.count > 0 {
                let first = n.first as usize;
                for &k in &self.order[first..first + n.count as usize] {
                    if k == skip {
                        continue;
                    }
                    if let Some((t, front)) =
                        intersect(&self.prims[k as usize], origin, dir, t_min, t_max)
                    {
                        t_max = t;
                        best = Some(Hit {
                            element: k,
                            t,
                            front,
                        });
                    }
                }
            } else {
                let (l, r) = (n.first, n.first + 1);
                let tl = box_entry(&self.nodes[l as usize], &o, &inv, t_max);
                let tr = box_entry(&self.nodes[r as usize], &o, &inv, t_max);
                match (tl, tr) {
                    (Some(a), Some(b)) => {
                        // Walk the nearer child first; the farther waits on the stack.
                        let (near, far) = if a <= b { (l, r) } else { (r, l) };
                        if top < stack.len() {
                            stack[top] = far;
                            top += 1;
                        }
                        node = near;
                        continue;
                    }
                    (Some(_), None) => {
                        node = l;
                        continue;
                    }
                    (None, Some(_)) => {
                        node = r;
                        continue;
                    }
                    (None, None) => {}
                }
            }
            if top == 0 {
                break;
            }
            top -= 1;
            node = stack[top];
        }
        best
    }

    /// The closest hit by testing every element (the reference for [`Bvh::closest_hit`]).
    pub fn closest_hit_brute_force(
        &self,
        origin: &Vec3,
        dir: &Vec3,
        t_min: f64,
        skip: u32,
    ) -> Option<Hit> {
        let mut best: Option<Hit> = None;
        let mut t_max = f64::INFINITY;
        for (k, p) in self.prims.iter().enumerate() {
            if k as u32 == skip {
                continue;
            }
            if let Some((t, front)) = intersect(p, origin, dir, t_min, t_max) {
                t_max = t;
                best = Some(Hit {
                    element: k as u32,
                    t,
                    front,
                });
            }
        }
        best
    }
}

/// `v / |v|²` (zero for a zero vector: discs have no edges).
fn scaled(v: &Vec3) -> Vec3 {
    let n2 = v.norm_squared();
    if n2 > 0.0 {
        v / n2
    } else {
        Vec3::zeros()
    }
}

/// The element's box, padded by 1e-9 of its size so that flat boxes have a thickness
/// (a zero-width slab makes the slab test's `0 · ∞` a NaN).
fn element_box(e: &Element) -> ([f64; 3], [f64; 3]) {
    let mut lo = [f64::INFINITY; 3];
    let mut hi = [f64::NEG_INFINITY; 3];
    let mut add = |p: Vec3| {
        for k in 0..3 {
            lo[k] = lo[k].min(p[k]);
            hi[k] = hi[k].max(p[k]);
        }
    };
    if e.is_disc() {
        // Extent of a disc along axis k: r·sqrt(1 − n_k²).
        for k in 0..3 {
            let half = e.radius_m * (1.0 - e.normal[k] * e.normal[k]).max(0.0).sqrt();
            lo[k] = e.anchor_m[k] - half;
            hi[k] = e.anchor_m[k] + half;
        }
    } else {
        add(e.anchor_m);
        add(e.anchor_m + e.edge_u_m);
        add(e.anchor_m + e.edge_v_m);
        add(e.anchor_m + e.edge_u_m + e.edge_v_m);
    }
    let size = (0..3).map(|k| hi[k] - lo[k]).fold(0.0, f64::max);
    let pad = 1e-9 * size.max(f64::MIN_POSITIVE);
    for k in 0..3 {
        lo[k] -= pad;
        hi[k] += pad;
    }
    (lo, hi)
}

/// Fills node `at` with the elements `order[..]` (offset `start` in the full order).
fn build(
    nodes: &mut Vec<Node>,
    at: usize,
    order: &mut [u32],
    start: usize,
    boxes: &[([f64; 3], [f64; 3])],
) {
    let mut lo = [f64::INFINITY; 3];
    let mut hi = [f64::NEG_INFINITY; 3];
    let mut clo = [f64::INFINITY; 3];
    let mut chi = [f64::NEG_INFINITY; 3];
    for &k in order.iter() {
        let (a, b) = boxes[k as usize];
        for d in 0..3 {
            lo[d] = lo[d].min(a[d]);
            hi[d] = hi[d].max(b[d]);
            let c = 0.5 * (a[d] + b[d]);
            clo[d] = clo[d].min(c);
            chi[d] = chi[d].max(c);
        }
    }
    nodes[at].min = lo;
    nodes[at].max = hi;
    if order.len() <= LEAF_SIZE {
        nodes[at].first = start as u32;
        nodes[at].count = order.len() as u32;
        return;
    }
    let axis = (0..3)
        .max_by(|&a, &b| (chi[a] - clo[a]).total_cmp(&(chi[b] - clo[b])))
        .unwrap_or(0);
    let centre = |k: &u32| {
        let (a, b) = boxes[*k as usize];
        a[axis] + b[axis]
    };
    let mid = order.len() / 2;
    order.select_nth_unstable_by(mid, |a, b| centre(a).total_cmp(&centre(b)));
    let left = nodes.len();
    let blank = Node {
        min: [0.0; 3],
        max: [0.0; 3],
        first: 0,
        count: 0,
    };
    nodes.push(blank);
    nodes.push(blank);
    nodes[at].first = left as u32;
    nodes[at].count = 0;
    let (a, b) = order.split_at_mut(mid);
    build(nodes, left, a, start, boxes);
    build(nodes, left + 1, b, start + mid, boxes);
}

/// Distance at which the ray enters the node's box, if it does before `t_max` (slab test).
fn box_entry(n: &Node, o: &[f64; 3], inv: &[f64; 3], t_max: f64) -> Option<f64> {
    let mut t0 = 0.0f64;
    let mut t1 = t_max;
    for k in 0..3 {
        let a = (n.min[k] - o[k]) * inv[k];
        let b = (n.max[k] - o[k]) * inv[k];
        let (near, far) = if a < b { (a, b) } else { (b, a) };
        // `max`/`min` drop a NaN (a ray in the slab's plane, 0·∞): the slab then does not
        // limit the ray, as wanted for a ray inside it.
        t0 = t0.max(near);
        t1 = t1.min(far);
    }
    (t0 <= t1).then_some(t0)
}

#[cfg(test)]
mod tests {
    use super::super::geometry::{Scene, Surface};
    use super::*;
    use rand_xoshiro::rand_core::{RngCore, SeedableRng};
    use rand_xoshiro::Xoshiro256PlusPlus;

    #[test]
    fn tree_walk_matches_brute_force() {
        // A box of six faces, 5 × 5 cells each, and a disc inside: rays from random
        // points in random directions.
        let c = |x: f64, y: f64, z: f64| Vec3::new(x, y, z);
        let surfaces = vec![
            Surface::rectangle("z0", c(0., 0., 0.), c(1., 0., 0.), c(0., 1., 0.)).with_cells(5, 5),
            Surface::rectangle("z1", c(0., 0., 1.), c(0., 1., 0.), c(1., 0., 0.)).with_cells(5, 5),
            Surface::rectangle("x0", c(0., 0., 0.), c(0., 1., 0.), c(0., 0., 1.)).with_cells(5, 5),
            Surface::rectangle("x1", c(1., 0., 0.), c(0., 0., 1.), c(0., 1., 0.)).with_cells(5, 5),
            Surface::rectangle("y0", c(0., 0., 0.), c(0., 0., 1.), c(1., 0., 0.)).with_cells(5, 5),
            Surface::disc("d", c(0.5, 0.5, 0.5), c(1., 1., 1.), 0.2),
        ];
        let scene = Scene::new(surfaces).unwrap();
        let bvh = Bvh::new(scene.elements());
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(7);
        let mut u = || (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
        let mut hits = 0;
        for _ in 0..20_000 {
            let o = c(u(), u(), u());
            let d = c(u() - 0.5, u() - 0.5, u() - 0.5).normalize();
            let a = bvh.closest_hit(&o, &d, 0.0, u32::MAX);
            let b = bvh.closest_hit_brute_force(&o, &d, 0.0, u32::MAX);
            assert_eq!(a, b);
            hits += usize::from(a.is_some());
        }
        // The open box (no y = 1 wall) lets some rays out, most hit.
        assert!(hits > 10_000 && hits < 20_000, "{hits}");
    }
}
