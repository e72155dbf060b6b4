//! Search spaces: parameters with discrete domains, derived values and constraints (TOML files).

mod census;
mod conditional;
mod config_text;
mod cover;
mod enumerate;
mod expr;
mod file;
mod limits;
mod pruned;
mod restrict;
mod value;

pub use census::Census;
pub use cover::pairwise_cover;
pub use enumerate::{sample_points, PointIter};
pub use expr::Expr;
pub use file::{load, parse, parse_value};
pub use limits::DeviceLimits;
pub use restrict::{split_set, Overrides};
pub use value::{Config, Value};

use crate::error::{Error, Result};
use crate::op::Problem;
use std::collections::BTreeMap;
use std::path::PathBuf;

/// The discrete values one parameter may take.
#[derive(Debug, Clone, PartialEq)]
pub enum Domain {
    /// Integers, in the order written (mutation moves between neighbours of this order).
    Ints(Vec<i64>),
    /// Booleans.
    Bools(Vec<bool>),
    /// Named choices.
    Choices(Vec<String>),
}

impl Domain {
    /// Every value of the domain, in declared order.
    pub fn values(&self) -> Vec<Value> {
        match self {
            Domain::Ints(v) => v.iter().map(|&i| Value::Int(i)).collect(),
            Domain::Bools(v) => v.iter().map(|&b| Value::Bool(b)).collect(),
            Domain::Choices(v) => v.iter().map(|s| Value::Choice(s.clone())).collect(),
        }
    }

    /// The value at position `i` of the declared order.
    pub fn value(&self, i: usize) -> Value {
        match self {
            Domain::Ints(v) => Value::Int(v[i]),
            Domain::Bools(v) => Value::Bool(v[i]),
            Domain::Choices(v) => Value::Choice(v[i].clone()),
        }
    }

    /// Number of values.
    pub fn len(&self) -> usize {
        match self {
            Domain::Ints(v) => v.len(),
            Domain::Bools(v) => v.len(),
            Domain::Choices(v) => v.len(),
        }
    }

    /// Whether the domain is empty (a loaded space never has one).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Position of `value` in the declared order.
    pub fn index_of(&self, value: &Value) -> Option<usize> {
        self.values().iter().position(|v| v == value)
    }
}

/// One tunable parameter.
#[derive(Debug, Clone, PartialEq)]
pub struct Param {
    /// Name, as used in templates and expressions.
    pub name: String,
    /// Its values.
    pub domain: Domain,
    /// What it controls.
    pub doc: String,
    /// When set, the parameter matters only where this holds (it may name parameters declared
    /// above it); elsewhere it is pinned to its first value, by a constraint the file adds.
    pub when: Option<Expr>,
}

/// A search space as read from `search_spaces/*.toml`.
#[derive(Debug, Clone)]
pub struct SearchSpace {
    /// The file it was read from.
    pub path: PathBuf,
    /// The operation its kernels compute (`operation = "..."`; SDPA when the file names none).
    pub operation: crate::op::Operation,
    /// Its name.
    pub name: String,
    /// One line on what it searches.
    pub description: String,
    /// The kernel template it renders (resolved against the space file's folder). It may name
    /// parameters in braces, e.g. `sdpa_fp8_{FAMILY}.cu.tera`: each point renders the template
    /// its values name (see [`SearchSpace::template_for`]).
    pub template: PathBuf,
    /// The `extern "C"` kernel entry point the template defines.
    pub kernel: String,
    /// Parameters, in file order.
    pub params: Vec<Param>,
    /// Derived values, evaluated in file order.
    pub derived: Vec<(String, Expr)>,
    /// Constraints every valid point satisfies.
    pub constraints: Vec<Expr>,
    /// The default configuration.
    pub default: Config,
    /// The space as its file defines it, when overrides restrict this one (see `restrict`).
    base: Option<Box<SearchSpace>>,
    /// What restricts this space (empty for a space read from its file).
    overrides: Overrides,
}

/// A configuration evaluated against a shape and device: its derived values and verdict.
#[derive(Debug, Clone, PartialEq)]
pub struct Point {
    /// The parameters.
    pub config: Config,
    /// Derived values by name.
    pub derived: BTreeMap<String, Value>,
    /// The text of each constraint it breaks (empty when valid).
    pub violated: Vec<String>,
}

impl Point {
    /// Whether every constraint holds.
    pub fn is_valid(&self) -> bool {
        self.violated.is_empty()
    }
}

impl SearchSpace {
    /// The parameter called `name`.
    pub fn param(&self, name: &str) -> Option<&Param> {
        self.params.iter().find(|p| p.name == name)
    }

    /// Number of points before constraints: the product of the domain sizes.
    pub fn raw_size(&self) -> u128 {
        self.params.iter().map(|p| p.domain.len() as u128).product()
    }

    pub(crate) fn param_names(&self) -> String {
        let names: Vec<&str> = self.params.iter().map(|p| p.name.as_str()).collect();
        names.join(", ")
    }

    /// Evaluates derived values and constraints of `config` for `shape` on `limits`.
    pub fn evaluate<P: Problem>(
        &self,
        config: &Config,
        shape: &P,
        limits: &DeviceLimits,
    ) -> Result<Point> {
        self.evaluate_in(&mut self.base_env(shape, limits), config)
    }

    /// [`SearchSpace::evaluate`] in `env`, which holds the shape and limits (see `base_env`):
    /// a walk over many points reuses one environment.
    pub(crate) fn evaluate_in(&self, env: &mut expr::Env, config: &Config) -> Result<Point> {
        let derived = self.derive_in(env, config)?;
        let mut violated = Vec::new();
        for c in &self.constraints {
            if !self.holds_in(env, c)? {
                violated.push(c.text.clone());
            }
        }
        Ok(Point {
            config: config.clone(),
            derived,
            violated,
        })
    }

    /// Puts `config` into `env` and works out the derived variables there.
    fn derive_in(&self, env: &mut expr::Env, config: &Config) -> Result<BTreeMap<String, Value>> {
        self.put_in(env, config)?;
        self.derived_in(env)
    }

    /// Puts `config` and the derived variables it gives into `env`.
    fn put_in(&self, env: &mut expr::Env, config: &Config) -> Result<()> {
        for (name, value) in &config.0 {
            expr::set(env, name, value.to_expr());
        }
        for d in 0..self.derived.len() {
            self.derive_one_in(env, d)?;
        }
        Ok(())
    }

    /// Works out derived value `d` (its index in file order) in `env`, which holds what it reads.
    fn derive_one_in(&self, env: &mut expr::Env, d: usize) -> Result<()> {
        let (name, e) = &self.derived[d];
        let raw = e.eval(env).map_err(|msg| self.expr_error(msg))?;
        expr::set(env, name, raw);
        Ok(())
    }

    /// Whether constraint `c` holds in `env`.
    fn holds_in(&self, env: &expr::Env, c: &Expr) -> Result<bool> {
        c.holds(env)
            .map_err(|e| self.expr_error(format!("constraint {e}")))
    }

    /// The derived variables `put_in` left in `env`, each checked to be a parameter value.
    fn derived_in(&self, env: &expr::Env) -> Result<BTreeMap<String, Value>> {
        let mut out = BTreeMap::new();
        for (name, e) in &self.derived {
            let raw = expr::get(env, name).expect("put_in sets every derived variable");
            let value = Value::from_expr(raw).ok_or_else(|| {
                self.expr_error(format!("derived '{name}' = '{}' gave {raw}", e.text))
            })?;
            out.insert(name.clone(), value);
        }
        Ok(out)
    }

    pub(crate) fn base_env<P: Problem>(&self, shape: &P, limits: &DeviceLimits) -> expr::Env {
        let mut env = expr::new_env();
        for (name, v) in shape.variables() {
            expr::set(&mut env, name, Value::from(v).to_expr());
        }
        for (name, v) in limits.variables() {
            expr::set(&mut env, name, v);
        }
        env
    }

    fn expr_error(&self, message: String) -> Error {
        Error::Space {
            path: self.path.clone(),
            message,
        }
    }
}

#[cfg(test)]
mod tests;
