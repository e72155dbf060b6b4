//! A recorded config moved into another space (or the same space restricted, or grown): each
//! parameter keeps its value where the domain has it, an integer takes the nearest value of
//! the domain, anything else the default's; then the nearest valid point, as the GA repairs.

use crate::evolve::{Genome, SpaceIndex};
use crate::space::{Config, Domain, SearchSpace, Value};
use std::collections::HashMap;

/// The valid genome of `index` nearest to the config `text` (`K=V,...`, possibly from another
/// space); `None` when the text does not parse or the index has no valid point.
pub fn repair_config(text: &str, space: &SearchSpace, index: &SpaceIndex) -> Option<Genome> {
    let pairs: HashMap<String, String> = Config::split_pairs(text).ok()?.into_iter().collect();
    let mut config = Config::default();
    for p in &space.params {
        let value = pairs
            .get(&p.name)
            .and_then(|t| nearest_value(&p.domain, t))
            .or_else(|| space.default.get(&p.name).cloned())
            .filter(|v| p.domain.index_of(v).is_some())
            .unwrap_or_else(|| p.domain.value(0));
        config.set(&p.name, value);
    }
    let g = index.genome_of(&config)?;
    if index.is_valid(&g) {
        return Some(g);
    }
    index.nearest_valid(&g).cloned()
}

/// `text` as a value of `domain`: itself when the domain has it; for integers, the nearest
/// value (the smaller on a tie).
fn nearest_value(domain: &Domain, text: &str) -> Option<Value> {
    if let Some(v) = crate::space::parse_value(domain, text) {
        return Some(v);
    }
    let Domain::Ints(values) = domain else {
        return None;
    };
    let x: i64 = text.parse().ok()?;
    values
        .iter()
        .min_by_key(|&&v| ((v - x).abs(), v))
        .map(|&v| Value::Int(v))
}
