//! A pull reader over the JSON that the Join strategy's statements return.
//!
//! The Join strategy decodes each relation's JSON straight into the user's structs: the
//! nested arrays are walked token by token and each cell is read as its column's type,
//! with no `serde_json::Value` tree in between. The reader knows only what JSON needs
//! (arrays, strings, numbers, literals, and objects to skip over), and reports anything
//! else as a [`DecodeError`], never a panic.

use crate::model::error::DecodeError;
use std::borrow::Cow;

/// A position in a JSON text.
#[derive(Clone, Copy, Debug)]
pub struct Cursor<'a> {
    text: &'a str,
    pos: usize,
    /// Just inside an array, before its first item (no comma expected).
    fresh: bool,
}

fn invalid(expected: &'static str, message: impl Into<String>) -> DecodeError {
    DecodeError::Invalid {
        expected,
        message: message.into(),
    }
}

impl<'a> Cursor<'a> {
    pub(crate) fn new(text: &'a str) -> Self {
        Cursor {
            text,
            pos: 0,
            fresh: false,
        }
    }

    fn bytes(&self) -> &'a [u8] {
        self.text.as_bytes()
    }

    fn skip_space(&mut self) {
        while let Some(b' ' | b'\n' | b'\r' | b'\t') = self.bytes().get(self.pos) {
            self.pos += 1;
        }
    }

    /// The next byte that is not white space, not consumed.
    pub(crate) fn peek(&mut self) -> Option<u8> {
        self.skip_space();
        self.bytes().get(self.pos).copied()
    }

    /// What follows, for error messages.
    fn here(&self) -> String {
        let rest = self.text.get(self.pos..).unwrap_or("");
        match rest.char_indices().nth(24) {
            Some((end, _)) => format!("{}...", &rest[..end]),
            None if rest.is_empty() => "the end of the JSON".to_owned(),
            None => rest.to_owned(),
        }
    }

    fn expect(&mut self, byte: u8, expected: &'static str) -> Result<(), DecodeError> {
        if self.peek() == Some(byte) {
            self.pos += 1;
            Ok(())
        } else {
            Err(invalid(expected, format!("found {}", self.here())))
        }
    }

    /// Consumes `literal` if it comes next.
    pub(crate) fn eat(&mut self, literal: &str) -> bool {
        self.skip_space();
        let found = self.bytes()[self.pos..].starts_with(literal.as_bytes());
        if found {
            self.pos += literal.len();
        }
        found
    }

    /// Enters an array: `[`.
    pub(crate) fn open(&mut self) -> Result<(), DecodeError> {
        self.expect(b'[', "a JSON array")?;
        self.fresh = true;
        Ok(())
    }

    /// Moves to the next item of the array the cursor is in: `true` before an item,
    /// `false` once the array is closed.
    pub(crate) fn next_item(&mut self) -> Result<bool, DecodeError> {
        if self.peek() == Some(b']') {
            self.pos += 1;
            self.fresh = false;
            return Ok(false);
        }
        if !self.fresh {
            self.expect(b',', "`,` or `]` in a JSON array")?;
        }
        self.fresh = false;
        Ok(true)
    }

    /// Checks that nothing but white space is left.
    pub(crate) fn finish(&mut self) -> Result<(), DecodeError> {
        match self.peek() {
            None => Ok(()),
            Some(_) => Err(invalid("the end of the JSON", self.here())),
        }
    }

    /// A JSON string's contents, borrowed where it has no escapes.
    pub(crate) fn string(&mut self) -> Result<Cow<'a, str>, DecodeError> {
        self.expect(b'"', "a JSON string")?;
        let start = self.pos;
        let bytes = self.bytes();
        let plain_end = bytes[start..]
            .iter()
            .position(|&b| b == b'"' || b == b'\\')
            .map(|n| start + n)
            .ok_or_else(|| invalid("a JSON string", "unterminated"))?;
        if bytes[plain_end] == b'"' {
            self.pos = plain_end + 1;
            // Both ends are ASCII quotes, so this slices on character boundaries.
            return Ok(Cow::Borrowed(&self.text[start..plain_end]));
        }
        let mut out = String::with_capacity(plain_end - start + 16);
        out.push_str(&self.text[start..plain_end]);
        self.pos = plain_end;
        loop {
            let rest = &bytes[self.pos..];
            let n = rest
                .iter()
                .position(|&b| b == b'"' || b == b'\\')
                .ok_or_else(|| invalid("a JSON string", "unterminated"))?;
            out.push_str(&self.text[self.pos..self.pos + n]);
            self.pos += n;
            if bytes[self.pos] == b'"' {
                self.pos += 1;
                return Ok(Cow::Owned(out));
            }
            let escape = bytes.get(self.pos + 1).copied();
            self.pos += 2;
            match escape {
                Some(b'"') => out.push('"'),
                Some(b'\\') => out.push('\\'),
                Some(b'/') => out.push('/'),
                Some(b'b') => out.push('\u{8}'),
                Some(b'f') => out.push('\u{c}'),
                Some(b'n') => out.push('\n'),
                Some(b'r') => out.push('\r'),
                Some(b't') => out.push('\t'),
                Some(b'u') => out.push(self.unicode_escape()?),
                _ => return Err(invalid("a JSON string", "invalid escape")),
            }
        }
    }

    /// The character of a `\uXXXX` escape (the cursor is past the `u`), with a
    /// following low surrogate where the first is a high one.
    fn unicode_escape(&mut self) -> Result<char, DecodeError> {
        let first = self.hex4()?;
        let code = if (0xD800..0xDC00).contains(&first) {
            if !self.bytes()[self.pos..].starts_with(b"\\u") {
                return Err(invalid("a JSON string", "unpaired surrogate"));
            }
            self.pos += 2;
            let second = self.hex4()?;
            if !(0xDC00..0xE000).contains(&second) {
                return Err(invalid("a JSON string", "unpaired surrogate"));
            }
            0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00)
        } else {
            first
        };
        char::from_u32(code).ok_or_else(|| invalid("a JSON string", "unpaired surrogate"))
    }

    fn hex4(&mut self) -> Result<u32, DecodeError> {
        let digits = self
            .text
            .get(self.pos..self.pos + 4)
            .filter(|d| d.bytes().all(|b| b.is_ascii_hexdigit()))
            .ok_or_else(|| invalid("a JSON string", "bad \\u escape"))?;
        let code = u32::from_str_radix(digits, 16)
            .map_err(|_| invalid("a JSON string", format!("bad \\u escape {digits:?}")))?;
        self.pos += 4;
        Ok(code)
    }

    /// The text of a JSON number.
    fn number_text(&mut self) -> Result<&'a str, DecodeError> {
        self.skip_space();
        let start = self.pos;
        let len = self.bytes()[start..]
            .iter()
            .position(|b| !matches!(b, b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E'))
            .unwrap_or(self.bytes().len() - start);
        if len == 0 {
            return Err(invalid("a JSON number", format!("found {}", self.here())));
        }
        self.pos += len;
        Ok(&self.text[start..start + len])
    }

    /// The text of a JSON number, as written.
    #[cfg(feature = "rust_decimal")]
    pub(crate) fn number(&mut self) -> Result<&'a str, DecodeError> {
        self.number_text()
    }

    /// An integer, read exactly (never through a float).
    pub(crate) fn integer(&mut self) -> Result<i64, DecodeError> {
        let text = self.number_text()?;
        text.parse().map_err(|_| DecodeError::OutOfRange {
            expected: "i64",
            value: text.to_owned(),
        })
    }

    /// Any JSON number, as a double.
    pub(crate) fn float(&mut self) -> Result<f64, DecodeError> {
        let text = self.number_text()?;
        text.parse()
            .map_err(|_| invalid("a JSON number", text.to_owned()))
    }

    /// The text of the next value, whatever it is, skipped over (a JSON column's
    /// document).
    #[cfg_attr(not(feature = "serde_json"), allow(dead_code))]
    pub(crate) fn raw(&mut self) -> Result<&'a str, DecodeError> {
        self.skip_space();
        let start = self.pos;
        let mut depth = 0usize;
        loop {
            match self.peek() {
                None => return Err(invalid("a JSON value", "unterminated")),
                Some(b'"') => {
                    self.string()?;
                }
                Some(b'[' | b'{') => {
                    depth += 1;
                    self.pos += 1;
                }
                Some(b']' | b'}') if depth > 0 => {
                    depth -= 1;
                    self.pos += 1;
                }
                Some(b',' | b':') if depth > 0 => self.pos += 1,
                Some(b't' | b'f' | b'n') => {
                    if !(self.eat("true") || self.eat("false") || self.eat("null")) {
                        return Err(invalid("a JSON value", format!("found {}", self.here())));
                    }
                }
                Some(_) => {
                    self.number_text()?;
                }
            }
            if depth == 0 {
                return Ok(&self.text[start..self.pos]);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn walks_nested_arrays_and_reads_cells() {
        let mut c = Cursor::new(
            r#" [ [1, "a\"b\\c\u00e9\ud83d\ude00", -9223372036854775808, 1.5e3, null, {"k": [1, "]"]}], [] ] "#,
        );
        c.open().unwrap();
        assert!(c.next_item().unwrap());
        c.open().unwrap();
        assert!(c.next_item().unwrap());
        assert_eq!(c.integer().unwrap(), 1);
        assert!(c.next_item().unwrap());
        assert_eq!(c.string().unwrap(), "a\"b\\c\u{e9}\u{1F600}");
        assert!(c.next_item().unwrap());
        assert_eq!(c.integer().unwrap(), i64::MIN);
        assert!(c.next_item().unwrap());
        assert_eq!(c.float().unwrap(), 1500.0);
        assert!(c.next_item().unwrap());
        assert!(c.eat("null"));
        assert!(c.next_item().unwrap());
        assert_eq!(c.raw().unwrap(), r#"{"k": [1, "]"]}"#);
        assert!(!c.next_item().unwrap());
        assert!(c.next_item().unwrap());
        c.open().unwrap();
        assert!(!c.next_item().unwrap());
        assert!(!c.next_item().unwrap());
        c.finish().unwrap();
    }

    #[test]
    fn malformed_json_is_an_error_not_a_panic() {
        for text in [
            "[1 2]",
            "[\"abc",
            "[\"\\u12\"]",
            "[\"\\ud800\"]",
            "[x]",
            "[",
            "[1,",
            "[\"\\q\"]",
        ] {
            let mut c = Cursor::new(text);
            let read = (|| {
                c.open()?;
                while c.next_item()? {
                    match c.peek() {
                        Some(b'"') => {
                            c.string()?;
                        }
                        _ => {
                            c.integer()?;
                        }
                    }
                }
                c.finish()
            })();
            assert!(read.is_err(), "{text} was accepted");
        }
        assert!(matches!(
            Cursor::new("99999999999999999999").integer(),
            Err(DecodeError::OutOfRange { .. })
        ));
    }
}
