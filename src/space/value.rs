//! Parameter values and configurations (one point of a search space), with `K=V,...` parsing.

use crate::op::Var;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// The value of one parameter or derived quantity.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Value {
    /// A boolean switch.
    Bool(bool),
    /// An integer (block sizes, warp counts, stages, bytes).
    Int(i64),
    /// A named choice (e.g. a kernel family).
    Choice(String),
}

/// A problem variable as a space value: sizes are integers, switches booleans.
impl From<Var> for Value {
    fn from(v: Var) -> Value {
        match v {
            Var::Int(n) => Value::Int(n as i64),
            Var::Bool(b) => Value::Bool(b),
        }
    }
}

impl Value {
    /// The integer, if this is one.
    pub fn as_int(&self) -> Option<i64> {
        match self {
            Value::Int(v) => Some(*v),
            _ => None,
        }
    }

    /// Converts to the expression evaluator's value.
    pub(crate) fn to_expr(&self) -> evalexpr::Value {
        match self {
            Value::Bool(b) => evalexpr::Value::Boolean(*b),
            Value::Int(i) => evalexpr::Value::Int(*i),
            Value::Choice(s) => evalexpr::Value::String(s.clone()),
        }
    }

    /// Converts from the expression evaluator's value; floats are not parameter values.
    pub(crate) fn from_expr(v: &evalexpr::Value) -> Option<Value> {
        match v {
            evalexpr::Value::Boolean(b) => Some(Value::Bool(*b)),
            evalexpr::Value::Int(i) => Some(Value::Int(*i)),
            evalexpr::Value::String(s) => Some(Value::Choice(s.clone())),
            _ => None,
        }
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Bool(b) => write!(f, "{b}"),
            Value::Int(i) => write!(f, "{i}"),
            Value::Choice(s) => write!(f, "{s}"),
        }
    }
}

/// One point of a search space: a value for every parameter, ordered by name.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize, Deserialize)]
pub struct Config(pub BTreeMap<String, Value>);

impl Config {
    /// The value of parameter `name`.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.0.get(name)
    }

    /// The integer value of parameter `name`, if it is an integer.
    pub fn int(&self, name: &str) -> Option<i64> {
        self.get(name).and_then(Value::as_int)
    }

    /// Sets parameter `name`.
    pub fn set(&mut self, name: &str, value: Value) {
        self.0.insert(name.to_string(), value);
    }

    /// Splits `K=V,K=V` into raw pairs; the space turns them into typed values.
    pub fn split_pairs(text: &str) -> Result<Vec<(String, String)>, String> {
        text.split(',')
            .filter(|p| !p.trim().is_empty())
            .map(|pair| match pair.split_once('=') {
                Some((k, v)) if !k.trim().is_empty() => {
                    Ok((k.trim().to_string(), v.trim().to_string()))
                }
                _ => Err(format!("expected K=V, got '{}'", pair.trim())),
            })
            .collect()
    }
}

impl fmt::Display for Config {
    /// `K=V,K=V` in name order: the same form `--config` accepts.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self.0.iter().map(|(k, v)| format!("{k}={v}")).collect();
        write!(f, "{}", parts.join(","))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_displays_in_name_order_as_k_equals_v() {
        let mut c = Config::default();
        c.set("STAGES", Value::Int(2));
        c.set("BLOCK_M", Value::Int(64));
        c.set("FAMILY", Value::Choice("mma".into()));
        assert_eq!(c.to_string(), "BLOCK_M=64,FAMILY=mma,STAGES=2");
    }

    #[test]
    fn split_pairs_rejects_a_pair_without_equals() {
        assert_eq!(
            Config::split_pairs("A=1, B = 2").unwrap(),
            vec![("A".into(), "1".into()), ("B".into(), "2".into())]
        );
        assert!(Config::split_pairs("A=1,B").unwrap_err().contains("'B'"));
    }
}
