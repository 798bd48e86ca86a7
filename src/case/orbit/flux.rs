//! The orbit's absorbed fluxes as the network's time functions: per surface and source,
//! weighted by α and ε, tabulated on the flux series' grid, averaged for a steady run; and what
//! computing them over a span costs, known before it is computed.

use std::sync::Arc;

use super::resolve::OrbitSetup;
use crate::case::limits::{self, Limits};
use crate::environment::{AbsorbedFlux, FluxSeries, SeriesOptions, Surface};
use crate::error::Error;
use crate::network::{Profile, TimeFunction};

/// What computing orbit fluxes over a span costs, known before any of it is computed: the rows
/// of the flux table, the samples of a separate eclipse scan (made when the table's step is
/// too coarse to bracket eclipses: coarser than a 40th of the period), and the memory.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SpanCost {
    /// Rows of the flux table.
    pub rows: f64,
    /// Samples of the separate eclipse scan (0 when the table's own samples serve).
    pub scan_samples: f64,
    /// Memory of the table and scan, bytes (`limits::FLUX_BYTES_PER_ROW` and its companions).
    pub bytes: f64,
}

impl SpanCost {
    /// The cost of fluxes on `setup.surfaces` over `[t0_s, t1_s]` every `step_s`.
    pub fn of(setup: &OrbitSetup, t0_s: f64, t1_s: f64, step_s: f64) -> Self {
        let orbit = setup.model.orbit();
        let span = t1_s - t0_s;
        let rows = (span / step_s).ceil() + 1.0;
        let scan_samples = if step_s > orbit.period_s() / 40.0 {
            (span / orbit.eclipse_scan_step_s()).ceil() + 1.0
        } else {
            0.0
        };
        let per_row = limits::FLUX_BYTES_PER_ROW
            + limits::FLUX_BYTES_PER_SURFACE_ROW * setup.surfaces.len() as f64;
        Self {
            rows,
            scan_samples,
            bytes: rows * per_row + scan_samples * limits::SCAN_BYTES_PER_SAMPLE,
        }
    }

    /// `Err(reason)` when the rows, the scan or the memory exceed `limits`.
    pub fn check(&self, limits: &Limits) -> Result<(), String> {
        Limits::count(limits.max_time_samples, self.rows, "rows of the flux table")?;
        Limits::count(
            limits.max_time_samples,
            self.scan_samples,
            "samples of the eclipse search",
        )?;
        limits.memory(self.bytes, "the flux table")
    }
}

/// The weighted flux of one surface of a [`FluxSeries`]:
///
/// `Q(t) = w_sun q_sun(t) + w_albedo q_albedo(t) + w_ir q_IR(t)`
///
/// with `q` the fluxes (W/m²) on a surface of the same normal that absorbs everything
/// (α = ε = 1), from [`FluxSeries::absorbed_at`]. With `w_sun = w_albedo = α A` and
/// `w_ir = ε A` (`A` = 1 for a panel face, whose cells apply their own α A_ij or ε A_ij) this
/// is the flux absorbed by the real surface: absorbed flux is linear in α and ε (Gilmore
/// Vol. 1, ch. 2). The discontinuities are the eclipse boundaries, where the solar term's
/// slope jumps.
#[derive(Debug, Clone)]
pub struct OrbitFlux {
    series: Arc<FluxSeries>,
    surface: usize,
    weights: [f64; 3],
}

impl OrbitFlux {
    /// The flux of surface `surface` of `series` (whose surfaces absorb everything), weighted
    /// `[w_sun, w_albedo, w_ir]`.
    pub fn new(series: Arc<FluxSeries>, surface: usize, weights: [f64; 3]) -> Self {
        Self {
            series,
            surface,
            weights,
        }
    }

    fn combine(&self, a: AbsorbedFlux) -> f64 {
        let [ws, wa, wi] = self.weights;
        ws * a.solar_w_m2 + wa * a.albedo_w_m2 + wi * a.earth_ir_w_m2
    }
}

impl TimeFunction for OrbitFlux {
    fn value_at(&self, t_s: f64) -> f64 {
        self.combine(self.series.absorbed_at(self.surface, t_s))
    }

    fn value_after(&self, t_s: f64) -> f64 {
        self.combine(self.series.absorbed_after(self.surface, t_s))
    }

    fn discontinuities(&self, t0_s: f64, t1_s: f64) -> Vec<f64> {
        if self.weights[0] == 0.0 {
            Vec::new()
        } else {
            self.series.eclipse_boundaries_s(t0_s, t1_s)
        }
    }
}

/// A flux tabulated on the flux series' grid and interpolated linearly; when `shadowed`,
/// multiplied by the series' lit fraction (direct sunlight), whose eclipse boundaries are its
/// discontinuities.
#[derive(Debug, Clone)]
struct TabulatedFlux {
    series: Arc<FluxSeries>,
    values: Vec<f64>,
    shadowed: bool,
}

impl TabulatedFlux {
    /// The tabulated value at `t_s`, times the lit fraction `lit` when shadowed.
    fn value_lit_by(&self, t_s: f64, lit: impl Fn(f64) -> f64) -> f64 {
        let t = self.series.times_s();
        let k = t
            .partition_point(|&x| x <= t_s)
            .clamp(1, t.len().max(2) - 1);
        let v = if t.len() < 2 {
            self.values[0]
        } else {
            let w = ((t_s - t[k - 1]) / (t[k] - t[k - 1])).clamp(0.0, 1.0);
            self.values[k - 1] + (self.values[k] - self.values[k - 1]) * w
        };
        if self.shadowed {
            v * lit(t_s)
        } else {
            v
        }
    }
}

impl TimeFunction for TabulatedFlux {
    fn value_at(&self, t_s: f64) -> f64 {
        self.value_lit_by(t_s, |t| self.series.lit_fraction_at(t))
    }

    fn value_after(&self, t_s: f64) -> f64 {
        self.value_lit_by(t_s, |t| self.series.lit_fraction_after(t))
    }

    fn discontinuities(&self, t0_s: f64, t1_s: f64) -> Vec<f64> {
        if self.shadowed {
            self.series.eclipse_boundaries_s(t0_s, t1_s)
        } else {
            Vec::new()
        }
    }
}

/// Fluxes incident on a surface (α = ε = 1) by source, as time profiles.
#[derive(Debug, Clone)]
pub struct IncidentProfiles {
    /// Direct sunlight (cosine and lit fraction included), W/m².
    pub solar: Profile,
    /// Earth-reflected sunlight, W/m².
    pub albedo: Profile,
    /// Earth infrared, W/m².
    pub earth_ir: Profile,
}

/// The orbit of a built model: the environment, the flux series the network's orbit loads
/// read, and whether a steady run averaged them.
#[derive(Debug, Clone)]
pub struct CaseOrbit {
    /// Orbit, attitude and environment.
    pub setup: OrbitSetup,
    /// Fluxes on each of `setup.surfaces` with α = ε = 1 (incident solar + albedo and incident
    /// Earth IR), over the run (transient) or one nodal period (steady).
    pub series: Arc<FluxSeries>,
    /// `Some((t0, t1))`: a steady run, whose orbit loads are the averages over `[t0, t1]`.
    pub averaged_over_s: Option<(f64, f64)>,
}

impl CaseOrbit {
    /// Computes the flux series over `[t0_s, t1_s]` (a transient run) or, when `steady`, over one
    /// nodal period from `t0_s`.
    pub fn new(setup: OrbitSetup, t0_s: f64, t1_s: f64, steady: bool) -> Result<Self, Error> {
        let unit: Vec<Surface> = setup
            .surfaces
            .iter()
            .map(|s| Surface::new(s.name.clone(), s.normal_body, 1.0, 1.0))
            .collect::<Result<_, _>>()?;
        let t1_s = if steady {
            t0_s + setup.model.orbit().nodal_period_s()
        } else {
            t1_s
        };
        let series = FluxSeries::compute(
            &setup.model,
            &unit,
            t0_s,
            t1_s,
            setup.flux_step_s,
            &SeriesOptions::default(),
        )?;
        Ok(Self {
            setup,
            series: Arc::new(series),
            averaged_over_s: steady.then_some((t0_s, t1_s)),
        })
    }

    /// The same orbit with its fluxes as time functions, even for a steady run (whose loads
    /// are averages): for what must be resolved in time, such as an array's output over the
    /// orbit a steady run averaged.
    pub fn time_resolved(&self) -> CaseOrbit {
        CaseOrbit {
            averaged_over_s: None,
            ..self.clone()
        }
    }

    /// Span of the flux series, s.
    pub fn span_s(&self) -> (f64, f64) {
        let t = self.series.times_s();
        (t[0], t[t.len() - 1])
    }

    /// Flux absorbed by surface `surface` (with its own α and ε), averaged over the series'
    /// span: `α q̄_sun`, `α q̄_albedo`, `ε q̄_IR`.
    pub fn average_absorbed(&self, surface: usize) -> AbsorbedFlux {
        let (t0, t1) = self.span_s();
        let q = self.series.average(surface, t0, t1);
        let s = &self.setup.surfaces[surface];
        AbsorbedFlux {
            solar_w_m2: s.absorptivity * q.solar_w_m2,
            albedo_w_m2: s.absorptivity * q.albedo_w_m2,
            earth_ir_w_m2: s.emissivity * q.earth_ir_w_m2,
        }
    }

    /// Eclipses (penumbra entry to exit, s) that overlap `[t0_s, t1_s]`, clipped to it.
    pub fn eclipse_intervals_s(&self, t0_s: f64, t1_s: f64) -> Vec<(f64, f64)> {
        self.series
            .eclipses()
            .iter()
            .map(|e| (e.penumbra_entry_s.max(t0_s), e.penumbra_exit_s.min(t1_s)))
            .filter(|(a, b)| b > a)
            .collect()
    }

    /// How the orbit's fluxes entered the run, one line for the summary and the console:
    /// averaged over one nodal period (steady) or tabulated and interpolated (transient).
    pub fn fluxes_description(&self) -> String {
        match self.averaged_over_s {
            Some((a, b)) => format!(
                "steady run, so every orbit load is its average over one nodal period (t = {a:.0} s to {b:.0} s)"
            ),
            None => {
                let (t0, t1) = self.span_s();
                format!(
                    "time-varying: tabulated every {} s and interpolated; time steps land on the {} eclipse boundaries",
                    self.setup.flux_step_s,
                    self.series.eclipse_boundaries_s(t0, t1).len()
                )
            }
        }
    }

    /// Index of the surface called `name`.
    pub fn surface_index(&self, name: &str) -> Option<usize> {
        self.setup.surfaces.iter().position(|s| s.name == name)
    }

    /// The load profile `w_s (q_sun + q_albedo) + w_ir q_IR` of surface `surface`: the
    /// time function in a transient run, its average in a steady one.
    pub fn profile(&self, surface: usize, shortwave_weight: f64, infrared_weight: f64) -> Profile {
        self.weighted_profile(
            surface,
            [shortwave_weight, shortwave_weight, infrared_weight],
        )
    }

    /// The load profile `w_sun q_sun + w_albedo q_albedo + w_ir q_IR` of surface `surface`.
    fn weighted_profile(&self, surface: usize, weights: [f64; 3]) -> Profile {
        let f = OrbitFlux::new(Arc::clone(&self.series), surface, weights);
        match self.averaged_over_s {
            Some((t0, t1)) => Profile::Constant(f.combine(self.series.average(surface, t0, t1))),
            None => Profile::Function(Arc::new(f)),
        }
    }

    /// The incident fluxes on surface `surface`, each source on its own.
    pub fn incident_profiles(&self, surface: usize) -> IncidentProfiles {
        IncidentProfiles {
            solar: self.weighted_profile(surface, [1.0, 0.0, 0.0]),
            albedo: self.weighted_profile(surface, [0.0, 1.0, 0.0]),
            earth_ir: self.weighted_profile(surface, [0.0, 0.0, 1.0]),
        }
    }

    /// The incident fluxes on the two faces of a plate that keeps its front facing the Sun
    /// (two-axis tracking): `(front, back)`. Sunlight on the front is the solar flux at the
    /// satellite times the lit fraction; albedo and Earth IR on each face are evaluated at
    /// the grid times of the flux series ([`crate::environment::absorbed_at_geometry`], with
    /// the face's normal along ±ŝ) and interpolated.
    pub fn sun_tracking_profiles(&self) -> (IncidentProfiles, IncidentProfiles) {
        let model = &self.setup.model;
        let preset = model.preset();
        let times = self.series.times_s();
        let mut sun = Vec::with_capacity(times.len());
        let mut faces = [[Vec::new(), Vec::new()], [Vec::new(), Vec::new()]];
        for &t in times {
            let g = model.geometry(t);
            sun.push(g.solar_w_m2);
            for (face, sign) in faces.iter_mut().zip([1.0, -1.0]) {
                let plate = Surface {
                    name: String::new(),
                    normal_body: g.sun_body * sign,
                    absorptivity: 1.0,
                    emissivity: 1.0,
                    area_m2: None,
                };
                let a = crate::environment::absorbed_at_geometry(&g, preset, &plate);
                face[0].push(a.albedo_w_m2);
                face[1].push(a.earth_ir_w_m2);
            }
        }
        let table = |values: Vec<f64>, shadowed: bool| self.tabulated_profile(values, shadowed);
        let [[fa, fi], [ba, bi]] = faces;
        let front = IncidentProfiles {
            solar: table(sun, true),
            albedo: table(fa, false),
            earth_ir: table(fi, false),
        };
        let back = IncidentProfiles {
            solar: Profile::Constant(0.0),
            albedo: table(ba, false),
            earth_ir: table(bi, false),
        };
        (front, back)
    }

    /// A flux tabulated on the series' grid (`values[k]` at `series.times_s()[k]`, W/m²),
    /// interpolated linearly and, when `shadowed`, multiplied by the lit fraction (direct
    /// sunlight): the time function in a transient run, its average in a steady one.
    pub fn tabulated_profile(&self, values: Vec<f64>, shadowed: bool) -> Profile {
        let f = TabulatedFlux {
            series: Arc::clone(&self.series),
            values,
            shadowed,
        };
        match self.averaged_over_s {
            Some((t0, t1)) => Profile::Constant(self.time_average(&f, t0, t1)),
            None => Profile::Function(Arc::new(f)),
        }
    }

    /// Mean of `f` over `[t0_s, t1_s]` by the trapezoidal rule on the series' grid and the
    /// eclipse boundaries (where a shadowed flux kinks or, for a cylindrical shadow, jumps:
    /// each interval runs from the value just after its start), the same nodes
    /// [`FluxSeries::average`] uses.
    fn time_average(&self, f: &dyn TimeFunction, t0_s: f64, t1_s: f64) -> f64 {
        if t1_s <= t0_s {
            return f.value_at(t0_s);
        }
        let mut nodes: Vec<f64> = vec![t0_s, t1_s];
        nodes.extend(
            self.series
                .times_s()
                .iter()
                .copied()
                .filter(|&t| t > t0_s && t < t1_s),
        );
        nodes.extend(self.series.eclipse_boundaries_s(t0_s, t1_s));
        nodes.retain(|&t| t >= t0_s && t <= t1_s);
        nodes.sort_by(f64::total_cmp);
        nodes.dedup();
        let integral: f64 = nodes
            .windows(2)
            .map(|w| 0.5 * (w[1] - w[0]) * (f.value_after(w[0]) + f.value_at(w[1])))
            .sum();
        integral / (t1_s - t0_s)
    }
}
