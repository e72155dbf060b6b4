//! What the core knows of an operation's problem: its variables as the space's expressions and
//! the templates name them, the work and the traffic one run must do, and the tolerance its
//! outputs are checked at unless the user sets one.

use super::registry::Operands;
use crate::reference::Tolerance;

/// A problem variable's value: a size, or a switch (SDPA's causal mask).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Var {
    /// A size (a dimension, a count of heads).
    Int(usize),
    /// A switch.
    Bool(bool),
}

/// One operation's problem (SDPA's is [`crate::shape::Shape`]).
pub trait Problem: Sync {
    /// The names of its variables, in the order [`Problem::variables`] gives them: a space may
    /// read them without declaring them.
    const VARIABLE_NAMES: &'static [&'static str];

    /// The bound an output is checked at against the reference unless the user sets one.
    const DEFAULT_TOLERANCE: Tolerance;

    /// Its variables with their values, named as [`Problem::VARIABLE_NAMES`] names them.
    fn variables(&self) -> Vec<(&'static str, Var)>;

    /// Floating-point operations of one run, as TFLOP/s count them.
    fn flops(&self) -> f64;

    /// Bytes any kernel must move at least once: its inputs read and its outputs written at the
    /// element sizes of `operands`.
    fn compulsory_bytes(&self, operands: Operands) -> f64;
}
