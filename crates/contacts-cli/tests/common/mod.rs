//! What several test binaries of the `contacts` command share.

use std::process::Command;

/// `contacts sandbox serve ARGS` in the background, and the environment it prints.
pub fn serve(args: &[&str]) -> (std::process::Child, Vec<(String, String)>) {
    use std::io::BufRead;
    let mut child = Command::new(env!("CARGO_BIN_EXE_contacts"))
        .args(["sandbox", "serve"])
        .args(args)
        .stdout(std::process::Stdio::piped())
        // Its start lines (a few short ones) wait in the pipe for a test that reads them.
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let env = std::io::BufReader::new(stdout)
        .lines()
        .take(8)
        .map(|l| {
            let l = l.unwrap();
            let (k, v) = l.trim_start_matches("export ").split_once('=').unwrap();
            (k.to_owned(), v.trim_matches('\'').to_owned())
        })
        .collect();
    (child, env)
}
