//! Physical constants and environment defaults, each with its source.
//!
//! SI units unless the name says otherwise.

/// Stefan–Boltzmann constant σ in W/(m²·K⁴): CODATA 2018 exact value
/// (2π⁵k⁴/(15h³c²) with the 2019 SI defining constants).
pub const STEFAN_BOLTZMANN_W_M2_K4: f64 = 5.670_374_419e-8;

/// Temperature of the cosmic microwave background in K (Fixsen 2009, ApJ 707:916),
/// used as the deep-space sink.
pub const DEEP_SPACE_TEMPERATURE_K: f64 = 2.725;

/// Offset between the Celsius and Kelvin scales (SI Brochure, 9th ed., §2.3.1).
pub const CELSIUS_OFFSET_K: f64 = 273.15;

// ---------------------------------------------------------------------------
// Orbital and environment constants (orbit, environment modules).
// ---------------------------------------------------------------------------

/// Earth's gravitational parameter μ in km³/s² (WGS-84, NIMA TR8350.2, 3rd ed., Table 3.1;
/// also EGM-96).
pub const EARTH_MU_KM3_S2: f64 = 398_600.441_8;

/// Earth's equatorial radius in km (WGS-84, NIMA TR8350.2, Table 3.1).
pub const EARTH_RADIUS_KM: f64 = 6_378.137;

/// Earth's polar radius in km (WGS-84: a(1 − f), f = 1/298.257223563).
pub const EARTH_POLAR_RADIUS_KM: f64 = 6_356.752_314_2;

/// Second zonal harmonic J2 of Earth's gravity field, unnormalized (EGM-96 / JGM-3 value
/// 1.08262668e-3, Vallado, *Fundamentals of Astrodynamics and Applications*, 4th ed., Table D-1).
pub const EARTH_J2: f64 = 1.082_626_68e-3;

/// Earth's sidereal rotation rate in rad/s (IERS/WGS-84 value 7.292115e-5; Vallado 4th ed. eq. 3-40
/// gives 7.292115146706979e-5 including precession).
pub const EARTH_ROTATION_RAD_S: f64 = 7.292_115_146_706_979e-5;

/// Astronomical unit in km (IAU 2012 Resolution B2, exact).
pub const AU_KM: f64 = 149_597_870.7;

/// Nominal solar radius in km (IAU 2015 Resolution B3).
pub const SOLAR_RADIUS_KM: f64 = 695_700.0;

/// Mean motion of the mean Sun, 2π per tropical year of 365.2422 days, in rad/s: the node rate
/// of a sun-synchronous orbit (Vallado 4th ed. §11.4.1; Wertz, *Space Mission Analysis and
/// Design*, 3rd ed., §6.2).
pub const SUN_MEAN_MOTION_RAD_S: f64 = 2.0 * std::f64::consts::PI / (365.2422 * 86_400.0);

/// Total solar irradiance at 1 AU in W/m² (Kopp & Lean 2011, *Geophys. Res. Lett.* 38, L01706:
/// 1360.8 ± 0.5 W/m² at solar minimum; IAU 2015 Resolution B3 nominal value 1361 W/m²).
pub const SOLAR_CONSTANT_W_M2: f64 = 1_361.0;

/// Hot-case direct solar flux in W/m² (at perihelion; Gilmore, *Spacecraft Thermal Control
/// Handbook*, Vol. 1, 2nd ed., 2002, ch. 2, Table 2.1). Used as a fixed flux, not scaled by 1/d².
pub const SOLAR_FLUX_HOT_W_M2: f64 = 1_414.0;

/// Cold-case direct solar flux in W/m² (at aphelion; Gilmore Vol. 1 ch. 2, Table 2.1). Used as a
/// fixed flux, not scaled by 1/d².
pub const SOLAR_FLUX_COLD_W_M2: f64 = 1_322.0;

/// Nominal Earth Bond albedo, orbit-average (Gilmore Vol. 1 ch. 2: global annual mean ≈ 0.30;
/// Stephens et al. 2015, *Rev. Geophys.* 53, 141: 0.29–0.30 from CERES).
pub const EARTH_ALBEDO_NOMINAL: f64 = 0.30;

/// Hot-case Earth albedo for design (upper end of the orbit-average design range of
/// Gilmore Vol. 1 ch. 2, Tables 2.2–2.4, from Anderson, Justus & Batts, NASA TM-2001-211221).
pub const EARTH_ALBEDO_HOT: f64 = 0.35;

/// Cold-case Earth albedo for design (lower end of the orbit-average design range of
/// Gilmore Vol. 1 ch. 2, Tables 2.2–2.4; NASA TM-2001-211221).
pub const EARTH_ALBEDO_COLD: f64 = 0.25;

/// Nominal Earth outgoing longwave radiation at the top of the atmosphere in W/m², global
/// annual mean (Gilmore Vol. 1 ch. 2: ≈ 237 W/m²; Stephens et al. 2015: 239 ± 3 W/m²),
/// referred to the Earth's radius.
pub const EARTH_IR_NOMINAL_W_M2: f64 = 237.0;

/// Hot-case Earth outgoing longwave radiation in W/m² (upper end of the orbit-average design
/// range of Gilmore Vol. 1 ch. 2, Tables 2.2–2.4; NASA TM-2001-211221).
pub const EARTH_IR_HOT_W_M2: f64 = 257.0;

/// Cold-case Earth outgoing longwave radiation in W/m² (lower end of the orbit-average design
/// range of Gilmore Vol. 1 ch. 2, Tables 2.2–2.4; NASA TM-2001-211221).
pub const EARTH_IR_COLD_W_M2: f64 = 218.0;

/// Seconds per day (SI).
pub const SECONDS_PER_DAY: f64 = 86_400.0;

/// Julian date of the J2000.0 epoch, 2000 January 1 12:00 TT (IAU 1976; Meeus,
/// *Astronomical Algorithms*, 2nd ed., ch. 21).
pub const J2000_JD: f64 = 2_451_545.0;
