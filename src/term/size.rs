//! Window sizes from the client, clamped so a claim of 65535x65535 cannot
//! make the server allocate for it, and 0x0 (`ssh -tt` from a script) gets a
//! usable default.

/// Largest size served; bigger claims are clamped to it.
pub const MAX_COLS: u16 = 500;
pub const MAX_ROWS: u16 = 200;
/// Served when the client reports 0 for a dimension.
pub const DEFAULT_COLS: u16 = 80;
pub const DEFAULT_ROWS: u16 = 24;

/// Terminal size in character cells.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Size {
    pub cols: u16,
    pub rows: u16,
}

impl Default for Size {
    fn default() -> Self {
        Size {
            cols: DEFAULT_COLS,
            rows: DEFAULT_ROWS,
        }
    }
}

/// The size to serve for what the client claimed.
pub fn clamp(cols: u32, rows: u32) -> Size {
    let fit = |value: u32, max: u16, default: u16| match value {
        0 => default,
        v => v.min(u32::from(max)) as u16,
    };
    Size {
        cols: fit(cols, MAX_COLS, DEFAULT_COLS),
        rows: fit(rows, MAX_ROWS, DEFAULT_ROWS),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clamps_client_sizes() {
        let cases = [
            ((80, 24), (80, 24)),
            ((0, 0), (80, 24)),
            ((0, 50), (80, 50)),
            ((120, 0), (120, 24)),
            ((1, 1), (1, 1)),
            ((500, 200), (500, 200)),
            ((501, 201), (500, 200)),
            ((65535, 65535), (500, 200)),
            ((u32::MAX, u32::MAX), (500, 200)),
        ];
        for ((cols, rows), (want_cols, want_rows)) in cases {
            assert_eq!(
                clamp(cols, rows),
                Size {
                    cols: want_cols,
                    rows: want_rows
                },
                "{cols}x{rows}"
            );
        }
    }
}
