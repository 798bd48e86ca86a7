//! Shadowing of a collimated flux (direct sunlight) by the other surfaces of a scene.
//!
//! The lit fraction of an element's face along the unit direction `ŝ` towards the source is
//! the fraction of its area from which the ray `p + t ŝ` (t > 0) strikes no other element.
//! It is integrated by the midpoint rule on an `m × m` grid of equal-area sub-cells (for a
//! disc, equal-area rings and sectors): each sample point is lit or not, so the estimate is
//! exact when the shadow's edge falls on sub-cell boundaries, and otherwise wrong by at most
//! the area of the sub-cells the edge crosses — for a straight edge across a rectangle,
//! at most `1/m` of the face (first order in the sample spacing; Howell, Mengüç & Siegel,
//! *Thermal Radiation Heat Transfer*, 6th ed., §4.2 treats the shadowing of collimated
//! irradiation by blocking surfaces in the same way as view-factor blocking).

use super::geometry::{Scene, Side, Vec3};
use crate::error::RadiationError;

/// Most sample points along one side of an element (`m`): 4096² rays a face and instant.
pub const MAX_SHADOW_SAMPLES: usize = 4096;

/// The fraction (0 to 1) of the `side` face of element `element` lit along the direction
/// `towards_source` (any length): 0 when the source is behind the face or edge-on,
/// otherwise the midpoint-rule estimate on `samples × samples` points (see the module
/// documentation).
pub fn lit_fraction(
    scene: &Scene,
    element: usize,
    side: Side,
    towards_source: &Vec3,
    samples: usize,
) -> Result<f64, RadiationError> {
    let elements = scene.elements();
    let e = elements
        .get(element)
        .ok_or_else(|| RadiationError::InvalidValue {
            quantity: "element index",
            value: element.to_string(),
            allowed: "below the number of elements",
        })?;
    if samples == 0 || samples > MAX_SHADOW_SAMPLES {
        return Err(RadiationError::InvalidValue {
            quantity: "shadow samples per side",
            value: samples.to_string(),
            allowed: "1 to 4096",
        });
    }
    let norm = towards_source.norm();
    if !(norm.is_finite() && norm > 0.0) {
        return Err(RadiationError::InvalidValue {
            quantity: "direction towards the source",
            value: format!(
                "[{}, {}, {}]",
                towards_source.x, towards_source.y, towards_source.z
            ),
            allowed: "a finite non-zero vector",
        });
    }
    let dir = towards_source / norm;
    let normal = match side {
        Side::Front => e.normal,
        Side::Back => -e.normal,
    };
    if normal.dot(&dir) <= 0.0 {
        return Ok(0.0);
    }
    let t_min = 1e-10 * scene.size_m();
    let bvh = scene.bvh();
    let m = samples as f64;
    let mut lit = 0usize;
    for a in 0..samples {
        for b in 0..samples {
            let (u, v) = ((a as f64 + 0.5) / m, (b as f64 + 0.5) / m);
            let p = if e.is_disc() {
                // Equal-area rings (r = R√u) and equal sectors.
                let r = e.radius_m * u.sqrt();
                let (s, c) = (std::f64::consts::TAU * v).sin_cos();
                e.anchor_m + e.tangent_u * (r * c) + e.tangent_v * (r * s)
            } else {
                e.anchor_m + e.edge_u_m * u + e.edge_v_m * v
            };
            if bvh.closest_hit(&p, &dir, t_min, element as u32).is_none() {
                lit += 1;
            }
        }
    }
    Ok(lit as f64 / (m * m))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::radiation::Surface;

    /// A unit square at z = 0 and a shade at height `h` covering `x ∈ [0, w]`.
    fn shaded(w: f64, h: f64) -> Scene {
        Scene::new(vec![
            Surface::rectangle("lit", Vec3::zeros(), Vec3::x(), Vec3::y()),
            Surface::rectangle("shade", Vec3::new(0.0, 0.0, h), Vec3::x() * w, Vec3::y()),
        ])
        .unwrap()
    }

    #[test]
    fn val_half_shade_overhead_sun() {
        // The shade covers x < 0.5 and the sun is overhead: exactly half is lit.
        let scene = shaded(0.5, 0.3);
        for m in [2, 16, 64] {
            let f = lit_fraction(&scene, 0, Side::Front, &Vec3::z(), m).unwrap();
            assert_eq!(f, 0.5, "m = {m}");
        }
        // The shade itself is fully lit; the back of the lit square sees no sun.
        assert_eq!(
            lit_fraction(&scene, 1, Side::Front, &Vec3::z(), 8).unwrap(),
            1.0
        );
        assert_eq!(
            lit_fraction(&scene, 0, Side::Back, &Vec3::z(), 8).unwrap(),
            0.0
        );
    }

    #[test]
    fn val_oblique_sun_moves_the_shadow_and_converges_first_order() {
        // Sun tilted by θ towards +x: the shade's shadow spans x ∈ [−h tanθ, w − h tanθ],
        // so the lit fraction of the unit square is 1 − (w − h tanθ) = 0.5 + h tanθ (w = 0.5).
        let (h, theta) = (0.3_f64, 20.0_f64.to_radians());
        let scene = shaded(0.5, h);
        let sun = Vec3::new(theta.sin(), 0.0, theta.cos());
        let exact = 0.5 + h * theta.tan();
        for m in [8, 32, 128, 512] {
            let f = lit_fraction(&scene, 0, Side::Front, &sun, m).unwrap();
            assert!(
                (f - exact).abs() <= 1.0 / m as f64,
                "m = {m}: {f} vs {exact}"
            );
        }
    }

    #[test]
    fn bad_arguments_are_refused() {
        let scene = shaded(0.5, 0.3);
        assert!(lit_fraction(&scene, 2, Side::Front, &Vec3::z(), 4).is_err());
        assert!(lit_fraction(&scene, 0, Side::Front, &Vec3::z(), 0).is_err());
        assert!(lit_fraction(&scene, 0, Side::Front, &Vec3::zeros(), 4).is_err());
    }
}
