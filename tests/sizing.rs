//! Sizing properties beyond the validation cases: the same answer on 1 and 2 threads (the
//! optimizer's grid and a sweep run in parallel), shards that merge into the single run's
//! table, and the radiator section's heat converging with its grid.

use thermorbit::mesh::Coating;
use thermorbit::sizing::section::{
    cold_section, cold_section_at_supply, solve_section, SectionEnvironment, SectionGrid,
    SectionSpec,
};
use thermorbit::sizing::sweep::{merge, to_csv, SizingSettings, SweepSpec};
use thermorbit::sizing::{optimize, Optimum};
use thermorbit::sizing::{ALUMINIUM_2024_T6, DEFAULT_GRID, DEFAULT_TUBE};

/// Runs `f` on a rayon pool of `threads` threads.
fn on_threads<T: Send>(threads: usize, f: impl FnOnce() -> T + Send) -> T {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap()
        .install(f)
}

fn optimum_at_315_k() -> Optimum {
    let s = SizingSettings {
        radiator_temp_k: Some(315.0),
        ..SizingSettings::default()
    };
    let env = s.scan().unwrap();
    let p = s.problem(env).unwrap();
    optimize(&p, &s.search().unwrap()).unwrap()
}

#[test]
fn the_optimizer_gives_the_same_bits_on_one_and_two_threads() {
    let one = on_threads(1, optimum_at_315_k);
    let two = on_threads(2, optimum_at_315_k);
    assert_eq!(one.best.design, two.best.design);
    assert_eq!(
        one.best.per_mw.radiator_planform_area_m2.to_bits(),
        two.best.per_mw.radiator_planform_area_m2.to_bits()
    );
    assert_eq!(one.report.evaluations, two.report.evaluations);
}

const SWEEP: &str = r#"
mode = "evaluate"

[base]
idle_fraction = 1.0
rise_k = 8.0
fin_thickness_mm = 1.0
pitch_m = 0.15
length_m = 6.0

[sample]
count = 12
radiator_temp_k = [300.0, 330.0]
pitch_m = [0.05, 0.4]
"#;

#[test]
fn sweep_shards_merge_into_the_single_run_on_any_thread_count() {
    let spec = SweepSpec::parse(SWEEP).unwrap();
    let single = on_threads(2, || spec.run((0, 1)).unwrap());
    assert_eq!(single.len(), 12);
    let one_thread = on_threads(1, || spec.run((0, 1)).unwrap());
    assert_eq!(to_csv(&single), to_csv(&one_thread));
    let parts: Vec<_> = (0..3).map(|i| spec.run((i, 3)).unwrap()).collect();
    assert_eq!(parts.iter().map(Vec::len).sum::<usize>(), 12);
    let merged = merge(parts).unwrap();
    assert_eq!(to_csv(&merged), to_csv(&single));
}

/// A 1 mm aluminium section, 15 cm pitch, 2 m long, on `grid`.
fn section(grid: SectionGrid) -> SectionSpec {
    SectionSpec {
        length_m: 2.0,
        pitch_m: 0.15,
        fin_thickness_m: 1.0e-3,
        material: ALUMINIUM_2024_T6,
        coating: Coating {
            absorptivity: 0.15,
            emissivity: 0.91,
        },
        two_sided: true,
        tube: DEFAULT_TUBE,
        grid,
    }
}

/// Heat of [`section`] with a water-film tube fed at 320 K, no environment.
fn section_heat_w(grid: SectionGrid) -> f64 {
    solve_section(
        &section(grid),
        &SectionEnvironment::none(),
        320.0,
        20.0,
        50.0,
        None,
    )
    .unwrap()
    .heat_w
}

/// The heated cold case is the cold case run backwards: the heat that holds the loop's
/// supply at 206.5 K (ammonia's freezing point plus 11 K), given back to the cold case,
/// closes the loop at 206.5 K again; and less heat leaves it colder.
#[test]
fn the_heat_that_holds_a_cold_loop_closes_it_at_that_temperature() {
    let spec = section(DEFAULT_GRID);
    let env = SectionEnvironment::none();
    let (mdot_cp, film) = (20.0, 50.0);
    let held = cold_section_at_supply(&spec, &env, mdot_cp, film, 206.495).unwrap();
    let q = held.solution.heat_w;
    assert!(q > 0.0, "{q}");
    assert!((held.solution.outlet_k - 206.495).abs() < 1e-4);
    let back = cold_section(&spec, &env, mdot_cp, film, q).unwrap();
    assert!(
        (back.supply_k - 206.495).abs() < 1e-3,
        "supply {} K with {q} W",
        back.supply_k
    );
    let less = cold_section(&spec, &env, mdot_cp, film, 0.5 * q).unwrap();
    assert!(less.supply_k < 206.0, "{}", less.supply_k);
}

#[test]
fn the_default_section_grid_is_within_half_a_percent_of_a_refined_one() {
    let coarse = section_heat_w(DEFAULT_GRID);
    let fine = section_heat_w(SectionGrid {
        nx: 4 * DEFAULT_GRID.nx,
        ny: 4 * DEFAULT_GRID.ny + 1,
    });
    let rel = (coarse - fine).abs() / fine;
    assert!(
        rel < 5e-3,
        "default grid {coarse} W, refined {fine} W: {rel:e}"
    );
}
