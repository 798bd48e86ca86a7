//! Orbits in case files: `[orbit]`, `[attitude]`, `[environment]`, `[[surfaces]]` and
//! `orbit_surface` loads. The fluxes a panel face or a lumped node takes must be those of an
//! independently built [`FluxSeries`]; a transient steps on the eclipse boundaries and closes
//! its energy balance; a steady run uses the orbit average; bad input names file and key.

use std::path::{Path, PathBuf};

use nalgebra::Vector3;
use thermorbit::case::{Case, Solution};
use thermorbit::environment::{
    EnvironmentModel, EnvironmentPreset, FluxSeries, SeriesOptions, Surface,
};
use thermorbit::orbit::{Attitude, Epoch, LocalTime, Orbit, Propagation, ShadowModel};

fn shipped() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("cases/orbit-radiator.toml")
}

fn shipped_text() -> String {
    std::fs::read_to_string(shipped()).unwrap()
}

/// The shipped case's text with the given edits, as a case anchored beside
/// the shipped file (so its `mesh` path resolves).
fn variant(edits: &[(&str, &str)]) -> Result<Case, thermorbit::error::InputError> {
    let mut text = shipped_text();
    for (from, to) in edits {
        assert!(text.contains(from), "edit target `{from}` not in the case");
        text = text.replacen(from, to, 1);
    }
    Case::from_toml(&text, &shipped())
}

fn err_of(edits: &[(&str, &str)]) -> String {
    match variant(edits).and_then(|c| c.build()) {
        Ok(_) => panic!("{edits:?} should be rejected"),
        Err(e) => e.to_string(),
    }
}

/// The shipped case's environment built from the library alone (not through the case).
fn independent_series(t1_s: f64) -> FluxSeries {
    let epoch = Epoch::parse_iso8601("2027-06-21T00:00:00Z").unwrap();
    let ltan = LocalTime::parse("12:00").unwrap();
    let orbit = Orbit::sun_synchronous(epoch, 550.0, ltan, Propagation::J2Secular).unwrap();
    let model = EnvironmentModel::new(
        orbit,
        Attitude::Nadir,
        EnvironmentPreset::nominal(),
        ShadowModel::Conical,
    )
    .unwrap();
    let unit = |name: &str, n: Vector3<f64>| Surface::new(name, n, 1.0, 1.0).unwrap();
    let surfaces = [
        unit("+y", Vector3::y()),
        unit("-y", -Vector3::y()),
        unit("zenith", -Vector3::z()),
    ];
    FluxSeries::compute(
        &model,
        &surfaces,
        0.0,
        t1_s,
        10.0,
        &SeriesOptions::default(),
    )
    .unwrap()
}

fn source<'a>(
    net: &'a thermorbit::network::AssembledNetwork,
    name: &str,
) -> &'a thermorbit::network::HeatSource {
    net.sources()
        .iter()
        .find(|s| s.name == name)
        .unwrap_or_else(|| {
            let names: Vec<&str> = net.sources().iter().map(|s| s.name.as_str()).collect();
            panic!("no source `{name}`; sources: {names:?}")
        })
}

#[test]
fn panel_faces_and_rack_take_the_flux_series_values() {
    let model = Case::load(&shipped()).unwrap().build().unwrap();
    let end = 17204.0;
    let reference = independent_series(end);
    let net = &model.system;
    let top_sw = source(net, "radiator.environment +y (solar + albedo)");
    let top_ir = source(net, "radiator.environment +y (Earth IR)");
    let bottom_sw = source(net, "radiator.environment -y (solar + albedo)");
    let rack = source(net, "rack cover: sunlight, albedo, Earth IR");
    // Cell weights: α A_ij (solar band), ε A_ij (IR band), summing to α or ε times the face.
    let area = 2.0 * 1.5;
    let sum = |s: &thermorbit::network::HeatSource| s.loads.iter().map(|(_, w)| w).sum::<f64>();
    assert!((sum(top_sw) - 0.15 * area).abs() < 1e-12);
    assert!((sum(top_ir) - 0.91 * area).abs() < 1e-12);
    let mut lit_top = 0;
    for k in 0..=200 {
        let t = end * k as f64 / 200.0 + 0.37;
        let t = t.min(end);
        let q = reference.absorbed_at(0, t);
        let tol = 1e-9 * (1.0 + q.total_w_m2());
        assert!(
            (top_sw.profile.value_at(t) - (q.solar_w_m2 + q.albedo_w_m2)).abs() < tol,
            "top solar + albedo at t = {t}"
        );
        assert!((top_ir.profile.value_at(t) - q.earth_ir_w_m2).abs() < tol);
        let qb = reference.absorbed_at(1, t);
        assert!((bottom_sw.profile.value_at(t) - (qb.solar_w_m2 + qb.albedo_w_m2)).abs() < tol);
        // The rack: A (α (q_sun + q_alb) + ε q_IR) with A = 0.5 m², white paint.
        let qr = reference.absorbed_at(2, t);
        let expected = 0.5 * (0.15 * (qr.solar_w_m2 + qr.albedo_w_m2) + 0.91 * qr.earth_ir_w_m2);
        assert!((rack.profile.value_at(t) - expected).abs() < 1e-9 * (1.0 + expected));
        if q.solar_w_m2 > 1.0 {
            lit_top += 1;
        }
    }
    // β ≈ −3.3°: the +y face catches grazing sunlight, the −y face none.
    assert!(lit_top > 50, "{lit_top}");
    assert!(model.orbit.is_some());
}

#[test]
fn transient_lands_on_eclipses_and_closes_its_energy_balance() {
    let model = Case::load(&shipped()).unwrap().build().unwrap();
    let orbit = model.orbit.as_ref().unwrap();
    let (t0, t1) = orbit.span_s();
    assert_eq!((t0, t1), (0.0, 17204.0));
    let eclipses = orbit.eclipse_intervals_s(t0, t1);
    assert_eq!(eclipses.len(), 3, "{eclipses:?}");
    // The case file's claim: β = −3.3° at the June-solstice epoch (noon-midnight SSO).
    let beta = orbit.setup.model.orbit().beta_angle_rad(t0).to_degrees();
    assert!((beta + 3.3).abs() < 0.05, "β = {beta}°");
    for (a, b) in &eclipses {
        // 550 km, β ≈ −3°: about 36 minutes of shadow per orbit.
        assert!((b - a - 2147.0).abs() < 60.0, "{a}..{b}");
    }
    let boundaries = orbit.series.eclipse_boundaries_s(t0, t1);
    let events = model.system.discontinuities(t0, t1);
    for b in &boundaries {
        assert!(
            events.iter().any(|e| (e - b).abs() < 1e-9),
            "{b} not an event"
        );
    }
    let result = model.run().unwrap();
    let Solution::Transient(tr) = &result.solution else {
        panic!("transient expected")
    };
    for b in &boundaries {
        assert!(
            tr.step_times_s.iter().any(|s| (s - b).abs() < 1e-6),
            "no step lands on eclipse boundary {b}"
        );
    }
    let bal = tr.energy_balance;
    assert!(bal.relative_imbalance.abs() < 1e-6, "{bal:?}");
    // Heat in: 2 kW of GPUs plus the absorbed environment, averaged over the run.
    assert!(bal.heat_in_w > 2000.0 && bal.heat_in_w < 2600.0, "{bal:?}");
    // The rack cools in eclipse: its temperature at the end of the first eclipse is below
    // that at its start.
    let rack = model.system.node("rack").unwrap();
    let h = tr.node_history(rack);
    let at = |t: f64| {
        let k = tr
            .times_s
            .iter()
            .position(|&s| s >= t)
            .unwrap_or(tr.times_s.len() - 1);
        h[k]
    };
    let (a, b) = eclipses[1];
    assert!(at(b) < at(a) - 0.05, "rack {} → {}", at(a), at(b));
}

/// Under a cylindrical shadow the light jumps at each eclipse boundary: the
/// step that starts there must count the heat flowing just after the jump in
/// its energy integral, as it integrates the temperatures, so the run's
/// balance closes like the conical one (it was 1.8e-6 with the flows taken
/// just before the jump, 1.7 W of 2.4 kW).
#[test]
fn a_cylindrical_shadow_run_closes_its_energy_balance_across_the_jumps() {
    let case = variant(&[("shadow = \"conical\"", "shadow = \"cylindrical\"")]).unwrap();
    let model = case.build().unwrap();
    let Solution::Transient(tr) = &model.run().unwrap().solution else {
        panic!("transient expected")
    };
    let bal = tr.energy_balance;
    assert!(bal.relative_imbalance.abs() < 1e-9, "{bal:?}");
}

#[test]
fn steady_run_uses_the_orbit_average() {
    let case = variant(&[
        ("mode = \"transient\"", "mode = \"steady\""),
        (
            "[solve.transient]\n# Three nodal periods of 5,735 s.\nend_s = 17204.0\nmethod = \"bdf2\"\nrtol = 1e-4\natol_k = 0.01\noutput_interval_s = 60.0\ninitial = \"steady\"\n",
            "",
        ),
    ])
    .unwrap();
    let model = case.build().unwrap();
    let orbit = model.orbit.as_ref().unwrap();
    let period = orbit.setup.model.orbit().nodal_period_s();
    assert_eq!(orbit.averaged_over_s, Some((0.0, period)));
    let reference = independent_series(period);
    let q = reference.average(0, 0.0, period);
    let top = source(&model.system, "radiator.environment +y (solar + albedo)");
    assert!(top.profile.is_constant());
    let v = top.profile.value_at(1234.0);
    assert!(
        (v - (q.solar_w_m2 + q.albedo_w_m2)).abs() < 1e-9 * (1.0 + v),
        "{v} vs {q:?}"
    );
    let result = model.run().unwrap();
    let Solution::Steady(s) = &result.solution else {
        panic!("steady expected")
    };
    assert!(s.energy_balance.relative_imbalance.abs() < 1e-9);
}

#[test]
fn bad_orbit_input_names_file_key_and_range() {
    let e = err_of(&[("altitude_km = 550.0", "altitude_km = 50.0")]);
    assert!(e.contains("orbit-radiator.toml"), "{e}");
    assert!(e.contains("orbit.altitude_km"), "{e}");
    assert!(e.contains("100 ≤ altitude ≤ 1,000,000 km"), "{e}");

    let e = err_of(&[("ltan = \"12:00\"", "ltan = \"25:00\"")]);
    assert!(e.contains("orbit.ltan"), "{e}");

    let e = err_of(&[("epoch = \"2027-06-21T00:00:00Z\"", "epoch = \"June\"")]);
    assert!(e.contains("orbit.epoch"), "{e}");

    let e = err_of(&[(
        "sun_synchronous = true",
        "sun_synchronous = true\ninclination_deg = 97.0",
    )]);
    assert!(e.contains("orbit.inclination_deg"), "{e}");

    let e = err_of(&[("altitude_km = 550.0", "altitude = 550.0")]);
    assert!(e.contains("orbit") && e.contains("altitude"), "{e}");

    let e = err_of(&[("flux_step_s = 10.0", "flux_step_s = 0.0")]);
    assert!(e.contains("environment.flux_step_s"), "{e}");

    let e = err_of(&[("mode = \"nadir\"", "mode = \"tumbling\"")]);
    assert!(e.contains("attitude.mode"), "{e}");

    let e = err_of(&[("normal = [0.0, 1.0, 0.0]", "normal = [0.0, 0.0, 0.0]")]);
    assert!(
        e.contains("surfaces[0]") && e.contains("zero length"),
        "{e}"
    );

    let e = err_of(&[("area_m2 = 0.5\n", "area_m2 = -0.5\n")]);
    assert!(e.contains("surfaces[2].area_m2"), "{e}");
}

#[test]
fn bad_orbit_references_are_reported() {
    let e = err_of(&[(
        "orbit_surface = \"radiator_plus_y\"",
        "orbit_surface = \"radiator_top\"",
    )]);
    assert!(e.contains("panels.radiator.loads[0].orbit_surface"), "{e}");
    assert!(
        e.contains("defined: radiator_plus_y, radiator_minus_y, rack_zenith"),
        "{e}"
    );

    // Both faces pointing the same way.
    let e = err_of(&[(
        "orbit_surface = \"radiator_minus_y\"",
        "orbit_surface = \"radiator_plus_y\"",
    )]);
    assert!(e.contains("not opposite"), "{e}");

    // A surface whose coating differs from the face it drives.
    let e = err_of(&[(
        "name = \"radiator_plus_y\"\nnormal = [0.0, 1.0, 0.0]\ncoating = \"white_paint\"",
        "name = \"radiator_plus_y\"\nnormal = [0.0, 1.0, 0.0]\nabsorptivity = 0.3\nemissivity = 0.9",
    )]);
    assert!(e.contains("face's coating"), "{e}");

    // A lumped source needs the surface's area.
    let e = err_of(&[("area_m2 = 0.5\n", "")]);
    assert!(e.contains("surfaces[2].area_m2"), "{e}");

    // No [orbit] at all.
    let text = shipped_text();
    let start = text.find("[orbit]").unwrap();
    let end = text.find("[attitude]").unwrap();
    let without = format!("{}{}", &text[..start], &text[end..]);
    let e = Case::from_toml(&without, &shipped())
        .and_then(|c| c.build())
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("`orbit`") && e.contains("add an [orbit] table"),
        "{e}"
    );

    // A surface both with a coating and α, ε.
    let e = err_of(&[(
        "coating = \"white_paint\"\narea_m2 = 0.5",
        "coating = \"white_paint\"\nabsorptivity = 0.2\nemissivity = 0.8\narea_m2 = 0.5",
    )]);
    assert!(e.contains("surfaces[2]") && e.contains("not both"), "{e}");

    // power_w and orbit_surface together.
    let e = err_of(&[(
        "orbit_surface = \"rack_zenith\"",
        "orbit_surface = \"rack_zenith\"\npower_w = 10.0",
    )]);
    assert!(
        e.contains("sources[1]") && e.contains("either power_w or orbit_surface"),
        "{e}"
    );
}

/// A cylindrical shadow switches the light at once: on a coarse 60 s flux grid the lit
/// fraction is 1 up to each eclipse boundary and 0 just inside it (no light leaks across a
/// grid step), the value at the boundary is the one before the switch (the one after from
/// `lit_fraction_after`), and the orbit-average sunlight is exactly the lit time's share.
#[test]
fn a_cylindrical_shadow_switches_the_light_at_its_boundaries() {
    let epoch = Epoch::parse_iso8601("2027-03-20T12:00:00Z").unwrap();
    let orbit = Orbit::circular(epoch, 550.0, 51.6, 0.0, Propagation::TwoBody).unwrap();
    let model = EnvironmentModel::new(
        orbit,
        Attitude::Nadir,
        EnvironmentPreset::hot(),
        ShadowModel::Cylindrical,
    )
    .unwrap();
    let surfaces = [Surface::new("sun", Vector3::x(), 1.0, 1.0).unwrap()];
    let end = 11_500.0;
    let series =
        FluxSeries::compute(&model, &surfaces, 0.0, end, 60.0, &SeriesOptions::default()).unwrap();
    let eclipses: Vec<_> = series
        .eclipses()
        .iter()
        .filter(|e| e.penumbra_entry_s > 0.0 && e.penumbra_exit_s < end)
        .cloned()
        .collect();
    assert!(!eclipses.is_empty());
    let mut dark = 0.0;
    for e in &eclipses {
        let (a, b) = (e.penumbra_entry_s, e.penumbra_exit_s);
        dark += b - a;
        assert_eq!(series.lit_fraction_at(a - 1e-3), 1.0);
        assert_eq!(series.lit_fraction_at(a), 1.0);
        assert_eq!(series.lit_fraction_after(a), 0.0);
        assert_eq!(series.lit_fraction_at(a + 1e-3), 0.0);
        assert_eq!(series.lit_fraction_at(b - 1e-3), 0.0);
        assert_eq!(series.lit_fraction_at(b), 0.0);
        assert_eq!(series.lit_fraction_after(b), 1.0);
        assert_eq!(series.lit_fraction_at(b + 1e-3), 1.0);
    }
    // Average of the lit fraction over whole eclipses and the sunlight between them: the
    // solar term of a surface that faces the Sun at 1 AU-ish flux is S·ν, so its mean over
    // [t0, t1] divided by its unshadowed mean is the lit share of the time.
    let (t0, t1) = (
        eclipses[0].penumbra_entry_s - 30.0,
        eclipses[eclipses.len() - 1].penumbra_exit_s + 30.0,
    );
    let lit_share = 1.0 - dark / (t1 - t0);
    let n = 200_000;
    let (mut lit, mut solar) = (0.0, 0.0);
    for k in 0..n {
        let t = t0 + (t1 - t0) * (k as f64 + 0.5) / n as f64;
        lit += series.lit_fraction_at(t) / n as f64;
        solar += series.absorbed_at(0, t).solar_w_m2 / n as f64;
    }
    assert!((lit - lit_share).abs() < 1e-4, "{lit} vs {lit_share}");
    // The series' own average (trapezoidal on its nodes, each interval from the value after
    // its start) agrees with the midpoint sum: no jump is smeared into a neighbouring step.
    let avg = series.average(0, t0, t1).solar_w_m2;
    assert!((avg - solar).abs() < 1e-3 * solar, "{avg} vs {solar}");
}
