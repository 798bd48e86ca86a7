//! Tabulated absorbed fluxes over a time span, shared across many surfaces.
//!
//! Per time step the orbit, Sun, lit fraction, attitude and local frame are computed once and
//! kept in a compact `StepFrame` (Sun and zenith in body axes, the solar flux, the table
//! layers of `H = r/R`). From it, per surface and step:
//!
//! - the direct solar term `α S max(0, n·ŝ)` is one dot product, and the Earth-IR term
//!   `ε q_IR F_e(n·r̂)` a dot product and a lookup in a fine 1D table in `cos γ`: both are
//!   evaluated *when read*, in `f64`, which costs less than storing and loading them;
//! - the albedo factor, the only costly term, comes from a 3D table in (`cos θs`, `n_Z`,
//!   `cos ψ`) — solar zenith angle at the sub-satellite point, the normal's zenith component
//!   and its azimuth from the Sun — filled once per orbit altitude by the quadrature of
//!   [`super::view_factor::diffuse_earth_factor`] and interpolated trilinearly (error below
//!   0.25 % of the sub-solar nadir value; tested); it is evaluated once, at [`FluxSeries::compute`],
//!   and stored as `f32` (seven significant digits). Tables are filled at the ends of the
//!   span's range of `H` (and between, for eccentric orbits), interleaved so that one cell
//!   fetch serves both layers a step blends (`AlbedoStack`); the cells of a chunk of steps are
//!   located in one pass and interpolated in a second, which overlaps more steps at once.
//!
//! The work runs in parallel over blocks of `BLOCK` (2048) time steps; every value depends only on
//! its own time step, so the result has the same bits on any number of threads.
//!
//! Eclipse boundaries are root-found (to 1 ms) from the shadow functions sampled on the same
//! grid, so a transient solver can land steps on them; between grid points the lit fraction
//! is interpolated piecewise-linearly through those boundaries and extra penumbra points.
//!
//! Length: the flux series (the per-step frame, the lit fraction with its
//! boundary nodes, the absorbed-flux sums, the time functions the network
//! reads) share one compact frame type and its invariants; split, each part
//! would re-derive them.

use std::sync::{Arc, Mutex, OnceLock};

use nalgebra::Vector3;
use rayon::prelude::*;
use wide::f64x2;

#[cfg(test)]
use super::view_factor::diffuse_earth_factor;
use super::view_factor::{diffuse_earth_factor_azimuths, plate_to_sphere_view_factor};
use super::{AbsorbedFlux, EnvironmentModel, EnvironmentPreset, Surface};
#[cfg(test)]
use crate::constants::EARTH_RADIUS_KM;
use crate::error::OrbitError;
use crate::orbit::eclipse::{assemble, negative_intervals};
use crate::orbit::sun::{precession_matrix, sun_position_with};
use crate::orbit::{Eclipse, ShadowModel};

const N_CS: usize = 73;
const N_U: usize = 97;
const N_CP: usize = 25;
const N_IR: usize = 4097;

/// Earth-IR view factors at one `H = r/R`, tabulated in `cos γ` on [−1, 1].
#[derive(Debug, Clone)]
struct IrTable {
    values: Vec<f64>,
}

impl IrTable {
    fn new(h: f64) -> Self {
        Self {
            values: (0..N_IR)
                .map(|i| plate_to_sphere_view_factor(grid(i, N_IR), h))
                .collect(),
        }
    }

    /// Linear interpolation in `cos γ` (γ from nadir).
    #[inline(always)]
    fn view_factor(&self, cos_gamma: f64) -> f64 {
        let (i, f) = locate(cos_gamma, N_IR);
        let v = &self.values[i..i + 2];
        v[0] + (v[1] - v[0]) * f
    }
}

/// Albedo and IR factor tables at one `H = r/R`.
#[derive(Debug, Clone)]
pub struct EarthFactorTable {
    h: f64,
    /// Albedo factors, `f32` (7 digits; halves the cache footprint of the hot lookups).
    albedo: Vec<f32>,
    ir: IrTable,
}

fn grid(i: usize, n: usize) -> f64 {
    -1.0 + 2.0 * i as f64 / (n - 1) as f64
}

/// Grid interval of `v` (clamped to [−1, 1]) on `n` points uniform on [−1, 1]: its lower
/// point `i` in [0, n − 2] and the weight `x − i` of the upper one, `x = (v + 1)(n − 1)/2`.
#[inline(always)]
fn locate(v: f64, n: usize) -> (usize, f64) {
    let (i, f) = locate_whole(v, n);
    (whole_to_usize(i), f)
}

/// [`locate`] with the row as a whole `f64`, in arithmetic alone (no conversion to an integer,
/// which SSE2 cannot do two at a time with Rust's saturating semantics): a loop of it over
/// many values is vectorized.
#[inline(always)]
fn locate_whole(v: f64, n: usize) -> (f64, f64) {
    let x = ((v.clamp(-1.0, 1.0) + 1.0) * 0.5 * (n - 1) as f64).min((n - 1) as f64);
    // `x` is in [0, n − 1] (a NaN `v` ends at n − 1). floor(x): rounded to the nearest
    // integer by adding and removing 2⁵², less one where that rounded up.
    let r = (x + ROUND) - ROUND;
    let i = if r > x { r - 1.0 } else { r }.min((n - 2) as f64);
    (i, x - i)
}

/// 2⁵²: a non-negative `f64` below it, plus this, is rounded to an integer whose value is the
/// low bits of the sum's mantissa.
const ROUND: f64 = 4_503_599_627_370_496.0;

/// The value of `x`, a whole number in [0, 2⁵²), as an integer: read from the mantissa bits of
/// `x + 2⁵²` (one addition and one integer subtraction, also two at a time in SSE2).
#[inline(always)]
fn whole_to_u64(x: f64) -> u64 {
    (x + ROUND).to_bits() - ROUND.to_bits()
}

/// [`whole_to_u64`] as an index (below 2³² here: table sizes).
#[inline(always)]
fn whole_to_usize(x: f64) -> usize {
    whole_to_u64(x) as usize
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
        Self {
            h,
            albedo,
            ir: IrTable::new(h),
        }
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
        self.albedo_in_cell(&AlbedoCell::new(cs_row, nz, nx))
    }

    /// Trilinear interpolation in a located cell (the same cell serves every layer of `H`).
    #[inline(always)]
    fn albedo_in_cell(&self, c: &AlbedoCell) -> f64 {
        // One bounds check for the eight corners.
        let t = &self.albedo[c.base..c.base + CELL_SPAN];
        c.interpolate(|o| [f64::from(t[o]), f64::from(t[o + 1])])
    }

    /// IR view factor by linear interpolation in `cos γ` (γ from nadir).
    #[inline(always)]
    pub fn ir_view_factor(&self, cos_gamma: f64) -> f64 {
        self.ir.view_factor(cos_gamma)
    }
}

/// What [`AlbedoCell::interpolate`] computes with: one value or a pair of lanes (the two
/// layers of `H` of a bracket, in one SSE2 register).
trait Lanes:
    Copy + std::ops::Add<Output = Self> + std::ops::Sub<Output = Self> + std::ops::Mul<Output = Self>
{
    /// Every lane `x`.
    fn splat(x: f64) -> Self;
}

impl Lanes for f64 {
    #[inline(always)]
    fn splat(x: f64) -> Self {
        x
    }
}

impl Lanes for f64x2 {
    #[inline(always)]
    fn splat(x: f64) -> Self {
        f64x2::splat(x)
    }
}

/// The albedo-table cell of a normal: the flat index of its lower corner `(i, j, k)` in
/// (`cos θs`, `u = sin(γ/2)`, `cos ψ`) and the weights along each axis.
#[derive(Debug, Clone, Copy)]
struct AlbedoCell {
    base: usize,
    fi: f64,
    fj: f64,
    fk: f64,
}

/// Offset of a cell's far corner `(i + 1, j + 1, k + 1)` from its lower corner, plus one: the
/// grid points a cell reads.
const CELL_SPAN: usize = N_U * N_CP + N_CP + 2;

impl AlbedoCell {
    /// Trilinear interpolation in this cell of one table (`V = f64`) or of two at once (the
    /// layers of `H`, `V = f64x2`): `at(o)` gives the tables' values at the grid points `o` and
    /// `o + 1` (along `cos ψ`), `o` points past the lower corner.
    /// Per table, with `lerp(x, y, f) = x + (y − x) f`, along `cos ψ`, then `u`, then `cos θs`:
    /// the same operations in every lane, so a table's result has the same bits in any stack.
    #[inline(always)]
    fn interpolate<V: Lanes>(&self, at: impl Fn(usize) -> [V; 2]) -> V {
        const DI: usize = N_U * N_CP;
        let lerp = |x: V, y: V, f: f64| x + (y - x) * V::splat(f);
        let along_k = |[x, y]: [V; 2]| lerp(x, y, self.fk);
        let c00 = along_k(at(0));
        let c01 = along_k(at(N_CP));
        let c10 = along_k(at(DI));
        let c11 = along_k(at(DI + N_CP));
        lerp(lerp(c00, c01, self.fj), lerp(c10, c11, self.fj), self.fi)
    }

    /// `cs_row` the located `cos θs`; `nz`, `nx` the normal's zenith and sunward components.
    #[inline(always)]
    fn new((i, fi): (usize, f64), nz: f64, nx: f64) -> Self {
        let (jk, fj, fk) = locate_normal(nz, nx);
        Self {
            base: i * N_U * N_CP + whole_to_usize(jk),
            fi,
            fj,
            fk,
        }
    }
}

/// The `u = sin(γ/2)` and `cos ψ` rows `j`, `k` of a normal (see [`locate`]) from its zenith
/// and sunward components, `u = √((1 + n_Z)/2)`, `cos ψ = n_X/n_h` with `n_h = √(1 − n_Z²)`
/// (1 for a vertical normal): the offset `j N_CP + k` of the cell in a `cos θs` row (a whole
/// `f64`) and the weights `f_j`, `f_k`. Arithmetic alone, without branches, so that a loop of
/// it over the steps is vectorized.
#[inline(always)]
fn locate_normal(nz: f64, nx: f64) -> (f64, f64, f64) {
    let (j, fj, nh) = locate_zenith(nz);
    let (k, fk) = locate_azimuth(nx, nh);
    (j + k, fj, fk)
}

/// The part of [`locate_normal`] that depends on `n_Z` alone: the row offset `j N_CP`, its
/// weight and `n_h`.
#[inline(always)]
fn locate_zenith(nz: f64) -> (f64, f64, f64) {
    let nh = (1.0 - nz * nz).max(0.0).sqrt();
    // u on [0, 1], mapped to [−1, 1] for `locate`.
    let (j, fj) = locate_whole(2.0 * ((1.0 + nz) * 0.5).max(0.0).sqrt() - 1.0, N_U);
    (j * N_CP as f64, fj, nh)
}

/// The rest of [`locate_normal`]: the `cos ψ` row and weight from `n_X` and `n_h`.
#[inline(always)]
fn locate_azimuth(nx: f64, nh: f64) -> (f64, f64) {
    let cp = if nh > MIN_HORIZONTAL { nx / nh } else { 1.0 };
    locate_whole(cp, N_CP)
}

/// Below this horizontal component a normal is vertical: `cos ψ = 1`.
const MIN_HORIZONTAL: f64 = 1e-12;

/// The albedo tables of every layer of `H` interleaved, so that the corners of one cell give
/// both layers of a bracket: layer `l` of grid point `p = (i N_U + j) N_CP + k` is at
/// `p L + l` (`L` layers, at least two: a single table is stored twice). Compared with two
/// lookups in tables 0.7 MB apart, this halves the loads and lets the two layers' trilinear
/// interpolations run as one two-lane one; the result has the same bits.
struct AlbedoStack {
    n_layers: usize,
    /// The tables' `f32` values widened to `f64` (exactly): the interpolation loads them
    /// without conversions, two at a time.
    values: Vec<f64>,
}

impl AlbedoStack {
    /// Interleaves `tables` (in increasing `H`; not empty).
    fn new(tables: &[Arc<EarthFactorTable>]) -> Self {
        let n_layers = tables.len().max(2);
        let last = tables.len().saturating_sub(1);
        let mut values = vec![0.0; N_CS * N_U * N_CP * n_layers];
        // Parallel over the `cos θs` rows, which also spreads the first touch of the pages.
        values
            .par_chunks_mut(N_U * N_CP * n_layers)
            .enumerate()
            .for_each(|(i, row)| {
                for (q, point) in row.chunks_exact_mut(n_layers).enumerate() {
                    let p = i * N_U * N_CP + q;
                    for (l, v) in point.iter_mut().enumerate() {
                        *v = tables
                            .get(l.min(last))
                            .map_or(0.0, |t| f64::from(t.albedo[p]));
                    }
                }
            });
        Self { n_layers, values }
    }

    /// Albedo factor in cell `c` between the layers of `b`: each layer's trilinear
    /// interpolation as in [`EarthFactorTable::albedo_in_cell`], then [`LayerBracket::blend`]
    /// (`f_lo + w (f_hi − f_lo)`), all with the same bits as those.
    #[inline(always)]
    fn factor(&self, c: &AlbedoCell, b: &LayerBracket) -> f64 {
        // The common stack of two layers gets a constant stride (four contiguous values per
        // corner pair); the branch is the same for every step.
        if self.n_layers == 2 {
            self.factor_strided(2, c, b)
        } else {
            self.factor_strided(self.n_layers, c, b)
        }
    }

    #[inline(always)]
    fn factor_strided(&self, n_layers: usize, c: &AlbedoCell, b: &LayerBracket) -> f64 {
        // Lanes `p` and `p + 1` hold both layers of the bracket (`upper ≤ lower + 1`).
        let p = (b.lower as usize).min(n_layers - 2);
        let o = c.base * n_layers + p;
        // One bounds check for the eight corners of both layers.
        let t = &self.values[o..o + (CELL_SPAN - 1) * n_layers + 2];
        let v = c
            .interpolate(|q| {
                let q = q * n_layers;
                let pair = |r: usize| f64x2::from([t[r], t[r + 1]]);
                [pair(q), pair(q + n_layers)]
            })
            .to_array();
        // Lane by comparison, not by index: keeps `v` in registers.
        b.blend(|l| if l == p { v[0] } else { v[1] })
    }
}

/// Albedo tables are filled at most this far apart in the Earth's angular radius `asin(1/H)`,
/// degrees (linear interpolation between them; see [`layer_heights`]).
const ALBEDO_LAYER_SPACING_DEG: f64 = 1.5;
/// IR tables are this close: the view factor is `cos γ sin² a` in full view (a = asin(1/H)),
/// whose linear interpolation over δ errs by at most `δ²/4` (2e-7 at 0.05°).
const IR_LAYER_SPACING_DEG: f64 = 0.05;

/// `H` values of table layers spanning `[h_min, h_max]`: uniform in the Earth's angular
/// radius `asin(1/H)`, at most `spacing_deg` apart, the ends exact; one layer for an empty span.
fn layer_heights(h_min: f64, h_max: f64, spacing_deg: f64) -> Vec<f64> {
    if h_max - h_min < 1e-9 * h_min {
        return vec![h_min];
    }
    let (a0, a1) = ((1.0 / h_min).asin(), (1.0 / h_max).asin());
    let n = (((a0 - a1).to_degrees() / spacing_deg).ceil() as usize).max(1) + 1;
    (0..n)
        .map(|k| match k {
            0 => h_min,
            k if k == n - 1 => h_max,
            k => 1.0 / (a0 + (a1 - a0) * k as f64 / (n - 1) as f64).sin(),
        })
        .collect()
}

/// The two layers of increasing `heights` that bracket `h`, and the weight of the upper one
/// (clamped to the end layers).
fn bracket_layers(heights: &[f64], h: f64) -> LayerBracket {
    let k = heights.partition_point(|&x| x < h);
    let single = |k: usize| LayerBracket {
        lower: k as u32,
        upper: k as u32,
        weight: 0.0,
    };
    if k == 0 {
        return single(0);
    }
    if k == heights.len() {
        return single(k - 1);
    }
    let (lo, hi) = (heights[k - 1], heights[k]);
    LayerBracket {
        lower: (k - 1) as u32,
        upper: k as u32,
        weight: (h - lo) / (hi - lo),
    }
}

/// An albedo table at `h`, shared with earlier calls at the same `H` (bit for bit): the table
/// depends on `H` alone, so a sizing loop or a second series of the same orbit skips the fill.
/// The most recent [`TABLE_CACHE_SIZE`] tables are kept (0.7 MB each).
fn cached_table(h: f64) -> Arc<EarthFactorTable> {
    static CACHE: OnceLock<Mutex<Vec<Arc<EarthFactorTable>>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Mutex::default);
    if let Ok(c) = cache.lock() {
        if let Some(t) = c.iter().find(|t| t.h.to_bits() == h.to_bits()) {
            return Arc::clone(t);
        }
    }
    let table = Arc::new(EarthFactorTable::new(h));
    // A poisoned lock only costs the caching.
    if let Ok(mut c) = cache.lock() {
        if c.len() >= TABLE_CACHE_SIZE {
            c.remove(0);
        }
        c.push(Arc::clone(&table));
    }
    table
}

/// Number of albedo tables [`cached_table`] keeps.
const TABLE_CACHE_SIZE: usize = 16;

/// Two table layers bracketing `H` and the weight of the upper one.
#[derive(Debug, Clone, Copy, PartialEq)]
struct LayerBracket {
    lower: u32,
    upper: u32,
    weight: f64,
}

impl LayerBracket {
    /// `f(lower) + w (f(upper) − f(lower))`, with one evaluation when both are the same layer.
    #[inline(always)]
    fn blend(&self, f: impl Fn(usize) -> f64) -> f64 {
        let lo = f(self.lower as usize);
        if self.upper == self.lower {
            lo
        } else {
            lo + self.weight * (f(self.upper as usize) - lo)
        }
    }
}

/// Options for [`FluxSeries`].
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SeriesOptions {
    /// Skip root-finding of eclipse boundaries (faster; `eclipses()` is then empty and the lit
    /// fraction is interpolated between grid points only).
    pub skip_eclipse_events: bool,
}

/// What the per-surface solar and Earth-IR formulas read at one time step, packed (80 bytes).
#[derive(Debug, Clone, Copy, PartialEq)]
struct StepFrame {
    /// Satellite-to-Sun unit vector, body axes.
    sun_body: Vector3<f64>,
    /// Solar flux at the satellite (before shadowing), W/m².
    solar_w_m2: f64,
    /// Zenith r̂, body axes.
    zenith_body: Vector3<f64>,
    /// 1/H: a normal with n_Z ≥ 1/H cannot see the Earth.
    inv_h: f64,
    /// IR table layers bracketing `H`.
    layers: LayerBracket,
}

impl StepFrame {
    /// Absorbed direct solar flux before shadowing, `α S max(0, n·ŝ)`, W/m².
    #[inline(always)]
    fn solar_unshadowed_w_m2(&self, surface: &Surface) -> f64 {
        surface.absorptivity * self.solar_w_m2 * surface.normal_body.dot(&self.sun_body).max(0.0)
    }

    /// Plate-to-Earth view factor `F_e` of `normal` from the IR tables (zero when the plate
    /// faces away from the whole Earth, `n_Z ≥ 1/H`).
    #[inline(always)]
    fn earth_view_factor(&self, ir: &[IrTable], normal: &Vector3<f64>) -> f64 {
        let nz = normal.dot(&self.zenith_body);
        if nz >= self.inv_h {
            return 0.0;
        }
        self.layers.blend(|l| ir[l].view_factor(-nz))
    }
}

/// What the albedo fill reads at the steps of one block, written by the geometry pass (only
/// while computing). One array per quantity: the cell-location loop over the steps then
/// compiles to packed arithmetic (two steps per SSE2 instruction).
struct AlbedoSteps {
    /// Zenith r̂, body axes, by component.
    zenith: [Vec<f64>; 3],
    /// Horizontal unit vector towards the Sun, body axes, by component.
    sun_horizontal: [Vec<f64>; 3],
    /// A normal with `n_Z` at or above this sees no sunlit Earth: `1/H` (it faces away from
    /// the whole Earth), or −∞ when no sunlit point of the Earth is visible at all.
    nz_limit: Vec<f64>,
    /// `H = r/R`.
    h_ratio: Vec<f64>,
    /// Cosine of the solar zenith angle at the sub-satellite point.
    sun_cos_zenith: Vec<f64>,
    /// Solar flux at the Earth, W/m².
    solar_at_earth_w_m2: Vec<f64>,
    /// The zenith has the same body components (bit for bit) at every step of the block, as
    /// it has in nadir pointing: a normal's `n_Z` is then located once per block.
    fixed_zenith: bool,
}

/// The per-step inputs of the albedo interpolation.
struct AlbedoStepRest {
    /// Solar flux at the Earth, W/m².
    solar_at_earth_w_m2: f64,
    /// Offset of the albedo table's `cos θs` row, `i N_U N_CP`.
    row_offset: usize,
    /// Its weight.
    fi: f64,
    /// Albedo table layers bracketing `H`.
    layers: LayerBracket,
}

impl AlbedoSteps {
    fn with_capacity(n: usize) -> Self {
        let v = || Vec::with_capacity(n);
        Self {
            zenith: [v(), v(), v()],
            sun_horizontal: [v(), v(), v()],
            nz_limit: v(),
            h_ratio: v(),
            sun_cos_zenith: v(),
            solar_at_earth_w_m2: v(),
            fixed_zenith: false,
        }
    }

    /// Sets [`Self::fixed_zenith`] once every step is in.
    fn finish(mut self) -> Self {
        self.fixed_zenith = self.zenith.iter().all(|c| {
            c.first()
                .is_none_or(|z0| c.iter().all(|z| z.to_bits() == z0.to_bits()))
        });
        self
    }

    /// Appends the step of geometry `g`.
    fn push(&mut self, g: &super::FluxGeometry) {
        for c in 0..3 {
            self.zenith[c].push(g.zenith_body[c]);
            self.sun_horizontal[c].push(g.sun_horizontal_body[c]);
        }
        let inv_h = 1.0 / g.h_ratio;
        // Dark cap: the Sun is more than 90° + λ_max from the zenith, λ_max = acos(1/H).
        let dark = g.sun_cos_zenith <= -inv_h.acos().sin();
        self.nz_limit
            .push(if dark { f64::NEG_INFINITY } else { inv_h });
        self.h_ratio.push(g.h_ratio);
        self.sun_cos_zenith.push(g.sun_cos_zenith);
        self.solar_at_earth_w_m2.push(g.solar_at_earth_w_m2);
    }

    /// The interpolation inputs, with table layers at `albedo_heights`.
    fn rest(&self, albedo_heights: &[f64]) -> Vec<AlbedoStepRest> {
        let steps = self.sun_cos_zenith.iter().zip(&self.h_ratio);
        steps
            .zip(&self.solar_at_earth_w_m2)
            .map(|((&cz, &h), &s)| {
                let (i, fi) = locate(cz, N_CS);
                AlbedoStepRest {
                    solar_at_earth_w_m2: s,
                    row_offset: i * N_U * N_CP,
                    fi,
                    layers: bracket_layers(albedo_heights, h),
                }
            })
            .collect()
    }
}

/// Time steps per work block: the unit of parallel work and of the albedo storage layout.
const BLOCK: usize = 2048;

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
    preset: EnvironmentPreset,
    /// Per-step geometry from which the solar and IR terms are evaluated when read.
    frames: Vec<StepFrame>,
    /// Earth-IR tables, one per layer of `H`.
    ir: Vec<IrTable>,
    /// Absorbed albedo flux, W/m², `f32`, block-major: the steps `start..start + len` of a
    /// block are stored surface after surface from offset `start · n_surfaces`.
    albedo: Vec<f32>,
    eclipses: Vec<Eclipse>,
    /// Piecewise-linear lit fraction through grid points and eclipse boundaries. A boundary
    /// where the light switches at once (a cylindrical shadow) is two nodes at the same time,
    /// the value before it and the value after it.
    lit_nodes_t: Vec<f64>,
    lit_nodes_v: Vec<f64>,
}

impl FluxSeries {
    /// Computes the series on `t0_s, t0_s + step_s, …, t1_s` (the last step may be shorter).
    ///
    /// Two passes in parallel over blocks of `BLOCK` steps: the geometry of every step
    /// (orbit, Sun, shadow, attitude, local frame), then — with tables spanning the range of
    /// `H` actually met (short-period terms move a circular orbit's radius by kilometres) — the
    /// albedo of every surface.
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
        let shadow = model.shadow();
        let n = times.len();
        // One precession matrix per block (≤ 3 days at 60 s steps: < 2e-4° of error).
        let precession: Vec<_> = times
            .par_chunks(BLOCK)
            .map(|steps| {
                let mid_days = orbit.days_tt(0.5 * (steps[0] + steps[steps.len() - 1]));
                precession_matrix(mid_days).transpose()
            })
            .collect();
        // The geometry pass writes the per-step vectors in place, in parallel over blocks: the
        // `f64` ones are zeroed by the allocator (their pages first touched by that pass), the
        // others filled in parallel first.
        let mut position_km = par_filled(n, Vector3::zeros());
        let mut sun_direction = par_filled(n, Vector3::zeros());
        let no_layers = LayerBracket {
            lower: 0,
            upper: 0,
            weight: 0.0,
        };
        let mut frames = par_filled(
            n,
            StepFrame {
                sun_body: Vector3::zeros(),
                solar_w_m2: 0.0,
                zenith_body: Vector3::zeros(),
                inv_h: 0.0,
                layers: no_layers,
            },
        );
        let [mut sun_distance_au, mut lit_fraction, mut beta_rad, mut pen, mut umb] =
            std::array::from_fn(|_| vec![0.0; n]);
        let blocks: Vec<AlbedoSteps> = (
            (times.par_chunks(BLOCK), precession.par_iter()),
            position_km.par_chunks_mut(BLOCK),
            sun_direction.par_chunks_mut(BLOCK),
            sun_distance_au.par_chunks_mut(BLOCK),
            lit_fraction.par_chunks_mut(BLOCK),
            beta_rad.par_chunks_mut(BLOCK),
            (pen.par_chunks_mut(BLOCK), umb.par_chunks_mut(BLOCK)),
            frames.par_chunks_mut(BLOCK),
        )
            .into_par_iter()
            .map(|((t, p), pos, sun, dist, lit, beta, (pen, umb), frames)| {
                let mut steps = AlbedoSteps::with_capacity(t.len());
                for (k, &t) in t.iter().enumerate() {
                    let s = sun_position_with(orbit.days_tt(t), p);
                    let (sample, f) = orbit.sample_with_sun(t, shadow, s);
                    let g = model.geometry_from_sample(sample);
                    (pos[k], sun[k]) = (sample.state.position_km, sample.sun.direction);
                    (dist[k], lit[k]) = (sample.sun.distance_au, sample.lit_fraction);
                    (beta[k], pen[k], umb[k]) = (sample.beta_rad, f.penumbra, f.umbra);
                    frames[k] = StepFrame {
                        sun_body: g.sun_body,
                        solar_w_m2: g.solar_w_m2,
                        zenith_body: g.zenith_body,
                        inv_h: 1.0 / g.h_ratio,
                        layers: no_layers,
                    };
                    steps.push(&g);
                }
                steps.finish()
            })
            .collect();
        let (h_min, h_max) = blocks
            .par_iter()
            .flat_map_iter(|b| b.h_ratio.iter().map(|&h| (h, h)))
            .reduce(
                || (f64::INFINITY, f64::NEG_INFINITY),
                |(a, b), (c, d)| (a.min(c), b.max(d)),
            );
        let albedo_heights = layer_heights(h_min, h_max, ALBEDO_LAYER_SPACING_DEG);
        let albedo_tables: Vec<Arc<EarthFactorTable>> =
            albedo_heights.iter().map(|&h| cached_table(h)).collect();
        let albedo_stack = AlbedoStack::new(&albedo_tables);
        drop(albedo_tables);
        let ir_heights = layer_heights(h_min, h_max, IR_LAYER_SPACING_DEG);
        let ir: Vec<IrTable> = ir_heights.par_iter().map(|&h| IrTable::new(h)).collect();
        frames
            .par_chunks_mut(BLOCK)
            .zip(&blocks)
            .for_each(|(frames, b)| {
                for (f, &h) in frames.iter_mut().zip(&b.h_ratio) {
                    f.layers = bracket_layers(&ir_heights, h);
                }
            });
        let preset = *model.preset();
        let n_surf = surfaces.len();
        let mut albedo = vec![0.0_f32; n * n_surf];
        let mut chunks: Vec<&mut [f32]> = if n_surf == 0 {
            blocks.iter().map(|_| <&mut [f32]>::default()).collect()
        } else {
            albedo.chunks_mut(BLOCK * n_surf).collect()
        };
        // The albedo fill and the eclipse search (which needs only the shadow samples) run
        // side by side.
        let ((), (eclipses, (lit_nodes_t, lit_nodes_v))) = rayon::join(
            || {
                blocks
                    .par_iter()
                    .zip(chunks.par_iter_mut())
                    .for_each(|(steps, out)| {
                        let rest = steps.rest(&albedo_heights);
                        let mut rows = LocatedRows::new();
                        for (surf, row) in surfaces.iter().zip(out.chunks_mut(rest.len())) {
                            fill_albedo(steps, &rest, &albedo_stack, &preset, surf, &mut rows, row);
                        }
                    })
            },
            || {
                let eclipses = if options.skip_eclipse_events {
                    Vec::new()
                } else {
                    find_series_eclipses(model, &times, step_s, &pen, &umb)
                };
                let nodes = lit_nodes(model, &times, &lit_fraction, &eclipses);
                (eclipses, nodes)
            },
        );
        drop(chunks);
        Ok(Self {
            times_s: times,
            position_km,
            sun_direction,
            sun_distance_au,
            lit_fraction,
            beta_rad,
            surfaces: surfaces.to_vec(),
            preset,
            frames,
            ir,
            albedo,
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

    /// Satellite-to-Sun unit vector in body axes at grid index `k`.
    pub fn sun_body(&self, k: usize) -> Vector3<f64> {
        self.frames[k].sun_body
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
        self.solar_unshadowed_w_m2(surface, k) * self.lit_fraction[k]
    }

    /// Absorbed direct solar flux before shadowing at grid index `k`, `α S max(0, n·ŝ)`, W/m².
    pub fn solar_unshadowed_w_m2(&self, surface: usize, k: usize) -> f64 {
        self.frames[k].solar_unshadowed_w_m2(&self.surfaces[surface])
    }

    /// Absorbed albedo flux at grid index `k`, W/m².
    pub fn albedo_w_m2(&self, surface: usize, k: usize) -> f64 {
        // Indexing `surfaces` first keeps an out-of-range surface from reading its neighbour.
        let _ = &self.surfaces[surface];
        let start = k - k % BLOCK;
        let len = BLOCK.min(self.times_s.len() - start);
        f64::from(self.albedo[start * self.surfaces.len() + surface * len + (k - start)])
    }

    /// Absorbed Earth-IR flux at grid index `k`, `ε q_IR F_e`, W/m².
    pub fn earth_ir_w_m2(&self, surface: usize, k: usize) -> f64 {
        let s = &self.surfaces[surface];
        s.emissivity
            * self.preset.earth_ir_w_m2
            * self.frames[k].earth_view_factor(&self.ir, &s.normal_body)
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
    /// span's ends. Where the light switches at once (a cylindrical shadow's boundary) this is
    /// the value just before the switch, so that an implicit step ending there integrates
    /// the light it had; [`Self::lit_fraction_after`] gives the value just after.
    pub fn lit_fraction_at(&self, t_s: f64) -> f64 {
        interp(&self.lit_nodes_t, &self.lit_nodes_v, t_s, Side::Before)
    }

    /// Lit fraction just after `t_s`: [`Self::lit_fraction_at`] but for the value after a switch.
    pub fn lit_fraction_after(&self, t_s: f64) -> f64 {
        interp(&self.lit_nodes_t, &self.lit_nodes_v, t_s, Side::After)
    }

    /// Fluxes on `surface` at any `t_s` in the span (clamped to its ends): albedo, IR and the
    /// unshadowed solar term interpolated linearly on the grid, the solar term multiplied by
    /// [`Self::lit_fraction_at`].
    pub fn absorbed_at(&self, surface: usize, t_s: f64) -> AbsorbedFlux {
        self.absorbed_on(surface, t_s, Side::Before)
    }

    /// [`Self::absorbed_at`] just after `t_s` (differs only where the light switches at once).
    pub fn absorbed_after(&self, surface: usize, t_s: f64) -> AbsorbedFlux {
        self.absorbed_on(surface, t_s, Side::After)
    }

    fn absorbed_on(&self, surface: usize, t_s: f64, side: Side) -> AbsorbedFlux {
        let (i, j, w) = bracket(&self.times_s, t_s);
        let lerp = |f: &dyn Fn(usize) -> f64| {
            let a = f(i);
            if j == i {
                a
            } else {
                a + (f(j) - a) * w
            }
        };
        AbsorbedFlux {
            solar_w_m2: lerp(&|k| self.solar_unshadowed_w_m2(surface, k))
                * interp(&self.lit_nodes_t, &self.lit_nodes_v, t_s, side),
            albedo_w_m2: lerp(&|k| self.albedo_w_m2(surface, k)),
            earth_ir_w_m2: lerp(&|k| self.earth_ir_w_m2(surface, k)),
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
        // Each interval from the value just after its start to the value just before its end.
        for w in nodes.windows(2) {
            let (a, b) = (
                self.absorbed_after(surface, w[0]),
                self.absorbed_at(surface, w[1]),
            );
            let dt = 0.5 * (w[1] - w[0]);
            acc.solar_w_m2 += dt * (a.solar_w_m2 + b.solar_w_m2);
            acc.albedo_w_m2 += dt * (a.albedo_w_m2 + b.albedo_w_m2);
            acc.earth_ir_w_m2 += dt * (a.earth_ir_w_m2 + b.earth_ir_w_m2);
        }
        let span = hi - lo;
        AbsorbedFlux {
            solar_w_m2: acc.solar_w_m2 / span,
            albedo_w_m2: acc.albedo_w_m2 / span,
            earth_ir_w_m2: acc.earth_ir_w_m2 / span,
        }
    }
}

/// Steps per pass of [`fill_albedo`] (the located rows, 7 kB, stay in the L1 cache).
const FILL_CHUNK: usize = 256;

/// `n` copies of `x`, written in parallel (so are the pages first touched).
fn par_filled<T: Copy + Send + Sync>(n: usize, x: T) -> Vec<T> {
    (0..n)
        .into_par_iter()
        .with_min_len(BLOCK)
        .map(|_| x)
        .collect()
}

/// One normal's cells at a chunk of steps, less their `cos θs` row ([`locate_normal`]).
struct LocatedRows {
    /// Offset of the cell in its `cos θs` row, or [`UNSEEN`] where the normal sees no sunlit
    /// Earth.
    jk: [u64; FILL_CHUNK],
    fj: [f64; FILL_CHUNK],
    fk: [f64; FILL_CHUNK],
}

/// [`LocatedRows::jk`] of a step without albedo.
const UNSEEN: u64 = u64::MAX;

impl LocatedRows {
    fn new() -> Self {
        Self {
            jk: [UNSEEN; FILL_CHUNK],
            fj: [0.0; FILL_CHUNK],
            fk: [0.0; FILL_CHUNK],
        }
    }

    /// Locates `n` at the steps `range` (at most [`FILL_CHUNK`]) of `steps`: `n_Z = n·r̂`,
    /// `n_X = n·x̂` (x̂ horizontal towards the Sun), then [`locate_normal`]. Every step goes the
    /// same way (no branches), so the loop is vectorized.
    #[inline(never)]
    fn locate(&mut self, n: &Vector3<f64>, steps: &AlbedoSteps, range: std::ops::Range<usize>) {
        let m = range.len();
        let [zx, zy, zz] = steps.zenith.each_ref().map(|v| &v[range.clone()]);
        let [hx, hy, hz] = steps.sun_horizontal.each_ref().map(|v| &v[range.clone()]);
        let limit = &steps.nz_limit[range];
        let (jk, fj, fk) = (&mut self.jk[..m], &mut self.fj[..m], &mut self.fk[..m]);
        // The order of nalgebra's `dot`, for the same bits.
        let dot = |x: f64, y: f64, z: f64| n.x * x + n.y * y + n.z * z;
        if let (true, Some(&x), Some(&y), Some(&z)) =
            (steps.fixed_zenith, zx.first(), zy.first(), zz.first())
        {
            // n_Z, and all that depends on it alone, is the same at every step.
            let nz = dot(x, y, z);
            let (j, wj, nh) = locate_zenith(nz);
            let mut put = |s: usize, (k, wk): (f64, f64)| {
                let c = whole_to_u64(j + k);
                (jk[s], fj[s], fk[s]) = (if nz < limit[s] { c } else { UNSEEN }, wj, wk);
            };
            // The test of `locate_azimuth` taken out of the loop, which is then vectorized.
            if nh > MIN_HORIZONTAL {
                for s in 0..m {
                    put(s, locate_whole(dot(hx[s], hy[s], hz[s]) / nh, N_CP));
                }
            } else {
                let k = locate_azimuth(0.0, nh);
                (0..m).for_each(|s| put(s, k));
            }
        } else {
            for s in 0..m {
                let nz = dot(zx[s], zy[s], zz[s]);
                let (c, wj, wk) = locate_normal(nz, dot(hx[s], hy[s], hz[s]));
                let c = whole_to_u64(c);
                (jk[s], fj[s], fk[s]) = (if nz < limit[s] { c } else { UNSEEN }, wj, wk);
            }
        }
    }
}

/// Absorbed albedo flux `α a S_⊕ F_a` on `surf` over one block of steps, into `out`.
///
/// Two passes per chunk of steps: locate the normal's cell at every step
/// ([`LocatedRows::locate`], vectorized), then interpolate (table loads at scattered places,
/// one step at a time). Split, each loop's chain of dependent work is half as long, and more
/// steps run at once, than in one loop doing both.
#[inline(never)]
fn fill_albedo(
    steps: &AlbedoSteps,
    rest: &[AlbedoStepRest],
    tables: &AlbedoStack,
    preset: &EnvironmentPreset,
    surf: &Surface,
    rows: &mut LocatedRows,
    out: &mut [f32],
) {
    let a_alb = surf.absorptivity * preset.albedo;
    for (c, out) in out.chunks_mut(FILL_CHUNK).enumerate() {
        let range = c * FILL_CHUNK..c * FILL_CHUNK + out.len();
        rows.locate(&surf.normal_body, steps, range.clone());
        let located = rows.jk.iter().zip(&rows.fj).zip(&rows.fk);
        for ((o, g), ((&jk, &fj), &fk)) in out.iter_mut().zip(&rest[range]).zip(located) {
            // A dark visible cap, or a plate facing away from the whole Earth: no albedo.
            *o = if jk == UNSEEN {
                0.0
            } else {
                let c = AlbedoCell {
                    base: g.row_offset + jk as usize,
                    fi: g.fi,
                    fj,
                    fk,
                };
                (a_alb * g.solar_at_earth_w_m2 * tables.factor(&c, &g.layers)) as f32
            };
        }
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
    // Nodes as (time, rank, value): at one time, rank 0 is the value before a switch,
    // 1 the value at the time itself, 2 the value after a switch.
    let mut nodes: Vec<(f64, u8, f64)> = times.iter().zip(lit).map(|(&t, &v)| (t, 1, v)).collect();
    let mut extra: Vec<(f64, u8, f64)> = Vec::new();
    for e in eclipses {
        let phases: Vec<(f64, f64)> = match (e.umbra_entry_s, e.umbra_exit_s) {
            (Some(ue), Some(ux)) => {
                // Light switches at once where a boundary has no penumbra before it.
                extra.push((e.penumbra_entry_s, 0, 1.0));
                extra.push((ue, 2, 0.0));
                extra.push((ux, 0, 0.0));
                extra.push((e.penumbra_exit_s, 2, 1.0));
                vec![(e.penumbra_entry_s, ue), (ux, e.penumbra_exit_s)]
            }
            _ => {
                extra.push((e.penumbra_entry_s, 0, 1.0));
                extra.push((e.penumbra_exit_s, 2, 1.0));
                vec![(e.penumbra_entry_s, e.penumbra_exit_s)]
            }
        };
        for (a, b) in phases.into_iter().filter(|(a, b)| b > a) {
            for k in 1..8 {
                let t = a + (b - a) * k as f64 / 8.0;
                extra.push((t, 1, nu(t)));
            }
        }
    }
    extra.retain(|&(t, _, _)| t > t0 && t < t1);
    if extra.is_empty() {
        return (times.to_vec(), lit.to_vec());
    }
    nodes.extend(extra);
    nodes.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    // At each time keep the first and the last value (one node when they agree).
    let mut out_t = Vec::with_capacity(nodes.len());
    let mut out_v = Vec::with_capacity(nodes.len());
    for group in nodes.chunk_by(|a, b| a.0 == b.0) {
        let (first, last) = (group[0], group[group.len() - 1]);
        out_t.push(first.0);
        out_v.push(first.2);
        if last.2 != first.2 {
            out_t.push(last.0);
            out_v.push(last.2);
        }
    }
    (out_t, out_v)
}

/// Grid interval of `x` in the sorted `t`: indices `(i, j)` and the weight of `j`, clamped to
/// the ends (`i == j` there, and on a zero-length last step).
fn bracket(t: &[f64], x: f64) -> (usize, usize, f64) {
    let n = t.len();
    if x <= t[0] {
        return (0, 0, 0.0);
    }
    if x >= t[n - 1] {
        return (n - 1, n - 1, 0.0);
    }
    let i = t.partition_point(|&ti| ti <= x) - 1;
    let (ta, tb) = (t[i], t[i + 1]);
    if tb <= ta {
        return (i, i, 0.0);
    }
    (i, i + 1, (x - ta) / (tb - ta))
}

/// Linear interpolation in a sorted table, clamped at the ends.
/// Which value a piecewise-linear series with a jump (two nodes at one time) takes there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Side {
    /// The value before the jump.
    Before,
    /// The value after the jump.
    After,
}

/// Linear interpolation through the sorted nodes `(t, v)`, clamped to the ends; at a time held
/// by two nodes (a jump), the first node's value for [`Side::Before`], the second's for
/// [`Side::After`].
fn interp(t: &[f64], v: &[f64], x: f64, side: Side) -> f64 {
    let n = t.len();
    let first = t.partition_point(|&ti| ti < x);
    let past = t.partition_point(|&ti| ti <= x);
    if past > first {
        // `x` is a node time.
        return match side {
            Side::Before => v[first],
            Side::After => v[past - 1],
        };
    }
    if past == 0 {
        return v[0];
    }
    if past == n {
        return v[n - 1];
    }
    let (i, j) = (past - 1, past);
    v[i] + (v[j] - v[i]) * (x - t[i]) / (t[j] - t[i])
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

    /// The interleaved stack gives the per-table interpolation and blend bit for bit, with
    /// one, two and three layers, inside the span of `H` and clamped beyond its ends.
    #[test]
    fn stack_matches_per_table_blend() {
        let heights = [1.0850, 1.0875, 1.0900];
        let all: Vec<Arc<EarthFactorTable>> = heights
            .iter()
            .map(|&h| Arc::new(EarthFactorTable::new(h)))
            .collect();
        for n in 1..=3 {
            let tables = &all[..n];
            let stack = AlbedoStack::new(tables);
            assert_eq!(stack.n_layers, n.max(2));
            for k in 0..400 {
                let x = k as f64;
                let h = 1.080 + 0.015 * (0.618_034 * x).fract();
                let b = bracket_layers(&heights[..n], h);
                let cs = (0.37 * x).sin();
                let nz = (0.53 * x + 0.2).cos();
                let nx = (1.0 - nz * nz).sqrt() * (1.7 * x).cos();
                let cell = AlbedoCell::new(locate(cs, N_CS), nz, nx);
                let want = b.blend(|l| tables[l].albedo_in_cell(&cell));
                let got = stack.factor(&cell, &b);
                assert_eq!(
                    got.to_bits(),
                    want.to_bits(),
                    "{n} layers, H = {h}: {got} vs {want}"
                );
            }
        }
    }

    /// With the zenith fixed in the body frame, locating `n_Z` once per block gives the cells
    /// of the step-by-step location bit for bit (vertical normals included), and the steps
    /// beyond the limit are unseen.
    #[test]
    fn fixed_zenith_location_matches_per_step() {
        let m = 300;
        let zen = Vector3::new(0.0, 0.0, -1.0);
        let mut steps = AlbedoSteps::with_capacity(m);
        for s in 0..m {
            let a = 0.1 * s as f64;
            for c in 0..3 {
                steps.zenith[c].push(zen[c]);
            }
            let h = [a.cos(), a.sin(), 0.0];
            for (c, v) in h.iter().enumerate() {
                steps.sun_horizontal[c].push(*v);
            }
            steps
                .nz_limit
                .push(if s % 7 == 3 { f64::NEG_INFINITY } else { 0.9 });
        }
        let fixed = steps.finish();
        assert!(fixed.fixed_zenith);
        let mut normals = crate::environment::fibonacci_normals(40);
        normals.extend([Vector3::z(), -Vector3::z()]);
        for n in normals {
            let (mut a, mut b) = (LocatedRows::new(), LocatedRows::new());
            let generic = AlbedoSteps {
                fixed_zenith: false,
                zenith: fixed.zenith.clone(),
                sun_horizontal: fixed.sun_horizontal.clone(),
                nz_limit: fixed.nz_limit.clone(),
                h_ratio: Vec::new(),
                sun_cos_zenith: Vec::new(),
                solar_at_earth_w_m2: Vec::new(),
            };
            for range in [0..FILL_CHUNK, FILL_CHUNK..m] {
                a.locate(&n, &fixed, range.clone());
                b.locate(&n, &generic, range.clone());
                for s in 0..range.len() {
                    assert_eq!(a.jk[s], b.jk[s], "normal {n:?}, step {s}");
                    assert_eq!(a.fj[s].to_bits(), b.fj[s].to_bits());
                    assert_eq!(a.fk[s].to_bits(), b.fk[s].to_bits());
                    let unseen =
                        fixed.nz_limit[range.start + s] == f64::NEG_INFINITY || n.dot(&zen) >= 0.9;
                    assert_eq!(a.jk[s] == UNSEEN, unseen);
                }
            }
        }
    }

    /// Between two layers of `H` a few kilometres apart (the osculating radius of a circular
    /// orbit) the blended albedo factor matches the quadrature at the intermediate `H`, and
    /// the IR tables at their spacing match the closed form.
    #[test]
    fn layers_interpolate_in_h() {
        let (h0, h1) = (1.0850, 1.0875);
        let heights = layer_heights(h0, h1, ALBEDO_LAYER_SPACING_DEG);
        assert_eq!(heights, vec![h0, h1]);
        let tables: Vec<EarthFactorTable> =
            heights.iter().map(|&h| EarthFactorTable::new(h)).collect();
        let mut worst: f64 = 0.0;
        for (m, &w) in [0.25, 0.5, 0.8].iter().enumerate() {
            let h = h0 + w * (h1 - h0);
            let b = bracket_layers(&heights, h);
            assert_eq!((b.lower, b.upper), (0, 1));
            let peak = diffuse_earth_factor(h, Some(1.0), [0.0, 0.0, -1.0]);
            for k in 0..200 {
                let x = (k * 7 + m * 13) as f64;
                let cs = (0.37 * x).sin();
                let nz = (0.53 * x + 0.2).cos();
                let az = 1.7 * x;
                let nh = (1.0 - nz * nz).sqrt();
                let n = [nh * az.cos(), nh * az.sin(), nz];
                let cell = AlbedoCell::new(locate(cs, N_CS), nz, n[0]);
                let tab = b.blend(|l| tables[l].albedo_in_cell(&cell));
                let exact = diffuse_earth_factor(h, Some(cs), n);
                worst = worst.max((tab - exact).abs() / peak);
            }
        }
        assert!(worst < 2.5e-3, "worst blended table error {worst} of peak");
        let heights = layer_heights(1.05, 1.5, IR_LAYER_SPACING_DEG);
        let ir: Vec<IrTable> = heights.iter().map(|&h| IrTable::new(h)).collect();
        for k in 0..500 {
            let h = 1.05 + 0.45 * (k as f64 * 0.618_034).fract();
            let c = (k as f64 * 0.77).sin();
            let fe = bracket_layers(&heights, h).blend(|l| ir[l].view_factor(c));
            let exact = plate_to_sphere_view_factor(c, h);
            assert!(
                (fe - exact).abs() < 1e-6,
                "H = {h}, cos γ = {c}: {fe} vs {exact}"
            );
        }
    }
}
