//! Parameters that matter only for some points (`when = "..."`), and templates chosen per point
//! (`template = "name_{FAMILY}.cu.tera"`): how one space holds several kernel families.
//!
//! An inactive parameter is pinned to its first value by a constraint, so that no two valid
//! points differ only in a parameter their kernel ignores; enumeration skips the pinned copies.

use super::expr::{self, Expr};
use super::value::{Config, Value};
use super::{Param, SearchSpace};
use std::path::PathBuf;

/// Parses the `when` of parameter `name`; it may name only parameters declared above it.
pub fn parse_when(name: &str, text: &str, above: &[Param]) -> Result<Expr, String> {
    let e = Expr::parse(text).map_err(|e| format!("parameter {name}: when '{text}': {e}"))?;
    let known = |v: &str| above.iter().any(|p| p.name == v);
    if let Some(unknown) = e.unknown_variable(known) {
        return Err(format!(
            "parameter {name}: when '{text}' names '{unknown}', not a parameter declared above {name}"
        ));
    }
    Ok(e)
}

/// The constraint `(when) || NAME == first value` of a conditional parameter.
pub fn pin_constraint(param: &Param) -> Option<Expr> {
    let when = param.when.as_ref()?;
    let first = literal(&param.domain.value(0));
    let text = format!("({}) || {} == {first}", when.text, param.name);
    Some(Expr::parse(&text).expect("a when expression joined with an equality parses"))
}

/// `v` as an expression literal (strings quoted).
pub(super) fn literal(v: &Value) -> String {
    match v {
        Value::Choice(s) => format!("{s:?}"),
        other => other.to_string(),
    }
}

/// Whether parameter `param` matters at `config` (only its parameters above are read).
pub fn is_active(param: &Param, config: &Config) -> bool {
    is_active_in(param, &config_env(config))
}

/// Whether parameter `param` matters with the parameters above it as `env` holds them. A
/// `when` that does not evaluate to a boolean keeps the parameter active: its pin constraint
/// then reports the error when the point is evaluated.
pub fn is_active_in(param: &Param, env: &expr::Env) -> bool {
    activity_in(param, env).unwrap_or(true)
}

/// Whether `param` applies in `config`; `None` where its `when` does not evaluate to a boolean
/// there (e.g. it reads a parameter `config` does not set).
pub fn activity(param: &Param, config: &Config) -> Option<bool> {
    activity_in(param, &config_env(config))
}

fn activity_in(param: &Param, env: &expr::Env) -> Option<bool> {
    match &param.when {
        Some(when) => when.holds(env).ok(),
        None => Some(true),
    }
}

fn config_env(config: &Config) -> expr::Env {
    let mut env = expr::new_env();
    for (name, value) in &config.0 {
        expr::set(&mut env, name, value.to_expr());
    }
    env
}

/// The `{NAME}` placeholders of a template path, in order.
fn placeholders(pattern: &str) -> Vec<&str> {
    pattern
        .split('{')
        .skip(1)
        .filter_map(|part| part.split_once('}').map(|(name, _)| name))
        .collect()
}

/// Checks that every placeholder of the template path names a parameter.
pub fn check_template_pattern(pattern: &std::path::Path, params: &[Param]) -> Result<(), String> {
    let text = pattern.to_string_lossy();
    for name in placeholders(&text) {
        if !params.iter().any(|p| p.name == name) {
            return Err(format!(
                "template '{text}' names '{{{name}}}', which is not a parameter"
            ));
        }
    }
    Ok(())
}

impl SearchSpace {
    /// The template `config` renders: the space's template path with each `{NAME}` replaced by
    /// the config's value of NAME.
    pub fn template_for(&self, config: &Config) -> PathBuf {
        let mut text = self.template.to_string_lossy().into_owned();
        for name in placeholders(&self.template.to_string_lossy()) {
            if let Some(v) = config.get(name) {
                text = text.replace(&format!("{{{name}}}"), &v.to_string());
            }
        }
        PathBuf::from(text)
    }

    /// Every template some point may render, each once, in domain order.
    pub fn template_paths(&self) -> Vec<PathBuf> {
        let text = self.template.to_string_lossy();
        let mut paths = vec![text.to_string()];
        for name in placeholders(&text) {
            let values = self
                .param(name)
                .map(|p| p.domain.values())
                .unwrap_or_default();
            paths = paths
                .iter()
                .flat_map(|p| {
                    let tag = format!("{{{name}}}");
                    values.iter().map(move |v| p.replace(&tag, &v.to_string()))
                })
                .collect();
        }
        paths.dedup();
        paths.into_iter().map(PathBuf::from).collect()
    }
}
