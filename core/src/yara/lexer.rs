//! Tokens of the YARA subset. Positions are byte offsets into the source; they become
//! `line:col` only when an error is reported (see [`line_col`]).

/// An error at a byte offset of the source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SrcError {
    /// Byte offset into the source.
    pub offset: usize,
    /// What is wrong.
    pub message: String,
}

impl SrcError {
    pub(crate) fn new(offset: usize, message: impl Into<String>) -> Self {
        Self { offset, message: message.into() }
    }
}

pub(crate) type SrcResult<T> = Result<T, SrcError>;

/// 1-based line and column (columns count bytes) of a byte offset.
pub(crate) fn line_col(src: &str, offset: usize) -> (u32, u32) {
    let offset = offset.min(src.len());
    let before = &src.as_bytes()[..offset];
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let line_start = before.iter().rposition(|&b| b == b'\n').map_or(0, |p| p + 1);
    let col = offset - line_start + 1;
    (u32::try_from(line).unwrap_or(u32::MAX), u32::try_from(col).unwrap_or(u32::MAX))
}

/// A token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Tok {
    /// Identifier or keyword.
    Ident(String),
    /// `$name` (name may be empty: anonymous string).
    StrId(String),
    /// `$name*` (a wildcard set member).
    StrWild(String),
    /// `#name`.
    Count(String),
    /// `@name`.
    At(String),
    /// `!name`.
    Len(String),
    /// Integer literal (suffixes applied).
    Int(i64),
    /// `"..."` with escapes decoded.
    Str(Vec<u8>),
    /// Punctuation and operators.
    Punct(&'static str),
    /// End of input.
    Eof,
}

impl Tok {
    /// How the token reads in an error message.
    pub(crate) fn describe(&self) -> String {
        match self {
            Tok::Ident(s) => format!("'{s}'"),
            Tok::StrId(s) => format!("'${s}'"),
            Tok::StrWild(s) => format!("'${s}*'"),
            Tok::Count(s) => format!("'#{s}'"),
            Tok::At(s) => format!("'@{s}'"),
            Tok::Len(s) => format!("'!{s}'"),
            Tok::Int(i) => format!("integer {i}"),
            Tok::Str(_) => "a text string".into(),
            Tok::Punct(p) => format!("'{p}'"),
            Tok::Eof => "end of file".into(),
        }
    }
}

const PUNCTS: &[&str] = &[
    "..", "==", "!=", "<=", ">=", "<<", ">>", "{", "}", "(", ")", "[", "]", ":", ",", "=", "<", ">", ".", "-", "+",
    "*", "/", "\\", "%", "&", "|", "^", "~",
];

/// Longest identifier YARA accepts.
const MAX_IDENT: usize = 128;

/// The lexer. The parser pulls tokens one at a time; after `=` in a strings section it asks
/// for a string value instead ([`Lexer::string_value`]), because `{` and `/` mean hex string
/// and regular expression there.
pub(crate) struct Lexer<'s> {
    src: &'s [u8],
    pos: usize,
}

/// The raw value of a string definition.
pub(crate) enum RawValue {
    /// A text string.
    Text(Vec<u8>),
    /// Hex string body (between the braces), with its byte offset.
    Hex(usize, usize),
    /// Regex body (between the slashes), its offset, and the flags.
    Regex(usize, usize, Vec<(u8, usize)>),
}

fn is_ident_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_'
}

fn is_ident_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

impl<'s> Lexer<'s> {
    pub(crate) fn new(src: &'s str) -> Self {
        Self { src: src.as_bytes(), pos: 0 }
    }

    pub(crate) fn src(&self) -> &'s [u8] {
        self.src
    }

    fn peek_byte(&self, ahead: usize) -> Option<u8> {
        self.src.get(self.pos + ahead).copied()
    }

    /// Skips whitespace and comments.
    pub(crate) fn skip_trivia(&mut self) -> SrcResult<()> {
        loop {
            match self.peek_byte(0) {
                Some(b' ' | b'\t' | b'\r' | b'\n' | 0x0b | 0x0c) => self.pos += 1,
                Some(b'/') if self.peek_byte(1) == Some(b'/') => {
                    while let Some(b) = self.peek_byte(0) {
                        if b == b'\n' {
                            break;
                        }
                        self.pos += 1;
                    }
                }
                Some(b'/') if self.peek_byte(1) == Some(b'*') => {
                    let start = self.pos;
                    self.pos += 2;
                    loop {
                        match self.peek_byte(0) {
                            None => return Err(SrcError::new(start, "unterminated comment")),
                            Some(b'*') if self.peek_byte(1) == Some(b'/') => {
                                self.pos += 2;
                                break;
                            }
                            Some(_) => self.pos += 1,
                        }
                    }
                }
                _ => return Ok(()),
            }
        }
    }

    fn ident_at(&mut self) -> String {
        let start = self.pos;
        while self.peek_byte(0).is_some_and(is_ident_char) {
            self.pos += 1;
        }
        String::from_utf8_lossy(&self.src[start..self.pos]).into_owned()
    }

    /// The next token and its offset.
    pub(crate) fn next_token(&mut self) -> SrcResult<(Tok, usize)> {
        self.skip_trivia()?;
        let start = self.pos;
        let Some(b) = self.peek_byte(0) else {
            return Ok((Tok::Eof, start));
        };
        if is_ident_start(b) {
            let id = self.ident_at();
            if id.len() > MAX_IDENT {
                return Err(SrcError::new(start, "identifier too long"));
            }
            return Ok((Tok::Ident(id), start));
        }
        if b.is_ascii_digit() {
            return self.number(start);
        }
        let sigil = |this: &mut Self| {
            this.pos += 1;
            this.ident_at()
        };
        match b {
            b'$' => {
                let id = sigil(self);
                if self.peek_byte(0) == Some(b'*') {
                    self.pos += 1;
                    return Ok((Tok::StrWild(id), start));
                }
                return Ok((Tok::StrId(id), start));
            }
            b'#' => return Ok((Tok::Count(sigil(self)), start)),
            b'@' => return Ok((Tok::At(sigil(self)), start)),
            b'!' if self.peek_byte(1) != Some(b'=') => return Ok((Tok::Len(sigil(self)), start)),
            b'"' => return self.text_string().map(|s| (Tok::Str(s), start)),
            _ => {}
        }
        for p in PUNCTS {
            if self.src[self.pos..].starts_with(p.as_bytes()) {
                self.pos += p.len();
                return Ok((Tok::Punct(p), start));
            }
        }
        let shown = std::str::from_utf8(&self.src[start..])
            .ok()
            .and_then(|s| s.chars().next())
            .map_or_else(|| format!("byte 0x{b:02x}"), |c| format!("'{c}'"));
        Err(SrcError::new(start, format!("unexpected character {shown}")))
    }

    fn number(&mut self, start: usize) -> SrcResult<(Tok, usize)> {
        let (radix, digits_start) = match (self.peek_byte(0), self.peek_byte(1)) {
            (Some(b'0'), Some(b'x' | b'X')) => (16, start + 2),
            (Some(b'0'), Some(b'o' | b'O')) => (8, start + 2),
            _ => (10, start),
        };
        self.pos = digits_start;
        while self.peek_byte(0).is_some_and(|c| c.is_ascii_alphanumeric()) {
            self.pos += 1;
        }
        if self.peek_byte(0) == Some(b'.') && self.peek_byte(1).is_some_and(|c| c.is_ascii_digit()) {
            return Err(SrcError::new(start, "floating-point numbers are not supported"));
        }
        let text = String::from_utf8_lossy(&self.src[digits_start..self.pos]).into_owned();
        let (num, mult) = if radix == 10 {
            if let Some(n) = text.strip_suffix("KB") {
                (n, 1024)
            } else if let Some(n) = text.strip_suffix("MB") {
                (n, 1024 * 1024)
            } else {
                (text.as_str(), 1)
            }
        } else {
            (text.as_str(), 1)
        };
        let value = i64::from_str_radix(num, radix)
            .ok()
            .filter(|_| !num.is_empty() && !num.starts_with(['+', '-']))
            .ok_or_else(|| SrcError::new(start, format!("invalid number '{}'", self.text(start))))?
            .checked_mul(mult)
            .ok_or_else(|| SrcError::new(start, "integer overflow"))?;
        Ok((Tok::Int(value), start))
    }

    fn text(&self, start: usize) -> String {
        String::from_utf8_lossy(&self.src[start..self.pos]).into_owned()
    }

    fn text_string(&mut self) -> SrcResult<Vec<u8>> {
        let start = self.pos;
        self.pos += 1;
        let mut out = Vec::new();
        loop {
            let Some(b) = self.peek_byte(0) else {
                return Err(SrcError::new(start, "unterminated string"));
            };
            match b {
                b'"' => {
                    self.pos += 1;
                    return Ok(out);
                }
                b'\n' => return Err(SrcError::new(start, "unterminated string")),
                b'\\' => {
                    let esc = self.pos;
                    self.pos += 1;
                    match self.peek_byte(0) {
                        Some(b'n') => out.push(b'\n'),
                        Some(b't') => out.push(b'\t'),
                        Some(b'r') => out.push(b'\r'),
                        Some(b'"') => out.push(b'"'),
                        Some(b'\\') => out.push(b'\\'),
                        Some(b'x') => {
                            let hex = |o: usize| self.peek_byte(o).and_then(|c| (c as char).to_digit(16));
                            match (hex(1), hex(2)) {
                                (Some(h), Some(l)) => {
                                    out.push((h * 16 + l) as u8);
                                    self.pos += 2;
                                }
                                _ => {
                                    return Err(SrcError::new(esc, "invalid \\x escape: expected two hex digits"));
                                }
                            }
                        }
                        None | Some(b'\n') => {
                            return Err(SrcError::new(start, "unterminated string"));
                        }
                        Some(c) => {
                            return Err(SrcError::new(esc, format!("invalid escape sequence '\\{}'", c as char)));
                        }
                    }
                    self.pos += 1;
                }
                _ => {
                    out.push(b);
                    self.pos += 1;
                }
            }
        }
    }

    /// Lexes the value after `=` in a strings section.
    pub(crate) fn string_value(&mut self) -> SrcResult<(RawValue, usize)> {
        self.skip_trivia()?;
        let start = self.pos;
        match self.peek_byte(0) {
            Some(b'"') => Ok((RawValue::Text(self.text_string()?), start)),
            Some(b'{') => {
                self.pos += 1;
                let body = self.pos;
                // Comments may appear inside hex strings; '}' inside one doesn't close it.
                loop {
                    match self.peek_byte(0) {
                        None => return Err(SrcError::new(start, "unterminated hex string")),
                        Some(b'}') => break,
                        Some(b'/') if matches!(self.peek_byte(1), Some(b'/' | b'*')) => {
                            self.skip_trivia()?;
                        }
                        Some(_) => self.pos += 1,
                    }
                }
                let end = self.pos;
                self.pos += 1;
                Ok((RawValue::Hex(body, end), start))
            }
            Some(b'/') => {
                self.pos += 1;
                let body = self.pos;
                loop {
                    match self.peek_byte(0) {
                        None | Some(b'\n') => {
                            return Err(SrcError::new(start, "unterminated regular expression"));
                        }
                        Some(b'\\') => {
                            if matches!(self.peek_byte(1), None | Some(b'\n')) {
                                return Err(SrcError::new(start, "unterminated regular expression"));
                            }
                            self.pos += 2;
                        }
                        Some(b'/') => break,
                        Some(_) => self.pos += 1,
                    }
                }
                let end = self.pos;
                self.pos += 1;
                let mut flags = Vec::new();
                while let Some(c) = self.peek_byte(0).filter(|c| c.is_ascii_alphanumeric()) {
                    flags.push((c, self.pos));
                    self.pos += 1;
                }
                if end == body {
                    return Err(SrcError::new(start, "empty regular expression"));
                }
                Ok((RawValue::Regex(body, end, flags), start))
            }
            _ => {
                let (tok, at) = self.next_token()?;
                Err(SrcError::new(
                    at,
                    format!("expected a text string, hex string or regular expression, found {}", tok.describe()),
                ))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(src: &str) -> Vec<Tok> {
        let mut l = Lexer::new(src);
        let mut out = Vec::new();
        loop {
            let (t, _) = l.next_token().expect("lexes");
            if t == Tok::Eof {
                return out;
            }
            out.push(t);
        }
    }

    #[test]
    fn lexes_numbers_and_operators() {
        assert_eq!(
            toks("0x10 2KB 1MB 0o17 (0..5) != <= // c\n /* x */ $a* #b @c !d"),
            vec![
                Tok::Int(16),
                Tok::Int(2048),
                Tok::Int(1 << 20),
                Tok::Int(15),
                Tok::Punct("("),
                Tok::Int(0),
                Tok::Punct(".."),
                Tok::Int(5),
                Tok::Punct(")"),
                Tok::Punct("!="),
                Tok::Punct("<="),
                Tok::StrWild("a".into()),
                Tok::Count("b".into()),
                Tok::At("c".into()),
                Tok::Len("d".into()),
            ]
        );
    }

    #[test]
    fn lexes_string_escapes() {
        assert_eq!(toks(r#""a\x41\n\"\\""#), vec![Tok::Str(b"aA\n\"\\".to_vec())]);
        assert!(Lexer::new(r#""a\q""#).next_token().is_err());
        assert!(Lexer::new("\"abc\n\"").next_token().is_err());
    }

    #[test]
    fn line_col_counts_bytes() {
        assert_eq!(line_col("ab\ncd", 4), (2, 2));
        assert_eq!(line_col("ab", 0), (1, 1));
    }

    #[test]
    fn float_and_overflow_are_errors() {
        assert!(Lexer::new("1.5").next_token().is_err());
        assert!(Lexer::new("99999999999999999999").next_token().is_err());
        assert!(Lexer::new("9007199254740993MB").next_token().is_err());
    }
}
