//! Resolving a case's orbit tables, and values given apart from them (overrides), into a
//! checked [`OrbitSetup`]: one kind of orbit, an epoch, attitude, environment and surfaces.
//! Every error names the case file and key, or the override as its caller names it.

use std::fmt::Display;
use std::path::Path;

use nalgebra::{Matrix3, Vector3};

use super::schema::{
    AttitudeMode, ElementsSpec, OrbitSpec, OrbitTables, PresetSpec, ShadowSpec,
    DEFAULT_FLUX_STEP_S, MAX_FLUX_STEP_S,
};
use crate::environment::{EnvironmentModel, Surface};
use crate::error::{Error, InputError, OrbitError};
use crate::orbit::{Attitude, Epoch, LocalTime, Orbit, Propagation, ShadowModel, Target};

/// The orbit values a caller may give apart from the case file, named here so that messages
/// can name them as the caller does ([`OrbitOverrides::names`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum OrbitField {
    /// The epoch, t = 0.
    Epoch,
    /// Altitude, km.
    AltitudeKm,
    /// Inclination, degrees.
    InclinationDeg,
    /// Right ascension of the ascending node, degrees.
    RaanDeg,
    /// Sun-synchronous.
    SunSynchronous,
    /// Local time of the ascending node.
    Ltan,
    /// Geostationary.
    Geostationary,
    /// Longitude of a geostationary satellite, degrees.
    LongitudeDeg,
}

impl OrbitField {
    /// The `[orbit]` key this value overrides (`altitude_km`): the default name of an override
    /// in messages.
    pub fn key(self) -> &'static str {
        match self {
            OrbitField::Epoch => "epoch",
            OrbitField::AltitudeKm => "altitude_km",
            OrbitField::InclinationDeg => "inclination_deg",
            OrbitField::RaanDeg => "raan_deg",
            OrbitField::SunSynchronous => "sun_synchronous",
            OrbitField::Ltan => "ltan",
            OrbitField::Geostationary => "geostationary",
            OrbitField::LongitudeDeg => "longitude_deg",
        }
    }
}

/// Values that take precedence over the case's (a front end's own options: `thermorbit orbit`
/// takes them as flags), and what to call them in messages.
#[derive(Debug, Clone)]
pub struct OrbitOverrides {
    /// Epoch (t = 0), ISO 8601 UTC.
    pub epoch: Option<String>,
    /// Altitude above the equatorial radius, km.
    pub altitude_km: Option<f64>,
    /// Inclination, degrees.
    pub inclination_deg: Option<f64>,
    /// Right ascension of the ascending node, degrees.
    pub raan_deg: Option<f64>,
    /// Sun-synchronous (node placed by `ltan`).
    pub sun_synchronous: bool,
    /// Local time of the ascending node, `HH:MM` or `HH:MM:SS`.
    pub ltan: Option<String>,
    /// Geostationary over `longitude_deg`.
    pub geostationary: bool,
    /// East longitude of a geostationary satellite, degrees.
    pub longitude_deg: Option<f64>,
    /// Fixed Keplerian orbit: no J2 drift.
    pub two_body: bool,
    /// How the elements are read.
    pub elements: Option<ElementsSpec>,
    /// Attitude mode.
    pub attitude: Option<AttitudeMode>,
    /// Environment preset.
    pub preset: Option<PresetSpec>,
    /// Shadow model.
    pub shadow: Option<ShadowSpec>,
    /// What messages call each value given here (and in hints, how to give one): by default
    /// the `[orbit]` key it overrides ([`OrbitField::key`]).
    pub names: fn(OrbitField) -> &'static str,
}

impl Default for OrbitOverrides {
    fn default() -> Self {
        Self {
            epoch: None,
            altitude_km: None,
            inclination_deg: None,
            raan_deg: None,
            sun_synchronous: false,
            ltan: None,
            geostationary: false,
            longitude_deg: None,
            two_body: false,
            elements: None,
            attitude: None,
            preset: None,
            shadow: None,
            names: OrbitField::key,
        }
    }
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

/// Where a value came from: an override (named as its caller names it) or a case-file key.
#[derive(Debug, Clone, Copy)]
enum Origin {
    Flag(&'static str),
    Key(&'static str),
}

/// Turns a bad value into an error naming its override, or its file and key.
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
                    crate::case::number_text(value)
                ),
            ),
            Origin::Key(key) => self.key_range(key, value, allowed),
        }
    }

    fn key_range(&self, key: &str, value: f64, allowed: &str) -> Error {
        Error::Input(InputError::OutOfRange {
            file: self.file(),
            key: key.into(),
            value: crate::case::number_text(value),
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

    /// A required value: the override's if given, else the case's; if neither, an error that
    /// names the override (no case file) or the key.
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

/// The error of a bad override: names it as the caller does, and why.
fn arg_err(argument: &str, reason: impl Display) -> Error {
    Error::Orbit(OrbitError::InvalidArgument {
        argument: argument.to_string(),
        reason: reason.to_string(),
    })
}

/// The override if given, else the case's value, with where it came from.
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
/// overrides. `file` is the case file (`None`: overrides only); every error names the
/// override, or the file and key, that carries the bad value.
pub fn resolve(
    tables: &OrbitTables<'_>,
    flags: &OrbitOverrides,
    file: Option<&Path>,
) -> Result<OrbitSetup, Error> {
    let ctx = Ctx { file };
    let name = flags.names;
    let (epoch_n, alt_n, inc_n, raan_n) = (
        name(OrbitField::Epoch),
        name(OrbitField::AltitudeKm),
        name(OrbitField::InclinationDeg),
        name(OrbitField::RaanDeg),
    );
    let (sso_n, ltan_n, geo_n, lon_n) = (
        name(OrbitField::SunSynchronous),
        name(OrbitField::Ltan),
        name(OrbitField::Geostationary),
        name(OrbitField::LongitudeDeg),
    );
    let spec = tables.orbit.cloned().unwrap_or_default();
    if file.is_some() {
        check_orbit_kind(&ctx, &spec)?;
    }
    let (epoch_text, origin) = ctx.required(
        (&flags.epoch, epoch_n),
        (&spec.epoch, "orbit.epoch"),
        &format!("an epoch is required, e.g. {epoch_n} 2027-03-20T12:00:00Z"),
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
                alt_n,
                format!("a geostationary orbit's altitude is fixed; drop {alt_n}"),
            ));
        }
        let (lon, origin) = pick(
            (&flags.longitude_deg, lon_n),
            (&spec.longitude_deg, "orbit.longitude_deg"),
        )
        .unwrap_or((0.0, Origin::Flag(lon_n)));
        Orbit::geostationary(epoch, lon, propagation).map_err(|e| ctx.invalid(origin, e))?
    } else {
        let (alt, alt_origin) = ctx.required(
            (&flags.altitude_km, alt_n),
            (&spec.altitude_km, "orbit.altitude_km"),
            &format!("an altitude is required (or {geo_n})"),
        )?;
        if !(alt.is_finite() && (100.0..=1_000_000.0).contains(&alt)) {
            return Err(ctx.out_of_range(alt_origin, alt, "100 ≤ altitude ≤ 1,000,000 km"));
        }
        if sso {
            let (text, origin) = ctx.required(
                (&flags.ltan, ltan_n),
                (&spec.ltan, "orbit.ltan"),
                &format!("a sun-synchronous orbit needs {ltan_n} HH:MM"),
            )?;
            let ltan = LocalTime::parse(&text).map_err(|e| ctx.invalid(origin, e))?;
            Orbit::sun_synchronous(epoch, alt, ltan, propagation)
                .map_err(|e| ctx.altitude_error(alt_origin, alt, e))?
        } else {
            if flags.ltan.is_some() {
                return Err(arg_err(ltan_n, format!("only meaningful with {sso_n}")));
            }
            let (inc, inc_origin) = ctx.required(
                (&flags.inclination_deg, inc_n),
                (&spec.inclination_deg, "orbit.inclination_deg"),
                &format!("give {inc_n} (and {raan_n}), {sso_n} {ltan_n}, or {geo_n}"),
            )?;
            if !(inc.is_finite() && (0.0..=180.0).contains(&inc)) {
                return Err(ctx.out_of_range(inc_origin, inc, "0 ≤ inclination ≤ 180°"));
            }
            let (raan, raan_origin) = pick(
                (&flags.raan_deg, raan_n),
                (&spec.raan_deg, "orbit.raan_deg"),
            )
            .unwrap_or((0.0, Origin::Flag(raan_n)));
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
                        hint: crate::case::build::defined_hint(tables.coatings.keys()),
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
