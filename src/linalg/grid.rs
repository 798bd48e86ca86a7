//! Structured grids among the unknowns of a sparse system: what geometric
//! multigrid coarsens and the stencil operators exploit.

/// Shape of a structured grid of unknowns (or nodes), row-major (`i` fastest): node
/// `first + j * nx + i` is cell `(i, j)`. Lets multigrid and output see panels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GridShape {
    /// Cells along x.
    pub nx: usize,
    /// Cells along y.
    pub ny: usize,
}

/// A structured grid whose cells are all unknowns, contiguous in unknown numbering.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GridBlock {
    /// Unknown index of cell (0, 0).
    pub first_unknown: usize,
    /// Grid shape (row-major, i fastest).
    pub shape: GridShape,
}
