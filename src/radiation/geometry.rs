//! Surfaces for view factors: flat rectangles and discs, split into elements, each
//! element radiating from its front side (and its back side when the surface is
//! two-sided).
//!
//! A rectangle is `origin + a·edge_u + b·edge_v` for `a, b ∈ [0, 1]`, its front normal
//! `edge_u × edge_v / |edge_u × edge_v|`; it is split into `nx × ny` equal cells (`nx`
//! along `edge_u`). A disc is the set of points within `radius_m` of `center` in the plane
//! normal to `normal` (its front side); it is one element.

use nalgebra::Vector3;

use super::bvh::Bvh;
use crate::error::RadiationError;

/// 3-vector of metres (or a unit direction).
pub type Vec3 = Vector3<f64>;

/// Relative tolerance of the geometric checks (perpendicular edges, coplanarity, touching
/// edges): 1e-9 of the surfaces' size, far above round-off (1e-16) and far below any
/// dimension a thermal model draws.
const GEOMETRY_RTOL: f64 = 1e-9;

/// The shape of a flat surface.
#[derive(Debug, Clone, PartialEq)]
pub enum Shape {
    /// A rectangle `origin + a·edge_u + b·edge_v`, `a, b ∈ [0, 1]`; `edge_u ⟂ edge_v`.
    Rectangle {
        /// A corner (m).
        origin_m: Vec3,
        /// First edge from the corner (m).
        edge_u_m: Vec3,
        /// Second edge from the corner (m), perpendicular to the first.
        edge_v_m: Vec3,
    },
    /// A disc of radius `radius_m` about `center_m`, front side towards `normal`.
    Disc {
        /// Centre (m).
        center_m: Vec3,
        /// Front normal (any length; normalised).
        normal: Vec3,
        /// Radius (m).
        radius_m: f64,
    },
}

/// A named flat surface, split into elements.
#[derive(Debug, Clone, PartialEq)]
pub struct Surface {
    /// Name (reported in errors and in face names).
    pub name: String,
    /// Geometry.
    pub shape: Shape,
    /// Cells along `edge_u` (rectangles; 1 for a disc).
    pub nx: usize,
    /// Cells along `edge_v` (rectangles; 1 for a disc).
    pub ny: usize,
    /// Whether the back side radiates too (a radiator panel); otherwise the back side is
    /// inactive (insulated): it blocks rays and absorbs those that reach it, which are
    /// reported as the row's "inactive" fraction.
    pub two_sided: bool,
}

impl Surface {
    /// A one-sided rectangle as a single element.
    pub fn rectangle(
        name: impl Into<String>,
        origin_m: Vec3,
        edge_u_m: Vec3,
        edge_v_m: Vec3,
    ) -> Self {
        Self {
            name: name.into(),
            shape: Shape::Rectangle {
                origin_m,
                edge_u_m,
                edge_v_m,
            },
            nx: 1,
            ny: 1,
            two_sided: false,
        }
    }

    /// A one-sided disc.
    pub fn disc(name: impl Into<String>, center_m: Vec3, normal: Vec3, radius_m: f64) -> Self {
        Self {
            name: name.into(),
            shape: Shape::Disc {
                center_m,
                normal,
                radius_m,
            },
            nx: 1,
            ny: 1,
            two_sided: false,
        }
    }

    /// The same surface split into `nx × ny` cells (rectangles only; a disc stays one element).
    pub fn with_cells(mut self, nx: usize, ny: usize) -> Self {
        self.nx = nx;
        self.ny = ny;
        self
    }

    /// The same surface radiating from both sides.
    pub fn two_sided(mut self) -> Self {
        self.two_sided = true;
        self
    }

    /// Area of one side (m²).
    pub fn area_m2(&self) -> f64 {
        match &self.shape {
            Shape::Rectangle {
                edge_u_m, edge_v_m, ..
            } => edge_u_m.cross(edge_v_m).norm(),
            Shape::Disc { radius_m, .. } => std::f64::consts::PI * radius_m * radius_m,
        }
    }

    /// Largest extent (m), the scale of the geometric tolerances.
    fn size_m(&self) -> f64 {
        match &self.shape {
            Shape::Rectangle {
                edge_u_m, edge_v_m, ..
            } => edge_u_m.norm() + edge_v_m.norm(),
            Shape::Disc { radius_m, .. } => 2.0 * radius_m,
        }
    }

    /// Front unit normal (after [`Surface::check`]).
    fn normal(&self) -> Vec3 {
        match &self.shape {
            Shape::Rectangle {
                edge_u_m, edge_v_m, ..
            } => edge_u_m.cross(edge_v_m).normalize(),
            Shape::Disc { normal, .. } => normal.normalize(),
        }
    }

    /// A point of the surface's plane (m).
    fn anchor(&self) -> Vec3 {
        match &self.shape {
            Shape::Rectangle { origin_m, .. } => *origin_m,
            Shape::Disc { center_m, .. } => *center_m,
        }
    }

    /// Checks finiteness, positive area, perpendicular edges and cell counts.
    fn check(&self, index: usize) -> Result<(), RadiationError> {
        let bad = |field: &'static str, value: String, allowed: &'static str| {
            RadiationError::InvalidSurface {
                surface: index,
                name: self.name.clone(),
                field,
                value,
                allowed,
            }
        };
        let finite = |v: &Vec3| v.iter().all(|x| x.is_finite());
        let show = |v: &Vec3| format!("[{}, {}, {}]", v.x, v.y, v.z);
        match &self.shape {
            Shape::Rectangle {
                origin_m,
                edge_u_m,
                edge_v_m,
            } => {
                for (field, v) in [
                    ("origin_m", origin_m),
                    ("edge_u_m", edge_u_m),
                    ("edge_v_m", edge_v_m),
                ] {
                    if !finite(v) {
                        return Err(bad(field, show(v), "finite numbers"));
                    }
                }
                for (field, v) in [("edge_u_m", edge_u_m), ("edge_v_m", edge_v_m)] {
                    if v.norm() == 0.0 {
                        return Err(bad(
                            field,
                            show(v),
                            "a non-zero edge (the area must be > 0)",
                        ));
                    }
                }
                let (lu, lv) = (edge_u_m.norm(), edge_v_m.norm());
                if edge_u_m.dot(edge_v_m).abs() > GEOMETRY_RTOL * lu * lv {
                    return Err(bad(
                        "edge_v_m",
                        show(edge_v_m),
                        "perpendicular to edge_u_m (a rectangle)",
                    ));
                }
                for (field, n) in [("nx", self.nx), ("ny", self.ny)] {
                    if n == 0 || n > MAX_CELLS_PER_SIDE {
                        return Err(bad(field, n.to_string(), "1 to 4096 cells"));
                    }
                }
            }
            Shape::Disc {
                center_m,
                normal,
                radius_m,
            } => {
                if !finite(center_m) {
                    return Err(bad("center_m", show(center_m), "finite numbers"));
                }
                if !finite(normal) || normal.norm() == 0.0 {
                    return Err(bad("normal", show(normal), "a finite non-zero vector"));
                }
                if !(radius_m.is_finite() && *radius_m > 0.0) {
                    return Err(bad(
                        "radius_m",
                        radius_m.to_string(),
                        "> 0 (the area must be > 0)",
                    ));
                }
                if self.nx != 1 || self.ny != 1 {
                    return Err(bad(
                        "nx",
                        format!("{} x {}", self.nx, self.ny),
                        "1 x 1 (a disc is one element)",
                    ));
                }
            }
        }
        Ok(())
    }

    /// Boundary polygon (a disc as a 64-gon) for the overlap checks.
    fn outline(&self) -> Vec<Vec3> {
        match &self.shape {
            Shape::Rectangle {
                origin_m,
                edge_u_m,
                edge_v_m,
            } => vec![
                *origin_m,
                origin_m + edge_u_m,
                origin_m + edge_u_m + edge_v_m,
                origin_m + edge_v_m,
            ],
            Shape::Disc {
                center_m, radius_m, ..
            } => {
                let (t1, t2) = tangents(&self.normal());
                (0..64)
                    .map(|k| {
                        let phi = std::f64::consts::TAU * k as f64 / 64.0;
                        center_m + *radius_m * (phi.cos() * t1 + phi.sin() * t2)
                    })
                    .collect()
            }
        }
    }

    /// Whether `p` (in the surface's plane) lies inside it, at least `margin_m` from its edge.
    fn contains(&self, p: &Vec3, margin_m: f64) -> bool {
        match &self.shape {
            Shape::Rectangle {
                origin_m,
                edge_u_m,
                edge_v_m,
            } => {
                let d = p - origin_m;
                let (lu, lv) = (edge_u_m.norm(), edge_v_m.norm());
                let a = d.dot(edge_u_m) / lu;
                let b = d.dot(edge_v_m) / lv;
                a > margin_m && a < lu - margin_m && b > margin_m && b < lv - margin_m
            }
            Shape::Disc {
                center_m, radius_m, ..
            } => (p - center_m).norm() < radius_m - margin_m,
        }
    }
}

/// Most cells along one edge of a rectangle (4096² cells is already far more elements than
/// a dense factor matrix can hold).
const MAX_CELLS_PER_SIDE: usize = 4096;

/// Two unit vectors completing `n` (unit) to a right-handed orthonormal frame.
pub(crate) fn tangents(n: &Vec3) -> (Vec3, Vec3) {
    let helper = if n.x.abs() < 0.9 {
        Vec3::x()
    } else {
        Vec3::y()
    };
    let t1 = helper.cross(n).normalize();
    let t2 = n.cross(&t1);
    (t1, t2)
}

/// Which side of an element a face is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// Along the surface's normal.
    Front,
    /// Against it (two-sided surfaces only).
    Back,
}

/// One flat element: a rectangle cell or a disc, with the data the ray tracer needs.
#[derive(Debug, Clone, PartialEq)]
pub struct Element {
    /// Index of its surface.
    pub surface: usize,
    /// Corner (rectangle) or centre (disc) (m).
    pub anchor_m: Vec3,
    /// Rectangle edges (m); zero for a disc.
    pub edge_u_m: Vec3,
    /// Second rectangle edge (m); zero for a disc.
    pub edge_v_m: Vec3,
    /// Front unit normal.
    pub normal: Vec3,
    /// Unit tangents of the emission frame (along the edges for a rectangle).
    pub tangent_u: Vec3,
    /// Second tangent (`normal × tangent_u`).
    pub tangent_v: Vec3,
    /// Disc radius (m); 0 for a rectangle.
    pub radius_m: f64,
    /// Area of one side (m²).
    pub area_m2: f64,
    /// Face index of the front side.
    pub front_face: usize,
    /// Face index of the back side, if it is active.
    pub back_face: Option<usize>,
}

impl Element {
    /// Whether this element is a disc.
    pub fn is_disc(&self) -> bool {
        self.radius_m > 0.0
    }
}

/// A radiating side of an element: a row and column of the factor matrix.
#[derive(Debug, Clone, PartialEq)]
pub struct Face {
    /// Element index.
    pub element: usize,
    /// Which side.
    pub side: Side,
    /// Area (m²).
    pub area_m2: f64,
    /// Surface index.
    pub surface: usize,
    /// `surface[i;j]` for a cell (`surface` for a single element), `:back` appended for a
    /// back side.
    pub name: String,
}

/// Checked surfaces with their elements and faces.
#[derive(Debug, Clone)]
pub struct Scene {
    surfaces: Vec<Surface>,
    elements: Vec<Element>,
    faces: Vec<Face>,
    bvh: Bvh,
    size_m: f64,
}

/// Most faces a scene may have: the dense factor matrix of 20,000 faces already holds
/// 3.2 GB.
pub const MAX_FACES: usize = 20_000;

impl Scene {
    /// Checks the surfaces (finite, positive area, rectangles with perpendicular edges, no
    /// two coincident or intersecting) and splits them into elements and faces.
    pub fn new(surfaces: Vec<Surface>) -> Result<Self, RadiationError> {
        if surfaces.is_empty() {
            return Err(RadiationError::InvalidValue {
                quantity: "number of surfaces",
                value: "0".into(),
                allowed: "at least 1",
            });
        }
        for (k, s) in surfaces.iter().enumerate() {
            s.check(k)?;
        }
        let faces_wanted: usize = surfaces
            .iter()
            .map(|s| s.nx * s.ny * if s.two_sided { 2 } else { 1 })
            .sum();
        if faces_wanted > MAX_FACES {
            return Err(RadiationError::InvalidValue {
                quantity: "number of faces (cells x sides)",
                value: faces_wanted.to_string(),
                allowed: "at most 20000 (a dense factor matrix)",
            });
        }
        for a in 0..surfaces.len() {
            for b in a + 1..surfaces.len() {
                if let Some(relation) = overlap(&surfaces[a], &surfaces[b]) {
                    return Err(RadiationError::Overlap {
                        first: a,
                        first_name: surfaces[a].name.clone(),
                        second: b,
                        second_name: surfaces[b].name.clone(),
                        relation,
                    });
                }
            }
        }
        let mut elements = Vec::new();
        let mut faces = Vec::new();
        for (si, s) in surfaces.iter().enumerate() {
            let normal = s.normal();
            let mut push = |elements: &mut Vec<Element>, mut e: Element, name: String| {
                let index = elements.len();
                e.front_face = faces.len();
                faces.push(Face {
                    element: index,
                    side: Side::Front,
                    area_m2: e.area_m2,
                    surface: si,
                    name: name.clone(),
                });
                if s.two_sided {
                    e.back_face = Some(faces.len());
                    faces.push(Face {
                        element: index,
                        side: Side::Back,
                        area_m2: e.area_m2,
                        surface: si,
                        name: format!("{name}:back"),
                    });
                }
                elements.push(e);
            };
            match &s.shape {
                Shape::Rectangle {
                    origin_m,
                    edge_u_m,
                    edge_v_m,
                } => {
                    let du = edge_u_m / s.nx as f64;
                    let dv = edge_v_m / s.ny as f64;
                    let area = du.cross(&dv).norm();
                    for j in 0..s.ny {
                        for i in 0..s.nx {
                            let e = Element {
                                surface: si,
                                anchor_m: origin_m + du * i as f64 + dv * j as f64,
                                edge_u_m: du,
                                edge_v_m: dv,
                                normal,
                                tangent_u: du.normalize(),
                                tangent_v: normal.cross(&du.normalize()),
                                radius_m: 0.0,
                                area_m2: area,
                                front_face: 0,
                                back_face: None,
                            };
                            let name = if s.nx * s.ny == 1 {
                                s.name.clone()
                            } else {
                                format!("{}[{i};{j}]", s.name)
                            };
                            push(&mut elements, e, name);
                        }
                    }
                }
                Shape::Disc {
                    center_m, radius_m, ..
                } => {
                    let (t1, t2) = tangents(&normal);
                    let e = Element {
                        surface: si,
                        anchor_m: *center_m,
                        edge_u_m: Vec3::zeros(),
                        edge_v_m: Vec3::zeros(),
                        normal,
                        tangent_u: t1,
                        tangent_v: t2,
                        radius_m: *radius_m,
                        area_m2: s.area_m2(),
                        front_face: 0,
                        back_face: None,
                    };
                    push(&mut elements, e, s.name.clone());
                }
            }
        }
        let bvh = Bvh::new(&elements);
        let size_m = surfaces.iter().map(Surface::size_m).fold(0.0, f64::max);
        Ok(Self {
            surfaces,
            elements,
            faces,
            bvh,
            size_m,
        })
    }

    /// The surfaces.
    pub fn surfaces(&self) -> &[Surface] {
        &self.surfaces
    }

    /// The elements.
    pub fn elements(&self) -> &[Element] {
        &self.elements
    }

    /// The faces (rows and columns of the factor matrix).
    pub fn faces(&self) -> &[Face] {
        &self.faces
    }

    /// The hierarchy of the elements for ray queries.
    pub fn bvh(&self) -> &Bvh {
        &self.bvh
    }

    /// The largest surface extent (m), the scale of the ray tracer's offsets.
    pub fn size_m(&self) -> f64 {
        self.size_m
    }

    /// The face areas (m²).
    pub fn areas_m2(&self) -> Vec<f64> {
        self.faces.iter().map(|f| f.area_m2).collect()
    }
}

/// Why two checked surfaces may not share a scene: `Some("coincide …")` when they lie in
/// one plane and overlap, `Some("intersect")` when one crosses the other's interior;
/// `None` when they are apart or only touch along an edge.
fn overlap(a: &Surface, b: &Surface) -> Option<&'static str> {
    let margin = GEOMETRY_RTOL * (a.size_m() + b.size_m());
    let (na, nb) = (a.normal(), b.normal());
    let coplanar =
        na.cross(&nb).norm() < GEOMETRY_RTOL && (b.anchor() - a.anchor()).dot(&na).abs() < margin;
    let (oa, ob) = (a.outline(), b.outline());
    if coplanar {
        if convex_overlap_in_plane(&oa, &ob, &na, margin) {
            return Some("coincide (they lie in one plane and overlap)");
        }
        return None;
    }
    if pierces(&oa, b, margin) || pierces(&ob, a, margin) {
        return Some("intersect");
    }
    None
}

/// Whether an edge of the polygon `outline` crosses the interior of `s` (not a plane
/// parallel to it): two surfaces that intersect along a segment always have an edge of
/// one crossing the other's interior unless they only touch at their boundaries.
fn pierces(outline: &[Vec3], s: &Surface, margin: f64) -> bool {
    let n = s.normal();
    let p0 = s.anchor();
    (0..outline.len()).any(|k| {
        let a = outline[k];
        let b = outline[(k + 1) % outline.len()];
        let (da, db) = ((a - p0).dot(&n), (b - p0).dot(&n));
        // The segment must pass through the plane with both ends off it.
        if da.abs() <= margin && db.abs() <= margin {
            return false;
        }
        if (da > margin && db > margin) || (da < -margin && db < -margin) {
            return false;
        }
        let t = da / (da - db);
        let p = a + (b - a) * t;
        s.contains(&p, margin)
    })
}

/// Whether two convex polygons in one plane (normal `n`) overlap over a positive area, by
/// the separating-axis theorem: they are apart (or only touch) exactly when, along the
/// in-plane normal of some edge of either, their projections are separated by at least
/// `-margin`.
fn convex_overlap_in_plane(a: &[Vec3], b: &[Vec3], n: &Vec3, margin: f64) -> bool {
    let range = |poly: &[Vec3], axis: &Vec3| {
        poly.iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), p| {
                let x = p.dot(axis);
                (lo.min(x), hi.max(x))
            })
    };
    for poly in [a, b] {
        for k in 0..poly.len() {
            let edge = poly[(k + 1) % poly.len()] - poly[k];
            let axis = n.cross(&edge);
            let len = axis.norm();
            if len == 0.0 {
                continue;
            }
            let axis = axis / len;
            let (a_lo, a_hi) = range(a, &axis);
            let (b_lo, b_hi) = range(b, &axis);
            if a_hi <= b_lo + margin || b_hi <= a_lo + margin {
                return false;
            }
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn square(name: &str, z: f64) -> Surface {
        Surface::rectangle(name, Vec3::new(0.0, 0.0, z), Vec3::x(), Vec3::y())
    }

    #[test]
    fn cells_partition_the_area() {
        let s = square("a", 0.0).with_cells(3, 4).two_sided();
        let scene = Scene::new(vec![s]).unwrap();
        assert_eq!(scene.elements().len(), 12);
        assert_eq!(scene.faces().len(), 24);
        let total: f64 = scene.elements().iter().map(|e| e.area_m2).sum();
        assert!((total - 1.0).abs() < 1e-14);
        assert_eq!(scene.faces()[1].name, "a[0;0]:back");
    }

    #[test]
    fn zero_area_and_skew_edges_are_refused() {
        let flat = Surface::rectangle("f", Vec3::zeros(), Vec3::x(), Vec3::zeros());
        assert!(matches!(
            Scene::new(vec![flat]),
            Err(RadiationError::InvalidSurface {
                field: "edge_v_m",
                ..
            })
        ));
        let skew = Surface::rectangle("s", Vec3::zeros(), Vec3::x(), Vec3::new(1.0, 1.0, 0.0));
        assert!(Scene::new(vec![skew]).is_err());
        let disc = Surface::disc("d", Vec3::zeros(), Vec3::z(), 0.0);
        assert!(matches!(
            Scene::new(vec![disc]),
            Err(RadiationError::InvalidSurface {
                field: "radius_m",
                ..
            })
        ));
    }

    #[test]
    fn coincident_and_intersecting_surfaces_are_refused() {
        let shifted = Surface::rectangle("b", Vec3::new(0.5, 0.5, 0.0), Vec3::x(), Vec3::y());
        assert!(matches!(
            Scene::new(vec![square("a", 0.0), shifted]),
            Err(RadiationError::Overlap { relation, .. }) if relation.starts_with("coincide")
        ));
        // Half overlapping, sharing the edge y = 0: coincident too.
        let half = Surface::rectangle("h", Vec3::new(0.5, 0.0, 0.0), Vec3::y(), Vec3::x());
        assert!(Scene::new(vec![square("a", 0.0), half]).is_err());
        // Same plane, side by side: allowed.
        let beside = Surface::rectangle("c", Vec3::new(1.0, 0.0, 0.0), Vec3::x(), Vec3::y());
        assert!(Scene::new(vec![square("a", 0.0), beside]).is_ok());
        // A vertical plate through the middle of the square.
        let through =
            Surface::rectangle("v", Vec3::new(0.5, -0.5, -0.5), Vec3::y() * 2.0, Vec3::z());
        assert!(matches!(
            Scene::new(vec![square("a", 0.0), through]),
            Err(RadiationError::Overlap {
                relation: "intersect",
                ..
            })
        ));
        // Perpendicular with a common edge: allowed.
        let wall = Surface::rectangle("w", Vec3::zeros(), Vec3::z(), Vec3::y());
        assert!(Scene::new(vec![square("a", 0.0), wall]).is_ok());
        // A disc crossing a square.
        let disc = Surface::disc("d", Vec3::new(0.5, 0.5, 0.0), Vec3::x(), 0.3);
        assert!(Scene::new(vec![square("a", 0.0), disc]).is_err());
    }
}
