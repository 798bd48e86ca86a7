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
//! cuts the error of linear interpolation of μ by 4–20× on these tables. At a node the
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
    /// Pure water (the `WATER` property table).
    Water,
    /// 50 % propylene glycol–water by mass (the `PROPYLENE_GLYCOL_50` table).
    PropyleneGlycolWater50,
    /// Liquid ammonia (the `AMMONIA` table).
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

#[cfg(test)]
impl Coolant {
    /// The table of a built-in coolant (tests only).
    fn source_table(&self) -> &'static PropertyTable {
        match self.source() {
            Source::Table(table) => table,
            Source::Custom(_) => panic!("a custom fluid has no table"),
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

#[cfg(test)]
mod tests {
    use super::*;

    const BUILTINS: [Coolant; 3] = [
        Coolant::Water,
        Coolant::PropyleneGlycolWater50,
        Coolant::Ammonia,
    ];

    fn rel(a: f64, b: f64) -> f64 {
        (a / b - 1.0).abs()
    }

    /// Largest relative difference of each property between `rows` `[T, ρ, c_p, μ, k]` of a
    /// second source and the coolant's interpolated values.
    fn worst_against(coolant: &Coolant, rows: &[[f64; 5]]) -> [f64; 4] {
        let mut worst = [0.0_f64; 4];
        for r in rows {
            let p = coolant.properties_at(r[0]).unwrap();
            let ours = [
                p.density_kg_m3,
                p.specific_heat_j_kg_k,
                p.viscosity_pa_s,
                p.conductivity_w_m_k,
            ];
            for j in 0..4 {
                if r[j + 1] > 0.0 {
                    worst[j] = worst[j].max(rel(r[j + 1], ours[j]));
                }
            }
        }
        worst
    }

    #[test]
    fn tables_are_increasing_in_temperature_and_positive() {
        for c in &BUILTINS {
            let rows = c.source_table().rows;
            assert!(rows.windows(2).all(|w| w[1][0] > w[0][0]), "{}", c.name());
            assert!(rows.iter().flatten().all(|v| v.is_finite() && *v > 0.0));
            let (lo, hi) = c.valid_range_k();
            assert_eq!((lo, hi), (rows[0][0], rows[rows.len() - 1][0]));
            assert!(
                c.freezing_point_k() <= lo,
                "{} starts below freezing",
                c.name()
            );
        }
    }

    #[test]
    fn interpolation_returns_every_node_exactly() {
        for c in &BUILTINS {
            for r in c.source_table().rows {
                let p = c.properties_at(r[0]).unwrap();
                assert_eq!(
                    [
                        p.density_kg_m3,
                        p.specific_heat_j_kg_k,
                        p.viscosity_pa_s,
                        p.conductivity_w_m_k
                    ],
                    [r[1], r[2], r[3], r[4]],
                    "{} at {} K",
                    c.name(),
                    r[0]
                );
            }
        }
    }

    #[test]
    fn interpolated_values_lie_between_their_nodes() {
        for c in &BUILTINS {
            for w in c.source_table().rows.windows(2) {
                for s in [0.1, 0.5, 0.9] {
                    let t = w[0][0] + s * (w[1][0] - w[0][0]);
                    let p = c.properties_at(t).unwrap();
                    let got = [
                        p.density_kg_m3,
                        p.specific_heat_j_kg_k,
                        p.viscosity_pa_s,
                        p.conductivity_w_m_k,
                    ];
                    for j in 0..4 {
                        let (a, b) = (w[0][j + 1], w[1][j + 1]);
                        assert!(
                            got[j] >= a.min(b) && got[j] <= a.max(b),
                            "{} column {j} at {t} K",
                            c.name()
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn viscosity_interpolation_is_exact_for_an_andrade_liquid() {
        // μ = A e^{B/T} is reproduced exactly by ln μ linear in 1/T.
        let andrade = |t: f64| 2.0e-6 * (1800.0 / t).exp();
        static ROWS: [[f64; 5]; 2] = [[280.0, 1.0, 1.0, 0.0, 1.0], [300.0, 1.0, 1.0, 0.0, 1.0]];
        let mut rows = ROWS;
        rows[0][3] = andrade(280.0);
        rows[1][3] = andrade(300.0);
        for t in [281.0, 287.3, 299.9] {
            let mu = interpolate(&rows, t).viscosity_pa_s;
            assert!(rel(mu, andrade(t)) < 1e-14, "{t}: {mu}");
        }
    }

    #[test]
    fn temperatures_outside_the_table_are_refused() {
        for c in &BUILTINS {
            let (lo, hi) = c.valid_range_k();
            for t in [lo - 0.01, hi + 0.01, 0.0, -5.0] {
                match c.properties_at(t) {
                    Err(ComponentError::OutsidePropertyRange {
                        fluid,
                        temperature_k,
                        min_k,
                        max_k,
                        ..
                    }) => {
                        assert_eq!(fluid, c.name());
                        assert_eq!((temperature_k, min_k, max_k), (t, lo, hi));
                    }
                    other => panic!("{} at {t} K: {other:?}", c.name()),
                }
            }
            for t in [f64::NAN, f64::INFINITY] {
                assert!(matches!(
                    c.properties_at(t),
                    Err(ComponentError::InvalidValue {
                        quantity: "temperature_k",
                        ..
                    })
                ));
            }
            assert!(c.properties_at(lo).is_ok() && c.properties_at(hi).is_ok());
        }
    }

    #[test]
    fn names_round_trip() {
        assert_eq!(Coolant::builtin_names().len(), BUILTINS.len());
        for (c, name) in BUILTINS.iter().zip(Coolant::builtin_names()) {
            assert_eq!(c.name(), *name);
            assert_eq!(Coolant::by_name(name).as_ref(), Some(c));
        }
        assert_eq!(Coolant::by_name("glycol"), None);
        assert_eq!(Coolant::by_name("Water"), None);
    }

    #[test]
    fn freezing_points_are_the_cited_values() {
        assert_eq!(Coolant::Water.freezing_point_k(), 273.15);
        assert_eq!(Coolant::Ammonia.freezing_point_k(), 195.495);
        assert_eq!(Coolant::PropyleneGlycolWater50.freezing_point_k(), 240.95);
    }

    /// Incropera et al., 7th ed., Table A.6 (saturated water): T, 1/v_f, c_p, μ, k. The
    /// 273.15 K row is compared at 273.16 K, the table's first node.
    #[test]
    fn water_agrees_with_incropera_table_a6() {
        let rows: Vec<[f64; 5]> = [
            (273.16, 1.000, 4.217, 1750.0, 569.0),
            (275.0, 1.000, 4.211, 1652.0, 574.0),
            (280.0, 1.000, 4.198, 1422.0, 582.0),
            (285.0, 1.000, 4.189, 1225.0, 590.0),
            (290.0, 1.001, 4.184, 1080.0, 598.0),
            (295.0, 1.002, 4.181, 959.0, 606.0),
            (300.0, 1.003, 4.179, 855.0, 613.0),
            (305.0, 1.005, 4.178, 769.0, 620.0),
            (310.0, 1.007, 4.178, 695.0, 628.0),
            (315.0, 1.009, 4.179, 631.0, 634.0),
            (320.0, 1.011, 4.180, 577.0, 640.0),
        ]
        .iter()
        .map(|&(t, v, c, m, k)| [t, 1000.0 / v, c * 1e3, m * 1e-6, k * 1e-3])
        .collect();
        let w = worst_against(&Coolant::Water, &rows);
        assert!(w[0] < 0.001 && w[1] < 0.001, "{w:?}");
        assert!(w[2] < 0.025 && w[3] < 0.026, "{w:?}");
    }

    /// EnergyPlus `datasets/GlycolPropertiesRefData.idf`, Water, 0–125 °C every 5 K (0 °C
    /// compared at 273.16 K).
    #[test]
    fn water_agrees_with_energyplus_reference_data() {
        let rho = [
            1000.0, 1000.0, 999.8, 999.2, 998.3, 997.2, 995.8, 994.2, 992.3, 990.3, 988.2, 985.8,
            983.3, 980.7, 977.9, 975.0, 971.9, 968.8, 965.5, 962.0, 958.5, 954.8, 951.1, 947.2,
            943.2, 939.1,
        ];
        let cp = [
            4218.0, 4204.0, 4194.0, 4187.0, 4183.0, 4180.0, 4179.0, 4178.0, 4179.0, 4179.0, 4181.0,
            4182.0, 4184.0, 4187.0, 4189.0, 4193.0, 4196.0, 4200.0, 4204.0, 4210.0, 4215.0, 4221.0,
            4228.0, 4235.0, 4243.0, 4252.0,
        ];
        let mu = [
            1.791e-3, 1.518e-3, 1.306e-3, 1.137e-3, 1.001e-3, 8.900e-4, 7.973e-4, 7.193e-4,
            6.530e-4, 5.961e-4, 5.469e-4, 5.040e-4, 4.665e-4, 4.333e-4, 4.040e-4, 3.778e-4,
            3.544e-4, 3.334e-4, 3.145e-4, 2.974e-4, 2.818e-4, 2.677e-4, 2.548e-4, 2.430e-4,
            2.321e-4, 2.221e-4,
        ];
        let k = [
            0.5612, 0.5707, 0.5802, 0.5895, 0.5986, 0.6073, 0.6156, 0.6235, 0.6308, 0.6375, 0.6437,
            0.6494, 0.6545, 0.6592, 0.6633, 0.6669, 0.6702, 0.6730, 0.6754, 0.6775, 0.6793, 0.6807,
            0.6818, 0.6827, 0.6833, 0.6837,
        ];
        let rows: Vec<[f64; 5]> = (0..26)
            .map(|i| {
                let t = (273.15 + 5.0 * i as f64).max(273.16);
                [t, rho[i], cp[i], mu[i], k[i]]
            })
            .collect();
        let w = worst_against(&Coolant::Water, &rows);
        assert!(
            w[0] < 5e-4 && w[1] < 1e-3 && w[2] < 2e-3 && w[3] < 0.011,
            "{w:?}"
        );
    }

    /// EnergyPlus `datasets/GlycolPropertiesRefData.idf`, PropyleneGlycol at concentration
    /// 0.5, −25 to 100 °C every 5 K.
    #[test]
    fn propylene_glycol_agrees_with_energyplus_within_the_stated_spread() {
        let rho = [
            1062.0, 1060.0, 1059.0, 1057.0, 1055.0, 1053.0, 1050.0, 1048.0, 1046.0, 1043.0, 1040.0,
            1037.0, 1034.0, 1031.0, 1028.0, 1024.0, 1021.0, 1017.0, 1013.0, 1009.0, 1005.0, 1001.0,
            996.7, 992.3, 987.7, 983.0,
        ];
        let cp = [
            3358.0, 3378.0, 3397.0, 3416.0, 3435.0, 3455.0, 3474.0, 3493.0, 3513.0, 3532.0, 3551.0,
            3570.0, 3590.0, 3609.0, 3628.0, 3648.0, 3667.0, 3686.0, 3706.0, 3725.0, 3744.0, 3763.0,
            3783.0, 3802.0, 3821.0, 3841.0,
        ];
        let mu = [
            0.1106, 0.07303, 0.04970, 0.03478, 0.02499, 0.01840, 0.01385, 0.01065, 0.00834,
            0.00665, 0.00539, 0.00443, 0.00369, 0.00311, 0.00265, 0.00229, 0.00199, 0.00175,
            0.00155, 0.00138, 0.00124, 0.00112, 0.00102, 0.00093, 0.00086, 0.00079,
        ];
        let k = [
            0.329, 0.334, 0.338, 0.342, 0.346, 0.349, 0.353, 0.356, 0.359, 0.362, 0.365, 0.367,
            0.370, 0.372, 0.374, 0.375, 0.377, 0.378, 0.379, 0.380, 0.381, 0.382, 0.382, 0.382,
            0.382, 0.382,
        ];
        let rows: Vec<[f64; 5]> = (0..26)
            .map(|i| [248.15 + 5.0 * i as f64, rho[i], cp[i], mu[i], k[i]])
            .collect();
        let w = worst_against(&Coolant::PropyleneGlycolWater50, &rows);
        assert!(w[0] < 0.007 && w[1] < 0.0015, "{w:?}");
        assert!(w[2] < 0.20 && w[3] < 0.055, "{w:?}");
    }

    /// Baehr & Tillner-Roth (Springer 1994) saturated-liquid density at −77.65, −50, 0 and
    /// 50 °C; Fenghour et al. (JPCRD 24, 1649, 1995) Appendix III saturated-liquid viscosity
    /// at 196, 240, 300 and 350 K.
    #[test]
    fn ammonia_agrees_with_published_saturation_tables() {
        let density = [
            (195.5, 732.90),
            (223.15, 702.09),
            (273.15, 638.57),
            (323.15, 562.86),
        ];
        for (t, rho) in density {
            let p = Coolant::Ammonia.properties_at(t).unwrap();
            assert!(rel(rho, p.density_kg_m3) < 0.0015, "{t} K");
        }
        let viscosity = [
            (196.0, 553.31e-6),
            (240.0, 254.85e-6),
            (300.0, 129.33e-6),
            (350.0, 80.43e-6),
        ];
        for (t, mu) in viscosity {
            let p = Coolant::Ammonia.properties_at(t).unwrap();
            assert!(rel(mu, p.viscosity_pa_s) < 0.05, "{t} K");
        }
    }

    /// The propylene glycol nodes are Melinder's polynomial (2010) at x = 50 % by mass,
    /// rounded to 5 significant figures; the freezing point is its freezing-curve fit.
    #[test]
    fn propylene_glycol_nodes_are_melinders_polynomial() {
        const IJ: [(usize, usize); 18] = [
            (0, 0),
            (0, 1),
            (0, 2),
            (0, 3),
            (1, 0),
            (1, 1),
            (1, 2),
            (1, 3),
            (2, 0),
            (2, 1),
            (2, 2),
            (2, 3),
            (3, 0),
            (3, 1),
            (3, 2),
            (4, 0),
            (4, 1),
            (5, 0),
        ];
        #[rustfmt::skip]
        const RHO: [f64; 18] = [1.0180e03, -5.4060e-01, -2.6660e-03, 1.3470e-05, 7.6040e-01, -9.4500e-03, 5.5410e-05, -1.3430e-07, -2.4980e-03, 2.7000e-05, -4.0180e-07, 3.3760e-09, -1.5500e-04, 2.8290e-06, -7.1750e-09, -1.1310e-06, -2.2210e-08, 2.3420e-08];
        #[rustfmt::skip]
        const CP: [f64; 18] = [3.8820e03, 2.6990e00, -1.6590e-03, -1.0320e-05, -1.3040e01, 5.0700e-02, -4.7520e-05, 1.5220e-06, -1.5980e-01, 9.5340e-05, 1.1670e-05, -4.8700e-08, 3.5390e-04, 3.1020e-05, -2.9500e-07, 5.0000e-05, -7.1350e-07, -4.9590e-07];
        #[rustfmt::skip]
        const LN_MU_MPA_S: [f64; 18] = [6.8370e-01, -3.0450e-02, 2.5250e-04, -1.3990e-06, 3.3280e-02, -3.9840e-04, 4.3320e-06, -1.8600e-08, 5.4530e-05, -8.6000e-08, -1.5930e-08, -4.4650e-11, -3.9000e-06, 1.0540e-07, -1.5890e-09, -1.5870e-08, 4.4750e-10, 3.5640e-09];
        #[rustfmt::skip]
        const K: [f64; 18] = [4.5130e-01, 7.9550e-04, 3.4820e-08, -5.9660e-09, -4.7950e-03, -1.6780e-05, 8.9410e-08, 1.4930e-10, 2.0760e-05, 1.5630e-07, -4.6150e-09, 9.8970e-12, -9.0830e-08, -2.5180e-09, 6.5430e-11, -5.9520e-10, -3.6050e-11, 2.1040e-11];
        #[rustfmt::skip]
        const T_FREEZE_C: [f64; 18] = [-1.3250e01, -3.8200e-05, 7.8650e-07, -1.7330e-09, -6.6310e-01, 6.7740e-06, -6.2420e-08, -7.8190e-10, -1.0940e-02, 5.3320e-08, -4.1690e-09, 3.2880e-11, -2.2830e-04, -1.1310e-08, 1.9180e-10, -3.4090e-06, 8.0350e-11, 1.4650e-08];
        let poly = |c: &[f64; 18], t_k: f64| {
            let (x, y): (f64, f64) = (50.0 - 30.7031, t_k - 273.15 - 32.7083);
            IJ.iter()
                .zip(c)
                .map(|(&(i, j), a)| a * x.powi(i as i32) * y.powi(j as i32))
                .sum::<f64>()
        };
        for r in PROPYLENE_GLYCOL_50.rows {
            let t = r[0];
            let want = [
                poly(&RHO, t),
                poly(&CP, t),
                poly(&LN_MU_MPA_S, t).exp() * 1e-3,
                poly(&K, t),
            ];
            for j in 0..4 {
                // 5 significant figures: half a unit in the 5th digit is ≤ 5e-5 relative.
                assert!(rel(r[j + 1], want[j]) <= 5.0e-5, "{t} K column {j}");
            }
        }
        let mut t_f: f64 = 240.0;
        for _ in 0..50 {
            t_f = poly(&T_FREEZE_C, t_f) + 273.15;
        }
        assert!(
            (t_f - PROPYLENE_GLYCOL_50.freezing_point_k).abs() < 0.01,
            "{t_f}"
        );
    }

    fn good() -> FluidProperties {
        FluidProperties {
            density_kg_m3: 850.0,
            specific_heat_j_kg_k: 2000.0,
            viscosity_pa_s: 2.0e-3,
            conductivity_w_m_k: 0.13,
        }
    }

    #[test]
    fn custom_fluid_is_constant_inside_its_range() {
        let oil = CustomFluid::new("silicone_oil", good(), 200.0, (220.0, 400.0)).unwrap();
        let c = Coolant::Custom(oil);
        assert_eq!(c.name(), "silicone_oil");
        assert_eq!(c.freezing_point_k(), 200.0);
        assert_eq!(c.valid_range_k(), (220.0, 400.0));
        assert_eq!(c.properties_at(300.0).unwrap(), good());
        assert!(matches!(
            c.properties_at(410.0),
            Err(ComponentError::OutsidePropertyRange { .. })
        ));
    }

    #[test]
    fn custom_fluid_rejects_each_bad_value_by_name() {
        let cases: [(&str, FluidProperties); 4] = [
            (
                "density_kg_m3",
                FluidProperties {
                    density_kg_m3: 0.0,
                    ..good()
                },
            ),
            (
                "specific_heat_j_kg_k",
                FluidProperties {
                    specific_heat_j_kg_k: -1.0,
                    ..good()
                },
            ),
            (
                "viscosity_pa_s",
                FluidProperties {
                    viscosity_pa_s: f64::NAN,
                    ..good()
                },
            ),
            (
                "conductivity_w_m_k",
                FluidProperties {
                    conductivity_w_m_k: f64::INFINITY,
                    ..good()
                },
            ),
        ];
        for (quantity, props) in cases {
            match CustomFluid::new("x", props, 200.0, (220.0, 400.0)) {
                Err(ComponentError::InvalidValue {
                    quantity: q,
                    component,
                    ..
                }) => {
                    assert_eq!(q, quantity);
                    assert_eq!(component, "custom fluid `x`");
                }
                other => panic!("{quantity}: {other:?}"),
            }
        }
        let bad = |fp: f64, range: (f64, f64)| CustomFluid::new("x", good(), fp, range);
        assert!(matches!(
            bad(-1.0, (220.0, 400.0)),
            Err(ComponentError::InvalidValue {
                quantity: "freezing_point_k",
                ..
            })
        ));
        assert!(matches!(
            bad(200.0, (f64::NAN, 400.0)),
            Err(ComponentError::InvalidValue { .. })
        ));
        assert!(matches!(
            bad(200.0, (300.0, 300.0)),
            Err(ComponentError::InvalidValue {
                quantity: "valid_range_k.1 (highest temperature)",
                ..
            })
        ));
        assert!(matches!(
            bad(250.0, (220.0, 400.0)),
            Err(ComponentError::Inconsistent { .. })
        ));
        assert!(matches!(
            CustomFluid::new(" ", good(), 200.0, (220.0, 400.0)),
            Err(ComponentError::Inconsistent { .. })
        ));
    }

    #[test]
    fn prandtl_and_kinematic_viscosity() {
        let p = good();
        assert_eq!(p.prandtl(), 2000.0 * 2.0e-3 / 0.13);
        assert_eq!(p.kinematic_viscosity_m2_s(), 2.0e-3 / 850.0);
    }
}
