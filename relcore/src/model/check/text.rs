//! Text and lists in constant evaluation: comparing names, and building messages.

use super::super::value::SqlType;

/// `&str` equality usable in constants.
pub const fn str_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// -1, 0 or 1 as `a` sorts before, with or after `b`, bytewise.
pub(super) const fn compare(a: &str, b: &str) -> i8 {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let mut i = 0;
    while i < a.len() && i < b.len() {
        if a[i] != b[i] {
            return if a[i] < b[i] { -1 } else { 1 };
        }
        i += 1;
    }
    if a.len() == b.len() {
        0
    } else if a.len() < b.len() {
        -1
    } else {
        1
    }
}

pub(super) const fn contains(list: &[&str], s: &str) -> bool {
    let mut i = 0;
    while i < list.len() {
        if str_eq(list[i], s) {
            return true;
        }
        i += 1;
    }
    false
}

/// Whether two lists of column names are the same, in order.
pub const fn same_columns(a: &[&str], b: &[&str]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if !str_eq(a[i], b[i]) {
            return false;
        }
        i += 1;
    }
    true
}

/// Whether two lists of column types are the same, in order.
pub const fn same_types(a: &[SqlType], b: &[SqlType]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if !a[i].same_as(b[i]) {
            return false;
        }
        i += 1;
    }
    true
}

/// A message built in constant evaluation, so that a failed check can name what it
/// found: `panic!("{}", message.as_str())`.
pub struct Message {
    buf: [u8; 1024],
    len: usize,
}

impl Message {
    /// An empty message: the check passed.
    pub const fn new() -> Self {
        Message {
            buf: [0; 1024],
            len: 0,
        }
    }

    /// Appends `s`, or `...` once the message is full.
    pub const fn push(mut self, s: &str) -> Self {
        let bytes = s.as_bytes();
        if self.len + bytes.len() > self.buf.len() - 3 {
            return self.push_ellipsis();
        }
        let mut i = 0;
        while i < bytes.len() {
            self.buf[self.len] = bytes[i];
            self.len += 1;
            i += 1;
        }
        self
    }

    const fn push_ellipsis(mut self) -> Self {
        let mut i = 0;
        while i < 3 && self.len < self.buf.len() {
            self.buf[self.len] = b'.';
            self.len += 1;
            i += 1;
        }
        self
    }

    /// Appends a number.
    pub const fn push_number(self, n: usize) -> Self {
        let mut digits = [0u8; 20];
        let (mut n, mut len) = (n, 0);
        loop {
            digits[19 - len] = b'0' + (n % 10) as u8;
            len += 1;
            n /= 10;
            if n == 0 {
                break;
            }
        }
        match core::str::from_utf8(digits.split_at(20 - len).1) {
            Ok(s) => self.push(s),
            Err(_) => self,
        }
    }

    /// Whether nothing was written: the check passed.
    pub const fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The message.
    pub const fn as_str(&self) -> &str {
        match core::str::from_utf8(self.buf.split_at(self.len).0) {
            Ok(s) => s,
            Err(_) => "(message not shown)",
        }
    }
}

impl Default for Message {
    fn default() -> Self {
        Self::new()
    }
}
