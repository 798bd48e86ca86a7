//! Results out: CSV, JSON, plots; files written atomically.
