//! Reading into a `String` without ever leaving invalid UTF-8 in it, shared by `read_to_string`,
//! `read_line` and `Lines`.

use std::io;
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

    /// Puts the bytes back into the string at the end of the call, and returns what the call
    /// reports, as tokio's `read_to_string` / `read_line` do:
    ///
    /// * success, valid UTF-8: the string keeps everything;
    /// * success, invalid UTF-8: the string is as it was, and the error is
    ///   [`InvalidData`](io::ErrorKind::InvalidData) carrying the [`str::Utf8Error`] of the
    ///   whole string;
    /// * an I/O error: the string keeps the bytes read before it if they are valid UTF-8 and
    ///   `keep_on_io_error` is set (`read_line`), and is as it was otherwise
    ///   (`read_to_string`); the error is the reader's.
    pub(crate) fn finish(
        &mut self,
        res: io::Result<usize>,
        keep_on_io_error: bool,
    ) -> io::Result<usize> {
        assert!(!self.done, "`async fn` resumed after completion");
        self.done = true;
        let mut bytes = mem::take(&mut self.bytes);
        let valid = str::from_utf8(&bytes[self.start..]).is_ok();
        let res = match res {
            Ok(n) if valid => Ok(n),
            Ok(_) => {
                let err = str::from_utf8(&bytes).expect_err("the appended bytes are invalid");
                bytes.truncate(self.start);
                Err(io::Error::new(io::ErrorKind::InvalidData, err))
            }
            Err(e) => {
                if !(valid && keep_on_io_error) {
                    bytes.truncate(self.start);
                }
                Err(e)
            }
        };
        // SAFETY: `bytes[..start]` came from a `String`, and `bytes[start..]` is either empty
        // or was just checked to be valid UTF-8; a valid prefix followed by a valid suffix
        // that starts on a char boundary is valid UTF-8.
        *self.string = unsafe { String::from_utf8_unchecked(bytes) };
        res
    }

    /// Puts back the original contents and the longest valid prefix of the appended bytes.
    fn put_back_valid_prefix(&mut self) {
        if self.done {
            return;
        }
        self.done = true;
        let mut bytes = mem::take(&mut self.bytes);
        if let Err(e) = str::from_utf8(&bytes[self.start..]) {
            bytes.truncate(self.start + e.valid_up_to());
        }
        // SAFETY: `bytes[..start]` came from a `String`, and `bytes[start..]` was just
        // truncated to its valid UTF-8 prefix (which ends on a char boundary).
        *self.string = unsafe { String::from_utf8_unchecked(bytes) };
    }
}

impl Drop for StringBuf<'_> {
    fn drop(&mut self) {
        // Cancelled mid-read: keep whatever complete characters were read.
        self.put_back_valid_prefix();
    }
}
