//! A lazy iterator over a paged list, shared by the providers that page.

use std::fmt;

use crate::error::Result;

/// One page as a provider returned it.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Page<T> {
    /// The items on this page.
    pub items: Vec<T>,
    /// The total number of items across all pages, when the provider says.
    pub total: Option<u64>,
}

impl<T> Page<T> {
    /// A page with no total.
    pub fn new(items: Vec<T>) -> Self {
        Page { items, total: None }
    }

    /// Sets the total.
    pub fn with_total(mut self, total: Option<u64>) -> Self {
        self.total = total;
        self
    }
}

/// Yields every item of a paged list, fetching a page only when the previous one is used up.
///
/// It stops after an empty page, a short page (fewer items than the page size), or once the
/// provider's total is reached. A failed fetch is yielded once as `Err` and ends the stream.
///
/// ```
/// use contacts_core::{Page, Pages};
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
/// # Ok::<(), contacts_core::Error>(())
/// ```
pub struct Pages<T, F> {
    fetch: F,
    next_page: u64,
    page_size: usize,
    buffer: std::vec::IntoIter<T>,
    seen: u64,
    done: bool,
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

impl<T, F: FnMut(u64) -> Result<Page<T>>> Pages<T, F> {
    /// Pages starting at `first_page` (0 or 1, as the provider counts), `page_size` items each.
    pub fn new(first_page: u64, page_size: usize, fetch: F) -> Self {
        Pages { fetch, next_page: first_page, page_size, buffer: Vec::new().into_iter(), seen: 0, done: false }
    }
}

impl<T, F: FnMut(u64) -> Result<Page<T>>> Iterator for Pages<T, F> {
    type Item = Result<T>;

    fn next(&mut self) -> Option<Result<T>> {
        loop {
            if let Some(item) = self.buffer.next() {
                return Some(Ok(item));
            }
            if self.done {
                return None;
            }
            match (self.fetch)(self.next_page) {
                Err(e) => {
                    self.done = true;
                    return Some(Err(e));
                }
                Ok(page) => {
                    let n = page.items.len();
                    self.seen += n as u64;
                    self.next_page += 1;
                    self.done = n == 0 || n < self.page_size || page.total.is_some_and(|t| self.seen >= t);
                    self.buffer = page.items.into_iter();
                }
            }
        }
    }
}
