//! Invariants of the orbit module: sun-synchronous local time holds under J2, eclipse
//! boundaries sit where the lit fraction changes, grazing passes are found, beta angle
//! geometry, and epoch parsing.

use proptest::prelude::*;
use thermorbit::orbit::sun::mean_sun_right_ascension_j2000;
use thermorbit::orbit::{Epoch, LocalTime, Orbit, Propagation, ShadowModel};

fn epoch() -> Epoch {
    Epoch::parse_iso8601("2027-03-20T12:00:00Z").unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn prop_sun_synchronous_orbit_keeps_its_local_time_for_a_year() {
    let ltan = LocalTime::parse("10:30").unwrap_or_else(|e| panic!("{e}"));
    let o = Orbit::sun_synchronous(epoch(), 600.0, ltan, Propagation::J2Secular)
        .unwrap_or_else(|e| panic!("{e}"));
    for day in [0.0, 91.0, 182.0, 273.0, 365.0] {
        let t = day * 86_400.0;
        let raan = o.elements_at(t).raan_rad;
        let ms = mean_sun_right_ascension_j2000(o.days_tt(t));
        let lt_h = (12.0 + (raan - ms).to_degrees() / 15.0).rem_euclid(24.0);
        // The mean Sun's J2000 right ascension drifts by precession (50"/yr): < 0.01 h.
        assert!((lt_h - 10.5).abs() < 0.01, "day {day}: LTAN {lt_h} h");
    }
    // Two-body: the node stays put and the local time drifts by ~4 min/day.
    let tb = Orbit::sun_synchronous(epoch(), 600.0, ltan, Propagation::TwoBody)
        .unwrap_or_else(|e| panic!("{e}"));
    let t = 30.0 * 86_400.0;
    let lt = 12.0
        + (tb.elements_at(t).raan_rad - mean_sun_right_ascension_j2000(tb.days_tt(t))).to_degrees()
            / 15.0;
    assert!((lt.rem_euclid(24.0) - 10.5).abs() > 1.5);
}

#[test]
fn eclipse_boundaries_match_the_lit_fraction() {
    let o = Orbit::circular(epoch(), 550.0, 53.0, 20.0, Propagation::J2Secular)
        .unwrap_or_else(|e| panic!("{e}"));
    let ecl = o.eclipses(ShadowModel::Conical, 0.0, 86_400.0);
    assert!(ecl.len() >= 14, "{}", ecl.len());
    let nu = |t: f64| {
        let (r, s) = o.satellite_and_sun_km(t);
        ShadowModel::Conical.lit_fraction(&r, &s)
    };
    for e in &ecl {
        let (ue, ux) = (
            e.umbra_entry_s.unwrap_or(f64::NAN),
            e.umbra_exit_s.unwrap_or(f64::NAN),
        );
        assert_eq!(nu(e.penumbra_entry_s - 0.01), 1.0);
        assert!(nu(e.penumbra_entry_s + 0.01) < 1.0);
        assert!(nu(ue - 0.01) > 0.0);
        assert_eq!(nu(ue + 0.01), 0.0);
        assert_eq!(nu(0.5 * (ue + ux)), 0.0);
        assert_eq!(nu(ux - 0.01), 0.0);
        assert!(nu(ux + 0.01) > 0.0);
        assert_eq!(nu(e.penumbra_exit_s + 0.01), 1.0);
    }
    // Consecutive eclipses repeat with the orbit period (within the Sun's slow motion).
    for w in ecl.windows(2) {
        let dt = w[1].penumbra_entry_s - w[0].penumbra_entry_s;
        assert!((dt / o.nodal_period_s() - 1.0).abs() < 0.01, "{dt}");
    }
}

#[test]
fn grazing_penumbral_pass_is_found() {
    // Search β just inside the penumbral limit of a 700 km orbit with a frozen Sun: sweep the
    // orbit-plane angle until passes become penumbral-only, and check they are reported.
    let e = epoch();
    let s = thermorbit::orbit::sun::sun_position(e.days_since_j2000_tt()).position_km();
    let dir = s / s.norm();
    let mut found_penumbral_only = false;
    for k in 0..200 {
        let beta = (64.0 + k as f64 * 0.01_f64).to_radians();
        let p = dir.cross(&nalgebra::Vector3::z()).normalize();
        let h = p * beta.cos() + dir * beta.sin();
        let el = thermorbit::orbit::KeplerianElements {
            semi_major_axis_km: 6378.137 + 700.0,
            eccentricity: 0.0,
            inclination_rad: h.z.acos(),
            raan_rad: h.x.atan2(-h.y).rem_euclid(std::f64::consts::TAU),
            arg_perigee_rad: 0.0,
            mean_anomaly_rad: 0.0,
        };
        let o = Orbit::new(e, el, Propagation::TwoBody).unwrap_or_else(|e| panic!("{e}"));
        let geom = |t: f64| (o.position_km(t), s);
        let p_s = o.period_s();
        let ecl = thermorbit::orbit::eclipse::find_eclipses(
            &geom,
            ShadowModel::Conical,
            0.0,
            p_s,
            o.eclipse_scan_step_s(),
            p_s,
            o.shadow_rate_bound(ShadowModel::Conical),
        );
        if let Some(first) = ecl.first() {
            if first.umbra_entry_s.is_none() {
                found_penumbral_only = true;
                assert!(first.duration_s() > 0.0);
                break;
            }
        }
    }
    assert!(
        found_penumbral_only,
        "no penumbral-only pass found near the limit"
    );
}

#[test]
fn epoch_parsing_accepts_iso_forms_and_rejects_junk() {
    let a = Epoch::parse_iso8601("2027-03-20T12:00:00Z").unwrap_or_else(|e| panic!("{e}"));
    for same in [
        "2027-03-20T12:00:00",
        "2027-03-20 12:00:00Z",
        "2027-03-20T12:00Z",
        "2027-03-20T14:00:00+02:00",
        "2027-03-20T12:00:00.000Z",
    ] {
        let b = Epoch::parse_iso8601(same).unwrap_or_else(|e| panic!("{same}: {e}"));
        assert!(b.seconds_since(&a).abs() < 1e-6, "{same}");
    }
    for bad in [
        "",
        "2027",
        "2027-02-29T00:00:00Z",
        "2027-03-20T24:00:00Z",
        "2027-03-20T12:60:00Z",
        "2027-03-20T12:00:00Q",
        "20270320T120000Z",
        "2027-03-20T12:00:00.Z",
    ] {
        assert!(
            Epoch::parse_iso8601(bad).is_err(),
            "{bad} should be rejected"
        );
    }
    // 2027 has 37 leap seconds: TT − UTC = 69.184 s.
    let jd_utc = 2_461_485.0; // 2027-03-20T12:00:00 UTC
    assert!(((a.julian_date_tt() - jd_utc) * 86_400.0 - 69.184).abs() < 1e-4);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// β from the orbit normal equals the Sun's elevation above the orbit plane computed from
    /// two in-plane positions.
    #[test]
    fn prop_beta_is_sun_elevation_above_orbit_plane(
        alt in 300.0f64..40_000.0,
        inc in 0.0f64..180.0,
        raan in 0.0f64..360.0,
        t in 0.0f64..3.0e7,
    ) {
        let o = Orbit::circular(epoch(), alt, inc, raan, Propagation::TwoBody).unwrap_or_else(|e| panic!("{e}"));
        let r1 = o.position_km(t);
        let r2 = o.position_km(t + o.period_s() / 4.0);
        let n = r1.cross(&r2).normalize();
        let s = o.sun_at(t).direction;
        let beta = o.beta_angle_rad(t);
        prop_assert!((beta - n.dot(&s).asin()).abs() < 1e-9);
    }

    /// Circular orbits keep their radius; the lit fraction is in [0, 1].
    #[test]
    fn prop_radius_and_lit_fraction_bounds(
        alt in 100.0f64..1.0e6,
        inc in 0.0f64..180.0,
        t in -1.0e7f64..1.0e7,
    ) {
        let o = Orbit::circular(epoch(), alt, inc, 0.0, Propagation::J2Secular).unwrap_or_else(|e| panic!("{e}"));
        let r = o.position_km(t);
        prop_assert!((r.norm() / (6378.137 + alt) - 1.0).abs() < 1e-12);
        let g = o.sample(t, ShadowModel::Conical);
        prop_assert!((0.0..=1.0).contains(&g.lit_fraction));
    }
}
