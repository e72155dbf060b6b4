//! Campaign files (`evotune sweep --campaign FILE`): the problems of a sweep, each with its own
//! budget and `--set` overrides, in TOML.

use super::grid::renamed;
use crate::error::{Error, Result};
use crate::shape::Shape;
use serde::Deserialize;
use std::path::Path;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCampaign {
    budget: Option<usize>,
    #[serde(default)]
    set: Vec<String>,
    #[serde(default, rename = "problem")]
    problems: Vec<RawProblem>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawProblem {
    shape: String,
    budget: Option<usize>,
    #[serde(default)]
    set: Vec<String>,
}

/// One problem of a campaign.
#[derive(Debug, Clone, PartialEq)]
pub struct CampaignProblem {
    /// Its shape.
    pub shape: Shape,
    /// Its own budget, when it sets one.
    pub budget: Option<usize>,
    /// Its own overrides, laid over the campaign's.
    pub set: Vec<String>,
}

/// A campaign file, read and checked (shapes parsed, each listed once).
#[derive(Debug, Clone, PartialEq)]
pub struct Campaign {
    /// The budget of problems that set none.
    pub budget: Option<usize>,
    /// Overrides of every problem, laid over `--set`.
    pub set: Vec<String>,
    /// The problems, in file order.
    pub problems: Vec<CampaignProblem>,
}

/// Reads the campaign at `path`; errors name `--campaign` and the file.
pub fn load(path: &Path) -> Result<Campaign> {
    let fail = |m: String| Error::flag("--campaign", format!("{}: {m}", path.display()));
    let text = std::fs::read_to_string(path).map_err(|e| fail(format!("cannot read it: {e}")))?;
    parse(&text).map_err(fail)
}

/// Parses campaign `text`; the message says which problem is wrong.
pub fn parse(text: &str) -> std::result::Result<Campaign, String> {
    let raw: RawCampaign = toml::from_str(text).map_err(|e| e.to_string())?;
    if raw.problems.is_empty() {
        return Err("lists no [[problem]] (each needs shape = \"B,H,S,D\")".into());
    }
    let mut problems: Vec<CampaignProblem> = Vec::new();
    for (i, p) in raw.problems.into_iter().enumerate() {
        let at = |m: String| format!("problem {} ({}): {m}", i + 1, p.shape);
        let shape = Shape::parse(&p.shape).map_err(|e| at(renamed(e, "shape").to_string()))?;
        if p.budget == Some(0) {
            return Err(at("budget must be at least 1".into()));
        }
        if problems.iter().any(|q| q.shape == shape) {
            return Err(at("this shape is listed twice".into()));
        }
        problems.push(CampaignProblem {
            shape,
            budget: p.budget,
            set: p.set,
        });
    }
    if raw.budget == Some(0) {
        return Err("budget must be at least 1".into());
    }
    Ok(Campaign {
        budget: raw.budget,
        set: raw.set,
        problems,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const CAMPAIGN: &str = r#"
budget = 64
set = ["FAMILY=wgmma"]

[[problem]]
shape = "2,8,512,64"
budget = 128
set = ["BLOCK_N=128,192"]

[[problem]]
shape = "4,32,2048,128"
"#;

    #[test]
    fn a_campaign_gives_each_problem_its_budget_and_overrides() {
        let c = parse(CAMPAIGN).unwrap();
        assert_eq!(c.budget, Some(64));
        assert_eq!(c.set, vec!["FAMILY=wgmma"]);
        assert_eq!(c.problems.len(), 2);
        assert_eq!(c.problems[0].shape.to_string(), "2,8,512,64");
        assert_eq!(c.problems[0].budget, Some(128));
        assert_eq!(c.problems[0].set, vec!["BLOCK_N=128,192"]);
        assert_eq!(c.problems[1].budget, None);
    }

    #[test]
    fn a_bad_campaign_says_which_problem_is_wrong() {
        let err = |t: &str| parse(t).unwrap_err();
        assert!(err("budget = 3").contains("lists no [[problem]]"));
        assert!(err("[[problem]]\nshape = \"2,8,512\"")
            .starts_with("problem 1 (2,8,512): shape expects B,H,S,D as four positive integers"));
        let twice = "[[problem]]\nshape = \"1,1,64,64\"\n[[problem]]\nshape = \"1,1,64,64\"";
        assert!(err(twice).contains("problem 2 (1,1,64,64): this shape is listed twice"));
        assert!(err("[[problem]]\nshape = \"1,1,64,64\"\nbudget = 0").contains("budget must be"));
        assert!(err("[[problem]]\nshape = \"1,1,64,64\"\nbudgte = 3").contains("unknown field"));
    }
}
