//! Monte Carlo view factors: rays from uniformly sampled points of each face, in
//! cosine-weighted (Lambertian) directions, to the closest element they strike.
//!
//! The fraction of face *i*'s rays that strike face *j* estimates `F_ij` without bias; its
//! binomial standard error is `√(F(1 − F)/N)` (Howell, Mengüç & Siegel, *Thermal Radiation
//! Heat Transfer*, 6th ed., §7.3 "Monte Carlo"). Rays that strike nothing leave to space;
//! rays that strike the inactive back of a one-sided surface are counted apart. The raw
//! rows therefore close exactly: `Σ_j F_ij + F_i,space + F_i,inactive = 1`.
//!
//! **Reproducible in parallel.** A face's rays are cut into chunks of [`CHUNK_RAYS`]; chunk
//! *k* of face *i* draws from its own xoshiro256++ stream seeded from `(seed, i, k)`, and
//! the counts are integers summed after the parallel loop: the factors are the same bits on
//! any number of threads.
//!
//! **Reciprocity and closure.** [`factor_matrix`] replaces `A_i F_ij` and `A_j F_ji` by
//! their mean (the area-weighted average of the two estimates), then gives each row the
//! remainder `1 − Σ_j F_ij − F_i,inactive` as its factor to space. Rows none of whose rays
//! escaped (an enclosure) must give nothing to space, and no row may give a negative
//! amount: those rows' exchange areas are scaled symmetrically (`√(s_i s_j)`, which keeps
//! reciprocity exact) until they sum to `1 − F_i,inactive`.

use rand_xoshiro::rand_core::{RngCore, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use rayon::prelude::*;

use super::geometry::{Scene, Side, Vec3};
use crate::error::RadiationError;

/// Rays per chunk: large enough that seeding (a few ns) and scheduling vanish against the
/// work (about 3 ms a chunk), small enough that a two-face run of 10⁶ rays still spreads
/// over two threads.
pub(crate) const CHUNK_RAYS: u64 = 1 << 16;

/// Chunks traced between two accumulations of their counts: enough to keep both threads
/// busy, few enough that the partial results stay small.
const WINDOW_CHUNKS: u64 = 4096;

/// Most rays per face (10¹²: hours of tracing; beyond it the counts still fit, the time does not).
pub const MAX_RAYS_PER_FACE: u64 = 1_000_000_000_000;

/// Options of a Monte Carlo run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MonteCarloOptions {
    /// Rays emitted from each face.
    pub rays_per_face: u64,
    /// Seed of the random streams.
    pub seed: u64,
}

impl MonteCarloOptions {
    /// `rays_per_face` (1 to 10¹²) rays from each face, streams seeded from `seed`.
    pub fn new(rays_per_face: u64, seed: u64) -> Result<Self, RadiationError> {
        if rays_per_face == 0 || rays_per_face > MAX_RAYS_PER_FACE {
            return Err(RadiationError::InvalidValue {
                quantity: "rays per face",
                value: rays_per_face.to_string(),
                allowed: "1 to 1e12",
            });
        }
        Ok(Self {
            rays_per_face,
            seed,
        })
    }

    /// Enough rays that every factor's binomial standard error is at most
    /// `standard_error` (absolute): `N = ⌈1/(4 σ²)⌉`, the worst case `F = ½` of
    /// `√(F(1 − F)/N)`.
    pub fn for_standard_error(standard_error: f64, seed: u64) -> Result<Self, RadiationError> {
        if !(5e-7..0.5).contains(&standard_error) {
            return Err(RadiationError::InvalidValue {
                quantity: "standard error",
                value: standard_error.to_string(),
                allowed: "5e-7 to 0.5",
            });
        }
        let n = (0.25 / (standard_error * standard_error)).ceil() as u64;
        Self::new(n, seed)
    }
}

/// Raw Monte Carlo estimates for some rows (emitting faces) of a scene.
#[derive(Debug, Clone, PartialEq)]
pub struct RowEstimates {
    faces: usize,
    rows: Vec<usize>,
    rays_per_face: u64,
    /// `rows.len() × (faces + 2)` counts: faces, then space, then inactive sides.
    counts: Vec<u64>,
}

impl RowEstimates {
    /// The emitting faces, in the order given.
    pub fn rows(&self) -> &[usize] {
        &self.rows
    }

    /// Rays traced from each face.
    pub fn rays_per_face(&self) -> u64 {
        self.rays_per_face
    }

    /// Rays from row `r` (an index into [`RowEstimates::rows`]) that struck face `j`.
    pub fn count(&self, r: usize, j: usize) -> u64 {
        self.counts[r * (self.faces + 2) + j]
    }

    fn fraction(&self, r: usize, column: usize) -> f64 {
        self.count(r, column) as f64 / self.rays_per_face as f64
    }

    /// The estimate of `F_ij`, `i = rows()[r]`.
    pub fn factor(&self, r: usize, j: usize) -> f64 {
        self.fraction(r, j)
    }

    /// Binomial standard error of [`RowEstimates::factor`]: `√(F(1 − F)/N)`.
    pub fn standard_error(&self, r: usize, j: usize) -> f64 {
        binomial_se(self.factor(r, j), self.rays_per_face)
    }

    /// The fraction of row `r`'s rays that left to space.
    pub fn space(&self, r: usize) -> f64 {
        self.fraction(r, self.faces)
    }

    /// The fraction of row `r`'s rays absorbed by inactive back sides.
    pub fn inactive(&self, r: usize) -> f64 {
        self.fraction(r, self.faces + 1)
    }
}

/// `√(F(1 − F)/N)`.
fn binomial_se(f: f64, n: u64) -> f64 {
    (f * (1.0 - f) / n as f64).max(0.0).sqrt()
}

/// The seed of chunk `chunk` of face `face`: SplitMix64 finalisers (Steele, Lea & Flood,
/// "Fast splittable pseudorandom number generators", OOPSLA 2014) of the three numbers
/// chained, so that neighbouring chunks and seeds get unrelated streams.
fn stream_seed(seed: u64, face: usize, chunk: u64) -> u64 {
    fn mix(mut z: u64) -> u64 {
        z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    mix(mix(mix(seed) ^ face as u64) ^ chunk)
}

/// A uniform number in [0, 1) from the top 53 bits.
#[inline]
fn unit(rng: &mut Xoshiro256PlusPlus) -> f64 {
    (rng.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// A cosine-weighted direction about the unit `normal`, in the frame `(t1, t2, normal)`:
/// a uniform point of the unit disc (by rejection, from the two 32-bit halves of one draw)
/// lifted to the hemisphere (Malley's method; Pharr, Jakob & Humphreys, *Physically Based
/// Rendering*, 3rd ed., §13.6.3).
#[inline]
fn cosine_direction(rng: &mut Xoshiro256PlusPlus, t1: &Vec3, t2: &Vec3, normal: &Vec3) -> Vec3 {
    const SCALE: f64 = 1.0 / (1u64 << 31) as f64;
    loop {
        let r = rng.next_u64();
        let x = (r >> 32) as f64 * SCALE - 1.0;
        let y = (r & 0xFFFF_FFFF) as f64 * SCALE - 1.0;
        let s = x * x + y * y;
        if s < 1.0 {
            let z = (1.0 - s).sqrt();
            return t1 * x + t2 * y + normal * z;
        }
    }
}

/// Traces `rays_per_face` rays from each face in `rows`, in parallel.
pub fn trace_rows(
    scene: &Scene,
    rows: &[usize],
    options: &MonteCarloOptions,
) -> Result<RowEstimates, RadiationError> {
    let faces = scene.faces();
    if let Some(&bad) = rows.iter().find(|&&r| r >= faces.len()) {
        return Err(RadiationError::InvalidValue {
            quantity: "face index",
            value: bad.to_string(),
            allowed: "below the number of faces",
        });
    }
    let n = options.rays_per_face;
    let chunks = n.div_ceil(CHUNK_RAYS);
    let width = faces.len() + 2;
    let mut counts = vec![0u64; rows.len() * width];
    // Chunk g is chunk g % chunks of row g / chunks. Windows of chunks keep the partial
    // results small whatever the ray count; integer sums make the order irrelevant.
    let total = rows.len() as u64 * chunks;
    let mut start = 0u64;
    while start < total {
        let end = (start + WINDOW_CHUNKS).min(total);
        let partial: Vec<(usize, Vec<(u32, u64)>)> = (start..end)
            .into_par_iter()
            .map(|g| {
                let (r, k) = ((g / chunks) as usize, g % chunks);
                let count = CHUNK_RAYS.min(n - k * CHUNK_RAYS);
                let seed = stream_seed(options.seed, rows[r], k);
                (r, trace_chunk(scene, rows[r], seed, count))
            })
            .collect();
        for (r, hits) in partial {
            for (column, c) in hits {
                counts[r * width + column as usize] += c;
            }
        }
        start = end;
    }
    Ok(RowEstimates {
        faces: faces.len(),
        rows: rows.to_vec(),
        rays_per_face: n,
        counts,
    })
}

/// `count` rays from `face` on the stream `seed`: the non-zero counts per column (faces,
/// then space, then inactive).
fn trace_chunk(scene: &Scene, face: usize, seed: u64, count: u64) -> Vec<(u32, u64)> {
    let faces = scene.faces();
    let elements = scene.elements();
    let f = &faces[face];
    let e = &elements[f.element];
    let normal = match f.side {
        Side::Front => e.normal,
        Side::Back => -e.normal,
    };
    // The back side's frame keeps right-handedness by flipping one tangent.
    let t2 = match f.side {
        Side::Front => e.tangent_v,
        Side::Back => -e.tangent_v,
    };
    let t1 = e.tangent_u;
    let space = faces.len();
    let inactive = faces.len() + 1;
    let t_min = 1e-10 * scene.size_m();
    let skip = f.element as u32;
    let bvh = scene.bvh();
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let mut local = vec![0u64; faces.len() + 2];
    for _ in 0..count {
        let origin = if e.is_disc() {
            // Uniform on the disc: r = R√ξ₁, φ = 2πξ₂.
            let r = e.radius_m * unit(&mut rng).sqrt();
            let (s, c) = (std::f64::consts::TAU * unit(&mut rng)).sin_cos();
            e.anchor_m + e.tangent_u * (r * c) + e.tangent_v * (r * s)
        } else {
            e.anchor_m + e.edge_u_m * unit(&mut rng) + e.edge_v_m * unit(&mut rng)
        };
        let dir = cosine_direction(&mut rng, &t1, &t2, &normal);
        let column = match bvh.closest_hit(&origin, &dir, t_min, skip) {
            None => space,
            Some(hit) => {
                let target = &elements[hit.element as usize];
                if hit.front {
                    target.front_face
                } else {
                    target.back_face.unwrap_or(inactive)
                }
            }
        };
        local[column] += 1;
    }
    local
        .iter()
        .enumerate()
        .filter(|(_, &c)| c > 0)
        .map(|(j, &c)| (j as u32, c))
        .collect()
}

/// A full factor matrix: raw estimates, and factors made reciprocal and closed with space.
#[derive(Debug, Clone, PartialEq)]
pub struct FactorMatrix {
    raw: RowEstimates,
    areas_m2: Vec<f64>,
    /// Reciprocal factors, row-major `n × n`.
    factors: Vec<f64>,
    /// Their standard errors.
    factor_se: Vec<f64>,
    /// Factor of each face to space after reciprocity and closure.
    space: Vec<f64>,
}

/// Most iterations of the symmetric scaling that closes the rows (a symmetric
/// Sinkhorn–Knopp iteration, `A_i F_ij ← A_i F_ij √(s_i s_j)`, which converges
/// geometrically; a 24-face cube reaches round-off in about 40).
const CLOSURE_ITERATIONS: usize = 1000;

/// Traces every face of `scene` and makes the factors reciprocal and closed (see the
/// module documentation).
pub fn factor_matrix(
    scene: &Scene,
    options: &MonteCarloOptions,
) -> Result<FactorMatrix, RadiationError> {
    let n = scene.faces().len();
    let rows: Vec<usize> = (0..n).collect();
    let raw = trace_rows(scene, &rows, options)?;
    let areas_m2 = scene.areas_m2();
    // Exchange areas A_i F_ij, the mean of the two estimates.
    let mut exchange = vec![0.0; n * n];
    let mut factor_se = vec![0.0; n * n];
    for i in 0..n {
        for j in i + 1..n {
            let a = areas_m2[i] * raw.factor(i, j);
            let b = areas_m2[j] * raw.factor(j, i);
            let mean = 0.5 * (a + b);
            exchange[i * n + j] = mean;
            exchange[j * n + i] = mean;
            // Standard error of the mean of two independent estimates.
            let se = 0.5
                * ((areas_m2[i] * raw.standard_error(i, j)).powi(2)
                    + (areas_m2[j] * raw.standard_error(j, i)).powi(2))
                .sqrt();
            factor_se[i * n + j] = se / areas_m2[i];
            factor_se[j * n + i] = se / areas_m2[j];
        }
    }
    // Row targets: what the row gives to faces, A_i (1 − F_i,inactive) for a row none of
    // whose rays escaped (an enclosure: exactly), at most that for the others (the rest
    // goes to space).
    let target: Vec<f64> = (0..n)
        .map(|i| areas_m2[i] * (1.0 - raw.inactive(i)))
        .collect();
    let enclosed: Vec<bool> = (0..n).map(|i| raw.count(i, n) == 0).collect();
    for _ in 0..CLOSURE_ITERATIONS {
        let scale: Vec<f64> = (0..n)
            .map(|i| {
                let sum: f64 = exchange[i * n..(i + 1) * n].iter().sum();
                if sum > 0.0 && (enclosed[i] || sum > target[i]) {
                    (target[i] / sum).sqrt()
                } else {
                    1.0
                }
            })
            .collect();
        if scale.iter().all(|&s| (s - 1.0).abs() <= 1e-15) {
            break;
        }
        for i in 0..n {
            for j in 0..n {
                exchange[i * n + j] *= scale[i] * scale[j];
            }
        }
    }
    let mut factors = vec![0.0; n * n];
    let mut space = vec![0.0; n];
    for i in 0..n {
        let mut sum = 0.0;
        for j in 0..n {
            let f = exchange[i * n + j] / areas_m2[i];
            factors[i * n + j] = f;
            sum += f;
        }
        space[i] = (1.0 - raw.inactive(i) - sum).max(0.0);
    }
    Ok(FactorMatrix {
        raw,
        areas_m2,
        factors,
        factor_se,
        space,
    })
}

impl FactorMatrix {
    /// Number of faces.
    pub fn len(&self) -> usize {
        self.areas_m2.len()
    }

    /// Whether there are no faces (never, for a checked scene).
    pub fn is_empty(&self) -> bool {
        self.areas_m2.is_empty()
    }

    /// Face areas (m²).
    pub fn areas_m2(&self) -> &[f64] {
        &self.areas_m2
    }

    /// The raw (unsymmetrised) estimates.
    pub fn raw(&self) -> &RowEstimates {
        &self.raw
    }

    /// The reciprocal factor `F_ij`.
    pub fn factor(&self, i: usize, j: usize) -> f64 {
        self.factors[i * self.len() + j]
    }

    /// The standard error of [`FactorMatrix::factor`] (of the mean of the two estimates).
    pub fn standard_error(&self, i: usize, j: usize) -> f64 {
        self.factor_se[i * self.len() + j]
    }

    /// The largest standard error of any factor.
    pub fn max_standard_error(&self) -> f64 {
        self.factor_se.iter().copied().fold(0.0, f64::max)
    }

    /// The reciprocal factors, row-major `n × n` (the input of
    /// [`super::exchange::grey_diffuse_exchange`]).
    pub fn factors(&self) -> &[f64] {
        &self.factors
    }

    /// The factor of each face to space.
    pub fn space_factors(&self) -> &[f64] {
        &self.space
    }

    /// The fraction of each face's rays absorbed by inactive back sides.
    pub fn inactive(&self, i: usize) -> f64 {
        self.raw.inactive(i)
    }

    /// `max_i |Σ_j F_ij + F_i,space + F_i,inactive − 1|`.
    pub fn closure_error(&self) -> f64 {
        let n = self.len();
        (0..n)
            .map(|i| {
                let sum: f64 = self.factors[i * n..(i + 1) * n].iter().sum();
                (sum + self.space[i] + self.inactive(i) - 1.0).abs()
            })
            .fold(0.0, f64::max)
    }

    /// `max_ij |A_i F_ij − A_j F_ji| / (A_i + A_j)`.
    pub fn reciprocity_error(&self) -> f64 {
        let n = self.len();
        let mut worst = 0.0f64;
        for i in 0..n {
            for j in i + 1..n {
                let d = self.areas_m2[i] * self.factor(i, j) - self.areas_m2[j] * self.factor(j, i);
                worst = worst.max(d.abs() / (self.areas_m2[i] + self.areas_m2[j]));
            }
        }
        worst
    }
}

#[cfg(test)]
mod tests {
    use super::super::analytic;
    use super::super::geometry::Surface;
    use super::*;

    fn parallel_squares(gap: f64) -> Scene {
        Scene::new(vec![
            Surface::rectangle("a", Vec3::zeros(), Vec3::x(), Vec3::y()),
            Surface::rectangle("b", Vec3::new(0.0, 0.0, gap), Vec3::y(), Vec3::x()),
        ])
        .unwrap()
    }

    #[test]
    fn parallel_squares_within_three_standard_errors() {
        let scene = parallel_squares(0.5);
        let opts = MonteCarloOptions::new(400_000, 3).unwrap();
        let est = trace_rows(&scene, &[0], &opts).unwrap();
        let exact = analytic::parallel_rectangles(1.0, 1.0, 0.5).unwrap();
        let (f, se) = (est.factor(0, 1), est.standard_error(0, 1));
        assert!((f - exact).abs() < 3.0 * se, "{f} ± {se} vs {exact}");
        assert_eq!(est.inactive(0), 0.0);
        assert!((est.space(0) + f - 1.0).abs() < 1e-15);
    }

    #[test]
    fn same_bits_on_one_and_two_threads() {
        let scene = parallel_squares(0.7);
        let opts = MonteCarloOptions::new(3 * CHUNK_RAYS + 17, 11).unwrap();
        let run = |threads: usize| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap()
                .install(|| factor_matrix(&scene, &opts).unwrap())
        };
        let (one, two) = (run(1), run(2));
        assert_eq!(one, two);
        for (a, b) in one.factors().iter().zip(two.factors()) {
            assert_eq!(a.to_bits(), b.to_bits());
        }
        // A different seed gives different counts.
        let other = factor_matrix(
            &scene,
            &MonteCarloOptions::new(3 * CHUNK_RAYS + 17, 12).unwrap(),
        )
        .unwrap();
        assert_ne!(one.raw().count(0, 1), other.raw().count(0, 1));
    }

    #[test]
    fn enclosure_closes_and_stays_reciprocal() {
        // A unit cube of 6 inward faces, 2 × 2 cells each: no ray escapes.
        let c = |x: f64, y: f64, z: f64| Vec3::new(x, y, z);
        let s = vec![
            Surface::rectangle("z0", c(0., 0., 0.), c(1., 0., 0.), c(0., 1., 0.)),
            Surface::rectangle("z1", c(0., 0., 1.), c(0., 1., 0.), c(1., 0., 0.)),
            Surface::rectangle("x0", c(0., 0., 0.), c(0., 1., 0.), c(0., 0., 1.)),
            Surface::rectangle("x1", c(1., 0., 0.), c(0., 0., 1.), c(0., 1., 0.)),
            Surface::rectangle("y0", c(0., 0., 0.), c(0., 0., 1.), c(1., 0., 0.)),
            Surface::rectangle("y1", c(0., 1., 0.), c(1., 0., 0.), c(0., 0., 1.)),
        ]
        .into_iter()
        .map(|s| s.with_cells(2, 2))
        .collect();
        let scene = Scene::new(s).unwrap();
        let m = factor_matrix(&scene, &MonteCarloOptions::new(20_000, 5).unwrap()).unwrap();
        assert_eq!(m.len(), 24);
        assert!(m.closure_error() < 1e-12, "{}", m.closure_error());
        assert!(m.reciprocity_error() < 1e-15);
        for i in 0..24 {
            assert!(m.raw().space(i) == 0.0, "a ray escaped the closed cube");
            assert!(m.space_factors()[i] < 1e-9);
        }
        // Face z0 to the opposite face z1 (sum over cells): 0.1998 ± SE.
        let z0: Vec<usize> = (0..4).collect();
        let z1: Vec<usize> = (4..8).collect();
        let f: f64 = z0
            .iter()
            .flat_map(|&i| z1.iter().map(move |&j| (i, j)))
            .map(|(i, j)| m.factor(i, j))
            .sum::<f64>()
            / 4.0;
        let exact = analytic::parallel_rectangles(1.0, 1.0, 1.0).unwrap();
        assert!((f - exact).abs() < 0.005, "{f} vs {exact}");
    }

    #[test]
    fn bad_options_are_refused() {
        assert!(MonteCarloOptions::new(0, 1).is_err());
        assert!(MonteCarloOptions::for_standard_error(0.0, 1).is_err());
        let o = MonteCarloOptions::for_standard_error(0.01, 1).unwrap();
        assert_eq!(o.rays_per_face, 2500);
        let scene = parallel_squares(1.0);
        assert!(trace_rows(&scene, &[2], &o).is_err());
    }
}
