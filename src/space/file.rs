//! Reading a search space from its TOML file: the schema and its checks.

use super::conditional;
use super::expr::Expr;
use super::value::{Config, Value};
use super::{Domain, Param, SearchSpace};
use crate::error::{Error, Result};
use crate::op::Operation;
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// Names every space may read without declaring them besides its operation's problem variables
/// ([`Operation::variable_names`]): the device limits.
const DEVICE_NAMES: [&str; 6] = [
    "ARCH",
    "ARCH_SPECIFIC",
    "MAX_SMEM_PER_BLOCK",
    "MAX_THREADS_PER_BLOCK",
    "MAX_REGS_PER_BLOCK",
    "SM_COUNT",
];

/// Whether a space for `op` may read `name` without declaring it: a problem variable or a device
/// limit.
fn is_builtin(op: Operation, name: &str) -> bool {
    op.variable_names().contains(&name) || DEVICE_NAMES.contains(&name)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSpace {
    #[serde(default)]
    operation: Option<String>,
    name: String,
    #[serde(default)]
    description: String,
    template: PathBuf,
    kernel: String,
    params: toml::Table,
    #[serde(default)]
    derived: toml::Table,
    #[serde(default)]
    constraints: Vec<String>,
    default: toml::Table,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawParam {
    values: Vec<toml::Value>,
    #[serde(default)]
    doc: String,
    #[serde(default)]
    when: Option<String>,
}

/// Reads and checks the space at `path`.
pub fn load(path: &Path) -> Result<SearchSpace> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io("read", path, e))?;
    parse(path, &text)
}

/// Parses space `text` as if read from `path` (relative template paths resolve against it).
pub fn parse(path: &Path, text: &str) -> Result<SearchSpace> {
    let fail = |message: String| Error::Space {
        path: path.to_path_buf(),
        message,
    };
    let raw: RawSpace = toml::from_str(text).map_err(|e| fail(e.to_string()))?;
    let op = parse_operation(raw.operation.as_deref()).map_err(&fail)?;
    let params = parse_params(op, &raw.params).map_err(&fail)?;
    let derived = parse_derived(op, &raw.derived, &params).map_err(&fail)?;
    let mut constraints =
        parse_constraints(op, &raw.constraints, &params, &derived).map_err(&fail)?;
    constraints.extend(params.iter().filter_map(conditional::pin_constraint));
    let base = path.parent().unwrap_or(Path::new("."));
    conditional::check_template_pattern(&raw.template, &params).map_err(&fail)?;
    let space = SearchSpace {
        path: path.to_path_buf(),
        operation: op,
        name: raw.name,
        description: raw.description,
        template: base.join(&raw.template),
        kernel: raw.kernel,
        params,
        derived,
        constraints,
        default: Config::default(),
        base: None,
        overrides: Default::default(),
    };
    let default = parse_default(&space, &raw.default).map_err(&fail)?;
    Ok(SearchSpace { default, ..space })
}

/// The operation a file names (`operation = "..."`), SDPA when it names none.
fn parse_operation(name: Option<&str>) -> Result<Operation, String> {
    let Some(name) = name else {
        return Ok(Operation::Sdpa);
    };
    Operation::from_name(name).ok_or_else(|| {
        let known: Vec<&str> = Operation::ALL.iter().map(|op| op.name()).collect();
        format!(
            "operation = \"{name}\" is not one evotune has (it has {})",
            known.join(", ")
        )
    })
}

fn parse_params(op: Operation, table: &toml::Table) -> Result<Vec<Param>, String> {
    if table.is_empty() {
        return Err("[params] declares no parameter".into());
    }
    let mut params: Vec<Param> = Vec::new();
    for (name, raw) in table {
        check_new_name(op, name)?;
        let raw: RawParam = raw
            .clone()
            .try_into()
            .map_err(|e| format!("parameter {name}: {e}"))?;
        let domain = parse_domain(&raw.values).map_err(|e| format!("parameter {name}: {e}"))?;
        let when = match &raw.when {
            Some(text) => Some(conditional::parse_when(name, text, &params)?),
            None => None,
        };
        params.push(Param {
            name: name.clone(),
            domain,
            doc: raw.doc,
            when,
        });
    }
    Ok(params)
}

fn check_new_name(op: Operation, name: &str) -> Result<(), String> {
    if is_builtin(op, name) {
        return Err(format!(
            "'{name}' is a built-in name ({op} problem variable or device limit)"
        ));
    }
    Ok(())
}

fn parse_domain(values: &[toml::Value]) -> Result<Domain, String> {
    if values.is_empty() {
        return Err("values is empty".into());
    }
    let ints: Option<Vec<i64>> = values.iter().map(toml::Value::as_integer).collect();
    let bools: Option<Vec<bool>> = values.iter().map(toml::Value::as_bool).collect();
    let strs: Option<Vec<String>> = values
        .iter()
        .map(|v| v.as_str().map(str::to_string))
        .collect();
    let domain = match (ints, bools, strs) {
        (Some(v), _, _) => Domain::Ints(v),
        (_, Some(v), _) => Domain::Bools(v),
        (_, _, Some(v)) => Domain::Choices(v),
        _ => return Err("values must be all integers, all booleans or all strings".into()),
    };
    if domain.has_duplicates() {
        return Err("values lists a value twice".into());
    }
    Ok(domain)
}

fn parse_derived(
    op: Operation,
    table: &toml::Table,
    params: &[Param],
) -> Result<Vec<(String, Expr)>, String> {
    let mut derived: Vec<(String, Expr)> = Vec::new();
    for (name, raw) in table {
        check_new_name(op, name)?;
        if params.iter().any(|p| &p.name == name) {
            return Err(format!("derived '{name}' has the name of a parameter"));
        }
        let text = raw
            .as_str()
            .ok_or_else(|| {
                format!("derived '{name}' must be an expression string (top-level keys such as `constraints` go above the first [table])")
            })?;
        let expr = Expr::parse(text).map_err(|e| format!("derived '{name}' = '{text}': {e}"))?;
        let known = |v: &str| is_known(op, v, params, &derived);
        if let Some(unknown) = expr.unknown_variable(known) {
            return Err(format!(
                "derived '{name}' = '{text}' names unknown '{unknown}' (a derived value may use parameters, the {op} problem's {}, device limits and the derived values above it)",
                op.variable_names().join(", ")
            ));
        }
        derived.push((name.clone(), expr));
    }
    Ok(derived)
}

fn parse_constraints(
    op: Operation,
    texts: &[String],
    params: &[Param],
    derived: &[(String, Expr)],
) -> Result<Vec<Expr>, String> {
    texts
        .iter()
        .map(|text| {
            let expr = Expr::parse(text).map_err(|e| format!("constraint '{text}': {e}"))?;
            match expr.unknown_variable(|v| is_known(op, v, params, derived)) {
                Some(unknown) => Err(format!("constraint '{text}' names unknown '{unknown}'")),
                None => Ok(expr),
            }
        })
        .collect()
}

fn is_known(op: Operation, name: &str, params: &[Param], derived: &[(String, Expr)]) -> bool {
    is_builtin(op, name)
        || params.iter().any(|p| p.name == name)
        || derived.iter().any(|(d, _)| d == name)
}

fn parse_default(space: &SearchSpace, table: &toml::Table) -> Result<Config, String> {
    let pairs: Vec<(String, String)> = table
        .iter()
        .map(|(k, v)| {
            let text = match v {
                toml::Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            (k.clone(), text)
        })
        .collect();
    space
        .config_from_pairs(&pairs)
        .map_err(|e| format!("[default]: {e}"))
}

impl Domain {
    fn has_duplicates(&self) -> bool {
        let values = self.values();
        let mut sorted = values.clone();
        sorted.sort();
        sorted.dedup();
        sorted.len() != values.len()
    }
}

/// Parses one textual value for a parameter of `domain`.
pub fn parse_value(domain: &Domain, text: &str) -> Option<Value> {
    let value = match domain {
        Domain::Ints(_) => Value::Int(text.parse().ok()?),
        Domain::Bools(_) => Value::Bool(text.parse().ok()?),
        Domain::Choices(_) => Value::Choice(text.to_string()),
    };
    domain.values().contains(&value).then_some(value)
}
