//! Keplerian orbits with J2 secular drift of the node, perigee and mean anomaly.
//!
//! Elements are mean elements referred to the J2000 mean equator and equinox. With
//! [`Propagation::J2Secular`] the node, argument of perigee and mean anomaly drift at the
//! first-order secular rates (Vallado, *Fundamentals of Astrodynamics and Applications*,
//! 4th ed., eq. 9-41; Montenbruck & Gill, *Satellite Orbits*, eq. 3.63); short-period
//! J2 terms (a few km in LEO) are not modelled. [`Propagation::TwoBody`] freezes them.

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

/// Position and velocity in km and km/s, J2000 axes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct OrbitState {
    /// Earth-centred position, km.
    pub position_km: Vector3<f64>,
    /// Velocity (time derivative of the model position), km/s.
    pub velocity_km_s: Vector3<f64>,
}

/// An Earth orbit: mean elements at an epoch and how they drift.
#[derive(Debug, Clone, PartialEq)]
pub struct Orbit {
    epoch: Epoch,
    elements: KeplerianElements,
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
    /// An orbit from mean elements at `epoch`. Perigee and apogee altitudes must lie in
    /// [100, 1,000,000] km, 0 ≤ e < 1, 0 ≤ i ≤ π.
    pub fn new(
        epoch: Epoch,
        elements: KeplerianElements,
        propagation: Propagation,
    ) -> Result<Self, OrbitError> {
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
        let a = el.semi_major_axis_km;
        let n = (EARTH_MU_KM3_S2 / (a * a * a)).sqrt();
        let rates = match propagation {
            Propagation::J2Secular => j2_secular_rates(a, el.eccentricity, el.inclination_rad),
            Propagation::TwoBody => SecularRates {
                raan_rad_s: 0.0,
                arg_perigee_rad_s: 0.0,
                mean_anomaly_rad_s: n,
            },
        };
        Ok(Self {
            epoch,
            elements: el,
            propagation,
            rates,
            mean_motion_rad_s: n,
            epoch_days_tt: epoch.days_since_j2000_tt(),
        })
    }

    /// A circular orbit at `altitude_km` above the equatorial radius, inclination and RAAN in
    /// degrees (J2000 axes), at its ascending node (argument of latitude 0) at `epoch`.
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
    /// radius at which the secular rate of the true longitude `n(1 + 3 J2 (R/a)²)` equals the
    /// Earth's rotation rate (42,166.2 km with J2, 42,164.2 km for two-body). UT1 = UTC.
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
        Self::new(
            epoch,
            KeplerianElements {
                semi_major_axis_km: a,
                eccentricity: 0.0,
                inclination_rad: inclination,
                raan_rad: raan,
                arg_perigee_rad: 0.0,
                mean_anomaly_rad: u0.rem_euclid(TAU),
            },
            propagation,
        )
    }

    /// The epoch at which the elements are given (t = 0).
    pub fn epoch(&self) -> Epoch {
        self.epoch
    }

    /// Days of TT from J2000.0 at `t_s` seconds after the epoch (the ephemeris argument).
    pub fn days_tt(&self, t_s: f64) -> f64 {
        self.epoch_days_tt + t_s / crate::constants::SECONDS_PER_DAY
    }

    /// Mean elements at the epoch.
    pub fn elements(&self) -> &KeplerianElements {
        &self.elements
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
        let e = &self.elements;
        KeplerianElements {
            raan_rad: (e.raan_rad + self.rates.raan_rad_s * t_s).rem_euclid(TAU),
            arg_perigee_rad: (e.arg_perigee_rad + self.rates.arg_perigee_rad_s * t_s)
                .rem_euclid(TAU),
            mean_anomaly_rad: (e.mean_anomaly_rad + self.rates.mean_anomaly_rad_s * t_s)
                .rem_euclid(TAU),
            ..*e
        }
    }

    /// Keplerian (anomalistic, two-body) period `2π √(a³/μ)` in s.
    pub fn period_s(&self) -> f64 {
        TAU / self.mean_motion_rad_s
    }

    /// Nodal (draconitic) period `2π / (ω̇ + Ṁ)` in s: node to node, what eclipses repeat with.
    pub fn nodal_period_s(&self) -> f64 {
        TAU / (self.rates.arg_perigee_rad_s + self.rates.mean_anomaly_rad_s)
    }

    /// Perigee altitude above the equatorial radius, km.
    pub fn perigee_altitude_km(&self) -> f64 {
        self.elements.semi_major_axis_km * (1.0 - self.elements.eccentricity) - EARTH_RADIUS_KM
    }

    /// Apogee altitude above the equatorial radius, km.
    pub fn apogee_altitude_km(&self) -> f64 {
        self.elements.semi_major_axis_km * (1.0 + self.elements.eccentricity) - EARTH_RADIUS_KM
    }

    /// Position in km (J2000 axes) at `t_s` seconds after the epoch.
    pub fn position_km(&self, t_s: f64) -> Vector3<f64> {
        self.state(t_s).position_km
    }

    /// Position and velocity at `t_s`: Kepler's equation `E − e sin E = M` solved by Newton,
    /// perifocal coordinates rotated by `R3(−Ω) R1(−i) R3(−ω)` (Vallado 4th ed. Algorithm 10).
    /// The velocity is the exact time derivative of this model position, including the drift
    /// of Ω and ω: `v = (Ṁ/n) R v_pf + Ω̇ ẑ × r + ω̇ ĥ × r`.
    pub fn state(&self, t_s: f64) -> OrbitState {
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

    /// Unit orbit normal `ĥ = (sin Ω sin i, −cos Ω sin i, cos i)` at `t_s`.
    pub fn orbit_normal(&self, t_s: f64) -> Vector3<f64> {
        let raan = self.elements.raan_rad + self.rates.raan_rad_s * t_s;
        let i = self.elements.inclination_rad;
        Vector3::new(raan.sin() * i.sin(), -raan.cos() * i.sin(), i.cos())
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
