//! Environment fluxes on oriented surfaces: direct solar, Earth infrared and albedo.
//!
//! For a surface with outward unit normal n (body frame), solar absorptivity α and infrared
//! emissivity ε, on an orbit with an attitude, the absorbed fluxes per unit area are
//! (Gilmore, *Spacecraft Thermal Control Handbook*, Vol. 1, 2nd ed., ch. 2):
//!
//! - direct solar `α S max(0, n·ŝ) ν`, with `S` the solar flux at the satellite (the solar
//!   constant scaled by 1/d², or a fixed design value), ŝ the direction from the satellite to
//!   the Sun and ν the lit fraction of the solar disk ([`crate::orbit::ShadowModel`]);
//! - Earth IR `ε q_IR F_e`, with `F_e` the exact plate-to-sphere view factor at any tilt
//!   including partial visibility ([`view_factor::plate_to_sphere_view_factor`]), the Earth a
//!   uniform diffuse emitter of exitance `q_IR` at its surface;
//! - albedo `α a S F_a`, with `F_a` the integral over the *sunlit part of the visible cap* of a
//!   Lambertian Earth of Bond albedo `a`, each surface point weighted by the cosine of its own
//!   solar zenith angle, its emission angle and the plate's incidence angle
//!   ([`view_factor::diffuse_earth_factor`]). This replaces the common `F_e · cos θ_subsolar`
//!   shortcut, which is wrong near the terminator (it gives zero albedo once the sub-satellite
//!   point is dark, while the sunlit limb is still in view) and for tilted plates.
//!
//! The Earth is a sphere of the equatorial radius; albedo and IR are uniform over it (the
//! presets are orbit-average design values). The environment knows nothing of thermal
//! networks: [`FluxSeries`] gives tabulated fluxes, interpolation and the eclipse boundaries a
//! transient solver must land on.

pub(crate) mod series;
pub(crate) mod view_factor;

use nalgebra::{Matrix3, Vector3};

pub use series::{EarthFactorTable, FluxSeries, SeriesOptions};
pub use view_factor::{clamped_cosine_product, diffuse_earth_factor, plate_to_sphere_view_factor};

use crate::constants::{
    EARTH_ALBEDO_COLD, EARTH_ALBEDO_HOT, EARTH_ALBEDO_NOMINAL, EARTH_IR_COLD_W_M2,
    EARTH_IR_HOT_W_M2, EARTH_IR_NOMINAL_W_M2, EARTH_RADIUS_KM, SOLAR_CONSTANT_W_M2,
    SOLAR_FLUX_COLD_W_M2, SOLAR_FLUX_HOT_W_M2,
};
use crate::error::OrbitError;
use crate::orbit::{Attitude, GeometrySample, Orbit, ShadowModel};

/// Default solar absorptivity of a surface: AZ-93 white thermal-control paint at beginning of
/// life, α = 0.15 (Gilmore Vol. 1, Appendix A; AZ Technology data sheet: 0.15 ± 0.02).
pub const DEFAULT_ABSORPTIVITY: f64 = 0.15;
/// Default infrared emissivity: AZ-93 white paint, ε = 0.91 (Gilmore Vol. 1, Appendix A).
pub const DEFAULT_EMISSIVITY: f64 = 0.91;

/// An external surface: outward normal in the body frame and optical properties.
#[derive(Debug, Clone, PartialEq)]
pub struct Surface {
    /// Name (used in CSV headers and error messages).
    pub name: String,
    /// Outward unit normal, body frame.
    pub normal_body: Vector3<f64>,
    /// Solar absorptivity α, in [0, 1].
    pub absorptivity: f64,
    /// Infrared emissivity ε, in [0, 1].
    pub emissivity: f64,
    /// Area in m², if known (for absorbed power).
    pub area_m2: Option<f64>,
}

impl Surface {
    /// A surface; the normal is normalised. Errors on a zero or non-finite normal, or α, ε
    /// outside [0, 1].
    pub fn new(
        name: impl Into<String>,
        normal_body: Vector3<f64>,
        absorptivity: f64,
        emissivity: f64,
    ) -> Result<Self, OrbitError> {
        let name = name.into();
        let bad = |reason: String| OrbitError::BadSurface {
            surface: name.clone(),
            reason,
        };
        let n = normal_body.norm();
        if !(n.is_finite() && n > 1e-12) {
            return Err(bad(format!(
                "the outward normal [{}, {}, {}] has zero length",
                normal_body.x, normal_body.y, normal_body.z
            )));
        }
        for (what, v) in [("absorptivity", absorptivity), ("emissivity", emissivity)] {
            if !(v.is_finite() && (0.0..=1.0).contains(&v)) {
                return Err(bad(format!("{what} = {v} must lie in [0, 1]")));
            }
        }
        Ok(Self {
            name: name.clone(),
            normal_body: normal_body / n,
            absorptivity,
            emissivity,
            area_m2: None,
        })
    }

    /// Sets the area (m², finite and positive).
    pub fn with_area_m2(mut self, area_m2: f64) -> Result<Self, OrbitError> {
        if !(area_m2.is_finite() && area_m2 > 0.0) {
            return Err(OrbitError::BadSurface {
                surface: self.name.clone(),
                reason: format!("area_m2 = {area_m2} must be positive"),
            });
        }
        self.area_m2 = Some(area_m2);
        Ok(self)
    }

    /// The six faces of a box, `+x, −x, +y, −y, +z, −z`, with the default coating
    /// ([`DEFAULT_ABSORPTIVITY`], [`DEFAULT_EMISSIVITY`]).
    pub fn body_faces() -> Vec<Surface> {
        let axes = [
            ("+x", Vector3::x()),
            ("-x", -Vector3::x()),
            ("+y", Vector3::y()),
            ("-y", -Vector3::y()),
            ("+z", Vector3::z()),
            ("-z", -Vector3::z()),
        ];
        axes.iter()
            .map(|(name, n)| Surface {
                name: (*name).to_string(),
                normal_body: *n,
                absorptivity: DEFAULT_ABSORPTIVITY,
                emissivity: DEFAULT_EMISSIVITY,
                area_m2: None,
            })
            .collect()
    }
}

/// How the solar flux at the satellite is set.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum SolarFlux {
    /// `S = S₁ₐᵤ / d²` with d the Sun distance in AU (varies ±3.4 % over the year).
    ScaledFromConstant {
        /// Solar irradiance at 1 AU, W/m².
        at_1au_w_m2: f64,
    },
    /// A fixed design flux, W/m² (hot and cold cases).
    Fixed {
        /// Flux, W/m².
        w_m2: f64,
    },
}

impl SolarFlux {
    /// Flux in W/m² at `distance_au` from the Sun.
    pub fn at_distance_w_m2(&self, distance_au: f64) -> f64 {
        match *self {
            SolarFlux::ScaledFromConstant { at_1au_w_m2 } => {
                at_1au_w_m2 / (distance_au * distance_au)
            }
            SolarFlux::Fixed { w_m2 } => w_m2,
        }
    }
}

/// Solar flux, Earth albedo and Earth IR for a thermal case.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EnvironmentPreset {
    /// Solar flux model.
    pub solar: SolarFlux,
    /// Earth Bond albedo, 0–1.
    pub albedo: f64,
    /// Earth outgoing longwave radiation (exitance at the Earth's radius), W/m².
    pub earth_ir_w_m2: f64,
}

impl EnvironmentPreset {
    /// Nominal: 1361 W/m² scaled by 1/d², albedo 0.30, OLR 237 W/m² (see `constants`).
    pub fn nominal() -> Self {
        Self {
            solar: SolarFlux::ScaledFromConstant {
                at_1au_w_m2: SOLAR_CONSTANT_W_M2,
            },
            albedo: EARTH_ALBEDO_NOMINAL,
            earth_ir_w_m2: EARTH_IR_NOMINAL_W_M2,
        }
    }

    /// Hot design case: 1414 W/m² fixed, albedo 0.35, OLR 257 W/m².
    pub fn hot() -> Self {
        Self {
            solar: SolarFlux::Fixed {
                w_m2: SOLAR_FLUX_HOT_W_M2,
            },
            albedo: EARTH_ALBEDO_HOT,
            earth_ir_w_m2: EARTH_IR_HOT_W_M2,
        }
    }

    /// Cold design case: 1322 W/m² fixed, albedo 0.25, OLR 218 W/m².
    pub fn cold() -> Self {
        Self {
            solar: SolarFlux::Fixed {
                w_m2: SOLAR_FLUX_COLD_W_M2,
            },
            albedo: EARTH_ALBEDO_COLD,
            earth_ir_w_m2: EARTH_IR_COLD_W_M2,
        }
    }

    /// A preset by name: `nominal`, `hot` or `cold`.
    pub fn by_name(name: &str) -> Option<Self> {
        match name {
            "nominal" => Some(Self::nominal()),
            "hot" => Some(Self::hot()),
            "cold" => Some(Self::cold()),
            _ => None,
        }
    }

    /// Checks ranges: flux > 0, albedo in [0, 1], OLR ≥ 0.
    pub fn validate(&self) -> Result<(), OrbitError> {
        let s = match self.solar {
            SolarFlux::ScaledFromConstant { at_1au_w_m2 } => at_1au_w_m2,
            SolarFlux::Fixed { w_m2 } => w_m2,
        };
        if !(s.is_finite() && s >= 0.0) {
            return Err(OrbitError::OutOfRange {
                quantity: "solar_flux_w_m2",
                value: s,
                allowed: "finite, ≥ 0",
            });
        }
        if !(self.albedo.is_finite() && (0.0..=1.0).contains(&self.albedo)) {
            return Err(OrbitError::OutOfRange {
                quantity: "albedo",
                value: self.albedo,
                allowed: "0 ≤ albedo ≤ 1",
            });
        }
        if !(self.earth_ir_w_m2.is_finite() && self.earth_ir_w_m2 >= 0.0) {
            return Err(OrbitError::OutOfRange {
                quantity: "earth_ir_w_m2",
                value: self.earth_ir_w_m2,
                allowed: "finite, ≥ 0",
            });
        }
        Ok(())
    }
}

/// Absorbed flux on a surface by source, W/m².
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct AbsorbedFlux {
    /// Direct solar.
    pub solar_w_m2: f64,
    /// Earth-reflected sunlight.
    pub albedo_w_m2: f64,
    /// Earth infrared.
    pub earth_ir_w_m2: f64,
}

impl AbsorbedFlux {
    /// Sum of the three sources, W/m².
    pub fn total_w_m2(&self) -> f64 {
        self.solar_w_m2 + self.albedo_w_m2 + self.earth_ir_w_m2
    }
}

/// Orbit + attitude + environment: evaluates absorbed fluxes on surfaces.
#[derive(Debug, Clone)]
pub struct EnvironmentModel {
    orbit: Orbit,
    attitude: Attitude,
    preset: EnvironmentPreset,
    shadow: ShadowModel,
}

/// What the flux formulas need at one instant, shared by all surfaces.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FluxGeometry {
    /// Orbit and Sun.
    pub sample: GeometrySample,
    /// Body → J2000 rotation.
    pub body_to_inertial: Matrix3<f64>,
    /// Solar flux at the satellite, W/m² (before shadowing).
    pub solar_w_m2: f64,
    /// Solar flux at the Earth (drives albedo), W/m².
    pub solar_at_earth_w_m2: f64,
    /// Satellite distance over Earth radius, `H = r/R`.
    pub h_ratio: f64,
    /// Cosine of the solar zenith angle at the sub-satellite point, `r̂ · ŝ`.
    pub sun_cos_zenith: f64,
    /// Zenith r̂ in body axes.
    pub zenith_body: Vector3<f64>,
    /// Horizontal unit vector towards the Sun (X of the local frame) in body axes.
    pub sun_horizontal_body: Vector3<f64>,
    /// Satellite-to-Sun unit vector in body axes.
    pub sun_body: Vector3<f64>,
}

impl EnvironmentModel {
    /// A model; checks the attitude and the preset.
    pub fn new(
        orbit: Orbit,
        attitude: Attitude,
        preset: EnvironmentPreset,
        shadow: ShadowModel,
    ) -> Result<Self, OrbitError> {
        attitude.validate()?;
        preset.validate()?;
        Ok(Self {
            orbit,
            attitude,
            preset,
            shadow,
        })
    }

    /// The orbit.
    pub fn orbit(&self) -> &Orbit {
        &self.orbit
    }

    /// The attitude law.
    pub fn attitude(&self) -> &Attitude {
        &self.attitude
    }

    /// The environment preset.
    pub fn preset(&self) -> &EnvironmentPreset {
        &self.preset
    }

    /// The shadow model.
    pub fn shadow(&self) -> ShadowModel {
        self.shadow
    }

    /// Geometry shared by all surfaces at `t_s`.
    pub fn geometry(&self, t_s: f64) -> FluxGeometry {
        self.geometry_from_sample(self.orbit.sample(t_s, self.shadow))
    }

    /// [`Self::geometry`] from an orbit sample already computed.
    pub fn geometry_from_sample(&self, sample: GeometrySample) -> FluxGeometry {
        let rot = self.attitude.body_to_inertial(&sample.pointing());
        let r = sample.state.position_km;
        let rn = r.norm();
        let zen = r / rn;
        let s_earth = sample.sun.direction;
        let cz = zen.dot(&s_earth).clamp(-1.0, 1.0);
        let mut xh = s_earth - zen * cz;
        if xh.norm() < 1e-12 {
            // Sun at zenith or nadir: any horizontal direction will do (azimuthal symmetry).
            xh = zen.cross(&Vector3::z());
            if xh.norm() < 1e-12 {
                xh = zen.cross(&Vector3::x());
            }
        }
        let xh = xh / xh.norm();
        let rt = rot.transpose();
        // Nadir pointing: the body's +z is the nadir −r̂ by definition, so the zenith is −z
        // exactly (rather than through the rotation's round-off, ~1e-16), and the same at every
        // instant, which lets the albedo series locate a normal's n_Z once.
        let zenith_body = match self.attitude {
            Attitude::Nadir => -Vector3::z(),
            _ => rt * zen,
        };
        FluxGeometry {
            sample,
            body_to_inertial: rot,
            solar_w_m2: self
                .preset
                .solar
                .at_distance_w_m2(sample.sun_distance_from_satellite_au),
            solar_at_earth_w_m2: self.preset.solar.at_distance_w_m2(sample.sun.distance_au),
            h_ratio: rn / EARTH_RADIUS_KM,
            sun_cos_zenith: cz,
            zenith_body,
            sun_horizontal_body: rt * xh,
            sun_body: rt * sample.sun_from_satellite,
        }
    }

    /// Absorbed fluxes on `surface` at `t_s`, evaluated directly (albedo by adaptive
    /// Gauss–Legendre quadrature; see [`view_factor::diffuse_earth_factor`]).
    pub fn absorbed_flux_w_m2(&self, surface: &Surface, t_s: f64) -> AbsorbedFlux {
        absorbed_at_geometry(&self.geometry(t_s), &self.preset, surface)
    }

    /// Absorbed fluxes on `surfaces` from `t0_s` to `t1_s` every `step_s`, sharing the orbit,
    /// Sun, eclipse and attitude computation across surfaces (see [`FluxSeries`]).
    pub fn flux_series(
        &self,
        surfaces: &[Surface],
        t0_s: f64,
        t1_s: f64,
        step_s: f64,
        options: &SeriesOptions,
    ) -> Result<FluxSeries, OrbitError> {
        FluxSeries::compute(self, surfaces, t0_s, t1_s, step_s, options)
    }
}

/// Local-frame components of a body-frame normal: `(n_X, n_Y, n_Z)` with Z the zenith and
/// X horizontal towards the Sun.
pub(crate) fn local_normal(g: &FluxGeometry, n: &Vector3<f64>) -> [f64; 3] {
    let nz = n.dot(&g.zenith_body);
    let nx = n.dot(&g.sun_horizontal_body);
    let ny = (1.0 - nz * nz - nx * nx).max(0.0).sqrt();
    [nx, ny, nz]
}

/// Direct evaluation of the three absorbed fluxes at one geometry.
pub fn absorbed_at_geometry(
    g: &FluxGeometry,
    preset: &EnvironmentPreset,
    surface: &Surface,
) -> AbsorbedFlux {
    let n = surface.normal_body;
    let cos_sun = n.dot(&g.sun_body).max(0.0);
    let local = local_normal(g, &n);
    let f_e = view_factor::plate_to_sphere_view_factor(-local[2], g.h_ratio);
    let f_a = view_factor::diffuse_earth_factor(g.h_ratio, Some(g.sun_cos_zenith), local);
    AbsorbedFlux {
        solar_w_m2: surface.absorptivity * g.solar_w_m2 * cos_sun * g.sample.lit_fraction,
        albedo_w_m2: surface.absorptivity * preset.albedo * g.solar_at_earth_w_m2 * f_a,
        earth_ir_w_m2: surface.emissivity * preset.earth_ir_w_m2 * f_e,
    }
}

/// `n` unit normals spread nearly evenly over the sphere: the Fibonacci lattice
/// `z_k = 1 − 2 (k + ½)/n`, `φ_k = k π (3 − √5)` (González, *Math. Geosci.* 42, 2010), for
/// benchmarks and examples that need many differently oriented surfaces.
pub fn fibonacci_normals(n: usize) -> Vec<Vector3<f64>> {
    let golden = std::f64::consts::PI * (3.0 - 5f64.sqrt());
    (0..n)
        .map(|k| {
            let z = 1.0 - 2.0 * (k as f64 + 0.5) / n as f64;
            let r = (1.0 - z * z).sqrt();
            let phi = golden * k as f64;
            Vector3::new(r * phi.cos(), r * phi.sin(), z)
        })
        .collect()
}
