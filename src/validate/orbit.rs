//! Validation runners for orbital geometry (`orb-*` cases).
//!
//! References are computed here from closed forms written independently of the library
//! (shadow-cone geometry, the cylindrical eclipse fraction, the sun-synchronous condition) or
//! by an independent method (numerical integration of the J2 equations of motion); published
//! almanac values come in the case's parameters with their page.

use nalgebra::Vector3;

use super::{Measurement, RunContext, Runner, ValidationCase};
use crate::constants::{
    AU_KM, EARTH_J2, EARTH_MU_KM3_S2, EARTH_RADIUS_KM, SOLAR_RADIUS_KM, SUN_MEAN_MOTION_RAD_S,
};
use crate::error::{Error, OrbitError};
use crate::orbit::eclipse::find_eclipses;
use crate::orbit::kepler::{mean_to_osculating, two_body_state};
use crate::orbit::sun::{right_ascension_declination, sun_of_date, sun_position};
use crate::orbit::{
    Eclipse, ElementKind, Epoch, KeplerianElements, LocalTime, Orbit, Propagation, ShadowModel,
};

/// Runners by name.
pub(super) const RUNNERS: &[(&str, Runner)] = &[
    ("cylindrical_eclipse_fraction", cylindrical_eclipse_fraction),
    ("conical_eclipse_beta0", conical_eclipse_beta0),
    ("geo_equinox_eclipse", geo_equinox_eclipse),
    ("sun_synchronous", sun_synchronous),
    ("sun_almanac", sun_almanac),
    ("osculating_j2_cowell", osculating_j2_cowell),
];

const DEG: f64 = std::f64::consts::PI / 180.0;

fn epoch_param(case: &ValidationCase, key: &str) -> Result<Epoch, Error> {
    Ok(Epoch::parse_iso8601(case.str_param(key)?)?)
}

/// A two-body circular orbit whose plane makes angle β with the Sun direction `s`.
fn orbit_at_beta(
    epoch: Epoch,
    altitude_km: f64,
    beta_rad: f64,
    s: &Vector3<f64>,
) -> Result<Orbit, OrbitError> {
    let mut p = s.cross(&Vector3::z());
    if p.norm() < 1e-9 {
        p = s.cross(&Vector3::x());
    }
    let p = p / p.norm();
    let h = p * beta_rad.cos() + s * beta_rad.sin();
    let inc = h.z.clamp(-1.0, 1.0).acos();
    let raan = h.x.atan2(-h.y);
    Orbit::new(
        epoch,
        KeplerianElements {
            semi_major_axis_km: EARTH_RADIUS_KM + altitude_km,
            eccentricity: 0.0,
            inclination_rad: inc,
            raan_rad: raan.rem_euclid(std::f64::consts::TAU),
            arg_perigee_rad: 0.0,
            mean_anomaly_rad: 0.0,
        },
        Propagation::TwoBody,
    )
}

/// Eclipses of `orbit` over two periods with the Sun frozen at its epoch position (the premise
/// of the closed forms), the first complete one.
fn first_frozen_sun_eclipse(orbit: &Orbit, model: ShadowModel) -> Option<crate::orbit::Eclipse> {
    let sun = orbit.sun_at(0.0).position_km();
    let geom = |t: f64| (orbit.position_km(t), sun);
    let p = orbit.period_s();
    find_eclipses(
        &geom,
        model,
        0.0,
        2.0 * p,
        orbit.eclipse_scan_step_s(),
        p,
        orbit.shadow_rate_bound(model),
    )
    .into_iter()
    .find(|e| e.penumbra_entry_s > 0.0)
}

/// Cylindrical-shadow eclipse fraction of circular orbits at several altitudes and beta
/// angles against `f = (1/π) acos(√(h² + 2Rh) / ((R + h) cos β))` (Gilmore, *Spacecraft
/// Thermal Control Handbook*, Vol. 1, eq. 2.5).
fn cylindrical_eclipse_fraction(
    case: &ValidationCase,
    _ctx: &RunContext,
) -> Result<Vec<Measurement>, Error> {
    let epoch = epoch_param(case, "epoch")?;
    let mut out = Vec::new();
    for h in case.f64_list_param("altitudes_km")? {
        for beta_deg in case.f64_list_param("betas_deg")? {
            let s = sun_position(epoch.days_since_j2000_tt()).direction;
            let orbit = orbit_at_beta(epoch, h, beta_deg * DEG, &s)?;
            let computed = first_frozen_sun_eclipse(&orbit, ShadowModel::Cylindrical)
                .map(|e| e.duration_s() / orbit.period_s())
                .unwrap_or(0.0);
            let r = EARTH_RADIUS_KM;
            let beta = beta_deg * DEG;
            let reference = if beta.abs() < (r / (r + h)).asin() {
                ((h * h + 2.0 * r * h).sqrt() / ((r + h) * beta.cos())).acos()
                    / std::f64::consts::PI
            } else {
                0.0
            };
            out.push(Measurement::new(
                format!("eclipse fraction h={h} km beta={beta_deg} deg"),
                computed,
                reference,
            ));
        }
    }
    Ok(out)
}

/// Half-angles (rad, measured at the Earth's centre from the anti-Sun axis) at which a
/// satellite at radius `r` in the plane of the Sun enters the umbral and penumbral cones:
/// the umbral cone has its vertex behind the Earth with `sin α_u = (R☉ − R)/D`, the
/// penumbral cone in front with `sin α_p = (R☉ + R)/D`; intersecting each with the circle of
/// radius r gives `r sin(θ ± α) = R`, i.e. `θ_u = asin(R/r) − α_u`, `θ_p = asin(R/r) + α_p`
/// (the geometry of Montenbruck & Gill, *Satellite Orbits*, §3.4.2, Fig. 3.9).
fn shadow_cone_half_angles(r_km: f64, sun_distance_km: f64) -> (f64, f64) {
    let alpha_u = ((SOLAR_RADIUS_KM - EARTH_RADIUS_KM) / sun_distance_km).asin();
    let alpha_p = ((SOLAR_RADIUS_KM + EARTH_RADIUS_KM) / sun_distance_km).asin();
    let b = (EARTH_RADIUS_KM / r_km).asin();
    (b - alpha_u, b + alpha_p)
}

/// Conical shadow at β = 0 for a circular orbit: umbra and penumbra durations against the
/// shadow-cone closed form, Sun frozen, two-body.
fn conical_eclipse_beta0(
    case: &ValidationCase,
    _ctx: &RunContext,
) -> Result<Vec<Measurement>, Error> {
    let epoch = epoch_param(case, "epoch")?;
    let h = case.f64_param("altitude_km")?;
    let sun = sun_position(epoch.days_since_j2000_tt());
    let orbit = orbit_at_beta(epoch, h, 0.0, &sun.direction)?;
    let e =
        first_frozen_sun_eclipse(&orbit, ShadowModel::Conical).ok_or(OrbitError::OutOfRange {
            quantity: "altitude_km (no eclipse found at beta 0)",
            value: h,
            allowed: "an orbit that is eclipsed",
        })?;
    let n = 2.0 * std::f64::consts::PI / orbit.period_s();
    // The satellite's distance from the Sun differs from the Earth's by up to r; the cone
    // vertex geometry uses the Earth–Sun distance D.
    let (th_u, th_p) = shadow_cone_half_angles(EARTH_RADIUS_KM + h, sun.distance_au * AU_KM);
    let cyl = orbit_at_beta(epoch, h, 0.0, &sun.direction)
        .ok()
        .and_then(|o| first_frozen_sun_eclipse(&o, ShadowModel::Cylindrical))
        .map(|c| c.duration_s())
        .unwrap_or(0.0);
    let b = (EARTH_RADIUS_KM / (EARTH_RADIUS_KM + h)).asin();
    Ok(vec![
        Measurement::new("umbra duration (s)", e.umbra_duration_s(), 2.0 * th_u / n),
        Measurement::new("penumbra entry to exit (s)", e.duration_s(), 2.0 * th_p / n),
        Measurement::new(
            "penumbra phase at entry (s)",
            e.umbra_entry_s.unwrap_or(f64::NAN) - e.penumbra_entry_s,
            (th_p - th_u) / n,
        ),
        Measurement::new("cylindrical shadow duration (s)", cyl, 2.0 * b / n),
        Measurement::new(
            "shadow minutes vs published ISS-class value (min)",
            e.duration_s() / 60.0,
            case.f64_param("published_shadow_min")?,
        ),
    ])
}

/// The longest eclipse of a geostationary satellite near an equinox (moving Sun, J2 orbit)
/// against the cone closed form at the eclipse's own β, Sun distance and relative angular
/// rate, and against the published ≈72 min maximum.
fn geo_equinox_eclipse(
    case: &ValidationCase,
    _ctx: &RunContext,
) -> Result<Vec<Measurement>, Error> {
    let epoch = epoch_param(case, "epoch")?;
    let days = case.f64_param("search_days")?;
    let lon = case.f64_param("longitude_deg")?;
    let orbit = Orbit::geostationary(epoch, lon, Propagation::J2Secular)?;
    let span = days * 86_400.0;
    let all = orbit.eclipses(ShadowModel::Conical, -0.5 * span, 0.5 * span);
    let longest = all
        .iter()
        .copied()
        .max_by(|a, b| a.duration_s().total_cmp(&b.duration_s()))
        .ok_or(OrbitError::OutOfRange {
            quantity: "search_days (no GEO eclipse found)",
            value: days,
            allowed: "a span around an equinox",
        })?;
    let tm = 0.5 * (longest.penumbra_entry_s + longest.penumbra_exit_s);
    let r = orbit.position_km(tm).norm();
    let sun = orbit.sun_at(tm);
    let beta = orbit.beta_angle_rad(tm);
    // Relative angular rate: the satellite's rate in its plane minus the rate of the Sun's
    // projection onto that plane (finite difference of the Sun's direction, ±600 s).
    let hvec = orbit.orbit_normal(tm);
    let proj = |t: f64| {
        let s = orbit.sun_at(t).direction;
        let p = s - hvec * s.dot(&hvec);
        p / p.norm()
    };
    let (p0, p1) = (proj(tm - 600.0), proj(tm + 600.0));
    let sun_rate = p0.cross(&p1).dot(&hvec).atan2(p0.dot(&p1)) / 1200.0;
    let rates = orbit.rates();
    let sat_rate = rates.raan_rad_s * orbit.elements().inclination_rad.cos()
        + rates.arg_perigee_rad_s
        + rates.mean_anomaly_rad_s;
    let w = sat_rate - sun_rate;
    let (th_u, th_p) = shadow_cone_half_angles(r, sun.distance_au * AU_KM);
    let half = |th0: f64| (th0.cos() / beta.cos()).clamp(-1.0, 1.0).acos();
    Ok(vec![
        Measurement::new(
            "longest eclipse, penumbra entry to exit (s)",
            longest.duration_s(),
            2.0 * half(th_p) / w,
        ),
        Measurement::new(
            "longest eclipse, umbra (s)",
            longest.umbra_duration_s(),
            2.0 * half(th_u) / w,
        ),
        Measurement::new(
            "longest eclipse vs published maximum (min)",
            longest.duration_s() / 60.0,
            case.f64_param("published_max_min")?,
        ),
        Measurement::new("beta at the longest eclipse (deg)", beta.abs() / DEG, 0.0),
    ])
}

/// Sun-synchronous inclinations against `cos i = −(2/3) ω☉ a^{7/2} / (J2 R² √μ)` (Vallado,
/// 4th ed., eq. 11-14), and the node drift of a sun-synchronous orbit measured by integrating
/// the J2 equations of motion (Cowell, RK4) against ω☉ = 360°/365.2422 d.
fn sun_synchronous(case: &ValidationCase, _ctx: &RunContext) -> Result<Vec<Measurement>, Error> {
    let epoch = epoch_param(case, "epoch")?;
    let ltan = LocalTime::parse(case.str_param("ltan")?)?;
    let mut out = Vec::new();
    for h in case.f64_list_param("altitudes_km")? {
        let o = Orbit::sun_synchronous(epoch, h, ltan, Propagation::J2Secular)?;
        let a = EARTH_RADIUS_KM + h;
        let cos_i = -(2.0 / 3.0) * SUN_MEAN_MOTION_RAD_S * a.powf(3.5)
            / (EARTH_J2 * EARTH_RADIUS_KM * EARTH_RADIUS_KM * EARTH_MU_KM3_S2.sqrt());
        out.push(Measurement::new(
            format!("inclination at {h} km (deg)"),
            o.elements().inclination_rad / DEG,
            cos_i.acos() / DEG,
        ));
    }
    for h in case.f64_list_param("published_altitudes_km")? {
        let o = Orbit::sun_synchronous(epoch, h, ltan, Propagation::J2Secular)?;
        out.push(Measurement::new(
            format!("inclination at {h} km vs published (deg)"),
            o.elements().inclination_rad / DEG,
            case.f64_param(&format!("published_inclination_{h}_km_deg"))?,
        ));
    }
    let h = case.f64_param("cowell_altitude_km")?;
    let days = case.f64_param("cowell_days")?;
    // The mean sun-synchronous orbit, started from its osculating state (mean elements plus
    // the first-order short-period terms), so the integration sees the mean node rate.
    let o = Orbit::sun_synchronous(epoch, h, ltan, Propagation::J2Secular)?
        .with_element_kind(ElementKind::Mean);
    let s0 = two_body_state(&mean_to_osculating(o.mean_elements()));
    let dt = 5.0;
    let period = o.period_s();
    let steps_per_orbit = (period / dt).round() as usize;
    let traj = CowellTrajectory::integrate(s0.position_km, s0.velocity_km_s, dt, days * 86_400.0);
    let mut nodes: Vec<f64> = traj
        .states
        .iter()
        .map(|(r, v)| {
            let hv = r.cross(v);
            hv.x.atan2(-hv.y)
        })
        .collect();
    // Unwrap, then average over the first and the last whole orbit to remove the
    // twice-per-orbit short-period oscillation.
    for k in 1..nodes.len() {
        let d = nodes[k] - nodes[k - 1];
        nodes[k] -= (d / std::f64::consts::TAU).round() * std::f64::consts::TAU;
    }
    let mean =
        |a: usize| nodes[a..a + steps_per_orbit].iter().sum::<f64>() / steps_per_orbit as f64;
    let last = nodes.len() - steps_per_orbit;
    let rate = (mean(last) - mean(0)) / (last as f64 * dt);
    out.push(Measurement::new(
        format!("node drift by J2 integration at {h} km (deg/day)"),
        rate / DEG * 86_400.0,
        SUN_MEAN_MOTION_RAD_S / DEG * 86_400.0,
    ));
    Ok(out)
}

/// A Cowell integration of point mass + J2 ([`j2_acceleration`]) by classical RK4 at a fixed
/// step, every state kept; positions between steps by cubic Hermite interpolation (error
/// `~ a (n Δt)⁴ / 384`, below a micrometre at 5 s in LEO).
struct CowellTrajectory {
    dt_s: f64,
    states: Vec<State>,
}

/// Position (km) and velocity (km/s).
type State = (Vector3<f64>, Vector3<f64>);

impl CowellTrajectory {
    fn integrate(r0: Vector3<f64>, v0: Vector3<f64>, dt_s: f64, t_end_s: f64) -> Self {
        let n = (t_end_s / dt_s).ceil() as usize;
        let mut states = Vec::with_capacity(n + 1);
        let (mut r, mut v) = (r0, v0);
        states.push((r, v));
        let h = dt_s;
        for _ in 0..n {
            let (k1r, k1v) = (v, j2_acceleration(&r));
            let (k2r, k2v) = (v + k1v * (h / 2.0), j2_acceleration(&(r + k1r * (h / 2.0))));
            let (k3r, k3v) = (v + k2v * (h / 2.0), j2_acceleration(&(r + k2r * (h / 2.0))));
            let (k4r, k4v) = (v + k3v * h, j2_acceleration(&(r + k3r * h)));
            r += (k1r + k2r * 2.0 + k3r * 2.0 + k4r) * (h / 6.0);
            v += (k1v + k2v * 2.0 + k3v * 2.0 + k4v) * (h / 6.0);
            states.push((r, v));
        }
        Self { dt_s, states }
    }

    /// The step holding `t_s` (clamped to the integrated span): its end states and the
    /// fraction `s ∈ [0, 1]` of the step.
    fn segment(&self, t_s: f64) -> (State, State, f64) {
        let last = self.states.len() - 1;
        let x = (t_s / self.dt_s).clamp(0.0, last as f64);
        let k = (x.floor() as usize).min(last.saturating_sub(1));
        (self.states[k], self.states[(k + 1).min(last)], x - k as f64)
    }

    /// Position at `t_s` (clamped to the integrated span).
    fn position_km(&self, t_s: f64) -> Vector3<f64> {
        let ((r0, v0), (r1, v1), s) = self.segment(t_s);
        let (s2, s3) = (s * s, s * s * s);
        r0 * (2.0 * s3 - 3.0 * s2 + 1.0)
            + v0 * (self.dt_s * (s3 - 2.0 * s2 + s))
            + r1 * (-2.0 * s3 + 3.0 * s2)
            + v1 * (self.dt_s * (s3 - s2))
    }

    /// Velocity at `t_s` (derivative of the Hermite interpolant).
    fn velocity_km_s(&self, t_s: f64) -> Vector3<f64> {
        let ((r0, v0), (r1, v1), s) = self.segment(t_s);
        let s2 = s * s;
        (r0 * (6.0 * s2 - 6.0 * s) + r1 * (6.0 * s - 6.0 * s2)) / self.dt_s
            + v0 * (3.0 * s2 - 4.0 * s + 1.0)
            + v1 * (3.0 * s2 - 2.0 * s)
    }
}

/// Complete eclipses inside `(0, span)`.
fn inner_eclipses(all: Vec<Eclipse>, span_s: f64) -> Vec<Eclipse> {
    all.into_iter()
        .filter(|e| e.penumbra_entry_s > 0.0 && e.penumbra_exit_s < span_s)
        .collect()
}

/// Largest difference (s) between matching boundaries of two eclipse lists (matched by order;
/// NaN when the lists differ in length or in which passes reach the umbra).
fn eclipse_time_difference(a: &[Eclipse], b: &[Eclipse]) -> f64 {
    if a.len() != b.len() {
        return f64::NAN;
    }
    let mut worst = 0.0_f64;
    for (x, y) in a.iter().zip(b) {
        let umbra = match (
            x.umbra_entry_s,
            x.umbra_exit_s,
            y.umbra_entry_s,
            y.umbra_exit_s,
        ) {
            (Some(a0), Some(a1), Some(b0), Some(b1)) => (a0 - b0).abs().max((a1 - b1).abs()),
            (None, None, None, None) => 0.0,
            _ => f64::NAN,
        };
        worst = worst
            .max((x.penumbra_entry_s - y.penumbra_entry_s).abs())
            .max((x.penumbra_exit_s - y.penumbra_exit_s).abs())
            .max(umbra);
    }
    worst
}

/// Circular orbits read as osculating elements (the default) against a Cowell integration of
/// point mass + J2 from the circular state `r = R + h`, `v = √(μ/r)` at the ascending node,
/// built here from the case's altitude, inclination and RAAN: largest position difference,
/// its along-track equivalent in seconds of flight, and the largest difference of penumbra
/// and umbra entry/exit times (same Sun and conical shadow for both, so only the orbit
/// differs). The same elements read as mean elements are measured too: they drift by minutes
/// a day, the reason osculating is the default.
fn osculating_j2_cowell(
    case: &ValidationCase,
    _ctx: &RunContext,
) -> Result<Vec<Measurement>, Error> {
    let epoch = epoch_param(case, "epoch")?;
    let span = case.f64_param("days")? * 86_400.0;
    let alts = case.f64_list_param("altitudes_km")?;
    let incs = case.f64_list_param("inclinations_deg")?;
    let raans = case.f64_list_param("raans_deg")?;
    if incs.len() != alts.len() || raans.len() != alts.len() {
        return Err(crate::error::InputError::OutOfRange {
            file: case.file.clone(),
            key: "parameters.inclinations_deg".into(),
            value: format!("{} / {} / {} entries", alts.len(), incs.len(), raans.len()),
            allowed: "as many altitudes_km, inclinations_deg and raans_deg".into(),
        }
        .into());
    }
    let mut out = Vec::new();
    for ((&h, &inc), &raan) in alts.iter().zip(&incs).zip(&raans) {
        let o = Orbit::circular(epoch, h, inc, raan, Propagation::J2Secular)?;
        let (i, node) = (inc * DEG, raan * DEG);
        let r0 = EARTH_RADIUS_KM + h;
        let n_hat = Vector3::new(node.cos(), node.sin(), 0.0);
        let h_hat = Vector3::new(node.sin() * i.sin(), -node.cos() * i.sin(), i.cos());
        let traj = CowellTrajectory::integrate(
            n_hat * r0,
            h_hat.cross(&n_hat) * (EARTH_MU_KM3_S2 / r0).sqrt(),
            5.0,
            span,
        );
        let drift = |orbit: &Orbit| {
            let mut worst = (0.0_f64, 0.0_f64);
            let mut t = 0.0;
            while t <= span {
                let d = orbit.position_km(t) - traj.position_km(t);
                let v = traj.velocity_km_s(t);
                worst = (
                    worst.0.max(d.norm()),
                    worst.1.max(d.dot(&v).abs() / v.norm_squared()),
                );
                t += 30.0;
            }
            worst
        };
        let (pos, along) = drift(&o);
        let (_, along_mean) = drift(&o.clone().with_element_kind(ElementKind::Mean));
        let model = ShadowModel::Conical;
        let geom = |t: f64| (traj.position_km(t), o.sun_at(t).position_km());
        let reference = inner_eclipses(
            find_eclipses(
                &geom,
                model,
                0.0,
                span,
                o.eclipse_scan_step_s(),
                o.period_s(),
                o.shadow_rate_bound(model),
            ),
            span,
        );
        let ours = inner_eclipses(o.eclipses(model, 0.0, span), span);
        let tag = format!("h={h} km i={inc} deg");
        out.push(Measurement::new(
            format!("{tag}: position difference (km)"),
            pos,
            0.0,
        ));
        out.push(Measurement::new(
            format!("{tag}: along-track difference (s)"),
            along,
            0.0,
        ));
        out.push(Measurement::new(
            format!("{tag}: eclipse entry/exit difference (s)"),
            eclipse_time_difference(&ours, &reference),
            0.0,
        ));
        out.push(Measurement::new(
            format!("{tag}: eclipses compared"),
            reference.len() as f64,
            case.f64_param("min_eclipses")?,
        ));
        out.push(Measurement::new(
            format!("{tag}: along-track difference read as mean elements (s)"),
            along_mean,
            case.f64_param("min_mean_drift_s")?,
        ));
    }
    Ok(out)
}

/// Point-mass plus J2 acceleration, km/s² (Vallado 4th ed. eq. 8-30).
fn j2_acceleration(r: &Vector3<f64>) -> Vector3<f64> {
    let r2 = r.norm_squared();
    let rn = r2.sqrt();
    let mu = EARTH_MU_KM3_S2;
    let k = 1.5 * EARTH_J2 * mu * EARTH_RADIUS_KM * EARTH_RADIUS_KM / (r2 * r2 * rn);
    let z2 = 5.0 * r.z * r.z / r2;
    -r * (mu / (r2 * rn)) - Vector3::new(r.x * (1.0 - z2), r.y * (1.0 - z2), r.z * (3.0 - z2)) * k
}

/// Apparent Sun of date against published almanac values, and the J2000 direction against
/// the published mean-of-date vector rotated by the precession.
fn sun_almanac(case: &ValidationCase, _ctx: &RunContext) -> Result<Vec<Measurement>, Error> {
    let mut out = Vec::new();
    let mut k = 1;
    while let Ok(jde) = case.f64_param(&format!("jde_tt_{k}")) {
        let (v, r_au) = sun_of_date(jde - crate::constants::J2000_JD);
        let (ra, dec) = right_ascension_declination(&v);
        let ra_ref = case.f64_param(&format!("ra_deg_{k}"))?;
        let dec_ref = case.f64_param(&format!("dec_deg_{k}"))?;
        let (a0, d0) = (ra_ref * DEG, dec_ref * DEG);
        let v_ref = Vector3::new(d0.cos() * a0.cos(), d0.cos() * a0.sin(), d0.sin());
        out.push(Measurement::new(
            format!("#{k} angle to published apparent Sun of date (deg)"),
            v.angle(&v_ref) / DEG,
            0.0,
        ));
        out.push(Measurement::new(
            format!("#{k} declination of date (deg)"),
            dec / DEG,
            dec_ref,
        ));
        out.push(Measurement::new(
            format!("#{k} right ascension of date (deg)"),
            ra / DEG,
            ra_ref,
        ));
        out.push(Measurement::new(
            format!("#{k} Earth-Sun distance (AU)"),
            r_au,
            case.f64_param(&format!("distance_au_{k}"))?,
        ));
        k += 1;
    }
    if let Ok(jde) = case.f64_param("precession_jde_tt") {
        let ang = |a: f64, d: f64| {
            let (a, d) = (a * DEG, d * DEG);
            Vector3::new(d.cos() * a.cos(), d.cos() * a.sin(), d.sin())
        };
        let v0 = ang(
            case.f64_param("precession_ra0_deg")?,
            case.f64_param("precession_dec0_deg")?,
        );
        let v_ref = ang(
            case.f64_param("precession_ra_deg")?,
            case.f64_param("precession_dec_deg")?,
        );
        let v = crate::orbit::sun::precession_matrix(jde - crate::constants::J2000_JD) * v0;
        out.push(Measurement::new(
            "J2000 to date precession vs published (arcsec)",
            v.angle(&v_ref) / DEG * 3600.0,
            0.0,
        ));
    }
    if out.is_empty() {
        return Err(crate::error::InputError::OutOfRange {
            file: case.file.clone(),
            key: "parameters.jde_tt_1".into(),
            value: "(missing)".into(),
            allowed:
                "at least one published Sun position (jde_tt_1, ra_deg_1, dec_deg_1, distance_au_1)"
                    .into(),
        }
        .into());
    }
    Ok(out)
}
