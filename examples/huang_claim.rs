//! "A megawatt GPU cluster in orbit needs tens of thousands of square metres of radiators":
//! the claim checked with the sizing optimizer on the solved radiator model.
//!
//! Run with `cargo run --release --example huang_claim` (about two minutes on two cores).
//! Every row is also one `thermorbit size … --json` command, printed beside it, which gives
//! the same numbers (the example and the CLI call the same `SizingSettings` → `optimize`).
//!
//! (a) 1 MW of H100-class GPUs in low Earth orbit and in GEO: the ideal bound (isothermal,
//!     no environment), a realistic design and a conservative one;
//! (b) the assumptions under which the figure reaches tens of thousands of m²;
//! (c) 200–300 GW a year and 1 TW: radiator and array area, mass and launches.

use thermorbit::sizing::sweep::SizingSettings;
use thermorbit::sizing::{optimize, Optimum};

/// Payload per launch to low Earth orbit, t: Starship's reusable capacity as SpaceX states it
/// ("100–150 t to LEO", SpaceX Starship page; Starship Users Guide rev. 1.0, 2020, "more than
/// 100 t"). 100 t is taken; any other figure scales the launch counts inversely.
const PAYLOAD_PER_LAUNCH_T: f64 = 100.0;

/// The International Space Station's external active thermal control system: 70 kW rejected
/// through six radiator ORUs of 23.3 m × 3.4 m (NASA, ISS Active Thermal Control System
/// overview, as summarised in the project's REFERENCES.md).
const ISS_REJECTION_W: f64 = 70.0e3;
/// See [`ISS_REJECTION_W`]: six ORUs of 23.3 m × 3.4 m planform.
const ISS_RADIATOR_PLANFORM_M2: f64 = 6.0 * 23.3 * 3.4;

/// One scenario: a label, the `thermorbit size` flags and the settings they give.
struct Scenario {
    label: &'static str,
    flags: &'static str,
    settings: SizingSettings,
}

fn scenario(label: &'static str, flags: &'static str, settings: SizingSettings) -> Scenario {
    Scenario {
        label,
        flags,
        settings,
    }
}

/// The settings every scenario starts from: 1 MW of H100s, GPUs kept at full power through
/// eclipses (the battery is sized to carry them), so the cold case is the eclipse at full load.
fn base(orbit: &str) -> SizingSettings {
    SizingSettings {
        orbit: orbit.into(),
        idle_fraction: Some(1.0),
        ..SizingSettings::default()
    }
}

fn run(s: &SizingSettings) -> Result<Optimum, thermorbit::Error> {
    s.check()?;
    let env = s.scan()?;
    let problem = s.problem(env)?;
    optimize(&problem, &s.search()?)
}

fn main() -> Result<(), thermorbit::Error> {
    let mut rows = Vec::new();
    for (orbit, name) in [("leo-400", "LEO 400 km"), ("geo", "GEO")] {
        rows.push((
            name,
            scenario(
                "ideal bound: isothermal, no environment, two-sided",
                "--isothermal --environment none --idle-fraction 1",
                SizingSettings {
                    isothermal: true,
                    environment: "none".into(),
                    ..base(orbit)
                },
            ),
        ));
        rows.push((
            name,
            scenario(
                "realistic: solved fins and tubes, hot environment, AZ-93, two-sided",
                "--idle-fraction 1",
                base(orbit),
            ),
        ));
        rows.push((
            name,
            scenario(
                "conservative: one-sided, end-of-life paint (α 0.30, ε 0.85)",
                "--one-sided --absorptivity 0.30 --emissivity 0.85 --idle-fraction 1",
                SizingSettings {
                    one_sided: true,
                    absorptivity: 0.30,
                    emissivity: 0.85,
                    ..base(orbit)
                },
            ),
        ));
        rows.push((
            name,
            scenario(
                "heritage: one-sided, radiator at 276 K (ISS ammonia ~3 °C)",
                "--one-sided --radiator-temp-k 276 --idle-fraction 1",
                SizingSettings {
                    one_sided: true,
                    radiator_temp_k: Some(276.0),
                    ..base(orbit)
                },
            ),
        ));
    }
    println!("(a), (b): 1 MW of H100 GPUs (700 W, junction 87 °C less 11 K margin)\n");
    println!(
        "| orbit | design | T_rad K | radiator m²/MW (planform) | radiating surface m²/MW \
         | arrays m²/MW | radiator + arrays m²/MW | radiator t/MW | total t/MW | binding | \
         `thermorbit size --orbit … ` flags |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|");
    let mut realistic = None;
    for (orbit, sc) in &rows {
        match run(&sc.settings) {
            Ok(o) => {
                let e = &o.best;
                let m = &e.per_mw;
                println!(
                    "| {orbit} | {} | {:.1} | {:.0} | {:.0} | {:.0} | {:.0} | {:.1} | {:.1} | {} | `{}` |",
                    sc.label,
                    e.radiator_temperature_k,
                    m.radiator_planform_area_m2,
                    m.radiator_surface_area_m2,
                    m.solar_array_area_m2,
                    m.radiator_planform_area_m2 + m.solar_array_area_m2,
                    m.masses_kg.radiator / 1e3,
                    m.masses_kg.total / 1e3,
                    o.binding(),
                    sc.flags
                );
            }
            Err(err) => println!("| {orbit} | {} | — | {err} |", sc.label),
        }
    }
    let iss_m2_per_mw = ISS_RADIATOR_PLANFORM_M2 / (ISS_REJECTION_W / 1e6);
    println!(
        "\nISS for comparison: {ISS_RADIATOR_PLANFORM_M2:.0} m² of radiator planform for \
         {:.0} kW → {iss_m2_per_mw:.0} m²/MW\n",
        ISS_REJECTION_W / 1e3
    );

    // (c) Scale-up from the realistic design in the dawn–dusk orbit the data-centre studies
    // chose (continuous sunlight most of the year).
    let sso = base("sso-dawn-dusk-550");
    if let Ok(o) = run(&sso) {
        realistic = Some(o.best);
    }
    let Some(e) = realistic else {
        println!("(c): the realistic dawn–dusk design could not be sized");
        return Ok(());
    };
    let m = &e.per_mw;
    println!(
        "(c) scale-up, realistic design in the dawn–dusk SSO at 550 km (`thermorbit size \
         --idle-fraction 1 --json`): {:.0} m²/MW radiator, {:.0} m²/MW arrays, {:.1} t/MW in all \
         (radiator {:.1}, arrays {:.1}, battery {:.1}); {PAYLOAD_PER_LAUNCH_T:.0} t per launch\n",
        m.radiator_planform_area_m2,
        m.solar_array_area_m2,
        m.masses_kg.total / 1e3,
        m.masses_kg.radiator / 1e3,
        m.masses_kg.solar_arrays / 1e3,
        m.masses_kg.battery / 1e3,
    );
    println!(
        "| GPU power | radiator km² | arrays km² | radiator + arrays + battery Mt | launches | per day |"
    );
    println!("|---|---|---|---|---|---|");
    for (label, mw, per_year) in [
        ("200 GW a year", 200.0e3, true),
        ("300 GW a year", 300.0e3, true),
        ("1 TW", 1.0e6, false),
    ] {
        let launches = mw * m.masses_kg.total / 1e3 / PAYLOAD_PER_LAUNCH_T;
        println!(
            "| {label} | {:.0} | {:.0} | {:.2} | {:.0} | {} |",
            mw * m.radiator_planform_area_m2 / 1e6,
            mw * m.solar_array_area_m2 / 1e6,
            mw * m.masses_kg.total / 1e9,
            launches,
            if per_year {
                format!("{:.0}", launches / 365.25)
            } else {
                "—".into()
            }
        );
    }
    println!(
        "\nMasses exclude the GPUs, racks, structure and the bus; launches are payload mass \
         only (no packing or orbit-raising losses)."
    );
    Ok(())
}
