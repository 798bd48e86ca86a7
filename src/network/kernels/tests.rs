//! The kernels against the row-by-row loop (bit for bit), against central
//! differences, and the heat flows against the residual.

use super::*;
use crate::network::test_networks::{
    add_spread_sources, grid_with_lumped_nodes, in_pool, mixed_network, plate,
};
use crate::network::{Profile, TemperatureDependentSource, ThermalNetwork};

/// The exact Jacobian matches central differences of the residual.
#[test]
fn jacobian_matches_central_differences() {
    let asm = mixed_network().assemble().unwrap();
    let x = vec![310.0, 290.0, 350.0];
    let mut k = asm.new_matrix();
    asm.jacobian(0.0, &x, &mut k);
    let n = asm.unknowns();
    for j in 0..n {
        let h = 1e-3;
        let (mut xp, mut xm) = (x.clone(), x.clone());
        xp[j] += h;
        xm[j] -= h;
        let (mut rp, mut rm) = (vec![0.0; n], vec![0.0; n]);
        asm.residual(0.0, &xp, &mut rp);
        asm.residual(0.0, &xm, &mut rm);
        for i in 0..n {
            let fd = -(rp[i] - rm[i]) / (2.0 * h);
            let exact = k.get(i, j);
            assert!(
                (fd - exact).abs() <= 1e-6 * (1.0 + exact.abs()),
                "K[{i},{j}] = {exact}, finite difference {fd}"
            );
        }
    }
    assert!(!asm.is_symmetric());
}

/// Single-load runs: consecutive unknowns with one load each, at least
/// eight long; a row with two loads or a gap in the unknowns ends a run;
/// `for_each_part` covers every entry in a range once, in order.
#[test]
fn single_load_runs_split_at_gaps_and_multiple_loads() {
    // Unknowns 0..12 one load each, 12 with two, 13..30 one each, then 40..45.
    let rows: Vec<u32> = (0..30).chain(40..45).collect();
    let mut ptr = vec![0u32];
    for &u in &rows {
        let loads = if u == 12 { 2 } else { 1 };
        ptr.push(ptr.last().copied().unwrap_or(0) + loads);
    }
    let runs = single_load_runs(&rows, &ptr);
    let spans: Vec<(u32, u32)> = runs.iter().map(|r| (r.k, r.len)).collect();
    assert_eq!(spans, vec![(0, 12), (13, 17)]);
    let sr = SourceRows {
        rows,
        ptr,
        loads: Vec::new(),
        single_runs: runs,
    };
    for range in [0..50, 5..20, 12..13, 29..41, 31..39] {
        let mut seen = Vec::new();
        sr.for_each_part(range.clone(), |ks, single| {
            for k in ks {
                let general = k == 12 || k >= 30;
                assert_eq!(single, !general, "entry {k} in {range:?}");
                seen.push(sr.rows[k] as usize);
            }
        });
        let expected: Vec<usize> = sr
            .rows
            .iter()
            .map(|&u| u as usize)
            .filter(|u| range.contains(u))
            .collect();
        assert_eq!(seen, expected, "{range:?}");
    }
}

/// The residual at a uniform state (no heat flows through any conductor)
/// is the source power alone: each row's loads summed in the order they
/// were added (the bits of `q[u] += w p` over the sources in turn), and the
/// sources' totals are the same bits on 1 and 2 threads, within round-off
/// of a serial sum.
#[test]
fn residual_rows_start_from_their_loads_in_source_order() {
    let (nx, ny) = (131, 127);
    let mut net = ThermalNetwork::new();
    let wall = net.add_boundary("wall", 300.0).unwrap();
    let cells = plate(&mut net, nx, ny);
    for k in cells.clone() {
        if k + 1 < cells.end {
            net.add_linear(k, k + 1, 2.0).unwrap();
        }
        net.add_radiative(k, wall, 0.01).unwrap();
    }
    add_spread_sources(&mut net, cells.clone());
    let mut serial = (0.0, 0.0);
    let mut q = vec![0.0; nx * ny];
    for s in net.sources() {
        let p = s.profile.value_at(0.0);
        for &(node, w) in &s.loads {
            q[node - cells.start] += w * p;
            if w * p >= 0.0 {
                serial.0 += w * p;
            } else {
                serial.1 -= w * p;
            }
        }
    }
    assert!(q.iter().filter(|v| **v != 0.0).count() > nx * ny / 2);
    let results = [1, 2].map(|threads| {
        in_pool(threads, || {
            let asm = net.assemble().unwrap();
            let x = vec![300.0; asm.unknowns()];
            let mut r = vec![f64::NAN; asm.unknowns()];
            let flows = asm.residual_and_flows(0.0, &x, &mut r);
            let mut r2 = vec![f64::NAN; asm.unknowns()];
            asm.residual(0.0, &x, &mut r2);
            let first = (0..q.len()).find(|&i| r[i].to_bits() != q[i].to_bits());
            assert!(first.is_none(), "row {first:?}: not the loads' sum");
            let first = (0..q.len()).find(|&i| r2[i].to_bits() != q[i].to_bits());
            assert!(first.is_none(), "row {first:?}: not the loads' sum");
            assert_eq!(asm.heat_flows(0.0, &x), flows);
            (flows.source_in_w, flows.source_out_w)
        })
    });
    assert_eq!(results[0].0.to_bits(), results[1].0.to_bits());
    assert_eq!(results[0].1.to_bits(), results[1].1.to_bits());
    assert!((results[0].0 - serial.0).abs() <= 1e-12 * serial.0);
    assert!((results[0].1 - serial.1).abs() <= 1e-12 * serial.1);
}

/// The residual, the heat into each boundary and the Jacobian, evaluated
/// row by row from the stored entries (each by column index) in the
/// documented order: source loads (from the network's sources, in the
/// order they were added), stored entries, radiative entries, boundary
/// terms; the heat into boundaries and the sources' totals summed per
/// chunk of [`ROW_CHUNK`] rows, the chunks added in order.
fn reference_balance(
    asm: &AssembledNetwork,
    t_s: f64,
    x: &[f64],
) -> (Vec<f64>, HeatFlows, CsrMatrix) {
    let tb = asm.boundary_temperatures(t_s);
    let tb4: Vec<f64> = tb.iter().map(|t| t.powi(4)).collect();
    let (rp, ci) = (asm.pattern.row_ptr(), asm.pattern.col_idx());
    let (lin, rad) = (asm.pattern.values(), &asm.rad_off);
    let n = x.len();
    // Source power per unknown, load by load in source order (as the
    // sources were added), and the totals per chunk of rows in row order.
    let mut r = vec![0.0; n];
    let mut row_powers: Vec<Vec<f64>> = vec![Vec::new(); n];
    for s in asm.sources() {
        let p = s.profile.value_at(t_s);
        for &(node, w) in &s.loads {
            if let Some(u) = asm.unknown_of_node(node) {
                r[u] += w * p;
                row_powers[u].push(w * p);
            }
        }
    }
    let mut sources = (0.0, 0.0);
    for rows in row_powers.chunks(ROW_CHUNK) {
        let (mut source_in, mut source_out) = (0.0, 0.0);
        for &q in rows.iter().flatten() {
            if q >= 0.0 {
                source_in += q;
            } else {
                source_out -= q;
            }
        }
        sources.0 += source_in;
        sources.1 += source_out;
    }
    let mut into_boundary = vec![0.0; tb.len()];
    let mut k = asm.new_matrix();
    for rows in (0..n).collect::<Vec<_>>().chunks(ROW_CHUNK) {
        let mut into = vec![0.0; tb.len()];
        for &i in rows {
            let xi = x[i];
            let (mut s, mut d) = (0.0, 0.0);
            for p in rp[i]..rp[i + 1] {
                s += lin[p] * (x[ci[p] as usize] - xi);
                k.values_mut()[p] = -lin[p];
                d += lin[p];
            }
            if !rad.is_empty() {
                let (mut sr, mut dr) = (0.0, 0.0);
                for p in rp[i]..rp[i + 1] {
                    let xj = x[ci[p] as usize];
                    sr += rad[p] * (xj.powi(4) - xi.powi(4));
                    k.values_mut()[p] -= 4.0 * SIGMA * rad[p] * xj * xj * xj;
                    dr += rad[p];
                }
                s += SIGMA * sr;
                d += 4.0 * SIGMA * dr * xi * xi * xi;
            }
            for e in asm.boundary_terms(i) {
                let q = e.heat_in(xi, &tb, &tb4);
                s += q;
                if e.code & ADVECTED_BIT == 0 {
                    into[e.index()] -= q;
                }
                d += e.conductance(xi);
            }
            r[i] += s;
            k.values_mut()[asm.diag[i] as usize] = d;
        }
        for (q, p) in into_boundary.iter_mut().zip(into) {
            *q += p;
        }
    }
    let flows = asm.flows_from(x, &tb, &tb4, sources, into_boundary);
    (r, flows, k)
}

/// Residual, heat flows and Jacobian have the bits of the row-by-row
/// reference on every row, on 1 and 2 threads, with and without radiation
/// between two unknowns; most rows of the plate take the stencil path, so
/// the test sees it.
#[test]
fn stencil_rows_match_the_reference_bit_for_bit() {
    let (nx, ny) = (131, 127);
    assert!(nx * ny >= PARALLEL_LEN); // parallel, four chunks and more
    for node_radiation in [false, true] {
        let net = grid_with_lumped_nodes(nx, ny, node_radiation);
        let results = [1, 2].map(|threads| {
            in_pool(threads, || {
                let asm = net.assemble().unwrap();
                let stencil_rows: usize = asm.stencil_runs.iter().map(|r| r.end - r.start).sum();
                assert_eq!(asm.has_constant_couplings(), !node_radiation);
                assert!(stencil_rows > (nx - 2) * (ny - 2) - 20, "{stencil_rows}");
                // Runs with one boundary term per row, and with several.
                let one_term = asm.stencil_runs.iter().filter(|r| r.term.is_some());
                assert!(one_term.count() < asm.stencil_runs.len());
                assert!(asm.stencil_runs.iter().any(|r| r.term.is_some()));
                let n = asm.unknowns();
                let x: Vec<f64> = (0..n)
                    .map(|i| 300.0 + 40.0 * (0.37 * i as f64).sin())
                    .collect();
                let (r_ref, flows_ref, k_ref) = reference_balance(&asm, 10.0, &x);
                let mut r = vec![0.0; n];
                asm.residual(10.0, &x, &mut r);
                let mut r2 = vec![0.0; n];
                let flows = asm.residual_and_flows(10.0, &x, &mut r2);
                let mut k = asm.new_matrix();
                asm.jacobian(10.0, &x, &mut k);
                let bits = |v: &[f64]| v.iter().map(|q| q.to_bits()).collect::<Vec<_>>();
                for (name, v) in [("residual", &r), ("residual and flows", &r2)] {
                    if let Some(i) = (0..n).find(|&i| v[i].to_bits() != r_ref[i].to_bits()) {
                        panic!("{name} row {i}: {} vs reference {}", v[i], r_ref[i]);
                    }
                }
                assert_eq!(bits(k.values()), bits(k_ref.values()));
                assert_eq!(flows, flows_ref);
                assert_eq!(asm.heat_flows(10.0, &x), flows_ref);
                (bits(&r), flows)
            })
        });
        assert_eq!(results[0], results[1]);
    }
}

/// Net heat into unknowns plus heat into boundaries equals sources (+ advection).
#[test]
fn heat_flows_balance_the_residual() {
    let asm = mixed_network().assemble().unwrap();
    let x = vec![310.0, 290.0, 350.0];
    let mut r = vec![0.0; 3];
    asm.residual(0.0, &x, &mut r);
    let flows = asm.heat_flows(0.0, &x);
    let net_in = flows.heat_in_w() - flows.heat_out_w();
    let stored: f64 = r.iter().sum();
    assert!((net_in - stored).abs() < 1e-9 * flows.heat_in_w());
}

/// A network with temperature-dependent sources (one with a time profile,
/// one pushed past its zero floor): Jacobian against central differences,
/// heat flows against the residual, and the per-source powers.
#[test]
fn temperature_dependent_sources_enter_residual_jacobian_and_flows() {
    let mut net = mixed_network();
    let a = net.node("a").unwrap();
    let m = net.node("c").unwrap();
    let table =
        crate::network::TimeTable::new("sun", vec![0.0, 10.0], vec![800.0, 1200.0], None).unwrap();
    net.add_temperature_dependent_source(TemperatureDependentSource {
        name: "array output".into(),
        node: a,
        weight: -0.3,
        profile: Profile::from(table),
        coefficient_per_k: -0.004,
        reference_k: 301.15,
    })
    .unwrap();
    net.add_temperature_dependent_source(TemperatureDependentSource {
        name: "floored".into(),
        node: m,
        weight: 5.0,
        profile: Profile::Constant(1.0),
        coefficient_per_k: -0.01,
        reference_k: 200.0,
    })
    .unwrap();
    let asm = net.assemble().unwrap();
    assert!(!asm.is_linear());
    let x = vec![310.0, 290.0, 350.0];
    let t = 5.0;
    let mut k = asm.new_matrix();
    asm.jacobian(t, &x, &mut k);
    let n = asm.unknowns();
    for j in 0..n {
        let h = 1e-3;
        let (mut xp, mut xm) = (x.clone(), x.clone());
        xp[j] += h;
        xm[j] -= h;
        let (mut rp, mut rm) = (vec![0.0; n], vec![0.0; n]);
        asm.residual(t, &xp, &mut rp);
        asm.residual(t, &xm, &mut rm);
        for i in 0..n {
            let fd = -(rp[i] - rm[i]) / (2.0 * h);
            let exact = k.get(i, j);
            assert!(
                (fd - exact).abs() <= 1e-6 * (1.0 + exact.abs()),
                "K[{i},{j}] = {exact}, finite difference {fd}"
            );
        }
    }
    let powers = asm.temperature_dependent_source_powers(t, &x);
    let ua = asm.unknown_of_node(a).unwrap();
    let expected = -0.3 * 1000.0 * (1.0 - 0.004 * (x[ua] - 301.15));
    assert!((powers[0] - expected).abs() < 1e-9, "{powers:?}");
    assert_eq!(powers[1], 0.0, "the factor is floored at zero");
    let mut r = vec![0.0; n];
    let flows = asm.residual_and_flows(t, &x, &mut r);
    let stored: f64 = r.iter().sum();
    let net_in = flows.heat_in_w() - flows.heat_out_w();
    assert!((net_in - stored).abs() < 1e-9 * flows.heat_in_w());
    let flows_alone = asm.heat_flows(t, &x);
    assert_eq!(flows_alone.source_out_w, flows.source_out_w);
    let mut r_alone = vec![0.0; n];
    asm.residual(t, &x, &mut r_alone);
    assert_eq!(r, r_alone);
}
