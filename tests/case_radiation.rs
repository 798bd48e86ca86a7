//! Cases with a `[radiation]` table: the radiosity network the case builds gives the Gebhart
//! exchange of `radiation::grey_diffuse_exchange` to round-off, and bad tables are refused
//! with exit 2 naming the key.

mod common;

use std::path::Path;

use common::{assert_bad_case, edit};
use thermorbit::case::{Case, Solution};
use thermorbit::mesh::Edge;
use thermorbit::radiation::{
    factor_matrix, grey_diffuse_exchange, MonteCarloOptions, Scene, Surface, Vec3,
};

/// Two 1 m squares 0.2 m apart, one cell each, held through their edges at 400 K and 300 K.
const PLATES: &str = r#"
[materials.al]
k_w_m_k = 167.0
density_kg_m3 = 2700.0
specific_heat_j_kg_k = 896.0

[coatings.hot_face]
absorptivity = 0.5
emissivity = 0.8

[coatings.cold_face]
absorptivity = 0.5
emissivity = 0.6

[nodes.space]
kind = "boundary"
temperature_k = 3.0

[panels.hot]
length_m = 1.0
width_m = 1.0
thickness_m = 0.002
nx = 1
ny = 1
material = "al"
top_coating = "hot_face"
top_sink = "space"
edges.west = { kind = "fixed", temperature_k = 400.0 }

[panels.cold]
length_m = 1.0
width_m = 1.0
thickness_m = 0.002
nx = 1
ny = 1
material = "al"
top_coating = "cold_face"
bottom_coating = "cold_face"
top_sink = "none"
bottom_sink = "space"
edges.east = { kind = "fixed", temperature_k = 300.0 }

[radiation]
panels = ["hot", "cold"]
space = "space"
rays = 200000
seed = 7

[radiation.placement.hot]
origin_m = [0.0, 0.0, 0.0]
x_axis = [1.0, 0.0, 0.0]
y_axis = [0.0, 1.0, 0.0]

[radiation.placement.cold]
origin_m = [0.0, 0.0, 0.2]
x_axis = [2.0, 0.0, 0.0]
y_axis = [0.0, 1.0, 0.0]

[solve]
mode = "steady"
tolerance = 1e-12

[output]
csv = false
plots = false
"#;

#[test]
fn radiosity_network_gives_the_gebhart_exchange() {
    let model = Case::from_toml(PLATES, Path::new("plates.toml"))
        .unwrap()
        .build()
        .unwrap();
    let Solution::Steady(s) = model.run().unwrap().solution else {
        panic!("steady")
    };
    let t = &s.temperatures_k;
    let mut cell_k = Vec::new();
    let mut into_panel_w = Vec::new();
    for name in ["hot", "cold"] {
        let p = &model.panels.iter().find(|p| p.name == name).unwrap().nodes;
        cell_k.push(t[p.node(0, 0).unwrap()]);
        let edges: f64 = Edge::ALL
            .iter()
            .map(|&e| p.edge_heat_w(e, t).unwrap())
            .sum();
        // Steady: the radiation into the panel leaves through its held edge.
        into_panel_w.push(-edges);
    }
    // The same scene and rays: the same factors, bit for bit.
    let scene = Scene::new(vec![
        Surface::rectangle("hot", Vec3::zeros(), Vec3::x(), Vec3::y()).two_sided(),
        Surface::rectangle("cold", Vec3::new(0.0, 0.0, 0.2), Vec3::x(), Vec3::y()).two_sided(),
    ])
    .unwrap();
    let f = factor_matrix(&scene, &MonteCarloOptions::new(200_000, 7).unwrap()).unwrap();
    // Faces: hot top, hot bottom (uncoated: ε = 0), cold top, cold bottom.
    let x = grey_diffuse_exchange(
        f.factors(),
        f.space_factors(),
        f.areas_m2(),
        &[0.8, 0.0, 0.6, 0.6],
    )
    .unwrap();
    let q = x.net_heat_w(&[cell_k[0], cell_k[0], cell_k[1], cell_k[1]], 3.0);
    let gebhart = [q[0] + q[1], q[2] + q[3]];
    for k in 0..2 {
        let rel = (into_panel_w[k] - gebhart[k]).abs() / gebhart[k].abs();
        assert!(
            rel < 1e-9,
            "panel {k}: network {} W, Gebhart {} W ({rel:e})",
            into_panel_w[k],
            gebhart[k]
        );
    }
    assert!(s.energy_balance.relative_imbalance < 1e-10);
}

#[test]
fn an_unknown_panel_is_refused_naming_the_key() {
    let text = edit(
        PLATES,
        r#"panels = ["hot", "cold"]"#,
        r#"panels = ["hot", "colt"]"#,
    );
    assert_bad_case(&text, &["radiation.panels[1]", "colt", "cold"]);
}

#[test]
fn zero_rays_are_refused() {
    let text = edit(PLATES, "rays = 200000", "rays = 0");
    assert_bad_case(&text, &["radiation.rays", "1 to"]);
}

#[test]
fn degenerate_placements_are_refused() {
    let text = edit(
        PLATES,
        "x_axis = [2.0, 0.0, 0.0]",
        "x_axis = [0.0, 0.0, 0.0]",
    );
    assert_bad_case(&text, &["radiation.placement.cold.x_axis"]);
    let text = edit(
        PLATES,
        "x_axis = [2.0, 0.0, 0.0]",
        "x_axis = [1.0, 1.0, 0.0]",
    );
    assert_bad_case(&text, &["radiation.placement.cold.y_axis", "perpendicular"]);
    let text = edit(
        PLATES,
        "origin_m = [0.0, 0.0, 0.2]",
        "origin_m = [0.5, 0.0, 0.0]",
    );
    assert_bad_case(&text, &["radiation.placement.cold", "coincide"]);
}

#[test]
fn intersecting_panels_are_refused() {
    // The cold plate stood on edge through the middle of the hot one.
    let text = edit(
        PLATES,
        "origin_m = [0.0, 0.0, 0.2]\nx_axis = [2.0, 0.0, 0.0]\ny_axis = [0.0, 1.0, 0.0]",
        "origin_m = [0.5, -0.5, -0.5]\nx_axis = [0.0, 1.0, 0.0]\ny_axis = [0.0, 0.0, 1.0]",
    );
    assert_bad_case(&text, &["radiation.placement.cold", "intersect"]);
}

#[test]
fn other_bad_tables_name_their_key() {
    let missing = edit(
        PLATES,
        "[radiation.placement.cold]\norigin_m = [0.0, 0.0, 0.2]",
        "[radiation.placement.other]\norigin_m = [0.0, 0.0, 0.2]",
    );
    assert_bad_case(&missing, &["radiation.placement.cold", "missing"]);
    let extra = edit(
        PLATES,
        "[solve]",
        "[radiation.placement.other]\norigin_m = [0.0, 0.0, 5.0]\nx_axis = [1.0, 0.0, 0.0]\ny_axis = [0.0, 1.0, 0.0]\n\n[solve]",
    );
    assert_bad_case(
        &extra,
        &["radiation.placement.other", "not in radiation.panels"],
    );
    let groups = edit(
        PLATES,
        "y_axis = [0.0, 1.0, 0.0]\n\n[radiation.placement.cold]",
        "y_axis = [0.0, 1.0, 0.0]\ngroup_cells = [2, 1]\n\n[radiation.placement.cold]",
    );
    assert_bad_case(
        &groups,
        &["radiation.placement.hot.group_cells[0]", "divisor"],
    );
    let space = edit(PLATES, r#"space = "space""#, r#"space = "vacuum""#);
    assert_bad_case(&space, &["radiation.space", "vacuum"]);
    let sink = edit(
        PLATES,
        "[panels.hot]",
        "[nodes.shroud]\nkind = \"boundary\"\ntemperature_k = 100.0\n\n[panels.hot]",
    );
    let sink = edit(&sink, r#"top_sink = "space""#, r#"top_sink = "shroud""#);
    assert_bad_case(&sink, &["panels.hot.top_sink", "radiation.space"]);
}
