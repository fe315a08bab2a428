//! Path globs as the git generators use them: Go `path.Match` (`*` and `?`
//! never cross `/`, `[...]` classes, `\` escapes) and, for files, `**` as a
//! whole segment matching any number of directories.

/// Go `path.Match` semantics on a whole path.
pub fn path_match(pattern: &str, path: &str) -> bool {
    let pattern: Vec<char> = pattern.chars().collect();
    let path: Vec<char> = path.chars().collect();
    match_chars(&pattern, &path)
}

/// File globbing: like `path_match`, plus a `**` segment matching zero or
/// more whole directories.
pub fn file_match(pattern: &str, path: &str) -> bool {
    let pattern: Vec<&str> = pattern.split('/').collect();
    let path: Vec<&str> = path.split('/').collect();
    match_segments(&pattern, &path)
}

fn match_segments(pattern: &[&str], path: &[&str]) -> bool {
    match pattern.split_first() {
        None => path.is_empty(),
        Some((&"**", rest)) => (0..=path.len()).any(|skip| match_segments(rest, &path[skip..])),
        Some((segment, rest)) => match path.split_first() {
            Some((name, path_rest)) => path_match(segment, name) && match_segments(rest, path_rest),
            None => false,
        },
    }
}

fn match_chars(pattern: &[char], name: &[char]) -> bool {
    match pattern.split_first() {
        None => name.is_empty(),
        Some(('*', rest)) => {
            // `*` takes any run of characters other than `/`.
            let mut taken = 0;
            loop {
                if match_chars(rest, &name[taken..]) {
                    return true;
                }
                if taken == name.len() || name[taken] == '/' {
                    return false;
                }
                taken += 1;
            }
        }
        Some(('?', rest)) => {
            matches!(name.first(), Some(c) if *c != '/') && match_chars(rest, &name[1..])
        }
        Some(('[', rest)) => match (name.first(), class_end(rest)) {
            (Some(c), Some(end)) if *c != '/' => {
                class_matches(&rest[..end], *c) && match_chars(&rest[end + 1..], &name[1..])
            }
            _ => false,
        },
        Some(('\\', rest)) => match (rest.split_first(), name.first()) {
            (Some((literal, rest)), Some(c)) => literal == c && match_chars(rest, &name[1..]),
            _ => false,
        },
        Some((literal, rest)) => name.first() == Some(literal) && match_chars(rest, &name[1..]),
    }
}

/// Index of the `]` closing a class that starts right after `[`.
fn class_end(rest: &[char]) -> Option<usize> {
    let start = usize::from(rest.first() == Some(&'^'));
    rest.iter()
        .enumerate()
        .skip(start + 1)
        .find(|(_, c)| **c == ']')
        .map(|(i, _)| i)
}

fn class_matches(class: &[char], c: char) -> bool {
    let (negated, class) = match class.split_first() {
        Some(('^', rest)) => (true, rest),
        _ => (false, class),
    };
    let mut found = false;
    let mut i = 0;
    while i < class.len() {
        if i + 2 < class.len() && class[i + 1] == '-' {
            found |= class[i] <= c && c <= class[i + 2];
            i += 3;
        } else {
            found |= class[i] == c;
            i += 1;
        }
    }
    found != negated
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn star_does_not_cross_slash() {
        assert!(path_match("apps/*", "apps/web"));
        assert!(!path_match("apps/*", "apps/web/base"));
        assert!(path_match(
            "apps/*/overlays/production",
            "apps/web/overlays/production"
        ));
        assert!(path_match("apps/legacy-*", "apps/legacy-billing"));
        assert!(path_match("a/[a-c]?", "a/bx"));
        assert!(!path_match("a/[^a-c]?", "a/bx"));
    }

    #[test]
    fn double_star_spans_directories_for_files() {
        assert!(file_match(
            "cluster-config/**/config.json",
            "cluster-config/config.json"
        ));
        assert!(file_match(
            "cluster-config/**/config.json",
            "cluster-config/a/b/config.json"
        ));
        assert!(!file_match(
            "cluster-config/*/config.json",
            "cluster-config/a/b/config.json"
        ));
    }
}
