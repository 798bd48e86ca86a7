//! Validation cases: run the pipeline and compare with exact and published references.
