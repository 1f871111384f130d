//! The layers of the configuration and their checks. Each variable and each flag is a
//! provider of its own, named after itself, so that figment remembers for every key
//! which one set it.

use std::path::{Path, PathBuf};

use figment::providers::{Format, Toml};
use figment::value::{Dict, Map, Value};
use figment::{Figment, Metadata, Profile, Provider};

use super::keys::{self, CONFIG_ENV, KEYS, Kind, Secrecy};
use super::{ConfigError, ConfigErrors, Loaded, Settings};

/// A command-line flag that sets a key (`--listen` sets `listen`).
pub struct Flag {
    pub path: &'static str,
    pub name: &'static str,
    pub value: String,
}

/// A provider of a few keys under one name.
struct Layer {
    name: String,
    source: Option<PathBuf>,
    data: Dict,
}

impl Layer {
    fn key(name: impl Into<String>, path: &str, value: Value) -> Layer {
        let data = figment::util::nest(path, value).into_dict().unwrap_or_default();
        Layer { name: name.into(), source: None, data }
    }
}

impl Provider for Layer {
    fn metadata(&self) -> Metadata {
        let m = Metadata::named(self.name.clone());
        match &self.source {
            Some(p) => m.source(p.as_path()),
            None => m,
        }
    }

    fn data(&self) -> Result<Map<Profile, Dict>, figment::Error> {
        Ok(Profile::Default.collect(self.data.clone()))
    }
}

/// Loads the settings: `file` (`--config`, else `NINSHO_CONFIG` from `env`), the
/// `NINSHO_…` entries of `env`, then `flags`. Every problem found is reported, each
/// as one line; nothing is half-loaded.
pub fn load(file: Option<&Path>, env: &[(String, String)], flags: &[Flag]) -> Result<Loaded, ConfigErrors> {
    let mut errors = Vec::new();
    let defaults = Value::serialize(Settings::default()).ok().and_then(|v| v.into_dict()).unwrap_or_default();
    let mut figment = Figment::from(Layer { name: "default".into(), source: None, data: defaults });

    let from_env = env.iter().find(|(k, _)| k == CONFIG_ENV).map(|(_, v)| PathBuf::from(v));
    let (file, named_by) = match (file, from_env) {
        (Some(f), _) => (Some(f.to_path_buf()), "--config"),
        (None, Some(f)) => (Some(f), CONFIG_ENV),
        (None, None) => (None, ""),
    };
    if let Some(path) = file {
        match read_file(&path) {
            Err(e) => errors.push(ConfigError::new(named_by, format!("cannot read {}: {e}", path.display()), None)),
            Ok(dict) => {
                unknown_keys(&dict, "", &format!("file {}", path.display()), &mut errors);
                figment = figment.merge(Layer { name: "file".into(), source: Some(path), data: dict });
            }
        }
    }

    let mut vars: Vec<&(String, String)> = env.iter().filter(|(k, v)| k.starts_with("NINSHO_") && k != CONFIG_ENV && !v.is_empty()).collect();
    vars.sort();
    let mut files = Vec::new();
    for (name, text) in vars {
        if let Some(key) = KEYS.iter().find(|k| k.env == name) {
            match value_of(key.kind, text) {
                Ok(v) => figment = figment.merge(Layer::key(name.clone(), key.path, v)),
                Err(message) => errors.push(ConfigError::new(name.clone(), message, None)),
            }
        } else if let Some(key) = name.strip_suffix("_FILE").and_then(|base| KEYS.iter().find(|k| k.env == base)) {
            if key.secrecy == Secrecy::Public {
                errors.push(ConfigError::new(name.clone(), format!("only secrets are read from files; set {} itself", key.env), None));
            } else {
                files.push((name.clone(), key.path, PathBuf::from(text)));
            }
        } else {
            let known = KEYS.iter().map(|k| k.env.to_string()).chain(KEYS.iter().filter_map(|k| k.file_env()));
            let known: Vec<String> = known.chain([CONFIG_ENV.to_string()]).collect();
            if let Some(near) = keys::did_you_mean(name, known.iter().map(String::as_str)) {
                errors.push(ConfigError::new(name.clone(), format!("not a setting (did you mean {near}?)"), None));
            }
        }
    }
    // Secrets from files override the variables that hold them directly.
    for (name, path, file) in files {
        match std::fs::read_to_string(&file) {
            Ok(text) => {
                let value = text.trim_end_matches(['\n', '\r']).to_string();
                figment = figment.merge(Layer { source: Some(file.clone()), ..Layer::key(name, path, Value::from(value)) });
            }
            Err(e) => errors.push(ConfigError::new(name, format!("cannot read {}: {e}", file.display()), None)),
        }
    }
    for f in flags {
        figment = figment.merge(Layer::key(f.name, f.path, Value::from(f.value.clone())));
    }
    if !errors.is_empty() {
        return Err(ConfigErrors(errors));
    }
    match figment.extract::<Settings>() {
        Ok(settings) => Ok(Loaded { settings, figment }),
        Err(e) => Err(ConfigErrors(
            e.into_iter()
                .map(|e| {
                    let origin = e.metadata.as_ref().map(describe);
                    ConfigError::new(e.path.join("."), e.kind.to_string(), origin)
                })
                .collect(),
        )),
    }
}

/// "file PATH", a variable's name (with its file for `*_FILE`), a flag, "default".
pub(super) fn describe(m: &Metadata) -> String {
    match (m.name.as_ref(), m.source.as_ref().and_then(|s| s.file_path())) {
        ("file", Some(p)) => format!("file {}", p.display()),
        (name, Some(p)) => format!("{name} ({})", p.display()),
        (name, None) => name.to_string(),
    }
}

fn read_file(path: &Path) -> Result<Dict, String> {
    let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
    // A TOML error spans several lines (a snippet of the file); its first says what and where.
    let data = Toml::string(&text).data().map_err(|e| e.to_string().lines().next().unwrap_or("not TOML").to_string())?;
    Ok(data.into_iter().next().map(|(_, d)| d).unwrap_or_default())
}

fn unknown_keys(dict: &Dict, prefix: &str, origin: &str, errors: &mut Vec<ConfigError>) {
    for (k, v) in dict {
        let path = format!("{prefix}{k}");
        if prefix.is_empty() && keys::is_section(k) {
            match v.as_dict() {
                Some(d) => unknown_keys(d, &format!("{k}."), origin, errors),
                None => errors.push(ConfigError::new(path, format!("is a section: write [{k}] and its keys under it"), Some(origin.into()))),
            }
        } else if prefix.is_empty() && v.as_dict().is_some() {
            let sections: Vec<&str> = KEYS.iter().filter_map(|k| k.path.split_once('.').map(|(s, _)| s)).collect();
            let hint = match keys::did_you_mean(k, sections) {
                Some(near) => format!("unknown section (did you mean [{near}]?)"),
                None => "unknown section".into(),
            };
            errors.push(ConfigError::new(path, hint, Some(origin.into())));
        } else if keys::by_path(&path).is_none() {
            let hint = match keys::did_you_mean(&path, KEYS.iter().map(|k| k.path)) {
                Some(near) => format!("unknown setting (did you mean {near}?)"),
                None => "unknown setting".into(),
            };
            errors.push(ConfigError::new(path, hint, Some(origin.into())));
        }
    }
}

/// A variable's text as the value its key takes. Never quotes the text of a secret
/// (secrets are all `Text`, which cannot fail).
fn value_of(kind: Kind, text: &str) -> Result<Value, String> {
    match kind {
        Kind::Text => Ok(Value::from(text.to_string())),
        Kind::Number => text.trim().parse::<i64>().map(Value::from).map_err(|_| format!("expected a whole number, got {text:?}")),
        Kind::Flag => match text.trim().to_ascii_lowercase().as_str() {
            "true" | "1" | "yes" | "on" => Ok(Value::from(true)),
            "false" | "0" | "no" | "off" => Ok(Value::from(false)),
            _ => Err(format!("expected true or false, got {text:?}")),
        },
        Kind::List => Ok(Value::from(text.split(',').map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect::<Vec<_>>())),
    }
}
