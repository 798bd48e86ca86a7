//! The power budget over time: what the arrays deliver, what the bus draws,
//! and the battery that carries the difference.
//!
//! At each instant the arrays deliver `P_gen` to the bus (after the array
//! regulator's efficiency) and the loads draw `P_load` (GPUs, other rack loads,
//! pumps, housekeeping). A surplus charges the battery, of which the fraction
//! `η_ch` is stored; a shortfall is drawn from it, costing `P/η_dis` of stored
//! energy. Stored energy is kept between `(1 − DoD_max) E_cap` and `E_cap`:
//! a surplus with the battery full is not used (the arrays are regulated back),
//! a shortfall with the battery at its floor is a *deficit*: the run reports it
//! in Wh and, with [`DeficitPolicy::ShedGpuLoad`], sheds GPU load to cover it.
//! The battery's losses, `(1 − η_ch) P_ch` while charging and `(1/η_dis − 1)
//! P_dis` while discharging, are heat in the battery (Patel, *Spacecraft Power
//! Systems*, 2005, ch. 10; Wertz & Larson, *SMAD*, 3rd ed., §11.4).
//!
//! Powers are given at sample times and taken as linear between them; stored
//! energy is integrated interval by interval with the interval's mean power
//! (the trapezoidal rule), so a hand integral over an eclipse is reproduced.
//! Two samples at one time are a jump (the arrays' output at a cylindrical
//! shadow's edge): the value before and the value after, with nothing between.

use crate::components::Battery;
use crate::error::ComponentError;

/// What the bus does when the arrays and the battery cannot carry the load.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DeficitPolicy {
    /// Run the loads anyway and report the deficit (Wh).
    #[default]
    Report,
    /// Shed GPU load to match what is available; report what was shed.
    ShedGpuLoad,
}

/// The battery as the budget sees it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Storage {
    /// Capacity, Wh.
    pub capacity_wh: f64,
    /// Deepest allowed depth of discharge.
    pub max_depth_of_discharge: f64,
    /// Charge efficiency.
    pub charge_efficiency: f64,
    /// Discharge efficiency.
    pub discharge_efficiency: f64,
    /// State of charge at the first sample.
    pub initial_state_of_charge: f64,
}

impl From<&Battery> for Storage {
    fn from(b: &Battery) -> Self {
        Self {
            capacity_wh: b.capacity_wh,
            max_depth_of_discharge: b.max_depth_of_discharge,
            charge_efficiency: b.charge_efficiency,
            discharge_efficiency: b.discharge_efficiency,
            initial_state_of_charge: b.initial_state_of_charge,
        }
    }
}

/// Power flows at sample times (W) as the budget's input.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PowerDemand {
    /// Sample times, s, non-decreasing (two equal times are a jump).
    pub times_s: Vec<f64>,
    /// Power the arrays deliver to the bus.
    pub generated_w: Vec<f64>,
    /// Power the loads draw, GPUs included.
    pub load_w: Vec<f64>,
    /// Of which GPU power that may be shed.
    pub sheddable_w: Vec<f64>,
}

/// The budget over time.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PowerHistory {
    /// Sample times, s.
    pub times_s: Vec<f64>,
    /// Power the arrays deliver to the bus, W.
    pub generated_w: Vec<f64>,
    /// Power the loads draw (after shedding), W.
    pub consumed_w: Vec<f64>,
    /// GPU power shed, W.
    pub shed_w: Vec<f64>,
    /// Battery power, W: > 0 charging (drawn from the bus), < 0 discharging (delivered).
    pub battery_w: Vec<f64>,
    /// Heat dissipated in the battery, W.
    pub battery_heat_w: Vec<f64>,
    /// State of charge, fraction of capacity.
    pub state_of_charge: Vec<f64>,
    /// Deepest depth of discharge reached, fraction of capacity.
    pub max_depth_of_discharge: f64,
    /// Energy the loads asked for but nothing could supply, Wh.
    pub deficit_wh: f64,
    /// GPU energy shed, Wh.
    pub shed_wh: f64,
    /// Surplus the arrays could have delivered but nothing took, Wh.
    pub unused_surplus_wh: f64,
    /// Mean generated power over the span, W.
    pub average_generated_w: f64,
    /// Mean consumed power over the span, W.
    pub average_consumed_w: f64,
}

impl PowerHistory {
    /// The battery heat as `(times, values)` for a heat-source table.
    pub fn battery_heat_table(&self) -> (Vec<f64>, Vec<f64>) {
        (self.times_s.clone(), self.battery_heat_w.clone())
    }

    /// The history at the samples `indices` of its own (in order), the totals unchanged:
    /// a budget integrated on a finer grid reported at the run's output times.
    pub fn at_samples(&self, indices: &[usize]) -> Self {
        let pick = |v: &[f64]| indices.iter().filter_map(|&i| v.get(i).copied()).collect();
        Self {
            times_s: pick(&self.times_s),
            generated_w: pick(&self.generated_w),
            consumed_w: pick(&self.consumed_w),
            shed_w: pick(&self.shed_w),
            battery_w: pick(&self.battery_w),
            battery_heat_w: pick(&self.battery_heat_w),
            state_of_charge: pick(&self.state_of_charge),
            ..self.clone()
        }
    }
}

fn check_series(demand: &PowerDemand) -> Result<(), ComponentError> {
    let n = demand.times_s.len();
    let bad = |reason: String| ComponentError::Inconsistent {
        component: "power budget".into(),
        reason,
    };
    if n == 0 {
        return Err(bad("no samples".into()));
    }
    for (what, v) in [
        ("generated_w", &demand.generated_w),
        ("load_w", &demand.load_w),
        ("sheddable_w", &demand.sheddable_w),
    ] {
        if v.len() != n {
            return Err(bad(format!("{what} has {} samples, times {n}", v.len())));
        }
        if let Some(x) = v.iter().find(|x| !(x.is_finite() && **x >= 0.0)) {
            return Err(bad(format!(
                "{what} holds {x}; powers must be finite and >= 0"
            )));
        }
    }
    if demand
        .times_s
        .windows(2)
        .any(|w| !w[0].is_finite() || !w[1].is_finite() || w[1] < w[0])
    {
        return Err(bad(
            "sample times must be finite and must not decrease".into()
        ));
    }
    Ok(())
}

/// Integrates the budget over the samples. Without a battery, every shortfall
/// is a deficit.
pub fn integrate(
    demand: &PowerDemand,
    battery: Option<&Storage>,
    policy: DeficitPolicy,
) -> Result<PowerHistory, ComponentError> {
    check_series(demand)?;
    let n = demand.times_s.len();
    let (cap_j, floor_j, eta_ch, eta_dis, mut stored_j) = match battery {
        Some(b) => {
            let cap = b.capacity_wh * 3600.0;
            (
                cap,
                cap * (1.0 - b.max_depth_of_discharge),
                b.charge_efficiency,
                b.discharge_efficiency,
                cap * b.initial_state_of_charge,
            )
        }
        None => (0.0, 0.0, 1.0, 1.0, 0.0),
    };
    let soc = |e: f64| if cap_j > 0.0 { e / cap_j } else { 0.0 };
    let mut h = PowerHistory {
        times_s: demand.times_s.clone(),
        generated_w: demand.generated_w.clone(),
        consumed_w: vec![0.0; n],
        shed_w: vec![0.0; n],
        battery_w: vec![0.0; n],
        battery_heat_w: vec![0.0; n],
        state_of_charge: vec![soc(stored_j); n],
        ..Default::default()
    };
    let mut deficit_j = 0.0;
    let mut shed_j = 0.0;
    let mut unused_j = 0.0;
    let mut min_soc = soc(stored_j);
    // Each interval: the mean powers of its two samples. The per-sample
    // arrays report what the interval ending there did (the first sample the first interval).
    for k in 0..n.saturating_sub(1) {
        let dt = demand.times_s[k + 1] - demand.times_s[k];
        if dt == 0.0 {
            // A jump: the sample after it starts from the same stored energy.
            let i = k + 1;
            h.battery_w[i] = h.battery_w[k];
            h.battery_heat_w[i] = h.battery_heat_w[k];
            h.shed_w[i] = h.shed_w[k];
            h.consumed_w[i] = demand.load_w[i] - h.shed_w[i].min(demand.sheddable_w[i]);
            h.state_of_charge[i] = soc(stored_j);
            continue;
        }
        let mean = |v: &[f64]| 0.5 * (v[k] + v[k + 1]);
        let gen = mean(&demand.generated_w);
        let load = mean(&demand.load_w);
        let sheddable = mean(&demand.sheddable_w);
        let net = gen - load;
        let (battery_w, heat_w, shed_w) = if net >= 0.0 {
            // Charge with what the battery can store in this interval.
            let room_j = (cap_j - stored_j).max(0.0);
            let charge_w = net.min(room_j / (eta_ch * dt));
            stored_j += eta_ch * charge_w * dt;
            unused_j += (net - charge_w) * dt;
            (charge_w, (1.0 - eta_ch) * charge_w, 0.0)
        } else {
            let need_w = -net;
            let available_w = ((stored_j - floor_j).max(0.0) * eta_dis / dt).min(need_w);
            stored_j -= available_w / eta_dis * dt;
            let short_w = need_w - available_w;
            let shed_w = match policy {
                DeficitPolicy::Report => 0.0,
                DeficitPolicy::ShedGpuLoad => short_w.min(sheddable),
            };
            shed_j += shed_w * dt;
            deficit_j += (short_w - shed_w) * dt;
            (-available_w, (1.0 / eta_dis - 1.0) * available_w, shed_w)
        };
        let i = k + 1;
        h.battery_w[i] = battery_w;
        h.battery_heat_w[i] = heat_w;
        h.shed_w[i] = shed_w;
        h.consumed_w[i] = demand.load_w[i] - shed_w.min(demand.sheddable_w[i]);
        h.state_of_charge[i] = soc(stored_j);
        min_soc = min_soc.min(soc(stored_j));
    }
    if n > 1 {
        h.battery_w[0] = h.battery_w[1];
        h.battery_heat_w[0] = h.battery_heat_w[1];
        h.shed_w[0] = h.shed_w[1];
        h.consumed_w[0] = demand.load_w[0] - h.shed_w[0].min(demand.sheddable_w[0]);
    } else {
        h.consumed_w[0] = demand.load_w[0];
    }
    let span = demand.times_s[n - 1] - demand.times_s[0];
    let average = |v: &[f64]| {
        if span > 0.0 {
            v.windows(2)
                .zip(demand.times_s.windows(2))
                .map(|(p, t)| 0.5 * (p[0] + p[1]) * (t[1] - t[0]))
                .sum::<f64>()
                / span
        } else {
            v[0]
        }
    };
    h.average_generated_w = average(&h.generated_w);
    h.average_consumed_w = average(&h.consumed_w);
    h.max_depth_of_discharge = if cap_j > 0.0 { 1.0 - min_soc } else { 0.0 };
    h.deficit_wh = deficit_j / 3600.0;
    h.shed_wh = shed_j / 3600.0;
    h.unused_surplus_wh = unused_j / 3600.0;
    Ok(h)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn storage() -> Storage {
        Storage {
            capacity_wh: 100.0,
            max_depth_of_discharge: 0.8,
            charge_efficiency: 0.95,
            discharge_efficiency: 0.9,
            initial_state_of_charge: 1.0,
        }
    }

    /// A 30-minute eclipse with a constant 90 W load: the battery gives
    /// 90 W × 0.5 h / 0.9 = 50 Wh, a depth of discharge of 0.5, and its heat
    /// is (1/0.9 − 1) × 90 W = 10 W while it discharges.
    #[test]
    fn an_eclipse_draws_the_hand_integral() {
        let times: Vec<f64> = (0..=30).map(|k| k as f64 * 60.0).collect();
        let n = times.len();
        let d = PowerDemand {
            times_s: times,
            generated_w: vec![0.0; n],
            load_w: vec![90.0; n],
            sheddable_w: vec![0.0; n],
        };
        let h = integrate(&d, Some(&storage()), DeficitPolicy::Report).unwrap();
        assert!((h.max_depth_of_discharge - 0.5).abs() < 1e-12);
        assert!((h.state_of_charge[n - 1] - 0.5).abs() < 1e-12);
        assert!((h.battery_heat_w[5] - 10.0).abs() < 1e-9);
        assert_eq!(h.deficit_wh, 0.0);
    }

    /// Two samples at one time are a jump: the arrays switch off at 600 s, and the battery
    /// charges at η_ch·(200 − 90) W before and discharges 90/η_dis W after, with no ramp.
    #[test]
    fn a_jump_switches_between_charging_and_discharging_at_once() {
        let times = vec![0.0, 300.0, 600.0, 600.0, 900.0, 1200.0];
        let n = times.len();
        let mut b = storage();
        b.initial_state_of_charge = 0.5;
        let d = PowerDemand {
            times_s: times,
            generated_w: vec![200.0, 200.0, 200.0, 0.0, 0.0, 0.0],
            load_w: vec![90.0; n],
            sheddable_w: vec![0.0; n],
        };
        let h = integrate(&d, Some(&b), DeficitPolicy::Report).unwrap();
        let charged_wh = 0.95 * 110.0 * 600.0 / 3600.0;
        let drawn_wh = 90.0 / 0.9 * 600.0 / 3600.0;
        let soc = |wh: f64| (50.0 + wh) / 100.0;
        assert!((h.state_of_charge[2] - soc(charged_wh)).abs() < 1e-12);
        assert_eq!(h.state_of_charge[3], h.state_of_charge[2]);
        assert!((h.state_of_charge[5] - soc(charged_wh - drawn_wh)).abs() < 1e-12);
        assert!((h.battery_w[2] - 110.0).abs() < 1e-12 && (h.battery_w[4] + 90.0).abs() < 1e-12);
        assert!((h.average_generated_w - 100.0).abs() < 1e-12);
        let reported = h.at_samples(&[0, 2, 5]);
        assert_eq!(reported.times_s, vec![0.0, 600.0, 1200.0]);
        assert_eq!(reported.state_of_charge[2], h.state_of_charge[5]);
        assert_eq!(reported.average_generated_w, h.average_generated_w);
        let decreasing = PowerDemand {
            times_s: vec![0.0, 1.0, 0.5],
            ..d.clone()
        };
        let decreasing = PowerDemand {
            generated_w: vec![0.0; 3],
            load_w: vec![0.0; 3],
            sheddable_w: vec![0.0; 3],
            ..decreasing
        };
        assert!(integrate(&decreasing, None, DeficitPolicy::Report).is_err());
    }

    /// Past the depth-of-discharge floor the rest is a deficit, or shed.
    #[test]
    fn a_short_battery_reports_or_sheds_the_deficit() {
        let times: Vec<f64> = (0..=60).map(|k| k as f64 * 60.0).collect();
        let n = times.len();
        let d = PowerDemand {
            times_s: times,
            generated_w: vec![0.0; n],
            load_w: vec![90.0; n],
            sheddable_w: vec![60.0; n],
        };
        // 1 h at 90 W needs 100 Wh of storage; 80 Wh may be drawn → 72 Wh delivered.
        let h = integrate(&d, Some(&storage()), DeficitPolicy::Report).unwrap();
        assert!((h.max_depth_of_discharge - 0.8).abs() < 1e-12);
        assert!((h.deficit_wh - 18.0).abs() < 1e-9, "{}", h.deficit_wh);
        // Shedding covers at most the 60 W of GPU load: over the last 12 minutes
        // 12 Wh is shed and 6 Wh remains a deficit.
        let s = integrate(&d, Some(&storage()), DeficitPolicy::ShedGpuLoad).unwrap();
        assert!((s.shed_wh - 12.0).abs() < 1e-9, "{}", s.shed_wh);
        assert!((s.deficit_wh - 6.0).abs() < 1e-9, "{}", s.deficit_wh);
    }

    /// A surplus charges at η_ch until full; the rest is unused.
    #[test]
    fn a_surplus_charges_then_is_unused() {
        let times: Vec<f64> = (0..=60).map(|k| k as f64 * 60.0).collect();
        let n = times.len();
        let mut b = storage();
        b.initial_state_of_charge = 0.5;
        let d = PowerDemand {
            times_s: times,
            generated_w: vec![200.0; n],
            load_w: vec![100.0; n],
            sheddable_w: vec![0.0; n],
        };
        let h = integrate(&d, Some(&b), DeficitPolicy::Report).unwrap();
        assert!((h.state_of_charge[n - 1] - 1.0).abs() < 1e-12);
        // 50 Wh stored takes 50/0.95 Wh of the hour's 100 Wh surplus.
        assert!((h.unused_surplus_wh - (100.0 - 50.0 / 0.95)).abs() < 1e-9);
        assert!((h.average_generated_w - 200.0).abs() < 1e-12);
    }

    #[test]
    fn bad_series_are_refused() {
        let d = PowerDemand {
            times_s: vec![0.0, 1.0],
            generated_w: vec![0.0, f64::NAN],
            load_w: vec![0.0, 0.0],
            sheddable_w: vec![0.0, 0.0],
        };
        assert!(integrate(&d, None, DeficitPolicy::Report).is_err());
    }
}
