//! The data directory: `messages.db` with the server's schema and
//! `--visits` visits, and the owner's key in `keys/`.

use std::path::Path;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use russh::keys::{Algorithm, PrivateKey};

use super::report::thousands;

/// Sections a visit saw, as the server stores them.
const SECTIONS: [&str; 7] = [
    "about",
    "about,projects",
    "about,experience",
    "about,experience,skills",
    "about,projects,contact",
    "about,experience,skills,insights,projects,contact",
    "projects",
];
/// How visits came, most common first.
const KINDS: [(&str, u32); 5] = [
    ("tui", 80),
    ("exec resume", 10),
    ("plain", 5),
    ("exec json", 3),
    ("exec vcard", 2),
];
const TERMS: [&str; 5] = [
    "xterm-256color",
    "xterm-256color",
    "tmux-256color",
    "screen",
    "alacritty",
];
const SIZES: [(u16, u16); 5] = [(80, 24), (120, 40), (160, 48), (200, 60), (100, 30)];
/// Distinct client version strings.
const CLIENTS: u32 = 1500;
/// Visits per distinct visitor, on average.
const VISITS_PER_VISITOR: usize = 5;
const DAY: i64 = 86_400;

/// Makes sure `data/messages.db` exists with the server's schema (created
/// by the server's own migrations) and holds visits: reused as it is when
/// it already has some, else `visits` are inserted in one transaction.
pub fn prepare(data: &Path, visits: usize) -> Result<String> {
    std::fs::create_dir_all(data).with_context(|| format!("creating {}", data.display()))?;
    let path = data.join(sshfolio::inbox::sqlite::FILE);
    let mut conn = sshfolio::inbox::sqlite::schema::open(&path)
        .with_context(|| format!("opening {}", path.display()))?;
    let count = |conn: &rusqlite::Connection| -> Result<(i64, i64)> {
        let now = unix_now()?;
        conn.query_row(
            "SELECT COUNT(*), COUNT(*) FILTER (WHERE started_at >= ?1) FROM visits",
            [now - 30 * DAY],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .context("counting visits")
    };
    let (existing, _) = count(&conn)?;
    let started = Instant::now();
    let verb = if existing > 0 {
        "reused"
    } else {
        insert_visits(&mut conn, visits)?;
        // Leave the file as a running server would find it: no WAL to replay.
        conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
            .context("checkpointing")?;
        "prepared"
    };
    let (total, recent) = count(&conn)?;
    Ok(format!(
        "database: {} visits ({} in the last 30 days), {verb} in {:.1} s at {}",
        thousands(total as u64),
        thousands(recent as u64),
        started.elapsed().as_secs_f64(),
        path.display()
    ))
}

fn insert_visits(conn: &mut rusqlite::Connection, visits: usize) -> Result<()> {
    // A fixed seed: every prepared database holds the same visits.
    let mut rng = StdRng::seed_from_u64(0x5354_4154);
    let now = unix_now()?;
    let visitors: Vec<String> = (0..(visits / VISITS_PER_VISITOR).max(1))
        .map(|_| format!("{:032x}", rng.random::<u128>()))
        .collect();
    let kinds_total: u32 = KINDS.iter().map(|(_, w)| w).sum();
    let tx = conn.transaction().context("starting the transaction")?;
    {
        let mut insert = tx
            .prepare(
                "INSERT INTO visits (started_at, duration_ms, visitor, client, term, cols, rows,
                                     sections, left_message, kind)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            )
            .context("preparing the insert")?;
        for _ in 0..visits {
            let started_at = now - rng.random_range(0..30 * DAY);
            // From a third of a second to a few hours, about half under a minute.
            let duration_ms = (10f64.powf(rng.random_range(2.5..7.0))) as i64;
            let visitor = &visitors[rng.random_range(0..visitors.len())];
            // A few versions are common, most are rare.
            let version = (f64::from(CLIENTS) * rng.random::<f64>().powi(3)) as u32;
            let client = format!("SSH-2.0-OpenSSH_9.{version}p1");
            let mut pick = rng.random_range(0..kinds_total);
            let kind = KINDS
                .iter()
                .find(|(_, weight)| {
                    let hit = pick < *weight;
                    pick = pick.saturating_sub(*weight);
                    hit
                })
                .map_or("tui", |(kind, _)| kind);
            let (term, (cols, rows)) = if kind == "tui" {
                (
                    TERMS[rng.random_range(0..TERMS.len())],
                    SIZES[rng.random_range(0..SIZES.len())],
                )
            } else {
                ("", (0, 0))
            };
            let sections = SECTIONS[rng.random_range(0..SECTIONS.len())];
            let left_message = rng.random_bool(0.01);
            insert
                .execute(rusqlite::params![
                    started_at,
                    duration_ms,
                    visitor,
                    client,
                    term,
                    cols,
                    rows,
                    sections,
                    left_message,
                    kind
                ])
                .context("inserting a visit")?;
        }
    }
    tx.commit().context("committing the visits")
}

fn unix_now() -> Result<i64> {
    Ok(SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .context("the clock is before 1970")?
        .as_secs() as i64)
}

/// A fresh ed25519 key, whose public half is the only line of
/// `keys/owner_authorized_keys`.
pub fn authorize_owner(keys: &Path) -> Result<PrivateKey> {
    std::fs::create_dir_all(keys).with_context(|| format!("creating {}", keys.display()))?;
    let key = PrivateKey::random(&mut rand::rng(), Algorithm::Ed25519)
        .context("generating the owner's key")?;
    let public = key
        .public_key()
        .to_openssh()
        .context("encoding the owner's key")?;
    let path = keys.join("owner_authorized_keys");
    std::fs::write(&path, format!("{public} owner-stall-bench\n"))
        .with_context(|| format!("writing {}", path.display()))?;
    Ok(key)
}
