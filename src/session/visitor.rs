//! A visitor's interactive session: the portfolio ([`VisitorScreen`]) on
//! the session loop, the messages it sends stored through the inbox with
//! the visitor's identity, and what the visitor did, for the visit
//! record.

use std::sync::Arc;

use super::end::End;
use super::screen_loop::Driver;
use super::{Io, SessionContext};
use crate::app::App;
use crate::content::Content;
use crate::inbox::Message;
use crate::term::caps::ClientEnv;
use crate::term::painter::Painter;
use crate::term::size::Size;
use crate::ui::screen::VisitorScreen;

/// What the session leaves behind for the visit record.
pub struct Summary {
    pub sections: Vec<&'static str>,
    pub left_message: bool,
    pub size: Size,
}

/// How the interactive session ended.
pub struct Ended {
    /// The exit status; none when the client is gone or stopped reading.
    pub status: Option<u32>,
    pub end: End,
    pub summary: Summary,
}

/// Serves the portfolio in a terminal of `size` until the session ends.
pub async fn run(
    io: Io<'_>,
    ctx: &SessionContext,
    content: Arc<Content>,
    size: Size,
    env: &ClientEnv,
) -> Ended {
    let visitor = &ctx.visitor;
    let screen = VisitorScreen::new(content, App::for_user(&visitor.user), env.color_depth());
    let painter = Painter::new(screen, size, env.hyperlinks());
    let (inbox, peer, key) = (
        ctx.shared.inbox.clone(),
        visitor.peer.map(|p| p.ip()),
        visitor.key_fingerprint.clone(),
    );
    let mut driver = Driver::new(painter, ctx.shared.limits, move |message: Message| {
        let inbox = inbox.clone();
        let message = Message {
            peer,
            key_fingerprint: key.clone(),
            ..message
        };
        async move { inbox.submit(message).await }
    });
    let first_frame = || {
        if let Some(connected) = visitor.connected_at {
            crate::metrics::first_frame(connected.elapsed());
        }
        #[cfg(feature = "fault-injection")]
        if visitor.user == "__panic" {
            panic!("fault injection: a session panics after its first frame");
        }
    };
    let end = driver
        .run(io.reader, io.writer, &ctx.shutdown, first_frame)
        .await;
    let painter = driver.screen();
    let app = painter.screen().app();
    let summary = Summary {
        sections: app.visited_sections(),
        left_message: app.sent,
        size: painter.size(),
    };
    Ended {
        status: driver.finish(io.writer, end).await,
        end,
        summary,
    }
}
