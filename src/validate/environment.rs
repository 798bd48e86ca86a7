//! Validation runners for environment fluxes (`env-*` cases).

use super::Runner;

/// Runners by name.
pub(super) const RUNNERS: &[(&str, Runner)] = &[];
