//! Whether a JSON column's `default = "..."` is JSON text (RFC 8259), checked at compile
//! time.
//!
//! Written here rather than through `serde_json`: the derive needs only a yes or no and
//! a position, and `serde_json` (with `serde_core`) built for the compiler's host would
//! sit on the critical path of every cold build of a program that uses Rel (issue 27).
//! It accepts what `serde_json` accepts (compared on random texts in the tests), and
//! its messages are worded as `serde_json`'s (`key must be a string at line 1 column
//! 2`), with columns counted in characters.

/// Nesting deeper than this is refused, as `serde_json` refuses it (127 levels at
/// most), so that no default can exhaust the compiler's stack.
const MAX_DEPTH: usize = 127;

/// Why `text` is not one JSON value, with the line and column (from 1, in characters)
/// where reading stopped; `None` when it is.
pub(crate) fn error(text: &str) -> Option<String> {
    let mut reader = Reader { text, pos: 0 };
    let outcome = reader.value(0).and_then(|()| {
        reader.space();
        match reader.peek() {
            None => Ok(()),
            Some(_) => {
                reader.bump();
                Err("trailing characters")
            }
        }
    });
    outcome.err().map(|what| {
        let (line, column) = reader.line_column();
        format!("{what} at line {line} column {column}")
    })
}

struct Reader<'a> {
    text: &'a str,
    /// A byte offset into `text`, always at a character boundary.
    pos: usize,
}

type Step = Result<(), &'static str>;

/// What closes an array or an object, and the messages where it does not.
#[derive(Clone, Copy)]
struct Brackets {
    close: char,
    expected: &'static str,
    eof: &'static str,
}

const ARRAY: Brackets = Brackets {
    close: ']',
    expected: "expected `,` or `]`",
    eof: "EOF while parsing a list",
};

const OBJECT: Brackets = Brackets {
    close: '}',
    expected: "expected `,` or `}`",
    eof: "EOF while parsing an object",
};

impl Reader<'_> {
    fn peek(&self) -> Option<char> {
        self.text[self.pos..].chars().next()
    }

    /// Takes the next character.
    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += c.len_utf8();
        Some(c)
    }

    fn space(&mut self) {
        while let Some(' ' | '\t' | '\n' | '\r') = self.peek() {
            self.pos += 1;
        }
    }

    /// The line and column (from 1) of the last character read; column 0 before any.
    fn line_column(&self) -> (usize, usize) {
        let read = &self.text[..self.pos];
        let Some(last) = read.chars().next_back() else {
            return (1, 0);
        };
        let before = &read[..read.len() - last.len_utf8()];
        let line = before.matches('\n').count() + 1;
        let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        (line, column)
    }

    fn value(&mut self, depth: usize) -> Step {
        self.space();
        match self.peek() {
            None => Err("EOF while parsing a value"),
            Some('{') => self.object(depth + 1),
            Some('[') => self.array(depth + 1),
            Some('"') => self.string(),
            Some('-' | '0'..='9') => self.number(),
            Some('t') => self.word("true"),
            Some('f') => self.word("false"),
            Some('n') => self.word("null"),
            Some(_) => {
                self.bump();
                Err("expected value")
            }
        }
    }

    fn word(&mut self, word: &str) -> Step {
        for expected in word.chars() {
            match self.bump() {
                Some(c) if c == expected => {}
                Some(_) => return Err("expected ident"),
                None => return Err("EOF while parsing a value"),
            }
        }
        Ok(())
    }

    fn array(&mut self, depth: usize) -> Step {
        self.items(depth, ARRAY, Self::value)
    }

    fn object(&mut self, depth: usize) -> Step {
        self.items(depth, OBJECT, |reader, depth| {
            match reader.peek() {
                Some('"') => reader.string()?,
                Some(_) => {
                    reader.bump();
                    return Err("key must be a string");
                }
                None => return Err(OBJECT.eof),
            }
            reader.space();
            match reader.bump() {
                Some(':') => {}
                Some(_) => return Err("expected `:`"),
                None => return Err(OBJECT.eof),
            }
            reader.value(depth)
        })
    }

    /// An array's or an object's items, each read by `item` after the space before
    /// it, separated by commas, from the opening bracket to the closing one.
    fn items(
        &mut self,
        depth: usize,
        kind: Brackets,
        item: impl Fn(&mut Self, usize) -> Step,
    ) -> Step {
        self.bump(); // the opening bracket
        if depth > MAX_DEPTH {
            return Err("recursion limit exceeded");
        }
        self.space();
        if self.peek() == Some(kind.close) {
            self.bump();
            return Ok(());
        }
        loop {
            self.space();
            item(self, depth)?;
            self.space();
            match self.bump() {
                Some(',') => {}
                Some(c) if c == kind.close => return Ok(()),
                Some(_) => return Err(kind.expected),
                None => return Err(kind.eof),
            }
        }
    }

    fn string(&mut self) -> Step {
        self.bump(); // "
        loop {
            match self.bump() {
                None => return Err("EOF while parsing a string"),
                Some('"') => return Ok(()),
                Some('\\') => self.escape()?,
                Some(c) if u32::from(c) < 0x20 => {
                    return Err("control character (\\u0000-\\u001F) found while parsing a string");
                }
                Some(_) => {}
            }
        }
    }

    /// The rest of an escape, after its backslash.
    fn escape(&mut self) -> Step {
        match self.bump() {
            Some('"' | '\\' | '/' | 'b' | 'f' | 'n' | 'r' | 't') => Ok(()),
            Some('u') => {
                let unit = self.hex4()?;
                if (0xDC00..0xE000).contains(&unit) {
                    return Err("lone trailing surrogate in hex escape");
                }
                if (0xD800..0xDC00).contains(&unit) {
                    // A leading surrogate must be followed by its trailing one.
                    if self.bump() != Some('\\') || self.bump() != Some('u') {
                        return Err("unexpected end of hex escape");
                    }
                    if !(0xDC00..0xE000).contains(&self.hex4()?) {
                        return Err("lone leading surrogate in hex escape");
                    }
                }
                Ok(())
            }
            Some(_) => Err("invalid escape"),
            None => Err("EOF while parsing a string"),
        }
    }

    fn hex4(&mut self) -> Result<u32, &'static str> {
        let mut unit = 0;
        for _ in 0..4 {
            let digit = self
                .bump()
                .and_then(|c| c.to_digit(16))
                .ok_or("invalid escape")?;
            unit = unit * 16 + digit;
        }
        Ok(unit)
    }

    /// A number, refused when it is beyond an `f64` (`1e400`): a JSON column's value is
    /// a `serde_json::Value`, which could not read it back.
    fn number(&mut self) -> Step {
        let start = self.pos;
        self.number_text()?;
        match self.text[start..self.pos].parse::<f64>() {
            Ok(x) if x.is_finite() => Ok(()),
            _ => Err("number out of range"),
        }
    }

    fn number_text(&mut self) -> Step {
        if self.peek() == Some('-') {
            self.bump();
        }
        match self.bump() {
            Some('0') => {}
            Some('1'..='9') => self.digits(),
            Some(_) => return Err("invalid number"),
            None => return Err("EOF while parsing a value"),
        }
        if self.peek() == Some('.') {
            self.bump();
            self.first_digit()?;
        }
        if let Some('e' | 'E') = self.peek() {
            self.bump();
            if let Some('+' | '-') = self.peek() {
                self.bump();
            }
            self.first_digit()?;
        }
        Ok(())
    }

    /// At least one digit, then any more.
    fn first_digit(&mut self) -> Step {
        match self.bump() {
            Some('0'..='9') => {
                self.digits();
                Ok(())
            }
            Some(_) => Err("invalid number"),
            None => Err("EOF while parsing a value"),
        }
    }

    fn digits(&mut self) {
        while let Some('0'..='9') = self.peek() {
            self.pos += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::error;

    #[test]
    fn json_text_is_accepted() {
        for text in [
            r#"{"tags": []}"#,
            r#""text""#,
            "null",
            "true",
            " false ",
            "0",
            "-0.5e+10",
            "1e-400",
            "123456789012345678901234567890",
            "1.7976931348623157e308",
            "1E-3",
            r#"[1, "a\"b\\c\/\b\f\n\r\t\u00e9\ud83d\ude00", {"k": {"n": [null]}}]"#,
            "\"é€😀\"",
            "\t[\n1\r\n]\n",
        ] {
            assert_eq!(error(text), None, "{text}");
        }
    }

    #[test]
    fn not_json_is_refused_where_it_stops() {
        for (text, message) in [
            ("{tags: []}", "key must be a string at line 1 column 2"),
            ("", "EOF while parsing a value at line 1 column 0"),
            ("[1, 2", "EOF while parsing a list at line 1 column 5"),
            ("[1 2]", "expected `,` or `]` at line 1 column 4"),
            ("{\"a\" 1}", "expected `:` at line 1 column 6"),
            ("{\"a\": 1,}", "key must be a string at line 1 column 9"),
            ("1 2", "trailing characters at line 1 column 3"),
            ("01", "trailing characters at line 1 column 2"),
            ("-", "EOF while parsing a value at line 1 column 1"),
            ("1.", "EOF while parsing a value at line 1 column 2"),
            ("1.e5", "invalid number at line 1 column 3"),
            ("tru", "EOF while parsing a value at line 1 column 3"),
            ("nul!", "expected ident at line 1 column 4"),
            ("'a'", "expected value at line 1 column 1"),
            (
                "\"a\nb\"",
                "control character (\\u0000-\\u001F) found while parsing a string at line 1 column 3",
            ),
            ("\"\\x\"", "invalid escape at line 1 column 3"),
            ("\"\\u12\"", "invalid escape at line 1 column 6"),
            (
                "\"\\udc00\"",
                "lone trailing surrogate in hex escape at line 1 column 7",
            ),
            (
                "\"\\ud800x\"",
                "unexpected end of hex escape at line 1 column 8",
            ),
            (
                "\"\\ud800\\u0041\"",
                "lone leading surrogate in hex escape at line 1 column 13",
            ),
            ("\"abc", "EOF while parsing a string at line 1 column 4"),
            ("1e400", "number out of range at line 1 column 5"),
            ("[-1e309]", "number out of range at line 1 column 7"),
            ("[\n1,\n]", "expected value at line 3 column 1"),
        ] {
            assert_eq!(error(text).as_deref(), Some(message), "{text:?}");
        }
    }

    #[test]
    fn deep_nesting_is_refused_not_overflowed() {
        let deep = "[".repeat(100_000);
        assert_eq!(
            error(&deep).as_deref(),
            Some("recursion limit exceeded at line 1 column 128")
        );
        for depth in [127, 128] {
            let nested = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
            let theirs = serde_json::from_str::<serde_json::Value>(&nested);
            assert_eq!(error(&nested).is_none(), depth == 127);
            assert_eq!(theirs.is_ok(), depth == 127, "serde_json at {depth}");
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::test_runner::Config::with_cases(20_000))]
        /// Accepts exactly what serde_json accepts, on texts made of JSON's own
        /// characters.
        #[test]
        fn agrees_with_serde_json(text in r#"[\[\]{}":,. \n0-9eE+\-tfnrulsa\\/u]{0,14}"#) {
            let theirs = serde_json::from_str::<serde_json::Value>(&text);
            proptest::prop_assert_eq!(error(&text).is_none(), theirs.is_ok(), "{:?}: {:?}", text, theirs);
        }
    }
}
