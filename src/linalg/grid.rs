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

/// A line of unknowns outside the grid blocks, in the order along which each
/// is coupled to the one before it (a one-directional chain: the matrix
/// restricted to the chain is lower bidiagonal in this order). Geometric
/// multigrid coarsens a chain by pairing consecutive members, as it
/// agglomerates a grid's cells 2 × 2, instead of keeping every member down
/// to the coarsest level.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chain {
    /// The members' unknown indices, upstream first.
    pub unknowns: Vec<u32>,
}
