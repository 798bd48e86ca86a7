//! Criterion benchmarks of the radiation module: Monte Carlo rays per second on two
//! parallel rectangles (target ≥ 2·10⁷ rays/s per core), and a 1,000-face factor matrix
//! with blocking to a standard error of 0.01 on every factor (target < 30 s).
//!
//! Run: `cargo bench --bench radiation` (`RAYON_NUM_THREADS=1` for the per-core rate).

use criterion::{criterion_group, Criterion, Throughput};
use thermorbit::radiation::{factor_matrix, trace_rows, MonteCarloOptions, Scene, Surface, Vec3};

/// Two 1 m × 2 m rectangles facing each other 0.5 m apart.
fn two_rectangles() -> Scene {
    Scene::new(vec![
        Surface::rectangle("a", Vec3::zeros(), Vec3::x(), Vec3::y() * 2.0),
        Surface::rectangle("b", Vec3::new(0.0, 0.0, 0.5), Vec3::y() * 2.0, Vec3::x()),
    ])
    .unwrap_or_else(|e| panic!("{e}"))
}

/// 1,000 faces with blocking: a stack of five 2 m × 2 m radiator panels 0.4 m apart, each
/// two-sided and split into 10 × 10 cells; every inner panel blocks the view between its
/// neighbours.
pub fn radiator_stack() -> Scene {
    let panels = (0..5)
        .map(|k| {
            Surface::rectangle(
                format!("p{k}"),
                Vec3::new(0.0, 0.0, 0.4 * k as f64),
                Vec3::x() * 2.0,
                Vec3::y() * 2.0,
            )
            .with_cells(10, 10)
            .two_sided()
        })
        .collect();
    Scene::new(panels).unwrap_or_else(|e| panic!("{e}"))
}

fn bench(c: &mut Criterion) {
    let pair = two_rectangles();
    let rays = 4_000_000u64;
    let opts = MonteCarloOptions::new(rays, 1).unwrap_or_else(|e| panic!("{e}"));
    let mut g = c.benchmark_group("radiation");
    g.sample_size(10);
    g.throughput(Throughput::Elements(rays));
    g.bench_function("two_rectangles_4e6_rays", |b| {
        b.iter(|| trace_rows(&pair, &[0], &opts).unwrap_or_else(|e| panic!("{e}")))
    });
    let stack = radiator_stack();
    assert_eq!(stack.faces().len(), 1000);
    let opts = MonteCarloOptions::for_standard_error(0.01, 1).unwrap_or_else(|e| panic!("{e}"));
    g.throughput(Throughput::Elements(opts.rays_per_face * 1000));
    g.bench_function("stack_1000_faces_se_0.01", |b| {
        b.iter(|| factor_matrix(&stack, &opts).unwrap_or_else(|e| panic!("{e}")))
    });
    g.finish();
}

/// Process CPU time (user + system) from `/proc/self/stat` in seconds (clock ticks of
/// 1/100 s), so that a rate on a loaded machine counts only the time this process ran.
fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name (which may hold spaces) start at state (field 3).
    let rest = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    Some((utime + stime) / 100.0)
}

/// Rays per CPU second on the two rectangles (4·10⁷ rays), and the CPU and wall time of the
/// 1,000-face matrix: the figures of benches/README.md, meaningful on a shared machine.
fn cpu_rates() {
    let pair = two_rectangles();
    let rays = 40_000_000u64;
    let opts = MonteCarloOptions::new(rays, 2).unwrap_or_else(|e| panic!("{e}"));
    let (c0, w0) = (cpu_seconds(), std::time::Instant::now());
    let est = trace_rows(&pair, &[0], &opts).unwrap_or_else(|e| panic!("{e}"));
    let (c1, wall) = (cpu_seconds(), w0.elapsed().as_secs_f64());
    if let (Some(a), Some(b)) = (c0, c1) {
        println!(
            "two rectangles: {rays} rays, F = {:.5}, cpu {:.2} s, wall {wall:.2} s: {:.1} million rays per cpu-second",
            est.factor(0, 1),
            b - a,
            rays as f64 / (b - a) / 1e6
        );
    }
    let stack = radiator_stack();
    let opts = MonteCarloOptions::for_standard_error(0.01, 1).unwrap_or_else(|e| panic!("{e}"));
    let (c0, w0) = (cpu_seconds(), std::time::Instant::now());
    let m = factor_matrix(&stack, &opts).unwrap_or_else(|e| panic!("{e}"));
    let (c1, wall) = (cpu_seconds(), w0.elapsed().as_secs_f64());
    if let (Some(a), Some(b)) = (c0, c1) {
        println!(
            "1000-face stack: {} rays per face, max standard error {:.4}, cpu {:.2} s, wall {wall:.2} s",
            opts.rays_per_face,
            m.max_standard_error(),
            b - a
        );
    }
}

criterion_group!(benches, bench);

fn main() {
    cpu_rates();
    benches();
    Criterion::default().configure_from_args().final_summary();
}
