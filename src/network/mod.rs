//! The thermal network: nodes, conductors and heat sources.
//!
//! For each non-boundary node *i* the network states
//!
//! ```text
//! C_i dT_i/dt = Σ_j G_ij (T_j − T_i) + σ Σ_j R_ij (T_j⁴ − T_i⁴)
//!             + Σ_u ṁc_p,ui (T_u − T_i) + Q_i(t)
//! ```
//!
//! (Gilmore, *Spacecraft Thermal Control Handbook* Vol. 1, ch. 15; the SINDA
//! lumped-parameter formulation). Diffusion nodes have a heat capacity C,
//! arithmetic nodes are massless (C = 0, always in balance), boundary nodes have
//! a prescribed temperature. Linear conductors carry `G (T_b − T_a)`, radiative
//! conductors `σ R (T_b⁴ − T_a⁴)` with R in m² (area × emissivity × view factor
//! folded in), one-way advective conductors `ṁc_p (T_up − T_down)` into the
//! downstream node only (upwind, as in a fluid loop).
//!
//! [`ThermalNetwork`] is the editable model; [`ThermalNetwork::assemble`] turns it
//! into an [`AssembledNetwork`] with a fixed sparse pattern that the solvers use.

mod assembly;
mod chains;
mod coarsen;
mod kernels;
mod profile;
mod reference;
#[cfg(test)]
mod test_networks;

use std::collections::HashMap;
use std::ops::Range;

pub use crate::linalg::{CsrMatrix, GridBlock, GridShape};
pub use assembly::{AssembledNetwork, HeatFlows};
pub use profile::{Harmonic, Profile, SampledSeries, TimeFunction, TimeTable};
pub use reference::BalanceTerm;

use crate::error::NetworkError;

/// Index of a node in a [`ThermalNetwork`].
pub type NodeId = usize;

/// What kind of node, and what it carries.
#[derive(Debug, Clone)]
pub enum NodeKind {
    /// Has heat capacity `capacitance_j_k` (J/K, > 0).
    Diffusion { capacitance_j_k: f64 },
    /// Massless: its net heat flow is zero at every instant.
    Arithmetic,
    /// Temperature prescribed (K, ≥ 0) as a function of time.
    Boundary { temperature_k: Profile },
}

/// A named, contiguous block of nodes (a panel's cells, a coolant chain).
#[derive(Debug, Clone, PartialEq)]
pub struct NodeGroup {
    /// Group name, unique among groups.
    pub name: String,
    /// The nodes, contiguous.
    pub nodes: Range<NodeId>,
    /// Grid layout when the group is a structured grid.
    pub grid: Option<GridShape>,
}

/// A two-node conductor: linear (value G in W/K) or radiative (value R in m²).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Conductor {
    a: u32,
    b: u32,
    value: f64,
}

impl Conductor {
    /// First node.
    pub fn a(&self) -> NodeId {
        self.a as NodeId
    }
    /// Second node.
    pub fn b(&self) -> NodeId {
        self.b as NodeId
    }
    /// G in W/K for a linear conductor, R in m² for a radiative one.
    pub fn value(&self) -> f64 {
        self.value
    }
}

/// A one-way advective conductor: heat `ṁc_p (T_up − T_down)` into `downstream`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AdvectiveConductor {
    /// Node the fluid comes from.
    pub upstream: NodeId,
    /// Node the fluid enters; only its balance changes.
    pub downstream: NodeId,
    /// Capacity rate ṁ c_p in W/K (≥ 0).
    pub mdot_cp_w_k: f64,
}

/// A heat source: node `k` receives `weight_k × profile(t)` watts.
///
/// One source can spread over many nodes (a flux on a panel face, with each
/// cell's area as its weight), so one profile evaluation serves them all.
#[derive(Debug, Clone)]
pub struct HeatSource {
    /// Name for reports.
    pub name: String,
    /// `(node, weight)`; the node receives `weight × profile(t)` W.
    pub loads: Vec<(NodeId, f64)>,
    /// Time variation.
    pub profile: Profile,
}

/// A heat source linear in its node's temperature: the node receives
///
/// ```text
/// Q = weight × profile(t) × max(0, 1 + coefficient_per_k (T − reference_k))   W
/// ```
///
/// It carries loads whose size depends on the node's own temperature, such as
/// a solar array's electrical output, `P = η_ref (1 + β (T − T_ref)) S A` with
/// β < 0 (Green, *Solar Cells*, 1982, §5.4; the linear model of Evans 1981), taken
/// out of the array's absorbed heat (negative weight). The factor is floored at
/// zero: an efficiency does not turn negative.
#[derive(Debug, Clone)]
pub struct TemperatureDependentSource {
    /// Name for reports.
    pub name: String,
    /// The node that receives the heat (not a boundary).
    pub node: NodeId,
    /// Scale of the load (W per unit of the profile).
    pub weight: f64,
    /// Time variation.
    pub profile: Profile,
    /// Relative change of the load per kelvin, 1/K.
    pub coefficient_per_k: f64,
    /// Temperature at which the factor is 1, K.
    pub reference_k: f64,
}

impl TemperatureDependentSource {
    /// `max(0, 1 + β (T − T_ref))`.
    pub fn factor(&self, temperature_k: f64) -> f64 {
        (1.0 + self.coefficient_per_k * (temperature_k - self.reference_k)).max(0.0)
    }

    /// `d factor / dT`: β where the factor is positive, else 0.
    pub fn factor_slope_per_k(&self, temperature_k: f64) -> f64 {
        if self.factor(temperature_k) > 0.0 {
            self.coefficient_per_k
        } else {
            0.0
        }
    }

    /// Heat into the node (W) at time `t_s` and node temperature `temperature_k`.
    pub fn power_w(&self, t_s: f64, temperature_k: f64) -> f64 {
        self.weight * self.profile.value_at(t_s) * self.factor(temperature_k)
    }
}

/// An editable thermal network.
#[derive(Debug, Clone, Default)]
pub struct ThermalNetwork {
    kinds: Vec<NodeKind>,
    initial_temperature_k: Vec<f64>,
    names: HashMap<String, NodeId>,
    named: Vec<(String, NodeId)>,
    groups: Vec<NodeGroup>,
    linear: Vec<Conductor>,
    radiative: Vec<Conductor>,
    advective: Vec<AdvectiveConductor>,
    sources: Vec<HeatSource>,
    temperature_sources: Vec<TemperatureDependentSource>,
}

/// `Ok` when `value` is finite and `ok`; otherwise [`NetworkError::InvalidValue`]
/// naming `element`, `quantity` and the `allowed` range.
pub(crate) fn check_finite_range(
    element: &str,
    quantity: &'static str,
    value: f64,
    ok: bool,
    allowed: &'static str,
) -> Result<(), NetworkError> {
    if value.is_finite() && ok {
        Ok(())
    } else {
        Err(NetworkError::InvalidValue {
            element: element.to_string(),
            quantity,
            value,
            allowed,
        })
    }
}

impl ThermalNetwork {
    /// An empty network.
    pub fn new() -> Self {
        Self::default()
    }

    /// Number of nodes.
    pub fn node_count(&self) -> usize {
        self.kinds.len()
    }

    /// Kind of node `id`.
    pub fn kind(&self, id: NodeId) -> &NodeKind {
        &self.kinds[id]
    }

    /// Initial temperature (K) of node `id` (a transient's start, a steady solve's first guess).
    pub fn initial_temperature_k(&self, id: NodeId) -> f64 {
        self.initial_temperature_k[id]
    }

    /// Sets the initial temperature of node `id`.
    pub fn set_initial_temperature_k(&mut self, id: NodeId, t_k: f64) -> Result<(), NetworkError> {
        self.check_id(id)?;
        check_finite_range(
            &self.label(id),
            "initial temperature (K)",
            t_k,
            t_k > 0.0,
            "> 0",
        )?;
        self.initial_temperature_k[id] = t_k;
        Ok(())
    }

    fn check_id(&self, id: NodeId) -> Result<(), NetworkError> {
        if id < self.kinds.len() {
            Ok(())
        } else {
            Err(NetworkError::NodeIndexOutOfRange {
                index: id,
                count: self.kinds.len(),
            })
        }
    }

    fn check_kind(label: &str, kind: &NodeKind) -> Result<(), NetworkError> {
        match kind {
            NodeKind::Diffusion { capacitance_j_k: c } => {
                check_finite_range(label, "capacitance (J/K)", *c, *c > 0.0, "> 0")
            }
            NodeKind::Arithmetic => Ok(()),
            NodeKind::Boundary {
                temperature_k: Profile::Constant(t),
            } => check_finite_range(label, "temperature (K)", *t, *t >= 0.0, ">= 0"),
            NodeKind::Boundary { .. } => Ok(()),
        }
    }

    /// Adds a named node with an initial temperature (K, > 0).
    pub fn add_node(
        &mut self,
        name: &str,
        kind: NodeKind,
        initial_temperature_k: f64,
    ) -> Result<NodeId, NetworkError> {
        if self.names.contains_key(name) || self.groups.iter().any(|g| g.name == name) {
            return Err(NetworkError::DuplicateNode {
                name: name.to_string(),
            });
        }
        Self::check_kind(name, &kind)?;
        check_finite_range(
            name,
            "initial temperature (K)",
            initial_temperature_k,
            initial_temperature_k > 0.0,
            "> 0",
        )?;
        let id = self.kinds.len();
        self.kinds.push(kind);
        self.initial_temperature_k.push(initial_temperature_k);
        self.names.insert(name.to_string(), id);
        self.named.push((name.to_string(), id));
        Ok(id)
    }

    /// Adds a boundary node held at a constant temperature (K, ≥ 0).
    pub fn add_boundary(&mut self, name: &str, temperature_k: f64) -> Result<NodeId, NetworkError> {
        let initial = if temperature_k > 0.0 {
            temperature_k
        } else {
            1.0
        };
        self.add_node(
            name,
            NodeKind::Boundary {
                temperature_k: Profile::Constant(temperature_k),
            },
            initial,
        )
    }

    /// Adds a contiguous group of unnamed diffusion or arithmetic nodes.
    ///
    /// `capacitance_j_k[k]` is node k's heat capacity; zero makes it arithmetic.
    pub fn add_group(
        &mut self,
        name: &str,
        capacitance_j_k: &[f64],
        initial_temperature_k: f64,
        grid: Option<GridShape>,
    ) -> Result<Range<NodeId>, NetworkError> {
        if self.names.contains_key(name) || self.groups.iter().any(|g| g.name == name) {
            return Err(NetworkError::DuplicateNode {
                name: name.to_string(),
            });
        }
        if let Some(g) = grid {
            if g.nx * g.ny != capacitance_j_k.len() {
                return Err(NetworkError::InvalidValue {
                    element: name.to_string(),
                    quantity: "grid cell count",
                    value: capacitance_j_k.len() as f64,
                    allowed: "nx × ny",
                });
            }
        }
        if let Some(&c) = capacitance_j_k
            .iter()
            .find(|c| !(c.is_finite() && **c >= 0.0))
        {
            check_finite_range(name, "capacitance (J/K)", c, false, ">= 0")?;
        }
        check_finite_range(
            name,
            "initial temperature (K)",
            initial_temperature_k,
            initial_temperature_k > 0.0,
            "> 0",
        )?;
        let first = self.kinds.len();
        self.kinds.extend(capacitance_j_k.iter().map(|&c| {
            if c > 0.0 {
                NodeKind::Diffusion { capacitance_j_k: c }
            } else {
                NodeKind::Arithmetic
            }
        }));
        self.initial_temperature_k.extend(std::iter::repeat_n(
            initial_temperature_k,
            capacitance_j_k.len(),
        ));
        let nodes = first..self.kinds.len();
        self.groups.push(NodeGroup {
            name: name.to_string(),
            nodes: nodes.clone(),
            grid,
        });
        Ok(nodes)
    }

    /// Node with this name (named nodes only, not group members).
    pub fn node(&self, name: &str) -> Result<NodeId, NetworkError> {
        self.names
            .get(name)
            .copied()
            .ok_or_else(|| NetworkError::UnknownNode {
                name: name.to_string(),
            })
    }

    /// Named nodes in the order they were added.
    pub fn named_nodes(&self) -> &[(String, NodeId)] {
        &self.named
    }

    /// Node groups in the order they were added.
    pub fn groups(&self) -> &[NodeGroup] {
        &self.groups
    }

    /// A group by name.
    pub fn group(&self, name: &str) -> Option<&NodeGroup> {
        self.groups.iter().find(|g| g.name == name)
    }

    /// A readable label: the node's name, or `group[k]` / `group[i,j]`.
    pub fn label(&self, id: NodeId) -> String {
        node_label(&self.named, &self.groups, id)
    }

    fn two_node(&self, element: &str, a: NodeId, b: NodeId) -> Result<(), NetworkError> {
        self.check_id(a)?;
        self.check_id(b)?;
        if a == b {
            return Err(NetworkError::SelfLoop {
                element: element.to_string(),
                node: self.label(a),
            });
        }
        Ok(())
    }

    /// Adds a linear conductor G (W/K, ≥ 0) between `a` and `b`.
    pub fn add_linear(&mut self, a: NodeId, b: NodeId, g_w_k: f64) -> Result<(), NetworkError> {
        self.two_node("linear conductor", a, b)?;
        // The label is built only on failure: formatting it for every one of a
        // million panel conductors would cost more than the assembly.
        if !(g_w_k.is_finite() && g_w_k >= 0.0) {
            check_finite_range(
                &format!("linear conductor {}–{}", self.label(a), self.label(b)),
                "conductance G (W/K)",
                g_w_k,
                false,
                ">= 0",
            )?;
        }
        self.linear.push(Conductor {
            a: a as u32,
            b: b as u32,
            value: g_w_k,
        });
        Ok(())
    }

    /// Adds a radiative conductor R (m², ≥ 0): heat `σ R (T_b⁴ − T_a⁴)` into `a`.
    pub fn add_radiative(&mut self, a: NodeId, b: NodeId, r_m2: f64) -> Result<(), NetworkError> {
        self.two_node("radiative conductor", a, b)?;
        if !(r_m2.is_finite() && r_m2 >= 0.0) {
            check_finite_range(
                &format!("radiative conductor {}–{}", self.label(a), self.label(b)),
                "radiative exchange factor R (m²)",
                r_m2,
                false,
                ">= 0",
            )?;
        }
        self.radiative.push(Conductor {
            a: a as u32,
            b: b as u32,
            value: r_m2,
        });
        Ok(())
    }

    /// Adds a one-way advective conductor ṁc_p (W/K, ≥ 0) from `upstream` into `downstream`.
    pub fn add_advective(
        &mut self,
        upstream: NodeId,
        downstream: NodeId,
        mdot_cp_w_k: f64,
    ) -> Result<(), NetworkError> {
        self.two_node("advective conductor", upstream, downstream)?;
        if !(mdot_cp_w_k.is_finite() && mdot_cp_w_k >= 0.0) {
            check_finite_range(
                &format!(
                    "advective conductor {}→{}",
                    self.label(upstream),
                    self.label(downstream)
                ),
                "capacity rate ṁc_p (W/K)",
                mdot_cp_w_k,
                false,
                ">= 0",
            )?;
        }
        self.advective.push(AdvectiveConductor {
            upstream,
            downstream,
            mdot_cp_w_k,
        });
        Ok(())
    }

    /// Adds a heat source; weights must be finite, nodes must not be boundaries.
    pub fn add_source(&mut self, source: HeatSource) -> Result<(), NetworkError> {
        for &(node, w) in &source.loads {
            self.check_id(node)?;
            check_finite_range(&source.name, "source weight", w, true, "finite")?;
            if matches!(self.kinds[node], NodeKind::Boundary { .. }) {
                return Err(NetworkError::InvalidValue {
                    element: format!(
                        "source `{}` on boundary node `{}`",
                        source.name,
                        self.label(node)
                    ),
                    quantity: "load on a boundary node",
                    value: w,
                    allowed: "sources on diffusion or arithmetic nodes only",
                });
            }
        }
        if let Profile::Constant(v) = source.profile {
            check_finite_range(&source.name, "power (W)", v, true, "finite")?;
        }
        self.sources.push(source);
        Ok(())
    }

    /// Adds a heat source linear in its node's temperature (see
    /// [`TemperatureDependentSource`]); the node must not be a boundary.
    pub fn add_temperature_dependent_source(
        &mut self,
        source: TemperatureDependentSource,
    ) -> Result<(), NetworkError> {
        self.check_id(source.node)?;
        let name = &source.name;
        check_finite_range(name, "weight", source.weight, true, "finite")?;
        check_finite_range(
            name,
            "temperature coefficient (1/K)",
            source.coefficient_per_k,
            true,
            "finite",
        )?;
        check_finite_range(
            name,
            "reference temperature (K)",
            source.reference_k,
            source.reference_k > 0.0,
            "> 0",
        )?;
        if let Profile::Constant(v) = source.profile {
            check_finite_range(name, "profile value", v, true, "finite")?;
        }
        if matches!(self.kinds[source.node], NodeKind::Boundary { .. }) {
            return Err(NetworkError::InvalidValue {
                element: format!(
                    "source `{name}` on boundary node `{}`",
                    self.label(source.node)
                ),
                quantity: "load on a boundary node",
                value: source.weight,
                allowed: "sources on diffusion or arithmetic nodes only",
            });
        }
        self.temperature_sources.push(source);
        Ok(())
    }

    /// Adds a constant heat load (W) on one node.
    pub fn add_heat_load(
        &mut self,
        name: &str,
        node: NodeId,
        power_w: f64,
    ) -> Result<(), NetworkError> {
        self.add_source(HeatSource {
            name: name.to_string(),
            loads: vec![(node, 1.0)],
            profile: Profile::Constant(power_w),
        })
    }

    /// Linear conductors.
    pub fn linear_conductors(&self) -> &[Conductor] {
        &self.linear
    }

    /// Radiative conductors.
    pub fn radiative_conductors(&self) -> &[Conductor] {
        &self.radiative
    }

    /// Advective conductors.
    pub fn advective_conductors(&self) -> &[AdvectiveConductor] {
        &self.advective
    }

    /// Heat sources.
    pub fn sources(&self) -> &[HeatSource] {
        &self.sources
    }

    /// Heat sources linear in their node's temperature.
    pub fn temperature_dependent_sources(&self) -> &[TemperatureDependentSource] {
        &self.temperature_sources
    }

    /// Nodes whose temperature no boundary node fixes. A steady problem with
    /// such nodes is singular; a transient one is not (its diffusion nodes float).
    ///
    /// The steady Jacobian `K = −∂F/∂T` at equal temperatures is an L-matrix
    /// (positive diagonal, off-diagonal entries ≤ 0) whose rows are weakly
    /// diagonally dominant: row `i`'s diagonal sums all of `i`'s conductances,
    /// its off-diagonal entries those to other unknowns. Such a matrix is
    /// nonsingular exactly when it is weakly chained diagonally dominant:
    /// from every row a walk in the graph of `K` (an arc `i → j` where
    /// `K_ij ≠ 0`) reaches a row with a conductance to a boundary node
    /// (Shivakumar & Chew, *Proc. AMS* 43, 1974, for "if"; Azimzadeh, "A fast
    /// and stable test to check if a weakly diagonally dominant matrix is a
    /// nonsingular M-matrix", *Math. Comp.* 88, 2019, for "only if"). A
    /// linear or radiative conductor gives arcs both ways. A one-way advective
    /// conductor `up → down` enters only `down`'s row (`K_down,up = −ṁc_p`):
    /// an arc `down → up`, none back. So a node is grounded when grounding
    /// spreads to it from the boundary nodes through linear and radiative
    /// conductors and downstream along the flow: a closed fluid loop tied to a
    /// radiator is grounded, a chain fed from a boundary is grounded, and a
    /// node whose only coupling is being the upstream end of an advective
    /// conductor is not (the fluid carries its heat away but fixes no temperature).
    pub fn nodes_without_sink(&self) -> Vec<NodeId> {
        let boundaries =
            (0..self.node_count()).filter(|&i| matches!(self.kinds[i], NodeKind::Boundary { .. }));
        unreached_nodes(
            self.node_count(),
            boundaries,
            grounding_arcs(&self.linear, &self.radiative, &self.advective),
        )
    }

    /// Checks that every node has a path to a boundary node (needed for a steady solve).
    pub fn check_grounded(&self) -> Result<(), NetworkError> {
        no_path_to_sink(&self.nodes_without_sink(), |i| self.label(i))
    }

    /// Compiles the network into its solver form.
    pub fn assemble(&self) -> Result<AssembledNetwork, NetworkError> {
        AssembledNetwork::new(self)
    }
}

/// The arcs `(from, to)` along which grounding spreads (see
/// [`ThermalNetwork::nodes_without_sink`]): both ways along linear and
/// radiative conductors that carry heat (value > 0), and downstream along
/// advective ones.
fn grounding_arcs<'a>(
    linear: &'a [Conductor],
    radiative: &'a [Conductor],
    advective: &'a [AdvectiveConductor],
) -> impl Iterator<Item = (NodeId, NodeId)> + 'a {
    linear
        .iter()
        .chain(radiative)
        .filter(|c| c.value > 0.0)
        .flat_map(|c| [(c.a(), c.b()), (c.b(), c.a())])
        .chain(
            advective
                .iter()
                .filter(|c| c.mdot_cp_w_k > 0.0)
                .map(|c| (c.upstream, c.downstream)),
        )
}

/// The nodes of `0..n` not reached from `seeds` along the directed `arcs`
/// (a graph search over the arcs sorted by their tail), in order.
pub(super) fn unreached_nodes(
    n: usize,
    seeds: impl Iterator<Item = usize>,
    arcs: impl Iterator<Item = (usize, usize)>,
) -> Vec<usize> {
    let arcs: Vec<(usize, usize)> = arcs.collect();
    // Heads of each node's arcs, by a counting sort on the tail.
    let mut start = vec![0usize; n + 1];
    for &(from, _) in &arcs {
        start[from + 1] += 1;
    }
    for i in 0..n {
        start[i + 1] += start[i];
    }
    let mut fill = start.clone();
    let mut heads = vec![0usize; arcs.len()];
    for &(from, to) in &arcs {
        heads[fill[from]] = to;
        fill[from] += 1;
    }
    drop((arcs, fill));
    let mut reached = vec![false; n];
    let mut queue: Vec<usize> = Vec::new();
    for s in seeds {
        if !reached[s] {
            reached[s] = true;
            queue.push(s);
        }
    }
    while let Some(i) = queue.pop() {
        for &j in &heads[start[i]..start[i + 1]] {
            if !reached[j] {
                reached[j] = true;
                queue.push(j);
            }
        }
    }
    (0..n).filter(|&i| !reached[i]).collect()
}

/// The error for floating nodes, with up to three examples.
fn no_path_to_sink(
    floating: &[NodeId],
    label: impl Fn(NodeId) -> String,
) -> Result<(), NetworkError> {
    if floating.is_empty() {
        return Ok(());
    }
    let examples: Vec<String> = floating.iter().take(3).map(|&i| label(i)).collect();
    Err(NetworkError::NoPathToSink {
        count: floating.len(),
        examples: examples.join("`, `"),
    })
}

/// A readable label of node `id` among `named` nodes and `groups`: its name, or `group[k]` /
/// `group[i,j]`, or `#id`.
fn node_label(named: &[(String, NodeId)], groups: &[NodeGroup], id: NodeId) -> String {
    if let Some((name, _)) = named.iter().find(|(_, n)| *n == id) {
        return name.clone();
    }
    for g in groups {
        if g.nodes.contains(&id) {
            let k = id - g.nodes.start;
            return match g.grid {
                Some(s) => format!("{}[{},{}]", g.name, k % s.nx, k / s.nx),
                None => format!("{}[{k}]", g.name),
            };
        }
    }
    format!("#{id}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_values_are_rejected_with_the_element_named() {
        let mut net = ThermalNetwork::new();
        let a = net.add_node("a", NodeKind::Arithmetic, 300.0).unwrap();
        let b = net.add_boundary("b", 3.0).unwrap();
        assert!(net.add_linear(a, b, -1.0).is_err());
        assert!(net.add_linear(a, b, f64::NAN).is_err());
        assert!(net.add_radiative(a, a, 1.0).is_err());
        assert!(net.add_node("a", NodeKind::Arithmetic, 300.0).is_err());
        assert!(net
            .add_node(
                "c",
                NodeKind::Diffusion {
                    capacitance_j_k: 0.0
                },
                300.0
            )
            .is_err());
        let err = net.add_heat_load("q", b, 1.0).unwrap_err();
        assert!(err.to_string().contains("boundary"));
    }

    #[test]
    fn floating_nodes_are_found() {
        let mut net = ThermalNetwork::new();
        let a = net.add_node("a", NodeKind::Arithmetic, 300.0).unwrap();
        let b = net.add_boundary("sink", 3.0).unwrap();
        let c = net.add_node("c", NodeKind::Arithmetic, 300.0).unwrap();
        net.add_linear(a, b, 1.0).unwrap();
        assert_eq!(net.nodes_without_sink(), vec![c]);
        assert!(matches!(
            net.check_grounded(),
            Err(NetworkError::NoPathToSink { count: 1, .. })
        ));
    }

    /// Both checks (on the network and on its assembled rows) give `expected`.
    fn assert_floating(net: &ThermalNetwork, expected: &[NodeId]) {
        assert_eq!(net.nodes_without_sink(), expected);
        let rows = net.assemble().unwrap().check_grounded();
        match expected.len() {
            0 => assert!(rows.is_ok(), "{rows:?}"),
            count => {
                let err = rows.unwrap_err();
                assert_eq!(err, net.check_grounded().unwrap_err());
                assert!(matches!(err, NetworkError::NoPathToSink { count: c, .. } if c == count));
                let message = err.to_string();
                assert!(
                    message.contains(&format!("`{}`", net.label(expected[0]))),
                    "{message}"
                );
            }
        }
    }

    /// A heated node whose only conductor is advective, carrying its
    /// fluid into a sink. The conductor enters only the sink's balance, so the
    /// node's own row is empty and its temperature undetermined: floating,
    /// named in the error, not a singular matrix.
    #[test]
    fn upstream_end_of_an_advective_conductor_floats() {
        let mut net = ThermalNetwork::new();
        let sink = net.add_boundary("sink", 280.0).unwrap();
        let heater = net.add_node("heater", NodeKind::Arithmetic, 300.0).unwrap();
        net.add_advective(heater, sink, 2.0).unwrap();
        net.add_heat_load("q", heater, 10.0).unwrap();
        assert_floating(&net, &[heater]);
        // Through a fluid chain of two nodes: both float.
        let mut net = ThermalNetwork::new();
        let sink = net.add_boundary("sink", 280.0).unwrap();
        let a = net.add_node("a", NodeKind::Arithmetic, 300.0).unwrap();
        let b = net.add_node("b", NodeKind::Arithmetic, 300.0).unwrap();
        net.add_advective(a, b, 2.0).unwrap();
        net.add_advective(b, sink, 2.0).unwrap();
        assert_floating(&net, &[a, b]);
    }

    /// A closed pumped loop (four fluid nodes in a ring) that meets a radiator
    /// only through one linear conductor is grounded: every fluid node's
    /// balance reaches the radiator's row against the flow.
    #[test]
    fn closed_fluid_loop_tied_to_a_radiator_is_grounded() {
        let mut net = ThermalNetwork::new();
        let space = net.add_boundary("space", 3.0).unwrap();
        let radiator = net
            .add_node("radiator", NodeKind::Arithmetic, 280.0)
            .unwrap();
        net.add_radiative(radiator, space, 2.0).unwrap();
        let fluid: Vec<NodeId> = (0..4)
            .map(|k| {
                net.add_node(&format!("f{k}"), NodeKind::Arithmetic, 300.0)
                    .unwrap()
            })
            .collect();
        for k in 0..4 {
            net.add_advective(fluid[k], fluid[(k + 1) % 4], 5.0)
                .unwrap();
        }
        net.add_linear(fluid[2], radiator, 50.0).unwrap();
        net.add_heat_load("gpu", fluid[0], 500.0).unwrap();
        assert_floating(&net, &[]);
        // Without the tie the loop floats.
        let mut open = ThermalNetwork::new();
        open.add_boundary("space", 3.0).unwrap();
        let f: Vec<NodeId> = (0..3)
            .map(|k| {
                open.add_node(&format!("f{k}"), NodeKind::Arithmetic, 300.0)
                    .unwrap()
            })
            .collect();
        for k in 0..3 {
            open.add_advective(f[k], f[(k + 1) % 3], 5.0).unwrap();
        }
        assert_floating(&open, &f);
    }

    /// A fluid chain fed from an inlet boundary and discharging into an outlet
    /// boundary is grounded from its inlet, node by node downstream.
    #[test]
    fn fluid_chain_fed_from_a_boundary_is_grounded() {
        let mut net = ThermalNetwork::new();
        let inlet = net.add_boundary("inlet", 290.0).unwrap();
        let outlet = net.add_boundary("outlet", 290.0).unwrap();
        let chain: Vec<NodeId> = (0..5)
            .map(|k| {
                net.add_node(&format!("c{k}"), NodeKind::Arithmetic, 300.0)
                    .unwrap()
            })
            .collect();
        net.add_advective(inlet, chain[0], 3.0).unwrap();
        for w in chain.windows(2) {
            net.add_advective(w[0], w[1], 3.0).unwrap();
        }
        net.add_advective(chain[4], outlet, 3.0).unwrap();
        net.add_heat_load("q", chain[2], 100.0).unwrap();
        assert_floating(&net, &[]);
    }
}
