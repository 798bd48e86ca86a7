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
