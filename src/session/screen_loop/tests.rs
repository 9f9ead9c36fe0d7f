//! The session loop without SSH: screens driven over an in-memory input
//! and output, on a paused clock where time matters — quitting, the idle
//! limit's goodbye, work done beside the loop, a frame per burst.

use std::sync::{Arc, Mutex};

use tokio::sync::mpsc;

use super::*;
use crate::app::App;
use crate::content::{self, Content};
use crate::inbox::{Message, SubmitResult};
use crate::term::caps::ColorDepth;
use crate::term::painter::Painter;
use crate::ui::screen::VisitorScreen;

/// Input the test sends.
struct Script(mpsc::UnboundedReceiver<FromClient>);

impl ClientInput for Script {
    async fn next(&mut self) -> FromClient {
        self.0.recv().await.unwrap_or(FromClient::Gone)
    }
}

/// Output the test reads: every write, and the screen they draw.
#[derive(Clone)]
struct Terminal {
    writes: Arc<Mutex<usize>>,
    screen: Arc<Mutex<vt100::Parser>>,
}

impl ClientOutput for Terminal {
    async fn write(&self, bytes: Bytes) -> bool {
        *self.writes.lock().unwrap() += 1;
        self.screen.lock().unwrap().process(&bytes);
        true
    }
}

impl Terminal {
    fn new() -> Terminal {
        Terminal {
            writes: Arc::default(),
            screen: Arc::new(Mutex::new(vt100::Parser::new(
                std::num::NonZero::new(24).unwrap(),
                std::num::NonZero::new(80).unwrap(),
                0,
            ))),
        }
    }

    fn contents(&self) -> String {
        self.screen.lock().unwrap().screen().contents()
    }

    fn writes(&self) -> usize {
        *self.writes.lock().unwrap()
    }
}

fn content() -> Arc<Content> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("content");
    Arc::new(content::load(&dir).unwrap())
}

fn portfolio() -> Painter<VisitorScreen> {
    let screen = VisitorScreen::new(content(), App::for_user("visitor"), ColorDepth::Ansi256);
    Painter::new(screen, Size { cols: 80, rows: 24 }, true)
}

/// Waits (on the paused clock) until the terminal shows `text`.
async fn shows(terminal: &Terminal, text: &str) {
    for _ in 0..10_000 {
        if terminal.contents().contains(text) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    panic!("never showed {text:?}:\n{}", terminal.contents());
}

#[tokio::test(start_paused = true)]
async fn the_portfolio_runs_on_an_in_memory_stream() {
    let (keys, input) = mpsc::unbounded_channel();
    let terminal = Terminal::new();
    let output = terminal.clone();
    let mut driver = Driver::new(portfolio(), SessionLimits::default(), |_: Message| async {
        SubmitResult::Sent
    });
    let session = tokio::spawn(async move {
        let mut input = Script(input);
        let end = driver
            .run(&mut input, &output, &CancellationToken::new(), || {})
            .await;
        (end, driver.finish(&output, end).await)
    });
    shows(&terminal, "An Engineer & Athlete").await;
    let before = terminal.writes();
    // A burst of keys is applied before one frame goes out.
    for key in ["\t", "\t", "\t", "\t"] {
        keys.send(FromClient::Data(Bytes::from(key))).unwrap();
    }
    shows(&terminal, "Things I've Built").await;
    assert_eq!(terminal.writes(), before + 1, "one frame for the burst");
    keys.send(FromClient::Resize(Size { cols: 40, rows: 15 }))
        .unwrap();
    keys.send(FromClient::Data(Bytes::from("q"))).unwrap();
    let (end, status) = session.await.unwrap();
    assert_eq!((end, status), (End::Quit, Some(0)));
    assert!(
        !terminal.screen.lock().unwrap().screen().alternate_screen(),
        "the terminal is restored"
    );
}

#[tokio::test(start_paused = true)]
async fn an_idle_screen_says_goodbye_at_the_limit() {
    let (_keys, input) = mpsc::unbounded_channel();
    let terminal = Terminal::new();
    let limits = SessionLimits::default();
    let mut driver = Driver::new(portfolio(), limits, |_: Message| async {
        SubmitResult::Sent
    });
    let started = Instant::now();
    let end = driver
        .run(
            &mut Script(input),
            &terminal,
            &CancellationToken::new(),
            || {},
        )
        .await;
    assert_eq!(end, End::Idle);
    assert_eq!(started.elapsed(), limits.idle_timeout);
    assert_eq!(driver.finish(&terminal, end).await, Some(0));
    assert!(
        terminal
            .contents()
            .contains("closed after 15 minutes without a key pressed"),
        "{}",
        terminal.contents()
    );
}

#[tokio::test(start_paused = true)]
async fn work_runs_beside_the_loop_and_its_answer_comes_back() {
    let (keys, input) = mpsc::unbounded_channel();
    let terminal = Terminal::new();
    let output = terminal.clone();
    let sent = Arc::new(Mutex::new(Vec::new()));
    let stored = sent.clone();
    let mut driver = Driver::new(portfolio(), SessionLimits::default(), move |m: Message| {
        stored.lock().unwrap().push(m);
        async {
            // The inbox takes its time; the screen stays live meanwhile.
            tokio::time::sleep(Duration::from_secs(2)).await;
            SubmitResult::Sent
        }
    });
    let session = tokio::spawn(async move {
        let end = driver
            .run(
                &mut Script(input),
                &output,
                &CancellationToken::new(),
                || {},
            )
            .await;
        driver.finish(&output, end).await
    });
    shows(&terminal, "An Engineer & Athlete").await;
    keys.send(FromClient::Data(Bytes::from("cAda\t\tHello there\x13")))
        .unwrap();
    shows(&terminal, "Message sent — thank you").await;
    let sent = sent.lock().unwrap().clone();
    assert_eq!(sent.len(), 1);
    assert_eq!(
        (sent[0].name.as_str(), sent[0].body.as_str()),
        ("Ada", "Hello there")
    );
    keys.send(FromClient::Eof).unwrap();
    assert_eq!(session.await.unwrap(), Some(0), "EOF ends it politely");
}
