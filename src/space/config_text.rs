//! Configurations from text: `K=V,...` naming every parameter, `default`, or `default,K=V,...`
//! (the space's default with some parameters changed).

use super::conditional::is_active;
use super::{file, Config, SearchSpace, Value};
use crate::error::{Error, Input, Result};
use std::collections::HashSet;

impl SearchSpace {
    /// Builds a typed config from `K=V` pairs; every key must be given exactly once.
    pub fn config_from_pairs(&self, pairs: &[(String, String)]) -> Result<Config, String> {
        let mut config = Config::default();
        for (key, text) in pairs {
            let value = self.typed_value(key, text)?;
            if config.get(key).is_some() {
                return Err(format!("parameter '{key}' is given twice"));
            }
            config.set(key, value);
        }
        let missing: Vec<&str> = self
            .params
            .iter()
            .filter(|p| config.get(&p.name).is_none())
            .map(|p| p.name.as_str())
            .collect();
        if !missing.is_empty() {
            return Err(format!("missing parameter(s): {}", missing.join(", ")));
        }
        Ok(config)
    }

    /// The space's default with the parameters of `pairs` changed (each at most once). A
    /// parameter not given that the changes make inactive (its `when` false) takes its pinned
    /// first value, so `default,FAMILY=wgmma` names a valid point's spelling.
    pub fn config_over_default(&self, pairs: &[(String, String)]) -> Result<Config, String> {
        let mut config = self.default.clone();
        let mut given = HashSet::new();
        for (key, text) in pairs {
            let value = self.typed_value(key, text)?;
            if !given.insert(key.as_str()) {
                return Err(format!("parameter '{key}' is given twice"));
            }
            config.set(key, value);
        }
        for p in &self.params {
            if !given.contains(p.name.as_str()) && !is_active(p, &config) {
                config.set(&p.name, p.domain.value(0));
            }
        }
        Ok(config)
    }

    /// Parses `--config` text: `K=V,...` naming every parameter, `default`, or
    /// `default,K=V,...` (the default with those parameters changed).
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
