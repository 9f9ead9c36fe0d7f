//! The ratatui buffers a frame is drawn and diffed in, lent for the length
//! of one frame and reused by the next, so a frame neither allocates nor
//! frees a buffer (at most 100x200 cells, about 1 MB). Rendering never
//! awaits, so no more buffers are out at once than two per thread; the
//! pool keeps four.
//!
//! One pool for the whole process, behind a mutex. That is safe because
//! nothing of a session survives in it: a buffer is reset (every cell
//! blank) before it is handed out again, so one visitor can never see
//! another's screen. The lock is held only to push or pop one buffer
//! (never across an await or a render), a poisoned lock is treated as an
//! empty pool, and the pool is bounded in count and in the size of what
//! it keeps, so it costs at most `MAX * MAX_CELLS` cells.

use std::sync::Mutex;

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

static POOL: Mutex<Vec<Buffer>> = Mutex::new(Vec::new());

/// Most buffers kept: two frames' worth (a frame uses two buffers). More
/// threads rendering at once allocate the rest and free them after.
const MAX: usize = 4;
/// Largest buffer kept, in cells: the largest canvas (the 100-column
/// content column on a 200-row screen); larger ones are freed.
const MAX_CELLS: usize = 100 * 200;

/// A blank buffer covering `area`, from the pool when it has one.
pub fn take(area: Rect) -> Buffer {
    let pooled = POOL.lock().map(|mut pool| pool.pop()).unwrap_or(None);
    match pooled {
        Some(mut buf) => {
            if buf.area != area {
                buf.resize(area);
            }
            buf.reset();
            buf
        }
        None => Buffer::empty(area),
    }
}

/// Keeps `buf` for a later `take`, if the pool has room for it.
pub fn give_back(buf: Buffer) {
    if buf.content().len() > MAX_CELLS {
        return;
    }
    if let Ok(mut pool) = POOL.lock()
        && pool.len() < MAX
    {
        pool.push(buf);
    }
}
