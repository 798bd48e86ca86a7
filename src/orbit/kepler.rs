//! Keplerian orbits with J2 secular drift of the node, perigee and mean anomaly, and the
//! first-order J2 short-period terms of near-circular orbits.
//!
//! Elements are referred to the J2000 mean equator and equinox. With
//! [`Propagation::J2Secular`] the *mean* elements' node, argument of perigee and mean anomaly
//! drift at the first-order secular rates (Vallado, *Fundamentals of Astrodynamics and
//! Applications*, 4th ed., eq. 9-41; Montenbruck & Gill, *Satellite Orbits*, eq. 3.63).
//! [`Propagation::TwoBody`] freezes them.
//!
//! **Osculating or mean.** How the elements given at the epoch are read is the orbit's
//! [`ElementKind`]. With [`ElementKind::Osculating`] (the default) they are the instantaneous
//! two-body elements of the state at the epoch — a "circular orbit at 550 km" is the state
//! `r = R + 550 km`, `v = √(μ/r)` that a numerical propagator would start from. They are
//! converted to mean elements with the first-order J2 short-period terms of
//! [`j2_short_period_near_circular`], the mean elements drift secularly, and positions and
//! velocities are osculating again (short-period terms added back). Without this the mean
//! semi-major axis would be taken equal to the osculating one, which at the ascending node is
//! `1.5 J2 R²/a sin²i` (≈ 9 km at 550 km, sun-synchronous) too large: the mean motion is then
//! 0.2 % slow and a J2 numerical propagator from the same state runs ahead by ~3 minutes a
//! day. With [`ElementKind::Mean`] the elements are mean elements and positions lie on the
//! mean orbit (no short-period terms, a few km in LEO).

use nalgebra::{Matrix3, Vector3};

use super::epoch::{Epoch, LocalTime};
use super::sun::{gmst_rad, mean_sun_right_ascension_j2000, precession_matrix};
use crate::constants::{
    EARTH_J2, EARTH_MU_KM3_S2, EARTH_RADIUS_KM, EARTH_ROTATION_RAD_S, SUN_MEAN_MOTION_RAD_S,
};
use crate::error::OrbitError;

const DEG: f64 = std::f64::consts::PI / 180.0;
const TAU: f64 = std::f64::consts::TAU;

/// Lowest allowed altitude (perigee) in km: below it the orbit decays within hours.
pub const MIN_ALTITUDE_KM: f64 = 100.0;
/// Highest allowed altitude (apogee) in km: beyond it the Moon and Sun dominate.
pub const MAX_ALTITUDE_KM: f64 = 1_000_000.0;

/// How the elements evolve with time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Propagation {
    /// First-order J2 secular drift of Ω, ω and M (the default).
    #[default]
    J2Secular,
    /// Fixed Keplerian ellipse (for comparison with two-body references).
    TwoBody,
}

/// How the elements given at the epoch are read (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ElementKind {
    /// Osculating (instantaneous two-body) elements of the state at the epoch; with J2 they are
    /// converted to mean elements and positions include the short-period terms (the default).
    /// Applies to near-circular orbits (e ≤ [`NEAR_CIRCULAR_MAX_ECCENTRICITY`]); more
    /// eccentric elements are read as mean elements.
    #[default]
    Osculating,
    /// Mean elements of first-order J2 theory; positions on the mean orbit.
    Mean,
}

/// Largest eccentricity for which [`ElementKind::Osculating`] applies the near-circular
/// short-period terms: the terms of order J2·e that [`j2_short_period_near_circular`] drops
/// are then below `J2 (R/a)² a e` ≈ 70 m in LEO.
pub const NEAR_CIRCULAR_MAX_ECCENTRICITY: f64 = 0.01;

/// Classical Keplerian elements (angles in radians, J2000 axes).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct KeplerianElements {
    /// Semi-major axis a in km.
    pub semi_major_axis_km: f64,
    /// Eccentricity e, 0 ≤ e < 1.
    pub eccentricity: f64,
    /// Inclination i to the J2000 equator, rad.
    pub inclination_rad: f64,
    /// Right ascension of the ascending node Ω, rad.
    pub raan_rad: f64,
    /// Argument of perigee ω, rad (0 for circular orbits).
    pub arg_perigee_rad: f64,
    /// Mean anomaly M, rad (the argument of latitude for circular orbits with ω = 0).
    pub mean_anomaly_rad: f64,
}

/// Secular rates of Ω, ω and M in rad/s.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SecularRates {
    /// dΩ/dt.
    pub raan_rad_s: f64,
    /// dω/dt.
    pub arg_perigee_rad_s: f64,
    /// dM/dt (mean motion including the J2 correction).
    pub mean_anomaly_rad_s: f64,
}

/// First-order J2 secular rates (Vallado 4th ed. eq. 9-41):
/// `Ω̇ = −(3/2) n J2 (R/p)² cos i`, `ω̇ = (3/4) n J2 (R/p)² (5 cos²i − 1)`,
/// `Ṁ = n + (3/4) n J2 (R/p)² √(1−e²) (3 cos²i − 1)`, with `n = √(μ/a³)`, `p = a(1 − e²)`.
pub fn j2_secular_rates(a_km: f64, e: f64, i_rad: f64) -> SecularRates {
    let n = (EARTH_MU_KM3_S2 / (a_km * a_km * a_km)).sqrt();
    let p = a_km * (1.0 - e * e);
    let k = n * EARTH_J2 * (EARTH_RADIUS_KM / p).powi(2);
    let c = i_rad.cos();
    SecularRates {
        raan_rad_s: -1.5 * k * c,
        arg_perigee_rad_s: 0.75 * k * (5.0 * c * c - 1.0),
        mean_anomaly_rad_s: n + 0.75 * k * (1.0 - e * e).sqrt() * (3.0 * c * c - 1.0),
    }
}

/// Inclination (rad) of a sun-synchronous orbit: the root of `Ω̇(a, e, i) = ω_sun`, i.e.
/// `cos i = −(2/3) ω_sun a^{7/2} (1 − e²)² / (J2 R² √μ)` (Vallado 4th ed. eq. 11-14;
/// ω_sun = 2π per tropical year). Errors if `a` is too large for any inclination to work
/// (above ≈ 5,970 km altitude for circular orbits).
pub fn sun_synchronous_inclination_rad(a_km: f64, e: f64) -> Result<f64, OrbitError> {
    let p = a_km * (1.0 - e * e);
    let n = (EARTH_MU_KM3_S2 / (a_km * a_km * a_km)).sqrt();
    let cos_i = -SUN_MEAN_MOTION_RAD_S / (1.5 * n * EARTH_J2 * (EARTH_RADIUS_KM / p).powi(2));
    if !(-1.0..=1.0).contains(&cos_i) {
        return Err(OrbitError::OutOfRange {
            quantity: "altitude_km (sun-synchronous)",
            value: a_km - EARTH_RADIUS_KM,
            allowed: "below about 5,970 km: J2 cannot turn the node once a year any higher",
        });
    }
    Ok(cos_i.acos())
}

/// Nonsingular elements of a near-circular orbit: `a`, `i`, `Ω`, the mean argument of latitude
/// `λ = ω + M` and the eccentricity vector `(e_x, e_y) = e (cos ω, sin ω)` (angles in rad).
/// Also used for first-order differences of these elements.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NearCircularElements {
    /// Semi-major axis a, km.
    pub semi_major_axis_km: f64,
    /// Inclination i, rad.
    pub inclination_rad: f64,
    /// Right ascension of the ascending node Ω, rad.
    pub raan_rad: f64,
    /// Mean argument of latitude λ = ω + M, rad.
    pub arg_latitude_rad: f64,
    /// e cos ω.
    pub ex: f64,
    /// e sin ω.
    pub ey: f64,
}

impl NearCircularElements {
    /// From classical elements.
    pub fn from_keplerian(el: &KeplerianElements) -> Self {
        let (s, c) = el.arg_perigee_rad.sin_cos();
        Self {
            semi_major_axis_km: el.semi_major_axis_km,
            inclination_rad: el.inclination_rad,
            raan_rad: el.raan_rad,
            arg_latitude_rad: el.arg_perigee_rad + el.mean_anomaly_rad,
            ex: el.eccentricity * c,
            ey: el.eccentricity * s,
        }
    }

    /// To classical elements (ω = 0 when e = 0; angles wrapped to [0, 2π); an inclination
    /// pushed below 0 or above π by a correction is reflected, with the node turned by π).
    pub fn to_keplerian(&self) -> KeplerianElements {
        let e = self.ex.hypot(self.ey);
        let argp = if e > 0.0 { self.ey.atan2(self.ex) } else { 0.0 };
        let (mut inc, mut raan, mut lambda) =
            (self.inclination_rad, self.raan_rad, self.arg_latitude_rad);
        if inc < 0.0 {
            inc = -inc;
            raan += std::f64::consts::PI;
            lambda += std::f64::consts::PI;
        } else if inc > std::f64::consts::PI {
            inc = TAU - inc;
            raan += std::f64::consts::PI;
            lambda += std::f64::consts::PI;
        }
        KeplerianElements {
            semi_major_axis_km: self.semi_major_axis_km,
            eccentricity: e,
            inclination_rad: inc,
            raan_rad: raan.rem_euclid(TAU),
            arg_perigee_rad: argp.rem_euclid(TAU),
            mean_anomaly_rad: (lambda - argp).rem_euclid(TAU),
        }
    }

    fn add(&self, d: &Self, sign: f64) -> Self {
        Self {
            semi_major_axis_km: self.semi_major_axis_km + sign * d.semi_major_axis_km,
            inclination_rad: self.inclination_rad + sign * d.inclination_rad,
            raan_rad: self.raan_rad + sign * d.raan_rad,
            arg_latitude_rad: self.arg_latitude_rad + sign * d.arg_latitude_rad,
            ex: self.ex + sign * d.ex,
            ey: self.ey + sign * d.ey,
        }
    }
}

/// First-order J2 short-period terms of a near-circular orbit (osculating minus mean), at mean
/// semi-major axis `a`, inclination `i` and mean argument of latitude `λ`. With
/// `ε = J2 (R/a)²`, `s = sin i`, `c = cos i`:
///
/// ```text
/// δa  = (3/2) ε a s² cos 2λ
/// δi  = (3/8) ε sin 2i cos 2λ
/// δΩ  = (3/4) ε c sin 2λ
/// δλ  = (3/2) ε ((5/4) s² − 1/2) sin 2λ
/// δeₓ = (3/2) ε ((1 − (5/4) s²) cos λ + (7/12) s² cos 3λ)
/// δe_y = (3/2) ε ((1 − (7/4) s²) sin λ + (7/12) s² sin 3λ)
/// ```
///
/// These are the J2 terms of the Eckstein–Ustinov theory for nearly circular orbits (M. C.
/// Eckstein & H. Hechler, *A reliable derivation of the perturbations due to any zonal and
/// tesseral harmonics of the geopotential for nearly-circular satellite orbits*, ESRO SR-13,
/// 1970) to zeroth order in the mean eccentricity, which is itself O(J2) for the orbits
/// thermorbit builds: the dropped J2·e terms are O(J2²). The same limit follows from Brouwer's
/// first-order short-period terms (Brouwer 1959, *Astron. J.* 64, 378; e.g. `δa = a γ₂ 3 s²
/// cos(2ω + 2f)` at e = 0); `δa` is also the energy integral `Δ(−μ/2a) = ΔR` of the J2
/// disturbing function. Their secular partner is [`j2_secular_rates`]: `λ̇ = ω̇ + Ṁ =
/// n (1 + (3/2) ε (3 − 4 s²))`, the same mean motion of λ as Eckstein–Ustinov's.
pub fn j2_short_period_near_circular(
    a_km: f64,
    i_rad: f64,
    lambda_rad: f64,
) -> NearCircularElements {
    let eps = EARTH_J2 * (EARTH_RADIUS_KM / a_km).powi(2);
    let (s, c) = i_rad.sin_cos();
    let s2 = s * s;
    let (s1l, c1l) = lambda_rad.sin_cos();
    let (s2l, c2l) = (2.0 * lambda_rad).sin_cos();
    let (s3l, c3l) = (3.0 * lambda_rad).sin_cos();
    NearCircularElements {
        semi_major_axis_km: 1.5 * eps * a_km * s2 * c2l,
        inclination_rad: 0.375 * eps * 2.0 * s * c * c2l,
        raan_rad: 0.75 * eps * c * s2l,
        arg_latitude_rad: 1.5 * eps * (1.25 * s2 - 0.5) * s2l,
        ex: 1.5 * eps * ((1.0 - 1.25 * s2) * c1l + 7.0 / 12.0 * s2 * c3l),
        ey: 1.5 * eps * ((1.0 - 1.75 * s2) * s1l + 7.0 / 12.0 * s2 * s3l),
    }
}

/// Osculating elements from mean ones: mean plus [`j2_short_period_near_circular`].
pub fn mean_to_osculating(mean: &KeplerianElements) -> KeplerianElements {
    let m = NearCircularElements::from_keplerian(mean);
    let d =
        j2_short_period_near_circular(m.semi_major_axis_km, m.inclination_rad, m.arg_latitude_rad);
    m.add(&d, 1.0).to_keplerian()
}

/// Mean elements from osculating ones: the fixed point of `mean = osc − δ(mean)` (δ from
/// [`j2_short_period_near_circular`]), which contracts by a factor of order J2 per pass; so
/// [`mean_to_osculating`] of the result gives back `osc` to round-off.
pub fn osculating_to_mean(osc: &KeplerianElements) -> KeplerianElements {
    let target = NearCircularElements::from_keplerian(osc);
    let mut mean = target;
    for _ in 0..12 {
        let d = j2_short_period_near_circular(
            mean.semi_major_axis_km,
            mean.inclination_rad,
            mean.arg_latitude_rad,
        );
        let next = target.add(&d, -1.0);
        let change = (next.semi_major_axis_km - mean.semi_major_axis_km).abs()
            / target.semi_major_axis_km
            + (next.arg_latitude_rad - mean.arg_latitude_rad).abs()
            + (next.inclination_rad - mean.inclination_rad).abs();
        mean = next;
        if change < 1e-15 {
            break;
        }
    }
    mean.to_keplerian()
}

/// Position and velocity in km and km/s, J2000 axes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct OrbitState {
    /// Earth-centred position, km.
    pub position_km: Vector3<f64>,
    /// Velocity (time derivative of the model position), km/s.
    pub velocity_km_s: Vector3<f64>,
}

/// An Earth orbit: elements at an epoch, how they are read ([`ElementKind`]) and how they
/// drift ([`Propagation`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Orbit {
    epoch: Epoch,
    /// The elements as the constructor received them (for [`Orbit::with_element_kind`]).
    input: KeplerianElements,
    /// `input` are mean elements whatever the kind (geostationary: defined by its mean motion).
    input_is_mean: bool,
    /// Elements at the epoch in the sense of `kind`.
    elements: KeplerianElements,
    /// Mean elements at the epoch.
    mean: KeplerianElements,
    /// How the elements are read: `Osculating` only where that applies, so with
    /// [`Propagation::J2Secular`] it also says whether positions carry short-period terms.
    kind: ElementKind,
    propagation: Propagation,
    rates: SecularRates,
    /// Unperturbed mean motion √(μ/a³), rad/s.
    mean_motion_rad_s: f64,
    /// Days of TT from J2000.0 at the epoch.
    epoch_days_tt: f64,
}

fn check_finite(quantity: &'static str, v: f64) -> Result<(), OrbitError> {
    if v.is_finite() {
        Ok(())
    } else {
        Err(OrbitError::OutOfRange {
            quantity,
            value: v,
            allowed: "a finite number",
        })
    }
}

fn check_altitude(v: f64) -> Result<(), OrbitError> {
    check_finite("altitude_km", v)?;
    if !(MIN_ALTITUDE_KM..=MAX_ALTITUDE_KM).contains(&v) {
        return Err(OrbitError::OutOfRange {
            quantity: "altitude_km",
            value: v,
            allowed: "100 ≤ altitude ≤ 1,000,000 km",
        });
    }
    Ok(())
}

fn check_inclination(v_deg: f64) -> Result<(), OrbitError> {
    check_finite("inclination_deg", v_deg)?;
    if !(0.0..=180.0).contains(&v_deg) {
        return Err(OrbitError::OutOfRange {
            quantity: "inclination_deg",
            value: v_deg,
            allowed: "0 ≤ inclination ≤ 180°",
        });
    }
    Ok(())
}

impl Orbit {
    /// An orbit from elements at `epoch`, read as osculating ([`ElementKind::Osculating`]; see
    /// [`Orbit::with_element_kind`] for mean elements). Perigee and apogee altitudes must lie
    /// in [100, 1,000,000] km, 0 ≤ e < 1, 0 ≤ i ≤ π.
    pub fn new(
        epoch: Epoch,
        elements: KeplerianElements,
        propagation: Propagation,
    ) -> Result<Self, OrbitError> {
        Self::check_elements(&elements)?;
        Ok(Self::build(
            epoch,
            elements,
            false,
            propagation,
            ElementKind::Osculating,
        ))
    }

    /// The same orbit with its input elements read as `kind` (osculating elements are
    /// converted to mean ones; mean elements are used as they are). A geostationary orbit is
    /// defined by its mean motion either way; `kind` then only says whether positions include
    /// the short-period terms.
    ///
    /// ```
    /// use thermorbit::orbit::{ElementKind, Epoch, Orbit, Propagation};
    /// let epoch = Epoch::parse_iso8601("2027-03-20T12:00:00Z").unwrap();
    /// let osc = Orbit::circular(epoch, 550.0, 53.0, 0.0, Propagation::J2Secular).unwrap();
    /// let mean = osc.clone().with_element_kind(ElementKind::Mean);
    /// // Both start 550 km up at the node; the osculating one's mean orbit is lower by
    /// // 1.5 J2 R²/a sin²i ≈ 6.1 km.
    /// assert!((osc.position_km(0.0) - mean.position_km(0.0)).norm() < 1e-6);
    /// let da = mean.mean_elements().semi_major_axis_km - osc.mean_elements().semi_major_axis_km;
    /// assert!((da - 6.08).abs() < 0.01, "{da}");
    /// ```
    pub fn with_element_kind(self, kind: ElementKind) -> Self {
        Self::build(
            self.epoch,
            self.input,
            self.input_is_mean,
            self.propagation,
            kind,
        )
    }

    fn build(
        epoch: Epoch,
        input: KeplerianElements,
        input_is_mean: bool,
        propagation: Propagation,
        kind: ElementKind,
    ) -> Self {
        let short_period = propagation == Propagation::J2Secular
            && kind == ElementKind::Osculating
            && input.eccentricity <= NEAR_CIRCULAR_MAX_ECCENTRICITY;
        let kind = if short_period || propagation == Propagation::TwoBody {
            kind
        } else {
            ElementKind::Mean
        };
        let (elements, mean) = match (short_period, input_is_mean) {
            (false, _) => (input, input),
            (true, false) => (input, osculating_to_mean(&input)),
            (true, true) => (mean_to_osculating(&input), input),
        };
        let a = mean.semi_major_axis_km;
        let n = (EARTH_MU_KM3_S2 / (a * a * a)).sqrt();
        let rates = match propagation {
            Propagation::J2Secular => j2_secular_rates(a, mean.eccentricity, mean.inclination_rad),
            Propagation::TwoBody => SecularRates {
                raan_rad_s: 0.0,
                arg_perigee_rad_s: 0.0,
                mean_anomaly_rad_s: n,
            },
        };
        Self {
            epoch,
            input,
            input_is_mean,
            elements,
            mean,
            kind,
            propagation,
            rates,
            mean_motion_rad_s: n,
            epoch_days_tt: epoch.days_since_j2000_tt(),
        }
    }

    fn check_elements(elements: &KeplerianElements) -> Result<(), OrbitError> {
        let el = elements;
        check_finite("semi_major_axis_km", el.semi_major_axis_km)?;
        check_finite("eccentricity", el.eccentricity)?;
        check_finite("raan", el.raan_rad)?;
        check_finite("arg_perigee", el.arg_perigee_rad)?;
        check_finite("mean_anomaly", el.mean_anomaly_rad)?;
        if !(0.0..1.0).contains(&el.eccentricity) {
            return Err(OrbitError::OutOfRange {
                quantity: "eccentricity",
                value: el.eccentricity,
                allowed: "0 ≤ e < 1",
            });
        }
        check_inclination(el.inclination_rad / DEG)?;
        let perigee = el.semi_major_axis_km * (1.0 - el.eccentricity) - EARTH_RADIUS_KM;
        let apogee = el.semi_major_axis_km * (1.0 + el.eccentricity) - EARTH_RADIUS_KM;
        check_altitude(perigee)?;
        check_altitude(apogee)?;
        Ok(())
    }

    /// A circular orbit at `altitude_km` above the equatorial radius, inclination and RAAN in
    /// degrees (J2000 axes), at its ascending node (argument of latitude 0) at `epoch`. The
    /// elements are osculating: the state at the epoch is `r = R + h` with the circular speed
    /// `√(μ/r)` (see [`Orbit::with_element_kind`]).
    pub fn circular(
        epoch: Epoch,
        altitude_km: f64,
        inclination_deg: f64,
        raan_deg: f64,
        propagation: Propagation,
    ) -> Result<Self, OrbitError> {
        check_altitude(altitude_km)?;
        check_inclination(inclination_deg)?;
        check_finite("raan_deg", raan_deg)?;
        Self::new(
            epoch,
            KeplerianElements {
                semi_major_axis_km: EARTH_RADIUS_KM + altitude_km,
                eccentricity: 0.0,
                inclination_rad: inclination_deg * DEG,
                raan_rad: (raan_deg * DEG).rem_euclid(TAU),
                arg_perigee_rad: 0.0,
                mean_anomaly_rad: 0.0,
            },
            propagation,
        )
    }

    /// A circular sun-synchronous orbit at `altitude_km` whose ascending node is at local mean
    /// solar time `ltan` at `epoch`; the inclination comes from
    /// [`sun_synchronous_inclination_rad`] and RAAN = α_mean_sun + 15°/h·(LTAN − 12 h) (mean Sun,
    /// J2000 axes; see [`mean_sun_right_ascension_j2000`]). At `epoch` the satellite is at its
    /// ascending node. With [`Propagation::TwoBody`] the inclination is the same but the node
    /// does not drift.
    ///
    /// The closed form is evaluated at `a = R + h`, read as osculating like the other elements:
    /// this is the orbit a numerical propagator started from the circular state at the node
    /// follows. Its *mean* semi-major axis is smaller by `1.5 J2 R²/a sin²i` (9.4 km at
    /// 550 km), so its node turns 0.4 % faster than the mean Sun: the local time of the node
    /// gains about 6 minutes a year. Mean elements ([`ElementKind::Mean`]) keep it exactly.
    pub fn sun_synchronous(
        epoch: Epoch,
        altitude_km: f64,
        ltan: LocalTime,
        propagation: Propagation,
    ) -> Result<Self, OrbitError> {
        check_altitude(altitude_km)?;
        let a = EARTH_RADIUS_KM + altitude_km;
        let i = sun_synchronous_inclination_rad(a, 0.0)?;
        let raan = mean_sun_right_ascension_j2000(epoch.days_since_j2000_tt())
            + (ltan.hours() - 12.0) * 15.0 * DEG;
        Self::circular(
            epoch,
            altitude_km,
            i / DEG,
            raan.rem_euclid(TAU) / DEG,
            propagation,
        )
    }

    /// A geostationary orbit over east longitude `longitude_deg` at `epoch`: circular, in the
    /// mean equator of date (about 0.1–0.2° from the J2000 equator this century), with the
    /// mean radius at which the secular rate of the true longitude `n(1 + 3 J2 (R/a)²)` equals
    /// the Earth's rotation rate (42,166.2 km with J2, 42,164.2 km for two-body). UT1 = UTC.
    /// With J2 and osculating output the short-period terms put the satellite at
    /// `a (1 − 1.5 J2 (R/a)²)` = 42,164.6 km, where `ω² r³ = μ (1 + 1.5 J2 (R/r)²)`: the
    /// radius of a circular equatorial orbit turning with the Earth.
    pub fn geostationary(
        epoch: Epoch,
        longitude_deg: f64,
        propagation: Propagation,
    ) -> Result<Self, OrbitError> {
        check_finite("longitude_deg", longitude_deg)?;
        if !(-360.0..=360.0).contains(&longitude_deg) {
            return Err(OrbitError::OutOfRange {
                quantity: "longitude_deg",
                value: longitude_deg,
                allowed: "−360 ≤ longitude ≤ 360°",
            });
        }
        let w = EARTH_ROTATION_RAD_S;
        let mut a = (EARTH_MU_KM3_S2 / (w * w)).cbrt();
        if propagation == Propagation::J2Secular {
            for _ in 0..20 {
                let n = w / (1.0 + 3.0 * EARTH_J2 * (EARTH_RADIUS_KM / a).powi(2));
                a = (EARTH_MU_KM3_S2 / (n * n)).cbrt();
            }
        }
        let days = epoch.days_since_j2000_tt();
        let p_t = precession_matrix(days).transpose();
        let pole = p_t * Vector3::z();
        let inclination = pole.z.clamp(-1.0, 1.0).acos();
        let raan = if inclination > 1e-12 {
            pole.x.atan2(-pole.y).rem_euclid(TAU)
        } else {
            0.0
        };
        let ra_date =
            gmst_rad(epoch.julian_date_ut1() - crate::constants::J2000_JD) + longitude_deg * DEG;
        let pos = p_t * Vector3::new(ra_date.cos(), ra_date.sin(), 0.0);
        let node = Vector3::new(raan.cos(), raan.sin(), 0.0);
        let u0 = node.cross(&pos).dot(&pole).atan2(node.dot(&pos));
        let elements = KeplerianElements {
            semi_major_axis_km: a,
            eccentricity: 0.0,
            inclination_rad: inclination,
            raan_rad: raan,
            arg_perigee_rad: 0.0,
            mean_anomaly_rad: u0.rem_euclid(TAU),
        };
        Self::check_elements(&elements)?;
        Ok(Self::build(
            epoch,
            elements,
            true,
            propagation,
            ElementKind::Osculating,
        ))
    }

    /// The epoch at which the elements are given (t = 0).
    pub fn epoch(&self) -> Epoch {
        self.epoch
    }

    /// Days of TT from J2000.0 at `t_s` seconds after the epoch (the ephemeris argument).
    pub fn days_tt(&self, t_s: f64) -> f64 {
        self.epoch_days_tt + t_s / crate::constants::SECONDS_PER_DAY
    }

    /// Elements at the epoch in the sense of [`Orbit::element_kind`]: osculating (as given,
    /// for a geostationary orbit computed from the mean ones) or mean.
    pub fn elements(&self) -> &KeplerianElements {
        &self.elements
    }

    /// Mean elements at the epoch (equal to [`Orbit::elements`] for two-body orbits and
    /// [`ElementKind::Mean`]).
    pub fn mean_elements(&self) -> &KeplerianElements {
        &self.mean
    }

    /// How the elements are read. [`ElementKind::Mean`] also when osculating elements were
    /// asked for but the orbit is too eccentric for the near-circular short-period terms
    /// (e > [`NEAR_CIRCULAR_MAX_ECCENTRICITY`]).
    pub fn element_kind(&self) -> ElementKind {
        self.kind
    }

    /// Whether positions include the J2 short-period terms.
    pub fn has_short_period_terms(&self) -> bool {
        self.kind == ElementKind::Osculating && self.propagation == Propagation::J2Secular
    }

    /// The propagation model.
    pub fn propagation(&self) -> Propagation {
        self.propagation
    }

    /// Secular rates used (zero drift for two-body).
    pub fn rates(&self) -> &SecularRates {
        &self.rates
    }

    /// Mean elements at `t_s` seconds after the epoch: `Ω = Ω₀ + Ω̇t`, `ω = ω₀ + ω̇t`,
    /// `M = M₀ + Ṁt` (angles wrapped to [0, 2π)).
    pub fn elements_at(&self, t_s: f64) -> KeplerianElements {
        let e = &self.mean;
        KeplerianElements {
            raan_rad: (e.raan_rad + self.rates.raan_rad_s * t_s).rem_euclid(TAU),
            arg_perigee_rad: (e.arg_perigee_rad + self.rates.arg_perigee_rad_s * t_s)
                .rem_euclid(TAU),
            mean_anomaly_rad: (e.mean_anomaly_rad + self.rates.mean_anomaly_rad_s * t_s)
                .rem_euclid(TAU),
            ..*e
        }
    }

    /// The elements positions are computed from at `t_s`: the mean elements, plus the
    /// short-period terms when [`Orbit::has_short_period_terms`].
    pub fn osculating_elements_at(&self, t_s: f64) -> KeplerianElements {
        let mean = self.elements_at(t_s);
        if self.has_short_period_terms() {
            mean_to_osculating(&mean)
        } else {
            mean
        }
    }

    /// Keplerian (anomalistic, two-body) period `2π √(a³/μ)` of the mean semi-major axis, s.
    pub fn period_s(&self) -> f64 {
        TAU / self.mean_motion_rad_s
    }

    /// Nodal (draconitic) period `2π / (ω̇ + Ṁ)` in s: node to node, what eclipses repeat with.
    pub fn nodal_period_s(&self) -> f64 {
        TAU / (self.rates.arg_perigee_rad_s + self.rates.mean_anomaly_rad_s)
    }

    /// Perigee altitude above the equatorial radius of the elements at the epoch, km.
    pub fn perigee_altitude_km(&self) -> f64 {
        self.elements.semi_major_axis_km * (1.0 - self.elements.eccentricity) - EARTH_RADIUS_KM
    }

    /// Apogee altitude above the equatorial radius of the elements at the epoch, km.
    pub fn apogee_altitude_km(&self) -> f64 {
        self.elements.semi_major_axis_km * (1.0 + self.elements.eccentricity) - EARTH_RADIUS_KM
    }

    /// Position in km (J2000 axes) at `t_s` seconds after the epoch.
    pub fn position_km(&self, t_s: f64) -> Vector3<f64> {
        self.state(t_s).position_km
    }

    /// Position and velocity at `t_s`: Kepler's equation `E − e sin E = M` solved by Newton,
    /// perifocal coordinates rotated by `R3(−Ω) R1(−i) R3(−ω)` (Vallado 4th ed. Algorithm 10).
    /// With short-period terms the elements are the osculating ones of
    /// [`Orbit::osculating_elements_at`] and the velocity is their two-body velocity (the
    /// osculating velocity). On the mean orbit the velocity is the exact time derivative of
    /// the model position, including the drift of Ω and ω:
    /// `v = (Ṁ/n) R v_pf + Ω̇ ẑ × r + ω̇ ĥ × r`.
    pub fn state(&self, t_s: f64) -> OrbitState {
        if self.has_short_period_terms() {
            return two_body_state(&self.osculating_elements_at(t_s));
        }
        let el = self.elements_at(t_s);
        let a = el.semi_major_axis_km;
        let e = el.eccentricity;
        let (x, y, vx, vy) = if e == 0.0 {
            let (s, c) = el.mean_anomaly_rad.sin_cos();
            let v = a * self.mean_motion_rad_s;
            (a * c, a * s, -v * s, v * c)
        } else {
            let ea = solve_kepler(el.mean_anomaly_rad, e);
            let (s, c) = ea.sin_cos();
            let q = (1.0 - e * e).sqrt();
            let f = a * self.mean_motion_rad_s / (1.0 - e * c);
            (a * (c - e), a * q * s, -f * s, f * q * c)
        };
        let rot = perifocal_to_inertial(el.raan_rad, el.inclination_rad, el.arg_perigee_rad);
        let p = rot.column(0).into_owned();
        let q = rot.column(1).into_owned();
        let h = rot.column(2).into_owned();
        let r = p * x + q * y;
        let scale = self.rates.mean_anomaly_rad_s / self.mean_motion_rad_s;
        let v = (p * vx + q * vy) * scale
            + Vector3::z().cross(&r) * self.rates.raan_rad_s
            + h.cross(&r) * self.rates.arg_perigee_rad_s;
        OrbitState {
            position_km: r,
            velocity_km_s: v,
        }
    }

    /// Unit orbit normal `ĥ = (sin Ω sin i, −cos Ω sin i, cos i)` at `t_s`, of the osculating
    /// plane when positions include the short-period terms, else of the mean plane.
    pub fn orbit_normal(&self, t_s: f64) -> Vector3<f64> {
        let (raan, i) = if self.has_short_period_terms() {
            let el = self.osculating_elements_at(t_s);
            (el.raan_rad, el.inclination_rad)
        } else {
            (
                self.mean.raan_rad + self.rates.raan_rad_s * t_s,
                self.mean.inclination_rad,
            )
        };
        Vector3::new(raan.sin() * i.sin(), -raan.cos() * i.sin(), i.cos())
    }
}

/// Two-body position and velocity of `el` (Vallado 4th ed. Algorithm 10):
/// `r = a (cos E − e, √(1−e²) sin E)`, `v = (n a / (1 − e cos E)) (−sin E, √(1−e²) cos E)` in
/// perifocal axes, rotated by `perifocal_to_inertial`.
pub fn two_body_state(el: &KeplerianElements) -> OrbitState {
    let a = el.semi_major_axis_km;
    let e = el.eccentricity;
    let n = (EARTH_MU_KM3_S2 / (a * a * a)).sqrt();
    let ea = solve_kepler(el.mean_anomaly_rad, e);
    let (s, c) = ea.sin_cos();
    let q = (1.0 - e * e).sqrt();
    let f = a * n / (1.0 - e * c);
    let rot = perifocal_to_inertial(el.raan_rad, el.inclination_rad, el.arg_perigee_rad);
    let p = rot.column(0).into_owned();
    let qv = rot.column(1).into_owned();
    OrbitState {
        position_km: p * (a * (c - e)) + qv * (a * q * s),
        velocity_km_s: p * (-f * s) + qv * (f * q * c),
    }
}

/// Rotation whose columns are the perifocal P̂, Q̂ and the orbit normal Ŵ in inertial axes:
/// `R3(−Ω) R1(−i) R3(−ω)` (Vallado 4th ed. eq. 2-105).
pub fn perifocal_to_inertial(raan: f64, inc: f64, argp: f64) -> Matrix3<f64> {
    let (so, co) = raan.sin_cos();
    let (si, ci) = inc.sin_cos();
    let (sw, cw) = argp.sin_cos();
    Matrix3::new(
        co * cw - so * sw * ci,
        -co * sw - so * cw * ci,
        so * si,
        so * cw + co * sw * ci,
        -so * sw + co * cw * ci,
        -co * si,
        sw * si,
        cw * si,
        ci,
    )
}

/// Eccentric anomaly E from `E − e sin E = M` by Newton's method (Vallado Algorithm 2),
/// to 1e-14 rad.
pub fn solve_kepler(m: f64, e: f64) -> f64 {
    let mut ea = if e < 0.8 {
        m + e * m.sin()
    } else {
        std::f64::consts::PI
    };
    for _ in 0..60 {
        let f = ea - e * ea.sin() - m;
        let d = f / (1.0 - e * ea.cos());
        ea -= d;
        if d.abs() < 1e-14 {
            break;
        }
    }
    ea
}

#[cfg(test)]
mod tests {
    use super::*;

    fn epoch() -> Epoch {
        Epoch::parse_iso8601("2027-03-20T12:00:00Z").unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn velocity_is_the_derivative_of_position() {
        let el = KeplerianElements {
            semi_major_axis_km: 8_000.0,
            eccentricity: 0.1,
            inclination_rad: 1.0,
            raan_rad: 0.3,
            arg_perigee_rad: 2.0,
            mean_anomaly_rad: 0.5,
        };
        let o = Orbit::new(epoch(), el, Propagation::J2Secular).unwrap_or_else(|e| panic!("{e}"));
        for t in [0.0, 1234.5, 86_400.0 * 30.0] {
            let h = 1e-2;
            let fd = (o.position_km(t + h) - o.position_km(t - h)) / (2.0 * h);
            let v = o.state(t).velocity_km_s;
            assert!((fd - v).norm() < 1e-7 * v.norm(), "t={t}: {fd} vs {v}");
        }
    }

    #[test]
    fn circular_orbit_starts_at_ascending_node() {
        let o = Orbit::circular(epoch(), 550.0, 53.0, 40.0, Propagation::J2Secular)
            .unwrap_or_else(|e| panic!("{e}"));
        let s = o.state(0.0);
        assert!(s.position_km.z.abs() < 1e-9);
        assert!(s.velocity_km_s.z > 0.0);
        let ra = s.position_km.y.atan2(s.position_km.x) / DEG;
        assert!((ra - 40.0).abs() < 1e-9);
        assert!((s.position_km.norm() - (EARTH_RADIUS_KM + 550.0)).abs() < 1e-9);
    }

    #[test]
    fn geostationary_radius_and_rate() {
        let two = Orbit::geostationary(epoch(), 0.0, Propagation::TwoBody)
            .unwrap_or_else(|e| panic!("{e}"));
        assert!((two.elements().semi_major_axis_km - 42_164.17).abs() < 0.05);
        let j2 = Orbit::geostationary(epoch(), 0.0, Propagation::J2Secular)
            .unwrap_or_else(|e| panic!("{e}"));
        let r = j2.rates();
        let lon_rate = r.raan_rad_s + r.arg_perigee_rad_s + r.mean_anomaly_rad_s;
        assert!((lon_rate / EARTH_ROTATION_RAD_S - 1.0).abs() < 1e-6);
        // With the short-period terms the satellite sits at the radius of a circular
        // equatorial orbit turning with the Earth: ω² r³ = μ (1 + 1.5 J2 (R/r)²), moving at ω r.
        let w = EARTH_ROTATION_RAD_S;
        let mut r_exact = (EARTH_MU_KM3_S2 / (w * w)).cbrt();
        for _ in 0..20 {
            let k = 1.0 + 1.5 * EARTH_J2 * (EARTH_RADIUS_KM / r_exact).powi(2);
            r_exact = (EARTH_MU_KM3_S2 * k / (w * w)).cbrt();
        }
        for t in [0.0, 20_000.0, 50_000.0] {
            let s = j2.state(t);
            assert!(
                (s.position_km.norm() - r_exact).abs() < 0.01,
                "{}",
                s.position_km.norm()
            );
            let v = s.velocity_km_s.norm();
            assert!((v / (w * r_exact) - 1.0).abs() < 1e-6, "{v}");
        }
    }

    #[test]
    fn short_period_terms_vanish_on_average_and_match_the_energy_integral() {
        // δa is the energy integral of the J2 disturbing function on a circle,
        // Δa = (2a²/μ) ΔR with R = −(μ J2 R²/2a³)(3 sin²i sin²λ − 1).
        let (a, i): (f64, f64) = (6_928.137, 1.7);
        let r_dist = |lambda: f64| {
            let s = i.sin() * lambda.sin();
            -(EARTH_MU_KM3_S2 * EARTH_J2 * EARTH_RADIUS_KM.powi(2) / (2.0 * a.powi(3)))
                * (3.0 * s * s - 1.0)
        };
        let mean_r = (r_dist(0.0) + r_dist(std::f64::consts::FRAC_PI_2)) / 2.0;
        for k in 0..12 {
            let lambda = k as f64 * 0.5;
            let d = j2_short_period_near_circular(a, i, lambda);
            let da = 2.0 * a * a / EARTH_MU_KM3_S2 * (r_dist(lambda) - mean_r);
            assert!(
                (d.semi_major_axis_km - da).abs() < 1e-9,
                "{} vs {da}",
                d.semi_major_axis_km
            );
        }
        let n = 360;
        let avg = (0..n)
            .map(|k| j2_short_period_near_circular(a, i, TAU * k as f64 / n as f64))
            .fold([0.0; 6], |acc, d| {
                [
                    acc[0] + d.semi_major_axis_km,
                    acc[1] + d.inclination_rad,
                    acc[2] + d.raan_rad,
                    acc[3] + d.arg_latitude_rad,
                    acc[4] + d.ex,
                    acc[5] + d.ey,
                ]
            });
        assert!(avg.iter().all(|x| (x / n as f64).abs() < 1e-15), "{avg:?}");
    }

    #[test]
    fn kepler_equation_residual() {
        for &e in &[0.0, 0.3, 0.9, 0.99] {
            for k in 0..50 {
                let m = k as f64 * 0.13;
                let ea = solve_kepler(m, e);
                assert!((ea - e * ea.sin() - m).abs() < 1e-12);
            }
        }
    }
}
