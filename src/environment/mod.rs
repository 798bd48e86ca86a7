//! Environment fluxes on oriented surfaces: direct solar, Earth infrared and albedo.
