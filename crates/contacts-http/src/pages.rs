//! A lazy iterator over a paged list, shared by the providers that page.

use std::fmt;

use contacts_core::{Error, Result};

/// One page as a provider returned it.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Page<T> {
    /// The items on this page.
    pub items: Vec<T>,
    /// The total number of items across all pages, when the provider says.
    pub total: Option<u64>,
    /// A digest of the answer the page came in ([`fingerprint`]): the pager remembers it, not
    /// the page, to notice a page served twice.
    pub fingerprint: Option<u64>,
}

impl<T> Page<T> {
    /// A page with no total.
    pub fn new(items: Vec<T>) -> Self {
        Page { items, total: None, fingerprint: None }
    }

    /// Sets the total.
    pub fn with_total(mut self, total: Option<u64>) -> Self {
        self.total = total;
        self
    }

    /// Sets the digest of the answer's body ([`fingerprint`]), so [`Pages`] remembers 16
    /// bytes a page instead of a copy of its first and last items.
    pub fn with_fingerprint(mut self, body: &[u8]) -> Self {
        self.fingerprint = Some(fingerprint(body));
        self
    }
}

/// A page answer's digest: 64 bits of its whole body, eight bytes at a step (a fraction of a
/// microsecond per contact). Two answers with the same body are the same page served twice.
pub fn fingerprint(body: &[u8]) -> u64 {
    const K: u64 = 0x517c_c1b7_2722_0a95;
    let mut h = body.len() as u64;
    let mut words = body.chunks_exact(8);
    for word in &mut words {
        let mut w = [0u8; 8];
        w.copy_from_slice(word);
        h = (h.rotate_left(5) ^ u64::from_le_bytes(w)).wrapping_mul(K);
    }
    for b in words.remainder() {
        h = (h.rotate_left(5) ^ u64::from(*b)).wrapping_mul(K);
    }
    h
}

/// Yields every item of a paged list, fetching a page only when the previous one is used up.
///
/// A total the provider sends is a hint, never a reason to stop early: a full page is always
/// followed by one more request (so a total lower than the list cannot cut it), a page shorter
/// than asked is the end unless the total says there is more (servers cap page sizes), and an
/// empty page before the total is reached is an error, not a quiet stop. A total that
/// disagrees with what was read is logged at `warn`. Never silently lost or looped:
///
/// - a page with more items than asked is refused ([`Error::Decode`]): the list was not read
///   as asked, and a page size the server ignores loses or repeats items;
/// - a page that repeats any page served before (a server that ignores `page`, or serves
///   A, B, A, B…) ends the stream with an error instead of yielding the same contacts again;
/// - the page counter never overflows.
///
/// A failed fetch is yielded once as `Err` and ends the stream.
///
/// ```
/// use contacts_http::{Page, Pages};
/// let data: Vec<u32> = (0..5).collect();
/// let mut fetched = Vec::new();
/// let all: Vec<u32> = Pages::new(0, 2, |page| {
///     fetched.push(page);
///     let start = (page as usize * 2).min(5);
///     Ok(Page::new(data[start..(start + 2).min(5)].to_vec()))
/// })
/// .collect::<Result<_, _>>()?;
/// assert_eq!(all, data);
/// assert_eq!(fetched, [0, 1, 2]); // page 2 was short: no fourth request
/// # Ok::<(), contacts_http::core::Error>(())
/// ```
pub struct Pages<T, F> {
    fetch: F,
    next_page: Option<u64>,
    page_size: usize,
    buffer: std::vec::IntoIter<T>,
    seen: u64,
    /// The first and last items and the length of every page served without a fingerprint, to
    /// notice a page served twice anywhere in the list.
    served: Vec<(T, T, usize)>,
    /// The fingerprint and length of every page served with one: 16 bytes a page, however
    /// long the list.
    fingerprints: std::collections::HashSet<(u64, usize)>,
    /// The total the provider last announced.
    total: Option<u64>,
    /// An error found before the first request (an invalid query), yielded instead of it.
    refused: Option<Error>,
    done: bool,
    /// The log target of what the pager notices (the provider crate's name).
    log_target: &'static str,
}

impl<T, F> fmt::Debug for Pages<T, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pages")
            .field("next_page", &self.next_page)
            .field("page_size", &self.page_size)
            .field("seen", &self.seen)
            .field("done", &self.done)
            .finish_non_exhaustive()
    }
}

impl<T: Clone + PartialEq, F: FnMut(u64) -> Result<Page<T>>> Pages<T, F> {
    /// Pages starting at `first_page` (0 or 1, as the provider counts), `page_size` items each.
    pub fn new(first_page: u64, page_size: usize, fetch: F) -> Self {
        Pages {
            fetch,
            next_page: Some(first_page),
            page_size,
            buffer: Vec::new().into_iter(),
            seen: 0,
            served: Vec::new(),
            fingerprints: std::collections::HashSet::new(),
            total: None,
            refused: None,
            done: false,
            log_target: "contacts_http",
        }
    }

    /// Logs what the pager notices (a total that disagrees with what was read) under
    /// `target`: a provider passes its own crate name, so `RUST_LOG=<crate>=warn` shows it.
    /// Defaults to `contacts_http`.
    pub fn logging_as(mut self, target: &'static str) -> Self {
        self.log_target = target;
        self
    }

    /// Pages of a query checked before anything is sent: when `check` failed, its error is
    /// the stream's only item and nothing is fetched. Lets `iter` stay lazy (it returns an
    /// iterator, not a `Result`) without sending a query known to be wrong.
    ///
    /// ```
    /// use contacts_http::core::Error;
    /// use contacts_http::{Page, Pages};
    /// let check = Err(Error::validation("size", "must be 1 to 100"));
    /// let mut pages = Pages::new(0, 10, |_| -> Result<Page<u32>, Error> { panic!("nothing is sent") }).refusing(check);
    /// assert!(matches!(pages.next(), Some(Err(Error::Validation(_)))));
    /// assert!(pages.next().is_none());
    /// ```
    pub fn refusing(mut self, check: Result<()>) -> Self {
        self.refused = check.err();
        self
    }

    /// Takes in a fetched page, deciding whether it is the last; an error ends the stream.
    fn accept(&mut self, page: u64, fetched: Page<T>) -> Result<()> {
        let n = fetched.items.len();
        oversize(&format!("page {page}"), n, self.page_size)?;
        let repeated = match (fetched.fingerprint, fetched.items.first(), fetched.items.last()) {
            (_, None, _) | (_, _, None) => false,
            (Some(print), _, _) => !self.fingerprints.insert((print, n)),
            (None, Some(first), Some(last)) => {
                let ends = (first.clone(), last.clone(), n);
                let seen = self.served.contains(&ends);
                self.served.push(ends);
                seen
            }
        };
        if repeated {
            return Err(Error::decode(
                None,
                format!(
                    "page {page} repeats a page served before: the server ignores the page number \
                     (stopped after {} items)",
                    self.seen
                ),
            ));
        }
        self.seen = self.seen.saturating_add(n as u64);
        self.next_page = page.checked_add(1);
        // The total is a hint: a full page is always followed by one more request (a total
        // lower than the list must not cut it short), and a short page ends the list unless
        // the total says there is more (servers cap page sizes).
        self.done = match fetched.total {
            Some(total) if n == 0 && self.seen < total => {
                return Err(Error::decode(
                    None,
                    format!("the server said {total} items in all but sent only {} before an empty page", self.seen),
                ));
            }
            _ if n == 0 => true,
            _ if n == self.page_size => false,
            Some(total) => self.seen >= total,
            None => true,
        };
        if self.done
            && let Some(total) = fetched.total.or(self.total)
            && total != self.seen
        {
            log::warn!(
                target: self.log_target,
                "the list said {total} items in all; {} were read (the total is a hint: every page was read)",
                self.seen
            );
        }
        if fetched.total.is_some() {
            self.total = fetched.total;
        }
        self.buffer = fetched.items.into_iter();
        Ok(())
    }

    /// The total the provider last announced, when it did (a hint: see [`Pages`]).
    pub fn announced_total(&self) -> Option<u64> {
        self.total
    }
}

impl<T: Clone + PartialEq, F: FnMut(u64) -> Result<Page<T>>> Iterator for Pages<T, F> {
    type Item = Result<T>;

    fn next(&mut self) -> Option<Result<T>> {
        if let Some(e) = self.refused.take() {
            self.done = true;
            return Some(Err(e));
        }
        loop {
            if let Some(item) = self.buffer.next() {
                return Some(Ok(item));
            }
            if self.done {
                return None;
            }
            let Some(page) = self.next_page else {
                self.done = true;
                return Some(Err(Error::validation("page", "the page number ran past its largest value")));
            };
            let outcome = (self.fetch)(page).and_then(|fetched| self.accept(page, fetched));
            if let Err(e) = outcome {
                self.done = true;
                return Some(Err(e));
            }
        }
    }
}

/// A page holding more items than asked: the list was not read as asked (a page size the
/// server ignores loses or repeats items), so it is refused.
fn oversize(which: &str, n: usize, asked: usize) -> Result<()> {
    if n > asked {
        return Err(Error::decode(None, format!("{which} holds {n} items, more than the {asked} asked for")));
    }
    Ok(())
}

/// One page of a cursor-paged list: its items and the cursor of the next page (`None` at the
/// end).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct CursorPage<T> {
    /// The items on this page.
    pub items: Vec<T>,
    /// The cursor that asks for the next page; `None` on the last.
    pub next: Option<String>,
}

impl<T> CursorPage<T> {
    /// A page and the cursor after it.
    pub fn new(items: Vec<T>, next: Option<String>) -> Self {
        CursorPage { items, next }
    }
}

/// [`Pages`] for a list paged by cursor (`?after=<cursor>`), with the same rules: a query
/// refused before anything is sent ([`refusing`](Self::refusing)), a page holding more than
/// asked refused, and a cursor served before (a server that loops) an error instead of the
/// same contacts again. The list ends when a page has no next cursor; a failed fetch is yielded
/// once as `Err` and ends the stream.
///
/// ```
/// use contacts_http::{CursorPage, CursorPages};
/// let pages = [(None, vec![1, 2], Some("b")), (Some("b"), vec![3, 4], Some("c")), (Some("c"), vec![5], None)];
/// let all: Vec<u32> = CursorPages::new(2, |cursor: Option<&str>| {
///     let (_, items, next) = pages.iter().find(|(c, _, _)| *c == cursor).unwrap();
///     Ok(CursorPage::new(items.clone(), next.map(str::to_owned)))
/// })
/// .collect::<Result<_, _>>()?;
/// assert_eq!(all, [1, 2, 3, 4, 5]);
/// # Ok::<(), contacts_http::core::Error>(())
/// ```
pub struct CursorPages<T, F> {
    fetch: F,
    /// The cursor of the next page (`None` for the first); `done` once a page had none.
    cursor: Option<String>,
    page_size: usize,
    buffer: std::vec::IntoIter<T>,
    /// Every cursor followed, to notice a server that loops.
    followed: std::collections::HashSet<String>,
    /// An error to yield before anything else is fetched: a refused query, or a loop found.
    refused: Option<Error>,
    done: bool,
}

impl<T, F> fmt::Debug for CursorPages<T, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CursorPages")
            .field("page_size", &self.page_size)
            .field("pages", &(self.followed.len() + usize::from(self.cursor.is_some() || self.done)))
            .field("done", &self.done)
            .finish_non_exhaustive()
    }
}

impl<T, F: FnMut(Option<&str>) -> Result<CursorPage<T>>> CursorPages<T, F> {
    /// Pages of `page_size` items, the first fetched with no cursor.
    pub fn new(page_size: usize, fetch: F) -> Self {
        CursorPages {
            fetch,
            cursor: None,
            page_size,
            buffer: Vec::new().into_iter(),
            followed: std::collections::HashSet::new(),
            refused: None,
            done: false,
        }
    }

    /// As [`Pages::refusing`]: when `check` failed, its error is the only item and nothing is
    /// fetched.
    pub fn refusing(mut self, check: Result<()>) -> Self {
        self.refused = check.err();
        self
    }

    fn fetch_next(&mut self) -> Result<()> {
        let page = (self.fetch)(self.cursor.as_deref())?;
        let which = match &self.cursor {
            Some(c) => format!("the page after cursor {}", contacts_core::escaped(c)),
            None => "the first page".to_owned(),
        };
        oversize(&which, page.items.len(), self.page_size)?;
        match page.next {
            // This page is new: its items are yielded, then the loop is reported instead of
            // the pages served before.
            Some(next) if !self.followed.insert(next.clone()) => {
                self.refused = Some(Error::decode(
                    None,
                    format!(
                        "{which} points back to cursor {}, served before: the server loops",
                        contacts_core::escaped(&next)
                    ),
                ));
            }
            Some(next) => self.cursor = Some(next),
            None => self.done = true,
        }
        self.buffer = page.items.into_iter();
        Ok(())
    }
}

impl<T, F: FnMut(Option<&str>) -> Result<CursorPage<T>>> Iterator for CursorPages<T, F> {
    type Item = Result<T>;

    fn next(&mut self) -> Option<Result<T>> {
        if let Some(e) = self.refused.take() {
            self.done = true;
            return Some(Err(e));
        }
        loop {
            if let Some(item) = self.buffer.next() {
                return Some(Ok(item));
            }
            if let Some(e) = self.refused.take() {
                self.done = true;
                return Some(Err(e));
            }
            if self.done {
                return None;
            }
            if let Err(e) = self.fetch_next() {
                self.done = true;
                return Some(Err(e));
            }
        }
    }
}

#[cfg(test)]
mod cursor_tests {
    use super::*;

    #[test]
    fn a_looping_cursor_an_oversize_page_and_a_refused_query_end_the_stream_with_an_error() {
        // A, B, A: the server loops.
        let mut calls = 0;
        let looping: Vec<Result<u32>> = CursorPages::new(2, |cursor: Option<&str>| {
            calls += 1;
            let next = if cursor == Some("b") { "a" } else { "b" };
            Ok(CursorPage::new(vec![calls], Some(next.to_owned())))
        })
        .collect();
        assert_eq!(looping.len(), 4, "{looping:?}");
        let last = looping.last().and_then(|r| r.as_ref().err()).map(ToString::to_string).unwrap_or_default();
        assert!(last.contains("points back to cursor b"), "{last}");

        let oversize: Vec<Result<u32>> =
            CursorPages::new(2, |_: Option<&str>| Ok(CursorPage::new(vec![1, 2, 3], None))).collect();
        assert!(oversize.len() == 1 && oversize[0].is_err(), "{oversize:?}");

        let mut sent = false;
        let refused: Vec<Result<u32>> = CursorPages::new(2, |_: Option<&str>| {
            sent = true;
            Ok(CursorPage::new(vec![], None))
        })
        .refusing(Err(Error::validation("size", "no")))
        .collect();
        assert!(refused.len() == 1 && !sent);

        // A failed page is yielded once and ends the stream.
        let failed: Vec<Result<u32>> =
            CursorPages::new(2, |_: Option<&str>| Err(Error::transport(contacts_core::TransportKind::Io, true, "x")))
                .collect();
        assert_eq!(failed.len(), 1);
    }
}
