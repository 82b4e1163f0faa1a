//! Parses YARA-subset source into rules with resolved references: string references become
//! indices into the rule's strings, rule references indices into the rules parsed so far.

use std::collections::HashMap;

use super::MetaValue;
use super::lexer::{Lexer, RawValue, SrcError, SrcResult, Tok};
use super::pattern::{self, Node, ReFlags};

/// An integer-valued expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum IntExpr {
    /// A literal.
    Lit(i64),
    /// `filesize`.
    Filesize,
    /// `#a`: number of matches of string `a` (index into the rule's strings).
    Count(usize),
}

/// Comparison operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CmpOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

/// How many of a set must match.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Quant {
    Any,
    All,
    None,
    /// At least N (N ≥ 1).
    AtLeast(i64),
}

/// A boolean condition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Expr {
    Bool(bool),
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    Not(Box<Expr>),
    /// `$a`.
    Present(usize),
    /// `$a at N`.
    At(usize, IntExpr),
    /// `$a in (X..Y)`.
    In(usize, IntExpr, IntExpr),
    /// `Q of (set)`.
    Of(Quant, Vec<usize>),
    /// A reference to an earlier rule (index into all rules compiled so far).
    Rule(usize),
    /// An integer comparison.
    Cmp(IntExpr, CmpOp, IntExpr),
}

/// A string definition's value.
#[derive(Debug, Clone)]
pub(crate) enum StringValue {
    /// A text string with its modifiers.
    Text { bytes: Vec<u8>, nocase: bool, wide: bool, ascii: bool, fullword: bool },
    /// A hex string or regular expression, as a byte pattern, with its source (kept by the
    /// compiled rules instead of the pattern tree when the pattern's DFA is built lazily).
    Pattern(Node, pattern::PatSource),
}

/// A string definition.
#[derive(Debug, Clone)]
pub(crate) struct StringDef {
    /// Identifier without `$` (empty for anonymous strings).
    pub id: String,
    /// Byte offset of the identifier.
    pub at: usize,
    pub value: StringValue,
}

/// A parsed rule.
#[derive(Debug, Clone)]
pub(crate) struct RuleAst {
    pub name: String,
    pub private: bool,
    pub global: bool,
    pub tags: Vec<String>,
    pub meta: Vec<(String, MetaValue)>,
    pub strings: Vec<StringDef>,
    pub cond: Expr,
}

const KEYWORDS: &[&str] = &[
    "all",
    "and",
    "any",
    "ascii",
    "at",
    "base64",
    "base64wide",
    "condition",
    "contains",
    "defined",
    "endswith",
    "entrypoint",
    "false",
    "filesize",
    "for",
    "fullword",
    "global",
    "icontains",
    "iendswith",
    "iequals",
    "import",
    "in",
    "include",
    "int16",
    "int16be",
    "int32",
    "int32be",
    "int8",
    "int8be",
    "istartswith",
    "matches",
    "meta",
    "nocase",
    "none",
    "not",
    "of",
    "or",
    "private",
    "rule",
    "startswith",
    "strings",
    "them",
    "true",
    "uint16",
    "uint16be",
    "uint32",
    "uint32be",
    "uint8",
    "uint8be",
    "wide",
    "xor",
];

/// Parser state for one source file. `rule_names` spans all files compiled together.
pub(crate) struct Parser<'s, 'n> {
    lex: Lexer<'s>,
    peeked: Option<(Tok, usize)>,
    rule_names: &'n mut HashMap<String, usize>,
    rule_count: usize,
}

/// The rule being parsed: its strings and which have been referenced.
struct Scope<'a> {
    strings: &'a [StringDef],
    used: Vec<bool>,
}

fn err<T>(at: usize, msg: impl Into<String>) -> SrcResult<T> {
    Err(SrcError::new(at, msg))
}

impl<'s, 'n> Parser<'s, 'n> {
    /// `rule_base` is how many rules earlier files defined.
    pub(crate) fn new(src: &'s str, rule_names: &'n mut HashMap<String, usize>, rule_base: usize) -> Self {
        Self { lex: Lexer::new(src), peeked: None, rule_names, rule_count: rule_base }
    }

    fn peek(&mut self) -> SrcResult<&(Tok, usize)> {
        if self.peeked.is_none() {
            self.peeked = Some(self.lex.next_token()?);
        }
        match &self.peeked {
            Some(t) => Ok(t),
            None => err(0, "internal lexer error"),
        }
    }

    fn next(&mut self) -> SrcResult<(Tok, usize)> {
        match self.peeked.take() {
            Some(t) => Ok(t),
            None => self.lex.next_token(),
        }
    }

    fn expect_punct(&mut self, p: &'static str, what: &str) -> SrcResult<usize> {
        let (t, at) = self.next()?;
        if t == Tok::Punct(p) { Ok(at) } else { err(at, format!("expected '{p}' {what}, found {}", t.describe())) }
    }

    fn peek_is_ident(&mut self, kw: &str) -> SrcResult<bool> {
        Ok(matches!(&self.peek()?.0, Tok::Ident(s) if s == kw))
    }

    /// Parses the whole file.
    #[inline(never)]
    pub(crate) fn parse_file(&mut self) -> SrcResult<Vec<RuleAst>> {
        let mut rules = Vec::new();
        loop {
            let (t, at) = self.next()?;
            match t {
                Tok::Eof => return Ok(rules),
                Tok::Ident(kw) if kw == "import" => {
                    return err(at, "'import' is not supported: modules are outside the subset");
                }
                Tok::Ident(kw) if kw == "include" => {
                    return err(at, "'include' is not supported");
                }
                Tok::Ident(kw) if matches!(kw.as_str(), "rule" | "private" | "global") => {
                    let mut private = false;
                    let mut global = false;
                    let mut kw = kw;
                    let mut kw_at = at;
                    loop {
                        match kw.as_str() {
                            "private" if !private => private = true,
                            "global" if !global => global = true,
                            "rule" => break,
                            _ => return err(kw_at, format!("expected 'rule', found '{kw}'")),
                        }
                        let (t, a) = self.next()?;
                        kw_at = a;
                        kw = match t {
                            Tok::Ident(s) => s,
                            other => {
                                return err(a, format!("expected 'rule', found {}", other.describe()));
                            }
                        };
                    }
                    let rule = self.rule(private, global)?;
                    rules.push(rule);
                }
                other => {
                    return err(at, format!("expected 'rule', found {}", other.describe()));
                }
            }
        }
    }

    #[inline(never)]
    fn rule(&mut self, private: bool, global: bool) -> SrcResult<RuleAst> {
        let (t, name_at) = self.next()?;
        let name = match t {
            Tok::Ident(s) if KEYWORDS.contains(&s.as_str()) => {
                return err(name_at, format!("'{s}' is a keyword and cannot name a rule"));
            }
            Tok::Ident(s) => s,
            other => return err(name_at, format!("expected a rule name, found {}", other.describe())),
        };
        if self.rule_names.contains_key(&name) {
            return err(name_at, format!("duplicate rule '{name}'"));
        }
        let mut tags: Vec<String> = Vec::new();
        if self.peek()?.0 == Tok::Punct(":") {
            self.next()?;
            while let (Tok::Ident(tag), at) = self.peek()?.clone() {
                self.next()?;
                if tags.contains(&tag) {
                    return err(at, format!("duplicate tag '{tag}'"));
                }
                tags.push(tag);
            }
            if tags.is_empty() {
                let (t, at) = self.next()?;
                return err(at, format!("expected a tag, found {}", t.describe()));
            }
        }
        self.expect_punct("{", "to open the rule body")?;
        let mut meta = Vec::new();
        let mut strings: Vec<StringDef> = Vec::new();
        if self.peek_is_ident("meta")? {
            self.next()?;
            self.expect_punct(":", "after 'meta'")?;
            while let (Tok::Ident(key), _) = self.peek()?.clone() {
                if matches!(key.as_str(), "strings" | "condition") {
                    break;
                }
                self.next()?;
                self.expect_punct("=", "after the meta key")?;
                let (t, at) = self.next()?;
                let value = match t {
                    Tok::Str(b) => MetaValue::Str(String::from_utf8_lossy(&b).into_owned()),
                    Tok::Int(i) => MetaValue::Int(i),
                    Tok::Punct("-") => match self.next()? {
                        (Tok::Int(i), _) => MetaValue::Int(-i),
                        (t, at) => return err(at, format!("expected an integer, found {}", t.describe())),
                    },
                    Tok::Ident(b) if b == "true" => MetaValue::Bool(true),
                    Tok::Ident(b) if b == "false" => MetaValue::Bool(false),
                    other => {
                        return err(
                            at,
                            format!("expected a string, integer or boolean meta value, found {}", other.describe()),
                        );
                    }
                };
                meta.push((key, value));
            }
        }
        if self.peek_is_ident("strings")? {
            self.next()?;
            self.expect_punct(":", "after 'strings'")?;
            while let (Tok::StrId(id), at) = self.peek()?.clone() {
                self.next()?;
                if !id.is_empty() && strings.iter().any(|s| s.id == id) {
                    return err(at, format!("duplicate string identifier '${id}'"));
                }
                // `=` is consumed without peeking past it: the value needs its own lexing.
                self.expect_punct("=", "after the string identifier")?;
                let value = self.string_value()?;
                strings.push(StringDef { id, at, value });
            }
            if strings.is_empty() {
                let (t, at) = self.next()?;
                return err(at, format!("expected a string definition, found {}", t.describe()));
            }
        }
        let (t, at) = self.next()?;
        if t != Tok::Ident("condition".into()) {
            return err(at, format!("expected 'condition', found {}", t.describe()));
        }
        self.expect_punct(":", "after 'condition'")?;
        let mut scope = Scope { strings: &strings, used: vec![false; strings.len()] };
        let cond = self.or_expr(&mut scope)?;
        let (t, at) = self.next()?;
        if t != Tok::Punct("}") {
            return err(at, format!("expected '}}' or an operator, found {}", t.describe()));
        }
        if let Some(i) = scope.used.iter().position(|u| !u) {
            let id = &strings[i].id;
            return err(strings[i].at, format!("unreferenced string '${id}' in rule '{name}'"));
        }
        self.rule_names.insert(name.clone(), self.rule_count);
        self.rule_count += 1;
        Ok(RuleAst { name, private, global, tags, meta, strings, cond })
    }

    fn string_value(&mut self) -> SrcResult<StringValue> {
        let (raw, at) = self.lex.string_value()?;
        let src = self.lex.src();
        let mut mods: Vec<(String, usize)> = Vec::new();
        while let (Tok::Ident(m), mat) = self.peek()?.clone() {
            if matches!(m.as_str(), "condition") {
                break;
            }
            self.next()?;
            if mods.iter().any(|(x, _)| *x == m) {
                return err(mat, format!("duplicate modifier '{m}'"));
            }
            mods.push((m, mat));
        }
        let has = |m: &str| mods.iter().any(|(x, _)| x == m);
        match raw {
            RawValue::Text(bytes) => {
                for (m, mat) in &mods {
                    match m.as_str() {
                        "nocase" | "wide" | "ascii" | "fullword" | "private" => {}
                        "xor" | "base64" | "base64wide" => {
                            return err(*mat, format!("modifier '{m}' is not supported"));
                        }
                        _ => return err(*mat, format!("unknown string modifier '{m}'")),
                    }
                }
                if bytes.is_empty() {
                    return err(at, "empty strings are not allowed");
                }
                let wide = has("wide");
                Ok(StringValue::Text {
                    bytes,
                    nocase: has("nocase"),
                    wide,
                    ascii: has("ascii") || !wide,
                    fullword: has("fullword"),
                })
            }
            RawValue::Hex(start, end) => {
                if let Some((m, mat)) = mods.iter().find(|(m, _)| m != "private") {
                    return err(*mat, format!("modifier '{m}' is not supported on hex strings"));
                }
                let node = pattern::parse_hex(src, start, end)?;
                Ok(StringValue::Pattern(node, pattern::PatSource::Hex(src[start..end].into())))
            }
            RawValue::Regex(start, end, flags) => {
                if let Some((m, mat)) = mods.iter().find(|(m, _)| m != "private") {
                    return err(
                        *mat,
                        format!("modifier '{m}' is not supported on regular expressions (use the /i flag for nocase)"),
                    );
                }
                let mut f = ReFlags::default();
                for (c, fat) in flags {
                    match c {
                        b'i' if !f.nocase => f.nocase = true,
                        b's' if !f.dot_all => f.dot_all = true,
                        _ => {
                            return err(fat, format!("unsupported regular expression flag '{}'", c as char));
                        }
                    }
                }
                let node = pattern::parse_regex(src, start, end, f)?;
                if node.len_range().0 == 0 {
                    return err(at, "regular expressions that can match an empty string are not supported");
                }
                Ok(StringValue::Pattern(node, pattern::PatSource::Regex(src[start..end].into(), f)))
            }
        }
    }

    fn or_expr(&mut self, sc: &mut Scope<'_>) -> SrcResult<Expr> {
        let mut e = self.and_expr(sc)?;
        while self.peek_is_ident("or")? {
            self.next()?;
            let r = self.and_expr(sc)?;
            e = Expr::Or(Box::new(e), Box::new(r));
        }
        Ok(e)
    }

    fn and_expr(&mut self, sc: &mut Scope<'_>) -> SrcResult<Expr> {
        let mut e = self.not_expr(sc)?;
        while self.peek_is_ident("and")? {
            self.next()?;
            let r = self.not_expr(sc)?;
            e = Expr::And(Box::new(e), Box::new(r));
        }
        Ok(e)
    }

    fn not_expr(&mut self, sc: &mut Scope<'_>) -> SrcResult<Expr> {
        if self.peek_is_ident("not")? {
            self.next()?;
            let inner = self.not_expr(sc)?;
            return Ok(Expr::Not(Box::new(inner)));
        }
        self.primary(sc)
    }

    fn string_ref(&self, sc: &mut Scope<'_>, id: &str, at: usize, sigil: char) -> SrcResult<usize> {
        if id.is_empty() {
            return err(at, format!("anonymous '{sigil}' can only be used through 'them'"));
        }
        match sc.strings.iter().position(|s| s.id == id) {
            Some(i) => {
                sc.used[i] = true;
                Ok(i)
            }
            None => err(at, format!("undefined string identifier '{sigil}{id}'")),
        }
    }

    fn primary(&mut self, sc: &mut Scope<'_>) -> SrcResult<Expr> {
        let (t, at) = self.peek()?.clone();
        match t {
            Tok::Punct("(") => {
                self.next()?;
                let e = self.or_expr(sc)?;
                self.expect_punct(")", "to close '('")?;
                return Ok(e);
            }
            Tok::StrId(id) => {
                self.next()?;
                let i = self.string_ref(sc, &id, at, '$')?;
                if self.peek_is_ident("at")? {
                    self.next()?;
                    let n = self.int_expr(sc)?;
                    return Ok(Expr::At(i, n));
                }
                if self.peek_is_ident("in")? {
                    self.next()?;
                    self.expect_punct("(", "after 'in'")?;
                    let lo = self.int_expr(sc)?;
                    self.expect_punct("..", "in the range")?;
                    let hi = self.int_expr(sc)?;
                    self.expect_punct(")", "to close the range")?;
                    if let (IntExpr::Lit(a), IntExpr::Lit(b)) = (&lo, &hi)
                        && a > b
                    {
                        return err(at, format!("invalid range ({a}..{b}): the lower bound exceeds the upper bound"));
                    }
                    return Ok(Expr::In(i, lo, hi));
                }
                if let (Tok::Ident(k), at) = self.peek()?.clone()
                    && matches!(
                        k.as_str(),
                        "contains"
                            | "matches"
                            | "startswith"
                            | "endswith"
                            | "icontains"
                            | "istartswith"
                            | "iendswith"
                            | "iequals"
                    )
                {
                    return err(at, format!("operator '{k}' is not supported"));
                }
                return Ok(Expr::Present(i));
            }
            Tok::Ident(kw) => match kw.as_str() {
                "true" | "false" => {
                    self.next()?;
                    return Ok(Expr::Bool(kw == "true"));
                }
                "any" | "all" | "none" => {
                    self.next()?;
                    let q = match kw.as_str() {
                        "any" => Quant::Any,
                        "all" => Quant::All,
                        _ => Quant::None,
                    };
                    return self.of_expr(sc, q);
                }
                "for" => return err(at, "'for' loops are not supported"),
                "filesize" => {}
                "entrypoint" | "defined" | "int8" | "int16" | "int32" | "uint8" | "uint16" | "uint32" | "int8be"
                | "int16be" | "int32be" | "uint8be" | "uint16be" | "uint32be" => {
                    return err(at, format!("'{kw}' is not supported"));
                }
                _ if KEYWORDS.contains(&kw.as_str()) => {
                    return err(at, format!("unexpected keyword '{kw}' in condition"));
                }
                _ => {
                    self.next()?;
                    return match self.rule_names.get(&kw) {
                        Some(&r) => {
                            if self.peek()?.0 == Tok::Punct(".") {
                                let at = self.peek()?.1;
                                return err(at, "module fields are not supported");
                            }
                            Ok(Expr::Rule(r))
                        }
                        None => err(at, format!("unknown identifier '{kw}'")),
                    };
                }
            },
            Tok::Int(n) => {
                // `N of (...)` or the left side of a comparison.
                self.next()?;
                if self.peek_is_ident("of")? {
                    if n < 1 {
                        return err(at, "the count in 'N of' must be at least 1");
                    }
                    return self.of_expr(sc, Quant::AtLeast(n));
                }
                if self.peek()?.0 == Tok::Punct("%") {
                    let at = self.peek()?.1;
                    return err(at, "percentages are not supported");
                }
                return self.comparison(sc, IntExpr::Lit(n), at);
            }
            _ => {}
        }
        let lhs = self.int_expr(sc)?;
        self.comparison(sc, lhs, at)
    }

    fn comparison(&mut self, sc: &mut Scope<'_>, lhs: IntExpr, lhs_at: usize) -> SrcResult<Expr> {
        let (t, at) = self.peek()?.clone();
        let op = match t {
            Tok::Punct("==") => CmpOp::Eq,
            Tok::Punct("!=") => CmpOp::Ne,
            Tok::Punct("<") => CmpOp::Lt,
            Tok::Punct("<=") => CmpOp::Le,
            Tok::Punct(">") => CmpOp::Gt,
            Tok::Punct(">=") => CmpOp::Ge,
            Tok::Punct(p @ ("+" | "-" | "*" | "/" | "\\" | "%" | "&" | "|" | "^" | "<<" | ">>" | "~")) => {
                return err(at, format!("operator '{p}' is not supported (no arithmetic in the subset)"));
            }
            Tok::Ident(k)
                if matches!(
                    k.as_str(),
                    "contains"
                        | "matches"
                        | "startswith"
                        | "endswith"
                        | "icontains"
                        | "istartswith"
                        | "iendswith"
                        | "iequals"
                ) =>
            {
                return err(at, format!("operator '{k}' is not supported"));
            }
            _ => return err(lhs_at, "expected a boolean expression (integers must be compared)"),
        };
        self.next()?;
        let rhs = self.int_expr(sc)?;
        if let (Tok::Punct(p @ ("==" | "!=" | "<" | "<=" | ">" | ">=")), at) = self.peek()?.clone() {
            return err(at, format!("chained comparison '{p}' is not supported: use parentheses and 'and'"));
        }
        Ok(Expr::Cmp(lhs, op, rhs))
    }

    fn int_expr(&mut self, sc: &mut Scope<'_>) -> SrcResult<IntExpr> {
        let (t, at) = self.next()?;
        let e = match t {
            Tok::Int(n) => IntExpr::Lit(n),
            Tok::Ident(k) if k == "filesize" => IntExpr::Filesize,
            Tok::Count(id) => IntExpr::Count(self.string_ref(sc, &id, at, '#')?),
            Tok::At(_) => return err(at, "'@' match offsets are not supported"),
            Tok::Len(_) => return err(at, "'!' match lengths are not supported"),
            Tok::Punct("-") => return err(at, "negative numbers and arithmetic are not supported"),
            Tok::Punct("(") => return err(at, "parenthesized integer expressions are not supported"),
            Tok::Ident(k) if k == "for" => return err(at, "'for' loops are not supported"),
            Tok::Ident(k) if KEYWORDS.contains(&k.as_str()) => {
                return err(at, format!("expected an integer expression, found '{k}'"));
            }
            Tok::Ident(k) if self.rule_names.contains_key(&k) => {
                return err(at, format!("rule '{k}' is not an integer"));
            }
            Tok::Ident(k) => return err(at, format!("unknown identifier '{k}'")),
            other => return err(at, format!("expected an expression, found {}", other.describe())),
        };
        if let (Tok::Punct(p @ ("+" | "-" | "*" | "/" | "\\" | "%" | "&" | "|" | "^" | "<<" | ">>")), at) =
            self.peek()?.clone()
        {
            return err(at, format!("operator '{p}' is not supported (no arithmetic in the subset)"));
        }
        if self.peek_is_ident("in")? && matches!(e, IntExpr::Count(_)) {
            let at = self.peek()?.1;
            return err(at, "'#a in (range)' is not supported");
        }
        Ok(e)
    }

    fn of_expr(&mut self, sc: &mut Scope<'_>, q: Quant) -> SrcResult<Expr> {
        let (t, at) = self.next()?;
        if t != Tok::Ident("of".into()) {
            return err(at, format!("expected 'of', found {}", t.describe()));
        }
        let (t, at) = self.next()?;
        let set: Vec<usize> = match t {
            Tok::Ident(k) if k == "them" => {
                if sc.strings.is_empty() {
                    return err(at, "'them' used in a rule without strings");
                }
                sc.used.iter_mut().for_each(|u| *u = true);
                (0..sc.strings.len()).collect()
            }
            Tok::Punct("(") => {
                let mut set = Vec::new();
                loop {
                    let (t, at) = self.next()?;
                    match t {
                        Tok::StrId(id) => {
                            let i = self.string_ref(sc, &id, at, '$')?;
                            if !set.contains(&i) {
                                set.push(i);
                            }
                        }
                        Tok::StrWild(prefix) => {
                            let mut any = false;
                            for (i, s) in sc.strings.iter().enumerate() {
                                if !s.id.is_empty() && s.id.starts_with(&prefix) {
                                    any = true;
                                    sc.used[i] = true;
                                    if !set.contains(&i) {
                                        set.push(i);
                                    }
                                }
                            }
                            if !any {
                                return err(at, format!("no string matches '${prefix}*'"));
                            }
                        }
                        Tok::Ident(_) => {
                            return err(at, "rule sets in 'of' are not supported");
                        }
                        other => {
                            return err(at, format!("expected a string identifier, found {}", other.describe()));
                        }
                    }
                    let (t, at) = self.next()?;
                    match t {
                        Tok::Punct(",") => continue,
                        Tok::Punct(")") => break,
                        other => {
                            return err(at, format!("expected ',' or ')', found {}", other.describe()));
                        }
                    }
                }
                set
            }
            other => return err(at, format!("expected 'them' or '(', found {}", other.describe())),
        };
        if self.peek_is_ident("in")? || self.peek_is_ident("at")? {
            let at = self.peek()?.1;
            return err(at, "'of ... in/at' is not supported");
        }
        Ok(Expr::Of(q, set))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(src: &str) -> SrcResult<Vec<RuleAst>> {
        let mut names = HashMap::new();
        Parser::new(src, &mut names, 0).parse_file()
    }

    #[test]
    fn parses_rule_with_everything() {
        let rules = parse(
            r#"
            private rule base { condition: filesize < 1MB }
            rule r : t1 t2 {
                meta: a = "x" b = -3 c = true
                strings:
                    $a1 = "foo" nocase wide ascii fullword
                    $a2 = { 41 ?? [1-2] ( 42 | 43 ) }
                    $re = /ab+c/is
                condition:
                    base and (#a1 >= 2 or $a2 at 0) and not $re in (0..10) and 1 of ($a*) and all of them
            }"#,
        )
        .expect("parses");
        assert_eq!(rules.len(), 2);
        assert!(rules[0].private);
        assert_eq!(rules[1].tags, vec!["t1", "t2"]);
        assert_eq!(rules[1].meta[1], ("b".into(), MetaValue::Int(-3)));
        assert_eq!(rules[1].strings.len(), 3);
        let Expr::And(_, last) = &rules[1].cond else { panic!("and expected") };
        assert_eq!(**last, Expr::Of(Quant::All, vec![0, 1, 2]));
    }

    #[test]
    fn not_binds_tighter_than_and_but_looser_than_comparison() {
        let rules = parse("rule r { strings: $a = \"x\" condition: not #a == 2 and true }").expect("parses");
        assert_eq!(
            rules[0].cond,
            Expr::And(
                Box::new(Expr::Not(Box::new(Expr::Cmp(IntExpr::Count(0), CmpOp::Eq, IntExpr::Lit(2))))),
                Box::new(Expr::Bool(true))
            )
        );
    }

    #[test]
    fn errors_have_positions() {
        let e = parse("rule r {\n condition: $a }").expect_err("undefined");
        assert_eq!(e.offset, 21);
        let e = parse("rule r { strings: $a = \"x\" $b = \"y\" condition: $a }").expect_err("unreferenced");
        assert!(e.message.contains("unreferenced string '$b'"), "{}", e.message);
        let e = parse("rule r { condition: true } rule r { condition: true }").expect_err("dup");
        assert!(e.message.contains("duplicate rule"));
        let e = parse("rule r { condition: 2 }").expect_err("int as bool");
        assert!(e.message.contains("boolean"));
    }
}
