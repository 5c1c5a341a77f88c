//! The one-line filter language: a hand-written lexer and a recursive-descent parser.
//!
//! ```text
//! filter     = or_expr END ;
//! or_expr    = and_expr { "or" and_expr } ;
//! and_expr   = unary { "and" unary } ;
//! unary      = "not" unary | "(" or_expr ")" | condition ;
//! condition  = field predicate ;
//! field      = identifier | "`" { any char, "\`" or "\\" escaped } "`" ;
//! predicate  = ( "=" | "!=" | "<>" | ">" | ">=" | "<" | "<=" ) [ "exact" ] value
//!            | [ "not" ] "contains" [ "exact" ] value
//!            | [ "not" ] "starts" "with" [ "exact" ] value
//!            | "in" [ "exact" ] "(" value { "," value } ")"
//!            | "between" value "and" value
//!            | "is" [ "not" ] "empty" | "not" "empty"
//!            | "within" integer ( "days" | "day" )
//!            | "older" "than" integer ( "days" | "day" ) ;
//! value      = string | number | date | boolean ;
//! string     = '"' { any char, '\"' or '\\' escaped } '"' ;
//! number     = [ "-" ] digits [ "." digits ] [ ( "e" | "E" ) [ "+" | "-" ] digits ] ;
//! date       = digit digit digit digit "-" digit digit "-" digit digit ;   (2024-01-31)
//! boolean    = "true" | "false" | "yes" | "no" | "sim" | "não" | "nao" | "si" ;
//! identifier = ( letter | "_" ) { letter | digit | "_" } ;   (letters include accented ones)
//! ```
//!
//! Keywords are case-insensitive. `not` binds tighter than `and`, `and` tighter than `or`.
//! Nesting is limited to [`MAX_NESTING`] levels, so no filter can exhaust the stack nor be
//! saved in a form that cannot be read back: at most that many parentheses and `not`s open
//! inside one another in the text, and at most that many `and` / `or` / `not` nested in the
//! tree (the JSON form has the same limit). A deeper filter is an error pointing at the
//! level that goes too deep. A field named `and`, `or` or `not`, or with spaces or
//! punctuation, is written in backquotes: `` `Último canal` = "WhatsApp" ``. `exact` goes
//! right after the operator: `name = exact "Ana"`, `email contains exact "Gmail"`,
//! `city in exact ("Recife", "Olinda")`. Dates are written `2024-01-31` or as text
//! (`"31/01/2024"`) and are read as dates when the field is a date.

use super::FilterError;
use super::ast::{Condition, Expr, Literal, MAX_NESTING, Op, Operand};
use crate::text::fold;

/// Parses one line of the filter language into a tree (not yet checked against a schema).
///
/// ```
/// use hyperseg::segment::parse_filter;
/// let e = parse_filter(r#"city = "São Paulo" and age between 18 and 30"#).unwrap();
/// assert_eq!(e.to_string(), r#"city = "São Paulo" and age between 18 and 30"#);
/// let err = parse_filter("age > ").unwrap_err();
/// assert!(err.render("age > ").ends_with("\nage > \n      ^"));
/// ```
pub fn parse_filter(input: &str) -> Result<Expr, FilterError> {
    Parser::new(input)?.parse().map(|(expr, _)| expr)
}

/// Where one condition was written: 1-based columns of its field, operator and first value
/// (the operator's column when it has no value).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct CondSpan {
    pub field: usize,
    pub op: usize,
    pub value: usize,
}

/// The spans of every condition of `input`, in reading order.
pub(crate) fn condition_spans(input: &str) -> Result<Vec<CondSpan>, FilterError> {
    Parser::new(input)?.parse().map(|(_, spans)| spans)
}

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    /// A bare word: a keyword, a field name or a yes/no word.
    Word(String),
    /// A backquoted field name.
    Quoted(String),
    Str(String),
    Num(Literal),
    /// An unquoted `yyyy-mm-dd`.
    Date(String),
    Sym(&'static str),
    End,
}

#[derive(Clone, Debug)]
struct Token {
    tok: Tok,
    /// 1-based character column of the first character.
    col: usize,
    /// The text as written, for messages.
    text: String,
}

impl Token {
    /// How the token is named in an error message.
    fn describe(&self) -> String {
        match self.tok {
            Tok::End => "end of the filter".to_owned(),
            _ => format!("'{}'", self.text),
        }
    }

    /// The folded word, when the token is a bare word.
    fn word(&self) -> Option<String> {
        match &self.tok {
            Tok::Word(w) => Some(fold(w)),
            _ => None,
        }
    }

    fn is_word(&self, keyword: &str) -> bool {
        self.word().is_some_and(|w| w == keyword)
    }

    fn is_sym(&self, sym: &str) -> bool {
        matches!(self.tok, Tok::Sym(s) if s == sym)
    }
}

fn syntax(column: usize, message: impl Into<String>) -> FilterError {
    FilterError::Syntax { column, message: message.into() }
}

/// Splits the input into tokens; the last is always [`Tok::End`].
fn lex(input: &str) -> Result<Vec<Token>, FilterError> {
    let chars: Vec<char> = input.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let start = i;
        let col = i + 1;
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        let tok = match c {
            '(' | ')' | ',' => {
                i += 1;
                Tok::Sym(match c {
                    '(' => "(",
                    ')' => ")",
                    _ => ",",
                })
            }
            '=' => {
                i += 1;
                if chars.get(i) == Some(&'=') {
                    return Err(syntax(col, "'==' is written '='"));
                }
                Tok::Sym("=")
            }
            '!' => {
                if chars.get(i + 1) != Some(&'=') {
                    return Err(syntax(col, "unexpected '!'; 'not equal' is written '!=' or '<>'"));
                }
                i += 2;
                Tok::Sym("!=")
            }
            '<' | '>' => {
                i += 1;
                let next = chars.get(i).copied();
                let sym = match (c, next) {
                    ('<', Some('=')) => "<=",
                    ('<', Some('>')) => "<>",
                    ('>', Some('=')) => ">=",
                    ('<', _) => "<",
                    _ => ">",
                };
                i += sym.len() - 1;
                Tok::Sym(sym)
            }
            '"' | '`' => {
                let (text, end) = quoted(&chars, i).ok_or_else(|| {
                    let what = if c == '"' { "text" } else { "field name" };
                    syntax(col, format!("unclosed {what}: missing the closing {c}"))
                })?;
                i = end;
                if c == '"' { Tok::Str(text) } else { Tok::Quoted(text) }
            }
            c if c.is_ascii_digit() || (c == '-' && chars.get(i + 1).is_some_and(|d| d.is_ascii_digit())) => {
                let (tok, end) = number(&chars, i).map_err(|m| syntax(col, m))?;
                i = end;
                tok
            }
            c if c.is_alphabetic() || c == '_' => {
                while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                    i += 1;
                }
                Tok::Word(chars[start..i].iter().collect())
            }
            c => return Err(syntax(col, format!("unexpected character '{c}'"))),
        };
        out.push(Token { tok, col, text: chars[start..i].iter().collect() });
    }
    out.push(Token { tok: Tok::End, col: chars.len() + 1, text: String::new() });
    Ok(out)
}

/// Reads a quoted run starting at the quote `chars[start]`; `\<quote>` and `\\` are escapes,
/// any other backslash is kept. Returns the text and the index after the closing quote.
fn quoted(chars: &[char], start: usize) -> Option<(String, usize)> {
    let quote = chars[start];
    let mut text = String::new();
    let mut i = start + 1;
    while i < chars.len() {
        match chars[i] {
            '\\' if matches!(chars.get(i + 1), Some(&n) if n == quote || n == '\\') => {
                text.push(chars[i + 1]);
                i += 2;
            }
            c if c == quote => return Some((text, i + 1)),
            c => {
                text.push(c);
                i += 1;
            }
        }
    }
    None
}

/// Reads a number or an unquoted `yyyy-mm-dd` date starting at `chars[start]`.
fn number(chars: &[char], start: usize) -> Result<(Tok, usize), String> {
    let digits = |mut i: usize| {
        while i < chars.len() && chars[i].is_ascii_digit() {
            i += 1;
        }
        i
    };
    let is_date = |i: usize| {
        let pattern = "dddd-dd-dd";
        chars.len() >= i + pattern.len()
            && pattern
                .chars()
                .zip(&chars[i..])
                .all(|(p, &c)| if p == 'd' { c.is_ascii_digit() } else { c == p })
            && !chars.get(i + pattern.len()).is_some_and(|c| c.is_alphanumeric() || *c == '-')
    };
    if is_date(start) {
        return Ok((Tok::Date(chars[start..start + 10].iter().collect()), start + 10));
    }
    let mut i = digits(if chars[start] == '-' { start + 1 } else { start });
    let mut float = false;
    if chars.get(i) == Some(&'-') && chars.get(i + 1).is_some_and(char::is_ascii_digit) {
        return Err("malformed date: write dates as 2024-01-31 or \"31/01/2024\"".to_owned());
    }
    if chars.get(i) == Some(&'.') && chars.get(i + 1).is_some_and(char::is_ascii_digit) {
        i = digits(i + 1);
        float = true;
    }
    if matches!(chars.get(i), Some('e' | 'E')) {
        let sign = usize::from(matches!(chars.get(i + 1), Some('+' | '-')));
        if chars.get(i + 1 + sign).is_some_and(char::is_ascii_digit) {
            i = digits(i + 1 + sign);
            float = true;
        }
    }
    let text: String = chars[start..i].iter().collect();
    let lit = match text.parse::<i64>() {
        Ok(v) if !float => Literal::Int(v),
        // Whole numbers past the i64 range are read as decimals.
        _ => {
            let v = text.parse::<f64>().map_err(|_| format!("'{text}' is not a number"))?;
            // An infinite value has no JSON form: a saved audience could not be read back.
            if !v.is_finite() {
                return Err(format!("'{text}' is out of range: numbers go up to about 1.8e308"));
            }
            Literal::Float(v)
        }
    };
    Ok((Tok::Num(lit), i))
}

/// Words read as `true` / `false` (folded): in value position, and as yes/no text.
pub(crate) fn bool_word(folded: &str) -> Option<bool> {
    match folded {
        "true" | "yes" | "sim" | "si" => Some(true),
        "false" | "no" | "nao" => Some(false),
        _ => None,
    }
}

const OPERATORS: &str = "= != <> > >= < <= contains, not contains, starts with, not starts with, in (...), \
     between ... and ..., is empty, is not empty, within N days, older than N days";

const VALUES: &str = "\"text\", a number, a date like 2024-01-31, or true/false";

struct Parser {
    tokens: Vec<Token>,
    pos: usize,
    spans: Vec<CondSpan>,
    /// Column of the first value of the condition being read.
    value_col: Option<usize>,
    /// Parentheses and `not`s open around the current token.
    open: usize,
}

/// The error for a level that goes deeper than [`MAX_NESTING`], at `column`.
fn too_deep(column: usize) -> FilterError {
    syntax(
        column,
        format!(
            "the filter nests more than {MAX_NESTING} levels deep ('not', 'and', 'or', parentheses); simplify it"
        ),
    )
}

/// `node` if its tree nests at most [`MAX_NESTING`] levels, else an error at `column`.
fn within_nesting(node: Expr, column: usize) -> Result<Expr, FilterError> {
    if node.nesting() > MAX_NESTING { Err(too_deep(column)) } else { Ok(node) }
}

impl Parser {
    fn new(input: &str) -> Result<Self, FilterError> {
        Ok(Self { tokens: lex(input)?, pos: 0, spans: Vec::new(), value_col: None, open: 0 })
    }

    fn peek(&self) -> &Token {
        &self.tokens[self.pos]
    }

    fn next(&mut self) -> Token {
        let t = self.tokens[self.pos].clone();
        if !matches!(t.tok, Tok::End) {
            self.pos += 1;
        }
        t
    }

    fn eat_word(&mut self, keyword: &str) -> bool {
        let hit = self.peek().is_word(keyword);
        if hit {
            self.pos += 1;
        }
        hit
    }

    fn parse(mut self) -> Result<(Expr, Vec<CondSpan>), FilterError> {
        if matches!(self.peek().tok, Tok::End) {
            return Err(syntax(
                self.peek().col,
                "empty filter: expected a condition such as city = \"Recife\"",
            ));
        }
        let expr = self.or_expr()?;
        let t = self.peek();
        match t.tok {
            Tok::End => Ok((expr, self.spans)),
            Tok::Sym(")") => Err(syntax(t.col, "unmatched ')'")),
            _ => Err(syntax(
                t.col,
                format!("expected 'and', 'or' or the end of the filter, found {}", t.describe()),
            )),
        }
    }

    fn or_expr(&mut self) -> Result<Expr, FilterError> {
        let mut items = vec![self.and_expr()?];
        let col = self.peek().col;
        while self.eat_word("or") {
            items.push(self.and_expr()?);
        }
        if items.len() == 1 {
            return Ok(items.pop().expect("one item"));
        }
        within_nesting(Expr::Or(items), col)
    }

    fn and_expr(&mut self) -> Result<Expr, FilterError> {
        let mut items = vec![self.unary()?];
        let col = self.peek().col;
        while self.eat_word("and") {
            items.push(self.unary()?);
        }
        if items.len() == 1 {
            return Ok(items.pop().expect("one item"));
        }
        within_nesting(Expr::And(items), col)
    }

    /// Opens a level (a parenthesis or a `not`) at `column`; [`Parser::close`] ends it.
    fn open(&mut self, column: usize) -> Result<(), FilterError> {
        self.open += 1;
        if self.open > MAX_NESTING { Err(too_deep(column)) } else { Ok(()) }
    }

    fn close(&mut self) {
        self.open -= 1;
    }

    fn unary(&mut self) -> Result<Expr, FilterError> {
        if self.peek().is_word("not") {
            let col = self.next().col;
            self.open(col)?;
            let inner = self.unary()?;
            self.close();
            return within_nesting(Expr::Not(Box::new(inner)), col);
        }
        if self.peek().is_sym("(") {
            let open = self.next();
            self.open(open.col)?;
            let inner = self.or_expr()?;
            self.close();
            let t = self.next();
            if !t.is_sym(")") {
                return Err(syntax(
                    t.col,
                    format!("expected ')' to close the '(' at column {}, found {}", open.col, t.describe()),
                ));
            }
            return Ok(inner);
        }
        self.condition()
    }

    fn condition(&mut self) -> Result<Expr, FilterError> {
        let index = self.pos;
        let t = self.next();
        let field = match &t.tok {
            Tok::Quoted(name) => name.clone(),
            Tok::Word(w) if !matches!(fold(w).as_str(), "and" | "or" | "not") => w.clone(),
            _ => {
                let before = index.checked_sub(1).map(|p| &self.tokens[p]);
                let after = before.map(|b| format!(" after '{}'", b.text)).unwrap_or_default();
                let hint = match t.tok {
                    Tok::Str(_) => "; a field name goes before the operator (backquote names with spaces)",
                    _ => "",
                };
                return Err(syntax(
                    t.col,
                    format!("expected a field name{after}, found {}{hint}", t.describe()),
                ));
            }
        };
        let field_col = t.col;
        let op_tok = self.next();
        let (op, value, exact) = self.predicate(&field, &op_tok)?;
        let value_col = self.value_col.take().unwrap_or(op_tok.col);
        self.spans.push(CondSpan { field: field_col, op: op_tok.col, value: value_col });
        Ok(Expr::Cond(Condition { field, op, value, exact }))
    }
}

/// The predicate half of a condition, and the column of its first value.
impl Parser {
    fn predicate(&mut self, field: &str, t: &Token) -> Result<(Op, Operand, bool), FilterError> {
        self.value_col = None;
        if let Tok::Sym(sym) = t.tok {
            let op = match sym {
                "=" => Op::Equals,
                "!=" | "<>" => Op::NotEquals,
                ">" => Op::Gt,
                ">=" => Op::Ge,
                "<" => Op::Lt,
                "<=" => Op::Le,
                _ => return Err(self.no_operator(field, t)),
            };
            let exact = self.eat_word("exact");
            return Ok((op, Operand::One(self.value(sym)?), exact));
        }
        let Some(word) = t.word() else {
            return Err(self.no_operator(field, t));
        };
        let one = |p: &mut Parser, op: Op, after: &str| -> Result<(Op, Operand, bool), FilterError> {
            let exact = p.eat_word("exact");
            Ok((op, Operand::One(p.value(after)?), exact))
        };
        match word.as_str() {
            "contains" => one(self, Op::Contains, "contains"),
            "starts" => {
                self.expect_word("with", "'starts'")?;
                one(self, Op::StartsWith, "starts with")
            }
            "not" => {
                let n = self.next();
                match n.word().as_deref() {
                    Some("contains") => one(self, Op::NotContains, "not contains"),
                    Some("starts") => {
                        self.expect_word("with", "'not starts'")?;
                        one(self, Op::NotStartsWith, "not starts with")
                    }
                    Some("empty") => Ok((Op::IsNotEmpty, Operand::None, false)),
                    Some("in") => Err(syntax(
                        n.col,
                        "'not in' is not supported: write not (field in (...)), or field != ... and field != ...",
                    )),
                    _ => Err(syntax(
                        n.col,
                        format!(
                            "expected 'contains', 'starts with' or 'empty' after 'not', found {}",
                            n.describe()
                        ),
                    )),
                }
            }
            "is" => {
                let not = self.eat_word("not");
                self.expect_word("empty", if not { "'is not'" } else { "'is'" })?;
                Ok((if not { Op::IsNotEmpty } else { Op::IsEmpty }, Operand::None, false))
            }
            "in" => {
                let exact = self.eat_word("exact");
                let open = self.next();
                if !open.is_sym("(") {
                    return Err(syntax(
                        open.col,
                        format!(
                            "expected '(' after 'in', as in: field in (\"a\", \"b\"); found {}",
                            open.describe()
                        ),
                    ));
                }
                let mut values = vec![self.value("(")?];
                loop {
                    let t = self.next();
                    if t.is_sym(")") {
                        break;
                    }
                    if !t.is_sym(",") {
                        return Err(syntax(
                            t.col,
                            format!("expected ',' or ')' in the list, found {}", t.describe()),
                        ));
                    }
                    let value_col = self.value_col;
                    values.push(self.value(",")?);
                    self.value_col = value_col;
                }
                Ok((Op::In, Operand::List(values), exact))
            }
            "between" => {
                let a = self.value("between")?;
                let value_col = self.value_col;
                self.expect_word("and", "the first value of 'between'")?;
                let b = self.value("and")?;
                self.value_col = value_col;
                Ok((Op::Between, Operand::List(vec![a, b]), false))
            }
            "within" => Ok((Op::Within, Operand::One(self.days("within")?), false)),
            "older" => {
                self.expect_word("than", "'older'")?;
                Ok((Op::OlderThan, Operand::One(self.days("older than")?), false))
            }
            "exact" => Err(syntax(t.col, "write 'exact' after the operator, as in: name = exact \"Ana\"")),
            _ => Err(self.no_operator(field, t)),
        }
    }

    fn no_operator(&self, field: &str, t: &Token) -> FilterError {
        syntax(t.col, format!("expected an operator after \"{field}\" ({OPERATORS}), found {}", t.describe()))
    }

    fn expect_word(&mut self, keyword: &str, after: &str) -> Result<(), FilterError> {
        let t = self.next();
        if t.is_word(keyword) {
            Ok(())
        } else {
            Err(syntax(t.col, format!("expected '{keyword}' after {after}, found {}", t.describe())))
        }
    }

    /// One value, after the token written `after`; records its column.
    fn value(&mut self, after: &str) -> Result<Literal, FilterError> {
        let t = self.next();
        self.value_col = Some(t.col);
        match &t.tok {
            Tok::Str(s) | Tok::Date(s) => Ok(Literal::Text(s.clone())),
            Tok::Num(n) => Ok(n.clone()),
            Tok::Word(w) => match bool_word(&fold(w)) {
                Some(b) => Ok(Literal::Bool(b)),
                None => Err(syntax(
                    t.col,
                    format!(
                        "expected a value after '{after}' ({VALUES}), found '{w}'; put text in double quotes: \"{w}\""
                    ),
                )),
            },
            _ => Err(syntax(
                t.col,
                format!("expected a value after '{after}' ({VALUES}), found {}", t.describe()),
            )),
        }
    }

    /// A whole number of days followed by `days` (or `day`).
    fn days(&mut self, after: &str) -> Result<Literal, FilterError> {
        let t = self.next();
        self.value_col = Some(t.col);
        let n = match t.tok {
            Tok::Num(Literal::Int(n)) if n >= 0 => n,
            _ => {
                return Err(syntax(
                    t.col,
                    format!(
                        "expected a whole number of days after '{after}', as in: {after} 30 days; found {}",
                        t.describe()
                    ),
                ));
            }
        };
        let unit = self.next();
        if !(unit.is_word("days") || unit.is_word("day")) {
            return Err(syntax(
                unit.col,
                format!("expected 'days' after '{after} {n}', found {}", unit.describe()),
            ));
        }
        Ok(Literal::Int(n))
    }
}
