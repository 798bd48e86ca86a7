//! Orbital geometry: epochs, sun ephemeris, orbits with J2 drift, eclipses, beta angle, attitude.
//!
//! **Frame.** Every vector is Earth-centred in the mean equator and equinox of J2000 (the
//! EME2000 axes, which agree with GCRF to 0.02″ — far inside the 0.01° accuracy of the solar
//! ephemeris). The Sun's apparent direction of date is precessed to these axes. Orbit
//! elements, RAAN and inclination are measured in them.
//!
//! **Time.** An [`Epoch`] is a UTC instant; every time argument `t_s` is SI seconds after the
//! orbit's epoch.
//!
//! ```
//! use thermorbit::orbit::{Epoch, LocalTime, Orbit, Propagation, ShadowModel};
//! let epoch = Epoch::parse_iso8601("2027-03-20T12:00:00Z").unwrap();
//! let ltan = LocalTime::parse("06:00").unwrap();
//! let orbit = Orbit::sun_synchronous(epoch, 550.0, ltan, Propagation::J2Secular).unwrap();
//! assert!((orbit.elements().inclination_rad.to_degrees() - 97.59).abs() < 0.01);
//! // A dawn–dusk orbit near the equinox sees the Sun almost edge-on to its plane.
//! assert!(orbit.beta_angle_rad(0.0).to_degrees().abs() > 60.0);
//! let eclipses = orbit.eclipses(ShadowModel::Conical, 0.0, 86_400.0);
//! assert!(eclipses.is_empty());
//! ```

pub(crate) mod attitude;
pub(crate) mod eclipse;
pub(crate) mod epoch;
pub(crate) mod kepler;
pub(crate) mod sun;

use nalgebra::Vector3;

pub use attitude::{Attitude, PointingContext, Target};
pub use eclipse::{conical_lit_fraction, find_eclipses, Eclipse, ShadowFunctions, ShadowModel};
pub use epoch::{Epoch, LocalTime};
pub use kepler::{
    j2_secular_rates, j2_short_period_near_circular, mean_to_osculating, osculating_to_mean,
    sun_synchronous_inclination_rad, two_body_state, ElementKind, KeplerianElements,
    NearCircularElements, Orbit, OrbitState, Propagation, SecularRates, MAX_ALTITUDE_KM,
    MIN_ALTITUDE_KM, NEAR_CIRCULAR_MAX_ECCENTRICITY,
};
pub use sun::{mean_sun_right_ascension_j2000, sun_position, SunPosition};

use crate::constants::AU_KM;

/// Orbit and Sun at one instant.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GeometrySample {
    /// Seconds after the epoch.
    pub t_s: f64,
    /// Satellite position and velocity, km and km/s.
    pub state: OrbitState,
    /// The Sun seen from the Earth's centre.
    pub sun: SunPosition,
    /// Unit vector from the satellite to the Sun.
    pub sun_from_satellite: Vector3<f64>,
    /// Satellite–Sun distance in AU.
    pub sun_distance_from_satellite_au: f64,
    /// Visible fraction of the solar disk (0 umbra … 1 full Sun).
    pub lit_fraction: f64,
    /// Beta angle (Sun elevation above the orbit plane), rad.
    pub beta_rad: f64,
}

impl GeometrySample {
    /// The pointing context attitude laws need.
    pub fn pointing(&self) -> PointingContext {
        PointingContext {
            position: self.state.position_km,
            velocity: self.state.velocity_km_s,
            sun: self.sun_from_satellite,
        }
    }
}

/// Beta angle `β = asin(ĥ · ŝ)`: the Sun's elevation above the orbit plane, positive on the
/// side of the orbit normal ĥ (Gilmore, *Spacecraft Thermal Control Handbook*, Vol. 1, §2).
pub fn beta_angle_rad(orbit_normal: &Vector3<f64>, sun_direction: &Vector3<f64>) -> f64 {
    orbit_normal.dot(sun_direction).clamp(-1.0, 1.0).asin()
}

/// Eclipse fraction of a circular orbit in a cylindrical shadow:
/// `f = (1/π) acos(√(h² + 2Rh) / ((R + h) cos β))` for `|β| < asin(R/(R + h))`, else 0
/// (Gilmore Vol. 1, eq. 2.5; `h` altitude, `R` Earth radius, km).
pub fn cylindrical_eclipse_fraction(altitude_km: f64, beta_rad: f64) -> f64 {
    let r_e = crate::constants::EARTH_RADIUS_KM;
    let h = altitude_km;
    let beta_star = (r_e / (r_e + h)).asin();
    if beta_rad.abs() >= beta_star {
        return 0.0;
    }
    ((h * h + 2.0 * r_e * h).sqrt() / ((r_e + h) * beta_rad.cos())).acos() / std::f64::consts::PI
}

impl Orbit {
    /// The Sun at `t_s` seconds after the epoch ([`sun::sun_position`]).
    pub fn sun_at(&self, t_s: f64) -> SunPosition {
        sun::sun_position(self.days_tt(t_s))
    }

    /// Beta angle at `t_s`, rad ([`beta_angle_rad`] with the Earth–Sun direction and
    /// [`Orbit::orbit_normal`]).
    pub fn beta_angle_rad(&self, t_s: f64) -> f64 {
        beta_angle_rad(&self.orbit_normal(t_s), &self.sun_at(t_s).direction)
    }

    /// Satellite and Sun positions (Earth-centred km) at `t_s`.
    pub fn satellite_and_sun_km(&self, t_s: f64) -> (Vector3<f64>, Vector3<f64>) {
        (self.position_km(t_s), self.sun_at(t_s).position_km())
    }

    /// Everything geometric at `t_s`: state, Sun, lit fraction with `shadow`, beta angle.
    pub fn sample(&self, t_s: f64, shadow: ShadowModel) -> GeometrySample {
        self.sample_with_sun(t_s, shadow, self.sun_at(t_s)).0
    }

    /// [`Orbit::sample`] with the Sun supplied (e.g. from `sun::sun_position_with`), also
    /// returning the shadow functions.
    pub fn sample_with_sun(
        &self,
        t_s: f64,
        shadow: ShadowModel,
        sun: SunPosition,
    ) -> (GeometrySample, ShadowFunctions) {
        let state = self.state(t_s);
        let r_sun = sun.position_km();
        let to_sun = r_sun - state.position_km;
        let d = to_sun.norm();
        // The orbit plane: osculating (r × v) with short-period terms, else the mean plane
        // (r × v of the mean model carries the node drift Ω̇ ẑ × r, ~0.01° off it).
        let normal = if self.has_short_period_terms() {
            let h = state.position_km.cross(&state.velocity_km_s);
            h / h.norm()
        } else {
            self.orbit_normal(t_s)
        };
        let (lit_fraction, functions) = shadow.evaluate(&state.position_km, &r_sun);
        (
            GeometrySample {
                t_s,
                state,
                sun,
                sun_from_satellite: to_sun / d,
                sun_distance_from_satellite_au: d / AU_KM,
                lit_fraction,
                beta_rad: beta_angle_rad(&normal, &sun.direction),
            },
            functions,
        )
    }

    /// Step at which shadow functions are sampled before root finding: 1/400 of the period,
    /// between 1 s and 120 s.
    pub fn eclipse_scan_step_s(&self) -> f64 {
        (self.period_s() / 400.0).clamp(1.0, 120.0)
    }

    /// An upper bound on the rate of change of the shadow functions: twice the perigee angular
    /// rate `v_p/r_p` (rad/s) for the conical model — the Earth's centre moves across the
    /// satellite's sky at most that fast, the disk radii far slower — and 1.5 `v_p` (km/s) for
    /// the cylindrical one.
    pub fn shadow_rate_bound(&self, model: ShadowModel) -> f64 {
        let el = self.elements();
        let e = el.eccentricity;
        let rp = el.semi_major_axis_km * (1.0 - e);
        let vp = (crate::constants::EARTH_MU_KM3_S2 * (1.0 + e) / rp).sqrt();
        match model {
            ShadowModel::Conical => 2.0 * vp / rp,
            ShadowModel::Cylindrical => 1.5 * vp,
        }
    }

    /// Every eclipse overlapping `[t0_s, t1_s]`, boundaries root-found to 1 ms; passes that
    /// straddle the ends are completed outside the span.
    pub fn eclipses(&self, model: ShadowModel, t0_s: f64, t1_s: f64) -> Vec<Eclipse> {
        let geom = |t: f64| self.satellite_and_sun_km(t);
        eclipse::find_eclipses(
            &geom,
            model,
            t0_s,
            t1_s,
            self.eclipse_scan_step_s(),
            self.period_s(),
            self.shadow_rate_bound(model),
        )
    }
}
