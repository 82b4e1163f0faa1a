//! One line of comma-separated values (RFC 4180 quoting, no embedded line breaks), as the
//! abuse.ch and PhishTank feeds write them.

/// Splits one CSV line into fields. Quoted fields may hold commas and doubled quotes (`""`).
/// `None` when a quote is unbalanced or text follows a closing quote.
pub(crate) fn split_line(line: &str) -> Option<Vec<String>> {
    let mut fields = Vec::new();
    let mut chars = line.chars().peekable();
    loop {
        let mut field = String::new();
        // Leading blanks before a quoted field are tolerated (`a, "b"`).
        while chars.peek() == Some(&' ') {
            chars.next();
        }
        if chars.peek() == Some(&'"') {
            chars.next();
            loop {
                match chars.next() {
                    Some('"') if chars.peek() == Some(&'"') => {
                        chars.next();
                        field.push('"');
                    }
                    Some('"') => break,
                    Some(c) => field.push(c),
                    None => return None,
                }
            }
            while chars.peek() == Some(&' ') {
                chars.next();
            }
            match chars.next() {
                Some(',') => fields.push(field),
                None => {
                    fields.push(field);
                    return Some(fields);
                }
                Some(_) => return None,
            }
        } else {
            loop {
                match chars.next() {
                    Some(',') => {
                        fields.push(field.trim().to_string());
                        break;
                    }
                    Some('"') => return None,
                    Some(c) => field.push(c),
                    None => {
                        fields.push(field.trim().to_string());
                        return Some(fields);
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::split_line;

    #[test]
    fn fields() {
        let cases: &[(&str, &str, Option<&[&str]>)] = &[
            ("plain", "a,b,c", Some(&["a", "b", "c"])),
            ("quoted", r#""1","http://x/a,b","c""#, Some(&["1", "http://x/a,b", "c"])),
            ("doubled quote", r#""say ""hi""",x"#, Some(&[r#"say "hi""#, "x"])),
            ("empty fields", "a,,", Some(&["a", "", ""])),
            ("unbalanced", r#""abc,d"#, None),
            ("text after quote", r#""a"b,c"#, None),
            ("quote inside bare field", r#"a"b,c"#, None),
        ];
        for (name, line, want) in cases {
            let got = split_line(line);
            let want = want.map(|w| w.iter().map(|s| s.to_string()).collect::<Vec<_>>());
            assert_eq!(got, want, "{name}");
        }
    }
}
