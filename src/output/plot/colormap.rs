//! The viridis colour map: perceptually uniform, readable in grey scale and
//! by the colour-blind.
//!
//! Control points are every 16th entry (plus the last) of the 256-entry
//! table by Stéfan van der Walt and Nathaniel Smith, released CC0 with
//! matplotlib (`_cm_listed.py`); colours between them are interpolated
//! linearly in sRGB, which stays within one 8-bit step of the full table.

/// (position in [0, 1], red, green, blue) with channels in [0, 1].
const VIRIDIS: [(f64, f64, f64, f64); 17] = [
    (0.0 / 255.0, 0.267004, 0.004874, 0.329415),
    (16.0 / 255.0, 0.282327, 0.094955, 0.417331),
    (32.0 / 255.0, 0.278826, 0.175490, 0.483397),
    (48.0 / 255.0, 0.258965, 0.251537, 0.524736),
    (64.0 / 255.0, 0.229739, 0.322361, 0.545706),
    (80.0 / 255.0, 0.199430, 0.387607, 0.554642),
    (96.0 / 255.0, 0.172719, 0.448791, 0.557885),
    (112.0 / 255.0, 0.149039, 0.508051, 0.557250),
    (128.0 / 255.0, 0.127568, 0.566949, 0.550556),
    (144.0 / 255.0, 0.120638, 0.625828, 0.533488),
    (160.0 / 255.0, 0.157851, 0.683765, 0.501686),
    (176.0 / 255.0, 0.246070, 0.738910, 0.452024),
    (192.0 / 255.0, 0.369214, 0.788888, 0.382914),
    (208.0 / 255.0, 0.515992, 0.831158, 0.294279),
    (224.0 / 255.0, 0.678489, 0.863742, 0.189503),
    (240.0 / 255.0, 0.845561, 0.887322, 0.099702),
    (1.0, 0.993248, 0.906157, 0.143936),
];

/// Viridis colour at `t` in [0, 1] (clamped; NaN gives the low end) as 8-bit RGB.
pub(crate) fn viridis(t: f64) -> (u8, u8, u8) {
    let t = if t.is_nan() { 0.0 } else { t.clamp(0.0, 1.0) };
    let k = VIRIDIS
        .windows(2)
        .position(|w| t <= w[1].0)
        .unwrap_or(VIRIDIS.len() - 2);
    let (t0, r0, g0, b0) = VIRIDIS[k];
    let (t1, r1, g1, b1) = VIRIDIS[k + 1];
    let s = ((t - t0) / (t1 - t0)).clamp(0.0, 1.0);
    let channel = |a: f64, b: f64| ((a + s * (b - a)) * 255.0).round().clamp(0.0, 255.0) as u8;
    (channel(r0, r1), channel(g0, g1), channel(b0, b1))
}

#[cfg(test)]
mod tests {
    use super::viridis;

    #[test]
    fn ends_and_middle_match_the_published_table() {
        assert_eq!(viridis(0.0), (68, 1, 84));
        assert_eq!(viridis(1.0), (253, 231, 37));
        // Entry 128 of the table: (0.127568, 0.566949, 0.550556).
        assert_eq!(viridis(128.0 / 255.0), (33, 145, 140));
        // Between control points, entry 100 (0.166617, 0.463708, 0.558119)
        // is matched within one 8-bit step.
        let (r, g, b) = viridis(100.0 / 255.0);
        for (got, want) in [(r, 0.166617), (g, 0.463708), (b, 0.558119)] {
            assert!(
                (f64::from(got) - want * 255.0).abs() <= 1.0,
                "{got} vs {want}"
            );
        }
        assert_eq!(viridis(-3.0), viridis(0.0));
        assert_eq!(viridis(7.0), viridis(1.0));
        assert_eq!(viridis(f64::NAN), viridis(0.0));
    }

    #[test]
    fn lightness_increases_monotonically() {
        let luma = |(r, g, b): (u8, u8, u8)| {
            0.2126 * f64::from(r) + 0.7152 * f64::from(g) + 0.0722 * f64::from(b)
        };
        let mut last = -1.0;
        for k in 0..=100 {
            let l = luma(viridis(f64::from(k) / 100.0));
            assert!(l > last, "luma not increasing at {k}");
            last = l;
        }
    }
}
