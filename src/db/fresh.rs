//! Content hashes of space and template files, and whether a row still describes the files
//! as they are now: a row whose space or template changed since it was recorded is stale (shown
//! as such, never served as a best config).

use super::row::{hex, TuningRow};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::path::Path;

/// sha256 of the file at `path`, in hex.
pub fn file_hash(path: &Path) -> std::io::Result<String> {
    Ok(hex(&Sha256::digest(std::fs::read(path)?)))
}

/// Whether a row matches the current files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Freshness {
    /// Space and template are as they were.
    Fresh,
    /// What changed (or is gone).
    Stale(String),
}

impl Freshness {
    /// Whether the row may be served.
    pub fn is_fresh(&self) -> bool {
        *self == Freshness::Fresh
    }

    /// `fresh`, or `stale: <why>`.
    pub fn label(&self) -> String {
        match self {
            Freshness::Fresh => "fresh".into(),
            Freshness::Stale(why) => format!("stale: {why}"),
        }
    }
}

/// Judges rows against the files, hashing each file once. Relative paths resolve against the
/// current folder, as they did for the run that recorded the row.
#[derive(Debug, Default)]
pub struct FreshnessCheck {
    hashes: HashMap<String, Option<String>>,
}

impl FreshnessCheck {
    /// A check with nothing hashed yet.
    pub fn new() -> Self {
        FreshnessCheck::default()
    }

    /// Whether `row`'s space and template files still have the hashes it recorded.
    pub fn of(&mut self, row: &TuningRow) -> Freshness {
        let checks = [
            ("space", &row.space_path, &row.space_hash),
            ("template", &row.template_path, &row.template_hash),
        ];
        for (what, path, recorded) in checks {
            match self.hash(path) {
                None => return Freshness::Stale(format!("{what} {path} is gone")),
                Some(now) if &now != recorded => {
                    return Freshness::Stale(format!("{what} {path} changed"))
                }
                Some(_) => {}
            }
        }
        Freshness::Fresh
    }

    fn hash(&mut self, path: &str) -> Option<String> {
        self.hashes
            .entry(path.to_string())
            .or_insert_with(|| file_hash(Path::new(path)).ok())
            .clone()
    }
}
