//! The owner's session, owned by one task like a visitor's: the console
//! with a PTY (input → console state → frame, drawn only on change, one
//! write per frame, the terminal restored on every exit), the inbox as
//! text without one, and the owner's commands for exec. The store is read
//! and changed by one task at a time beside the loop, so a slow or absent
//! database never freezes the screen; the data is reloaded after every
//! change and every [`REFRESH`].

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use ratatui::layout::Rect;
use russh::server::Msg;
use russh::{ChannelMsg, ChannelReadHalf, ChannelWriteHalf};
use tokio::task::JoinHandle;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::budget::InputBudget;
use super::interactive::{RESTARTING, send};
use super::owner_exec;
use super::owner_store::{self, Done, Work, finished};
use super::setup::{Request, Setup};
use super::{SessionLimits, Shared};
use crate::console::{self, Console, Effect, Flow};
use crate::content::Content;
use crate::inbox::Change;
use crate::term::frame::FrameBuf;
use crate::term::input::{InputEvent, InputParser};
use crate::term::modes;
use crate::term::render::{Keep, Renderer};
use crate::term::size::{self, Size};
use crate::tui::sleep_until;
use crate::ui::theme::Theme;

/// How often the console reloads while open (new messages, deliveries,
/// who is connected).
const REFRESH: Duration = Duration::from_secs(15);

/// Changes queued at most while one is running: more keys than this in a
/// moment are dropped.
const MAX_QUEUED: usize = 32;

/// Serves the owner: the console, the inbox as text, or a command. The
/// exit status (none when the client is gone) and how it ended.
pub async fn serve(
    (reader, writer): (&mut ChannelReadHalf, &ChannelWriteHalf<Msg>),
    setup: Setup,
    content: Arc<Content>,
    shared: &Shared,
    shutdown: CancellationToken,
) -> (Option<u32>, &'static str) {
    let limit = shared.limits.write_timeout;
    match (setup.request, setup.pty) {
        (Request::Shell, Some(size)) => {
            let theme = Theme::new(&content.theme, setup.env.color_depth());
            let mut session = OwnerSession {
                console: Console::default(),
                theme,
                size,
                parser: InputParser::new(),
                renderer: Renderer::new(false),
                out: FrameBuf::default(),
                events: Vec::new(),
                budget: InputBudget::new(shared.limits.max_input_rate),
                limits: shared.limits,
                last_input: Instant::now(),
                shared: shared.clone(),
                work: None,
                queued: VecDeque::new(),
                dirty: true,
            };
            let end = session.run(reader, writer, &shutdown).await;
            let mut bytes = modes::RESTORE.to_vec();
            if end == "shutdown" {
                bytes.extend_from_slice(format!("{RESTARTING}\r\n").as_bytes());
            }
            if end == "client gone" || end == "write timeout" {
                return (None, end);
            }
            let sent = send(writer, Bytes::from(bytes), limit).await;
            (sent.then_some(0), end)
        }
        (Request::Shell, None) => {
            let answer = owner_exec::run(b"messages", &shared.inbox).await;
            (reply(writer, answer, false, limit).await, "done")
        }
        (Request::Exec(command), pty) => {
            let answer = owner_exec::run(&command, &shared.inbox).await;
            (reply(writer, answer, pty.is_some(), limit).await, "done")
        }
    }
}

/// Writes an exec answer: stdout, stderr, and its status.
async fn reply(
    writer: &ChannelWriteHalf<Msg>,
    answer: owner_exec::Output,
    pty: bool,
    limit: Duration,
) -> Option<u32> {
    let crlf = |text: String| match pty {
        true => text.replace('\n', "\r\n"),
        false => text,
    };
    let written = tokio::time::timeout(limit, async {
        if !answer.stdout.is_empty() {
            writer.data_bytes(Bytes::from(crlf(answer.stdout))).await?;
        }
        if !answer.stderr.is_empty() {
            writer
                .extended_data_bytes(1, Bytes::from(crlf(answer.stderr)))
                .await?;
        }
        Ok::<(), russh::Error>(())
    })
    .await;
    matches!(written, Ok(Ok(()))).then_some(answer.status)
}

struct OwnerSession {
    console: Console,
    theme: Theme,
    size: Size,
    parser: InputParser,
    renderer: Renderer,
    out: FrameBuf,
    events: Vec<InputEvent>,
    budget: InputBudget,
    limits: SessionLimits,
    last_input: Instant,
    shared: Shared,
    work: Option<JoinHandle<Done>>,
    queued: VecDeque<Work>,
    dirty: bool,
}

impl OwnerSession {
    async fn run(
        &mut self,
        reader: &mut ChannelReadHalf,
        writer: &ChannelWriteHalf<Msg>,
        shutdown: &CancellationToken,
    ) -> &'static str {
        self.out.extend(modes::ENTER);
        self.out.extend(modes::MOUSE_ON);
        self.queue(Work::Reload);
        let mut next_refresh = Instant::now() + REFRESH;
        loop {
            self.start_work();
            if self.dirty {
                let frame = self.frame();
                if !send(writer, frame, self.limits.write_timeout).await {
                    return "write timeout";
                }
            }
            let idle_at = self.last_input + self.limits.idle_timeout;
            let escape = self
                .parser
                .pending_timeout()
                .map(|pause| self.last_input + pause);
            tokio::select! {
                biased;
                () = shutdown.cancelled() => return "shutdown",
                () = tokio::time::sleep_until(idle_at) => return "idle timeout",
                message = reader.wait() => match message {
                    Some(ChannelMsg::Data { data }) => {
                        self.last_input = Instant::now();
                        let allowed = self.budget.take(data.len());
                        self.parser.feed(&data[..allowed], &mut self.events);
                    }
                    Some(ChannelMsg::WindowChange { col_width, row_height, .. }) => {
                        self.size = size::clamp(col_width, row_height);
                        self.renderer.forget();
                        self.dirty = true;
                    }
                    Some(ChannelMsg::Eof) => return "input closed",
                    None | Some(ChannelMsg::Close) => return "client gone",
                    Some(_) => {}
                },
                done = finished(&mut self.work) => {
                    self.work = None;
                    self.done(done);
                }
                () = sleep_until(escape) => self.parser.flush_timeout(&mut self.events),
                () = tokio::time::sleep_until(next_refresh) => {
                    next_refresh = Instant::now() + REFRESH;
                    if self.work.is_none() && self.queued.is_empty() {
                        self.queue(Work::Reload);
                    }
                }
            }
            if self.run_events() {
                return "quit";
            }
        }
    }

    /// Feeds parsed input to the console; true when the owner quit.
    fn run_events(&mut self) -> bool {
        let page = console::draw::page(self.size.rows);
        for event in std::mem::take(&mut self.events) {
            match self.console.handle(&event, page) {
                Flow::Quit => return true,
                Flow::Redraw => self.dirty = true,
                Flow::Unchanged => {}
            }
        }
        for effect in std::mem::take(&mut self.console.effects) {
            match effect {
                Effect::Copy(text) => self.out.extend(&modes::copy_to_clipboard(&text)),
                Effect::Mouse(true) => self.out.extend(modes::MOUSE_ON),
                Effect::Mouse(false) => self.out.extend(modes::MOUSE_OFF),
                Effect::Change(change) => self.queue(Work::Change(change)),
                Effect::Reload => self.queue(Work::Reload),
            }
            self.dirty = true;
        }
        false
    }

    fn queue(&mut self, work: Work) {
        if self.queued.len() < MAX_QUEUED && !(work == Work::Reload && self.queued.contains(&work))
        {
            self.queued.push_back(work);
        }
    }

    /// Starts the next queued work if none is running.
    fn start_work(&mut self) {
        if self.work.is_some() {
            return;
        }
        let Some(work) = self.queued.pop_front() else {
            return;
        };
        self.console.busy = true;
        let visitors_now = self
            .shared
            .owner
            .visitors_now
            .load(std::sync::atomic::Ordering::Relaxed);
        self.work = Some(tokio::spawn(owner_store::run(
            work,
            self.shared.inbox.clone(),
            visitors_now,
        )));
    }

    fn done(&mut self, done: Done) {
        self.dirty = true;
        match done {
            Done::Loaded(Ok(loaded)) => self.console.load(loaded),
            Done::Loaded(Err(e)) => {
                tracing::warn!("owner console could not load the inbox: {e:#}");
                self.console.failed_to("load the inbox");
            }
            Done::Changed(change, Ok(true)) => {
                match change {
                    Change::Read(id) => tracing::info!(id, "owner marked a message read"),
                    Change::Unread(id) => tracing::info!(id, "owner marked a message unread"),
                    Change::Delete(id) => tracing::info!(id, "owner deleted a message"),
                    Change::Redeliver(id) => {
                        tracing::info!(id, "owner queued a message's failed deliveries again")
                    }
                    Change::AllRead => tracing::info!("owner marked every message read"),
                }
                self.console.changed(change);
                self.queue(Work::Reload);
            }
            Done::Changed(change, Ok(false)) => {
                self.console.busy = false;
                self.console.notice = Some(match change {
                    Change::Redeliver(id) => format!("#{id} has no failed deliveries"),
                    _ => "nothing changed — reloading".into(),
                });
                self.queue(Work::Reload);
            }
            Done::Changed(change, Err(e)) => {
                tracing::warn!("owner console could not change the inbox: {e:#}");
                self.console.failed_to(match change {
                    Change::Delete(_) => "delete it",
                    Change::Redeliver(_) => "queue it again",
                    Change::Read(_) | Change::Unread(_) | Change::AllRead => "mark it",
                });
            }
        }
    }

    fn frame(&mut self) -> Bytes {
        self.dirty = false;
        self.console.settle(self.size.cols, self.size.rows);
        let area = Rect::new(0, 0, self.size.cols, self.size.rows);
        let (console, theme) = (&self.console, &self.theme);
        self.renderer.frame(area, &mut self.out, Keep::Yes, |buf| {
            console::draw::draw(console, theme, area, buf);
            Vec::new()
        });
        self.out.take()
    }
}
