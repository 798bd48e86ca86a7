//! Earth shadow: lit fraction of the solar disk (conical model with penumbra, or cylindrical),
//! and eclipse entry/exit times by root finding.
//!
//! The Earth is a sphere of the equatorial radius (no oblateness, no atmosphere: a real
//! atmosphere dims the Sun some 20–50 km above the limb, which shifts LEO shadow boundaries
//! by a few seconds at most).

use nalgebra::Vector3;

use crate::constants::{EARTH_RADIUS_KM, SOLAR_RADIUS_KM};

/// Which shadow model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ShadowModel {
    /// Conical shadow with penumbra: the visible fraction of the solar disk, by the overlap of
    /// the solar and Earth disks seen from the satellite (Montenbruck & Gill, *Satellite
    /// Orbits*, §3.4.2, eqs. 3.85–3.87).
    #[default]
    Conical,
    /// Cylinder of Earth radius behind the Earth along the Earth–Sun line: lit (1) or not (0)
    /// (Montenbruck & Gill §3.4.2, eq. 3.84).
    Cylindrical,
}

/// Shadow functions (radians for the conical model, km for the cylindrical one), continuous
/// in time and negative inside the shadow: `penumbra = c − (a + b)`, `umbra = c − (b − a)` with
/// `a` the Sun's and `b` the Earth's apparent radius and `c` their angular separation seen from
/// the satellite (Montenbruck & Gill §3.4.2). For the cylindrical model both equal the
/// distance from the shadow cylinder's surface, `|r⊥| − R` behind the Earth (`|r| − R` in
/// front).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ShadowFunctions {
    /// Negative inside the penumbra or umbra.
    pub penumbra: f64,
    /// Negative inside the umbra.
    pub umbra: f64,
}

impl ShadowModel {
    /// Fraction of the solar disk visible from `r_sat_km` (0 = umbra, 1 = full Sun), with the
    /// Sun at `r_sun_km` (both Earth-centred, km). Conical: with `x = (c² + a² − b²)/(2c)`,
    /// `y = √(a² − x²)`, the hidden area is `A = a² acos(x/a) + b² acos((c − x)/b) − c y` and
    /// `ν = 1 − A/(π a²)`; in an annular configuration (`c < a − b`) `ν = 1 − b²/a²`
    /// (Montenbruck & Gill eqs. 3.85–3.87, flat-disk approximation).
    pub fn lit_fraction(self, r_sat_km: &Vector3<f64>, r_sun_km: &Vector3<f64>) -> f64 {
        match self {
            ShadowModel::Cylindrical => {
                let s = r_sun_km / r_sun_km.norm();
                let along = r_sat_km.dot(&s);
                if along >= 0.0 || (r_sat_km - s * along).norm() > EARTH_RADIUS_KM {
                    1.0
                } else {
                    0.0
                }
            }
            ShadowModel::Conical => {
                let (a, b, c) = disk_geometry(r_sat_km, r_sun_km);
                conical_lit_fraction(a, b, c)
            }
        }
    }

    /// Lit fraction and shadow functions together (one disk-geometry evaluation).
    pub fn evaluate(
        self,
        r_sat_km: &Vector3<f64>,
        r_sun_km: &Vector3<f64>,
    ) -> (f64, ShadowFunctions) {
        match self {
            ShadowModel::Cylindrical => (
                self.lit_fraction(r_sat_km, r_sun_km),
                self.shadow_functions(r_sat_km, r_sun_km),
            ),
            ShadowModel::Conical => {
                let (a, b, c) = disk_geometry(r_sat_km, r_sun_km);
                (
                    conical_lit_fraction(a, b, c),
                    ShadowFunctions {
                        penumbra: c - (a + b),
                        umbra: c - (b - a),
                    },
                )
            }
        }
    }

    /// The shadow functions at this geometry (see [`ShadowFunctions`]).
    pub fn shadow_functions(
        self,
        r_sat_km: &Vector3<f64>,
        r_sun_km: &Vector3<f64>,
    ) -> ShadowFunctions {
        match self {
            ShadowModel::Cylindrical => {
                let s = r_sun_km / r_sun_km.norm();
                let along = r_sat_km.dot(&s);
                let g = if along >= 0.0 {
                    r_sat_km.norm() - EARTH_RADIUS_KM
                } else {
                    (r_sat_km - s * along).norm() - EARTH_RADIUS_KM
                };
                ShadowFunctions {
                    penumbra: g,
                    umbra: g,
                }
            }
            ShadowModel::Conical => {
                let (a, b, c) = disk_geometry(r_sat_km, r_sun_km);
                ShadowFunctions {
                    penumbra: c - (a + b),
                    umbra: c - (b - a),
                }
            }
        }
    }
}

/// Apparent radii of the Sun (`a`) and Earth (`b`) and their separation (`c`), radians, seen
/// from the satellite (Montenbruck & Gill eq. 3.85).
pub fn disk_geometry(r_sat_km: &Vector3<f64>, r_sun_km: &Vector3<f64>) -> (f64, f64, f64) {
    let to_sun = r_sun_km - r_sat_km;
    let d_sun = to_sun.norm();
    let d_earth = r_sat_km.norm();
    let a = (SOLAR_RADIUS_KM / d_sun).clamp(-1.0, 1.0).asin();
    let b = (EARTH_RADIUS_KM / d_earth).clamp(-1.0, 1.0).asin();
    let cos_c = (-r_sat_km.dot(&to_sun) / (d_earth * d_sun)).clamp(-1.0, 1.0);
    (a, b, cos_c.acos())
}

/// Lit fraction of a disk of radius `a` partly hidden by a disk of radius `b` whose centre is
/// `c` away (all angles, flat-disk approximation; Montenbruck & Gill eqs. 3.86–3.87).
pub fn conical_lit_fraction(a: f64, b: f64, c: f64) -> f64 {
    if c >= a + b {
        1.0
    } else if c <= b - a {
        0.0
    } else if c <= a - b {
        1.0 - (b * b) / (a * a)
    } else {
        let x = (c * c + a * a - b * b) / (2.0 * c);
        let y = (a * a - x * x).max(0.0).sqrt();
        let area = a * a * (x / a).clamp(-1.0, 1.0).acos()
            + b * b * ((c - x) / b).clamp(-1.0, 1.0).acos()
            - c * y;
        (1.0 - area / (std::f64::consts::PI * a * a)).clamp(0.0, 1.0)
    }
}

/// One pass through the Earth's shadow, in seconds after the orbit epoch.
///
/// For the cylindrical model penumbra and umbra times coincide. Times may lie outside the
/// requested span when an eclipse straddles its ends: the pass is always complete.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Eclipse {
    /// Start of the penumbra (first loss of sunlight).
    pub penumbra_entry_s: f64,
    /// Start of the umbra; `None` for a penumbral-only pass.
    pub umbra_entry_s: Option<f64>,
    /// End of the umbra; `None` for a penumbral-only pass.
    pub umbra_exit_s: Option<f64>,
    /// End of the penumbra (full Sun again).
    pub penumbra_exit_s: f64,
}

impl Eclipse {
    /// Total shadow duration, penumbra entry to exit, s.
    pub fn duration_s(&self) -> f64 {
        self.penumbra_exit_s - self.penumbra_entry_s
    }

    /// Umbra duration, s (0 for a penumbral-only pass).
    pub fn umbra_duration_s(&self) -> f64 {
        match (self.umbra_entry_s, self.umbra_exit_s) {
            (Some(a), Some(b)) => b - a,
            _ => 0.0,
        }
    }
}

/// Root tolerance for eclipse boundary times, s.
pub(crate) const EVENT_TIME_TOLERANCE_S: f64 = 1e-3;

/// Intervals where `g(t) < 0` within `[t0, t1]`, each extended beyond the span (by at most
/// `max_extension_s`) until `g` turns positive, with boundaries found to
/// [`EVENT_TIME_TOLERANCE_S`]. `g` is sampled every `scan_step_s`; a dip below zero between
/// samples is caught by minimising `g` (golden section) wherever three samples bracket a local
/// minimum, so grazing passes shorter than a step are found too — unless the minimum sample
/// exceeds `max_rate · scan_step_s`, when `|dg/dt| ≤ max_rate` rules a dip out (pass
/// `f64::INFINITY` to always look). `samples` may supply `g` at the scan times
/// `t0 + k·scan_step_s` (to reuse values computed elsewhere).
pub fn negative_intervals(
    g: &dyn Fn(f64) -> f64,
    t0: f64,
    t1: f64,
    scan_step_s: f64,
    max_extension_s: f64,
    max_rate: f64,
    samples: Option<&[f64]>,
) -> Vec<(f64, f64)> {
    let n = ((t1 - t0) / scan_step_s).ceil().max(1.0) as usize;
    let time = |k: usize| (t0 + k as f64 * scan_step_s).min(t1);
    let vals: Vec<f64> = match samples {
        Some(s) if s.len() == n + 1 => s.to_vec(),
        _ => (0..=n).map(|k| g(time(k))).collect(),
    };
    let mut crossings: Vec<(f64, bool)> = Vec::new(); // (time, entering)
    for k in 0..n {
        let (ta, tb) = (time(k), time(k + 1));
        let (ga, gb) = (vals[k], vals[k + 1]);
        if (ga >= 0.0) != (gb >= 0.0) {
            crossings.push((refine_root(g, ta, tb, ga, gb), ga >= 0.0));
        } else if ga >= 0.0
            && k + 2 <= n
            && vals[k + 1] < ga
            && vals[k + 1] <= vals[k + 2]
            && vals[k + 1] < max_rate * scan_step_s
        {
            // Local minimum bracketed by samples k, k+1, k+2, all non-negative: look inside.
            let (tm, gm) = golden_minimum(g, ta, time(k + 2));
            if gm < 0.0 {
                crossings.push((refine_root(g, ta, tm, ga, gm), true));
                crossings.push((refine_root(g, tm, time(k + 2), gm, vals[k + 2]), false));
            }
        }
    }
    crossings.sort_by(|a, b| a.0.total_cmp(&b.0));
    crossings.dedup_by(|a, b| (a.0 - b.0).abs() < 1e-6 && a.1 == b.1);
    let mut out = Vec::new();
    let mut start: Option<f64> = if vals[0] < 0.0 {
        Some(extend(g, t0, -scan_step_s, max_extension_s))
    } else {
        None
    };
    for (t, entering) in crossings {
        if entering {
            start = Some(t);
        } else if let Some(s) = start.take() {
            out.push((s, t));
        }
    }
    if let Some(s) = start {
        out.push((s, extend(g, t1, scan_step_s, max_extension_s)));
    }
    out
}

/// Walks from `t` (where g < 0) in steps of `step` until g ≥ 0, then refines the root;
/// gives up after `max_s` (returning the last time reached).
fn extend(g: &dyn Fn(f64) -> f64, t: f64, step: f64, max_s: f64) -> f64 {
    let mut ta = t;
    let mut ga = g(ta);
    let mut walked = 0.0;
    while walked < max_s {
        let tb = ta + step;
        let gb = g(tb);
        if gb >= 0.0 {
            return refine_root(g, ta, tb, ga, gb);
        }
        ta = tb;
        ga = gb;
        walked += step.abs();
    }
    ta
}

/// Root of `g` in `[a, b]` with a sign change, by the Illinois variant of regula falsi with a
/// bisection safeguard, to [`EVENT_TIME_TOLERANCE_S`].
fn refine_root(g: &dyn Fn(f64) -> f64, a: f64, b: f64, ga: f64, gb: f64) -> f64 {
    let (mut a, mut b, mut ga, mut gb) = if a <= b {
        (a, b, ga, gb)
    } else {
        (b, a, gb, ga)
    };
    if ga == 0.0 {
        return a;
    }
    let mut side = 0;
    for it in 0..100 {
        if b - a < EVENT_TIME_TOLERANCE_S {
            break;
        }
        let mut m = (a * gb - b * ga) / (gb - ga);
        if !(m > a && m < b) || it % 4 == 3 {
            m = 0.5 * (a + b);
        }
        let gm = g(m);
        if (gm >= 0.0) == (ga >= 0.0) {
            a = m;
            ga = gm;
            if side == -1 {
                gb *= 0.5;
            }
            side = -1;
        } else {
            b = m;
            gb = gm;
            if side == 1 {
                ga *= 0.5;
            }
            side = 1;
        }
    }
    0.5 * (a + b)
}

/// Minimum of a unimodal `g` on `[a, b]` by golden-section search to 1e-3 s.
fn golden_minimum(g: &dyn Fn(f64) -> f64, mut a: f64, mut b: f64) -> (f64, f64) {
    let r = 0.5 * (5f64.sqrt() - 1.0);
    let mut c = b - r * (b - a);
    let mut d = a + r * (b - a);
    let (mut gc, mut gd) = (g(c), g(d));
    while b - a > EVENT_TIME_TOLERANCE_S {
        if gc < gd {
            b = d;
            d = c;
            gd = gc;
            c = b - r * (b - a);
            gc = g(c);
        } else {
            a = c;
            c = d;
            gc = gd;
            d = a + r * (b - a);
            gd = g(d);
        }
        if gc < 0.0 || gd < 0.0 {
            break;
        }
    }
    if gc < gd {
        (c, gc)
    } else {
        (d, gd)
    }
}

/// Eclipses (complete passes) overlapping `[t0_s, t1_s]` for a satellite and Sun whose
/// Earth-centred positions (km) at time t are given by `geometry(t)`. The shadow functions
/// are sampled every `scan_step_s` (a small fraction of the orbit period: the golden-section
/// safeguard of `negative_intervals` catches grazing passes between samples; `max_rate`
/// bounds the shadow functions' rate of change, see [`crate::orbit::Orbit::shadow_rate_bound`]).
pub fn find_eclipses(
    geometry: &dyn Fn(f64) -> (Vector3<f64>, Vector3<f64>),
    model: ShadowModel,
    t0_s: f64,
    t1_s: f64,
    scan_step_s: f64,
    max_extension_s: f64,
    max_rate: f64,
) -> Vec<Eclipse> {
    let pen = |t: f64| {
        let (r, s) = geometry(t);
        model.shadow_functions(&r, &s).penumbra
    };
    let umb = |t: f64| {
        let (r, s) = geometry(t);
        model.shadow_functions(&r, &s).umbra
    };
    let passes = negative_intervals(
        &pen,
        t0_s,
        t1_s,
        scan_step_s,
        max_extension_s,
        max_rate,
        None,
    );
    assemble(&passes, |a, b| match model {
        ShadowModel::Cylindrical => vec![(a, b)],
        ShadowModel::Conical => negative_intervals(
            &umb,
            a,
            b,
            scan_step_s.min((b - a) / 4.0),
            0.0,
            max_rate,
            None,
        ),
    })
}

/// Builds eclipse records from penumbral passes and a finder of umbral intervals within one.
pub(crate) fn assemble(
    passes: &[(f64, f64)],
    umbra_in: impl Fn(f64, f64) -> Vec<(f64, f64)>,
) -> Vec<Eclipse> {
    passes
        .iter()
        .map(|&(a, b)| {
            let umbra = umbra_in(a, b);
            let (ue, ux) = match (umbra.first(), umbra.last()) {
                (Some(f), Some(l)) => (Some(f.0), Some(l.1)),
                _ => (None, None),
            };
            Eclipse {
                penumbra_entry_s: a,
                umbra_entry_s: ue,
                umbra_exit_s: ux,
                penumbra_exit_s: b,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lit_fraction_limits_and_monotonic() {
        let (a, b) = (0.01, 0.5);
        assert_eq!(conical_lit_fraction(a, b, 0.6), 1.0);
        assert_eq!(conical_lit_fraction(a, b, 0.4), 0.0);
        let mut prev = 0.0;
        for k in 0..=100 {
            let c = b - a + 2.0 * a * k as f64 / 100.0;
            let nu = conical_lit_fraction(a, b, c);
            assert!(nu >= prev - 1e-12);
            prev = nu;
        }
        // Half-covered when the limb passes through the Sun's centre (large Earth disk: ~0.5).
        let half = conical_lit_fraction(a, 100.0 * a, 100.0 * a);
        assert!((half - 0.5).abs() < 0.01, "{half}");
    }

    #[test]
    fn intervals_of_a_sine() {
        let g = |t: f64| (t / 100.0).sin();
        let iv = negative_intervals(&g, 1.0, 1000.0, 7.0, 1000.0, f64::INFINITY, None);
        let pi = std::f64::consts::PI;
        assert_eq!(iv.len(), 2);
        assert!((iv[0].0 - 100.0 * pi).abs() < 2e-3 && (iv[0].1 - 200.0 * pi).abs() < 2e-3);
        // the second interval runs past t1 = 1000 and is completed at 400π
        assert!((iv[1].1 - 400.0 * pi).abs() < 2e-3);
    }

    #[test]
    fn grazing_dip_between_samples_is_found() {
        let g = |t: f64| (t - 50.0).powi(2) - 0.25; // negative on (49.5, 50.5)
        let iv = negative_intervals(&g, 0.0, 100.0, 10.0, 0.0, f64::INFINITY, None);
        assert_eq!(iv.len(), 1);
        assert!((iv[0].0 - 49.5).abs() < 2e-3 && (iv[0].1 - 50.5).abs() < 2e-3);
    }
}
