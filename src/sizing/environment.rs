//! The radiator's orbit: presets, panel orientation, the hot and cold instants of a year and
//! the longest eclipse.
//!
//! The fluxes on the radiator's faces come from [`EnvironmentModel`] and
//! [`absorbed_at_geometry`] (direct solar `α S max(0, n·ŝ) ν`, albedo `α a S F_a`, Earth IR
//! `ε q_IR F_e` with the exact plate-to-sphere view factor): the same library calls a case
//! file's orbit goes through. A year is scanned (every `SCAN_DAY_STEP` days, each of those
//! days one orbit at `SCAN_POINTS_PER_ORBIT` points); the **hot instant** is the sample
//! where the radiating faces absorb the most (with the radiator's own α and ε), the **cold
//! instant** the sample where they absorb the least (the cold preset). Steady solves at
//! those instants bound the orbit's periodic state from above and below: conservative.

use nalgebra::Vector3;
use rayon::prelude::*;

use std::path::{Path, PathBuf};

use super::section::{FaceIncident, SectionEnvironment};
use crate::case::orbit::{resolve, OrbitOverrides, OrbitPart};
use crate::environment::{absorbed_at_geometry, EnvironmentModel, EnvironmentPreset, Surface};
use crate::error::{Error, InputError, SizingError};
use crate::mesh::Coating;
use crate::orbit::{Attitude, Epoch, LocalTime, Orbit, Propagation, ShadowModel, Target};

/// Days between scanned orbits over the year: the beta angle of a LEO orbit moves by at most
/// about 1°/day (51.6° at 400 km: the node regresses ~5°/day against the Sun's ~1°/day),
/// so two days apart miss the extreme by under 2° of beta.
pub(crate) const SCAN_DAY_STEP: f64 = 2.0;
/// Samples per scanned orbit (one every 7.5° of orbit).
pub(crate) const SCAN_POINTS_PER_ORBIT: usize = 48;
/// The scanned year starts here (an arbitrary epoch in the 2027–2028 service era; the scan
/// covers every season).
pub const SCAN_EPOCH: &str = "2027-01-01T00:00:00Z";

/// The built-in orbits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum OrbitPreset {
    /// The ISS's orbit: circular, 400 km, 51.6° (NASA ISS facts), yaw-steered so the
    /// radiator stays edge-on to the Sun.
    Leo400,
    /// Dawn–dusk sun-synchronous, 550 km, node at 06:00 local time (the Starcloud white
    /// paper's orbit class), radiator edge-on to the Sun.
    SsoDawnDusk550,
    /// Geostationary, radiator faces north and south.
    Geo,
}

impl OrbitPreset {
    /// Every preset.
    pub const ALL: [OrbitPreset; 3] = [Self::Leo400, Self::SsoDawnDusk550, Self::Geo];

    /// Its command-line name.
    pub fn name(self) -> &'static str {
        match self {
            Self::Leo400 => "leo-400",
            Self::SsoDawnDusk550 => "sso-dawn-dusk-550",
            Self::Geo => "geo",
        }
    }

    /// The preset called `name`.
    pub fn by_name(name: &str) -> Result<Self, SizingError> {
        Self::ALL
            .into_iter()
            .find(|p| p.name() == name)
            .ok_or_else(|| SizingError::UnknownName {
                quantity: "orbit",
                name: name.to_string(),
                allowed: "leo-400, sso-dawn-dusk-550, geo".into(),
            })
    }

    /// How the radiator is oriented, in words.
    pub fn orientation(self) -> &'static str {
        match self {
            Self::Leo400 | Self::SsoDawnDusk550 => {
                "faces edge-on to the Sun: normal perpendicular to the Sun and to nadir (yaw steering)"
            }
            Self::Geo => "faces north and south: normal along the orbit normal",
        }
    }

    /// The orbit, starting at `epoch`.
    pub fn orbit(self, epoch: Epoch) -> Result<Orbit, Error> {
        Ok(match self {
            Self::Leo400 => Orbit::circular(epoch, 400.0, 51.6, 0.0, Propagation::J2Secular)?,
            Self::SsoDawnDusk550 => Orbit::sun_synchronous(
                epoch,
                550.0,
                LocalTime::parse("06:00")?,
                Propagation::J2Secular,
            )?,
            Self::Geo => Orbit::geostationary(epoch, 0.0, Propagation::J2Secular)?,
        })
    }

    /// The attitude; the radiator's faces are body ±y.
    ///
    /// LEO: +z at nadir, y edge-on to the Sun (`SunPerpendicular`): the faces' normal is
    /// perpendicular to both the Sun and nadir, so no direct sunlight ever falls on them
    /// and both see the Earth's limb alike. GEO: LVLH (`Nadir`), y along the orbit normal:
    /// the faces look north and south, where the Sun stands at most 23.4° above them.
    pub fn attitude(self) -> Attitude {
        match self {
            Self::Leo400 | Self::SsoDawnDusk550 => Attitude::SunPerpendicular {
                edge_on_axis: Vector3::y(),
                pointing_axis: Vector3::z(),
                pointing_target: Target::Nadir,
            },
            Self::Geo => Attitude::Nadir,
        }
    }
}

/// Which environment the hot case sees (the cold case uses the cold preset unless `None`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EnvironmentChoice {
    /// Deep space only: no Sun, albedo or Earth IR on the radiator.
    None,
    /// The cold design preset.
    Cold,
    /// The nominal preset.
    Nominal,
    /// The hot design preset.
    Hot,
}

impl EnvironmentChoice {
    /// Its command-line name.
    pub fn name(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Cold => "cold",
            Self::Nominal => "nominal",
            Self::Hot => "hot",
        }
    }

    /// The choice called `name`.
    pub fn by_name(name: &str) -> Result<Self, SizingError> {
        [Self::None, Self::Cold, Self::Nominal, Self::Hot]
            .into_iter()
            .find(|p| p.name() == name)
            .ok_or_else(|| SizingError::UnknownName {
                quantity: "environment",
                name: name.to_string(),
                allowed: "none, cold, nominal, hot".into(),
            })
    }

    fn hot_preset(self) -> Option<EnvironmentPreset> {
        match self {
            Self::None => None,
            Self::Cold => Some(EnvironmentPreset::cold()),
            Self::Nominal => Some(EnvironmentPreset::nominal()),
            Self::Hot => Some(EnvironmentPreset::hot()),
        }
    }
}

/// Where the radiator's orbit comes from: a built-in preset, or the orbit tables of a case
/// file (any name ending in `.toml`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OrbitSource {
    /// A built-in orbit.
    Preset(OrbitPreset),
    /// A case file's `[orbit]` and `[attitude]`.
    CaseFile(PathBuf),
}

impl OrbitSource {
    /// The source `name` stands for: a preset's name, or a path to a case file.
    pub fn by_name(name: &str) -> Result<Self, SizingError> {
        if name.ends_with(".toml") {
            return Ok(Self::CaseFile(PathBuf::from(name)));
        }
        OrbitPreset::by_name(name)
            .map(Self::Preset)
            .map_err(|_| SizingError::UnknownName {
                quantity: "orbit",
                name: name.to_string(),
                allowed: "leo-400, sso-dawn-dusk-550, geo, or a case file (CASE.toml) with an \
                          [orbit] table"
                    .into(),
            })
    }
}

/// An orbit and attitude for the radiator, whose faces look along ±`normal_body`.
#[derive(Debug, Clone)]
pub struct RadiatorOrbit {
    /// Name (a preset's, or a case file's path).
    pub name: String,
    /// The orbit (its epoch starts the scanned year).
    pub orbit: Orbit,
    /// The attitude.
    pub attitude: Attitude,
    /// Unit normal of the radiator's top face in the body frame (the bottom face looks the
    /// other way).
    pub normal_body: Vector3<f64>,
    /// How the radiator is oriented, in words.
    pub orientation: String,
}

impl RadiatorOrbit {
    /// A preset's orbit and attitude, from [`SCAN_EPOCH`]; the faces are body ±y.
    pub fn preset(preset: OrbitPreset) -> Result<Self, Error> {
        Ok(Self {
            name: preset.name().into(),
            orbit: preset.orbit(Epoch::parse_iso8601(SCAN_EPOCH)?)?,
            attitude: preset.attitude(),
            normal_body: Vector3::y(),
            orientation: preset.orientation().into(),
        })
    }

    /// The orbit and attitude of a case file, read and checked as `thermorbit run` reads
    /// them (errors name the file and key); the scanned year starts at its `orbit.epoch`.
    /// The radiator's faces look along ± the normal of the case's surface `surface`
    /// (`[[surfaces]]` entry of that name), or along body ±y without one. The case's
    /// `[environment]` is not used: the sizing's hot and cold presets are.
    pub fn from_case(path: &Path, surface: Option<&str>) -> Result<Self, Error> {
        let part = OrbitPart::load(path)?;
        if part.orbit.is_none() {
            return Err(Error::Input(InputError::Inconsistent {
                file: path.to_path_buf(),
                key: "orbit".into(),
                reason: "missing; `--orbit CASE.toml` takes the case's [orbit] and [attitude]"
                    .into(),
            }));
        }
        let setup = resolve(&part.tables(), &OrbitOverrides::default(), Some(path))?;
        let (normal_body, facing) = match surface {
            None => (Vector3::y(), "body ±y".to_string()),
            Some(name) => {
                let s = setup
                    .surfaces
                    .iter()
                    .find(|s| s.name == name)
                    .ok_or_else(|| {
                        let names: Vec<&str> =
                            setup.surfaces.iter().map(|s| s.name.as_str()).collect();
                        SizingError::UnknownName {
                            quantity: "radiator surface",
                            name: name.to_string(),
                            allowed: format!(
                                "a [[surfaces]] name of {}: {}",
                                path.display(),
                                names.join(", ")
                            ),
                        }
                    })?;
                let n = s.normal_body;
                (
                    n,
                    format!(
                        "± the normal of surface `{name}`, [{:.3}, {:.3}, {:.3}] in the body frame",
                        n.x, n.y, n.z
                    ),
                )
            }
        };
        let model = &setup.model;
        Ok(Self {
            name: path.display().to_string(),
            orbit: model.orbit().clone(),
            attitude: model.attitude().clone(),
            normal_body,
            orientation: format!("faces along {facing}, in the case's attitude"),
        })
    }

    /// The radiator's orbit from `source`; `surface` names the case surface whose normal the
    /// faces take (case files only).
    pub fn from_source(source: &OrbitSource, surface: Option<&str>) -> Result<Self, Error> {
        match source {
            OrbitSource::Preset(p) => match surface {
                None => Self::preset(*p),
                Some(name) => Err(SizingError::NotApplicable {
                    quantity: "radiator_surface",
                    reason: format!(
                        "`{name}` needs a case file as the orbit (--orbit CASE.toml); the \
                         radiator's orientation in the preset `{}` is fixed",
                        p.name()
                    ),
                }
                .into()),
            },
            OrbitSource::CaseFile(path) => Self::from_case(path, surface),
        }
    }
}

/// The radiator's environment over a year of its orbit.
#[derive(Debug, Clone, PartialEq)]
pub struct OrbitEnvironment {
    /// The orbit's name.
    pub orbit: String,
    /// How the radiator is oriented.
    pub orientation: String,
    /// The environment choice.
    pub environment: EnvironmentChoice,
    /// Incident fluxes at the hot instant.
    pub hot: SectionEnvironment,
    /// Seconds after the orbit's epoch of the hot instant.
    pub hot_time_s: f64,
    /// Incident fluxes at the cold instant (cold preset).
    pub cold: SectionEnvironment,
    /// Seconds after the orbit's epoch of the cold instant.
    pub cold_time_s: f64,
    /// Longest eclipse of the scanned orbits (conical shadow, penumbra included), s.
    pub longest_eclipse_s: f64,
    /// Orbit period, s.
    pub period_s: f64,
    /// Altitude, km.
    pub altitude_km: f64,
}

/// One scanned instant: time and the faces' incident fluxes (hot preset, cold preset).
struct Sample {
    t_s: f64,
    hot: SectionEnvironment,
    cold: SectionEnvironment,
}

fn incident(
    model: &EnvironmentModel,
    preset: &EnvironmentPreset,
    faces: &[Surface; 2],
    t_s: f64,
) -> SectionEnvironment {
    let g = model.geometry(t_s);
    let face = |s: &Surface| {
        let a = absorbed_at_geometry(&g, preset, s);
        FaceIncident {
            solar_w_m2: a.solar_w_m2 + a.albedo_w_m2,
            infrared_w_m2: a.earth_ir_w_m2,
        }
    };
    SectionEnvironment {
        top: face(&faces[0]),
        bottom: face(&faces[1]),
    }
}

/// [`scan_radiator_orbit`] of a preset.
pub fn scan_orbit(
    orbit: OrbitPreset,
    environment: EnvironmentChoice,
    coating: &Coating,
    two_sided: bool,
) -> Result<OrbitEnvironment, Error> {
    scan_radiator_orbit(
        &RadiatorOrbit::preset(orbit)?,
        environment,
        coating,
        two_sided,
    )
}

/// Scans a year of `orbit` for the hot and cold instants of a radiator with `coating`
/// (`two_sided`: both faces radiate; else the +y face only), and the longest eclipse.
///
/// Deterministic on any thread count: the samples are computed in parallel into their own
/// slots and reduced in index order (ties go to the earlier instant).
pub fn scan_radiator_orbit(
    orbit: &RadiatorOrbit,
    environment: EnvironmentChoice,
    coating: &Coating,
    two_sided: bool,
) -> Result<OrbitEnvironment, Error> {
    let o = &orbit.orbit;
    let period_s = o.period_s();
    let altitude_km = o.elements().semi_major_axis_km - crate::constants::EARTH_RADIUS_KM;
    // Unit absorptivity and emissivity: the fluxes are incident; the panel applies its coating.
    let faces = [
        Surface::new("top", orbit.normal_body, 1.0, 1.0)?,
        Surface::new("bottom", -orbit.normal_body, 1.0, 1.0)?,
    ];
    let hot_preset = environment.hot_preset();
    let cold_preset = hot_preset.map(|_| EnvironmentPreset::cold());
    let models = |p: Option<EnvironmentPreset>| -> Result<Option<EnvironmentModel>, Error> {
        p.map(|p| EnvironmentModel::new(o.clone(), orbit.attitude.clone(), p, ShadowModel::Conical))
            .transpose()
            .map_err(Error::from)
    };
    let hot_model = models(hot_preset)?;
    let cold_model = models(cold_preset)?;
    let days = (365.0 / SCAN_DAY_STEP).ceil() as usize;
    let times: Vec<f64> = (0..days)
        .flat_map(|d| {
            (0..SCAN_POINTS_PER_ORBIT).map(move |k| {
                d as f64 * SCAN_DAY_STEP * 86_400.0
                    + k as f64 * period_s / SCAN_POINTS_PER_ORBIT as f64
            })
        })
        .collect();
    let samples: Vec<Sample> = times
        .par_iter()
        .map(|&t_s| Sample {
            t_s,
            hot: match (&hot_model, &hot_preset) {
                (Some(m), Some(p)) => incident(m, p, &faces, t_s),
                _ => SectionEnvironment::none(),
            },
            cold: match (&cold_model, &cold_preset) {
                (Some(m), Some(p)) => incident(m, p, &faces, t_s),
                _ => SectionEnvironment::none(),
            },
        })
        .collect();
    if samples.is_empty() {
        return Err(SizingError::NoClosure {
            reason: "the orbit scan produced no samples".into(),
        }
        .into());
    }
    let load = |e: &SectionEnvironment| e.absorbed_w_m2(coating, two_sided);
    let mut hot = &samples[0];
    let mut cold = &samples[0];
    for s in &samples {
        if load(&s.hot) > load(&hot.hot) {
            hot = s;
        }
        if load(&s.cold) < load(&cold.cold) {
            cold = s;
        }
    }
    // Longest eclipse: one orbit on each scanned day.
    let longest_eclipse_s = (0..days)
        .into_par_iter()
        .map(|d| {
            let t0 = d as f64 * SCAN_DAY_STEP * 86_400.0;
            o.eclipses(ShadowModel::Conical, t0, t0 + period_s)
                .iter()
                .map(|e| e.duration_s())
                .fold(0.0, f64::max)
        })
        .collect::<Vec<f64>>()
        .into_iter()
        .fold(0.0, f64::max);
    Ok(OrbitEnvironment {
        orbit: orbit.name.clone(),
        orientation: orbit.orientation.clone(),
        environment,
        hot: hot.hot,
        hot_time_s: hot.t_s,
        cold: cold.cold,
        cold_time_s: cold.t_s,
        longest_eclipse_s,
        period_s,
        altitude_km,
    })
}
