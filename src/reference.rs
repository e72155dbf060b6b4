//! placeholder until the reference module lands
/// Error figures.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ErrorFigures {
    /// max abs
    pub max_abs: f64,
}
