//! Configurations as text and from text: `K=V,...` naming every parameter that applies to the
//! point (an inactive one may be left out), `default`, or `default,K=V,...` (the space's default
//! with some parameters changed).

use super::conditional::{activity, is_active};
use super::{file, Config, Param, SearchSpace, Value};
use crate::error::{Error, Input, Result};
use std::collections::HashSet;

impl SearchSpace {
    /// Builds a typed config from `K=V` pairs, each key at most once. A parameter left out that
    /// is inactive under the values given (its `when` false) takes its pinned first value; an
    /// active one left out is an error naming it.
    pub fn config_from_pairs(&self, pairs: &[(String, String)]) -> Result<Config, String> {
        let mut config = Config::default();
        let given = self.set_pairs(&mut config, pairs)?;
        let left_out = self.pin_left_out(&mut config, &given);
        if !left_out.active.is_empty() {
            let mut text = format!("missing parameter(s): {}", left_out.active.join(", "));
            if !left_out.undecided.is_empty() {
                let also = left_out.undecided.join(", ");
                text.push_str(&format!(" ({also} as well, where those make it apply)"));
            }
            return Err(text);
        }
        Ok(config)
    }

    /// The space's default with the parameters of `pairs` changed (each at most once). A
    /// parameter not given that the changes make inactive (its `when` false) takes its pinned
    /// first value, so `default,FAMILY=wgmma` names a valid point's spelling.
    pub fn config_over_default(&self, pairs: &[(String, String)]) -> Result<Config, String> {
        let mut config = self.default.clone();
        let given = self.set_pairs(&mut config, pairs)?;
        self.pin_left_out(&mut config, &given);
        Ok(config)
    }

    /// `config` as `K=V,...` in name order (as [`Config`]'s Display) without the parameters that
    /// do not apply to it: those inactive there (their `when` false) that hold their pinned first
    /// value. [`SearchSpace::parse_config`] reads the text back to `config`. `None` when `config`
    /// does not set exactly this space's parameters (a point of another version of the space).
    pub fn active_text(&self, config: &Config) -> Option<String> {
        let same_names = config.0.len() == self.params.len()
            && self.params.iter().all(|p| config.get(&p.name).is_some());
        if !same_names {
            return None;
        }
        let parts: Vec<String> = config
            .0
            .iter()
            .filter(|(name, _)| self.param(name).is_some_and(|p| !is_pinned_at(p, config)))
            .map(|(name, value)| format!("{name}={value}"))
            .collect();
        Some(parts.join(","))
    }

    /// Parses `--config` text: `K=V,...` naming every parameter (one inactive under the values
    /// given may be left out: it takes its pinned first value), `default`, or `default,K=V,...`
    /// (the default with those parameters changed).
    pub fn parse_config(&self, text: &str) -> Result<Config> {
        let text = text.trim();
        if text == "default" {
            return Ok(self.default.clone());
        }
        let (over_default, rest) = match text.strip_prefix("default,") {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        let pairs = Config::split_pairs(rest).map_err(|e| Error::input(Input::Config, e))?;
        let config = if over_default {
            self.config_over_default(&pairs)
        } else {
            self.config_from_pairs(&pairs).map_err(|e| {
                format!("{e}; or start with `default,` to take the default for the rest")
            })
        };
        config.map_err(|e| {
            Error::input(
                Input::Config,
                format!("{e} (space {})", self.path.display()),
            )
        })
    }

    /// Sets the typed value of each pair on `config`; returns the names given (each at most
    /// once).
    fn set_pairs<'a>(
        &self,
        config: &mut Config,
        pairs: &'a [(String, String)],
    ) -> Result<HashSet<&'a str>, String> {
        let mut given = HashSet::new();
        for (key, text) in pairs {
            let value = self.typed_value(key, text)?;
            if !given.insert(key.as_str()) {
                return Err(format!("parameter '{key}' is given twice"));
            }
            config.set(key, value);
        }
        Ok(given)
    }

    /// Pins each parameter not `given` that is inactive in `config` to its first value, walking
    /// the parameters in file order (a `when` reads only parameters above it, so each is read
    /// after it is settled). Returns those not given that are active, and apart those whose
    /// `when` reads one of them (undecided until it is given).
    fn pin_left_out(&self, config: &mut Config, given: &HashSet<&str>) -> LeftOut<'_> {
        let mut left_out = LeftOut::default();
        for p in self
            .params
            .iter()
            .filter(|p| !given.contains(p.name.as_str()))
        {
            match activity(p, config) {
                Some(false) => config.set(&p.name, p.domain.value(0)),
                Some(true) => left_out.active.push(&p.name),
                None => left_out.undecided.push(&p.name),
            }
        }
        left_out
    }

    /// The value `text` names for parameter `key`, checked against its domain.
    fn typed_value(&self, key: &str, text: &str) -> Result<Value, String> {
        let param = self
            .param(key)
            .ok_or_else(|| format!("unknown parameter '{key}' (known: {})", self.param_names()))?;
        file::parse_value(&param.domain, text).ok_or_else(|| {
            let allowed: Vec<String> = param.domain.values().iter().map(Value::to_string).collect();
            format!("{key}={text} is not one of [{}]", allowed.join(", "))
        })
    }
}

/// The parameters a config text left out that are not inactive: `active` ones (an error), and
/// `undecided` ones, whose `when` reads a parameter left out.
#[derive(Default)]
struct LeftOut<'a> {
    active: Vec<&'a str>,
    undecided: Vec<&'a str>,
}

/// Whether parameter `p` is inactive in `config` and holds its pinned first value there.
fn is_pinned_at(p: &Param, config: &Config) -> bool {
    !is_active(p, config) && config.get(&p.name) == Some(&p.domain.value(0))
}
