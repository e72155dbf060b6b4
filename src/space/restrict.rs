//! Restricting a space for one run (`--set NAME=V1,V2`): a new [`SearchSpace`] whose parameters
//! keep only the allowed values, so that enumeration, the optimizer, the tune log and the
//! template choice all see the same smaller space.
//!
//! A conditional parameter (`when = ...`) is pinned to its first value wherever it does not
//! matter. When an override drops that value, the restricted domain keeps it in front (for the
//! points where the parameter is inactive) and a constraint forbids it where the parameter is
//! active; so every point of the restricted space is a point of the original one, spelled the
//! same way (a recorded log still answers it).
//!
//! The `[default]` config is repaired, parameter by parameter in file order: a value the
//! overrides allow is kept; an excluded one becomes the first allowed value in the space's
//! order; a parameter that is inactive at the repaired config takes its pinned value. The
//! repaired default may still break a constraint at some shape, as the file's own may.

use super::conditional::{is_active, literal};
use super::expr::Expr;
use super::file::parse_value;
use super::value::{Config, Value};
use super::{Domain, SearchSpace};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// The values a run allows for some parameters, by name: what `--set` asks for, as the manifest
/// records it (`{"BLOCK_N": [128, 192], "FAMILY": ["wgmma"]}`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Overrides(pub BTreeMap<String, Vec<Value>>);

impl Overrides {
    /// Whether nothing is restricted.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// These overrides with `other`'s laid over them: a parameter set in both takes `other`'s
    /// values (a campaign's per-problem `set` over its global one).
    pub fn merged(&self, other: &Overrides) -> Overrides {
        let mut out = self.clone();
        out.0
            .extend(other.0.iter().map(|(k, v)| (k.clone(), v.clone())));
        out
    }

    /// Each override as `--set` takes it: `NAME=V1,V2`.
    pub fn to_set_args(&self) -> Vec<String> {
        self.0
            .iter()
            .map(|(name, values)| {
                let values: Vec<String> = values.iter().map(Value::to_string).collect();
                format!("{name}={}", values.join(","))
            })
            .collect()
    }
}

impl fmt::Display for Overrides {
    /// `FAMILY=wgmma BLOCK_N=128,192`, or `none`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_empty() {
            return write!(f, "none");
        }
        write!(f, "{}", self.to_set_args().join(" "))
    }
}

/// Splits one `--set` text, `NAME=V1,V2,...`, into the name and its value texts.
pub fn split_set(text: &str) -> Result<(String, Vec<String>), String> {
    let usage = || format!("expects NAME=V1,V2,... (e.g. BLOCK_N=128,192), got '{text}'");
    let (name, values) = text.split_once('=').ok_or_else(usage)?;
    let name = name.trim();
    let values: Vec<String> = values
        .split(',')
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(String::from)
        .collect();
    if name.is_empty() || values.is_empty() {
        return Err(usage());
    }
    Ok((name.to_string(), values))
}

impl SearchSpace {
    /// Types `--set` texts (`NAME=V1,V2`) against this space's parameters; the message names
    /// the parameter and the values it may take.
    pub fn overrides_from_sets(&self, sets: &[String]) -> Result<Overrides, String> {
        let base = self.unrestricted();
        let mut out = Overrides::default();
        for text in sets {
            let (name, texts) = split_set(text)?;
            let param = base.param(&name).ok_or_else(|| {
                format!(
                    "{text}: unknown parameter '{name}' (parameters of {}: {})",
                    base.path.display(),
                    base.param_names()
                )
            })?;
            let mut values = Vec::new();
            for t in &texts {
                let v = parse_value(&param.domain, t)
                    .ok_or_else(|| not_in_domain(&name, t, &param.domain))?;
                if !values.contains(&v) {
                    values.push(v);
                }
            }
            if out.0.insert(name.clone(), values).is_some() {
                return Err(format!(
                    "sets {name} twice; give its values in one NAME=V1,V2"
                ));
            }
        }
        Ok(out)
    }

    /// The space with each overridden parameter restricted to its allowed values (in the
    /// space's order). Overrides always apply to the unrestricted space: restricting a
    /// restricted space replaces its overrides.
    pub fn restrict(&self, overrides: &Overrides) -> Result<SearchSpace, String> {
        let base = self.unrestricted();
        if overrides.is_empty() {
            return Ok(base.clone());
        }
        let mut out = base.clone();
        for (name, allowed) in &overrides.0 {
            out.restrict_param(name, allowed)?;
        }
        out.default = repaired_default(&out, &base.default, overrides);
        out.base = Some(Box::new(base.clone()));
        out.overrides = overrides.clone();
        Ok(out)
    }

    /// The space as its file defines it (this one, when nothing restricts it).
    pub fn unrestricted(&self) -> &SearchSpace {
        self.base.as_deref().unwrap_or(self)
    }

    /// What restricts this space (empty for a space read from its file).
    pub fn overrides(&self) -> &Overrides {
        &self.overrides
    }

    fn restrict_param(&mut self, name: &str, allowed: &[Value]) -> Result<(), String> {
        let path = self.path.display().to_string();
        let names = self.param_names();
        let param = self
            .params
            .iter_mut()
            .find(|p| p.name == name)
            .ok_or_else(|| format!("unknown parameter '{name}' (parameters of {path}: {names})"))?;
        if let Some(bad) = allowed.iter().find(|v| param.domain.index_of(v).is_none()) {
            return Err(not_in_domain(name, &bad.to_string(), &param.domain));
        }
        if allowed.is_empty() {
            return Err(format!("{name} is given no value"));
        }
        let first = param.domain.value(0);
        let mut kept: Vec<Value> = param
            .domain
            .values()
            .into_iter()
            .filter(|v| allowed.contains(v))
            .collect();
        if let (Some(when), false) = (&param.when, kept.contains(&first)) {
            let text = format!("!({}) || {name} != {}", when.text, literal(&first));
            let forbid = Expr::parse(&text).expect("a negated when with an inequality parses");
            self.constraints.push(forbid);
            kept.insert(0, first);
        }
        param.domain = param.domain.with_values(&kept);
        Ok(())
    }
}

fn not_in_domain(name: &str, text: &str, domain: &Domain) -> String {
    let allowed: Vec<String> = domain.values().iter().map(Value::to_string).collect();
    format!("{name}={text} is not one of [{}]", allowed.join(", "))
}

/// The original default moved into the restricted space (see the module comment).
fn repaired_default(space: &SearchSpace, default: &Config, overrides: &Overrides) -> Config {
    let mut config = default.clone();
    for param in &space.params {
        let allowed = overrides.0.get(&param.name);
        let current = config.get(&param.name).cloned();
        let value = if !is_active(param, &config) {
            param.domain.value(0)
        } else {
            match allowed {
                Some(allowed) if !current.is_some_and(|v| allowed.contains(&v)) => param
                    .domain
                    .values()
                    .into_iter()
                    .find(|v| allowed.contains(v))
                    .expect("a restricted domain holds an allowed value"),
                _ => continue,
            }
        };
        config.set(&param.name, value);
    }
    config
}

impl Domain {
    /// A domain of the same kind holding `values` (each one of this domain's).
    fn with_values(&self, values: &[Value]) -> Domain {
        match self {
            Domain::Ints(_) => Domain::Ints(values.iter().filter_map(Value::as_int).collect()),
            Domain::Bools(_) => Domain::Bools(
                values
                    .iter()
                    .filter_map(|v| match v {
                        Value::Bool(b) => Some(*b),
                        _ => None,
                    })
                    .collect(),
            ),
            Domain::Choices(_) => Domain::Choices(values.iter().map(Value::to_string).collect()),
        }
    }
}

#[cfg(test)]
#[path = "restrict_tests.rs"]
mod tests;
