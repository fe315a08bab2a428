//! Finds the line of a field path (`spec.sources[1].helm`) in a YAML document
//! by its indentation, so diagnostics can point at the right line. Best effort:
//! when a segment cannot be found, the line of the deepest found parent wins.

/// One field path segment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Segment {
    Key(String),
    Index(usize),
}

/// Splits `spec.syncWindows[0].kind` into keys and indices.
pub fn split_path(path: &str) -> Vec<Segment> {
    let mut segments = Vec::new();
    for part in path.split('.').filter(|p| !p.is_empty()) {
        let (key, mut indices) = match part.find('[') {
            Some(i) => (&part[..i], &part[i..]),
            None => (part, ""),
        };
        if !key.is_empty() {
            segments.push(Segment::Key(key.to_owned()));
        }
        while let Some(rest) = indices.strip_prefix('[') {
            let Some(end) = rest.find(']') else { break };
            if let Ok(i) = rest[..end].parse() {
                segments.push(Segment::Index(i));
            }
            indices = &rest[end + 1..];
        }
    }
    segments
}

#[derive(Debug)]
struct Entry<'a> {
    line: usize,
    indent: usize,
    /// `None` for a `- ` sequence item marker.
    text: Option<&'a str>,
}

fn entries(text: &str, first_line: usize) -> Vec<Entry<'_>> {
    let mut out = Vec::new();
    for (n, raw) in text.lines().enumerate() {
        let trimmed = raw.trim_start_matches(' ');
        if trimmed.is_empty() || trimmed.starts_with('#') || trimmed.starts_with("---") {
            continue;
        }
        let mut indent = raw.len() - trimmed.len();
        let mut rest = trimmed;
        while let Some(after) = rest
            .strip_prefix('-')
            .filter(|a| a.is_empty() || a.starts_with(' '))
        {
            out.push(Entry {
                line: first_line + n,
                indent,
                text: None,
            });
            let content = after.trim_start_matches(' ');
            indent += 1 + after.len() - content.len();
            rest = content;
        }
        if !rest.is_empty() {
            out.push(Entry {
                line: first_line + n,
                indent,
                text: Some(rest),
            });
        }
    }
    out
}

fn is_key(text: &str, key: &str) -> bool {
    [key.to_owned(), format!("\"{key}\""), format!("'{key}'")]
        .iter()
        .any(|k| {
            text.strip_prefix(k.as_str())
                .and_then(|r| r.strip_prefix(':'))
                .is_some_and(|r| r.is_empty() || r.starts_with(' '))
        })
}

/// The line (absolute, counting from `first_line`) of `path` in `text`.
pub fn locate(text: &str, first_line: usize, path: &str) -> Option<usize> {
    let all = entries(text, first_line);
    let mut scope = &all[..];
    let mut found = None;
    for segment in split_path(path) {
        let Some(base) = scope.first().map(|e| e.indent) else {
            break;
        };
        let hit = match &segment {
            Segment::Key(key) => scope
                .iter()
                .position(|e| e.indent == base && e.text.is_some_and(|t| is_key(t, key))),
            Segment::Index(i) => scope
                .iter()
                .enumerate()
                .filter(|(_, e)| e.indent == base && e.text.is_none())
                .nth(*i)
                .map(|(pos, _)| pos),
        };
        let Some(pos) = hit else { break };
        found = Some(scope[pos].line);
        let own = &scope[pos];
        let end = scope[pos + 1..]
            .iter()
            .position(|e| match segment {
                Segment::Key(_) => {
                    e.indent < own.indent || (e.indent == own.indent && e.text.is_some())
                }
                Segment::Index(_) => e.indent <= own.indent,
            })
            .map_or(scope.len(), |p| pos + 1 + p);
        scope = &scope[pos + 1..end];
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = "\
apiVersion: v1
metadata:
  name: x
spec:
  syncPolicy:
    syncOptions:
    - A=1
    - B=2
  sources:
    - repoURL: a
      path: one
    - repoURL: b
      helm:
        valueFiles: [v.yaml]
  destination: {}
";

    #[test]
    fn finds_keys_and_indices() {
        assert_eq!(locate(DOC, 1, "spec"), Some(4));
        assert_eq!(locate(DOC, 1, "spec.syncPolicy.syncOptions[1]"), Some(8));
        assert_eq!(locate(DOC, 1, "spec.sources[1].helm.valueFiles"), Some(14));
        assert_eq!(locate(DOC, 1, "spec.sources[0].path"), Some(11));
        assert_eq!(locate(DOC, 1, "spec.destination"), Some(15));
        assert_eq!(locate(DOC, 10, "metadata.name"), Some(12));
    }

    #[test]
    fn falls_back_to_deepest_parent() {
        assert_eq!(locate(DOC, 1, "spec.sources[1].chart"), Some(12));
        assert_eq!(locate(DOC, 1, "status"), None);
    }
}
