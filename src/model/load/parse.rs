//! Splitting a file into documents, flattening `List` kinds, and decoding the
//! Argo CD kinds into their typed structs with unknown-field and type-error
//! diagnostics.

use serde::de::DeserializeOwned;
use serde_json::Value;

use super::diagnostic::Diagnostic;
use super::{hints, locate, validate};
use crate::model::{AppProject, Application, ApplicationSet, Object, kind_of, split_api_version};

/// One document of a manifest file.
#[allow(
    clippy::large_enum_variant,
    reason = "a few manifests per file; unboxed variants keep matching simple"
)]
#[derive(Debug, Clone, PartialEq)]
pub enum Manifest {
    Application(Application),
    AppProject(AppProject),
    ApplicationSet(ApplicationSet),
    /// Any other kind, kept as plain data.
    Other(Object),
}

impl Manifest {
    pub fn kind(&self) -> &str {
        match self {
            Manifest::Application(_) => "Application",
            Manifest::AppProject(_) => "AppProject",
            Manifest::ApplicationSet(_) => "ApplicationSet",
            Manifest::Other(obj) => kind_of(obj),
        }
    }

    pub fn name(&self) -> &str {
        match self {
            Manifest::Application(app) => &app.metadata.name,
            Manifest::AppProject(project) => &project.metadata.name,
            Manifest::ApplicationSet(appset) => &appset.metadata.name,
            Manifest::Other(obj) => crate::model::name_of(obj),
        }
    }
}

#[derive(Clone)]
/// Where a document sits, for locating fields and naming the object in diagnostics.
pub(super) struct DocContext<'a> {
    pub file: &'a str,
    /// The document's text, when it came from a file (rendered objects have none).
    pub text: Option<&'a str>,
    pub first_line: usize,
    pub doc_line: Option<usize>,
    /// Where the object sits in its document: `items[2].` inside a List.
    pub path_prefix: String,
    pub object: Option<String>,
}

impl DocContext<'_> {
    fn line_of(&self, field: &str) -> Option<usize> {
        self.text
            .and_then(|text| {
                let path = format!("{}{field}", self.path_prefix);
                locate::locate(text, self.first_line, &path)
            })
            .or(self.doc_line)
    }

    pub fn error(&self, field: &str, message: impl Into<String>) -> Diagnostic {
        Diagnostic::error(self.file, message)
            .at_line(self.line_of(field))
            .for_object(self.object.clone())
            .at_field(field)
    }

    pub fn warning(&self, field: &str, message: impl Into<String>) -> Diagnostic {
        Diagnostic::warning(self.file, message)
            .at_line(self.line_of(field))
            .for_object(self.object.clone())
            .at_field(field)
    }
}

/// Parses every document of a YAML or JSON file. Each manifest comes with the
/// line its document starts on; broken documents become diagnostics and the
/// others still load.
pub fn parse_documents(file: &str, text: &str) -> (Vec<(Manifest, usize)>, Vec<Diagnostic>) {
    let mut manifests = Vec::new();
    let mut diagnostics = Vec::new();
    let is_json = file.ends_with(".json");
    let chunks = if is_json {
        vec![(1, text)]
    } else {
        split_documents(text)
    };
    for (first_line, chunk) in chunks {
        let Some(doc_line) = content_start(chunk, first_line) else {
            continue;
        };
        let value = if is_json {
            serde_json::from_str::<Value>(chunk).map_err(|e| {
                Diagnostic::error(file, format!("invalid JSON: {e}")).at_line(Some(e.line()))
            })
        } else {
            serde_yaml::from_str::<Value>(chunk).map_err(|e| {
                let line = e
                    .location()
                    .map(|l| first_line + l.line().saturating_sub(1));
                let message = shift_line_numbers(&e.to_string(), first_line - 1);
                Diagnostic::error(file, format!("invalid YAML: {message}"))
                    .at_line(line.or(Some(doc_line)))
            })
        };
        let value = match value {
            Ok(Value::Null) => continue,
            Ok(value) => value,
            Err(diagnostic) => {
                diagnostics.push(diagnostic);
                continue;
            }
        };
        let ctx = DocContext {
            file,
            text: Some(chunk),
            first_line,
            doc_line: Some(doc_line),
            path_prefix: String::new(),
            object: None,
        };
        for (item, ctx) in flatten_lists(value, ctx) {
            let (manifest, found) = classify(item, &ctx);
            diagnostics.extend(found);
            if let Some(manifest) = manifest {
                manifests.push((manifest, ctx.doc_line.unwrap_or(doc_line)));
            }
        }
    }
    (manifests, diagnostics)
}

/// Decodes one object (e.g. from rendered output) into a manifest, with
/// diagnostics against `file` (no line numbers: there is no text).
pub fn manifest_from_object(file: &str, object: Object) -> (Option<Manifest>, Vec<Diagnostic>) {
    let ctx = DocContext {
        file,
        text: None,
        first_line: 1,
        doc_line: None,
        path_prefix: String::new(),
        object: None,
    };
    classify(object, &ctx)
}

/// Splits YAML text at `---` lines: (1-based line of the chunk's first line, chunk).
fn split_documents(text: &str) -> Vec<(usize, &str)> {
    let mut chunks = Vec::new();
    let mut start = 0;
    let mut start_line = 1;
    let mut offset = 0;
    for (n, line) in text.split_inclusive('\n').enumerate() {
        let bare = line.trim_end();
        if bare == "---" || bare.starts_with("--- ") || bare == "..." {
            chunks.push((start_line, &text[start..offset]));
            start = offset + line.len();
            start_line = n + 2;
        }
        offset += line.len();
    }
    chunks.push((start_line, &text[start..]));
    chunks
}

/// Rewrites the document-relative `line N` positions in a YAML error
/// message into file lines.
fn shift_line_numbers(message: &str, offset: usize) -> String {
    let mut out = String::with_capacity(message.len());
    let mut rest = message;
    while let Some(pos) = rest.find("line ") {
        let (before, after) = rest.split_at(pos + "line ".len());
        out.push_str(before);
        let digits = after
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(after.len());
        match after[..digits].parse::<usize>() {
            Ok(n) => out.push_str(&(n + offset).to_string()),
            Err(_) => out.push_str(&after[..digits]),
        }
        rest = &after[digits..];
    }
    out.push_str(rest);
    out
}

/// The first line holding content (not blank, not a comment), if any.
fn content_start(chunk: &str, first_line: usize) -> Option<usize> {
    chunk
        .lines()
        .position(|l| {
            let t = l.trim();
            !t.is_empty() && !t.starts_with('#')
        })
        .map(|n| first_line + n)
}

/// `kind: List` (and `*List` kinds) become their items, each with its own
/// line and field path prefix.
fn flatten_lists<'a>(value: Value, ctx: DocContext<'a>) -> Vec<(Value, DocContext<'a>)> {
    let is_list =
        kind_of(&value).ends_with("List") && value.get("items").is_some_and(Value::is_array);
    let Some(Value::Array(items)) = value.get("items").filter(|_| is_list).cloned() else {
        return vec![(value, ctx)];
    };
    items
        .into_iter()
        .enumerate()
        .flat_map(|(i, item)| {
            let item_path = format!("items[{i}]");
            let inner = DocContext {
                doc_line: ctx.line_of(&item_path).or(ctx.doc_line),
                path_prefix: format!("{}{item_path}.", ctx.path_prefix),
                ..ctx.clone()
            };
            flatten_lists(item, inner)
        })
        .collect()
}

fn classify(value: Value, ctx: &DocContext<'_>) -> (Option<Manifest>, Vec<Diagnostic>) {
    if !value.is_object() {
        return (
            None,
            vec![ctx.error("", "document is not an object; ignored")],
        );
    }
    let kind = kind_of(&value).to_owned();
    let (group, version) = split_api_version(crate::model::api_version_of(&value));
    let argo_kind = group == "argoproj.io"
        && matches!(
            kind.as_str(),
            "Application" | "AppProject" | "ApplicationSet"
        );
    if !argo_kind {
        return (Some(Manifest::Other(value)), Vec::new());
    }
    let name = value
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .filter(|n| !n.is_empty())
        .unwrap_or("<unnamed>");
    let ctx = DocContext {
        object: Some(format!("{kind} {name}")),
        ..ctx.clone()
    };
    if version != "v1alpha1" {
        let message =
            format!("unsupported apiVersion argoproj.io/{version} (expected argoproj.io/v1alpha1)");
        return (None, vec![ctx.error("apiVersion", message)]);
    }
    let mut diagnostics = Vec::new();
    let manifest = match kind.as_str() {
        "Application" => decode::<Application>(&value, &kind, &ctx, &mut diagnostics).map(|app| {
            diagnostics.extend(validate::application(&app, &ctx));
            Manifest::Application(app)
        }),
        "AppProject" => {
            decode::<AppProject>(&value, &kind, &ctx, &mut diagnostics).map(|project| {
                diagnostics.extend(validate::project(&project, &ctx));
                Manifest::AppProject(project)
            })
        }
        _ => decode::<ApplicationSet>(&value, &kind, &ctx, &mut diagnostics).map(|appset| {
            diagnostics.extend(validate::metadata(&appset.metadata, &kind, &ctx));
            Manifest::ApplicationSet(appset)
        }),
    };
    (manifest, diagnostics)
}

/// Typed decoding: unknown fields become Warnings (with a hint when one
/// exists), a type error becomes an Error naming the field path.
fn decode<T: DeserializeOwned>(
    value: &Value,
    kind: &str,
    ctx: &DocContext<'_>,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<T> {
    let value = &without_nulls(value);
    let mut unknown = Vec::new();
    let mut track = serde_path_to_error::Track::new();
    let tracked = serde_path_to_error::Deserializer::new(value, &mut track);
    let result: Result<T, _> =
        serde_ignored::deserialize(tracked, |path| unknown.push(ignored_path(&path)));
    match result {
        Ok(typed) => {
            for path in unknown {
                let message = match hints::did_you_mean(kind, &path) {
                    Some(hint) => format!("unknown field; did you mean {hint}?"),
                    None => "unknown field".to_owned(),
                };
                diagnostics.push(ctx.warning(&path, message));
            }
            Some(typed)
        }
        Err(error) => {
            let path = track.path().to_string();
            let field = if path == "." { "" } else { path.as_str() };
            diagnostics.push(ctx.error(field, error.to_string()));
            None
        }
    }
}

/// A copy without null-valued keys: like Go's JSON decoding, Argo CD treats
/// `finalizers:` with no value as unset, which a Rust `Vec` would reject.
fn without_nulls(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k.clone(), without_nulls(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(without_nulls).collect()),
        other => other.clone(),
    }
}

/// `spec.sources[1].helm`, in the same form as serde_path_to_error paths.
fn ignored_path(path: &serde_ignored::Path<'_>) -> String {
    use serde_ignored::Path;
    match path {
        Path::Root => String::new(),
        Path::Seq { parent, index } => format!("{}[{index}]", ignored_path(parent)),
        Path::Map { parent, key } => {
            let parent = ignored_path(parent);
            if parent.is_empty() {
                key.clone()
            } else {
                format!("{parent}.{key}")
            }
        }
        Path::Some { parent }
        | Path::NewtypeStruct { parent }
        | Path::NewtypeVariant { parent } => ignored_path(parent),
    }
}
