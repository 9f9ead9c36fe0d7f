//! Plain-text helpers shared by the screen and the text exports: word
//! wrap by display width, and counted nouns ("1 job", "3 jobs").

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// Greedy word wrap by display width. Words longer than the width are split
/// at character boundaries; explicit newlines start new rows. Returns slices
/// of `text`, so no copy is made.
pub fn wrap(text: &str, width: usize) -> Vec<&str> {
    let width = width.max(1);
    let mut out = Vec::new();
    for para in text.split('\n') {
        let mut line: Option<(usize, usize, usize)> = None; // (start, end, width)
        for (mut at, mut word) in words(para) {
            if let Some((start, end, used)) = line {
                let gap = para[end..at].width();
                let w = word.width();
                if used + gap + w <= width {
                    line = Some((start, at + word.len(), used + gap + w));
                    continue;
                }
                out.push(&para[start..end]);
            }
            while word.width() > width {
                let cut = split_at_width(word, width);
                if cut >= word.len() {
                    // A single character wider than the row.
                    break;
                }
                out.push(&word[..cut]);
                word = &word[cut..];
                at += cut;
            }
            line = Some((at, at + word.len(), word.width()));
        }
        match line {
            Some((start, end, _)) => out.push(&para[start..end]),
            None => out.push(""),
        }
    }
    out
}

/// Words of a line with their byte offsets, split on spaces.
fn words(line: &str) -> impl Iterator<Item = (usize, &str)> {
    let mut rest = 0;
    std::iter::from_fn(move || {
        let tail = &line[rest..];
        let skip = tail.len() - tail.trim_start_matches(' ').len();
        let start = rest + skip;
        if start >= line.len() {
            return None;
        }
        let len = line[start..].find(' ').unwrap_or(line.len() - start);
        rest = start + len;
        Some((start, &line[start..start + len]))
    })
}

/// Byte index where `word` reaches `width` columns; at least one character.
fn split_at_width(word: &str, width: usize) -> usize {
    let mut used = 0;
    for (i, c) in word.char_indices() {
        let w = c.width().unwrap_or(0);
        if used + w > width && i > 0 {
            return i;
        }
        used += w;
    }
    word.len()
}

/// "s" after a count that is not one.
pub fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// "1 job", "3 jobs": a count and its noun, plural when needed.
pub fn counted(n: usize, noun: &str) -> String {
    format!("{n} {noun}{}", plural(n))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wraps_on_words() {
        assert_eq!(wrap("the quick brown fox", 9), ["the quick", "brown fox"]);
        assert_eq!(wrap("the quick brown fox", 100), ["the quick brown fox"]);
        assert_eq!(wrap("", 10), [""]);
        assert_eq!(wrap("a\n\nb", 10), ["a", "", "b"]);
        assert_eq!(wrap("  lead", 10), ["lead"]);
    }

    #[test]
    fn splits_words_longer_than_the_width() {
        assert_eq!(wrap("abcdefgh xy", 3), ["abc", "def", "gh", "xy"]);
        assert_eq!(wrap("abc", 1), ["a", "b", "c"]);
        assert_eq!(wrap("abc", 0), ["a", "b", "c"]);
    }

    #[test]
    fn measures_wide_characters() {
        // Each CJK character is two columns wide.
        assert_eq!(wrap("日本語 テキスト", 8), ["日本語", "テキスト"]);
        assert_eq!(wrap("日本語", 4), ["日本", "語"]);
        assert_eq!(wrap("日", 1), ["日"]);
    }

    #[test]
    fn counts_nouns() {
        assert_eq!(counted(0, "job"), "0 jobs");
        assert_eq!(counted(1, "job"), "1 job");
        assert_eq!(counted(2, "minute"), "2 minutes");
    }
}
