//! Closed-form view factors between finite surfaces (the references of the Monte Carlo
//! tracer): Howell, *A Catalog of Radiation Heat Transfer Configuration Factors*
//! (3rd ed., 2010, and the online catalog), cases C-11, C-14 and C-41; the same formulas are
//! Incropera et al., *Fundamentals of Heat and Mass Transfer*, 7th ed., Table 13.2.
//!
//! Each takes lengths in metres and returns a factor in [0, 1], or `None` when a length is
//! not finite and positive.

use std::f64::consts::PI;

use super::geometry::{Scene, Surface, Vec3};
use crate::error::RadiationError;

/// The two-surface configurations with closed forms, as scenes for the ray tracer:
/// surface 1 (the emitter, face 0) and surface 2 (face 1), facing each other.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Configuration {
    /// [`parallel_rectangles`]: rectangle 1 at z = 0, rectangle 2 at z = `gap_m`.
    ParallelRectangles {
        /// Extent along x (m).
        width_m: f64,
        /// Extent along y (m).
        height_m: f64,
        /// Distance between them (m).
        gap_m: f64,
    },
    /// [`perpendicular_rectangles`]: the common edge along x, rectangle 1 in the xy plane,
    /// rectangle 2 in the xz plane.
    PerpendicularRectangles {
        /// Common edge (m).
        edge_m: f64,
        /// Extent of rectangle 1 along y (m).
        width_m: f64,
        /// Extent of rectangle 2 along z (m).
        height_m: f64,
    },
    /// [`coaxial_discs`]: disc 1 at z = 0, disc 2 at z = `gap_m`.
    CoaxialDiscs {
        /// Radius of disc 1 (m).
        radius1_m: f64,
        /// Radius of disc 2 (m).
        radius2_m: f64,
        /// Distance between them (m).
        gap_m: f64,
    },
}

impl Configuration {
    /// `parallel-rectangles`, `perpendicular-rectangles` or `coaxial-discs`.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::ParallelRectangles { .. } => "parallel-rectangles",
            Self::PerpendicularRectangles { .. } => "perpendicular-rectangles",
            Self::CoaxialDiscs { .. } => "coaxial-discs",
        }
    }

    /// The catalog case of the closed form.
    pub fn source(&self) -> &'static str {
        match self {
            Self::ParallelRectangles { .. } => "Howell catalog C-11",
            Self::PerpendicularRectangles { .. } => "Howell catalog C-14",
            Self::CoaxialDiscs { .. } => "Howell catalog C-41",
        }
    }

    /// A one-line description with the lengths.
    pub fn description(&self) -> String {
        match *self {
            Self::ParallelRectangles {
                width_m,
                height_m,
                gap_m,
            } => format!(
                "parallel directly opposed rectangles {width_m} m x {height_m} m, {gap_m} m apart"
            ),
            Self::PerpendicularRectangles {
                edge_m,
                width_m,
                height_m,
            } => format!(
                "perpendicular rectangles with a common edge of {edge_m} m, from the {width_m} m \
                 wide one to the {height_m} m high one"
            ),
            Self::CoaxialDiscs {
                radius1_m,
                radius2_m,
                gap_m,
            } => format!(
                "coaxial parallel discs r1 = {radius1_m} m, r2 = {radius2_m} m, {gap_m} m apart"
            ),
        }
    }

    /// The closed-form `F₁₂` (`None` unless every length is finite and > 0).
    pub fn view_factor(&self) -> Option<f64> {
        match *self {
            Self::ParallelRectangles {
                width_m,
                height_m,
                gap_m,
            } => parallel_rectangles(width_m, height_m, gap_m),
            Self::PerpendicularRectangles {
                edge_m,
                width_m,
                height_m,
            } => perpendicular_rectangles(edge_m, width_m, height_m),
            Self::CoaxialDiscs {
                radius1_m,
                radius2_m,
                gap_m,
            } => coaxial_discs(radius1_m, radius2_m, gap_m),
        }
    }

    /// The two surfaces as a checked scene (a zero length is refused as a zero area or
    /// coincident surfaces).
    pub fn scene(&self) -> Result<Scene, RadiationError> {
        let (x, y, z) = (Vec3::x(), Vec3::y(), Vec3::z());
        let surfaces = match *self {
            Self::ParallelRectangles {
                width_m,
                height_m,
                gap_m,
            } => vec![
                Surface::rectangle("1", Vec3::zeros(), x * width_m, y * height_m),
                Surface::rectangle("2", z * gap_m, y * height_m, x * width_m),
            ],
            Self::PerpendicularRectangles {
                edge_m,
                width_m,
                height_m,
            } => vec![
                Surface::rectangle("1", Vec3::zeros(), x * edge_m, y * width_m),
                Surface::rectangle("2", Vec3::zeros(), z * height_m, x * edge_m),
            ],
            Self::CoaxialDiscs {
                radius1_m,
                radius2_m,
                gap_m,
            } => vec![
                Surface::disc("1", Vec3::zeros(), z, radius1_m),
                Surface::disc("2", z * gap_m, -z, radius2_m),
            ],
        };
        Scene::new(surfaces)
    }
}

/// Whether every length is finite and > 0.
fn positive(lengths: &[f64]) -> bool {
    lengths.iter().all(|l| l.is_finite() && *l > 0.0)
}

/// Parallel, directly opposed rectangles `width_m × height_m`, `gap_m` apart (Howell C-11;
/// Incropera Table 13.2, "aligned parallel rectangles"): with `X = width/gap`,
/// `Y = height/gap`,
///
/// `F = 2/(π X Y) · { ln √[(1+X²)(1+Y²)/(1+X²+Y²)] + X √(1+Y²) atan(X/√(1+Y²))
///       + Y √(1+X²) atan(Y/√(1+X²)) − X atan X − Y atan Y }`.
pub fn parallel_rectangles(width_m: f64, height_m: f64, gap_m: f64) -> Option<f64> {
    if !positive(&[width_m, height_m, gap_m]) {
        return None;
    }
    let x = width_m / gap_m;
    let y = height_m / gap_m;
    let (x2, y2) = (x * x, y * y);
    let (sx, sy) = ((1.0 + x2).sqrt(), (1.0 + y2).sqrt());
    let bracket = 0.5 * ((1.0 + x2) * (1.0 + y2) / (1.0 + x2 + y2)).ln()
        + x * sy * (x / sy).atan()
        + y * sx * (y / sx).atan()
        - x * x.atan()
        - y * y.atan();
    Some((2.0 / (PI * x * y) * bracket).clamp(0.0, 1.0))
}

/// Perpendicular rectangles with a common edge of length `edge_m`: from rectangle 1 of
/// extent `width_m` (perpendicular to the edge) to rectangle 2 of extent `height_m`
/// (Howell C-14; Incropera Table 13.2): with `H = height/edge`, `W = width/edge`,
///
/// `F = 1/(π W) · { W atan(1/W) + H atan(1/H) − √(H²+W²) atan(1/√(H²+W²))
///       + ¼ ln( (1+W²)(1+H²)/(1+W²+H²) · [W²(1+W²+H²)/((1+W²)(W²+H²))]^{W²}
///              · [H²(1+H²+W²)/((1+H²)(H²+W²))]^{H²} ) }`.
pub fn perpendicular_rectangles(edge_m: f64, width_m: f64, height_m: f64) -> Option<f64> {
    if !positive(&[edge_m, width_m, height_m]) {
        return None;
    }
    let h = height_m / edge_m;
    let w = width_m / edge_m;
    let (h2, w2) = (h * h, w * w);
    let s = (h2 + w2).sqrt();
    // The logarithm of the product, summed term by term (the powers overflow for large
    // aspect ratios otherwise).
    let log = ((1.0 + w2) * (1.0 + h2) / (1.0 + w2 + h2)).ln()
        + w2 * (w2 * (1.0 + w2 + h2) / ((1.0 + w2) * (w2 + h2))).ln()
        + h2 * (h2 * (1.0 + h2 + w2) / ((1.0 + h2) * (h2 + w2))).ln();
    let bracket = w * (1.0 / w).atan() + h * (1.0 / h).atan() - s * (1.0 / s).atan() + 0.25 * log;
    Some((bracket / (PI * w)).clamp(0.0, 1.0))
}

/// Coaxial parallel discs: from disc 1 of radius `radius1_m` to disc 2 of radius
/// `radius2_m`, `gap_m` apart (Howell C-41; Incropera Table 13.2): with `R₁ = r₁/L`,
/// `R₂ = r₂/L`, `S = 1 + (1 + R₂²)/R₁²`,
///
/// `F = ½ { S − √(S² − 4 (r₂/r₁)²) }`.
pub fn coaxial_discs(radius1_m: f64, radius2_m: f64, gap_m: f64) -> Option<f64> {
    if !positive(&[radius1_m, radius2_m, gap_m]) {
        return None;
    }
    let r1 = radius1_m / gap_m;
    let r2 = radius2_m / gap_m;
    let s = 1.0 + (1.0 + r2 * r2) / (r1 * r1);
    let ratio = radius2_m / radius1_m;
    // S − √(S² − 4q) loses digits when 4q ≪ S²; the equal product form
    // 4q / (S + √(S² − 4q)) does not.
    let q = ratio * ratio;
    let root = (s * s - 4.0 * q).max(0.0).sqrt();
    Some((0.5 * 4.0 * q / (s + root)).clamp(0.0, 1.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn val_published_spot_checks() {
        // Cube faces: opposite 0.1998, adjacent 0.2000 (Incropera Figs. 13.4, 13.6;
        // Howell C-11, C-14 tables).
        let opp = parallel_rectangles(1.0, 1.0, 1.0).unwrap();
        assert!((opp - 0.19982).abs() < 5e-5, "{opp}");
        let adj = perpendicular_rectangles(1.0, 1.0, 1.0).unwrap();
        assert!((adj - 0.20004).abs() < 5e-5, "{adj}");
        // Rectangles 1 × 1.5 at 0.5 → 0.4756 (REFERENCES.md).
        let r = parallel_rectangles(1.0, 1.5, 0.5).unwrap();
        assert!((r - 0.4756).abs() < 5e-5, "{r}");
        // Discs r1 = 0.1, r2 = 0.2, gap 0.5 → 0.1339 (REFERENCES.md).
        let d = coaxial_discs(0.1, 0.2, 0.5).unwrap();
        assert!((d - 0.1339).abs() < 1e-4, "{d}");
    }

    #[test]
    fn limits_and_reciprocity() {
        // Very close plates see only each other; very far ones almost nothing.
        assert!(parallel_rectangles(1e3, 1e3, 1.0).unwrap() > 0.998);
        assert!(parallel_rectangles(1.0, 1.0, 1e3).unwrap() < 1e-6);
        assert!(coaxial_discs(1e3, 1e3, 1.0).unwrap() > 0.999);
        // Reciprocity of the perpendicular pair: A1 F12 = A2 F21.
        let (l, w, h) = (1.3, 0.7, 2.1);
        let f12 = perpendicular_rectangles(l, w, h).unwrap();
        let f21 = perpendicular_rectangles(l, h, w).unwrap();
        assert!((l * w * f12 - l * h * f21).abs() < 1e-13);
        // ... and of the discs.
        let f12 = coaxial_discs(0.3, 0.8, 0.4).unwrap();
        let f21 = coaxial_discs(0.8, 0.3, 0.4).unwrap();
        assert!((0.09 * f12 - 0.64 * f21).abs() < 1e-14);
        // Perpendicular strips with a long common edge tend to the two-dimensional factor
        // of Hottel's crossed-strings rule, F = (w + h − √(w² + h²)) / (2w).
        let f = perpendicular_rectangles(1e4, 1.0, 2.0).unwrap();
        let exact = (1.0 + 2.0 - 5f64.sqrt()) / 2.0;
        assert!((f - exact).abs() < 1e-3, "{f} vs {exact}");
        assert!(parallel_rectangles(0.0, 1.0, 1.0).is_none());
        assert!(coaxial_discs(1.0, f64::NAN, 1.0).is_none());
    }
}
