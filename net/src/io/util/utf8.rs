//! Reading into a `String` without ever leaving invalid UTF-8 in it, shared by `read_to_string`,
//! `read_line` and `Lines`.

use std::mem;
use std::str;

/// A `String`'s bytes, taken out while a future appends raw bytes to them, and put back (only
/// as much as is valid UTF-8) when the future finishes or is dropped.
#[derive(Debug)]
pub(crate) struct StringBuf<'a> {
    string: &'a mut String,
    bytes: Vec<u8>,
    /// The length of the string before the call: everything below it is known to be UTF-8.
    start: usize,
    done: bool,
}

impl<'a> StringBuf<'a> {
    pub(crate) fn new(string: &'a mut String) -> StringBuf<'a> {
        let start = string.len();
        let bytes = mem::take(string).into_bytes();
        StringBuf {
            string,
            bytes,
            start,
            done: false,
        }
    }

    pub(crate) fn bytes_mut(&mut self) -> &mut Vec<u8> {
        &mut self.bytes
    }

    /// Puts the bytes back into the string: all of them if the appended ones are valid UTF-8
    /// (returning `true`), otherwise only the original contents (returning `false`).
    pub(crate) fn finish(&mut self) -> bool {
        self.put_back(false)
    }

    fn put_back(&mut self, keep_valid_prefix: bool) -> bool {
        if self.done {
            return true;
        }
        self.done = true;
        let valid = match str::from_utf8(&self.bytes[self.start..]) {
            Ok(_) => true,
            Err(e) => {
                let keep = if keep_valid_prefix {
                    e.valid_up_to()
                } else {
                    0
                };
                self.bytes.truncate(self.start + keep);
                false
            }
        };
        let bytes = mem::take(&mut self.bytes);
        // SAFETY: `bytes[..start]` came from a `String`, and `bytes[start..]` was just checked
        // (or truncated to the part that was checked) to be valid UTF-8; a valid prefix followed
        // by a valid suffix that starts on a char boundary is valid UTF-8.
        *self.string = unsafe { String::from_utf8_unchecked(bytes) };
        valid
    }
}

impl Drop for StringBuf<'_> {
    fn drop(&mut self) {
        // Cancelled mid-read: keep whatever complete characters were read.
        self.put_back(true);
    }
}

pub(crate) fn invalid_utf8() -> std::io::Error {
    std::io::Error::new(
        std::io::ErrorKind::InvalidData,
        "stream did not contain valid UTF-8",
    )
}
