//! Building an [`AssembledNetwork`] from a [`ThermalNetwork`]: unknowns numbered in node order,
//! the sparse pattern of the conductors between unknowns (built row-parallel, duplicates
//! merged in conductor order so any thread count gives the same pattern and values), the
//! per-row terms with boundary nodes, sources grouped by row, and the grid rows whose pattern
//! is the plain five-point stencil.

use rayon::prelude::*;

use super::{AssembledNetwork, ADVECTED_BIT, BOUNDARY_BIT, MAX_BOUNDARIES};
use crate::error::NetworkError;
use crate::linalg::parallel::PARALLEL_LEN;
use crate::linalg::CsrMatrix;
use crate::network::kernels::{BoundaryPair, BoundaryTerm, SourceRows, StencilRun};
use crate::network::{NodeId, NodeKind, ThermalNetwork};

impl AssembledNetwork {
    pub(in crate::network) fn new(net: &ThermalNetwork) -> Result<Self, NetworkError> {
        let n_nodes = net.node_count();
        if n_nodes >= BOUNDARY_BIT as usize {
            return Err(NetworkError::InvalidValue {
                element: "network".into(),
                quantity: "node count",
                value: n_nodes as f64,
                allowed: "< 2³¹",
            });
        }
        let mut node_ref = Vec::with_capacity(n_nodes);
        let mut node_of_unknown = Vec::with_capacity(n_nodes);
        let mut capacitance_j_k = Vec::with_capacity(n_nodes);
        let mut initial_k = Vec::with_capacity(n_nodes);
        let mut boundaries = Vec::new();
        for (id, kind) in net.kinds.iter().enumerate() {
            match kind {
                NodeKind::Boundary { temperature_k } => {
                    node_ref.push(BOUNDARY_BIT | boundaries.len() as u32);
                    boundaries.push((id, temperature_k.clone()));
                }
                other => {
                    node_ref.push(node_of_unknown.len() as u32);
                    node_of_unknown.push(id as u32);
                    initial_k.push(net.initial_temperature_k[id]);
                    capacitance_j_k.push(match other {
                        NodeKind::Diffusion { capacitance_j_k } => *capacitance_j_k,
                        _ => 0.0,
                    });
                }
            }
        }
        if boundaries.len() >= MAX_BOUNDARIES {
            return Err(NetworkError::InvalidValue {
                element: "network".into(),
                quantity: "boundary node count",
                value: boundaries.len() as f64,
                allowed: "< 2³⁰",
            });
        }
        let n = node_of_unknown.len();
        if n == 0 {
            return Err(NetworkError::NothingToSolve);
        }
        let unknown = |id: NodeId| -> Option<usize> {
            let r = node_ref[id];
            (r & BOUNDARY_BIT == 0).then_some(r as usize)
        };
        let boundary_of = |id: NodeId| -> Option<u32> {
            let r = node_ref[id];
            (r & BOUNDARY_BIT != 0).then_some(r & !BOUNDARY_BIT)
        };
        let term = |b: Option<u32>, g: f64, r: f64| BoundaryTerm::new(b.unwrap_or(0), g, r);

        // Two-node conductors with their linear conductance and radiative
        // exchange factor (one of them zero).
        // Rows are assembled in contiguous parts in parallel: each part visits
        // every conductor and keeps the entries and boundary terms of its own
        // rows, so each row is filled in conductor order however the rows are
        // split (the same bits on any number of threads).
        let parts = row_parts(n);
        let mut count = vec![1usize; n];
        let mut terms = vec![0u32; n];
        let row_starts: Vec<usize> = parts.iter().map(|p| p.start).collect();
        split_at_offsets(&mut count, &row_starts)
            .into_par_iter()
            .zip(split_at_offsets(&mut terms, &row_starts))
            .zip(&parts)
            .for_each(|((count, terms), rows)| {
                visit_conductors(
                    net,
                    &node_ref,
                    |row, _, _, _| {
                        if rows.contains(&row) {
                            count[row - rows.start] += 1;
                        }
                    },
                    |row, _| {
                        if rows.contains(&row) {
                            let t = &mut terms[row - rows.start];
                            *t = t.saturating_add(1);
                        }
                    },
                )
            });
        let mut row_ptr = exclusive_prefix_sum(&count);
        // Boundary-term offsets, checked to fit `u32` (a saturated count too).
        let mut bnd_ptr = Vec::with_capacity(n + 1);
        bnd_ptr.push(0u32);
        let mut total_terms = 0u32;
        for &t in &terms {
            total_terms = total_terms
                .checked_add(t)
                .filter(|&v| v < u32::MAX)
                .ok_or_else(|| NetworkError::InvalidValue {
                    element: "network".into(),
                    quantity: "boundary terms",
                    value: f64::from(u32::MAX),
                    allowed: "< 2³²",
                })?;
            bnd_ptr.push(total_terms);
        }
        // Every entry's column and couplings scattered into its row in
        // conductor order, then each row sorted by column (stable: repeated
        // pairs are summed in conductor order) and compacted in place within
        // its part — no position lookups, no second array. `count` becomes
        // each row's compacted length, `diag` the diagonal's place in its row.
        // The boundary terms likewise: bucketed by row in conductor order,
        // then merged per row (one term per boundary and kind); `terms`
        // becomes each row's merged count.
        let between_unknowns =
            |c: &crate::network::Conductor| unknown(c.a()).is_some() && unknown(c.b()).is_some();
        let any_free_radiation = net.radiative.iter().any(between_unknowns);
        let entries = row_ptr[n];
        if u32::try_from(entries).is_err() {
            return Err(NetworkError::InvalidValue {
                element: "network".into(),
                quantity: "stored couplings",
                value: entries as f64,
                allowed: "< 2³²",
            });
        }
        let mut cols = vec![0u32; entries];
        let mut lin_off = vec![0.0; entries];
        let mut rad_off = if any_free_radiation {
            vec![0.0; entries]
        } else {
            Vec::new()
        };
        let mut diag = vec![0u32; n];
        let mut bnd = vec![term(None, 0.0, 0.0); bnd_ptr[n] as usize];
        let offsets: Vec<usize> = row_starts.iter().map(|&r| row_ptr[r]).collect();
        let bnd_offsets: Vec<usize> = row_starts.iter().map(|&r| bnd_ptr[r] as usize).collect();
        let rad_parts = if any_free_radiation {
            split_at_offsets(&mut rad_off, &offsets)
        } else {
            parts.iter().map(|_| <&mut [f64]>::default()).collect()
        };
        let part_lengths: Vec<(usize, usize)> = split_at_offsets(&mut cols, &offsets)
            .into_par_iter()
            .zip(split_at_offsets(&mut lin_off, &offsets))
            .zip(rad_parts)
            .zip(split_at_offsets(&mut count, &row_starts))
            .zip(split_at_offsets(&mut diag, &row_starts))
            .zip(split_at_offsets(&mut bnd, &bnd_offsets))
            .zip(split_at_offsets(&mut terms, &row_starts))
            .zip(&parts)
            .map(
                |(((((((cols, lin), rad), row_len), diag), bnd), terms), rows)| {
                    let base = row_ptr[rows.start];
                    // Offsets within the part (entries and terms fit `u32`: checked).
                    let mut fill: Vec<u32> = row_ptr[rows.clone()]
                        .iter()
                        .map(|&s| (s - base) as u32)
                        .collect();
                    let bnd_base = bnd_ptr[rows.start];
                    let mut bnd_fill: Vec<u32> = bnd_ptr[rows.clone()]
                        .iter()
                        .map(|&s| s - bnd_base)
                        .collect();
                    let mut put = |row: usize, col: usize, g: f64, r: f64| {
                        let k = &mut fill[row - rows.start];
                        let at = *k as usize;
                        cols[at] = col as u32;
                        lin[at] = g;
                        if let Some(v) = rad.get_mut(at) {
                            *v = r;
                        }
                        *k += 1;
                    };
                    for i in rows.clone() {
                        put(i, i, 0.0, 0.0);
                    }
                    visit_conductors(
                        net,
                        &node_ref,
                        |row, col, g, r| {
                            if rows.contains(&row) {
                                put(row, col, g, r);
                            }
                        },
                        |row, t| {
                            if rows.contains(&row) {
                                let k = &mut bnd_fill[row - rows.start];
                                bnd[*k as usize] = t;
                                *k += 1;
                            }
                        },
                    );
                    drop((fill, bnd_fill));
                    let mut len = 0;
                    let mut bnd_len = 0;
                    for i in rows.clone() {
                        let (begin, end) = (row_ptr[i] - base, row_ptr[i + 1] - base);
                        let first = len;
                        // Insertion sort (rows are short), moving the couplings along.
                        for k in begin + 1..end {
                            let mut m = k;
                            while m > begin && cols[m - 1] > cols[m] {
                                cols.swap(m - 1, m);
                                lin.swap(m - 1, m);
                                if !rad.is_empty() {
                                    rad.swap(m - 1, m);
                                }
                                m -= 1;
                            }
                        }
                        for k in begin..end {
                            if len > first && cols[len - 1] == cols[k] {
                                lin[len - 1] += lin[k];
                                if !rad.is_empty() {
                                    rad[len - 1] += rad[k];
                                }
                            } else {
                                cols[len] = cols[k];
                                lin[len] = lin[k];
                                if !rad.is_empty() {
                                    rad[len] = rad[k];
                                }
                                if cols[k] as usize == i {
                                    diag[i - rows.start] = (len - first) as u32;
                                }
                                len += 1;
                            }
                        }
                        row_len[i - rows.start] = len - first;
                        let (begin, end) = (
                            (bnd_ptr[i] - bnd_base) as usize,
                            (bnd_ptr[i + 1] - bnd_base) as usize,
                        );
                        let first = bnd_len;
                        for k in begin..end {
                            let t = bnd[k];
                            match bnd[first..bnd_len].iter_mut().find(|e| e.code == t.code) {
                                Some(e) => e.value += t.value,
                                None => {
                                    bnd[bnd_len] = t;
                                    bnd_len += 1;
                                }
                            }
                        }
                        terms[i - rows.start] = (bnd_len - first) as u32;
                    }
                    (len, bnd_len)
                },
            )
            .collect();
        // Close the gaps the compaction left between parts.
        let (mut len, mut bnd_len) = (0, 0);
        for (k, &(part_len, part_bnd)) in part_lengths.iter().enumerate() {
            // (A part without duplicates, or the first, is in place already.)
            let from = offsets[k];
            if from != len {
                cols.copy_within(from..from + part_len, len);
                lin_off.copy_within(from..from + part_len, len);
                if any_free_radiation {
                    rad_off.copy_within(from..from + part_len, len);
                }
            }
            len += part_len;
            let from = bnd_offsets[k];
            if from != bnd_len {
                bnd.copy_within(from..from + part_bnd, bnd_len);
            }
            bnd_len += part_bnd;
        }
        let mut total = 0;
        for ((ptr, row_len), d) in row_ptr.iter_mut().zip(&count).zip(&mut diag) {
            *ptr = total;
            *d += total as u32;
            total += row_len;
        }
        row_ptr[n] = len;
        drop(count);
        cols.truncate(len);
        lin_off.truncate(len);
        rad_off.truncate(if any_free_radiation { len } else { 0 });
        let pattern = CsrMatrix::from_pattern(row_ptr, cols);
        let mut total = 0;
        for (ptr, row_terms) in bnd_ptr.iter_mut().zip(&terms) {
            *ptr = total;
            total += row_terms;
        }
        drop(terms);
        bnd_ptr[n] = total;
        bnd.truncate(bnd_len);
        let pair = |(c, g, r): (&crate::network::Conductor, f64, f64)| match (
            boundary_of(c.a()),
            boundary_of(c.b()),
        ) {
            (Some(a), Some(b)) => Some(BoundaryPair { a, b, g, r }),
            _ => None,
        };
        let between_boundaries: Vec<BoundaryPair> = net
            .linear
            .iter()
            .map(|c| (c, c.value, 0.0))
            .chain(net.radiative.iter().map(|c| (c, 0.0, c.value)))
            .filter_map(pair)
            .collect();
        let source_rows =
            SourceRows::new(&net.sources, unknown).ok_or_else(|| NetworkError::InvalidValue {
                element: "network".into(),
                quantity: "source loads",
                value: net.sources.iter().map(|s| s.loads.len()).sum::<usize>() as f64,
                allowed: "< 2³²",
            })?;
        let temperature_sources = net
            .temperature_sources
            .iter()
            .map(|s| {
                unknown(s.node)
                    .map(|u| (u, s.clone()))
                    .ok_or_else(|| NetworkError::InvalidValue {
                        element: format!("source `{}`", s.name),
                        quantity: "load on a boundary node",
                        value: s.weight,
                        allowed: "sources on diffusion or arithmetic nodes only",
                    })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let free_free_radiation = any_free_radiation
            && net
                .radiative
                .iter()
                .any(|c| c.value > 0.0 && between_unknowns(c));
        let symmetric = !free_free_radiation
            && !net
                .advective
                .iter()
                .any(|c| c.mdot_cp_w_k > 0.0 && unknown(c.downstream).is_some());
        Ok(Self {
            node_ref,
            node_of_unknown,
            capacitance_j_k,
            initial_k,
            boundaries,
            between_boundaries,
            radiates: net.radiative.iter().any(|c| c.value != 0.0),
            advective: net.advective.clone(),
            diag,
            rad_off,
            bnd_ptr,
            bnd,
            sources: net.sources.clone(),
            temperature_sources,
            source_rows,
            pattern: pattern.with_values(lin_off),
            named: net.named.clone(),
            groups: net.groups.clone(),
            symmetric,
            stencil_runs: Vec::new(),
        }
        .with_stencil_runs())
    }

    /// This network with its [`StencilRun`]s: the rows of its grid blocks,
    /// block edges excepted, whose stored columns are exactly
    /// `i − nx, i − 1, i, i + 1, i + nx` (a row coupled to a lumped node, or with
    /// a second coupling added to a neighbour, keeps the general path).
    pub(in crate::network) fn with_stencil_runs(mut self) -> Self {
        let (rp, ci) = (self.pattern.row_ptr(), self.pattern.col_idx());
        let mut blocks = self.grid_blocks();
        blocks.sort_by_key(|b| b.first_unknown);
        let mut runs: Vec<StencilRun> = Vec::new();
        for b in blocks {
            let nx = b.shape.nx;
            for j in 1..b.shape.ny.saturating_sub(1) {
                for i in 1..nx.saturating_sub(1) {
                    let row = b.first_unknown + j * nx + i;
                    let stencil = [row - nx, row - 1, row, row + 1, row + nx];
                    let plain = ci[rp[row]..rp[row + 1]]
                        .iter()
                        .map(|&c| c as usize)
                        .eq(stencil);
                    let term = match self.boundary_terms(row) {
                        [t] => Some(t.code),
                        _ => None,
                    };
                    match runs.last_mut() {
                        // Overlapping groups: each row in one run at most.
                        Some(r) if row < r.end => {}
                        Some(r) if plain && r.end == row && r.nx == nx && r.term == term => {
                            r.end += 1
                        }
                        _ if plain => runs.push(StencilRun {
                            start: row,
                            end: row + 1,
                            nx,
                            term,
                        }),
                        _ => {}
                    }
                }
            }
        }
        self.stencil_runs = runs;
        self
    }
}

/// One pass over the conductors of `net`, in order (`node_ref` as
/// [`AssembledNetwork`]'s): every stored entry `(row, column, linear
/// conductance or advective capacity rate, radiative exchange factor)` to
/// `entry`, every term of an unknown with a boundary node to `boundary`
/// (conductors between two boundaries and advection out of the network to
/// neither). Generic, so each caller's closures are inlined into the loop.
fn visit_conductors(
    net: &ThermalNetwork,
    node_ref: &[u32],
    mut entry: impl FnMut(usize, usize, f64, f64),
    mut boundary: impl FnMut(usize, BoundaryTerm),
) {
    let unknown = |id: NodeId| {
        let r = node_ref[id];
        (r & BOUNDARY_BIT == 0).then_some(r as usize)
    };
    let boundary_of = |id: NodeId| node_ref[id] & !BOUNDARY_BIT;
    // Two-node conductors with their linear conductance and radiative
    // exchange factor (one of them zero).
    let mut two_node =
        |c: &crate::network::Conductor, g: f64, r: f64| match (unknown(c.a()), unknown(c.b())) {
            (Some(a), Some(b)) => {
                entry(a, b, g, r);
                entry(b, a, g, r);
            }
            (Some(a), None) => boundary(a, BoundaryTerm::new(boundary_of(c.b()), g, r)),
            (None, Some(b)) => boundary(b, BoundaryTerm::new(boundary_of(c.a()), g, r)),
            (None, None) => {}
        };
    for c in &net.linear {
        two_node(c, c.value, 0.0);
    }
    for c in &net.radiative {
        two_node(c, 0.0, c.value);
    }
    for c in &net.advective {
        match (unknown(c.upstream), unknown(c.downstream)) {
            (Some(u), Some(d)) => entry(d, u, c.mdot_cp_w_k, 0.0),
            (None, Some(d)) => {
                let mut t = BoundaryTerm::new(boundary_of(c.upstream), c.mdot_cp_w_k, 0.0);
                t.code |= ADVECTED_BIT;
                boundary(d, t);
            }
            _ => {}
        }
    }
}

/// Contiguous row ranges covering `0..n`, one per thread (one range for few rows).
fn row_parts(n: usize) -> Vec<std::ops::Range<usize>> {
    let parts = if n < PARALLEL_LEN {
        1
    } else {
        rayon::current_num_threads().max(1)
    };
    let per = n.div_ceil(parts);
    (0..parts)
        .map(|p| (p * per).min(n)..((p + 1) * per).min(n))
        .collect()
}

/// `data` cut at the increasing `offsets` (the first is 0): one slice per offset.
fn split_at_offsets<'a, T>(mut data: &'a mut [T], offsets: &[usize]) -> Vec<&'a mut [T]> {
    let mut slices = Vec::with_capacity(offsets.len());
    for (k, &from) in offsets.iter().enumerate() {
        let to = offsets.get(k + 1).map_or(data.len() + from, |&next| next);
        let (head, tail) = std::mem::take(&mut data).split_at_mut(to - from);
        slices.push(head);
        data = tail;
    }
    slices
}

fn exclusive_prefix_sum(counts: &[usize]) -> Vec<usize> {
    let mut start = Vec::with_capacity(counts.len() + 1);
    start.push(0);
    let mut total = 0;
    for &c in counts {
        total += c;
        start.push(total);
    }
    start
}
