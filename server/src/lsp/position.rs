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
    let lines = rope.len_lines();
    let line = pos.line as usize;
    if line >= lines {
        return Err(PositionError::LinePastEnd {
            line: pos.line,
            lines,
        });
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
        return Ok(rope.line_to_byte(line) + (pos.character as usize).min(len));
    }
    let start_char = rope.line_to_char(line);
    let end_char = line_content_end_char(rope, line);
    let inside = || PositionError::InsideCharacter {
        line: pos.line,
        character: pos.character,
    };
    let character = pos.character as usize;
    match enc {
        Encoding::Utf8 => {
            let start = rope.char_to_byte(start_char);
            let end = rope.char_to_byte(end_char);
            let at = start.saturating_add(character).min(end);
            let c = rope.byte_to_char(at);
            if rope.char_to_byte(c) != at {
                return Err(inside());
            }
            Ok(at)
        }
        Encoding::Utf16 => {
            let start = rope.char_to_utf16_cu(start_char);
            let end = rope.char_to_utf16_cu(end_char);
            let at = start.saturating_add(character).min(end);
            let c = rope.utf16_cu_to_char(at);
            if rope.char_to_utf16_cu(c) != at {
                return Err(inside());
            }
            Ok(rope.char_to_byte(c))
        }
    }
}

/// The byte range of `range` in `rope`.
pub(crate) fn to_range(
    rope: &Rope,
    range: LspRange,
    enc: Encoding,
) -> Result<Range<usize>, PositionError> {
    let start = to_offset(rope, range.start, enc)?;
    if range.end == range.start {
        return Ok(start..start);
    }
    let end = to_offset(rope, range.end, enc)?;
    if end < start {
        return Err(PositionError::Backwards {
            end_line: range.end.line,
            end_character: range.end.character,
        });
    }
    Ok(start..end)
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

/// Converts many byte offsets in document order (regions, diagnostics): the
/// line found for one offset is reused for the next ones on that line, and a
/// column within one rope chunk is counted there, without walking the rope.
pub(crate) struct PositionCursor<'a> {
    rope: &'a Rope,
    enc: Encoding,
    /// (line, first byte, first byte of the next line or `usize::MAX`).
    line: Option<(usize, usize, usize)>,
}

impl<'a> PositionCursor<'a> {
    pub(crate) fn new(rope: &'a Rope, enc: Encoding) -> Self {
        PositionCursor {
            rope,
            enc,
            line: None,
        }
    }

    /// The same as [`to_position`].
    pub(crate) fn position(&mut self, offset: usize) -> Position {
        let rope = self.rope;
        let offset = offset.min(rope.len_bytes());
        let (line, start) = match self.line {
            Some((line, start, next)) if start <= offset && offset < next => (line, start),
            _ => {
                let line = rope.byte_to_line(offset);
                let start = rope.line_to_byte(line);
                let next = if line + 1 < rope.len_lines() {
                    rope.line_to_byte(line + 1)
                } else {
                    usize::MAX
                };
                self.line = Some((line, start, next));
                (line, start)
            }
        };
        let character = match self.enc {
            Encoding::Utf8 => Some(offset - start),
            Encoding::Utf16 => {
                let (chunk, chunk_start, _, _) = rope.chunk_at_byte(start);
                chunk
                    .get(start - chunk_start..offset - chunk_start)
                    .map(|before| before.encode_utf16().count())
            }
        };
        match character {
            Some(c) => Position::new(
                u32::try_from(line).unwrap_or(u32::MAX),
                u32::try_from(c).unwrap_or(u32::MAX),
            ),
            // The line runs over a chunk boundary (or the offset is not a
            // character boundary): the general conversion.
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

    #[test]
    fn cursor_agrees_with_to_position_everywhere() {
        let line = "aé😀b\r\n中文 x\rlast\n";
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
