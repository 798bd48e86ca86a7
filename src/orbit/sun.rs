//! Low-precision solar ephemeris, precession to J2000 axes, and sidereal time.
//!
//! The Sun's apparent direction comes from the Astronomical Almanac's low-precision formula
//! (The Astronomical Almanac, section C, "Low precision formulas for the Sun": 0.01° for
//! 1950–2050), which is referred to the mean equator and equinox *of date*. It is rotated to
//! the mean equator and equinox of J2000 — the inertial frame of thermorbit — with the IAU 1976
//! precession angles (Lieske et al. 1977; Meeus, *Astronomical Algorithms*, 2nd ed., eq. 21.3;
//! Vallado, *Fundamentals of Astrodynamics and Applications*, 4th ed., eq. 3-88).

use nalgebra::{Matrix3, Vector3};

use crate::constants::AU_KM;

const DEG: f64 = std::f64::consts::PI / 180.0;
const ARCSEC: f64 = DEG / 3600.0;

/// The Sun as seen from the Earth's centre.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SunPosition {
    /// Unit vector from the Earth's centre to the Sun, J2000 axes.
    pub direction: Vector3<f64>,
    /// Earth–Sun distance in AU.
    pub distance_au: f64,
}

impl SunPosition {
    /// Earth-centred position of the Sun in km, J2000 axes.
    pub fn position_km(&self) -> Vector3<f64> {
        self.direction * (self.distance_au * AU_KM)
    }
}

/// Apparent Sun of date from the Astronomical Almanac's low-precision formula:
/// `L = 280.460° + 0.9856474° n`, `g = 357.528° + 0.9856003° n`,
/// `λ = L + 1.915° sin g + 0.020° sin 2g`, `ε = 23.439° − 0.0000004° n`,
/// `R = 1.00014 − 0.01671 cos g − 0.00014 cos 2g` AU, with `n` days of TT from J2000.0.
///
/// Returns the unit vector in the mean equator and equinox of date and the distance in AU.
/// Source: The Astronomical Almanac, section C (page C5 in the 2020s editions); the same
/// formula is Vallado 4th ed. Algorithm 29.
pub fn sun_of_date(days_tt: f64) -> (Vector3<f64>, f64) {
    let n = days_tt;
    let l = (280.460 + 0.985_647_4 * n) * DEG;
    let g = (357.528 + 0.985_600_3 * n) * DEG;
    let (sg, cg) = g.sin_cos();
    let (s2g, c2g) = (2.0 * sg * cg, cg * cg - sg * sg);
    let lambda = l + (1.915 * sg + 0.020 * s2g) * DEG;
    let eps = (23.439 - 0.000_000_4 * n) * DEG;
    let r_au = 1.000_14 - 0.016_71 * cg - 0.000_14 * c2g;
    let (sl, cl) = lambda.sin_cos();
    let (se, ce) = eps.sin_cos();
    (Vector3::new(cl, ce * sl, se * sl), r_au)
}

/// Sun position in J2000 axes at `days_tt` days of TT from J2000.0: `sun_of_date` rotated
/// by the transpose of `precession_matrix`.
pub fn sun_position(days_tt: f64) -> SunPosition {
    sun_position_with(days_tt, &precession_matrix(days_tt).transpose())
}

/// [`sun_position`] with a precomputed date-to-J2000 rotation `p_t` (the transpose of
/// `precession_matrix`); precession moves 0.14″ a day, so one matrix serves a few days
/// of steps to 1e-4° — far inside the formula's 0.01°.
pub fn sun_position_with(days_tt: f64, p_t: &Matrix3<f64>) -> SunPosition {
    let (dir_date, r_au) = sun_of_date(days_tt);
    let d = p_t * dir_date;
    SunPosition {
        direction: d / d.norm(),
        distance_au: r_au,
    }
}

/// Precession matrix `P` taking J2000 mean-equator vectors to mean equator and equinox of
/// date: `P = R3(−z) R2(θ) R3(−ζ)`, with the IAU 1976 angles
/// `ζ = 2306.2181″T + 0.30188″T² + 0.017998″T³`, `z = 2306.2181″T + 1.09468″T² + 0.018203″T³`,
/// `θ = 2004.3109″T − 0.42665″T² − 0.041833″T³` (T Julian centuries of TT from J2000;
/// Meeus eq. 21.3, Vallado eq. 3-88).
pub fn precession_matrix(days_tt: f64) -> Matrix3<f64> {
    let t = days_tt / 36_525.0;
    let zeta = (2306.2181 + (0.30188 + 0.017998 * t) * t) * t * ARCSEC;
    let z = (2306.2181 + (1.09468 + 0.018203 * t) * t) * t * ARCSEC;
    let theta = (2004.3109 - (0.42665 + 0.041833 * t) * t) * t * ARCSEC;
    rot3(-z) * rot2(theta) * rot3(-zeta)
}

/// Frame rotation about z by `a` (Vallado's ROT3).
fn rot3(a: f64) -> Matrix3<f64> {
    let (s, c) = a.sin_cos();
    Matrix3::new(c, s, 0.0, -s, c, 0.0, 0.0, 0.0, 1.0)
}

/// Frame rotation about y by `a` (Vallado's ROT2).
fn rot2(a: f64) -> Matrix3<f64> {
    let (s, c) = a.sin_cos();
    Matrix3::new(c, 0.0, -s, 0.0, 1.0, 0.0, s, 0.0, c)
}

/// Greenwich mean sidereal time in radians, in [0, 2π), from the IAU 1982 expression
/// `θ = 280.46061837° + 360.98564736629° d + 0.000387933° T² − T³/38710000°`
/// (d days of UT1 from J2000.0, T = d/36525; Meeus eq. 12.4, Vallado eq. 3-47).
pub fn gmst_rad(days_ut1: f64) -> f64 {
    let t = days_ut1 / 36_525.0;
    let deg = 280.460_618_37 + 360.985_647_366_29 * days_ut1 + 0.000_387_933 * t * t
        - t * t * t / 38_710_000.0;
    (deg * DEG).rem_euclid(std::f64::consts::TAU)
}

/// Right ascension of the mean Sun in J2000 axes, radians in [0, 2π): the mean longitude
/// `L = 280.46061837° + 0.98564736629° d` (= GMST − hour angle of the mean Sun at Greenwich;
/// Meeus eq. 12.4, ch. 28) on the equator of date, rotated to J2000 axes. Local mean solar
/// time at right ascension α is `12 h + (α − α_mean_sun)/15°`.
pub fn mean_sun_right_ascension_j2000(days_tt: f64) -> f64 {
    let l = (280.460_618_37 + 0.985_647_366_29 * days_tt) * DEG;
    let v_date = Vector3::new(l.cos(), l.sin(), 0.0);
    let v = precession_matrix(days_tt).transpose() * v_date;
    v.y.atan2(v.x).rem_euclid(std::f64::consts::TAU)
}

/// Right ascension and declination (radians) of a unit vector.
pub fn right_ascension_declination(v: &Vector3<f64>) -> (f64, f64) {
    let ra = v.y.atan2(v.x).rem_euclid(std::f64::consts::TAU);
    let dec = (v.z / v.norm()).clamp(-1.0, 1.0).asin();
    (ra, dec)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Meeus, Astronomical Algorithms, 2nd ed., Example 21.b: θ Persei precessed rigorously
    /// from J2000.0 (α₀ = 41.054063°, δ₀ = 49.227750° with proper motion applied) to
    /// JDE 2462088.69 gives α = 41.547214°, δ = 49.348483°.
    #[test]
    fn val_precession_meeus_21b() {
        let (a0, d0) = (41.054_063 * DEG, 49.227_750 * DEG);
        let v0 = Vector3::new(d0.cos() * a0.cos(), d0.cos() * a0.sin(), d0.sin());
        let v = precession_matrix(2_462_088.69 - 2_451_545.0) * v0;
        let (a, d) = right_ascension_declination(&v);
        assert!((a / DEG - 41.547_214).abs() < 2e-6, "α = {}", a / DEG);
        assert!((d / DEG - 49.348_483).abs() < 2e-6, "δ = {}", d / DEG);
    }

    #[test]
    fn precession_is_a_rotation_and_identity_at_j2000() {
        let p = precession_matrix(10_000.0);
        assert!((p * p.transpose() - Matrix3::identity()).norm() < 1e-14);
        assert!((precession_matrix(0.0) - Matrix3::identity()).norm() < 1e-15);
    }
}
