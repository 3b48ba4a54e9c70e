//! Turning text into Code 128 modules through `barcoders`.
//!
//! barcoders wants the caller to pick the code sets: its input is the data
//! with set markers (`Ɓ` set B, `Ć` set C) and `Ź` for FNC1. Picking them
//! well matters for GS1-128, whose mostly-numeric data halves in width in
//! set C, so the choice is made here by a shortest-path search.

use barcoders::sym::code128::Code128;

use super::RenderError;

const FNC1: char = '\u{0179}';
const SET_B: char = '\u{0181}';
const SET_C: char = '\u{0106}';

/// One thing to encode.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Sym {
    Fnc1,
    Char(u8),
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Set {
    B,
    C,
}

#[derive(Clone, Copy)]
struct Step {
    cost: u32,
    // (previous position, previous set); None at the start.
    from: Option<(usize, Set)>,
}

const UNREACHED: Step = Step {
    cost: u32::MAX,
    from: None,
};

fn idx(s: Set) -> usize {
    match s {
        Set::B => 0,
        Set::C => 1,
    }
}

/// Builds the barcoders input string with the fewest codewords, using code
/// sets B and C only (set A is for control characters, which neither GS1
/// nor our own codes contain).
pub(crate) fn plan(syms: &[Sym]) -> Result<String, RenderError> {
    if let Some(Sym::Char(c)) = syms
        .iter()
        .find(|s| matches!(s, Sym::Char(c) if !(0x20..=0x7E).contains(c)))
    {
        return Err(RenderError::UnsupportedCharacter(char::from(*c)));
    }
    if syms.is_empty() {
        return Err(RenderError::Empty);
    }
    let n = syms.len();
    let mut best = vec![[UNREACHED; 2]; n + 1];
    if let Some(first) = best.first_mut() {
        // Either start code costs one codeword.
        *first = [Step {
            cost: 1,
            from: None,
        }; 2];
    }
    let digit = |i: usize| matches!(syms.get(i), Some(Sym::Char(c)) if c.is_ascii_digit());
    for i in 0..n {
        // A set switch costs one codeword and stays at the same position.
        if i > 0 {
            for (a, b) in [(Set::B, Set::C), (Set::C, Set::B)] {
                let here = best.get(i).map_or(UNREACHED, |s| s[idx(a)]);
                if let Some(slot) = best.get_mut(i).map(|s| &mut s[idx(b)])
                    && here.cost.saturating_add(1) < slot.cost
                {
                    *slot = Step {
                        cost: here.cost + 1,
                        from: Some((i, a)),
                    };
                }
            }
        }
        for set in [Set::B, Set::C] {
            let here = best.get(i).map_or(UNREACHED, |s| s[idx(set)]);
            if here.cost == u32::MAX {
                continue;
            }
            let next = match (set, syms.get(i)) {
                (_, Some(Sym::Fnc1)) => Some(i + 1),
                (Set::B, Some(Sym::Char(_))) => Some(i + 1),
                (Set::C, Some(Sym::Char(_))) if digit(i) && digit(i + 1) => Some(i + 2),
                _ => None,
            };
            if let Some(j) = next
                && let Some(slot) = best.get_mut(j).map(|s| &mut s[idx(set)])
                && here.cost + 1 < slot.cost
            {
                *slot = Step {
                    cost: here.cost + 1,
                    from: Some((i, set)),
                };
            }
        }
    }
    // Walk back from the cheaper end state, collecting (position, set) pairs.
    let end = best.get(n).copied().unwrap_or([UNREACHED; 2]);
    let mut state = if end[0].cost <= end[1].cost {
        (n, Set::B)
    } else {
        (n, Set::C)
    };
    let mut path = vec![state];
    while let Some(prev) = best.get(state.0).and_then(|s| s[idx(state.1)].from) {
        path.push(prev);
        state = prev;
    }
    path.reverse();

    let mut out = String::with_capacity(n + 8);
    let first_set = path.first().map_or(Set::B, |p| p.1);
    out.push(if first_set == Set::B { SET_B } else { SET_C });
    for pair in path.windows(2) {
        let &[(i, _), (j, b)] = pair else {
            continue;
        };
        if i == j {
            out.push(if b == Set::B { SET_B } else { SET_C });
            continue;
        }
        for s in syms.get(i..j).unwrap_or_default() {
            match s {
                Sym::Fnc1 => out.push(FNC1),
                Sym::Char(c) => out.push(char::from(*c)),
            }
        }
    }
    Ok(out)
}

/// Bar (1) / space (0) modules, start to stop, without quiet zones.
pub(crate) fn modules(syms: &[Sym]) -> Result<Vec<u8>, RenderError> {
    let input = plan(syms)?;
    let code = Code128::new(&input).map_err(|e| RenderError::Encoder(e.to_string()))?;
    Ok(code.encode())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chars(s: &str) -> Vec<Sym> {
        s.bytes().map(Sym::Char).collect()
    }

    #[test]
    fn picks_set_c_for_digit_runs() {
        let mut gs1 = vec![Sym::Fnc1];
        gs1.extend(chars("0106901234567892"));
        assert_eq!(plan(&gs1).ok().as_deref(), Some("ĆŹ0106901234567892"));
        // Odd digit count: the odd digit goes in set B.
        assert_eq!(plan(&chars("12345")).ok().as_deref(), Some("Ć1234Ɓ5"));
        assert_eq!(
            plan(&chars("SH-2026-000123")).ok().as_deref(),
            Some("ƁSH-2026-Ć000123")
        );
        assert_eq!(plan(&chars("AB")).ok().as_deref(), Some("ƁAB"));
    }

    #[test]
    fn refuses_what_it_cannot_encode() {
        assert_eq!(plan(&[]), Err(RenderError::Empty));
        assert_eq!(
            plan(&chars("A\u{7}")),
            Err(RenderError::UnsupportedCharacter('\u{7}'))
        );
    }
}
