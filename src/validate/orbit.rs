//! Validation runners for orbital geometry (`orb-*` cases).

use super::Runner;

/// Runners by name.
pub(super) const RUNNERS: &[(&str, Runner)] = &[];
