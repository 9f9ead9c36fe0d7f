//! What a session drives, whatever it shows: a [`Screen`] takes the
//! client's bytes and gives back the bytes that bring its terminal up to
//! date, keeps its own timers, and hands out work to be done beside the
//! loop (a message to store, the inbox to read), taking the answer back.
//! The visitor's portfolio and the owner's console are full-screen
//! ([`FullScreen`], painted by the painter); the session loop knows
//! neither. `W` is the work a screen hands out, `D` what comes back.

use bytes::Bytes;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use tokio::time::Instant;

use super::input::InputEvent;
use super::render::Link;
use super::size::Size;

/// What follows an input event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    Unchanged,
    Redraw,
    Quit,
}

/// What a key does to the terminal besides the frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// Put text on the user's clipboard (OSC 52).
    Copy(String),
    /// Switch mouse reporting on or off.
    Mouse(bool),
}

/// A screen as the session loop drives it: bytes in, bytes out; work
/// `W` handed out beside the loop, one at a time, and `D` taken back.
pub trait Screen<W, D> {
    /// The first write: modes and the first frame.
    fn enter(&mut self) -> Bytes;
    /// The client's input bytes, parsed for [`Screen::run_events`].
    fn input(&mut self, bytes: &[u8]);
    fn resize(&mut self, size: Size);
    /// Applies the parsed input; true when the user quit.
    fn run_events(&mut self) -> bool;
    /// Work to start, asked for only when none is running.
    fn take_work(&mut self) -> Option<W>;
    fn done(&mut self, done: D);
    /// When the screen's next timer is due, if one runs.
    fn deadline(&self) -> Option<Instant>;
    fn on_deadline(&mut self, now: Instant);
    /// Whether the terminal is out of date: a frame is due.
    fn dirty(&self) -> bool;
    /// The bytes that bring the terminal up to date.
    fn frame(&mut self) -> Bytes;
    /// Drops what an idle screen does not need; the next frame repaints.
    fn release(&mut self);
    /// The last write: the terminal as it was, then `goodbye` on a line
    /// of its own.
    fn leave(&mut self, goodbye: Option<&str>) -> Bytes;
}

/// A full-screen UI's state: how input changes it and how it is drawn,
/// as a pure function of the state and the area; work `W` handed out,
/// `D` taken back.
pub trait FullScreen<W, D> {
    /// Whether mouse reporting is on at the start.
    fn mouse(&self) -> bool;
    /// The part of the screen drawn in (the rest stays blank).
    fn canvas(&self, area: Rect) -> Rect {
        area
    }
    fn handle(&mut self, event: &InputEvent, size: Size) -> Flow;
    /// The terminal effects of the events handled since the last call.
    fn take_effects(&mut self) -> Vec<Effect>;
    fn take_work(&mut self) -> Option<W>;
    fn done(&mut self, done: D);
    fn resize(&mut self, size: Size);
    /// When the UI's own timer is due (a notice fading, a refresh).
    fn deadline(&self) -> Option<Instant>;
    /// Acts on a due timer; true when the screen changed.
    fn on_deadline(&mut self, now: Instant) -> bool;
    /// Draws into `buf` (which covers [`FullScreen::canvas`]); the links
    /// placed.
    fn draw(&self, area: Rect, buf: &mut Buffer) -> Vec<Link>;
}

/// Sleeps until `at`, or for ever when there is nothing to wait for: how
/// a loop waits for a screen's deadline.
pub async fn sleep_until(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}
