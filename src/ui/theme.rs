//! Every colour and style the UI uses, by semantic name. The palette is
//! defined once in RGB and degraded once per session to what the visitor's
//! terminal can show; with no colour, emphasis falls back to bold, reverse
//! video and underline so nothing depends on colour alone.

use ratatui::style::{Color, Modifier, Style};

use crate::content::{Palette, Rgb};
use crate::term::caps::ColorDepth;

/// Styles by what they mean, built for one session's colour depth.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Theme {
    pub depth: ColorDepth,
    pub base: Style,
    pub strong: Style,
    pub muted: Style,
    pub accent: Style,
    pub heading: Style,
    pub marker: Style,
    pub link: Style,
    pub selected: Style,
    pub tab_active: Style,
    pub tab_inactive: Style,
    pub key: Style,
    pub border: Style,
}

impl Theme {
    pub fn new(palette: &Palette, depth: ColorDepth) -> Theme {
        let p = palette;
        let fg = |rgb| match degrade(rgb, depth) {
            Some(color) => Style::new().fg(color),
            None => Style::new(),
        };
        let bold = Modifier::BOLD;
        if depth == ColorDepth::None {
            return Theme {
                depth,
                base: Style::new(),
                strong: Style::new().add_modifier(bold),
                muted: Style::new(),
                accent: Style::new().add_modifier(bold),
                heading: Style::new().add_modifier(bold | Modifier::UNDERLINED),
                marker: Style::new().add_modifier(bold),
                link: Style::new().add_modifier(Modifier::UNDERLINED),
                selected: Style::new().add_modifier(bold | Modifier::REVERSED),
                tab_active: Style::new().add_modifier(bold | Modifier::REVERSED),
                tab_inactive: Style::new(),
                key: Style::new().add_modifier(bold),
                border: Style::new(),
            };
        }
        Theme {
            depth,
            base: Style::new(),
            strong: Style::new().add_modifier(bold),
            muted: fg(p.muted),
            accent: fg(p.accent).add_modifier(bold),
            heading: fg(p.highlight).add_modifier(bold),
            marker: fg(p.highlight).add_modifier(bold),
            link: fg(p.link).add_modifier(Modifier::UNDERLINED),
            selected: fg(p.accent).add_modifier(bold),
            tab_active: fg(p.accent).add_modifier(bold | Modifier::REVERSED),
            tab_inactive: fg(p.muted),
            key: fg(p.highlight).add_modifier(bold),
            border: fg(p.muted),
        }
    }
}

/// The colour to send for an RGB colour at a depth; `None` means send no
/// colour code at all.
pub fn degrade(rgb: Rgb, depth: ColorDepth) -> Option<Color> {
    let rgb = (rgb.0, rgb.1, rgb.2);
    match depth {
        ColorDepth::None => None,
        ColorDepth::TrueColor => Some(Color::Rgb(rgb.0, rgb.1, rgb.2)),
        ColorDepth::Ansi256 => Some(Color::Indexed(nearest_256(rgb))),
        ColorDepth::Ansi16 => Some(ANSI16[nearest(rgb, &ANSI16_RGB)].1),
    }
}

/// The six levels of the xterm 6x6x6 colour cube.
const CUBE: [u8; 6] = [0, 95, 135, 175, 215, 255];

/// Nearest xterm-256 index among the colour cube (16–231) and the grey ramp
/// (232–255); the first 16 are left out because terminals redefine them.
fn nearest_256(rgb: (u8, u8, u8)) -> u8 {
    let level = |v: u8| {
        (0..CUBE.len())
            .min_by_key(|&i| (i32::from(CUBE[i]) - i32::from(v)).abs())
            .unwrap_or(0)
    };
    let (r, g, b) = (level(rgb.0), level(rgb.1), level(rgb.2));
    let cube = (CUBE[r], CUBE[g], CUBE[b]);
    let cube_index = 16 + 36 * r + 6 * g + b;
    let avg = (u32::from(rgb.0) + u32::from(rgb.1) + u32::from(rgb.2)) / 3;
    let grey_step = ((avg.saturating_sub(8)) / 10).min(23) as u8;
    let grey_value = 8 + 10 * grey_step;
    let grey = (grey_value, grey_value, grey_value);
    if distance(rgb, grey) < distance(rgb, cube) {
        232 + grey_step
    } else {
        cube_index as u8
    }
}

/// The 16 ANSI colours with xterm's default RGB values.
const ANSI16: [((u8, u8, u8), Color); 16] = [
    ((0, 0, 0), Color::Black),
    ((205, 0, 0), Color::Red),
    ((0, 205, 0), Color::Green),
    ((205, 205, 0), Color::Yellow),
    ((0, 0, 238), Color::Blue),
    ((205, 0, 205), Color::Magenta),
    ((0, 205, 205), Color::Cyan),
    ((229, 229, 229), Color::Gray),
    ((127, 127, 127), Color::DarkGray),
    ((255, 0, 0), Color::LightRed),
    ((0, 255, 0), Color::LightGreen),
    ((255, 255, 0), Color::LightYellow),
    ((92, 92, 255), Color::LightBlue),
    ((255, 0, 255), Color::LightMagenta),
    ((0, 255, 255), Color::LightCyan),
    ((255, 255, 255), Color::White),
];

const ANSI16_RGB: [(u8, u8, u8); 16] = {
    let mut out = [(0, 0, 0); 16];
    let mut i = 0;
    while i < 16 {
        out[i] = ANSI16[i].0;
        i += 1;
    }
    out
};

fn nearest(rgb: (u8, u8, u8), candidates: &[(u8, u8, u8)]) -> usize {
    (0..candidates.len())
        .min_by_key(|&i| distance(rgb, candidates[i]))
        .unwrap_or(0)
}

/// Squared distance weighted for how the eye sees red, green and blue.
fn distance(a: (u8, u8, u8), b: (u8, u8, u8)) -> u32 {
    let d = |x: u8, y: u8| (i32::from(x) - i32::from(y)).unsigned_abs();
    let (dr, dg, db) = (d(a.0, b.0), d(a.1, b.1), d(a.2, b.2));
    2 * dr * dr + 4 * dg * dg + 3 * db * db
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn degrades_to_the_nearest_colour() {
        let rgb = Rgb(0x4f, 0xa8, 0xd8);
        assert_eq!(
            degrade(rgb, ColorDepth::TrueColor),
            Some(Color::Rgb(0x4f, 0xa8, 0xd8))
        );
        // 0x4f→95 (1), 0xa8→175 (3), 0xd8→215 (4): 16 + 36 + 18 + 4.
        assert_eq!(degrade(rgb, ColorDepth::Ansi256), Some(Color::Indexed(74)));
        assert_eq!(
            degrade(Rgb(0x8a, 0x8a, 0x8a), ColorDepth::Ansi256),
            Some(Color::Indexed(245))
        );
        assert_eq!(
            degrade(Rgb(250, 10, 10), ColorDepth::Ansi16),
            Some(Color::LightRed)
        );
        assert_eq!(
            degrade(Rgb(0x8a, 0x8a, 0x8a), ColorDepth::Ansi16),
            Some(Color::DarkGray)
        );
        assert_eq!(degrade(rgb, ColorDepth::None), None);
    }

    #[test]
    fn no_colour_theme_has_no_colours() {
        let theme = Theme::new(&Palette::default(), ColorDepth::None);
        for style in [
            theme.base,
            theme.muted,
            theme.accent,
            theme.selected,
            theme.tab_active,
            theme.link,
        ] {
            assert_eq!(style.fg, None);
            assert_eq!(style.bg, None);
        }
        assert!(theme.selected.add_modifier.contains(Modifier::REVERSED));
    }
}
