//! Statistics of timing samples: summaries, outliers, bootstrap intervals, an order-statistic
//! bound of the median, prediction intervals, effect sizes and tests.
//!
//! Pure functions without I/O. Samples are plain `&[f64]` (kernel times in µs) and are expected
//! to be finite. An empty sample is data, not a mistake: scalar statistics return NaN and
//! structured ones `None` (or NaN fields). A parameter out of its range (a percentile above
//! 100, a confidence of 1) is the caller's mistake and panics.

mod bootstrap;
mod effect;
mod mann_whitney;
mod normal;
mod order;
mod outliers;
mod prediction;
mod summary;

pub use bootstrap::{median_ci, ratio_of_medians_ci, Interval};
pub use effect::{cliffs_delta, hedges_g};
pub use mann_whitney::{
    mann_whitney_u, mann_whitney_u_asymptotic, MannWhitney, PValueMethod, EXACT_MAX_SMALLER_N,
};
pub use normal::{erfc, normal_cdf};
pub use order::median_lower_bound;
pub use outliers::{modified_z_scores, outlier_indices, MODIFIED_Z_THRESHOLD};
pub use prediction::{t_975, Prediction};
pub use summary::{mean, median, percentile, std_dev, Summary};
