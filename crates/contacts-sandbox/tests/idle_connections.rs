//! Alone in its own test binary, so no other test's threads are counted.

use contacts_sandbox::Sandbox;

#[test]
fn five_hundred_idle_connections_do_not_make_five_hundred_threads() {
    fn threads() -> usize {
        let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
        status.lines().find_map(|l| l.strip_prefix("Threads:")).and_then(|n| n.trim().parse().ok()).unwrap_or(0)
    }
    let sb = Sandbox::start().unwrap();
    let before = threads();
    let idle: Vec<_> = (0..500).filter_map(|_| std::net::TcpStream::connect(sb.addr()).ok()).collect();
    assert_eq!(idle.len(), 500);
    // Let the accept loop take them all.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while sb.connection_count() < 500 && std::time::Instant::now() < deadline {
        std::thread::yield_now();
    }
    assert_eq!(sb.connection_count(), 500);
    let grown = threads().saturating_sub(before);
    assert!(grown <= 64 + 4, "500 idle connections made {grown} threads");
    drop(idle);
}
