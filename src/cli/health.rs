//! `plumb health FILE... [--config ARGOCD_CM]`: the health of the objects in
//! files, as `argocd admin settings resource-overrides health` assesses them.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Args;
use color_eyre::eyre::{Result, WrapErr, eyre};
use serde::Deserialize;
use serde_json::{Value, json};

use super::OutputFormat;
use super::table::write_table;
use crate::engine::health::{HealthConfig, assess};
use crate::model::{ResourceKey, kind_of};

#[derive(Debug, Args)]
pub struct HealthArgs {
    /// YAML or JSON files holding objects (several documents and `List`s allowed).
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// An argocd-cm ConfigMap file with Lua health overrides (default: the
    /// one plumb's settings name, else none).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Output format (table, json or yaml).
    #[arg(short, long, value_enum, default_value_t)]
    pub output: OutputFormat,
}

pub fn run(args: &HealthArgs, out: &mut dyn Write) -> Result<ExitCode> {
    let config = match &args.config {
        Some(path) => HealthConfig::from_argocd_cm_file(path)?,
        None => super::get::compare_settings()?.health,
    };
    let mut rows = Vec::new();
    for file in &args.files {
        for object in read_objects(file)? {
            let key = ResourceKey::of(&object);
            let health = assess(&object, &config);
            rows.push((file.display().to_string(), key, health));
        }
    }
    match args.output {
        OutputFormat::Json | OutputFormat::Yaml => {
            let list: Vec<Value> = rows
                .iter()
                .map(|(file, key, health)| {
                    json!({
                        "file": file,
                        "group": key.group,
                        "kind": key.kind,
                        "namespace": key.namespace,
                        "name": key.name,
                        "health": health,
                    })
                })
                .collect();
            if args.output == OutputFormat::Json {
                writeln!(out, "{}", serde_json::to_string_pretty(&list)?)?;
            } else {
                write!(out, "{}", serde_yaml::to_string(&list)?)?;
            }
        }
        OutputFormat::Table | OutputFormat::Wide => {
            let table: Vec<Vec<String>> = rows
                .iter()
                .map(|(_, key, health)| {
                    let (status, message) = match health {
                        Some(h) => (h.status.to_string(), h.message.clone()),
                        None => ("-".to_owned(), "no health check for this kind".to_owned()),
                    };
                    let kind = if key.group.is_empty() {
                        key.kind.clone()
                    } else {
                        format!("{}/{}", key.group, key.kind)
                    };
                    vec![
                        kind,
                        key.namespace.clone(),
                        key.name.clone(),
                        status,
                        message,
                    ]
                })
                .collect();
            write_table(
                out,
                &["KIND", "NAMESPACE", "NAME", "STATUS", "MESSAGE"],
                &table,
            )?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Every object of a YAML/JSON file, `List` items expanded.
fn read_objects(path: &Path) -> Result<Vec<Value>> {
    let text = std::fs::read_to_string(path)
        .wrap_err_with(|| format!("cannot read {}", path.display()))?;
    let mut objects = Vec::new();
    for (index, document) in serde_yaml::Deserializer::from_str(&text).enumerate() {
        let value = Value::deserialize(document)
            .map_err(|e| eyre!("{}: document {}: {e}", path.display(), index + 1))?;
        match value {
            Value::Null => {}
            Value::Object(_) if kind_of(&value).ends_with("List") => {
                let items = value.get("items").and_then(Value::as_array).cloned();
                objects.extend(items.unwrap_or_default());
            }
            Value::Object(_) if !kind_of(&value).is_empty() => objects.push(value),
            _ => {
                return Err(eyre!(
                    "{}: document {}: not a Kubernetes object (no kind)",
                    path.display(),
                    index + 1
                ));
            }
        }
    }
    Ok(objects)
}
