//! What the visitor's terminal can display, decided only from what the
//! client sent (pty-req TERM, env COLORTERM / NO_COLOR / LANG), never from
//! the server's own environment.

/// How many colours the terminal shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ColorDepth {
    /// No colour codes at all: selection shown by markers and reverse video.
    None,
    Ansi16,
    Ansi256,
    TrueColor,
}

/// What the client told us about its terminal.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClientEnv {
    pub term: String,
    pub colorterm: Option<String>,
    pub no_color: bool,
    pub lang: Option<String>,
}

/// Whether an `env` request for `name` is accepted: TERM, COLORTERM,
/// NO_COLOR, LANG and LC_*; everything else is refused.
pub fn honours_env(name: &str) -> bool {
    matches!(name, "TERM" | "COLORTERM" | "NO_COLOR" | "LANG") || name.starts_with("LC_")
}

impl ClientEnv {
    /// Records one `env` request; returns false for names we ignore (the
    /// request is then refused).
    pub fn set(&mut self, name: &str, value: &str) -> bool {
        if !honours_env(name) {
            return false;
        }
        // TERM reaches the logs and the visit records: keep it short and
        // free of anything a terminal would interpret.
        let value: String = crate::sanitize::clean(value, crate::sanitize::ONE_LINE)
            .chars()
            .take(64)
            .collect();
        match name {
            "TERM" => self.term = value,
            "COLORTERM" => self.colorterm = Some(value),
            // no-color.org: present and not empty.
            "NO_COLOR" => self.no_color = !value.is_empty(),
            "LANG" | "LC_ALL" | "LC_CTYPE" => self.lang = Some(value),
            _ => {}
        }
        true
    }

    /// Whether to send OSC 8 hyperlinks. Terminals that do not know them
    /// ignore them, except a few that would print them or misread them.
    pub fn hyperlinks(&self) -> bool {
        let term = self.term.to_ascii_lowercase();
        !(term.is_empty()
            || term == "dumb"
            || term == "linux"
            || term.starts_with("vt")
            || term.starts_with("cons"))
    }

    pub fn color_depth(&self) -> ColorDepth {
        color_depth(&self.term, self.colorterm.as_deref(), self.no_color)
    }
}

/// The decision table: NO_COLOR and dumb terminals get none; COLORTERM
/// truecolor/24bit or a `-direct` TERM get 24-bit; `*256color*` gets 256;
/// anything else that names a terminal gets the 16 ANSI colours.
pub fn color_depth(term: &str, colorterm: Option<&str>, no_color: bool) -> ColorDepth {
    let term = term.to_ascii_lowercase();
    if no_color || term.is_empty() || term == "dumb" {
        return ColorDepth::None;
    }
    let colorterm = colorterm.unwrap_or("").to_ascii_lowercase();
    if colorterm == "truecolor" || colorterm == "24bit" || term.ends_with("-direct") {
        return ColorDepth::TrueColor;
    }
    if term.contains("256color") {
        return ColorDepth::Ansi256;
    }
    // Genuine VT100-family terminals have no colour at all.
    if term.starts_with("vt1") || term.starts_with("vt2") {
        return ColorDepth::None;
    }
    ColorDepth::Ansi16
}

#[cfg(test)]
mod tests {
    use super::ColorDepth as D;
    use super::*;

    #[test]
    fn decides_colour_depth_from_the_client_only() {
        let cases = [
            ("xterm-256color", None, false, D::Ansi256),
            ("xterm-256color", Some("truecolor"), false, D::TrueColor),
            ("xterm-256color", Some("24bit"), false, D::TrueColor),
            ("xterm-256color", Some("truecolor"), true, D::None),
            ("tmux-256color", None, false, D::Ansi256),
            ("screen-256color", None, false, D::Ansi256),
            ("xterm-direct", None, false, D::TrueColor),
            ("xterm", None, false, D::Ansi16),
            ("xterm", Some("truecolor"), false, D::TrueColor),
            ("screen", None, false, D::Ansi16),
            ("linux", None, false, D::Ansi16),
            ("putty", None, false, D::Ansi16),
            ("vt100", None, false, D::None),
            ("vt220", None, false, D::None),
            ("dumb", None, false, D::None),
            ("DUMB", None, false, D::None),
            ("", None, false, D::None),
            ("xterm-256color", None, true, D::None),
        ];
        for (term, colorterm, no_color, want) in cases {
            assert_eq!(
                color_depth(term, colorterm, no_color),
                want,
                "{term} {colorterm:?} {no_color}"
            );
        }
    }

    #[test]
    fn client_values_are_cleaned_and_cut() {
        let mut env = ClientEnv::default();
        env.set("TERM", &format!("xterm\x1b[2J\x07{}", "x".repeat(200)));
        assert!(!env.term.contains('\x1b') && !env.term.contains('\x07'));
        assert_eq!(env.term.chars().count(), 64);
        assert!(env.term.starts_with("xterm"));
    }

    #[test]
    fn accepts_only_the_spec_env_names() {
        let mut env = ClientEnv::default();
        assert!(env.set("TERM", "xterm"));
        assert!(env.set("COLORTERM", "truecolor"));
        assert!(env.set("LANG", "en_US.UTF-8"));
        assert!(env.set("LC_MESSAGES", "C"));
        assert!(env.set("NO_COLOR", "1"));
        assert!(!env.set("LD_PRELOAD", "/tmp/x.so"));
        assert!(!env.set("PATH", "/"));
        assert_eq!(env.color_depth(), D::None);
        env.set("NO_COLOR", "");
        assert_eq!(env.color_depth(), D::TrueColor);
    }
}
