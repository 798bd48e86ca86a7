//! The orbit of a case: `[orbit]`, `[attitude]`, `[environment]` and `[[surfaces]]`, and the
//! time functions that carry its absorbed fluxes into the thermal network.
//!
//! ```toml
//! [orbit]
//! epoch = "2027-03-20T12:00:00Z"   # t = 0 of the run; ISO 8601 UTC
//! altitude_km = 550.0              # 100 – 1,000,000 km above 6378.137 km (osculating at t = 0)
//! sun_synchronous = true           # inclination from J2 ...
//! ltan = "06:00"                   # ... node at this local time (or inclination_deg, raan_deg;
//!                                  # or geostationary = true, longitude_deg)
//! elements = "osculating"          # or "mean" (first-order J2 mean elements)
//!
//! [attitude]
//! mode = "nadir"                   # nadir | sun | sun-perpendicular | inertial
//!
//! [environment]
//! preset = "nominal"               # nominal | hot | cold
//! shadow = "conical"               # conical (with penumbra) | cylindrical
//! flux_step_s = 10.0               # step of the tabulated fluxes (default 10 s)
//!
//! [[surfaces]]
//! name = "radiator_top"
//! normal = [0.0, 1.0, 0.0]         # outward normal, body frame
//! coating = "white_paint"          # or absorptivity = …, emissivity = …
//! area_m2 = 1.2                    # needed when a lumped source uses the surface
//! ```
//!
//! A surface drives the network in two ways:
//!
//! - a panel face: `[[panels.P.loads]] face = "top", orbit_surface = "radiator_top"` — the face
//!   absorbs `α (q_sun + q_albedo) + ε q_IR` per m² with its *own* coating's α and ε, where the
//!   q are the fluxes on a surface of the named normal (the surface's α, ε must equal the
//!   face's coating, so `thermorbit orbit` reports what the panel absorbs);
//! - a lumped node: `[[sources]] node = "rack", orbit_surface = "rack_zenith"` — the node takes
//!   `A (α (q_sun + q_albedo) + ε q_IR)` W with the surface's area, α and ε.
//!
//! The fluxes are those of [`FluxSeries`] (Gilmore, *Spacecraft Thermal Control Handbook*,
//! Vol. 1, ch. 2: direct solar `α S max(0, n·ŝ) ν`, albedo `α a S F_a`, Earth IR
//! `ε q_IR F_e`), computed once on a uniform grid over the run and interpolated. In a transient
//! run the eclipse boundaries (penumbra and umbra entry and exit) are the network's
//! discontinuities, so the time stepper lands on them. A steady run uses the orbit average
//! over one nodal period starting at `solve.time_s` (default 0), and says so in its summary.

use std::collections::BTreeMap;
use std::fmt::Display;
use std::path::Path;
use std::sync::Arc;

use nalgebra::{Matrix3, Vector3};
use serde::Deserialize;

use super::limits::{self, Limits};
use super::schema::CoatingSpec;
use crate::environment::{
    AbsorbedFlux, EnvironmentModel, EnvironmentPreset, FluxSeries, SeriesOptions, Surface,
};
use crate::error::{Error, InputError, OrbitError};
use crate::network::{Profile, TimeFunction};
use crate::orbit::{
    Attitude, ElementKind, Epoch, LocalTime, Orbit, Propagation, ShadowModel, Target,
};

/// Default step of the tabulated environment fluxes, s: ~570 points per 95-minute orbit, so
/// linear interpolation of the smooth albedo and IR terms is far below their uncertainty; the
/// eclipse kinks are root-found, not sampled.
pub const DEFAULT_FLUX_STEP_S: f64 = 10.0;
/// Largest allowed flux step, s (a tenth of the shortest orbit period the altitude range allows).
pub const MAX_FLUX_STEP_S: f64 = 500.0;

/// Shadow model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum ShadowSpec {
    /// Conical shadow with penumbra.
    Conical,
    /// Cylindrical shadow.
    Cylindrical,
}

/// Attitude mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum AttitudeMode {
    /// LVLH.
    Nadir,
    /// Sun-pointing.
    Sun,
    /// Nadir-pointing with yaw steering so ±y stays edge-on to the Sun.
    SunPerpendicular,
    /// Body axes fixed to J2000 axes.
    Inertial,
}

/// Environment preset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum PresetSpec {
    /// 1361 W/m² / d², albedo 0.30, OLR 237 W/m².
    Nominal,
    /// 1414 W/m², albedo 0.35, OLR 257 W/m².
    Hot,
    /// 1322 W/m², albedo 0.25, OLR 218 W/m².
    Cold,
}

impl PresetSpec {
    /// The preset and its name.
    pub fn preset(self) -> (EnvironmentPreset, &'static str) {
        match self {
            PresetSpec::Nominal => (EnvironmentPreset::nominal(), "nominal"),
            PresetSpec::Hot => (EnvironmentPreset::hot(), "hot"),
            PresetSpec::Cold => (EnvironmentPreset::cold(), "cold"),
        }
    }
}

/// How the orbit's elements are read (`elements` key, `--elements` flag).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum ElementsSpec {
    /// Osculating at the epoch: the circular state r = R + h, v = √(μ/r) (default).
    Osculating,
    /// Mean elements of first-order J2 theory.
    Mean,
}

impl ElementsSpec {
    /// The orbit module's element kind.
    pub fn kind(self) -> ElementKind {
        match self {
            ElementsSpec::Osculating => ElementKind::Osculating,
            ElementsSpec::Mean => ElementKind::Mean,
        }
    }
}

/// `[orbit]`: a circular orbit by altitude and inclination, sun-synchronous by altitude and
/// LTAN, or geostationary. At t = 0 a circular orbit is at its ascending node.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrbitSpec {
    /// Epoch (t = 0), ISO 8601 UTC.
    #[serde(default)]
    pub epoch: Option<String>,
    /// Altitude above the equatorial radius, km (100 – 1,000,000).
    #[serde(default)]
    pub altitude_km: Option<f64>,
    /// Inclination to the J2000 equator, degrees (0 – 180).
    #[serde(default)]
    pub inclination_deg: Option<f64>,
    /// Right ascension of the ascending node, J2000, degrees (default 0).
    #[serde(default)]
    pub raan_deg: Option<f64>,
    /// Sun-synchronous: inclination from J2, node placed by `ltan`.
    #[serde(default)]
    pub sun_synchronous: bool,
    /// Local mean solar time of the ascending node, `HH:MM` or `HH:MM:SS`.
    #[serde(default)]
    pub ltan: Option<String>,
    /// Geostationary over `longitude_deg`.
    #[serde(default)]
    pub geostationary: bool,
    /// East longitude of a geostationary satellite, degrees.
    #[serde(default)]
    pub longitude_deg: Option<f64>,
    /// Fixed Keplerian orbit: no J2 drift.
    #[serde(default)]
    pub two_body: bool,
    /// `osculating` (default) or `mean` elements.
    #[serde(default)]
    pub elements: Option<ElementsSpec>,
}

/// `[attitude]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AttitudeSpec {
    /// Attitude mode.
    pub mode: AttitudeMode,
}

/// `[environment]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnvironmentSpec {
    /// Solar flux, albedo and Earth IR preset (default nominal).
    #[serde(default)]
    pub preset: Option<PresetSpec>,
    /// Shadow model (default conical).
    #[serde(default)]
    pub shadow: Option<ShadowSpec>,
    /// Step of the tabulated fluxes a run interpolates, s (default [`DEFAULT_FLUX_STEP_S`]).
    #[serde(default)]
    pub flux_step_s: Option<f64>,
}

/// One `[[surfaces]]` entry: an external surface of the spacecraft.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SurfaceSpec {
    /// Name (referenced by `orbit_surface`).
    pub name: String,
    /// Outward normal in the body frame (any non-zero length).
    pub normal: [f64; 3],
    /// Solar absorptivity α, [0, 1] (with `emissivity`; or give `coating`).
    #[serde(default)]
    pub absorptivity: Option<f64>,
    /// Infrared emissivity ε, [0, 1].
    #[serde(default)]
    pub emissivity: Option<f64>,
    /// A coating from `[coatings]` instead of `absorptivity` and `emissivity`.
    #[serde(default)]
    pub coating: Option<String>,
    /// Area, m² (needed when a lumped source takes its power from this surface).
    #[serde(default)]
    pub area_m2: Option<f64>,
}

/// The orbit tables of a case file, borrowed from a [`super::CaseFile`] or an [`OrbitPart`].
#[derive(Debug, Clone, Copy)]
pub struct OrbitTables<'a> {
    /// `[orbit]`.
    pub orbit: Option<&'a OrbitSpec>,
    /// `[attitude]`.
    pub attitude: Option<&'a AttitudeSpec>,
    /// `[environment]`.
    pub environment: Option<&'a EnvironmentSpec>,
    /// `[[surfaces]]`.
    pub surfaces: &'a [SurfaceSpec],
    /// `[coatings]` (for `coating` references).
    pub coatings: &'a BTreeMap<String, CoatingSpec>,
}

/// The orbit tables alone, read from a case file whose other tables are left unread (for
/// `thermorbit orbit --case`, which needs no `[solve]`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrbitPart {
    /// `[orbit]`.
    #[serde(default)]
    pub orbit: Option<OrbitSpec>,
    /// `[attitude]`.
    #[serde(default)]
    pub attitude: Option<AttitudeSpec>,
    /// `[environment]`.
    #[serde(default)]
    pub environment: Option<EnvironmentSpec>,
    /// `[[surfaces]]`.
    #[serde(default)]
    pub surfaces: Vec<SurfaceSpec>,
    /// `[coatings]`.
    #[serde(default)]
    pub coatings: BTreeMap<String, CoatingSpec>,
}

impl OrbitPart {
    /// Tables whose keys are read by [`OrbitPart::load`].
    pub const KEYS: [&'static str; 5] =
        ["orbit", "attitude", "environment", "surfaces", "coatings"];

    /// Reads the orbit tables of `path`; errors name the file and the key path.
    pub fn load(path: &Path) -> Result<Self, InputError> {
        Self::load_with(path, &Limits::default())
    }

    /// Reads the orbit tables of `path`, a file no larger than `limits.max_file_bytes`.
    pub fn load_with(path: &Path, limits: &Limits) -> Result<Self, InputError> {
        let text = super::read_input(path, limits.max_file_bytes)?;
        let table: toml::Table = toml::from_str(&text).map_err(|e| InputError::Parse {
            file: path.to_path_buf(),
            message: super::one_line(&e.to_string()),
        })?;
        let part: toml::Table = table
            .into_iter()
            .filter(|(k, _)| Self::KEYS.contains(&k.as_str()))
            .collect();
        super::parse_table(part, path, "")
    }

    /// The tables, borrowed.
    pub fn tables(&self) -> OrbitTables<'_> {
        OrbitTables {
            orbit: self.orbit.as_ref(),
            attitude: self.attitude.as_ref(),
            environment: self.environment.as_ref(),
            surfaces: &self.surfaces,
            coatings: &self.coatings,
        }
    }
}

/// Command-line values that take precedence over the case's (`thermorbit orbit` flags).
#[derive(Debug, Clone, Default)]
pub struct OrbitOverrides {
    /// `--epoch`.
    pub epoch: Option<String>,
    /// `--altitude-km`.
    pub altitude_km: Option<f64>,
    /// `--inclination-deg`.
    pub inclination_deg: Option<f64>,
    /// `--raan-deg`.
    pub raan_deg: Option<f64>,
    /// `--sun-synchronous`.
    pub sun_synchronous: bool,
    /// `--ltan`.
    pub ltan: Option<String>,
    /// `--geostationary`.
    pub geostationary: bool,
    /// `--longitude-deg`.
    pub longitude_deg: Option<f64>,
    /// `--two-body`.
    pub two_body: bool,
    /// `--elements`.
    pub elements: Option<ElementsSpec>,
    /// `--attitude`.
    pub attitude: Option<AttitudeMode>,
    /// `--environment`.
    pub preset: Option<PresetSpec>,
    /// `--shadow`.
    pub shadow: Option<ShadowSpec>,
}

/// Orbit, attitude, environment and surfaces, checked and resolved.
#[derive(Debug, Clone)]
pub struct OrbitSetup {
    /// Orbit + attitude + preset + shadow.
    pub model: EnvironmentModel,
    /// Name of the environment preset.
    pub preset_name: &'static str,
    /// The case's surfaces with their α, ε and area (the six faces of a box painted AZ-93 white
    /// when the case lists none).
    pub surfaces: Vec<Surface>,
    /// Step of the tabulated fluxes, s.
    pub flux_step_s: f64,
}

/// Where a value came from: a command-line flag or a case-file key.
#[derive(Debug, Clone, Copy)]
enum Origin {
    Flag(&'static str),
    Key(&'static str),
}

/// Turns a bad value into an error naming its flag, or its file and key.
struct Ctx<'a> {
    file: Option<&'a Path>,
}

impl Ctx<'_> {
    fn file(&self) -> std::path::PathBuf {
        self.file
            .map_or_else(|| "command line".into(), Path::to_path_buf)
    }

    fn out_of_range(&self, origin: Origin, value: f64, allowed: &str) -> Error {
        match origin {
            Origin::Flag(flag) => arg_err(
                flag,
                format!(
                    "{} is out of range; allowed {allowed}",
                    super::number_text(value)
                ),
            ),
            Origin::Key(key) => self.key_range(key, value, allowed),
        }
    }

    fn key_range(&self, key: &str, value: f64, allowed: &str) -> Error {
        Error::Input(InputError::OutOfRange {
            file: self.file(),
            key: key.into(),
            value: super::number_text(value),
            allowed: allowed.into(),
        })
    }

    /// An orbit constructor's error about the altitude, quoting the value as the user gave
    /// it (the constructor's own is recomputed from the semi-major axis: `7999.999999999999`).
    fn altitude_error(&self, origin: Origin, altitude_km: f64, e: OrbitError) -> Error {
        match e {
            OrbitError::OutOfRange {
                quantity, allowed, ..
            } if quantity.starts_with("altitude_km") => {
                self.out_of_range(origin, altitude_km, allowed)
            }
            e => self.invalid(origin, e),
        }
    }

    fn invalid(&self, origin: Origin, reason: impl Display) -> Error {
        match origin {
            Origin::Flag(flag) => arg_err(flag, reason),
            Origin::Key(key) => self.key_err(key, reason),
        }
    }

    fn key_err(&self, key: &str, reason: impl Display) -> Error {
        Error::Input(InputError::Inconsistent {
            file: self.file(),
            key: key.into(),
            reason: reason.to_string(),
        })
    }

    /// A required value: the flag's if given, else the case's; if neither, an error that
    /// names the flag (no case file) or the key.
    fn required<T: Clone>(
        &self,
        flag: (&Option<T>, &'static str),
        key: (&Option<T>, &'static str),
        why: &str,
    ) -> Result<(T, Origin), Error> {
        pick(flag, key).ok_or_else(|| match self.file {
            None => arg_err(flag.1, why),
            Some(_) => self.key_err(key.1, format!("missing; {why}")),
        })
    }
}

/// The error of a bad command-line value: names the flag (`--altitude-km`) and why.
pub fn arg_err(argument: &str, reason: impl Display) -> Error {
    Error::Orbit(OrbitError::InvalidArgument {
        argument: argument.to_string(),
        reason: reason.to_string(),
    })
}

/// The flag's value if given, else the case's, with where it came from.
fn pick<T: Clone>(
    flag: (&Option<T>, &'static str),
    key: (&Option<T>, &'static str),
) -> Option<(T, Origin)> {
    match (flag.0, key.0) {
        (Some(v), _) => Some((v.clone(), Origin::Flag(flag.1))),
        (None, Some(v)) => Some((v.clone(), Origin::Key(key.1))),
        (None, None) => None,
    }
}

/// Checks that the case's `[orbit]` names one kind of orbit.
fn check_orbit_kind(ctx: &Ctx, o: &OrbitSpec) -> Result<(), Error> {
    if o.geostationary {
        for (given, key) in [
            (o.altitude_km.is_some(), "orbit.altitude_km"),
            (o.inclination_deg.is_some(), "orbit.inclination_deg"),
            (o.raan_deg.is_some(), "orbit.raan_deg"),
            (o.sun_synchronous, "orbit.sun_synchronous"),
            (o.ltan.is_some(), "orbit.ltan"),
        ] {
            if given {
                return Err(ctx.key_err(
                    key,
                    "a geostationary orbit is fixed by longitude_deg alone; remove this key",
                ));
            }
        }
    } else if o.longitude_deg.is_some() {
        return Err(ctx.key_err(
            "orbit.longitude_deg",
            "only meaningful with geostationary = true",
        ));
    }
    if o.sun_synchronous {
        for (given, key) in [
            (o.inclination_deg.is_some(), "orbit.inclination_deg"),
            (o.raan_deg.is_some(), "orbit.raan_deg"),
        ] {
            if given {
                return Err(ctx.key_err(
                    key,
                    "a sun-synchronous orbit takes its inclination from J2 and its node from ltan; remove this key",
                ));
            }
        }
    } else if o.ltan.is_some() && !o.geostationary {
        return Err(ctx.key_err("orbit.ltan", "only meaningful with sun_synchronous = true"));
    }
    Ok(())
}

/// Resolves orbit, attitude, environment and surfaces from the case's tables and the
/// command-line overrides. `file` is the case file (`None`: flags only); every error names the
/// flag, or the file and key, that carries the bad value.
pub fn resolve(
    tables: &OrbitTables<'_>,
    flags: &OrbitOverrides,
    file: Option<&Path>,
) -> Result<OrbitSetup, Error> {
    let ctx = Ctx { file };
    let spec = tables.orbit.cloned().unwrap_or_default();
    if file.is_some() {
        check_orbit_kind(&ctx, &spec)?;
    }
    let (epoch_text, origin) = ctx.required(
        (&flags.epoch, "--epoch"),
        (&spec.epoch, "orbit.epoch"),
        "an epoch is required, e.g. --epoch 2027-03-20T12:00:00Z",
    )?;
    let epoch = Epoch::parse_iso8601(&epoch_text).map_err(|e| ctx.invalid(origin, e))?;
    let propagation = if flags.two_body || spec.two_body {
        Propagation::TwoBody
    } else {
        Propagation::J2Secular
    };
    let geo = flags.geostationary || (spec.geostationary && flags.altitude_km.is_none());
    let sso = flags.sun_synchronous || (spec.sun_synchronous && !flags.geostationary);
    let orbit = if geo {
        if flags.altitude_km.is_some() {
            return Err(arg_err(
                "--altitude-km",
                "a geostationary orbit's altitude is fixed; drop --altitude-km",
            ));
        }
        let (lon, origin) = pick(
            (&flags.longitude_deg, "--longitude-deg"),
            (&spec.longitude_deg, "orbit.longitude_deg"),
        )
        .unwrap_or((0.0, Origin::Flag("--longitude-deg")));
        Orbit::geostationary(epoch, lon, propagation).map_err(|e| ctx.invalid(origin, e))?
    } else {
        let (alt, alt_origin) = ctx.required(
            (&flags.altitude_km, "--altitude-km"),
            (&spec.altitude_km, "orbit.altitude_km"),
            "an altitude is required (or --geostationary)",
        )?;
        if !(alt.is_finite() && (100.0..=1_000_000.0).contains(&alt)) {
            return Err(ctx.out_of_range(alt_origin, alt, "100 ≤ altitude ≤ 1,000,000 km"));
        }
        if sso {
            let (text, origin) = ctx.required(
                (&flags.ltan, "--ltan"),
                (&spec.ltan, "orbit.ltan"),
                "a sun-synchronous orbit needs --ltan HH:MM",
            )?;
            let ltan = LocalTime::parse(&text).map_err(|e| ctx.invalid(origin, e))?;
            Orbit::sun_synchronous(epoch, alt, ltan, propagation)
                .map_err(|e| ctx.altitude_error(alt_origin, alt, e))?
        } else {
            if flags.ltan.is_some() {
                return Err(arg_err("--ltan", "only meaningful with --sun-synchronous"));
            }
            let (inc, inc_origin) = ctx.required(
                (&flags.inclination_deg, "--inclination-deg"),
                (&spec.inclination_deg, "orbit.inclination_deg"),
                "give --inclination-deg (and --raan-deg), --sun-synchronous --ltan, or --geostationary",
            )?;
            if !(inc.is_finite() && (0.0..=180.0).contains(&inc)) {
                return Err(ctx.out_of_range(inc_origin, inc, "0 ≤ inclination ≤ 180°"));
            }
            let (raan, raan_origin) = pick(
                (&flags.raan_deg, "--raan-deg"),
                (&spec.raan_deg, "orbit.raan_deg"),
            )
            .unwrap_or((0.0, Origin::Flag("--raan-deg")));
            if !raan.is_finite() {
                return Err(ctx.out_of_range(raan_origin, raan, "a finite number of degrees"));
            }
            Orbit::circular(epoch, alt, inc, raan, propagation)
                .map_err(|e| ctx.altitude_error(alt_origin, alt, e))?
        }
    };
    let orbit = orbit.with_element_kind(
        flags
            .elements
            .or(spec.elements)
            .unwrap_or(ElementsSpec::Osculating)
            .kind(),
    );
    let attitude = match flags
        .attitude
        .or(tables.attitude.map(|a| a.mode))
        .unwrap_or(AttitudeMode::Nadir)
    {
        AttitudeMode::Nadir => Attitude::Nadir,
        AttitudeMode::Sun => Attitude::SunPointing {
            axis: Vector3::z(),
            secondary_axis: Vector3::y(),
            secondary_target: Target::OrbitNormal,
        },
        AttitudeMode::SunPerpendicular => Attitude::SunPerpendicular {
            edge_on_axis: Vector3::y(),
            pointing_axis: Vector3::z(),
            pointing_target: Target::Nadir,
        },
        AttitudeMode::Inertial => Attitude::InertialFixed {
            body_to_inertial: Matrix3::identity(),
        },
    };
    let env = tables.environment.cloned().unwrap_or_default();
    let (preset, preset_name) = flags
        .preset
        .or(env.preset)
        .unwrap_or(PresetSpec::Nominal)
        .preset();
    let shadow = match flags.shadow.or(env.shadow).unwrap_or(ShadowSpec::Conical) {
        ShadowSpec::Conical => ShadowModel::Conical,
        ShadowSpec::Cylindrical => ShadowModel::Cylindrical,
    };
    let flux_step_s = match env.flux_step_s {
        Some(s) => {
            if !(s.is_finite() && s > 0.0 && s <= MAX_FLUX_STEP_S) {
                return Err(ctx.key_range("environment.flux_step_s", s, "0 < flux_step_s ≤ 500 s"));
            }
            s
        }
        None => DEFAULT_FLUX_STEP_S,
    };
    let surfaces = if tables.surfaces.is_empty() {
        Surface::body_faces()
    } else {
        surfaces(&ctx, tables)?
    };
    let model = EnvironmentModel::new(orbit, attitude, preset, shadow)?;
    Ok(OrbitSetup {
        model,
        preset_name,
        surfaces,
        flux_step_s,
    })
}

/// The `[[surfaces]]`, checked: unique names, a non-zero normal, α and ε in [0, 1] (given or
/// from a coating), a positive area if given.
fn surfaces(ctx: &Ctx, tables: &OrbitTables<'_>) -> Result<Vec<Surface>, Error> {
    let mut out: Vec<Surface> = Vec::with_capacity(tables.surfaces.len());
    for (k, s) in tables.surfaces.iter().enumerate() {
        let key = |f: &str| format!("surfaces[{k}].{f}");
        if out.iter().any(|o| o.name == s.name) {
            return Err(ctx.key_err(
                &key("name"),
                format!("surface `{}` is defined twice", s.name),
            ));
        }
        let (alpha, eps) = match (&s.coating, s.absorptivity, s.emissivity) {
            (Some(c), None, None) => {
                let spec = tables.coatings.get(c).ok_or_else(|| {
                    Error::Input(InputError::UndefinedReference {
                        file: ctx.file(),
                        key: key("coating"),
                        name: c.clone(),
                        hint: super::build::defined_hint(tables.coatings.keys()),
                    })
                })?;
                (spec.absorptivity, spec.emissivity)
            }
            (None, Some(a), Some(e)) => (a, e),
            _ => {
                return Err(ctx.key_err(
                    &format!("surfaces[{k}]"),
                    "give absorptivity and emissivity, or a coating (not both)",
                ))
            }
        };
        let n = Vector3::new(s.normal[0], s.normal[1], s.normal[2]);
        let surface = Surface::new(s.name.clone(), n, alpha, eps)
            .map_err(|e| ctx.key_err(&format!("surfaces[{k}]"), e))?;
        let surface = match s.area_m2 {
            Some(a) => surface
                .with_area_m2(a)
                .map_err(|_| ctx.key_range(&key("area_m2"), a, "> 0 m² (finite)"))?,
            None => surface,
        };
        out.push(surface);
    }
    Ok(out)
}

/// What computing orbit fluxes over a span costs, known before any of it is computed: the rows
/// of the flux table, the samples of a separate eclipse scan (made when the table's step is
/// too coarse to bracket eclipses: coarser than a 40th of the period), and the memory.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SpanCost {
    /// Rows of the flux table.
    pub rows: f64,
    /// Samples of the separate eclipse scan (0 when the table's own samples serve).
    pub scan_samples: f64,
    /// Memory of the table and scan, bytes ([`limits::FLUX_BYTES_PER_ROW`] and its companions).
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
    /// eclipse boundaries (where a shadowed flux kinks), the same nodes
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
            .map(|w| 0.5 * (w[1] - w[0]) * (f.value_at(w[0]) + f.value_at(w[1])))
            .sum();
        integral / (t1_s - t0_s)
    }
}
