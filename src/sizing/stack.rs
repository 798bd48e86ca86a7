//! Radiator panels in a stack: `N` equal parallel panels, `gap_m` apart, face to face.
//!
//! Each panel of a stack is `length × width`; its faces radiate with the coating's ε. The
//! outer faces of the end panels see only space; every inner face sees the facing face of
//! its neighbour with the factor `F` of directly opposed rectangles (Howell's catalog C-11,
//! [`crate::radiation::analytic::parallel_rectangles`]) and space with `1 − F`. A face sees
//! no panel beyond its neighbour: the neighbour, equal and aligned, covers its whole view of
//! them (checked by Monte Carlo in the tests). The grey diffuse exchange
//! ([`crate::radiation::grey_diffuse_exchange`], Gebhart factors) of the stack's `2N` faces
//! then gives each face's conductance to space `R_i,space`; at one temperature (a stack of
//! equal panels in one loop) the faces exchange nothing among themselves, and the stack
//! rejects `σ T⁴ Σ R_i,space`. Its **view to space**
//!
//! `χ = Σ_i R_i,space / Σ_i ε_i A_i`
//!
//! is the fraction of what the same panels would reject apart; `1 − χ` is the rejection lost.
//! For `N = 2` two-sided this is vf-06's figure,
//! `χ = 1 − ½[1 − (1 − F)/(1 − (1 − ε)F)]`.
//!
//! The sizing section takes the stack through an effective emissivity `ε χ` on its faces: its
//! radiation to space is scaled by χ, and so is the Earth infrared it absorbs (the neighbours
//! hide the Earth as they hide space; exact for diffuse incident flux). Sunlight is not
//! reduced (the neighbours' shadows are ignored), which errs on the hot side.

use crate::error::{Error, SizingError};
use crate::mesh::Coating;
use crate::radiation::{analytic, grey_diffuse_exchange};

/// Most panels in a stack.
pub const MAX_STACK_PANELS: usize = 1000;

/// A stack of equal parallel radiator panels.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RadiatorStack {
    /// Number of panels (1: a lone panel).
    pub panels: usize,
    /// Gap between neighbouring panels, m.
    pub gap_m: f64,
    /// Width of each panel (across the tubes), m (`None`: square panels, as wide as the
    /// section is long); its length is the section's.
    pub width_m: Option<f64>,
}

impl RadiatorStack {
    /// A stack of `panels` (1 to [`MAX_STACK_PANELS`]) panels `width_m` wide (`None`: square),
    /// `gap_m` apart (both finite and > 0).
    pub fn new(panels: usize, gap_m: f64, width_m: Option<f64>) -> Result<Self, SizingError> {
        let bad = |q: &str, v: f64, allowed: &str| SizingError::InvalidInput {
            quantity: q.into(),
            value: v,
            allowed: allowed.into(),
        };
        if panels == 0 || panels > MAX_STACK_PANELS {
            return Err(bad("stack", panels as f64, "1 to 1000 panels"));
        }
        if !(gap_m.is_finite() && gap_m > 0.0 && gap_m <= 1e5) {
            return Err(bad("gap_m", gap_m, "> 0 m and <= 1e5 m"));
        }
        if let Some(w) = width_m {
            if !(w.is_finite() && w > 0.0 && w <= 1e5) {
                return Err(bad("panel_width_m", w, "> 0 m and <= 1e5 m"));
            }
        }
        Ok(Self {
            panels,
            gap_m,
            width_m,
        })
    }

    /// The view factor between facing faces of neighbours, for panels `length_m` long.
    pub fn facing_factor(&self, length_m: f64) -> f64 {
        let width = self.width_m.unwrap_or(length_m);
        analytic::parallel_rectangles(length_m, width, self.gap_m).unwrap_or(0.0)
    }

    /// The stack's view to space χ (see the module documentation) for panels `length_m`
    /// long with `coating`, radiating from both faces or (one-sided) from the top face only,
    /// the insulated back then a perfect reflector.
    pub fn view_to_space(
        &self,
        length_m: f64,
        coating: &Coating,
        two_sided: bool,
    ) -> Result<f64, Error> {
        if self.panels == 1 {
            return Ok(1.0);
        }
        let f = self.facing_factor(length_m);
        let n = 2 * self.panels;
        let area = length_m * self.width_m.unwrap_or(length_m);
        // Faces: panel k's bottom 2k, top 2k + 1; top of k faces bottom of k + 1.
        let mut factors = vec![0.0; n * n];
        let mut space = vec![1.0; n];
        for k in 0..self.panels - 1 {
            let (top, next_bottom) = (2 * k + 1, 2 * k + 2);
            factors[top * n + next_bottom] = f;
            factors[next_bottom * n + top] = f;
            space[top] = 1.0 - f;
            space[next_bottom] = 1.0 - f;
        }
        let emissivities: Vec<f64> = (0..n)
            .map(|i| {
                if two_sided || i % 2 == 1 {
                    coating.emissivity
                } else {
                    0.0
                }
            })
            .collect();
        let x = grey_diffuse_exchange(&factors, &space, &vec![area; n], &emissivities)?;
        let kept: f64 = (0..n).map(|i| x.to_space_m2(i)).sum();
        let alone: f64 = emissivities.iter().map(|e| e * area).sum();
        Ok(kept / alone)
    }

    /// The section's effective coating in this stack: emissivity `ε χ`, absorptivity kept.
    pub fn effective_coating(
        &self,
        length_m: f64,
        coating: &Coating,
        two_sided: bool,
    ) -> Result<Coating, Error> {
        Ok(Coating {
            absorptivity: coating.absorptivity,
            emissivity: coating.emissivity * self.view_to_space(length_m, coating, two_sided)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::radiation::{factor_matrix, MonteCarloOptions, Scene, Surface, Vec3};

    const WHITE: Coating = Coating {
        absorptivity: 0.15,
        emissivity: 0.91,
    };

    #[test]
    fn val_two_panels_match_the_closed_form() {
        // vf-06's closed form: lost = ½[1 − (1 − F)/(1 − (1 − ε)F)].
        for gap in [0.1, 0.5, 2.0] {
            let s = RadiatorStack::new(2, gap, Some(2.0)).unwrap();
            let f = s.facing_factor(3.0);
            let eps = WHITE.emissivity;
            let exact = 1.0 - 0.5 * (1.0 - (1.0 - f) / (1.0 - (1.0 - eps) * f));
            let chi = s.view_to_space(3.0, &WHITE, true).unwrap();
            assert!((chi - exact).abs() < 1e-13, "gap {gap}: {chi} vs {exact}");
        }
        assert_eq!(
            RadiatorStack::new(1, 0.1, None)
                .unwrap()
                .view_to_space(1.0, &WHITE, true)
                .unwrap(),
            1.0
        );
    }

    #[test]
    fn more_panels_and_smaller_gaps_lose_more() {
        let chi = |n, gap| {
            RadiatorStack::new(n, gap, Some(2.0))
                .unwrap()
                .view_to_space(4.0, &WHITE, true)
                .unwrap()
        };
        assert!(chi(3, 0.5) < chi(2, 0.5));
        assert!(chi(2, 0.25) < chi(2, 1.0));
        // A long stack tends to the inner faces' figure alone.
        let f = RadiatorStack::new(2, 0.5, Some(2.0))
            .unwrap()
            .facing_factor(4.0);
        let inner = (1.0 - f) / (1.0 - (1.0 - WHITE.emissivity) * f);
        assert!((chi(1000, 0.5) - inner).abs() < 1e-3 * (1.0 - inner) + 1e-3);
    }

    #[test]
    fn a_face_sees_no_panel_beyond_its_neighbour() {
        // Three 1 m squares 0.3 m apart: Monte Carlo finds no ray from the bottom panel's top
        // face reaching the top panel, and the factor to the neighbour is C-11's.
        let sq = |name: &str, z: f64| {
            Surface::rectangle(name, Vec3::new(0.0, 0.0, z), Vec3::x(), Vec3::y()).two_sided()
        };
        let scene = Scene::new(vec![sq("a", 0.0), sq("b", 0.3), sq("c", 0.6)]).unwrap();
        let m = factor_matrix(&scene, &MonteCarloOptions::new(200_000, 3).unwrap()).unwrap();
        // Faces: a front 0, a back 1, b front 2, b back 3, c front 4, c back 5.
        assert_eq!(m.factor(0, 4), 0.0);
        assert_eq!(m.factor(0, 5), 0.0);
        let exact = analytic::parallel_rectangles(1.0, 1.0, 0.3).unwrap();
        assert!((m.factor(0, 3) - exact).abs() < 4.0 * m.standard_error(0, 3));
    }

    #[test]
    fn bad_stacks_are_refused() {
        assert!(RadiatorStack::new(0, 0.1, None).is_err());
        assert!(RadiatorStack::new(2, 0.0, None).is_err());
        assert!(RadiatorStack::new(2, 0.1, Some(f64::NAN)).is_err());
    }
}
