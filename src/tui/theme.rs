//! Semantic roles → styles. The default palette is Okabe–Ito (safe for the
//! common colour-vision deficiencies: good is blue, bad is vermillion/orange,
//! never red against green); `NO_COLOR` gives a monochrome theme that
//! relies on bold / reverse / underline. `<config_dir>/theme.toml` overrides
//! single roles: `out_of_sync = "#d55e00"` or `"yellow"`.

use std::path::Path;
use std::str::FromStr;

use ratatui::style::{Color, Modifier, Style};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    Title,
    Header,
    Selected,
    Muted,
    Good,
    Bad,
    Warn,
    Busy,
    Added,
    Removed,
    HunkHeader,
    Blame,
    Key,
    Match,
}

const ROLE_NAMES: &[(Role, &str)] = &[
    (Role::Title, "title"),
    (Role::Header, "header"),
    (Role::Selected, "selected"),
    (Role::Muted, "muted"),
    (Role::Good, "good"),
    (Role::Bad, "bad"),
    (Role::Warn, "warn"),
    (Role::Busy, "busy"),
    (Role::Added, "added"),
    (Role::Removed, "removed"),
    (Role::HunkHeader, "hunk_header"),
    (Role::Blame, "blame"),
    (Role::Key, "key"),
    (Role::Match, "match"),
];

const BLUE: Color = Color::Rgb(0, 114, 178);
const SKY: Color = Color::Rgb(86, 180, 233);
const ORANGE: Color = Color::Rgb(230, 159, 0);
const VERMILLION: Color = Color::Rgb(213, 94, 0);
const PURPLE: Color = Color::Rgb(204, 121, 167);
const YELLOW: Color = Color::Rgb(240, 228, 66);

#[derive(Debug, Clone)]
pub struct Theme {
    styles: Vec<(Role, Style)>,
    pub warnings: Vec<String>,
}

impl Theme {
    pub fn colour_blind_safe() -> Theme {
        let bold = Modifier::BOLD;
        let styles = vec![
            (Role::Title, Style::new().fg(SKY).add_modifier(bold)),
            (Role::Header, Style::new().add_modifier(bold)),
            (
                Role::Selected,
                Style::new().add_modifier(Modifier::REVERSED),
            ),
            (Role::Muted, Style::new().fg(Color::DarkGray)),
            (Role::Good, Style::new().fg(BLUE)),
            (Role::Bad, Style::new().fg(VERMILLION).add_modifier(bold)),
            (Role::Warn, Style::new().fg(ORANGE)),
            (Role::Busy, Style::new().fg(PURPLE)),
            (Role::Added, Style::new().fg(SKY)),
            (Role::Removed, Style::new().fg(VERMILLION)),
            (Role::HunkHeader, Style::new().fg(PURPLE)),
            (
                Role::Blame,
                Style::new().fg(ORANGE).add_modifier(Modifier::ITALIC),
            ),
            (Role::Key, Style::new().fg(SKY).add_modifier(bold)),
            (Role::Match, Style::new().fg(Color::Black).bg(YELLOW)),
        ];
        Theme {
            styles,
            warnings: Vec::new(),
        }
    }

    /// No colour at all: emphasis by modifiers only.
    pub fn monochrome() -> Theme {
        let m = |modifier| Style::new().add_modifier(modifier);
        let styles = vec![
            (Role::Title, m(Modifier::BOLD)),
            (Role::Header, m(Modifier::BOLD)),
            (Role::Selected, m(Modifier::REVERSED)),
            (Role::Muted, m(Modifier::DIM)),
            (Role::Good, Style::new()),
            (Role::Bad, m(Modifier::BOLD)),
            (Role::Warn, m(Modifier::UNDERLINED)),
            (Role::Busy, m(Modifier::ITALIC)),
            (Role::Added, m(Modifier::BOLD)),
            (Role::Removed, m(Modifier::DIM)),
            (Role::HunkHeader, m(Modifier::UNDERLINED)),
            (Role::Blame, m(Modifier::ITALIC)),
            (Role::Key, m(Modifier::BOLD)),
            (Role::Match, m(Modifier::REVERSED)),
        ];
        Theme {
            styles,
            warnings: Vec::new(),
        }
    }

    /// The theme for this process: monochrome under `NO_COLOR`, else the
    /// colour-blind-safe palette with `<config_dir>/theme.toml` applied.
    pub fn load(config_dir: &Path, no_color: bool) -> Theme {
        if no_color {
            return Theme::monochrome();
        }
        let path = config_dir.join("theme.toml");
        match std::fs::read_to_string(&path) {
            Ok(text) => Theme::with_overrides(&text, &path.display().to_string()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Theme::colour_blind_safe(),
            Err(e) => {
                let mut theme = Theme::colour_blind_safe();
                theme.warnings.push(format!("{}: {e}", path.display()));
                theme
            }
        }
    }

    pub fn with_overrides(text: &str, file: &str) -> Theme {
        let mut theme = Theme::colour_blind_safe();
        let table: toml::Table = match text.parse() {
            Ok(table) => table,
            Err(e) => {
                theme
                    .warnings
                    .push(format!("{file}: not valid TOML: {}", e.message()));
                return theme;
            }
        };
        for (name, value) in &table {
            let Some(role) = ROLE_NAMES.iter().find(|(_, n)| n == name).map(|(r, _)| *r) else {
                theme
                    .warnings
                    .push(format!("{file}: unknown role '{name}'"));
                continue;
            };
            let Some(colour) = value.as_str().and_then(|s| Color::from_str(s).ok()) else {
                theme.warnings.push(format!(
                    "{file}: {name}: not a colour (\"blue\", \"#0072b2\")"
                ));
                continue;
            };
            if let Some(slot) = theme.styles.iter_mut().find(|(r, _)| *r == role) {
                slot.1 = slot.1.fg(colour);
            }
        }
        theme
    }

    pub fn style(&self, role: Role) -> Style {
        self.styles
            .iter()
            .find(|(r, _)| *r == role)
            .map(|(_, s)| *s)
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overrides_apply_and_bad_entries_become_warnings() {
        let theme = Theme::with_overrides(
            "bad = \"yellow\"\nwobble = \"blue\"\ngood = \"nope\"",
            "t.toml",
        );
        assert_eq!(theme.style(Role::Bad).fg, Some(Color::Yellow));
        assert_eq!(theme.warnings.len(), 2, "{:?}", theme.warnings);
        assert!(theme.warnings.iter().any(|w| w.contains("wobble")));
        assert_eq!(theme.style(Role::Good).fg, Some(BLUE));
    }

    #[test]
    fn monochrome_has_no_colour() {
        let theme = Theme::monochrome();
        for (role, _) in ROLE_NAMES {
            assert_eq!(theme.style(*role).fg, None);
            assert_eq!(theme.style(*role).bg, None);
        }
    }
}
