//! Single-phase coolants: saturated-liquid property tables with their sources, and
//! user-defined fluids with constant properties.
//!
//! A pumped loop asks [`Coolant::properties_at`] for ρ, c_p, μ and k at its reference
//! temperature and hands them to [`super::hydraulics::pipe_flow`]. Every built-in table
//! covers the single-phase liquid from (at or above) the freezing point up to a stated
//! temperature; outside it the call fails with
//! [`ComponentError::OutsidePropertyRange`] rather than extrapolating.
//!
//! **Interpolation.** Between table nodes (5 K apart) density, specific heat and
//! conductivity are linear in T; viscosity is interpolated as `ln μ` linear in `1/T`
//! (Andrade's form `μ = A e^{B/T}`, exact for a liquid whose viscosity follows it), which
//! cuts the error of linear interpolation of μ by 3–20× on these tables. At a node the
//! tabulated values come back exactly. Against the sources evaluated between nodes
//! (`validation/crosscheck/coolant_tables.py`), the largest interpolation errors are:
//!
//! | fluid | ρ | c_p | μ | k |
//! |---|---|---|---|---|
//! | water | 4.9e-5 | 1.4e-4 | 1.2e-3 | 2.6e-4 |
//! | ammonia | 1.1e-4 | 5.9e-4 | 3.5e-4 | 1.6e-4 |
//! | propylene glycol 50 % | 4.3e-5 | 1.3e-5 | 1.7e-3 | 1.9e-5 |
//!
//! well below the spread between sources (below, at each table).
//!
//! **Saturated liquid in a pressurised loop.** The water and ammonia tables are on the
//! saturation line; a loop runs the liquid a few bar above saturation, where ρ, c_p, μ and k
//! of a liquid far from its critical point differ from the saturated values by far less
//! than the spread between sources quoted below.

use crate::error::ComponentError;

/// Thermophysical properties of a liquid at one temperature (SI units).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FluidProperties {
    /// Density ρ (kg/m³).
    pub density_kg_m3: f64,
    /// Specific heat at constant pressure c_p (J/(kg·K)).
    pub specific_heat_j_kg_k: f64,
    /// Dynamic viscosity μ (Pa·s).
    pub viscosity_pa_s: f64,
    /// Thermal conductivity k (W/(m·K)).
    pub conductivity_w_m_k: f64,
}

impl FluidProperties {
    /// Prandtl number `Pr = c_p μ / k`.
    pub fn prandtl(&self) -> f64 {
        self.specific_heat_j_kg_k * self.viscosity_pa_s / self.conductivity_w_m_k
    }

    /// Kinematic viscosity `ν = μ / ρ` (m²/s).
    pub fn kinematic_viscosity_m2_s(&self) -> f64 {
        self.viscosity_pa_s / self.density_kg_m3
    }

    /// Checks that every property is finite and positive; `component` names the owner in
    /// the error (a custom fluid, a pipe).
    pub fn check(&self, component: &str) -> Result<(), ComponentError> {
        positive(component, "density_kg_m3", self.density_kg_m3)?;
        positive(component, "specific_heat_j_kg_k", self.specific_heat_j_kg_k)?;
        positive(component, "viscosity_pa_s", self.viscosity_pa_s)?;
        positive(component, "conductivity_w_m_k", self.conductivity_w_m_k)
    }
}

/// `Ok` if `value` is finite and > 0, else [`ComponentError::InvalidValue`] naming it.
pub(crate) fn positive(
    component: &str,
    quantity: &'static str,
    value: f64,
) -> Result<(), ComponentError> {
    if value.is_finite() && value > 0.0 {
        Ok(())
    } else {
        Err(ComponentError::InvalidValue {
            component: component.to_string(),
            quantity,
            value,
            allowed: "finite, > 0".into(),
        })
    }
}

/// A liquid given explicitly with constant properties, its freezing point and the
/// temperatures over which those properties may be used.
///
/// Built by [`CustomFluid::new`], which checks every number; the fields are private so a
/// `CustomFluid` is always valid.
#[derive(Debug, Clone, PartialEq)]
pub struct CustomFluid {
    name: String,
    properties: FluidProperties,
    freezing_point_k: f64,
    valid_range_k: (f64, f64),
}

impl CustomFluid {
    /// A fluid with constant `properties` between `valid_range_k.0` and `valid_range_k.1`
    /// (K), freezing (or reaching its pour point) at `freezing_point_k`.
    ///
    /// Every property and temperature must be finite and positive, the range must be
    /// increasing and must not start below the freezing point (a liquid's properties do not
    /// exist below it); the name must not be empty.
    pub fn new(
        name: impl Into<String>,
        properties: FluidProperties,
        freezing_point_k: f64,
        valid_range_k: (f64, f64),
    ) -> Result<Self, ComponentError> {
        let name = name.into();
        let component = format!("custom fluid `{name}`");
        if name.trim().is_empty() {
            return Err(ComponentError::Inconsistent {
                component,
                reason: "a custom fluid needs a non-empty name".into(),
            });
        }
        properties.check(&component)?;
        positive(&component, "freezing_point_k", freezing_point_k)?;
        let (min_k, max_k) = valid_range_k;
        positive(&component, "valid_range_k.0 (lowest temperature)", min_k)?;
        if !(max_k.is_finite() && max_k > min_k) {
            return Err(ComponentError::InvalidValue {
                component,
                quantity: "valid_range_k.1 (highest temperature)",
                value: max_k,
                allowed: format!("finite, > the lowest temperature {min_k} K"),
            });
        }
        if min_k < freezing_point_k {
            return Err(ComponentError::Inconsistent {
                component,
                reason: format!(
                    "the valid range starts at {min_k} K, below the freezing point \
                     {freezing_point_k} K; a liquid's properties start at its freezing point"
                ),
            });
        }
        Ok(Self {
            name,
            properties,
            freezing_point_k,
            valid_range_k,
        })
    }

    /// The fluid's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Its constant properties.
    pub fn properties(&self) -> FluidProperties {
        self.properties
    }

    /// Freezing (or pour) point (K).
    pub fn freezing_point_k(&self) -> f64 {
        self.freezing_point_k
    }

    /// Temperatures (K) over which the properties may be used.
    pub fn valid_range_k(&self) -> (f64, f64) {
        self.valid_range_k
    }
}

/// A coolant: one of the built-in tabulated liquids or a [`CustomFluid`].
#[derive(Debug, Clone, PartialEq)]
pub enum Coolant {
    /// Pure water ([`WATER`]).
    Water,
    /// 50 % propylene glycol–water by mass ([`PROPYLENE_GLYCOL_50`]).
    PropyleneGlycolWater50,
    /// Liquid ammonia ([`AMMONIA`]).
    Ammonia,
    /// A fluid with constant properties given by the user.
    Custom(CustomFluid),
}

/// Names [`Coolant::by_name`] accepts, in the order of [`Coolant`]'s variants.
const BUILTIN_NAMES: [&str; 3] = ["water", "propylene_glycol_50", "ammonia"];

impl Coolant {
    /// The built-in coolant called `name` (`"water"`, `"propylene_glycol_50"`,
    /// `"ammonia"`), or `None`.
    pub fn by_name(name: &str) -> Option<Coolant> {
        match name {
            "water" => Some(Coolant::Water),
            "propylene_glycol_50" => Some(Coolant::PropyleneGlycolWater50),
            "ammonia" => Some(Coolant::Ammonia),
            _ => None,
        }
    }

    /// The names [`Coolant::by_name`] accepts (for error hints).
    pub fn builtin_names() -> &'static [&'static str] {
        &BUILTIN_NAMES
    }

    /// The coolant's name: a built-in name or the custom fluid's.
    pub fn name(&self) -> &str {
        match self {
            Coolant::Water => BUILTIN_NAMES[0],
            Coolant::PropyleneGlycolWater50 => BUILTIN_NAMES[1],
            Coolant::Ammonia => BUILTIN_NAMES[2],
            Coolant::Custom(fluid) => fluid.name(),
        }
    }

    /// Properties at `temperature_k`, interpolated in the coolant's table (see the module
    /// doc) or, for a custom fluid, its constants.
    ///
    /// A temperature outside [`Coolant::valid_range_k`] gives
    /// [`ComponentError::OutsidePropertyRange`]; a non-finite one
    /// [`ComponentError::InvalidValue`].
    pub fn properties_at(&self, temperature_k: f64) -> Result<FluidProperties, ComponentError> {
        let component = format!("coolant `{}`", self.name());
        if !temperature_k.is_finite() {
            return Err(ComponentError::InvalidValue {
                component,
                quantity: "temperature_k",
                value: temperature_k,
                allowed: "finite".into(),
            });
        }
        let (min_k, max_k) = self.valid_range_k();
        if !(min_k..=max_k).contains(&temperature_k) {
            return Err(ComponentError::OutsidePropertyRange {
                component,
                fluid: self.name().to_string(),
                temperature_k,
                min_k,
                max_k,
            });
        }
        Ok(match self.source() {
            Source::Table(table) => interpolate(table.rows, temperature_k),
            Source::Custom(fluid) => fluid.properties(),
        })
    }

    /// Freezing point (K): for the cold-case constraint that the coolant must not freeze.
    pub fn freezing_point_k(&self) -> f64 {
        match self.source() {
            Source::Table(table) => table.freezing_point_k,
            Source::Custom(fluid) => fluid.freezing_point_k(),
        }
    }

    /// Temperatures (K) the properties cover: the table's first and last nodes, or the custom
    /// fluid's range.
    pub fn valid_range_k(&self) -> (f64, f64) {
        match self.source() {
            Source::Table(table) => table.range_k(),
            Source::Custom(fluid) => fluid.valid_range_k(),
        }
    }

    fn source(&self) -> Source<'_> {
        match self {
            Coolant::Water => Source::Table(&WATER),
            Coolant::PropyleneGlycolWater50 => Source::Table(&PROPYLENE_GLYCOL_50),
            Coolant::Ammonia => Source::Table(&AMMONIA),
            Coolant::Custom(fluid) => Source::Custom(fluid),
        }
    }
}

/// Where a coolant's properties come from.
enum Source<'a> {
    Table(&'static PropertyTable),
    Custom(&'a CustomFluid),
}

/// A saturated-liquid property table.
#[derive(Debug)]
pub struct PropertyTable {
    /// Rows `[T (K), ρ (kg/m³), c_p (J/(kg·K)), μ (Pa·s), k (W/(m·K))]`, strictly
    /// increasing in T.
    pub rows: &'static [[f64; 5]],
    /// Freezing point (K).
    pub freezing_point_k: f64,
}

impl PropertyTable {
    /// First and last node temperatures (K).
    pub fn range_k(&self) -> (f64, f64) {
        let first = self.rows.first().map_or(f64::NAN, |r| r[0]);
        let last = self.rows.last().map_or(f64::NAN, |r| r[0]);
        (first, last)
    }
}

/// Properties at `t` inside the table's range (the caller checks the range): linear in T for
/// ρ, c_p and k, `ln μ` linear in `1/T`; a node's values come back exactly.
fn interpolate(rows: &[[f64; 5]], t: f64) -> FluidProperties {
    let of = |r: &[f64; 5]| FluidProperties {
        density_kg_m3: r[1],
        specific_heat_j_kg_k: r[2],
        viscosity_pa_s: r[3],
        conductivity_w_m_k: r[4],
    };
    // First row with T_i > t; t lies in [rows[i-1], rows[i]).
    let i = rows.partition_point(|r| r[0] <= t);
    let (Some(lo), Some(hi)) = (rows.get(i.wrapping_sub(1)), rows.get(i)) else {
        // t is the last node (or the table has one row).
        return rows.last().map_or(
            FluidProperties {
                density_kg_m3: f64::NAN,
                specific_heat_j_kg_k: f64::NAN,
                viscosity_pa_s: f64::NAN,
                conductivity_w_m_k: f64::NAN,
            },
            of,
        );
    };
    if t == lo[0] {
        return of(lo);
    }
    let s = (t - lo[0]) / (hi[0] - lo[0]);
    let lin = |j: usize| lo[j] + s * (hi[j] - lo[j]);
    let w = (1.0 / t - 1.0 / lo[0]) / (1.0 / hi[0] - 1.0 / lo[0]);
    FluidProperties {
        density_kg_m3: lin(1),
        specific_heat_j_kg_k: lin(2),
        viscosity_pa_s: (lo[3].ln() + w * (hi[3].ln() - lo[3].ln())).exp(),
        conductivity_w_m_k: lin(4),
    }
}

/// Water, saturated liquid, 273.16 K (triple point) to 400 K.
///
/// **Source.** IAPWS-95 (W. Wagner & A. Pruß, J. Phys. Chem. Ref. Data 31, 387, 2002) for ρ
/// and c_p on the saturated-liquid line; IAPWS 2008 viscosity (M. L. Huber et al., JPCRD 38,
/// 101, 2009); IAPWS 2011 conductivity (M. L. Huber et al., JPCRD 41, 033102, 2012); each as
/// CoolProp 8.0.0 evaluates it (`PropsSI(…, 'T', T, 'Q', 0, 'Water')`), rounded to 5
/// significant figures. `validation/crosscheck/coolant_tables.py` regenerates the rows.
///
/// **Cross-checks** (largest relative difference over the overlap; the unit tests hold them):
/// Incropera et al., *Fundamentals of Heat and Mass Transfer*, 7th ed., Table A.6,
/// 273.15–320 K: ρ 0.05 %, c_p 0.09 %, μ 2.3 % (at 273 K; 0.4 % from 290 K up), k 2.5 % (the
/// book's older conductivities run high, most near 0 °C). EnergyPlus reference data
/// (`datasets/GlycolPropertiesRefData.idf`, water, 0–125 °C): ρ 0.02 %, c_p 0.05 %,
/// μ 0.12 %, k 1.0 %.
///
/// **Freezing point** 273.15 K: the ice point at 101.325 kPa (0 °C); the table starts at the
/// triple point, 273.16 K, where the saturated liquid begins.
pub static WATER: PropertyTable = PropertyTable {
    freezing_point_k: 273.15,
    rows: &[
        [273.16, 999.79, 4219.9, 0.0017914, 0.5556],
        [275.0, 999.89, 4213.9, 0.0016821, 0.56022],
        [280.0, 999.86, 4201.4, 0.0014337, 0.57191],
        [285.0, 999.47, 4192.7, 0.0012393, 0.58253],
        [290.0, 998.76, 4186.9, 0.001084, 0.59224],
        [295.0, 997.76, 4183.2, 0.00095783, 0.60118],
        [300.0, 996.51, 4180.9, 0.00085375, 0.60944],
        [305.0, 995.03, 4179.8, 0.00076679, 0.61711],
        [310.0, 993.34, 4179.5, 0.00069332, 0.62422],
        [315.0, 991.46, 4179.8, 0.00063064, 0.63082],
        [320.0, 989.39, 4180.7, 0.00057671, 0.63695],
        [325.0, 987.15, 4182.1, 0.00052995, 0.64262],
        [330.0, 984.75, 4183.8, 0.00048913, 0.64787],
        [335.0, 982.2, 4186.0, 0.00045328, 0.6527],
        [340.0, 979.5, 4188.5, 0.00042161, 0.65713],
        [345.0, 976.67, 4191.3, 0.00039351, 0.66117],
        [350.0, 973.7, 4194.6, 0.00036845, 0.66484],
        [355.0, 970.61, 4198.3, 0.00034602, 0.66815],
        [360.0, 967.39, 4202.4, 0.00032585, 0.67109],
        [365.0, 964.05, 4207.0, 0.00030765, 0.67369],
        [370.0, 960.59, 4212.2, 0.00029117, 0.67596],
        [375.0, 957.01, 4217.8, 0.00027621, 0.67789],
        [380.0, 953.33, 4224.1, 0.00026258, 0.6795],
        [385.0, 949.53, 4230.9, 0.00025013, 0.68079],
        [390.0, 945.62, 4238.4, 0.00023873, 0.68178],
        [395.0, 941.61, 4246.6, 0.00022826, 0.68246],
        [400.0, 937.49, 4255.5, 0.00021862, 0.68285],
    ],
};

/// Liquid ammonia, saturated, 195.495 K (triple point) to 350 K.
///
/// **Source.** ρ and c_p from the equation of state of K. Gao, J. Wu, P. Zhang & E. W.
/// Lemmon (J. Phys. Chem. Ref. Data 49, 043102, 2020) as CoolProp 8.0.0 evaluates it on the
/// saturated-liquid line; μ and k from the reference correlations of S. A. Monogenidou,
/// M. J. Assael & M. L. Huber (JPCRD 47, 023102, 2018, viscosity; JPCRD 47, 043101, 2018,
/// conductivity with its critical enhancement) evaluated at that density by
/// `validation/crosscheck/coolant_tables.py`, which reproduces the papers' check values
/// (η(300 K, 609 kg/m³) = 133.3937 µPa·s exactly; λ(390 K, 415 kg/m³) = 264.130 against the
/// printed 264.145 mW/(m·K), the 0.006 % being the enhancement term's equation of state).
/// Rounded to 5 significant figures.
///
/// The 2018 correlations replace Fenghour et al. (1995, viscosity) and Tufeu et al. (1984,
/// conductivity), which CoolProp 8.0.0 still uses; EES's ammonia moved to the 2018 ones too
/// (F-Chart EES help, "AMMONIA"). Tufeu's liquid conductivity is 35 % above Monogenidou's at
/// the triple point, 12 % at 250 K and within 2 % only above 310 K.
///
/// **Cross-checks.** Baehr & Tillner-Roth's tables (*Thermodynamic Properties of
/// Environmentally Acceptable Refrigerants*, Springer 1994, saturated liquid): ρ within
/// 0.13 % (195.5, 223.15, 273.15, 323.15 K). Fenghour et al. (1995), Appendix III, saturated
/// liquid viscosity at 196, 240, 300 and 350 K: −1.9 %, +1.5 %, +3.5 %, +4.7 % from this
/// table (their correlation predates the liquid data Monogenidou et al. fitted). The Thermal-FluidsPedia
/// table "Thermophysical Properties: Ammonia" (saturated liquid, 200–350 K) agrees in ρ
/// (0.05 %) and c_p (1 %, 6.7 % at 200 K) but not in transport: μ −21 % to +15 %, k +2 % to
/// +16 %; it is an older compilation (its k is exactly linear in T) and is quoted only to
/// show the spread of handbook values.
///
/// **Freezing point** 195.495 K (−77.655 °C), the triple point (Gao et al. 2020).
pub static AMMONIA: PropertyTable = PropertyTable {
    freezing_point_k: 195.495,
    rows: &[
        [195.495, 733.85, 4305.3, 0.00057054, 0.61085],
        [200.0, 728.67, 4317.7, 0.00051602, 0.61025],
        [205.0, 722.91, 4334.0, 0.00046391, 0.60883],
        [210.0, 717.13, 4351.9, 0.00041919, 0.60662],
        [215.0, 711.32, 4370.7, 0.00038064, 0.60365],
        [220.0, 705.46, 4389.8, 0.00034727, 0.59993],
        [225.0, 699.55, 4409.0, 0.00031824, 0.59548],
        [230.0, 693.58, 4428.1, 0.00029289, 0.59033],
        [235.0, 687.54, 4447.0, 0.00027064, 0.58452],
        [240.0, 681.43, 4466.0, 0.00025104, 0.57816],
        [245.0, 675.24, 4485.1, 0.00023368, 0.57119],
        [250.0, 668.97, 4504.7, 0.00021825, 0.56365],
        [255.0, 662.6, 4524.9, 0.00020445, 0.55559],
        [260.0, 656.14, 4546.3, 0.00019206, 0.54705],
        [265.0, 649.57, 4568.9, 0.00018089, 0.53806],
        [270.0, 642.9, 4593.3, 0.00017075, 0.52867],
        [275.0, 636.11, 4619.8, 0.0001615, 0.51892],
        [280.0, 629.2, 4648.6, 0.00015303, 0.50883],
        [285.0, 622.16, 4680.2, 0.00014523, 0.49846],
        [290.0, 614.99, 4715.1, 0.00013801, 0.48782],
        [295.0, 607.66, 4753.7, 0.00013129, 0.47695],
        [300.0, 600.17, 4796.4, 0.000125, 0.46589],
        [305.0, 592.51, 4843.9, 0.0001191, 0.45466],
        [310.0, 584.66, 4896.8, 0.00011352, 0.44329],
        [315.0, 576.61, 4956.1, 0.00010824, 0.43181],
        [320.0, 568.33, 5022.6, 0.0001032, 0.42024],
        [325.0, 559.8, 5097.6, 9.8391e-05, 0.40861],
        [330.0, 551.01, 5182.7, 9.3773e-05, 0.39694],
        [335.0, 541.91, 5280.0, 8.9327e-05, 0.38524],
        [340.0, 532.48, 5391.9, 8.503e-05, 0.37352],
        [345.0, 522.66, 5522.2, 8.0865e-05, 0.36182],
        [350.0, 512.42, 5675.6, 7.6814e-05, 0.35012],
    ],
};

/// 50 % propylene glycol–water by mass, 243.15 K (−30 °C) to 373.15 K (100 °C).
///
/// **Source.** Å. Melinder, *Properties of Secondary Working Fluids for Indirect Systems*,
/// 2nd ed., International Institute of Refrigeration, 2010: the polynomial fit in mass
/// fraction and temperature behind CoolProp's incompressible fluid `MPG`, evaluated at
/// x = 50 % by `validation/crosscheck/coolant_tables.py` from its coefficients (the same
/// coefficients appear in IBPSA's Modelica library and in NREL's SecondaryCoolantProps) and
/// checked against CoolProp 8.0.0's `INCOMP::MPG[0.5]` (2.8e-7 apart). Rounded to 5
/// significant figures.
///
/// **Cross-check.** EnergyPlus reference data (`datasets/GlycolPropertiesRefData.idf`,
/// PropyleneGlycol at concentration 0.5, −25 to 100 °C; that file does not state its
/// origin): ρ 0.7 %, c_p 0.13 %, k 5 % (at 100 °C; 1 % or less from −10 to 60 °C), μ
/// from −16 % (−25 °C) to +7 % (40 °C). Glycol viscosity data scatter this much between
/// compilations; since h ∝ μ^−0.4 or so in turbulent flow, a 16 % viscosity spread is about
/// 7 % in the film coefficient.
///
/// **Freezing point** 240.95 K (−32.2 °C), the initial freezing point from Melinder's fit at
/// 50 %, consistent with the properties. ASHRAE Handbook—Fundamentals (2009, ch. 31,
/// Table 4) lists a lower value, about −33.5 °C by the fit to that table in NREL's
/// SecondaryCoolantProps; the warmer value is kept so a freezing constraint errs safe.
pub static PROPYLENE_GLYCOL_50: PropertyTable = PropertyTable {
    freezing_point_k: 240.95,
    rows: &[
        [243.15, 1064.1, 3336.8, 0.21245, 0.33591],
        [248.15, 1062.4, 3356.3, 0.13209, 0.33816],
        [253.15, 1060.4, 3375.7, 0.084739, 0.34044],
        [258.15, 1058.3, 3395.1, 0.056016, 0.34274],
        [263.15, 1056.0, 3414.4, 0.038104, 0.34506],
        [268.15, 1053.6, 3433.8, 0.026637, 0.34741],
        [273.15, 1050.9, 3453.1, 0.019111, 0.34977],
        [278.15, 1048.2, 3472.4, 0.014054, 0.35216],
        [283.15, 1045.3, 3491.7, 0.010579, 0.35457],
        [288.15, 1042.2, 3511.0, 0.0081396, 0.35701],
        [293.15, 1039.1, 3530.2, 0.0063936, 0.35946],
        [298.15, 1035.8, 3549.4, 0.0051201, 0.36195],
        [303.15, 1032.4, 3568.6, 0.0041747, 0.36445],
        [308.15, 1028.9, 3587.8, 0.0034611, 0.36699],
        [313.15, 1025.4, 3607.0, 0.0029137, 0.36955],
        [318.15, 1021.7, 3626.1, 0.0024875, 0.37213],
        [323.15, 1018.0, 3645.3, 0.0021507, 0.37474],
        [328.15, 1014.3, 3664.4, 0.0018807, 0.37738],
        [333.15, 1010.5, 3683.5, 0.0016611, 0.38005],
        [338.15, 1006.6, 3702.6, 0.00148, 0.38274],
        [343.15, 1002.7, 3721.7, 0.0013283, 0.38547],
        [348.15, 998.82, 3740.7, 0.0011993, 0.38822],
        [353.15, 994.9, 3759.8, 0.001088, 0.391],
        [358.15, 990.98, 3778.8, 0.00099029, 0.39381],
        [363.15, 987.06, 3797.9, 0.00090318, 0.39665],
        [368.15, 983.16, 3816.9, 0.0008243, 0.39952],
        [373.15, 979.28, 3835.9, 0.00075183, 0.40243],
    ],
};
