//! Visits: recorded in batches without an fsync, added up for the
//! owner's stats, deleted past their retention.

use rusqlite::{Connection, params};

use super::super::stats::Tally;
pub use super::super::stats::VisitStats;

/// One finished session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VisitRow {
    pub started_at: i64,
    pub duration_ms: i64,
    pub visitor: String,
    pub client: String,
    pub term: String,
    pub cols: u16,
    pub rows: u16,
    /// Section names viewed, comma-separated.
    pub sections: String,
    pub left_message: bool,
    /// "tui", "plain" or "exec <command>".
    pub kind: String,
}

/// Records visits in one transaction, committed without an fsync
/// (`synchronous = NORMAL` for this commit only; messages keep FULL).
pub fn record_visits(conn: &mut Connection, visits: &[VisitRow]) -> rusqlite::Result<()> {
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    let result = (|| {
        let tx = conn.transaction()?;
        {
            let mut insert = tx.prepare_cached(
                "INSERT INTO visits (started_at, duration_ms, visitor, client, term, cols, rows, sections, left_message, kind)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            )?;
            for v in visits {
                insert.execute(params![
                    v.started_at,
                    v.duration_ms,
                    v.visitor,
                    v.client,
                    v.term,
                    v.cols,
                    v.rows,
                    v.sections,
                    v.left_message,
                    v.kind
                ])?;
            }
        }
        tx.commit()
    })();
    // Whatever happened, messages are committed with an fsync again.
    conn.pragma_update(None, "synchronous", "FULL")?;
    result
}

/// Adds up the visits since `since` (unix seconds), counting the given
/// `sections`. The database counts distinct visitors (its sorter spills
/// to disk, not to memory); everything else is tallied in one pass over
/// the rows as they stream by, in constant memory.
pub fn visit_stats(
    conn: &Connection,
    since: i64,
    sections: &[&str],
) -> rusqlite::Result<VisitStats> {
    // Over most of the table a plain scan beats the index on started_at
    // (which would fetch every row at random): `+` keeps the index out.
    let oldest: Option<i64> =
        conn.query_row("SELECT MIN(started_at) FROM visits", [], |r| r.get(0))?;
    let column = match oldest {
        Some(oldest) if oldest < since => "started_at",
        _ => "+started_at",
    };
    let mut tally = Tally::new(sections);
    let mut stmt = conn.prepare(&format!(
        "SELECT duration_ms, client, sections, kind FROM visits WHERE {column} >= ?1"
    ))?;
    let mut rows = stmt.query([since])?;
    while let Some(row) = rows.next()? {
        tally.add(
            row.get(0)?,
            row.get_ref(1)?.as_str()?,
            row.get_ref(2)?.as_str()?,
            row.get_ref(3)?.as_str()?,
        );
    }
    let visitors = conn.query_row(
        &format!("SELECT COUNT(DISTINCT visitor) FROM visits WHERE {column} >= ?1"),
        [since],
        |row| count(row, 0),
    )?;
    let per_day = pairs(
        conn,
        &format!(
            "SELECT date(started_at, 'unixepoch') AS day, COUNT(DISTINCT visitor) FROM visits
             WHERE {column} >= ?1 GROUP BY day ORDER BY day"
        ),
        params![since],
    )?;
    Ok(tally.finish(visitors, per_day))
}

/// Rows of (text, count).
fn pairs(
    conn: &Connection,
    sql: &str,
    params: impl rusqlite::Params,
) -> rusqlite::Result<Vec<(String, u64)>> {
    let mut stmt = conn.prepare(sql)?;
    let rows = stmt.query_map(params, |row| Ok((row.get(0)?, count(row, 1)?)))?;
    rows.collect()
}

/// A count the database gave back.
fn count(row: &rusqlite::Row, index: usize) -> rusqlite::Result<u64> {
    row.get::<_, i64>(index).map(|n| n.max(0) as u64)
}

/// Deletes up to `batch` visits that started before `before`; how many.
/// Small batches keep each transaction short beside a running server.
pub fn prune_visits(conn: &Connection, before: i64, batch: u32) -> rusqlite::Result<usize> {
    conn.execute(
        "DELETE FROM visits WHERE id IN
         (SELECT id FROM visits WHERE started_at < ?1 ORDER BY started_at LIMIT ?2)",
        params![before, batch],
    )
}
