//! `--vs` and `--target-vs`: a comparison by name or alias, from any operation's baseline
//! registry; help and errors list every name with what it compares against, and the run's own
//! operation decides which registry answers (a GEMM run takes `cublaslt_fp8`, an SDPA run
//! `cudnn_fp8`).

use crate::error::{Error, Result};
use crate::op::{Comparison, Operation, Registry};
use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};
use std::collections::BTreeSet;

/// A comparison as asked for on the command line: a name or alias some operation knows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Asked(pub String);

/// Parses a comparison's name (or alias) of any operation; an unknown name is refused with the
/// known ones.
pub fn parser() -> impl TypedValueParser<Value = Asked> {
    let mut seen = BTreeSet::new();
    let values: Vec<PossibleValue> = Operation::ALL
        .iter()
        .flat_map(|op| op.registry().comparisons().map(move |c| (*op, c)))
        .filter(|(_, c)| seen.insert(c.name))
        .map(|(op, c)| {
            PossibleValue::new(c.name)
                .aliases(c.aliases.iter().copied())
                .help(format!("{} ({op})", c.description))
        })
        .collect();
    PossibleValuesParser::new(values).map(Asked)
}

/// The comparison `asked` (or `default` when not given) of the run's operation, whose
/// baselines are `registry`'s; a name of another operation's is an error naming `flag` and the
/// names this run takes.
pub fn resolve(
    asked: Option<&Asked>,
    default: &str,
    registry: &'static Registry,
    flag: &'static str,
) -> Result<Comparison> {
    let name = asked.map_or(default, |a| a.0.as_str());
    registry.comparison(name).ok_or_else(|| {
        let names: Vec<&str> = registry.comparisons().map(|c| c.name).collect();
        Error::flag(
            flag,
            format!(
                "{name} is not a baseline of this run's operation ({}); it takes {}",
                registry.operation,
                names.join(", ")
            ),
        )
    })
}
