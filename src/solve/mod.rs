//! Solvers: steady Newton, implicit transient, linear-solver back ends.
