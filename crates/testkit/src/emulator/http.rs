//! The blocking HTTP/1.1 exchange with the emulator's `/_ext/` endpoints: one request per connection, JSON in
//! and out, no dependency beyond the standard library.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use serde::de::DeserializeOwned;
use serde_json::Value;

use super::Emulator;
use super::error::{EmulatorError, io_error};
use super::setup::tail;

const EXT_TIMEOUT: Duration = Duration::from_secs(30);

impl Emulator {
    /// `GET path` and the list under `field` of its answer.
    pub(super) fn get_list<T: DeserializeOwned>(
        &self,
        path: &str,
        field: &str,
    ) -> Result<Vec<T>, EmulatorError> {
        let mut answer = self.call("GET", path, None)?;
        decode(
            path,
            answer
                .get_mut(field)
                .map(Value::take)
                .unwrap_or(Value::Null),
        )
    }

    /// One `/_ext/` call; any status outside 2xx is an error with the answer's body.
    pub(super) fn call(
        &self,
        method: &str,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Value, EmulatorError> {
        let payload = body.map(Value::to_string).unwrap_or_default();
        let (status, text) = http_request(self.port(), method, path, "", &payload)?;
        if !(200..300).contains(&status) {
            return Err(EmulatorError::Http {
                method: method.to_owned(),
                path: path.to_owned(),
                status,
                body: text,
            });
        }
        serde_json::from_str(&text).map_err(|source| EmulatorError::Decode {
            path: path.to_owned(),
            source,
        })
    }
}

pub(super) fn decode<T: DeserializeOwned>(path: &str, value: Value) -> Result<T, EmulatorError> {
    serde_json::from_value(value).map_err(|source| EmulatorError::Decode {
        path: path.to_owned(),
        source,
    })
}

pub(super) fn percent_encode(text: &str) -> String {
    text.bytes()
        .map(|byte| match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (byte as char).to_string()
            }
            _ => format!("%{byte:02X}"),
        })
        .collect()
}

/// One HTTP/1.1 exchange with `Connection: close` (`headers`: more header lines, each ending in CRLF, the
/// content type among them when it is not JSON); returns the status and the body.
pub(super) fn http_request(
    port: u16,
    method: &str,
    path: &str,
    headers: &str,
    payload: &str,
) -> Result<(u16, String), EmulatorError> {
    let what = || format!("{method} {path} on the emulator");
    let mut stream = TcpStream::connect(("127.0.0.1", port)).map_err(io_error(what()))?;
    stream
        .set_read_timeout(Some(EXT_TIMEOUT))
        .map_err(io_error(what()))?;
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n{headers}\
         {}Content-Length: {}\r\n\r\n",
        if headers.to_ascii_lowercase().contains("content-type:") {
            ""
        } else {
            "Content-Type: application/json\r\n"
        },
        payload.len()
    );
    stream
        .write_all(head.as_bytes())
        .map_err(io_error(what()))?;
    stream
        .write_all(payload.as_bytes())
        .map_err(io_error(what()))?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).map_err(io_error(what()))?;
    let text = String::from_utf8_lossy(&raw);
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .ok_or_else(|| EmulatorError::Http {
            method: method.to_owned(),
            path: path.to_owned(),
            status: 0,
            body: tail(&text, 5),
        })?;
    Ok((status, body.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn topic_arns_are_percent_encoded_for_the_query_string() {
        assert_eq!(
            percent_encode("arn:aws:sns:us-east-1:123456789012:t"),
            "arn%3Aaws%3Asns%3Aus-east-1%3A123456789012%3At"
        );
    }
}
