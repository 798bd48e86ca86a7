//! Validation runners for environment fluxes (`env-*` cases).
//!
//! References: textbook closed forms (nadir and edge-on plate-to-sphere view factors, the
//! Lambert-sphere phase law) and an independent brute-force quadrature over the Earth's
//! visible cap, written here without the library's azimuthal closed forms.

use nalgebra::Vector3;

use super::{Measurement, RunContext, Runner, ValidationCase};
use crate::constants::{AU_KM, EARTH_RADIUS_KM};
use crate::environment::series::EarthFactorTable;
use crate::environment::view_factor::{diffuse_earth_factor, plate_to_sphere_view_factor};
use crate::environment::{EnvironmentModel, EnvironmentPreset, SeriesOptions, Surface};
use crate::error::Error;
use crate::orbit::{Attitude, Epoch, Orbit, Propagation, ShadowModel, Target};

/// Runners by name.
pub(super) const RUNNERS: &[(&str, Runner)] = &[
    ("plate_earth_view_factor", plate_earth_view_factor),
    ("albedo_factor", albedo_factor),
    ("orbit_fluxes", orbit_fluxes),
];

const DEG: f64 = std::f64::consts::PI / 180.0;
const PI: f64 = std::f64::consts::PI;

/// Brute-force midpoint quadrature over the visible cap of a unit sphere seen from
/// `(0, 0, h)`: `(1/π) ∫ L(P) ⟨n·u⟩⁺ cos θe / ρ² dA`, with `L = ⟨P̂·ŝ⟩⁺` (albedo, `sun` given)
/// or 1 (IR). `n` and `sun` in the zenith-up local frame.
fn brute_force_cap(
    h: f64,
    n: Vector3<f64>,
    sun: Option<Vector3<f64>>,
    n_lambda: usize,
    n_phi: usize,
) -> f64 {
    let lam_max = (1.0 / h).acos();
    let (dl, dp) = (lam_max / n_lambda as f64, 2.0 * PI / n_phi as f64);
    let (nx, ny, nz) = (n.x, n.y, n.z);
    let trig: Vec<(f64, f64)> = (0..n_phi)
        .map(|j| ((j as f64 + 0.5) * dp).sin_cos())
        .collect();
    let mut total = 0.0;
    for i in 0..n_lambda {
        let lam = (i as f64 + 0.5) * dl;
        let (sl, cl) = lam.sin_cos();
        // Surface point P = (sl cos φ, sl sin φ, cl); d = P − (0, 0, h).
        let dz = cl - h;
        let rho2 = sl * sl + dz * dz;
        let rho = rho2.sqrt();
        // cos θe = −P̂·d/ρ = (h cl − 1)/ρ, the same on the whole ring.
        let cos_e = (h * cl - 1.0) / rho;
        if cos_e <= 0.0 {
            continue;
        }
        let ring_weight = cos_e / rho2 * sl * dl * dp / rho;
        let mut ring = 0.0;
        for &(sp, cp) in &trig {
            let (px, py) = (sl * cp, sl * sp);
            let cos_p_rho = nx * px + ny * py + nz * dz;
            if cos_p_rho <= 0.0 {
                continue;
            }
            let l = match sun {
                Some(s) => (px * s.x + py * s.y + cl * s.z).max(0.0),
                None => 1.0,
            };
            ring += l * cos_p_rho;
        }
        total += ring * ring_weight;
    }
    total / PI
}

/// Plate-to-Earth view factors: nadir `(R/r)²` and edge-on `(1/π)(atan(1/X) − X/H²)`
/// (X = √(H² − 1); Howell catalog B-series) in closed form, tilted plates (full and partial
/// view) against brute-force quadrature over the visible cap.
fn plate_earth_view_factor(
    case: &ValidationCase,
    _ctx: &RunContext,
) -> Result<Vec<Measurement>, Error> {
    let mut out = Vec::new();
    let n_q = case.f64_param("quadrature_points")? as usize;
    for alt in case.f64_list_param("altitudes_km")? {
        let h = (EARTH_RADIUS_KM + alt) / EARTH_RADIUS_KM;
        out.push(Measurement::new(
            format!("nadir h={alt} km"),
            plate_to_sphere_view_factor(1.0, h),
            1.0 / (h * h),
        ));
        let x = (h * h - 1.0).sqrt();
        out.push(Measurement::new(
            format!("edge-on h={alt} km"),
            plate_to_sphere_view_factor(0.0, h),
            ((1.0 / x).atan() - x / (h * h)) / PI,
        ));
        for tilt in case.f64_list_param("tilts_deg")? {
            let g = tilt * DEG;
            let n = Vector3::new(g.sin(), 0.0, -g.cos());
            out.push(Measurement::new(
                format!("tilt {tilt} deg h={alt} km"),
                plate_to_sphere_view_factor(g.cos(), h),
                brute_force_cap(h, n, None, n_q, 2 * n_q),
            ));
        }
    }
    Ok(out)
}

/// Albedo factor: far field against the Lambert-sphere phase law
/// `F H² = (2/(3π)) [sin α + (π − α) cos α]` (Russell 1916; Sobolev, *Light Scattering in
/// Planetary Atmospheres*, §9), near field against brute-force quadrature, and the tabulated
/// factor against the direct integral.
fn albedo_factor(case: &ValidationCase, _ctx: &RunContext) -> Result<Vec<Measurement>, Error> {
    let mut out = Vec::new();
    let h_far = case.f64_param("far_field_h_ratio")?;
    for phase_deg in case.f64_list_param("phase_angles_deg")? {
        let a = phase_deg * DEG;
        // Sun at phase angle α from the satellite direction (zenith): cos θs = cos α.
        let f = diffuse_earth_factor(h_far, Some(a.cos()), [0.0, 0.0, -1.0]) * h_far * h_far;
        let lambert = 2.0 / (3.0 * PI) * (a.sin() + (PI - a) * a.cos());
        out.push(Measurement::new(
            format!("far field F·H² at phase {phase_deg} deg"),
            f,
            lambert,
        ));
    }
    let alt = case.f64_param("near_altitude_km")?;
    let h = (EARTH_RADIUS_KM + alt) / EARTH_RADIUS_KM;
    let n_q = case.f64_param("quadrature_points")? as usize;
    let suns = case.f64_list_param("sun_zenith_deg")?;
    let tilts = case.f64_list_param("tilts_deg")?;
    let azimuths = case.f64_list_param("azimuths_deg")?;
    let peak = diffuse_earth_factor(h, Some(1.0), [0.0, 0.0, -1.0]);
    let mut worst: f64 = 0.0;
    for &sz in &suns {
        let s = Vector3::new((sz * DEG).sin(), 0.0, (sz * DEG).cos());
        for &tilt in &tilts {
            for &az in &azimuths {
                let (g, p) = (tilt * DEG, az * DEG);
                let n = [g.sin() * p.cos(), g.sin() * p.sin(), -g.cos()];
                let lib = diffuse_earth_factor(h, Some((sz * DEG).cos()), n);
                let bf = brute_force_cap(h, Vector3::new(n[0], n[1], n[2]), Some(s), n_q, 2 * n_q);
                worst = worst.max((lib - bf).abs() / peak);
            }
        }
    }
    out.push(Measurement::new(
        format!("max |F - brute force| / F(nadir, subsolar) at {alt} km"),
        worst,
        0.0,
    ));
    // Table interpolation against the direct integral on a deterministic scatter of normals.
    let table = EarthFactorTable::new(h);
    let mut worst_tab: f64 = 0.0;
    let mut seed = 0x2545_f491_4f6c_dd1d_u64;
    let mut rnd = || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed >> 11) as f64 / (1u64 << 53) as f64
    };
    for _ in 0..case.f64_param("table_samples")? as usize {
        let cs = 2.0 * rnd() - 1.0;
        let nz = 2.0 * rnd() - 1.0;
        let az = 2.0 * PI * rnd();
        let nh = (1.0 - nz * nz).sqrt();
        let n = [nh * az.cos(), nh * az.sin(), nz];
        let d = diffuse_earth_factor(h, Some(cs), n);
        worst_tab = worst_tab.max((table.albedo_factor(cs, n) - d).abs() / peak);
    }
    out.push(Measurement::new(
        "max table interpolation error / F(nadir, subsolar)",
        worst_tab,
        0.0,
    ));
    // Every visible point other than the sub-satellite point is lit obliquely, so the
    // integrated factor must fall below the `F_e · cos θs` shortcut at the sub-solar point.
    let shortcut = plate_to_sphere_view_factor(1.0, h);
    out.push(Measurement::new(
        "nadir subsolar F_a / (F_e cos 0)",
        peak / shortcut,
        1.0,
    ));
    Ok(out)
}

/// End-to-end fluxes on a circular orbit: a nadir plate's Earth IR is `ε q (R/r)²` at every
/// step; a zenith plate gets no Earth IR or albedo; a sun-pointing plate on a dawn–dusk orbit
/// (never eclipsed) absorbs `α S₀/d²` with d the Sun distance; and the solar flux swings by
/// `((1 + e)/(1 − e))²` over a year (the almanac's distance series).
fn orbit_fluxes(case: &ValidationCase, _ctx: &RunContext) -> Result<Vec<Measurement>, Error> {
    let epoch = Epoch::parse_iso8601(case.str_param("epoch")?)?;
    let alt = case.f64_param("altitude_km")?;
    let preset = EnvironmentPreset::nominal();
    let orbit = Orbit::sun_synchronous(
        epoch,
        alt,
        crate::orbit::LocalTime::parse(case.str_param("ltan")?)?,
        Propagation::J2Secular,
    )?
    // Mean elements: a circular orbit at fixed H, the premise of the closed forms below.
    .with_element_kind(crate::orbit::ElementKind::Mean);
    let surfaces = vec![
        Surface::new("nadir", Vector3::z(), 0.5, 0.8)?,
        Surface::new("zenith", -Vector3::z(), 0.5, 0.8)?,
    ];
    let model =
        EnvironmentModel::new(orbit.clone(), Attitude::Nadir, preset, ShadowModel::Conical)?;
    let period = orbit.period_s();
    let series = model.flux_series(&surfaces, 0.0, period, 30.0, &SeriesOptions::default())?;
    let h = (EARTH_RADIUS_KM + alt) / EARTH_RADIUS_KM;
    let ir_exact = 0.8 * preset.earth_ir_w_m2 / (h * h);
    let ir_err = (0..series.times_s().len())
        .map(|k| (series.earth_ir_w_m2(0, k) - ir_exact).abs())
        .fold(0.0, f64::max);
    let zenith_max = (0..series.times_s().len())
        .map(|k| {
            let a = series.at_index(1, k);
            a.albedo_w_m2 + a.earth_ir_w_m2
        })
        .fold(0.0, f64::max);
    let sun_model = EnvironmentModel::new(
        orbit.clone(),
        Attitude::SunPointing {
            axis: Vector3::z(),
            secondary_axis: Vector3::y(),
            secondary_target: Target::OrbitNormal,
        },
        preset,
        ShadowModel::Conical,
    )?;
    let plate = Surface::new("sun plate", Vector3::z(), 0.9, 0.8)?;
    let mut worst_sun: f64 = 0.0;
    for k in 0..20 {
        let t = period * k as f64 / 20.0;
        let got = sun_model.absorbed_flux_w_m2(&plate, t).solar_w_m2;
        let sample = orbit.sample(t, ShadowModel::Conical);
        let d_au = (sample.sun.position_km() - sample.state.position_km).norm() / AU_KM;
        let expect = 0.9 * crate::constants::SOLAR_CONSTANT_W_M2 / (d_au * d_au);
        worst_sun = worst_sun.max((got - expect).abs());
    }
    let (mut s_min, mut s_max) = (f64::INFINITY, 0.0_f64);
    for day in 0..366 {
        let g = model.geometry(day as f64 * 86_400.0);
        s_min = s_min.min(g.solar_at_earth_w_m2);
        s_max = s_max.max(g.solar_at_earth_w_m2);
    }
    let e = case.f64_param("earth_eccentricity")?;
    Ok(vec![
        Measurement::new("max |nadir IR - eps q (R/r)^2| (W/m2)", ir_err, 0.0),
        Measurement::new("max zenith-plate albedo + IR (W/m2)", zenith_max, 0.0),
        Measurement::new(
            "max |sun-plate solar - alpha S0/d^2| (W/m2)",
            worst_sun,
            0.0,
        ),
        Measurement::new(
            "annual max/min solar flux",
            s_max / s_min,
            ((1.0 + e) / (1.0 - e)).powi(2),
        ),
    ])
}
