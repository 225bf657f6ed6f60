//! Alone in its own test binary, so no other test's allocations are counted: the sandbox
//! runs in this process, and a counting allocator sees every byte it holds.

use std::alloc::{GlobalAlloc, Layout, System};
use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};

use contacts_sandbox::Sandbox;

struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call is passed to the system allocator unchanged; only sizes are counted.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size(), Ordering::Relaxed);
        // SAFETY: the caller's contract for `alloc` is the one `System.alloc` needs.
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size(), Ordering::Relaxed);
        // SAFETY: as for `alloc`.
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        // SAFETY: `ptr` came from this allocator, that is from `System`, with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LIVE.fetch_add(new_size, Ordering::Relaxed);
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        // SAFETY: as for `dealloc`, and `new_size` is the caller's valid new size.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

fn live_kib() -> usize {
    LIVE.load(Ordering::Relaxed) / 1024
}

#[test]
fn a_declared_body_length_reserves_nothing_before_the_bytes_arrive() {
    // Before: each connection reserved its declared Content-Length up front: 64 connections
    // declaring 15 MiB bodies, sending 5 bytes each, took the sandbox to about 1 GB.
    let sb = Sandbox::start().unwrap();
    let before = live_kib();
    let declared: Vec<_> = (0..64)
        .filter_map(|_| {
            let mut s = std::net::TcpStream::connect(sb.addr()).ok()?;
            s.write_all(b"POST /previsto/contacts HTTP/1.1\r\nHost: x\r\nContent-Length: 15728640\r\n\r\nname=")
                .ok()?;
            Some(s)
        })
        .collect();
    assert_eq!(declared.len(), 64);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while sb.connection_count() < 64 && std::time::Instant::now() < deadline {
        std::thread::yield_now();
    }
    // Give each connection's thread time to read its head and start on the body.
    let mut grown = 0;
    let until = std::time::Instant::now() + std::time::Duration::from_secs(2);
    while std::time::Instant::now() < until {
        grown = grown.max(live_kib().saturating_sub(before));
        std::thread::yield_now();
    }
    // 64 bodies reserved up front would hold 960 MiB; read as they arrive, a few MiB.
    assert!(grown < 64 * 1024, "64 declared 15 MiB bodies grew the sandbox by {} MiB", grown / 1024);
    drop(declared);
}
