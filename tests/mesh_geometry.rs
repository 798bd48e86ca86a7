//! Property tests of the exact cell intersections behind attachments and
//! region loads: segment lengths sum to the segment's length inside the panel,
//! overlap areas to the overlap area — directly and through the network.

use proptest::prelude::*;
use thermorbit::mesh::{Material, PanelGrid, RectangularPanel, Region};
use thermorbit::network::ThermalNetwork;

const STEEL: Material = Material {
    k_w_m_k: 16.0,
    density_kg_m3: 8000.0,
    specific_heat_j_kg_k: 500.0,
};

/// Panel sizes and grids.
fn grid_strategy() -> impl Strategy<Value = (f64, f64, usize, usize)> {
    (0.1f64..3.0, 0.1f64..3.0, 1usize..40, 1usize..40)
}

/// Length of `[p, q]` inside `[0, l] × [0, w]`, by bisection on the parameter
/// where the segment enters and leaves the (convex) rectangle — an independent
/// way to get what Liang–Barsky clipping computes.
fn inside_length(p: [f64; 2], q: [f64; 2], l: f64, w: f64) -> f64 {
    let at = |s: f64| [p[0] + s * (q[0] - p[0]), p[1] + s * (q[1] - p[1])];
    let inside = |s: f64| {
        let [x, y] = at(s);
        (0.0..=l).contains(&x) && (0.0..=w).contains(&y)
    };
    // Sample for a point inside; the inside part is one interval (convexity).
    let samples = 20_000;
    let Some(k) = (0..=samples).find(|&k| inside(k as f64 / samples as f64)) else {
        return 0.0;
    };
    let s_in = k as f64 / samples as f64;
    let edge = |mut a: f64, mut b: f64| {
        // a inside, b outside (or b an end point): bisect.
        if inside(b) {
            return b;
        }
        for _ in 0..200 {
            let m = 0.5 * (a + b);
            if inside(m) {
                a = m;
            } else {
                b = m;
            }
        }
        a
    };
    let s0 = edge(s_in, 0.0);
    let s1 = edge(s_in, 1.0);
    (s1 - s0) * (q[0] - p[0]).hypot(q[1] - p[1])
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    /// A segment inside the panel: the cell lengths sum to its length, and no
    /// cell holds more than its diagonal.
    #[test]
    fn prop_segment_lengths_sum_to_the_segment_length(
        (l, w, nx, ny) in grid_strategy(),
        a in (0.0f64..1.0, 0.0f64..1.0),
        b in (0.0f64..1.0, 0.0f64..1.0),
    ) {
        let grid = PanelGrid::new("p", l, w, nx, ny).unwrap();
        let (p, q) = ([a.0 * l, a.1 * w], [b.0 * l, b.1 * w]);
        let cells = grid.segment_lengths(p, q);
        let sum: f64 = cells.iter().map(|c| c.amount).sum();
        let length = (q[0] - p[0]).hypot(q[1] - p[1]);
        prop_assert!((sum - length).abs() <= 1e-12 * (l + w), "{sum} vs {length}");
        let diagonal = grid.dx_m().hypot(grid.dy_m());
        for c in &cells {
            prop_assert!(c.amount > 0.0 && c.amount <= diagonal * (1.0 + 1e-12));
            prop_assert!(c.i < nx && c.j < ny);
        }
    }

    /// A segment that may leave the panel: the lengths sum to its part inside.
    #[test]
    fn prop_clipped_segment_lengths_sum_to_the_part_inside(
        (l, w, nx, ny) in grid_strategy(),
        a in (-1.0f64..2.0, -1.0f64..2.0),
        b in (-1.0f64..2.0, -1.0f64..2.0),
    ) {
        let grid = PanelGrid::new("p", l, w, nx, ny).unwrap();
        let (p, q) = ([a.0 * l, a.1 * w], [b.0 * l, b.1 * w]);
        let sum: f64 = grid.segment_lengths(p, q).iter().map(|c| c.amount).sum();
        let expected = inside_length(p, q, l, w);
        // The reference samples at 1/20000 of the segment to find it inside;
        // a sliver shorter than that may be missed.
        let tolerance = 1e-9 * (l + w) + (q[0] - p[0]).hypot(q[1] - p[1]) / 20_000.0;
        prop_assert!((sum - expected).abs() <= tolerance, "{sum} vs {expected}");
    }

    /// A segment along a grid line (a tube between two rows of cells) is shared
    /// equally by the rows on either side, and still sums to its length.
    #[test]
    fn prop_segment_on_a_grid_line_is_shared(
        (l, w, nx, ny) in grid_strategy(),
        line in 0usize..40,
        a in 0.0f64..1.0,
        b in 0.0f64..1.0,
    ) {
        prop_assume!(ny >= 2 && (a - b).abs() > 1e-3);
        let grid = PanelGrid::new("p", l, w, nx, ny).unwrap();
        let j = 1 + line % (ny - 1);
        let y = grid.y_face_m(j);
        let cells = grid.segment_lengths([a * l, y], [b * l, y]);
        let below: f64 = cells.iter().filter(|c| c.j == j - 1).map(|c| c.amount).sum();
        let above: f64 = cells.iter().filter(|c| c.j == j).map(|c| c.amount).sum();
        let length = (a - b).abs() * l;
        prop_assert!(cells.iter().all(|c| c.j == j - 1 || c.j == j));
        prop_assert!((below - 0.5 * length).abs() <= 1e-12 * l, "{below} {above} {length}");
        prop_assert!((above - 0.5 * length).abs() <= 1e-12 * l);
    }

    /// Overlap areas sum to the area of region ∩ panel, each at most a cell's area.
    #[test]
    fn prop_region_areas_sum_to_the_overlap(
        (l, w, nx, ny) in grid_strategy(),
        x in (-0.5f64..1.5, -0.5f64..1.5),
        y in (-0.5f64..1.5, -0.5f64..1.5),
    ) {
        prop_assume!((x.0 - x.1).abs() > 1e-6 && (y.0 - y.1).abs() > 1e-6);
        let grid = PanelGrid::new("p", l, w, nx, ny).unwrap();
        let (x0, x1) = (x.0.min(x.1) * l, x.0.max(x.1) * l);
        let (y0, y1) = (y.0.min(y.1) * w, y.0.max(y.1) * w);
        let region = Region::new([x0, y0], [x1, y1]);
        let sum: f64 = grid.overlap_areas(&region).map(|c| c.amount).sum();
        let overlap = (x1.min(l) - x0.max(0.0)).max(0.0) * (y1.min(w) - y0.max(0.0)).max(0.0);
        prop_assert!((sum - overlap).abs() <= 1e-12 * l * w, "{sum} vs {overlap}");
        for c in grid.overlap_areas(&region) {
            prop_assert!(c.amount > 0.0 && c.amount <= grid.cell_area_m2() * (1.0 + 1e-12));
        }
    }

    /// Through the network: the conductors an attachment adds sum to
    /// `G′ × length` for a line and `h × overlap area` for a region.
    #[test]
    fn prop_attachment_conductances_sum_to_the_totals(
        (l, w, nx, ny) in grid_strategy(),
        a in (0.0f64..1.0, 0.0f64..1.0),
        b in (0.0f64..1.0, 0.0f64..1.0),
        r in (0.0f64..1.0, 0.0f64..1.0, 0.0f64..1.0, 0.0f64..1.0),
    ) {
        let (p, q) = ([a.0 * l, a.1 * w], [b.0 * l, b.1 * w]);
        let length = (q[0] - p[0]).hypot(q[1] - p[1]);
        prop_assume!(length > 1e-9);
        let (x0, x1) = (r.0.min(r.1) * l, r.0.max(r.1) * l);
        let (y0, y1) = (r.2.min(r.3) * w, r.2.max(r.3) * w);
        prop_assume!(x1 - x0 > 1e-9 && y1 - y0 > 1e-9);
        let mut net = ThermalNetwork::new();
        let pipe = net.add_boundary("pipe", 300.0).unwrap();
        let plate = net.add_boundary("plate", 300.0).unwrap();
        let before = 2 * nx * ny - nx - ny;
        RectangularPanel::new("p", l, w, 0.001, STEEL, nx, ny)
            .with_line_attachment("line", pipe, p, q, 7.0)
            .with_region_attachment("region", plate, Region::new([x0, y0], [x1, y1]), 250.0)
            .add_to(&mut net)
            .unwrap();
        let added = &net.linear_conductors()[before..];
        let to = |n| added.iter().filter(|c| c.b() == n).map(|c| c.value()).sum::<f64>();
        prop_assert!((to(pipe) - 7.0 * length).abs() <= 1e-12 * 7.0 * (l + w));
        let area = (x1 - x0) * (y1 - y0);
        prop_assert!((to(plate) - 250.0 * area).abs() <= 1e-12 * 250.0 * l * w);
    }
}
