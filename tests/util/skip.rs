//! Tests whose tool is missing: every skip goes through [`require`] (or
//! [`skip`]), which fails the test when `SSHFOLIO_REQUIRE_CLIENTS=1` (set
//! by `.ci/run`, which installs the tools) and otherwise records which
//! test did not run, which tool it lacked and why. libtest hides a passing
//! test's output and shows a skipped test as `ok`, so each skip is written
//! straight to stderr (past the capture), and the run ends with a summary
//! of them all, printed at process exit (an `atexit` hook, which runs
//! whether libtest returns from `main` or calls `process::exit`).
//! `SSHFOLIO_TEST_PRETEND_MISSING=postgresql,haproxy` (tool names as
//! below, comma-separated) makes those tools count as missing, to try the
//! skip path on a machine that has them.

use std::io::Write;
use std::sync::{Mutex, Once};

/// How each tool the tests may lack is installed (as `.ci/run` does).
const INSTALL: &[(&str, &str)] = &[
    ("postgresql", "apt-get install postgresql"),
    ("haproxy", "apt-get install haproxy"),
    ("plink", "apt-get install putty-tools"),
    ("dbclient", "apt-get install dropbear-bin"),
    ("promtool", "apt-get install prometheus"),
    ("aiosmtpd", "python3 -m pip install aiosmtpd"),
    ("ssh-audit", "python3 -m pip install ssh-audit"),
];

/// How `tool` is installed.
fn install(tool: &str) -> &'static str {
    INSTALL
        .iter()
        .find(|(name, _)| *name == tool)
        .map_or("see .ci/run", |(_, how)| how)
}

/// One test that did not run (or not all of it): the test's path, the
/// tool, and why the tool counts as missing.
struct Skipped {
    test: String,
    tool: String,
    why: String,
}

static SKIPPED: Mutex<Vec<Skipped>> = Mutex::new(Vec::new());
static SUMMARY_AT_EXIT: Once = Once::new();

/// `locate()` (the tool found, or why it is missing), unless the tool is
/// pretended missing; `None` after [`skip`] when it is missing.
pub fn require<T>(tool: &str, locate: impl FnOnce() -> Result<T, String>) -> Option<T> {
    let pretended = std::env::var("SSHFOLIO_TEST_PRETEND_MISSING")
        .is_ok_and(|tools| tools.split(',').any(|t| t.trim() == tool));
    let found = if pretended {
        Err("pretended missing: SSHFOLIO_TEST_PRETEND_MISSING".to_string())
    } else {
        locate()
    };
    found.map_err(|why| skip(tool, &why)).ok()
}

/// The calling test cannot run without `tool` (`why`: what was not
/// found). Fails when the tools are required; otherwise records it for
/// the summary and says so on stderr, once per test and tool.
pub fn skip(tool: &str, why: &str) {
    if std::env::var("SSHFOLIO_REQUIRE_CLIENTS").as_deref() == Ok("1") {
        panic!(
            "{tool} is required (SSHFOLIO_REQUIRE_CLIENTS=1) but missing: {why}; install it: {}",
            install(tool)
        );
    }
    // libtest names each test's thread after the test's path.
    let thread = std::thread::current();
    let test = thread.name().unwrap_or("(unnamed thread)").to_string();
    let mut skipped = SKIPPED.lock().unwrap_or_else(|e| e.into_inner());
    if skipped.iter().any(|s| s.test == test && s.tool == tool) {
        return;
    }
    // Not eprintln!: libtest would capture it and drop it when the test passes.
    let line = format!("SKIPPED {test}: no {tool} ({why})\n");
    let _ = std::io::stderr().write_all(line.as_bytes());
    skipped.push(Skipped {
        test,
        tool: tool.to_string(),
        why: why.to_string(),
    });
    drop(skipped);
    SUMMARY_AT_EXIT.call_once(|| {
        // SAFETY: registers a plain function that neither unwinds nor
        // calls exit.
        unsafe { libc::atexit(print_summary) };
    });
}

/// The summary, written to stderr as the process exits.
extern "C" fn print_summary() {
    let skipped = SKIPPED.lock().unwrap_or_else(|e| e.into_inner());
    let _ = std::io::stderr().write_all(summary(&skipped).as_bytes());
}

/// Names listed per tool before "and N more".
const LISTED: usize = 8;

/// The skipped tests, grouped by tool: each tool's count, why it is
/// missing, how to install it, and the tests.
fn summary(skipped: &[Skipped]) -> String {
    let mut tests: Vec<&str> = skipped.iter().map(|s| s.test.as_str()).collect();
    tests.sort_unstable();
    tests.dedup();
    let mut tools: Vec<&str> = skipped.iter().map(|s| s.tool.as_str()).collect();
    tools.sort_unstable();
    tools.dedup();
    let mut out = format!(
        "SKIPPED {} test{}: a tool they need is not installed here, so they show as ok \
         without having run (or ran without the check that needs it):\n",
        tests.len(),
        if tests.len() == 1 { "" } else { "s" }
    );
    for tool in tools {
        let mine: Vec<&Skipped> = skipped.iter().filter(|s| s.tool == tool).collect();
        let install = install(tool);
        let mut names: Vec<&str> = mine.iter().map(|s| s.test.as_str()).collect();
        names.sort_unstable();
        let more = names.len().saturating_sub(LISTED);
        names.truncate(LISTED);
        out += &format!(
            "  {tool}, {} test{} ({}; install: {install}): {}{}\n",
            mine.len(),
            if mine.len() == 1 { "" } else { "s" },
            mine[0].why,
            names.join(", "),
            if more > 0 {
                format!(", and {more} more")
            } else {
                String::new()
            }
        );
    }
    out + "Install them (see .ci/run); with SSHFOLIO_REQUIRE_CLIENTS=1 a missing tool fails its tests instead.\n"
}
