//! The serde schema of a case's orbit tables: `[orbit]`, `[attitude]`, `[environment]`,
//! `[[surfaces]]`, and the named choices they take (`shadow = "conical"`), which callers that
//! take the same choice elsewhere (the `thermorbit orbit` flags) list and parse from here.

use std::collections::BTreeMap;
use std::path::Path;
use std::str::FromStr;

use serde::Deserialize;

use crate::case::limits::Limits;
use crate::case::schema::CoatingSpec;
use crate::environment::EnvironmentPreset;
use crate::error::{InputError, OrbitError};
use crate::orbit::ElementKind;

/// Default step of the tabulated environment fluxes, s: ~570 points per 95-minute orbit, so
/// linear interpolation of the smooth albedo and IR terms is far below their uncertainty; the
/// eclipse kinks are root-found, not sampled.
pub const DEFAULT_FLUX_STEP_S: f64 = 10.0;
/// Largest allowed flux step, s (a tenth of the shortest orbit period the altitude range allows).
pub const MAX_FLUX_STEP_S: f64 = 500.0;

/// Shadow model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ShadowSpec {
    /// Conical shadow with penumbra.
    Conical,
    /// Cylindrical shadow.
    Cylindrical,
}

/// Attitude mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
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

/// How the orbit's elements are read (`orbit.elements`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
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

/// The orbit tables of a case file, borrowed from a [`crate::case::CaseFile`] or an [`OrbitPart`].
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

/// The orbit tables alone, read from a case file whose other tables are left unread (for a
/// caller that wants the orbit and its fluxes only, and no `[solve]`).
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
        let text = crate::case::read_input(path, limits.max_file_bytes)?;
        let table: toml::Table = toml::from_str(&text).map_err(|e| InputError::Parse {
            file: path.to_path_buf(),
            message: crate::case::one_line(&e.to_string()),
        })?;
        let part: toml::Table = table
            .into_iter()
            .filter(|(k, _)| Self::KEYS.contains(&k.as_str()))
            .collect();
        crate::case::parse_table(part, path, "")
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

/// A choice among a few names in a case file (`shadow = "conical"`): every value, its name and
/// a line on what it means, so that another front end (a command-line flag) offers the same
/// names and parses them with [`FromStr`].
pub trait Choice: Copy + Sized + 'static {
    /// What is chosen, for messages (`shadow model`).
    const WHAT: &'static str;
    /// Every value, in the order they are listed.
    const ALL: &'static [Self];
    /// The name in case files (`sun-perpendicular`).
    fn name(self) -> &'static str;
    /// One line on what it means.
    fn description(self) -> &'static str;
}

/// The value of `T` called `text`, or an error listing the names allowed.
fn parse_choice<T: Choice>(text: &str) -> Result<T, OrbitError> {
    T::ALL
        .iter()
        .copied()
        .find(|v| v.name() == text)
        .ok_or_else(|| OrbitError::UnknownName {
            quantity: T::WHAT,
            name: text.to_string(),
            allowed: T::ALL
                .iter()
                .map(|v| v.name())
                .collect::<Vec<_>>()
                .join(", "),
        })
}

impl Choice for ShadowSpec {
    const WHAT: &'static str = "shadow model";
    const ALL: &'static [Self] = &[ShadowSpec::Conical, ShadowSpec::Cylindrical];
    fn name(self) -> &'static str {
        match self {
            ShadowSpec::Conical => "conical",
            ShadowSpec::Cylindrical => "cylindrical",
        }
    }
    fn description(self) -> &'static str {
        match self {
            ShadowSpec::Conical => "Conical shadow with penumbra",
            ShadowSpec::Cylindrical => "Cylindrical shadow",
        }
    }
}

impl Choice for AttitudeMode {
    const WHAT: &'static str = "attitude mode";
    const ALL: &'static [Self] = &[
        AttitudeMode::Nadir,
        AttitudeMode::Sun,
        AttitudeMode::SunPerpendicular,
        AttitudeMode::Inertial,
    ];
    fn name(self) -> &'static str {
        match self {
            AttitudeMode::Nadir => "nadir",
            AttitudeMode::Sun => "sun",
            AttitudeMode::SunPerpendicular => "sun-perpendicular",
            AttitudeMode::Inertial => "inertial",
        }
    }
    fn description(self) -> &'static str {
        match self {
            AttitudeMode::Nadir => "LVLH",
            AttitudeMode::Sun => "Sun-pointing",
            AttitudeMode::SunPerpendicular => {
                "Nadir-pointing with yaw steering so ±y stays edge-on to the Sun"
            }
            AttitudeMode::Inertial => "Body axes fixed to J2000 axes",
        }
    }
}

impl Choice for PresetSpec {
    const WHAT: &'static str = "environment preset";
    const ALL: &'static [Self] = &[PresetSpec::Nominal, PresetSpec::Hot, PresetSpec::Cold];
    fn name(self) -> &'static str {
        self.preset().1
    }
    fn description(self) -> &'static str {
        match self {
            PresetSpec::Nominal => "1361 W/m² / d², albedo 0.30, OLR 237 W/m²",
            PresetSpec::Hot => "1414 W/m², albedo 0.35, OLR 257 W/m²",
            PresetSpec::Cold => "1322 W/m², albedo 0.25, OLR 218 W/m²",
        }
    }
}

impl Choice for ElementsSpec {
    const WHAT: &'static str = "orbital elements";
    const ALL: &'static [Self] = &[ElementsSpec::Osculating, ElementsSpec::Mean];
    fn name(self) -> &'static str {
        match self {
            ElementsSpec::Osculating => "osculating",
            ElementsSpec::Mean => "mean",
        }
    }
    fn description(self) -> &'static str {
        match self {
            ElementsSpec::Osculating => {
                "Osculating at the epoch: the circular state r = R + h, v = √(μ/r) (default)"
            }
            ElementsSpec::Mean => "Mean elements of first-order J2 theory",
        }
    }
}

/// `FromStr` by the names of a [`Choice`], for each choice enum.
macro_rules! from_str_by_choice {
    ($($t:ty),*) => {$(
        impl FromStr for $t {
            type Err = OrbitError;
            fn from_str(s: &str) -> Result<Self, OrbitError> {
                parse_choice(s)
            }
        }
    )*};
}

from_str_by_choice!(ShadowSpec, AttitudeMode, PresetSpec, ElementsSpec);

#[cfg(test)]
mod tests {
    use super::*;

    /// Every name a [`Choice`] lists is the one serde reads from a case file, and parses back
    /// to the same value; an unknown name is refused with the list.
    fn round_trip<T>()
    where
        T: Choice + FromStr<Err = OrbitError> + PartialEq + std::fmt::Debug,
        T: for<'de> Deserialize<'de>,
    {
        #[derive(Deserialize)]
        struct One<T> {
            v: T,
        }
        for &v in T::ALL {
            let text = format!("v = \"{}\"", v.name());
            let read: One<T> = toml::from_str(&text).unwrap_or_else(|e| panic!("{text}: {e}"));
            assert_eq!(read.v, v);
            assert_eq!(v.name().parse::<T>().ok(), Some(v));
        }
        let e = "no-such".parse::<T>().err().map(|e| e.to_string());
        assert!(e.is_some_and(|e| e.contains(T::ALL[0].name())));
    }

    #[test]
    fn choice_names_are_the_case_file_names() {
        round_trip::<ShadowSpec>();
        round_trip::<AttitudeMode>();
        round_trip::<PresetSpec>();
        round_trip::<ElementsSpec>();
    }
}
