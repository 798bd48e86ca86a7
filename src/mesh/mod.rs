//! Finite-difference panels that emit network pieces.
