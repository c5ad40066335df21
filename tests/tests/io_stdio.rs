//! `stdin` / `stdout` / `stderr` through the blocking pool, in a child process whose
//! standard streams are pipes.

use std::io::{Read, Write};
use std::process::{Command, Stdio};

use runtime::io::{AsyncReadExt, AsyncWriteExt};
use runtime_tests::Flavor;

#[test]
fn stdin_to_stdout_through_the_blocking_pool() {
    if std::env::var_os("RUNTIME_STDIO_CHILD").is_some() {
        for flavor in [Flavor::CurrentThread, Flavor::MultiThread] {
            let rt = flavor.rt();
            rt.block_on(async {
                let mut input = Vec::new();
                let mut stdin = runtime::io::stdin();
                // Read a known amount, so both flavors get their share of the input.
                let mut chunk = vec![0u8; 100_000];
                stdin.read_exact(&mut chunk).await.unwrap();
                input.extend_from_slice(&chunk);
                let mut out = runtime::io::stdout();
                out.write_all(b"<").await.unwrap();
                out.write_all(&input.to_ascii_uppercase()).await.unwrap();
                out.write_all(b">").await.unwrap();
                out.flush().await.unwrap();
                let mut err = runtime::io::stderr();
                err.write_all(b"stderr works").await.unwrap();
                err.flush().await.unwrap();
            });
        }
        // The rest of stdin, to its end.
        Flavor::CurrentThread.rt().block_on(async {
            let mut rest = Vec::new();
            runtime::io::stdin().read_to_end(&mut rest).await.unwrap();
            let mut out = runtime::io::stdout();
            out.write_all(format!("[rest {}]", rest.len()).as_bytes())
                .await
                .unwrap();
            out.flush().await.unwrap();
        });
        return;
    }
    let exe = std::env::current_exe().unwrap();
    let mut child = Command::new(exe)
        .args([
            "stdin_to_stdout_through_the_blocking_pool",
            "--exact",
            "--nocapture",
            "--test-threads=1",
            "-q",
        ])
        .env("RUNTIME_STDIO_CHILD", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || {
        let data: Vec<u8> = (0..250_000u32).map(|i| b'a' + (i % 26) as u8).collect();
        stdin.write_all(&data).unwrap();
    });
    let mut stdout = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut stdout)
        .unwrap();
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    writer.join().unwrap();
    assert!(child.wait().unwrap().success(), "{stderr}");
    let expected: String = (0..100_000u32)
        .map(|i| (b'A' + (i % 26) as u8) as char)
        .collect();
    assert!(
        stdout.contains(&format!("<{expected}>")),
        "first chunk missing"
    );
    let second: String = (100_000..200_000u32)
        .map(|i| (b'A' + (i % 26) as u8) as char)
        .collect();
    assert!(
        stdout.contains(&format!("<{second}>")),
        "second chunk missing"
    );
    assert!(
        stdout.contains("[rest 50000]"),
        "{}",
        &stdout[stdout.len().saturating_sub(200)..]
    );
    assert!(stderr.contains("stderr works"), "{stderr}");
}
