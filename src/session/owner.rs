//! The owner's session, owned by one task like a visitor's: the console
//! with a PTY — on the same session loop as the portfolio, so it keeps
//! the same limits (idle, session time, input rate, write timeout), the
//! restart notice and the terminal restored on every way out — the inbox
//! as text without one, and the owner's commands for exec. The store is
//! read and changed beside the loop, so a slow or absent database never
//! freezes the screen.

use std::sync::Arc;

use bytes::Bytes;
use russh::ChannelWriteHalf;
use russh::server::Msg;

use super::end::End;
use super::screen_loop::Driver;
use super::setup::{Request, Setup};
use super::{Io, SessionContext, owner_exec, owner_store};
use crate::console::{OwnerScreen, StoreWork};
use crate::content::Content;
use crate::term::painter::Painter;
use crate::ui::theme::Theme;

/// Serves the owner: the console, the inbox as text, or a command. The
/// exit status (none when the client is gone) and how it ended.
pub async fn serve(
    io: Io<'_>,
    setup: Setup,
    content: Arc<Content>,
    ctx: &SessionContext,
) -> (Option<u32>, End) {
    let inbox = &ctx.shared.inbox;
    match (setup.request, setup.pty) {
        (Request::Shell, Some(size)) => {
            let theme = Theme::new(&content.theme, setup.env.color_depth());
            let painter = Painter::new(OwnerScreen::new(theme, size), size, false);
            let (inbox, census) = (inbox.clone(), ctx.shared.census.clone());
            let mut driver = Driver::new(painter, ctx.shared.limits, move |work: StoreWork| {
                owner_store::run(work, inbox.clone(), census.visitors())
            });
            let revoked = ctx.revoked.lock().unwrap_or_else(|e| e.into_inner()).take();
            if let Some(revoked) = revoked {
                driver.end_when(revoked, End::KeyRemoved);
            }
            let end = driver.run(io.reader, io.writer, &ctx.shutdown, || {}).await;
            (driver.finish(io.writer, end).await, end)
        }
        (Request::Shell, None) => {
            let output = owner_exec::run(b"messages", inbox).await;
            (reply(io.writer, output, false, ctx).await, End::Done)
        }
        (Request::Exec(command), pty) => {
            let output = owner_exec::run(&command, inbox).await;
            (
                reply(io.writer, output, pty.is_some(), ctx).await,
                End::Done,
            )
        }
    }
}

/// Writes an exec answer: stdout, stderr, and its status.
async fn reply(
    writer: &ChannelWriteHalf<Msg>,
    output: owner_exec::Output,
    pty: bool,
    ctx: &SessionContext,
) -> Option<u32> {
    let crlf = |text: String| match pty {
        true => text.replace('\n', "\r\n"),
        false => text,
    };
    let written = tokio::time::timeout(ctx.shared.limits.write_timeout, async {
        if !output.stdout.is_empty() {
            writer.data_bytes(Bytes::from(crlf(output.stdout))).await?;
        }
        if !output.stderr.is_empty() {
            writer
                .extended_data_bytes(1, Bytes::from(crlf(output.stderr)))
                .await?;
        }
        Ok::<(), russh::Error>(())
    })
    .await;
    matches!(written, Ok(Ok(()))).then_some(output.status)
}
