//! A bounded line reader: JSONL and text evidence is read one line at a time, and no
//! line may make evv hold more than a fixed number of bytes.

use std::io::{self, BufRead, BufReader, Read};
use std::sync::atomic::{AtomicUsize, Ordering};

/// Longest line kept (1 MiB). Longer lines are reported and skipped to their end.
pub const MAX_LINE: usize = 1 << 20;

/// What one call to [`Lines::next_line`] found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LineMeta {
    /// 1-based line number.
    pub no: u64,
    /// True if the line ended with `\n` (false only for the last line).
    pub terminated: bool,
    /// True if the line exceeded the cap; its bytes were discarded.
    pub too_long: bool,
}

/// Iterates the lines of a stream without holding more than `max` bytes.
pub struct Lines<R: Read> {
    r: BufReader<R>,
    buf: Vec<u8>,
    max: usize,
    no: u64,
}

impl<R: Read> Lines<R> {
    /// Lines of `r`, each capped at `max` bytes.
    pub fn new(r: R, max: usize) -> Self {
        Lines {
            r: BufReader::with_capacity(64 * 1024, r),
            buf: Vec::new(),
            max,
            no: 0,
        }
    }

    /// The bytes of the line last returned, without its `\n`.
    pub fn line(&self) -> &[u8] {
        &self.buf
    }

    /// Advances to the next line; `None` at the end of the stream.
    pub fn next_line(&mut self) -> io::Result<Option<LineMeta>> {
        self.buf.clear();
        let n = (&mut self.r)
            .take(self.max as u64 + 1)
            .read_until(b'\n', &mut self.buf)?;
        if n == 0 {
            return Ok(None);
        }
        self.no += 1;
        let terminated = self.buf.last() == Some(&b'\n');
        if terminated {
            self.buf.pop();
        }
        if self.buf.len() > self.max {
            // Skip to the end of the overlong line without keeping it.
            self.buf.clear();
            let mut terminated = false;
            loop {
                let chunk = self.r.fill_buf()?;
                if chunk.is_empty() {
                    break;
                }
                if let Some(i) = chunk.iter().position(|&b| b == b'\n') {
                    self.r.consume(i + 1);
                    terminated = true;
                    break;
                }
                let l = chunk.len();
                self.r.consume(l);
            }
            return Ok(Some(LineMeta {
                no: self.no,
                terminated,
                too_long: true,
            }));
        }
        Ok(Some(LineMeta {
            no: self.no,
            terminated,
            too_long: false,
        }))
    }
}

/// Default size of a batch of whole lines handed to the thread pool (4 MiB).
pub const BATCH_BYTES: usize = 4 << 20;

static BATCH_OVERRIDE: AtomicUsize = AtomicUsize::new(0);

/// Overrides the batch size (0 restores the default). For tests that need inputs
/// spanning many batches; the batch size never changes what is reported.
#[doc(hidden)]
pub fn set_batch_bytes(n: usize) {
    BATCH_OVERRIDE.store(n, Ordering::Relaxed);
}

/// The batch size in use: the [`set_batch_bytes`] override, else the environment
/// variable `EVV_BATCH_BYTES` when it holds a positive integer (the same test knob for a
/// whole process, such as the CLI run by tests), else [`BATCH_BYTES`].
fn batch_bytes() -> usize {
    match BATCH_OVERRIDE.load(Ordering::Relaxed) {
        0 => std::env::var("EVV_BATCH_BYTES")
            .ok()
            .and_then(|s| s.parse::<usize>().ok())
            .filter(|&n| n > 0)
            .unwrap_or(BATCH_BYTES),
        n => n,
    }
}

/// A line inside a [`Batch`]: its bytes are `buf[start..end]` (empty when too long).
#[derive(Clone, Copy, Debug)]
struct Span {
    start: usize,
    end: usize,
    meta: LineMeta,
}

/// Whole lines read in one go.
#[derive(Default)]
struct Batch {
    buf: Vec<u8>,
    lines: Vec<Span>,
}

impl Batch {
    fn line(&self, s: &Span) -> &[u8] {
        &self.buf[s.start..s.end]
    }
}

/// Reads a stream into batches of whole lines, with the same line semantics as
/// [`Lines`]: a line longer than `max` bytes is reported as too long and its bytes are
/// not kept, so a batch holds at most its target size plus one line and one read.
struct BatchReader<'a, R: Read + ?Sized> {
    r: &'a mut R,
    max: usize,
    no: u64,
    /// The start of an unfinished line carried into the next batch.
    carry: Vec<u8>,
    /// Inside a too-long line, discarding up to its end.
    skipping: bool,
    eof: bool,
}

const READ_CHUNK: usize = 256 * 1024;
/// Most lines in one batch, so that short lines cannot make a batch's per-line
/// results large.
const BATCH_LINES: usize = 1 << 14;

impl<R: Read + ?Sized> BatchReader<'_, R> {
    fn emit(&mut self, b: &mut Batch, start: usize, end: usize, terminated: bool, too_long: bool) {
        self.no += 1;
        b.lines.push(Span {
            start,
            end: if too_long { start } else { end },
            meta: LineMeta {
                no: self.no,
                terminated,
                too_long,
            },
        });
    }

    /// Fills `b` with the next lines (at least `target` bytes unless the stream ends);
    /// false at the end of the stream. The batch's bytes are `b.buf[..filled]`; the
    /// buffer keeps its length across batches, so that reading into it does not zero it
    /// again (only growth is zeroed).
    fn next_batch(&mut self, b: &mut Batch, target: usize) -> io::Result<bool> {
        b.lines.clear();
        let mut filled = self.carry.len();
        if b.buf.len() < filled {
            b.buf.resize(filled, 0);
        }
        b.buf[..filled].copy_from_slice(&self.carry);
        self.carry.clear();
        // Start of the unfinished line in `b.buf`.
        let mut pos = 0;
        let mut scan = 0;
        loop {
            while let Some(i) = crate::container::find_newline(&b.buf[scan..filled]) {
                let end = scan + i;
                if self.skipping {
                    self.skipping = false;
                    self.emit(b, pos, pos, true, true);
                } else {
                    let long = end - pos > self.max;
                    self.emit(b, pos, end, true, long);
                }
                pos = end + 1;
                scan = pos;
                if b.lines.len() >= BATCH_LINES {
                    // Full: the rest (whole lines included) is carried over.
                    self.carry.extend_from_slice(&b.buf[pos..filled]);
                    return Ok(true);
                }
            }
            if self.skipping {
                filled = pos;
            } else if filled - pos > self.max {
                self.skipping = true;
                filled = pos;
            }
            scan = filled;
            if self.eof {
                // The last line, without a line feed.
                if self.skipping {
                    self.skipping = false;
                    self.emit(b, pos, pos, false, true);
                } else if filled > pos {
                    self.emit(b, pos, filled, false, false);
                }
                pos = filled;
                break;
            }
            if pos >= target && !b.lines.is_empty() {
                break;
            }
            if b.buf.len() < filled + READ_CHUNK {
                b.buf.resize(filled + READ_CHUNK, 0);
            }
            loop {
                match self.r.read(&mut b.buf[filled..filled + READ_CHUNK]) {
                    Ok(0) => self.eof = true,
                    Ok(n) => filled += n,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    Err(e) => return Err(e),
                }
                break;
            }
        }
        self.carry.extend_from_slice(&b.buf[pos..filled]);
        Ok(!b.lines.is_empty())
    }
}

/// A batch's prepared results: per chunk of [`CHUNK_LINES`] lines, its index and results.
type Prepared<T> = Vec<(usize, Vec<T>)>;

/// Lines per unit of work that the threads of [`pipeline`] claim from a batch.
const CHUNK_LINES: usize = 128;

/// A run of consecutive lines of a batch, handed whole to a chunk preparer
/// ([`pipeline_chunks`]), so that it can work on several lines at once (such as
/// hashing their preimages two at a time, [`crate::crypto::lanes`]).
pub struct Chunk<'b> {
    batch: &'b Batch,
    spans: &'b [Span],
}

impl<'b> Chunk<'b> {
    /// Number of lines.
    pub fn len(&self) -> usize {
        self.spans.len()
    }

    /// True if the chunk has no line (never, for a chunk handed to a preparer).
    pub fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }

    /// Line `i` of the chunk (its bytes, without `\n`, and where it lies).
    pub fn line(&self, i: usize) -> (&'b [u8], LineMeta) {
        let s = &self.spans[i];
        (self.batch.line(s), s.meta)
    }

    /// The lines in order.
    pub fn iter(&self) -> impl Iterator<Item = (&'b [u8], LineMeta)> + '_ {
        (0..self.len()).map(|i| self.line(i))
    }
}

/// The preparation of one batch, shared by the threads that take part in it: each
/// claims the next chunk of [`CHUNK_LINES`] lines until none is left, so the calling
/// thread can join in as soon as its own work (reading and applying) is done. (A
/// thread outside the rayon pool cannot steal pool work: with `par_iter` it would only
/// block at the end of the batch, and its core would idle.)
struct Share<'b, T, I, P> {
    batch: &'b Batch,
    init: &'b I,
    prepare: &'b P,
    next: AtomicUsize,
    /// The prepared chunks, by chunk index (in whatever order they were finished).
    done: std::sync::Mutex<Prepared<T>>,
}

impl<'b, S, T: Send, I: Fn() -> S + Sync, P: Fn(&mut S, &Chunk<'_>, &mut Vec<T>) + Sync>
    Share<'b, T, I, P>
{
    fn new(batch: &'b Batch, init: &'b I, prepare: &'b P) -> Self {
        Share {
            batch,
            init,
            prepare,
            next: AtomicUsize::new(0),
            done: std::sync::Mutex::new(Vec::new()),
        }
    }

    /// Prepares chunks until every chunk of the batch has been claimed, with one
    /// working state for all of them.
    fn work(&self) {
        let lines = &self.batch.lines;
        let mut mine = Vec::new();
        let mut state = None;
        loop {
            let k = self.next.fetch_add(1, Ordering::Relaxed);
            let start = k.saturating_mul(CHUNK_LINES);
            if start >= lines.len() {
                break;
            }
            let state = state.get_or_insert_with(self.init);
            let chunk = Chunk {
                batch: self.batch,
                spans: &lines[start..lines.len().min(start + CHUNK_LINES)],
            };
            let mut out = Vec::with_capacity(chunk.len());
            (self.prepare)(state, &chunk, &mut out);
            // A preparer that broke its contract (one result per line) would misalign
            // every later line with its result: stop the run instead.
            assert_eq!(
                out.len(),
                chunk.len(),
                "chunk preparer: one result per line"
            );
            mine.push((k, out));
        }
        if !mine.is_empty() {
            // A poisoned lock means another participant panicked; the scope re-raises
            // that panic, so whatever is stored here is never used.
            let mut done = self.done.lock().unwrap_or_else(|p| p.into_inner());
            done.append(&mut mine);
        }
    }

    /// The results in line order, chunk by chunk (not copied into one vector: the
    /// results are moved once, when they are applied).
    fn into_results(self) -> Prepared<T> {
        let mut done = self.done.into_inner().unwrap_or_else(|p| p.into_inner());
        done.sort_unstable_by_key(|(k, _)| *k);
        done
    }
}

/// Applies a prepared batch: each line with its result, in line order.
fn apply_batch<T, A: FnMut(&[u8], LineMeta, T)>(b: &Batch, res: Prepared<T>, apply: &mut A) {
    debug_assert!(res.iter().enumerate().all(|(i, (k, _))| i == *k));
    debug_assert_eq!(
        res.iter().map(|(_, v)| v.len()).sum::<usize>(),
        b.lines.len()
    );
    for (l, t) in b.lines.iter().zip(res.into_iter().flat_map(|(_, v)| v)) {
        apply(b.line(l), l.meta, t);
    }
}

/// How many pool tasks help the calling thread prepare a batch: one per thread of the
/// pool used (`pool`, else the current one). While the caller reads, the pool alone
/// applies the previous batch and prepares; then the caller joins. Measured on 2 cores (BENCHMARKS.md,
/// optimisation 11), this was a few per cent faster than one helper fewer, which
/// leaves a core idle whenever the caller is descheduled.
fn helpers(pool: Option<&rayon::ThreadPool>) -> usize {
    pool.map_or_else(
        rayon::current_num_threads,
        rayon::ThreadPool::current_num_threads,
    )
}

/// Streams the lines of `r` through `prepare` in parallel, in batches of whole lines,
/// and hands each result with its line to `apply`, strictly in input order and one
/// call at a time (one batch after the other, on a pool thread or the caller).
/// `prepare` must depend on its line only; everything that depends on earlier lines
/// belongs in `apply`. The calling thread reads the next batch while pool tasks
/// ([`lines_pool`] when the caller is not in a rayon pool, else the caller's pool)
/// apply the previous one and prepare the current one, then joins them in preparing
/// it ([`Share`]), so at most three batches are held at once whatever the input size;
/// the results, and so everything `apply` reports, are the same for any number of
/// threads.
pub fn pipeline<R, T, P, A>(r: &mut R, max: usize, prepare: P, apply: A) -> io::Result<()>
where
    R: Read + ?Sized,
    T: Send,
    P: Fn(&[u8], LineMeta) -> T + Sync,
    A: FnMut(&[u8], LineMeta, T) + Send,
{
    pipeline_with(r, max, || (), |_, line, meta| prepare(line, meta), apply)
}

/// [`pipeline`] with a working state per participant in each batch: `init` makes it
/// (when the participant claims its first chunk of the batch) and `prepare` may use it
/// for anything that makes it faster but never changes its result, such as a cache of
/// line shapes ([`crate::canon::shape::Shapes`]). Which lines share a state depends on
/// the threads' timing, so a result that depended on the state would make the output
/// depend on the number of threads.
pub fn pipeline_with<R, S, T, I, P, A>(
    r: &mut R,
    max: usize,
    init: I,
    prepare: P,
    apply: A,
) -> io::Result<()>
where
    R: Read + ?Sized,
    T: Send,
    I: Fn() -> S + Sync,
    P: Fn(&mut S, &[u8], LineMeta) -> T + Sync,
    A: FnMut(&[u8], LineMeta, T) + Send,
{
    pipeline_chunks(
        r,
        max,
        init,
        |s: &mut S, c: &Chunk<'_>, out: &mut Vec<T>| {
            out.extend(c.iter().map(|(line, meta)| prepare(s, line, meta)));
        },
        apply,
    )
}

/// [`pipeline_with`] with a preparer that takes a [`Chunk`] of consecutive lines at a
/// time and must push exactly one result per line, in order (the run stops with a
/// panic otherwise). Its results must depend on each line alone, as for [`pipeline`];
/// only the work may be shared between the lines of a chunk. Which lines form a chunk
/// depends on the batch size, never on the number of threads.
pub fn pipeline_chunks<R, S, T, I, P, A>(
    r: &mut R,
    max: usize,
    init: I,
    prepare: P,
    mut apply: A,
) -> io::Result<()>
where
    R: Read + ?Sized,
    T: Send,
    I: Fn() -> S + Sync,
    P: Fn(&mut S, &Chunk<'_>, &mut Vec<T>) + Sync,
    A: FnMut(&[u8], LineMeta, T) + Send,
{
    let target = batch_bytes();
    let mut reader = BatchReader {
        r,
        max,
        no: 0,
        carry: Vec::new(),
        skipping: false,
        eof: false,
    };
    let mut cur = Batch::default();
    if !reader.next_batch(&mut cur, target)? {
        return Ok(());
    }
    let own_pool = lines_pool();
    let helpers = helpers(own_pool);
    let mut spare = Batch::default();
    // The batch being applied, with its results.
    let mut done: Option<(Batch, Prepared<T>)> = None;
    let (init, prepare) = (&init, &prepare);
    loop {
        let mut next = std::mem::take(&mut spare);
        let mut more = Ok(false);
        let share = Share::new(&cur, init, prepare);
        scope_in(own_pool, |s| {
            let share = &share;
            // The previous batch is applied by a pool thread (first: a caller outside
            // the pool queues its tasks in order) while the caller reads the next one:
            // the caller's own work (reading, and the hashing of the stream that its
            // reader may do) is the longest share, so it keeps none it can hand over.
            // Batches are still applied one at a time, in order: each scope ends
            // before the next begins.
            if let Some((b, res)) = done.take() {
                let (apply, spare) = (&mut apply, &mut spare);
                s.spawn(move |_| {
                    apply_batch(&b, res, apply);
                    *spare = b;
                });
            }
            for _ in 0..helpers {
                s.spawn(move |_| share.work());
            }
            more = reader.next_batch(&mut next, target);
            share.work();
        });
        let out = share.into_results();
        let more = more?;
        done = Some((std::mem::replace(&mut cur, next), out));
        if !more {
            break;
        }
    }
    if let Some((b, res)) = done.take() {
        apply_batch(&b, res, &mut apply);
    }
    Ok(())
}

/// The pool that prepares lines for a caller outside every rayon pool (the command
/// line's own thread): one thread fewer than the global pool's (at least one), made
/// once. The caller works too (reading, hashing the file, and its share of the
/// chunks), so this keeps the busy threads at the configured number; with the
/// global pool beside the caller, an idle pool thread spinning for work took the core
/// the caller needed (measured on 2 cores: 7% slower; BENCHMARKS.md, optimisation 12).
/// A caller that is itself a pool thread (batch mode) uses its own pool as before,
/// where waiting means helping. `None` if the pool cannot be made: then the global one.
fn lines_pool() -> Option<&'static rayon::ThreadPool> {
    static POOL: std::sync::OnceLock<Option<rayon::ThreadPool>> = std::sync::OnceLock::new();
    if rayon::current_thread_index().is_some() {
        return None;
    }
    POOL.get_or_init(|| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(rayon::current_num_threads().saturating_sub(1).max(1))
            .thread_name(|i| format!("evv-lines-{i}"))
            .build()
            .ok()
    })
    .as_ref()
}

/// `in_place_scope` on `pool`, or on the current (global) pool.
fn scope_in<'scope, R>(
    pool: Option<&rayon::ThreadPool>,
    op: impl FnOnce(&rayon::Scope<'scope>) -> R,
) -> R {
    match pool {
        Some(p) => p.in_place_scope(op),
        None => rayon::in_place_scope(op),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_and_caps() {
        let data = b"ab\nccccccccc\nd".to_vec();
        let mut l = Lines::new(&data[..], 4);
        let m = l.next_line().unwrap().unwrap();
        assert_eq!(
            (m.no, m.terminated, m.too_long, l.line()),
            (1, true, false, &b"ab"[..])
        );
        let m = l.next_line().unwrap().unwrap();
        assert!(m.too_long && m.terminated);
        let m = l.next_line().unwrap().unwrap();
        assert_eq!((m.no, m.terminated, l.line()), (3, false, &b"d"[..]));
        assert!(l.next_line().unwrap().is_none());
    }

    /// Every line of `data` as (no, terminated, too_long, bytes) through [`Lines`].
    fn by_lines(data: &[u8], max: usize) -> Vec<(u64, bool, bool, Vec<u8>)> {
        let mut l = Lines::new(data, max);
        let mut out = Vec::new();
        while let Some(m) = l.next_line().unwrap() {
            let b = if m.too_long {
                Vec::new()
            } else {
                l.line().to_vec()
            };
            out.push((m.no, m.terminated, m.too_long, b));
        }
        out
    }

    fn by_pipeline(data: &[u8], max: usize, target: usize) -> Vec<(u64, bool, bool, Vec<u8>)> {
        // A reader returning a few bytes at a time, to split lines across reads.
        struct Trickle<'a>(&'a [u8], usize);
        impl Read for Trickle<'_> {
            fn read(&mut self, b: &mut [u8]) -> io::Result<usize> {
                let n = self.0.len().min(b.len()).min(self.1);
                b[..n].copy_from_slice(&self.0[..n]);
                self.0 = &self.0[n..];
                Ok(n)
            }
        }
        let mut r = BatchReader {
            r: &mut Trickle(data, 7),
            max,
            no: 0,
            carry: Vec::new(),
            skipping: false,
            eof: false,
        };
        let mut out = Vec::new();
        let mut b = Batch::default();
        while r.next_batch(&mut b, target).unwrap() {
            for s in &b.lines {
                let m = s.meta;
                out.push((m.no, m.terminated, m.too_long, b.line(s).to_vec()));
            }
        }
        let mut again = Vec::new();
        pipeline(
            &mut &data[..],
            max,
            |l, m| (m, l.to_vec()),
            |l, m, (m2, l2)| {
                assert_eq!((m, l), (m2, &l2[..]));
                let b = if m.too_long { Vec::new() } else { l2 };
                again.push((m.no, m.terminated, m.too_long, b));
            },
        )
        .unwrap();
        assert_eq!(out, again);
        out
    }

    #[test]
    fn batches_split_like_lines() {
        let cases: [&[u8]; 9] = [
            b"",
            b"\n",
            b"a",
            b"abcd\n",
            b"abcde\n",
            b"abcde",
            b"ab\nccccccccc\nd",
            b"\n\nabcdefghijklmnop\nxy\nabcde\n",
            b"0123\n01234\n012345\n0123",
        ];
        for c in cases {
            for max in [1, 4, 5, 64] {
                for target in [1, 3, 8, 1 << 20] {
                    assert_eq!(
                        by_lines(c, max),
                        by_pipeline(c, max, target),
                        "{c:?} {max} {target}"
                    );
                }
            }
        }
        let long: Vec<u8> = (0..5000u32)
            .flat_map(|i| {
                let mut l = vec![b'x'; (i as usize * 37) % 300];
                l.push(b'\n');
                l
            })
            .collect();
        for max in [100, 299, 1000] {
            assert_eq!(by_lines(&long, max), by_pipeline(&long, max, 4096));
        }
        // More lines than a batch holds.
        let mut many = vec![b'\n'; BATCH_LINES * 2 + 3];
        many.extend_from_slice(b"abc\nd");
        assert_eq!(by_lines(&many, 2), by_pipeline(&many, 2, 1 << 20));
    }

    /// Results reach `apply` in line order, each with its own line, when the caller is a
    /// worker of pools of 1 to 4 threads (as in `evv gate`), over many chunks and
    /// batches, whatever order the chunks are finished in.
    #[test]
    fn pipeline_order_in_any_pool() {
        let data: Vec<u8> = (0..20_000u32)
            .flat_map(|i| format!("{i}:{}\n", "y".repeat((i as usize * 7) % 50)).into_bytes())
            .collect();
        let expected = by_lines(&data, 64);
        for threads in 1..=4 {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            let got = pool.install(|| {
                let mut got = Vec::new();
                pipeline(
                    &mut &data[..],
                    64,
                    |l, m| {
                        // Uneven work, so that chunks finish out of order.
                        let spin = (m.no % 97) as usize * 50;
                        let mut x = 0u64;
                        for k in 0..spin {
                            x = std::hint::black_box(x.wrapping_add(k as u64));
                        }
                        (m.no, l.to_vec(), x)
                    },
                    |l, m, (no, l2, _)| {
                        assert_eq!((m.no, l), (no, &l2[..]));
                        got.push((m.no, m.terminated, m.too_long, l2));
                    },
                )
                .unwrap();
                got
            });
            assert_eq!(got, expected, "{threads} threads");
        }
    }

    /// A chunk preparer sees consecutive lines with their metadata (the same as line
    /// by line), and its results reach `apply` in order, from the caller's thread or
    /// from a pool thread, one call at a time.
    #[test]
    fn chunk_preparer_sees_consecutive_lines() {
        // More lines than a batch holds (`BATCH_LINES`): three batches.
        let data: Vec<u8> = (0..40_000u32)
            .flat_map(|i| format!("{i}{}\n", "z".repeat(i as usize % 9)).into_bytes())
            .collect();
        let expected = by_lines(&data, 64);
        for threads in [1, 2, 3] {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            let run = || {
                let mut got = Vec::new();
                pipeline_chunks(
                    &mut &data[..],
                    64,
                    || 0u64,
                    |seen: &mut u64, c: &Chunk<'_>, out: &mut Vec<(u64, Vec<u8>)>| {
                        assert!(!c.is_empty() && c.len() <= CHUNK_LINES);
                        let first = c.line(0).1.no;
                        for (i, (l, m)) in c.iter().enumerate() {
                            assert_eq!(m.no, first + i as u64, "consecutive");
                            *seen += 1;
                            out.push((m.no, l.to_vec()));
                        }
                    },
                    |l, m, (no, l2)| {
                        assert_eq!((m.no, l), (no, &l2[..]));
                        got.push((m.no, m.terminated, m.too_long, l2));
                    },
                )
                .unwrap();
                got
            };
            // Inside a pool (batch mode) and outside every pool (the command line).
            assert_eq!(pool.install(run), expected, "{threads} threads, in a pool");
            assert_eq!(run(), expected, "{threads}, outside");
        }
    }

    #[test]
    #[should_panic(expected = "one result per line")]
    fn chunk_preparer_must_give_one_result_per_line() {
        let data = b"a\nb\nc\n";
        let _ = pipeline_chunks(
            &mut &data[..],
            64,
            || (),
            |_, _c: &Chunk<'_>, out: &mut Vec<u8>| out.push(0),
            |_, _, _| {},
        );
    }

    #[test]
    fn newline_finder() {
        for n in 0..40 {
            for at in 0..=n {
                let mut b = vec![b'\n' ^ 0x80; n];
                if at < n {
                    b[at] = b'\n';
                }
                assert_eq!(crate::container::find_newline(&b), (at < n).then_some(at));
            }
        }
    }
}
