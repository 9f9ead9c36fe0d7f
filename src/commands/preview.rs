//! `sshfolio preview`: the very same UI (the `tui` machine a session
//! drives) in the owner's own terminal, with live reload. Raw mode and the
//! size come from crossterm; keys go through the same input parser as a
//! visitor's; colours follow the local TERM/COLORTERM/NO_COLOR. Saving any
//! file under the content directory re-validates and redraws within a
//! fraction of a second, keeping the section and selection; invalid
//! content shows its `file:line:col` problems over the last good version.
//! The terminal is restored on every way out: q, Ctrl-C, a panic.

use std::io::{IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use notify_debouncer_mini::notify::{RecommendedWatcher, RecursiveMode};
use notify_debouncer_mini::{DebounceEventResult, Debouncer, new_debouncer};
use tokio::sync::mpsc;
use tokio::time::Instant;

use crate::app::App;
use crate::cli::PreviewArgs;
use crate::content::{self, Content};
use crate::inbox::SubmitResult;
use crate::term::caps::ClientEnv;
use crate::term::modes;
use crate::term::painter::Painter;
use crate::term::screen::{Screen, sleep_until};
use crate::term::size::{self, Size};
use crate::ui::screen::VisitorScreen;

/// The portfolio as the preview shows it.
type Preview = Painter<VisitorScreen>;

/// Saves arrive as bursts of file events (editors write, rename,
/// chmod…); they settle into one reload after this pause.
const SETTLE: Duration = Duration::from_millis(120);

/// What the preview reacts to.
enum Event {
    Input(Vec<u8>),
    InputClosed,
    Changed,
}

/// `sshfolio preview`: runs until the owner quits.
pub fn run(args: &PreviewArgs) -> Result<ExitCode> {
    preview(&args.content, args.size)?;
    Ok(ExitCode::SUCCESS)
}

fn preview(dir: &Path, fixed: Option<Size>) -> Result<()> {
    if !std::io::stdin().is_terminal() || !std::io::stdout().is_terminal() {
        bail!("preview needs a terminal (run it directly, not through a pipe)");
    }
    let content = content::load(dir).map_err(|e| {
        anyhow::anyhow!("{e}\nsshfolio: fix the content above, then run preview again")
    })?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the runtime")?;
    let _terminal = LocalTerminal::enter()?;
    runtime.block_on(event_loop(dir.to_path_buf(), Arc::new(content), fixed))
}

/// Raw mode for as long as it lives; on drop (and on a panic) the modes
/// the UI turned on are turned off and the terminal is given back.
struct LocalTerminal;

impl LocalTerminal {
    fn enter() -> Result<LocalTerminal> {
        crossterm::terminal::enable_raw_mode().context("switching the terminal to raw mode")?;
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            restore();
            previous(info);
        }));
        Ok(LocalTerminal)
    }
}

impl Drop for LocalTerminal {
    fn drop(&mut self) {
        restore();
    }
}

fn restore() {
    let mut out = std::io::stdout();
    let _ = out.write_all(modes::RESTORE);
    let _ = out.flush();
    let _ = crossterm::terminal::disable_raw_mode();
}

/// The size to draw at: fixed by `--size`, else the terminal's own.
fn current_size(fixed: Option<Size>) -> Size {
    fixed.unwrap_or_else(|| match crossterm::terminal::size() {
        Ok((cols, rows)) => size::clamp(u32::from(cols), u32::from(rows)),
        Err(_) => Size::default(),
    })
}

/// The local environment, read the way a visitor's is sent.
fn local_env() -> ClientEnv {
    let mut env = ClientEnv::default();
    for name in [
        "TERM",
        "COLORTERM",
        "NO_COLOR",
        "LANG",
        "LC_ALL",
        "LC_CTYPE",
    ] {
        if let Ok(value) = std::env::var(name) {
            env.set(name, &value);
        }
    }
    env
}

async fn event_loop(dir: PathBuf, content: Arc<Content>, fixed: Option<Size>) -> Result<()> {
    let env = local_env();
    let screen = VisitorScreen::new(
        content,
        App::new(crate::app::Section::About),
        env.color_depth(),
    );
    let mut tui = Painter::new(screen, current_size(fixed), env.hyperlinks());
    let (tx, mut events) = mpsc::channel::<Event>(64);
    read_keys(tx.clone());
    // Dropping the watcher stops it: it lives as long as the loop.
    let _watcher = watch_content(&dir, tx)?;
    let mut resized = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::window_change())
        .context("listening for window changes")?;
    write(&tui.enter())?;
    loop {
        tokio::select! {
            event = events.recv() => match event {
                Some(Event::Input(bytes)) => tui.input(&bytes),
                Some(Event::Changed) => reload(&mut tui, &dir),
                Some(Event::InputClosed) | None => return Ok(()),
            },
            _ = resized.recv() => tui.resize(current_size(fixed)),
            () = sleep_until(tui.deadline()) => tui.on_deadline(Instant::now()),
        }
        if tui.run_events() {
            return Ok(());
        }
        // The preview stores nothing: a message "sent" here goes nowhere.
        while tui.take_work().is_some() {
            tui.done(SubmitResult::Sent);
        }
        if tui.dirty() {
            write(&tui.frame())?;
        }
    }
}

/// Keys: a thread reads stdin; the terminal is in raw mode, so bytes
/// arrive as typed and go through the same parser a visitor's do.
fn read_keys(events: mpsc::Sender<Event>) {
    std::thread::spawn(move || {
        let mut stdin = std::io::stdin().lock();
        let mut buf = [0u8; 4096];
        loop {
            match stdin.read(&mut buf) {
                Ok(0) | Err(_) => {
                    let _ = events.blocking_send(Event::InputClosed);
                    return;
                }
                Ok(n) => {
                    if events
                        .blocking_send(Event::Input(buf[..n].to_vec()))
                        .is_err()
                    {
                        return;
                    }
                }
            }
        }
    });
}

/// Saves: the content directory is watched; a settled burst of events is
/// one reload. Swap and backup files trigger a reload too, which finds the
/// content unchanged.
fn watch_content(dir: &Path, events: mpsc::Sender<Event>) -> Result<Debouncer<RecommendedWatcher>> {
    let mut watcher = new_debouncer(SETTLE, move |result: DebounceEventResult| {
        if result.is_ok_and(|events| !events.is_empty()) {
            let _ = events.blocking_send(Event::Changed);
        }
    })
    .context("starting the file watcher")?;
    watcher
        .watcher()
        .watch(dir, RecursiveMode::Recursive)
        .with_context(|| format!("watching {}", dir.display()))?;
    Ok(watcher)
}

/// Loads the content again: valid content replaces what is shown (the
/// view stays), problems are shown over the last good version.
fn reload(tui: &mut Preview, dir: &Path) {
    let size = tui.size();
    match content::load(dir) {
        Ok(content) => tui.update(|screen| screen.replace_content(Arc::new(content), size)),
        Err(e) => {
            let problems = e.problems.iter().map(ToString::to_string).collect();
            tui.update(|screen| screen.show_problems(problems));
        }
    }
}

fn write(bytes: &[u8]) -> Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(bytes).context("writing to the terminal")?;
    out.flush().context("writing to the terminal")
}
