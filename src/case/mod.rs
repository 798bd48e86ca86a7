//! Case files: the TOML schema, its validation, and building a runnable model.
