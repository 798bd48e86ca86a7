//! Invariants of the environment fluxes: the antisymmetric part of a plate's irradiance is
//! linear in its normal, the tabulated series matches direct evaluation, interpolation hits
//! the grid values, and bad surfaces are rejected.

use nalgebra::Vector3;
use proptest::prelude::*;
use thermorbit::environment::{diffuse_earth_factor, plate_to_sphere_view_factor};
use thermorbit::environment::{EnvironmentModel, EnvironmentPreset, SeriesOptions, Surface};
use thermorbit::orbit::{Attitude, Epoch, Orbit, Propagation, ShadowModel, Target};

fn model(attitude: Attitude) -> EnvironmentModel {
    let e = Epoch::parse_iso8601("2027-06-01T00:00:00Z").unwrap_or_else(|e| panic!("{e}"));
    let o = Orbit::circular(e, 500.0, 51.6, 30.0, Propagation::J2Secular)
        .unwrap_or_else(|e| panic!("{e}"));
    EnvironmentModel::new(
        o,
        attitude,
        EnvironmentPreset::nominal(),
        ShadowModel::Conical,
    )
    .unwrap_or_else(|e| panic!("{e}"))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// ⟨x⟩⁺ − ⟨−x⟩⁺ = x, so F(n) − F(−n) = n · (nadir)/H² for Earth IR at any tilt.
    #[test]
    fn prop_ir_view_factor_odd_part_is_linear(c in -1.0f64..1.0, h in 1.01f64..200.0) {
        let odd = plate_to_sphere_view_factor(c, h) - plate_to_sphere_view_factor(-c, h);
        prop_assert!((odd - c / (h * h)).abs() < 1e-12);
    }

    /// The same holds for albedo: F(n) − F(−n) is linear in n.
    #[test]
    fn prop_albedo_odd_part_is_linear(
        cs in -1.0f64..1.0, nz in -1.0f64..1.0, az in 0.0f64..std::f64::consts::TAU, h in 1.03f64..8.0,
    ) {
        let nh = (1.0 - nz * nz).sqrt();
        let n = [nh * az.cos(), nh * az.sin(), nz];
        let f = |v: [f64; 3]| diffuse_earth_factor(h, Some(cs), v);
        let odd = |v: [f64; 3]| f(v) - f([-v[0], -v[1], -v[2]]);
        let basis = [odd([1.0, 0.0, 0.0]), odd([0.0, 1.0, 0.0]), odd([0.0, 0.0, 1.0])];
        let lin = n[0] * basis[0] + n[1] * basis[1] + n[2] * basis[2];
        let peak = f([0.0, 0.0, -1.0]).max(f([0.0, 0.0, -1.0]).abs()).max(1e-6);
        prop_assert!((odd(n) - lin).abs() < 1e-5 * peak.max(1.0 / (h * h)), "{} vs {}", odd(n), lin);
    }

    /// Fluxes are never negative and the solar term never exceeds α S.
    #[test]
    fn prop_fluxes_bounded(t in 0.0f64..1.0e6, x in -1.0f64..1.0, y in -1.0f64..1.0, z in -1.0f64..1.0) {
        prop_assume!(x * x + y * y + z * z > 1e-3);
        let m = model(Attitude::Nadir);
        let s = Surface::new("p", Vector3::new(x, y, z), 0.6, 0.85).unwrap_or_else(|e| panic!("{e}"));
        let a = m.absorbed_flux_w_m2(&s, t);
        prop_assert!(a.solar_w_m2 >= 0.0 && a.albedo_w_m2 >= 0.0 && a.earth_ir_w_m2 >= 0.0);
        prop_assert!(a.solar_w_m2 <= 0.6 * 1420.0);
        prop_assert!(a.earth_ir_w_m2 <= 0.85 * 237.0);
    }
}

#[test]
fn series_matches_direct_evaluation_and_interpolates_grid_values() {
    let m = model(Attitude::SunPerpendicular {
        edge_on_axis: Vector3::y(),
        pointing_axis: Vector3::z(),
        pointing_target: Target::Nadir,
    });
    let mut surfaces = Surface::body_faces();
    surfaces.push(
        Surface::new("tilted", Vector3::new(1.0, 2.0, -0.5), 0.3, 0.7)
            .unwrap_or_else(|e| panic!("{e}")),
    );
    let period = m.orbit().period_s();
    let s = m
        .flux_series(
            &surfaces,
            0.0,
            2.0 * period,
            20.0,
            &SeriesOptions::default(),
        )
        .unwrap_or_else(|e| panic!("{e}"));
    let peak_albedo = 0.3 * 0.30 * 1361.0;
    for (j, surf) in surfaces.iter().enumerate() {
        for k in (0..s.times_s().len()).step_by(17) {
            let t = s.times_s()[k];
            let direct = m.absorbed_flux_w_m2(surf, t);
            let tab = s.at_index(j, k);
            // The series stores f32 and uses one precession matrix per block of steps
            // (< 2e-4°): agreement to 0.01 W/m² of ~1400.
            assert!(
                (direct.solar_w_m2 - tab.solar_w_m2).abs() < 1e-2,
                "{} t={t}: {} vs {}",
                surf.name,
                direct.solar_w_m2,
                tab.solar_w_m2
            );
            assert!(
                (direct.earth_ir_w_m2 - tab.earth_ir_w_m2).abs() < 1e-4,
                "{} t={t}: {} vs {}",
                surf.name,
                direct.earth_ir_w_m2,
                tab.earth_ir_w_m2
            );
            assert!(
                (direct.albedo_w_m2 - tab.albedo_w_m2).abs() < 3e-3 * peak_albedo,
                "{} t={t}",
                surf.name
            );
            let interp = s.absorbed_at(j, t);
            assert!((interp.albedo_w_m2 - tab.albedo_w_m2).abs() < 1e-12);
        }
    }
    // The ±y faces are edge-on to the Sun in this attitude.
    for k in 0..s.times_s().len() {
        assert!(s.solar_w_m2(2, k) < 1e-9 && s.solar_w_m2(3, k) < 1e-9);
    }
    // Eclipse boundaries are reported for the solver and the lit fraction honours them.
    let b = s.eclipse_boundaries_s(0.0, 2.0 * period);
    assert!(b.len() >= 4, "{b:?}");
    for e in s.eclipses() {
        if let (Some(ue), Some(ux)) = (e.umbra_entry_s, e.umbra_exit_s) {
            if ue > 0.0 && ux < 2.0 * period {
                assert_eq!(s.lit_fraction_at(0.5 * (ue + ux)), 0.0);
                assert!(
                    (s.lit_fraction_at(e.penumbra_entry_s.max(0.0)) - 1.0).abs() < 1e-12
                        || e.penumbra_entry_s < 0.0
                );
            }
        }
    }
}

#[test]
fn bad_surfaces_and_spans_are_rejected() {
    assert!(Surface::new("zero", Vector3::zeros(), 0.5, 0.5).is_err());
    assert!(Surface::new("nan", Vector3::new(f64::NAN, 0.0, 1.0), 0.5, 0.5).is_err());
    assert!(Surface::new("alpha", Vector3::z(), 1.5, 0.5).is_err());
    assert!(Surface::new("eps", Vector3::z(), 0.5, -0.1).is_err());
    let m = model(Attitude::Nadir);
    let f = Surface::body_faces();
    assert!(m
        .flux_series(&f, 0.0, 100.0, 0.0, &SeriesOptions::default())
        .is_err());
    assert!(m
        .flux_series(&f, 0.0, -100.0, 10.0, &SeriesOptions::default())
        .is_err());
    assert!(m
        .flux_series(&f, 0.0, f64::INFINITY, 10.0, &SeriesOptions::default())
        .is_err());
    let bad_att = Attitude::SunPointing {
        axis: Vector3::z(),
        secondary_axis: Vector3::z() * 2.0,
        secondary_target: Target::OrbitNormal,
    };
    let e = Epoch::parse_iso8601("2027-06-01T00:00:00Z").unwrap_or_else(|e| panic!("{e}"));
    let o = Orbit::circular(e, 500.0, 51.6, 30.0, Propagation::J2Secular)
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(EnvironmentModel::new(
        o,
        bad_att,
        EnvironmentPreset::nominal(),
        ShadowModel::Conical
    )
    .is_err());
}

/// The series is computed in parallel over blocks of time steps: one thread and two give the
/// same bits, across a block boundary (2048 steps).
#[test]
fn series_is_identical_on_one_and_two_threads() {
    let m = model(Attitude::Nadir);
    let surfaces = Surface::body_faces();
    let run = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap_or_else(|e| panic!("{e}"));
        pool.install(|| {
            m.flux_series(
                &surfaces,
                0.0,
                5000.0 * 30.0,
                30.0,
                &SeriesOptions::default(),
            )
            .unwrap_or_else(|e| panic!("{e}"))
        })
    };
    let (a, b) = (run(1), run(2));
    assert_eq!(a.eclipses(), b.eclipses());
    for (j, surf) in surfaces.iter().enumerate() {
        for k in 0..a.times_s().len() {
            let (x, y) = (a.at_index(j, k), b.at_index(j, k));
            assert_eq!(x, y, "surface {j}, step {k}");
        }
        let t = 2047.5 * 30.0;
        assert_eq!(a.absorbed_at(j, t), b.absorbed_at(j, t));
        // The block-major albedo storage: steps in later (and the last, partial) blocks hold
        // their own surface's values.
        for k in [2047, 2048, 4100, 5000] {
            let direct = m.absorbed_flux_w_m2(surf, a.times_s()[k]);
            let peak_albedo = surf.absorptivity * 0.30 * 1361.0;
            assert!(
                (direct.albedo_w_m2 - a.albedo_w_m2(j, k)).abs() < 3e-3 * peak_albedo,
                "surface {j}, step {k}: {} vs {}",
                direct.albedo_w_m2,
                a.albedo_w_m2(j, k)
            );
        }
    }
}

#[test]
fn fibonacci_normals_are_unit_and_balanced() {
    let normals = thermorbit::environment::fibonacci_normals(100);
    assert_eq!(normals.len(), 100);
    let mut sum = nalgebra::Vector3::zeros();
    for n in &normals {
        assert!((n.norm() - 1.0).abs() < 1e-12, "{n}");
        sum += n;
    }
    // An even spread has its centroid near the origin (exactly 0 in z by symmetry).
    assert!(sum.norm() / 100.0 < 0.02, "centroid {}", sum / 100.0);
}
