//! A scripted loopback HTTP server for the clients' tests: it answers connections with the
//! script in order and keeps what it was asked.

use std::sync::{Arc, Mutex};
use std::time::Instant;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// One scripted reply: raw HTTP bytes, or `None` to close the connection without answering.
pub(crate) type Reply = Option<Vec<u8>>;

/// A loopback server that answers connections with the script in order (the last reply
/// repeats) and keeps the arrival time and the whole text of each request.
pub(crate) struct Script {
    pub(crate) url: String,
    pub(crate) seen: Arc<Mutex<Vec<(Instant, String)>>>,
}

pub(crate) async fn serve(replies: Vec<Reply>) -> Script {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    tokio::spawn(async move {
        let mut n = 0;
        loop {
            let Ok((mut socket, _)) = listener.accept().await else {
                return;
            };
            let reply = replies[n.min(replies.len() - 1)].clone();
            n += 1;
            let log = log.clone();
            tokio::spawn(async move {
                let request = read_request(&mut socket).await;
                log.lock().unwrap().push((Instant::now(), request));
                if let Some(bytes) = reply {
                    let _ = socket.write_all(&bytes).await;
                }
                // Dropping the socket closes it: a reset or an ended answer.
            });
        }
    });
    Script { url, seen }
}

async fn read_request(socket: &mut tokio::net::TcpStream) -> String {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    while let Ok(n) = socket.read(&mut chunk).await {
        if n == 0 {
            break;
        }
        buf.extend_from_slice(&chunk[..n]);
        let text = String::from_utf8_lossy(&buf);
        if let Some(end) = text.find("\r\n\r\n") {
            let length = text[..end]
                .lines()
                .find_map(|l| {
                    let (k, v) = l.split_once(':')?;
                    k.eq_ignore_ascii_case("content-length")
                        .then(|| v.trim().parse::<usize>().ok())?
                })
                .unwrap_or(0);
            if buf.len() >= end + 4 + length {
                return text.into_owned();
            }
        }
    }
    String::from_utf8_lossy(&buf).into_owned()
}

pub(crate) fn reply(status: &str, headers: &str, body: &str) -> Reply {
    Some(
        format!(
            "HTTP/1.1 {status}\r\nContent-Type: text/xml; charset=UTF-8\r\nContent-Length: {}\r\nConnection: close\r\n{headers}\r\n{body}",
            body.len()
        )
        .into_bytes(),
    )
}
