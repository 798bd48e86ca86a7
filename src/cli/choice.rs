//! Flags that take one of a case file's named choices (`--shadow conical`): clap offers and
//! checks the library's names ([`Choice`]), with their descriptions in `--help`, and the
//! library parses them, so a flag and its case-file key accept the same words.

use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};
use thermorbit::case::orbit::Choice;
use thermorbit::error::OrbitError;

/// The value parser of a flag that takes a `T`.
pub fn choice<T>() -> impl TypedValueParser<Value = T>
where
    T: Choice + std::str::FromStr<Err = OrbitError> + Clone + Send + Sync,
{
    PossibleValuesParser::new(
        T::ALL
            .iter()
            .map(|v| PossibleValue::new(v.name()).help(v.description())),
    )
    .try_map(|name| name.parse::<T>())
}
