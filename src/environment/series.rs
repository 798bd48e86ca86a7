//! Tabulated absorbed fluxes over a time span, shared across many surfaces.
//!
//! Per time step the orbit, Sun, lit fraction, attitude and local frame are computed once.
//! Per surface and step, the solar term is a dot product, the Earth-IR view factor comes
//! from a fine 1D table in `cos γ`, and the albedo factor from a 3D table in
//! (`cos θs`, `n_Z`, `cos ψ`) — solar zenith angle at the sub-satellite point, the normal's
//! zenith component and its azimuth from the Sun — filled once per orbit altitude by the
//! quadrature of [`super::view_factor::diffuse_earth_factor`] and interpolated trilinearly
//! (error below 0.25 % of the sub-solar nadir value; tested). Eccentric orbits get a stack
//! of tables in `H = r/R`.
//!
//! Eclipse boundaries are root-found (to 1 ms) from the shadow functions sampled on the same
//! grid, so a transient solver can land steps on them; between grid points the lit fraction
//! is interpolated piecewise-linearly through those boundaries and extra penumbra points.

use nalgebra::Vector3;
use rayon::prelude::*;

#[cfg(test)]
use super::view_factor::diffuse_earth_factor;
use super::view_factor::{diffuse_earth_factor_azimuths, plate_to_sphere_view_factor};
use super::{AbsorbedFlux, EnvironmentModel, EnvironmentPreset, FluxGeometry, Surface};
use crate::constants::EARTH_RADIUS_KM;
use crate::error::OrbitError;
use crate::orbit::eclipse::{assemble, negative_intervals};
use crate::orbit::sun::{precession_matrix, sun_position_with};
use crate::orbit::{Eclipse, ShadowModel};

const N_CS: usize = 73;
const N_U: usize = 97;
const N_CP: usize = 25;
const N_IR: usize = 4097;

/// Albedo and IR factor tables at one `H = r/R`.
#[derive(Debug, Clone)]
pub struct EarthFactorTable {
    h: f64,
    /// Albedo factors, `f32` (7 digits; halves the cache footprint of the hot lookups).
    albedo: Vec<f32>,
    ir: Vec<f64>,
}

fn grid(i: usize, n: usize) -> f64 {
    -1.0 + 2.0 * i as f64 / (n - 1) as f64
}

fn locate(v: f64, n: usize) -> (usize, f64) {
    let x = ((v.clamp(-1.0, 1.0) + 1.0) * 0.5 * (n - 1) as f64).min((n - 1) as f64);
    let i = (x as usize).min(n - 2);
    (i, x - i as f64)
}

impl EarthFactorTable {
    /// Fills the tables at `h` (in parallel over the solar-zenith axis).
    pub fn new(h: f64) -> Self {
        let mut albedo = vec![0.0; N_CS * N_U * N_CP];
        albedo
            .par_chunks_mut(N_U * N_CP)
            .enumerate()
            .for_each(|(i, chunk)| {
                let cs = grid(i, N_CS);
                let psis: Vec<f64> = (0..N_CP).map(|k| grid(k, N_CP).acos()).collect();
                for j in 0..N_U {
                    // u = sin(γ/2), γ the tilt from nadir: n_Z = 2u² − 1, n_h = 2u√(1 − u²).
                    let u = j as f64 / (N_U - 1) as f64;
                    let nz = 2.0 * u * u - 1.0;
                    let nh = 2.0 * u * (1.0 - u * u).max(0.0).sqrt();
                    diffuse_earth_factor_azimuths(
                        h,
                        Some(cs),
                        nz,
                        nh,
                        &psis,
                        &mut chunk[j * N_CP..(j + 1) * N_CP],
                    );
                }
            });
        let albedo = albedo.into_iter().map(|v| v as f32).collect();
        let ir = (0..N_IR)
            .map(|i| plate_to_sphere_view_factor(grid(i, N_IR), h))
            .collect();
        Self { h, albedo, ir }
    }

    /// `H = r/R` of this table.
    pub fn h_ratio(&self) -> f64 {
        self.h
    }

    /// Albedo factor by trilinear interpolation; `local = (n_X, n_Y, n_Z)`.
    #[inline]
    pub fn albedo_factor(&self, sun_cos_zenith: f64, local: [f64; 3]) -> f64 {
        self.albedo_factor_at(locate(sun_cos_zenith, N_CS), local[2], local[0])
    }

    /// [`Self::albedo_factor`] with the `cos θs` row already located.
    #[inline(always)]
    fn albedo_factor_at(&self, cs_row: (usize, f64), nz: f64, nx: f64) -> f64 {
        let nh = (1.0 - nz * nz).max(0.0).sqrt();
        let cp = if nh > 1e-12 { nx / nh } else { 1.0 };
        let (i, fi) = cs_row;
        // u = sin(γ/2) = √((1 + n_Z)/2) on [0, 1], mapped to [−1, 1] for `locate`.
        let (j, fj) = locate(2.0 * ((1.0 + nz) * 0.5).max(0.0).sqrt() - 1.0, N_U);
        let (k, fk) = locate(cp, N_CP);
        let at = |a: usize, b: usize, c: usize| f64::from(self.albedo[(a * N_U + b) * N_CP + c]);
        let lerp = |x: f64, y: f64, f: f64| x + (y - x) * f;
        let c00 = lerp(at(i, j, k), at(i, j, k + 1), fk);
        let c01 = lerp(at(i, j + 1, k), at(i, j + 1, k + 1), fk);
        let c10 = lerp(at(i + 1, j, k), at(i + 1, j, k + 1), fk);
        let c11 = lerp(at(i + 1, j + 1, k), at(i + 1, j + 1, k + 1), fk);
        lerp(lerp(c00, c01, fj), lerp(c10, c11, fj), fi)
    }

    /// IR view factor by linear interpolation in `cos γ` (γ from nadir).
    #[inline(always)]
    pub fn ir_view_factor(&self, cos_gamma: f64) -> f64 {
        let (i, f) = locate(cos_gamma, N_IR);
        self.ir[i] + (self.ir[i + 1] - self.ir[i]) * f
    }
}

/// Tables spanning an orbit's range of `H`.
#[derive(Debug, Clone)]
struct TableStack {
    layers: Vec<EarthFactorTable>,
}

impl TableStack {
    fn for_orbit(h_min: f64, h_max: f64) -> Self {
        if h_max - h_min < 1e-9 * h_min {
            return Self {
                layers: vec![EarthFactorTable::new(h_min)],
            };
        }
        // Layers uniform in the Earth's angular radius asin(1/H), at most 1.5° apart.
        let (a0, a1) = ((1.0 / h_min).asin(), (1.0 / h_max).asin());
        let n = (((a0 - a1).to_degrees() / 1.5).ceil() as usize).max(1) + 1;
        let layers = (0..n)
            .map(|k| {
                let a = a0 + (a1 - a0) * k as f64 / (n - 1) as f64;
                EarthFactorTable::new(1.0 / a.sin())
            })
            .collect();
        Self { layers }
    }

    /// Two layers and the weight of the second, for `h`.
    fn bracket(&self, h: f64) -> (usize, usize, f64) {
        let l = &self.layers;
        if l.len() == 1 || h <= l[0].h {
            return (0, 0, 0.0);
        }
        for k in 0..l.len() - 1 {
            if h <= l[k + 1].h {
                let w = (h - l[k].h) / (l[k + 1].h - l[k].h);
                return (k, k + 1, w);
            }
        }
        let last = l.len() - 1;
        (last, last, 0.0)
    }
}

/// Options for [`FluxSeries`].
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SeriesOptions {
    /// Skip root-finding of eclipse boundaries (faster; `eclipses()` is then empty and the lit
    /// fraction is interpolated between grid points only).
    pub skip_eclipse_events: bool,
}

/// Absorbed fluxes for many surfaces on a uniform time grid, with the shared geometry and the
/// eclipses of the span.
#[derive(Debug, Clone)]
pub struct FluxSeries {
    times_s: Vec<f64>,
    position_km: Vec<Vector3<f64>>,
    sun_direction: Vec<Vector3<f64>>,
    sun_distance_au: Vec<f64>,
    lit_fraction: Vec<f64>,
    beta_rad: Vec<f64>,
    surfaces: Vec<Surface>,
    /// Per surface: α S max(0, n·ŝ) before shadowing. Fluxes are stored as `f32` (seven
    /// significant digits, far finer than the environment is known) to halve the memory of
    /// long many-surface series.
    solar_unshadowed: Vec<Vec<f32>>,
    albedo: Vec<Vec<f32>>,
    earth_ir: Vec<Vec<f32>>,
    eclipses: Vec<Eclipse>,
    /// Piecewise-linear lit fraction through grid points and eclipse boundaries.
    lit_nodes_t: Vec<f64>,
    lit_nodes_v: Vec<f64>,
}

struct StepData {
    geom: FluxGeometry,
    pen: f64,
    umb: f64,
}

/// The per-step values the per-surface loop reads, packed for cache locality.
struct FillStep {
    sun_body: Vector3<f64>,
    zenith_body: Vector3<f64>,
    sun_horizontal_body: Vector3<f64>,
    /// Solar flux at the satellite, W/m².
    solar_w_m2: f64,
    /// Solar flux at the Earth, W/m².
    solar_at_earth_w_m2: f64,
    /// 1/H: a normal with n_Z ≥ 1/H cannot see the Earth.
    inv_h: f64,
    /// Albedo-table row of `cos θs` and its weight.
    cs_row: (usize, f64),
    /// No sunlit point of the Earth is visible.
    dark: bool,
    /// Table layers bracketing `H` and the weight of the second.
    layers: (usize, usize, f64),
}

impl FillStep {
    fn new(g: &FluxGeometry, stack: &TableStack) -> Self {
        let lam_max = (1.0 / g.h_ratio).acos();
        Self {
            sun_body: g.sun_body,
            zenith_body: g.zenith_body,
            sun_horizontal_body: g.sun_horizontal_body,
            solar_w_m2: g.solar_w_m2,
            solar_at_earth_w_m2: g.solar_at_earth_w_m2,
            inv_h: 1.0 / g.h_ratio,
            cs_row: locate(g.sun_cos_zenith, N_CS),
            dark: g.sun_cos_zenith <= -lam_max.sin(),
            layers: stack.bracket(g.h_ratio),
        }
    }
}

const BLOCK: usize = 2048;

impl FluxSeries {
    /// Computes the series on `t0_s, t0_s + step_s, …, t1_s` (the last step may be shorter).
    pub fn compute(
        model: &EnvironmentModel,
        surfaces: &[Surface],
        t0_s: f64,
        t1_s: f64,
        step_s: f64,
        options: &SeriesOptions,
    ) -> Result<Self, OrbitError> {
        let bad = |reason| OrbitError::BadTimeSpan {
            t0_s,
            t1_s,
            step_s,
            reason,
        };
        if !(t0_s.is_finite() && t1_s.is_finite() && step_s.is_finite()) {
            return Err(bad("times must be finite"));
        }
        if step_s <= 0.0 {
            return Err(bad("the step must be positive"));
        }
        if t1_s <= t0_s {
            return Err(bad("the end must come after the start"));
        }
        let n_steps = ((t1_s - t0_s) / step_s).ceil() as usize;
        if n_steps > 50_000_000 {
            return Err(bad("more than 50 million steps; use a longer step"));
        }
        let times: Vec<f64> = (0..=n_steps)
            .map(|k| (t0_s + k as f64 * step_s).min(t1_s))
            .collect();
        let orbit = model.orbit();
        let stack = TableStack::for_orbit(
            (EARTH_RADIUS_KM + orbit.perigee_altitude_km()) / EARTH_RADIUS_KM,
            (EARTH_RADIUS_KM + orbit.apogee_altitude_km()) / EARTH_RADIUS_KM,
        );
        let preset = *model.preset();
        let n_surf = surfaces.len();
        let n = times.len();
        let mut solar = vec![vec![0.0_f32; n]; n_surf];
        let mut albedo = vec![vec![0.0_f32; n]; n_surf];
        let mut ir = vec![vec![0.0_f32; n]; n_surf];
        let mut position_km = Vec::with_capacity(n);
        let mut sun_direction = Vec::with_capacity(n);
        let mut sun_distance_au = Vec::with_capacity(n);
        let mut lit_fraction = Vec::with_capacity(n);
        let mut beta_rad = Vec::with_capacity(n);
        let mut pen = Vec::with_capacity(n);
        let mut umb = Vec::with_capacity(n);
        let shadow = model.shadow();
        for start in (0..n).step_by(BLOCK) {
            let end = (start + BLOCK).min(n);
            // One precession matrix per block (≤ 3 days at 60 s steps: < 2e-4° of error).
            let mid_days = orbit.days_tt(0.5 * (times[start] + times[end - 1]));
            let p_t = precession_matrix(mid_days).transpose();
            let block: Vec<StepData> = times[start..end]
                .par_iter()
                .map(|&t| {
                    let sun = sun_position_with(orbit.days_tt(t), &p_t);
                    let (sample, f) = orbit.sample_with_sun(t, shadow, sun);
                    let geom = model.geometry_from_sample(sample);
                    StepData {
                        pen: f.penumbra,
                        umb: f.umbra,
                        geom,
                    }
                })
                .collect();
            let fill: Vec<FillStep> = block
                .iter()
                .map(|s| FillStep::new(&s.geom, &stack))
                .collect();
            let range = start..end;
            solar
                .par_iter_mut()
                .zip(albedo.par_iter_mut())
                .zip(ir.par_iter_mut())
                .zip(surfaces.par_iter())
                .for_each(|(((so, al), ie), surf)| {
                    fill_surface(
                        &fill,
                        &stack,
                        &preset,
                        surf,
                        &mut so[range.clone()],
                        &mut al[range.clone()],
                        &mut ie[range.clone()],
                    );
                });
            for s in &block {
                let g = &s.geom.sample;
                position_km.push(g.state.position_km);
                sun_direction.push(g.sun.direction);
                sun_distance_au.push(g.sun.distance_au);
                lit_fraction.push(g.lit_fraction);
                beta_rad.push(g.beta_rad);
                pen.push(s.pen);
                umb.push(s.umb);
            }
        }
        let eclipses = if options.skip_eclipse_events {
            Vec::new()
        } else {
            find_series_eclipses(model, &times, step_s, &pen, &umb)
        };
        let (lit_nodes_t, lit_nodes_v) = lit_nodes(model, &times, &lit_fraction, &eclipses);
        Ok(Self {
            times_s: times,
            position_km,
            sun_direction,
            sun_distance_au,
            lit_fraction,
            beta_rad,
            surfaces: surfaces.to_vec(),
            solar_unshadowed: solar,
            albedo,
            earth_ir: ir,
            eclipses,
            lit_nodes_t,
            lit_nodes_v,
        })
    }

    /// Grid times, s after the orbit epoch.
    pub fn times_s(&self) -> &[f64] {
        &self.times_s
    }

    /// The surfaces, in column order.
    pub fn surfaces(&self) -> &[Surface] {
        &self.surfaces
    }

    /// Satellite positions (km, J2000) on the grid.
    pub fn position_km(&self) -> &[Vector3<f64>] {
        &self.position_km
    }

    /// Earth-to-Sun unit vectors on the grid.
    pub fn sun_direction(&self) -> &[Vector3<f64>] {
        &self.sun_direction
    }

    /// Earth–Sun distances (AU) on the grid.
    pub fn sun_distance_au(&self) -> &[f64] {
        &self.sun_distance_au
    }

    /// Lit fractions on the grid.
    pub fn lit_fraction(&self) -> &[f64] {
        &self.lit_fraction
    }

    /// Beta angles (rad) on the grid.
    pub fn beta_rad(&self) -> &[f64] {
        &self.beta_rad
    }

    /// Eclipses overlapping the span (complete passes; empty if skipped).
    pub fn eclipses(&self) -> &[Eclipse] {
        &self.eclipses
    }

    /// Absorbed direct solar flux on surface `surface` at grid index `k`, W/m².
    pub fn solar_w_m2(&self, surface: usize, k: usize) -> f64 {
        f64::from(self.solar_unshadowed[surface][k]) * self.lit_fraction[k]
    }

    /// Absorbed direct solar flux before shadowing at grid index `k`, W/m².
    pub fn solar_unshadowed_w_m2(&self, surface: usize, k: usize) -> f64 {
        f64::from(self.solar_unshadowed[surface][k])
    }

    /// Absorbed albedo flux at grid index `k`, W/m².
    pub fn albedo_w_m2(&self, surface: usize, k: usize) -> f64 {
        f64::from(self.albedo[surface][k])
    }

    /// Absorbed Earth-IR flux at grid index `k`, W/m².
    pub fn earth_ir_w_m2(&self, surface: usize, k: usize) -> f64 {
        f64::from(self.earth_ir[surface][k])
    }

    /// All three fluxes at grid index `k`.
    pub fn at_index(&self, surface: usize, k: usize) -> AbsorbedFlux {
        AbsorbedFlux {
            solar_w_m2: self.solar_w_m2(surface, k),
            albedo_w_m2: self.albedo_w_m2(surface, k),
            earth_ir_w_m2: self.earth_ir_w_m2(surface, k),
        }
    }

    /// Lit fraction at any `t_s` in the span: piecewise linear through the grid points and
    /// the root-found eclipse boundaries (and points inside each penumbra). Clamped to the
    /// span's ends.
    pub fn lit_fraction_at(&self, t_s: f64) -> f64 {
        interp(&self.lit_nodes_t, &self.lit_nodes_v, t_s)
    }

    /// Fluxes on `surface` at any `t_s` in the span (clamped to its ends): albedo, IR and the
    /// unshadowed solar term interpolated linearly on the grid, the solar term multiplied by
    /// [`Self::lit_fraction_at`].
    pub fn absorbed_at(&self, surface: usize, t_s: f64) -> AbsorbedFlux {
        let t = &self.times_s;
        AbsorbedFlux {
            solar_w_m2: interp32(t, &self.solar_unshadowed[surface], t_s)
                * self.lit_fraction_at(t_s),
            albedo_w_m2: interp32(t, &self.albedo[surface], t_s),
            earth_ir_w_m2: interp32(t, &self.earth_ir[surface], t_s),
        }
    }

    /// Eclipse boundary times in `(t0_s, t1_s]` (penumbra and umbra entries and exits), sorted:
    /// where the solar flux's slope jumps, for a transient solver to step on.
    pub fn eclipse_boundaries_s(&self, t0_s: f64, t1_s: f64) -> Vec<f64> {
        let mut out: Vec<f64> = self
            .eclipses
            .iter()
            .flat_map(|e| {
                [
                    Some(e.penumbra_entry_s),
                    e.umbra_entry_s,
                    e.umbra_exit_s,
                    Some(e.penumbra_exit_s),
                ]
            })
            .flatten()
            .filter(|&t| t > t0_s && t <= t1_s)
            .collect();
        out.sort_by(f64::total_cmp);
        out.dedup();
        out
    }

    /// Time-average of the absorbed fluxes on `surface` over `[t0_s, t1_s]` (clamped to the
    /// span), by the trapezoidal rule on the grid and eclipse-boundary nodes.
    pub fn average(&self, surface: usize, t0_s: f64, t1_s: f64) -> AbsorbedFlux {
        let lo = t0_s.max(self.times_s[0]);
        let hi = t1_s.min(self.times_s[self.times_s.len() - 1]);
        if hi <= lo {
            return self.absorbed_at(surface, lo);
        }
        let mut nodes: Vec<f64> = vec![lo, hi];
        nodes.extend(self.times_s.iter().copied().filter(|&t| t > lo && t < hi));
        nodes.extend(
            self.lit_nodes_t
                .iter()
                .copied()
                .filter(|&t| t > lo && t < hi),
        );
        nodes.sort_by(f64::total_cmp);
        nodes.dedup();
        let mut acc = AbsorbedFlux::default();
        let mut prev = self.absorbed_at(surface, nodes[0]);
        for w in nodes.windows(2) {
            let cur = self.absorbed_at(surface, w[1]);
            let dt = 0.5 * (w[1] - w[0]);
            acc.solar_w_m2 += dt * (prev.solar_w_m2 + cur.solar_w_m2);
            acc.albedo_w_m2 += dt * (prev.albedo_w_m2 + cur.albedo_w_m2);
            acc.earth_ir_w_m2 += dt * (prev.earth_ir_w_m2 + cur.earth_ir_w_m2);
            prev = cur;
        }
        let span = hi - lo;
        AbsorbedFlux {
            solar_w_m2: acc.solar_w_m2 / span,
            albedo_w_m2: acc.albedo_w_m2 / span,
            earth_ir_w_m2: acc.earth_ir_w_m2 / span,
        }
    }
}

fn fill_surface(
    block: &[FillStep],
    stack: &TableStack,
    preset: &EnvironmentPreset,
    surf: &Surface,
    solar: &mut [f32],
    albedo: &mut [f32],
    ir: &mut [f32],
) {
    let n = surf.normal_body;
    let a_alb = surf.absorptivity * preset.albedo;
    let e_ir = surf.emissivity * preset.earth_ir_w_m2;
    for (k, g) in block.iter().enumerate() {
        solar[k] = (surf.absorptivity * g.solar_w_m2 * n.dot(&g.sun_body).max(0.0)) as f32;
        let nz = n.dot(&g.zenith_body);
        // The plate faces away from the whole Earth: no IR, no albedo.
        if nz >= g.inv_h {
            albedo[k] = 0.0;
            ir[k] = 0.0;
            continue;
        }
        let (l0, l1, w) = g.layers;
        let layer = |l: usize| &stack.layers[l];
        let mut fe = layer(l0).ir_view_factor(-nz);
        if l1 != l0 {
            fe += w * (layer(l1).ir_view_factor(-nz) - fe);
        }
        ir[k] = (e_ir * fe) as f32;
        if g.dark {
            albedo[k] = 0.0;
            continue;
        }
        let nx = n.dot(&g.sun_horizontal_body);
        let mut fa = layer(l0).albedo_factor_at(g.cs_row, nz, nx);
        if l1 != l0 {
            fa += w * (layer(l1).albedo_factor_at(g.cs_row, nz, nx) - fa);
        }
        albedo[k] = (a_alb * g.solar_at_earth_w_m2 * fa) as f32;
    }
}

fn find_series_eclipses(
    model: &EnvironmentModel,
    times: &[f64],
    step_s: f64,
    pen_samples: &[f64],
    umb_samples: &[f64],
) -> Vec<Eclipse> {
    let orbit = model.orbit();
    let shadow = model.shadow();
    let (t0, t1) = (times[0], times[times.len() - 1]);
    // The grid brackets every pass at least a few steps long, and the local-minimum search
    // of `negative_intervals` catches shorter grazing ones; coarser grids get their own scan.
    if step_s > orbit.period_s() / 40.0 {
        return orbit.eclipses(shadow, t0, t1);
    }
    let g = |which: u8| {
        move |t: f64| {
            let (r, s) = orbit.satellite_and_sun_km(t);
            let f = shadow.shadow_functions(&r, &s);
            if which == 0 {
                f.penumbra
            } else {
                f.umbra
            }
        }
    };
    let pen = g(0);
    let umb = g(1);
    let p = orbit.period_s();
    let rate = orbit.shadow_rate_bound(shadow);
    let passes = negative_intervals(&pen, t0, t1, step_s, p, rate, Some(pen_samples));
    let umbras = match shadow {
        ShadowModel::Cylindrical => passes.clone(),
        ShadowModel::Conical => {
            negative_intervals(&umb, t0, t1, step_s, p, rate, Some(umb_samples))
        }
    };
    assemble(&passes, |a, b| {
        umbras
            .iter()
            .copied()
            .filter(|&(ua, ub)| ua >= a - 1e-6 && ub <= b + 1e-6)
            .collect()
    })
}

fn lit_nodes(
    model: &EnvironmentModel,
    times: &[f64],
    lit: &[f64],
    eclipses: &[Eclipse],
) -> (Vec<f64>, Vec<f64>) {
    let orbit = model.orbit();
    let shadow = model.shadow();
    let nu = |t: f64| {
        let (r, s) = orbit.satellite_and_sun_km(t);
        shadow.lit_fraction(&r, &s)
    };
    let (t0, t1) = (times[0], times[times.len() - 1]);
    let mut extra: Vec<(f64, f64)> = Vec::new();
    for e in eclipses {
        extra.push((e.penumbra_entry_s, 1.0));
        extra.push((e.penumbra_exit_s, 1.0));
        let phases: Vec<(f64, f64)> = match (e.umbra_entry_s, e.umbra_exit_s) {
            (Some(ue), Some(ux)) => {
                extra.push((ue, 0.0));
                extra.push((ux, 0.0));
                vec![(e.penumbra_entry_s, ue), (ux, e.penumbra_exit_s)]
            }
            _ => vec![(e.penumbra_entry_s, e.penumbra_exit_s)],
        };
        for (a, b) in phases {
            for k in 1..8 {
                let t = a + (b - a) * k as f64 / 8.0;
                extra.push((t, nu(t)));
            }
        }
    }
    extra.retain(|&(t, _)| t > t0 && t < t1);
    if extra.is_empty() {
        return (times.to_vec(), lit.to_vec());
    }
    let mut all: Vec<(f64, f64)> = times.iter().copied().zip(lit.iter().copied()).collect();
    all.extend(extra);
    all.sort_by(|a, b| a.0.total_cmp(&b.0));
    all.dedup_by(|a, b| a.0 == b.0);
    all.into_iter().unzip()
}

/// [`interp`] for `f32` values.
fn interp32(t: &[f64], v: &[f32], x: f64) -> f64 {
    let n = t.len();
    if x <= t[0] {
        return f64::from(v[0]);
    }
    if x >= t[n - 1] {
        return f64::from(v[n - 1]);
    }
    let i = t.partition_point(|&ti| ti <= x) - 1;
    let (ta, tb) = (t[i], t[i + 1]);
    let (va, vb) = (f64::from(v[i]), f64::from(v[i + 1]));
    if tb <= ta {
        return va;
    }
    va + (vb - va) * (x - ta) / (tb - ta)
}

/// Linear interpolation in a sorted table, clamped at the ends.
fn interp(t: &[f64], v: &[f64], x: f64) -> f64 {
    let n = t.len();
    if x <= t[0] {
        return v[0];
    }
    if x >= t[n - 1] {
        return v[n - 1];
    }
    let i = t.partition_point(|&ti| ti <= x) - 1;
    let (ta, tb) = (t[i], t[i + 1]);
    if tb <= ta {
        return v[i];
    }
    v[i] + (v[i + 1] - v[i]) * (x - ta) / (tb - ta)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_matches_direct_quadrature() {
        let h = (EARTH_RADIUS_KM + 550.0) / EARTH_RADIUS_KM;
        let table = EarthFactorTable::new(h);
        let peak = diffuse_earth_factor(h, Some(1.0), [0.0, 0.0, -1.0]);
        let mut worst: f64 = 0.0;
        let mut seed = 12345_u64;
        let mut rnd = || {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 11) as f64 / (1u64 << 53) as f64
        };
        for _ in 0..3000 {
            let cs = 2.0 * rnd() - 1.0;
            let nz = 2.0 * rnd() - 1.0;
            let az = std::f64::consts::TAU * rnd();
            let nh = (1.0 - nz * nz).sqrt();
            let n = [nh * az.cos(), nh * az.sin(), nz];
            let exact = diffuse_earth_factor(h, Some(cs), n);
            let tab = table.albedo_factor(cs, n);
            worst = worst.max((exact - tab).abs() / peak);
        }
        assert!(worst < 2.5e-3, "worst table error {worst} of peak");
        for k in 0..=200 {
            let c = -1.0 + k as f64 * 0.01;
            let e = plate_to_sphere_view_factor(c, h);
            assert!((table.ir_view_factor(c) - e).abs() < 1e-6);
        }
    }
}
