//! Expressions over parameters, shape and device limits (constraints and derived values).

use evalexpr::{
    build_operator_tree, Context, DefaultNumericTypes, EvalexprError, EvalexprResult, Node,
};
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// A parsed expression with the text it came from.
#[derive(Debug, Clone)]
pub struct Expr {
    /// The expression as written in the space file.
    pub text: String,
    node: Node<DefaultNumericTypes>,
}

/// Two expressions are equal when written the same way.
impl PartialEq for Expr {
    fn eq(&self, other: &Self) -> bool {
        self.text == other.text
    }
}

/// The variables an expression is evaluated against, with the evaluator's built-in functions
/// (`if`, `min`, `max`, ...). Enumerating a space evaluates some fifty expressions per point, so
/// names hash with FNV-1a rather than SipHash, and setting a known name reuses its slot.
#[derive(Debug, Clone, Default)]
pub struct Env {
    vars: HashMap<String, evalexpr::Value, BuildHasherDefault<Fnv>>,
}

impl Context for Env {
    type NumericTypes = DefaultNumericTypes;

    fn get_value(&self, identifier: &str) -> Option<&evalexpr::Value> {
        self.vars.get(identifier)
    }

    fn call_function(
        &self,
        identifier: &str,
        _: &evalexpr::Value,
    ) -> EvalexprResult<evalexpr::Value> {
        // Not found here: the evaluator then calls its built-in function of that name.
        Err(EvalexprError::FunctionIdentifierNotFound(
            identifier.to_string(),
        ))
    }

    fn are_builtin_functions_disabled(&self) -> bool {
        false
    }

    fn set_builtin_functions_disabled(&mut self, disabled: bool) -> EvalexprResult<()> {
        match disabled {
            false => Ok(()),
            true => Err(EvalexprError::BuiltinFunctionsCannotBeDisabled),
        }
    }
}

/// FNV-1a (Fowler, Noll, Vo): a fast hash for short keys such as variable names.
struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Self {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
}

impl Hasher for Fnv {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

impl Expr {
    /// Parses `text`; the error is the evaluator's message.
    pub fn parse(text: &str) -> Result<Expr, String> {
        let node = build_operator_tree::<DefaultNumericTypes>(text).map_err(|e| e.to_string())?;
        Ok(Expr {
            text: text.to_string(),
            node,
        })
    }

    /// The first variable the expression reads that `known` does not accept.
    pub fn unknown_variable(&self, known: impl Fn(&str) -> bool) -> Option<String> {
        self.variables().find(|v| !known(v)).map(str::to_string)
    }

    /// The variables it reads.
    pub fn variables(&self) -> impl Iterator<Item = &str> {
        self.node.iter_variable_identifiers()
    }

    /// Evaluates to a value.
    pub fn eval(&self, env: &Env) -> Result<evalexpr::Value, String> {
        self.node.eval_with_context(env).map_err(|e| e.to_string())
    }

    /// Evaluates a constraint; anything but a boolean is an error. Every error names the
    /// expression's text.
    pub fn holds(&self, env: &Env) -> Result<bool, String> {
        match self.eval(env) {
            Ok(evalexpr::Value::Boolean(b)) => Ok(b),
            Ok(other) => Err(format!("'{}' gave {other}, not true/false", self.text)),
            Err(e) => Err(format!("'{}': {e}", self.text)),
        }
    }
}

/// Sets one variable in an environment.
pub fn set(env: &mut Env, name: &str, value: evalexpr::Value) {
    match env.vars.get_mut(name) {
        Some(slot) => *slot = value,
        None => {
            env.vars.insert(name.to_string(), value);
        }
    }
}

/// The value of one variable, if set.
pub fn get<'a>(env: &'a Env, name: &str) -> Option<&'a evalexpr::Value> {
    env.vars.get(name)
}

/// A fresh environment with the evaluator's built-in functions (`if`, `min`, `max`, ...).
pub fn new_env() -> Env {
    Env::default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn evaluates_integer_constraints_and_if() {
        let mut env = new_env();
        set(&mut env, "D", evalexpr::Value::Int(107));
        let pad = Expr::parse("((D + 31) / 32) * 32").unwrap();
        assert_eq!(pad.eval(&env).unwrap(), evalexpr::Value::Int(128));
        let c = Expr::parse("if(D > 64, D <= 128, false)").unwrap();
        assert!(c.holds(&env).unwrap());
    }

    #[test]
    fn names_the_first_unknown_variable() {
        let e = Expr::parse("BLOCK_M * NUM_WARPZ <= 1024").unwrap();
        let unknown = e.unknown_variable(|v| v == "BLOCK_M");
        assert_eq!(unknown.as_deref(), Some("NUM_WARPZ"));
    }

    #[test]
    fn a_non_boolean_constraint_is_an_error() {
        let env = new_env();
        assert!(Expr::parse("1 + 2").unwrap().holds(&env).is_err());
    }
}
