//! `--vs` and `--target-vs`: a comparison of the baseline registry by name or alias; help and
//! errors list every name with what it compares against.

use crate::op::Comparison;
use crate::op::REGISTRY;
use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};

/// Parses a comparison's name (or alias); an unknown name is refused with the known ones.
pub fn parser() -> impl TypedValueParser<Value = Comparison> {
    let values = REGISTRY.comparisons().map(|c| {
        PossibleValue::new(c.name)
            .aliases(c.aliases.iter().copied())
            .help(c.description)
    });
    PossibleValuesParser::new(values).map(|name| {
        REGISTRY
            .comparison(&name)
            .expect("the parser admits only the names and aliases of comparisons")
    })
}
