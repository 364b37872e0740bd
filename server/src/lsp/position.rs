//! Position conversion at the protocol edge: LSP `(line, character)` in the
//! negotiated encoding <-> the core's UTF-8 byte offsets, through the rope.
//!
//! Lines are split at `\n`, `\r\n` and `\r` (ropey's `cr_lines`), as LSP
//! specifies. A `character` past the end of its line means the end of the line
//! (the specification's rule); a line past the end of the text, or a position
//! inside a UTF-16 surrogate pair or a UTF-8 sequence, is an error.

use std::ops::Range;

use ls_types::{Position, Range as LspRange};
use ropey::Rope;

/// The unit of `Position.character`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Encoding {
    Utf8,
    Utf16,
}

impl Encoding {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Encoding::Utf8 => "utf-8",
            Encoding::Utf16 => "utf-16",
        }
    }
}

/// Why a position could not be converted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum PositionError {
    #[error("line {line} is past the end of the document ({lines} lines)")]
    LinePastEnd { line: u32, lines: usize },
    #[error("position {line}:{character} is inside a character")]
    InsideCharacter { line: u32, character: u32 },
    #[error("range end {end_line}:{end_character} is before its start")]
    Backwards { end_line: u32, end_character: u32 },
}

/// Char index of the end of `line`'s content (before its line break).
fn line_content_end_char(rope: &Rope, line: usize) -> usize {
    let start = rope.line_to_char(line);
    let slice = rope.line(line);
    let mut len = slice.len_chars();
    if len > 0 && slice.char(len - 1) == '\n' {
        len -= 1;
        if len > 0 && slice.char(len - 1) == '\r' {
            len -= 1;
        }
    } else if len > 0 && slice.char(len - 1) == '\r' {
        len -= 1;
    }
    start + len
}

/// The byte offset of `pos` in `rope`.
pub(crate) fn to_offset(rope: &Rope, pos: Position, enc: Encoding) -> Result<usize, PositionError> {
    locate(rope, pos, enc).map(|(offset, _)| offset)
}

/// The byte offset of `pos` in `rope`, and where its line starts (so the
/// position's column in bytes is their difference).
fn locate(rope: &Rope, pos: Position, enc: Encoding) -> Result<(usize, usize), PositionError> {
    let lines = rope.len_lines();
    let line = pos.line as usize;
    if line >= lines {
        return Err(PositionError::LinePastEnd {
            line: pos.line,
            lines,
        });
    }
    // The common case in one descent: the line's first `character` bytes are
    // ASCII line content, so bytes, chars and UTF-16 units coincide.
    let line_start = rope.line_to_byte(line);
    let (chunk, chunk_start, _, _) = rope.chunk_at_byte(line_start);
    let head = chunk.as_bytes().get(line_start - chunk_start..);
    let character = pos.character as usize;
    if let Some(head) = head.and_then(|h| h.get(..character))
        && head
            .iter()
            .all(|b| b.is_ascii() && *b != b'\n' && *b != b'\r')
    {
        return Ok((line_start + character, line_start));
    }
    let slice = rope.line(line);
    if slice.len_bytes() == slice.len_chars() {
        // ASCII line: bytes, chars and UTF-16 units coincide.
        let mut len = slice.len_bytes();
        if len > 0 && slice.byte(len - 1) == b'\n' {
            len -= 1;
        }
        if len > 0 && slice.byte(len - 1) == b'\r' {
            len -= 1;
        }
        return Ok((line_start + character.min(len), line_start));
    }
    let start_char = rope.line_to_char(line);
    let end_char = line_content_end_char(rope, line);
    let inside = || PositionError::InsideCharacter {
        line: pos.line,
        character: pos.character,
    };
    match enc {
        Encoding::Utf8 => {
            let start = rope.char_to_byte(start_char);
            let end = rope.char_to_byte(end_char);
            let at = start.saturating_add(character).min(end);
            let c = rope.byte_to_char(at);
            if rope.char_to_byte(c) != at {
                return Err(inside());
            }
            Ok((at, line_start))
        }
        Encoding::Utf16 => {
            let start = rope.char_to_utf16_cu(start_char);
            let end = rope.char_to_utf16_cu(end_char);
            let at = start.saturating_add(character).min(end);
            let c = rope.utf16_cu_to_char(at);
            if rope.char_to_utf16_cu(c) != at {
                return Err(inside());
            }
            Ok((rope.char_to_byte(c), line_start))
        }
    }
}

/// The byte range of `range` in `rope`.
pub(crate) fn to_range(
    rope: &Rope,
    range: LspRange,
    enc: Encoding,
) -> Result<Range<usize>, PositionError> {
    to_edit_range(rope, range, enc).map(|r| r.bytes)
}

/// A range's bytes, and the (line, byte column) of both ends, as a syntax
/// tree's edit wants them.
pub(crate) struct EditRange {
    pub(crate) bytes: Range<usize>,
    pub(crate) start: (usize, usize),
    pub(crate) end: (usize, usize),
}

/// [`to_range`], with the ends' lines and byte columns (known on the way).
pub(crate) fn to_edit_range(
    rope: &Rope,
    range: LspRange,
    enc: Encoding,
) -> Result<EditRange, PositionError> {
    let (start, start_line) = locate(rope, range.start, enc)?;
    let start_point = (range.start.line as usize, start - start_line);
    if range.end == range.start {
        return Ok(EditRange {
            bytes: start..start,
            start: start_point,
            end: start_point,
        });
    }
    let (end, end_line) = locate(rope, range.end, enc)?;
    if end < start {
        return Err(PositionError::Backwards {
            end_line: range.end.line,
            end_character: range.end.character,
        });
    }
    Ok(EditRange {
        bytes: start..end,
        start: start_point,
        end: (range.end.line as usize, end - end_line),
    })
}

/// The position of byte `offset` (clamped to the text) in `rope`.
pub(crate) fn to_position(rope: &Rope, offset: usize, enc: Encoding) -> Position {
    let offset = offset.min(rope.len_bytes());
    let line = rope.byte_to_line(offset);
    let start = rope.line_to_byte(line);
    let character = match enc {
        Encoding::Utf8 => offset - start,
        // The slice's UTF-16 length comes from the rope's node summaries.
        Encoding::Utf16 => match rope.get_byte_slice(start..offset) {
            Some(before) => before.len_utf16_cu(),
            // Not a character boundary: count up to the character holding it.
            None => {
                let c = rope.byte_to_char(offset);
                rope.char_to_utf16_cu(c) - rope.char_to_utf16_cu(rope.line_to_char(line))
            }
        },
    };
    Position::new(
        u32::try_from(line).unwrap_or(u32::MAX),
        u32::try_from(character).unwrap_or(u32::MAX),
    )
}

/// The LSP range of byte range `range` in `rope`.
pub(crate) fn to_lsp_range(rope: &Rope, range: &Range<usize>, enc: Encoding) -> LspRange {
    LspRange::new(
        to_position(rope, range.start, enc),
        to_position(rope, range.end, enc),
    )
}

/// Converts many byte offsets (regions, diagnostics): one descent of the
/// rope finds an offset's chunk, and the line breaks of that chunk, listed
/// once, place every offset in it. An offset whose line starts in an earlier
/// chunk takes the general conversion.
pub(crate) struct PositionCursor<'a> {
    rope: &'a Rope,
    enc: Encoding,
    chunk: Option<Chunk<'a>>,
}

/// One rope chunk and where its lines start.
struct Chunk<'a> {
    text: &'a str,
    /// Byte offset of the chunk in the rope.
    start: usize,
    /// Line (LF, CR and CRLF end a line) holding the chunk's first byte.
    line: usize,
    /// Offsets in the chunk just after each line break.
    breaks: Vec<usize>,
}

impl<'a> Chunk<'a> {
    fn at(rope: &'a Rope, offset: usize) -> Chunk<'a> {
        let (text, start, _, line) = rope.chunk_at_byte(offset);
        let bytes = text.as_bytes();
        let breaks = bytes
            .iter()
            .enumerate()
            .filter(|&(i, &b)| b == b'\n' || (b == b'\r' && bytes.get(i + 1) != Some(&b'\n')))
            .map(|(i, _)| i + 1)
            .collect();
        Chunk {
            text,
            start,
            line,
            breaks,
        }
    }

    /// Whether `offset` of a rope `len` bytes long falls in this chunk.
    fn holds(&self, offset: usize, len: usize) -> bool {
        let end = self.start + self.text.len();
        self.start <= offset && (offset < end || offset == len)
    }
}

impl<'a> PositionCursor<'a> {
    pub(crate) fn new(rope: &'a Rope, enc: Encoding) -> Self {
        PositionCursor {
            rope,
            enc,
            chunk: None,
        }
    }

    /// The same as [`to_position`].
    pub(crate) fn position(&mut self, offset: usize) -> Position {
        let rope = self.rope;
        let len = rope.len_bytes();
        let offset = offset.min(len);
        let chunk = match &self.chunk {
            Some(c) if c.holds(offset, len) => c,
            _ => self.chunk.insert(Chunk::at(rope, offset)),
        };
        let rel = offset - chunk.start;
        // Line breaks before `offset` in this chunk; with none, the line
        // starts in an earlier chunk.
        let k = chunk.breaks.partition_point(|&b| b <= rel);
        let Some(&line_start) = k.checked_sub(1).and_then(|i| chunk.breaks.get(i)) else {
            return to_position(rope, offset, self.enc);
        };
        let character = match self.enc {
            Encoding::Utf8 => Some(rel - line_start),
            Encoding::Utf16 => chunk
                .text
                .get(line_start..rel)
                .map(|before| before.encode_utf16().count()),
        };
        match character {
            Some(c) => Position::new(
                u32::try_from(chunk.line + k).unwrap_or(u32::MAX),
                u32::try_from(c).unwrap_or(u32::MAX),
            ),
            // Not a character boundary: the general conversion.
            None => to_position(rope, offset, self.enc),
        }
    }

    pub(crate) fn range(&mut self, range: &Range<usize>) -> LspRange {
        LspRange::new(self.position(range.start), self.position(range.end))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use vouch_core::syntax::TextEdit;

    fn pos(line: u32, character: u32) -> Position {
        Position::new(line, character)
    }

    #[test]
    fn utf16_and_utf8_round_trip() {
        let rope = Rope::from_str("aé😀b\r\nx\ry\n");
        // 'a'=1 byte, 'é'=2, '😀'=4 (2 UTF-16 units), 'b'
        assert_eq!(to_offset(&rope, pos(0, 4), Encoding::Utf16), Ok(7));
        assert_eq!(to_offset(&rope, pos(0, 7), Encoding::Utf8), Ok(7));
        assert_eq!(to_position(&rope, 7, Encoding::Utf16), pos(0, 4));
        assert_eq!(to_position(&rope, 7, Encoding::Utf8), pos(0, 7));
        // Inside the surrogate pair / inside the UTF-8 sequence.
        assert!(matches!(
            to_offset(&rope, pos(0, 3), Encoding::Utf16),
            Err(PositionError::InsideCharacter { .. })
        ));
        assert!(matches!(
            to_offset(&rope, pos(0, 2), Encoding::Utf8),
            Err(PositionError::InsideCharacter { .. })
        ));
        // Past the end of a line clamps before the line break.
        assert_eq!(to_offset(&rope, pos(0, 99), Encoding::Utf16), Ok(8));
        // \r alone ends a line.
        assert_eq!(to_offset(&rope, pos(2, 0), Encoding::Utf16), Ok(12));
        assert_eq!(to_offset(&rope, pos(3, 0), Encoding::Utf16), Ok(14));
        assert!(matches!(
            to_offset(&rope, pos(4, 0), Encoding::Utf16),
            Err(PositionError::LinePastEnd { .. })
        ));
        for off in [0, 1, 3, 7, 8, 10, 11, 12, 13, 14] {
            for enc in [Encoding::Utf8, Encoding::Utf16] {
                assert_eq!(to_offset(&rope, to_position(&rope, off, enc), enc), Ok(off));
            }
        }
    }

    /// `to_offset` by walking the string: lines split at LF, CRLF and CR, a
    /// character past the line's end clamps, one inside a character fails.
    fn naive_offset(text: &str, pos: Position, enc: Encoding) -> Option<usize> {
        let mut start = 0;
        for _ in 0..pos.line {
            let rest = &text[start..];
            let brk = rest.find(['\r', '\n'])?;
            let len = if rest[brk..].starts_with("\r\n") {
                2
            } else {
                1
            };
            start += brk + len;
        }
        let content = &text[start..];
        let content = &content[..content.find(['\r', '\n']).unwrap_or(content.len())];
        let mut units = 0;
        for (i, c) in content.char_indices() {
            if units == pos.character as usize {
                return Some(start + i);
            }
            units += match enc {
                Encoding::Utf8 => c.len_utf8(),
                Encoding::Utf16 => c.len_utf16(),
            };
            if units > pos.character as usize {
                return None;
            }
        }
        Some(start + content.len())
    }

    #[test]
    fn to_offset_agrees_with_walking_the_text_across_chunks() {
        // Long enough for many rope chunks, so lines and ASCII prefixes
        // straddle chunk boundaries.
        let unit = "let x = 1;\r\n  aé😀b\n\n中文 x\rascii only line here\n";
        let text = unit.repeat(300);
        let rope = Rope::from_str(&text);
        for enc in [Encoding::Utf8, Encoding::Utf16] {
            for line in 0..rope.len_lines() as u32 {
                for character in 0..30 {
                    let p = pos(line, character);
                    let got = to_offset(&rope, p, enc).ok();
                    assert_eq!(
                        got,
                        naive_offset(&text, p, enc),
                        "{enc:?} {line}:{character}"
                    );
                }
            }
        }
    }

    /// The lines and columns found on the way give the syntax tree the
    /// edit it would get by looking them up in the text.
    #[test]
    fn edit_ranges_carry_the_points_the_text_gives() {
        let unit = "let x = 1;\r\n  aé😀b\n\n中文 x\rascii only line here\n";
        let text = unit.repeat(200);
        let rope = Rope::from_str(&text);
        let lines = rope.len_lines() as u32;
        for enc in [Encoding::Utf8, Encoding::Utf16] {
            let mut checked = 0;
            for line in 0..lines {
                for (a, b, span) in [(0, 3, 0), (2, 9, 1), (5, 5, 0), (1, 40, 2), (7, 2, 3)] {
                    let range = LspRange::new(pos(line, a), pos((line + span).min(lines - 1), b));
                    let Ok(r) = to_edit_range(&rope, range, enc) else {
                        continue;
                    };
                    assert_eq!(Ok(r.bytes.clone()), to_range(&rope, range, enc));
                    for new_text in ["", "x", "a\nbé\r\n"] {
                        assert_eq!(
                            TextEdit::from_points(r.bytes.clone(), r.start, r.end, new_text),
                            TextEdit::new(&rope, r.bytes.clone(), new_text),
                            "{enc:?} {range:?} {new_text:?}"
                        );
                    }
                    checked += 1;
                }
            }
            assert!(
                checked > 2 * lines as usize,
                "{enc:?}: {checked} ranges checked"
            );
        }
    }

    #[test]
    fn cursor_agrees_with_to_position_everywhere() {
        // CRLF, CR and LF at every offset modulo the chunk size.
        let line = "aé😀b\r\n中文 x\rlast\n\r\n\r\r\nshort\r\n";
        let text = line.repeat(400);
        let rope = Rope::from_str(&text);
        for enc in [Encoding::Utf8, Encoding::Utf16] {
            let mut cursor = PositionCursor::new(&rope, enc);
            let mut fresh_each_time = Vec::new();
            let mut with_cursor = Vec::new();
            for offset in
                (0..=text.len() + 3).filter(|&o| o > text.len() || text.is_char_boundary(o))
            {
                fresh_each_time.push(to_position(&rope, offset, enc));
                with_cursor.push(cursor.position(offset));
            }
            assert_eq!(with_cursor, fresh_each_time, "{enc:?}");
            // Out of order too.
            let mut cursor = PositionCursor::new(&rope, enc);
            for offset in [900, 3, 5000, 12, 12, 7000, 0] {
                assert_eq!(cursor.position(offset), to_position(&rope, offset, enc));
            }
        }
    }
}
