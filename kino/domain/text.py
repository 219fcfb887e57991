"""The one rule for text a person sends, and the clean-up of text stored before it existed.

``TextRule.clean`` is applied to every text argument before anything is saved or looked up:

- valid Unicode: a lone surrogate (which JSON can carry, UTF-8 cannot) is refused;
- no control characters: C0 (NUL included), DEL and C1 are refused, except a newline and
  a tab in multi-line text (descriptions, comment bodies); there, CR LF, CR and the Unicode
  line and paragraph separators become a newline. Single-line text (titles, names,
  handles, filenames, queries, tokens) takes no line break at all, wherever it is;
- no bidirectional embedding, override or isolate controls (U+202A-U+202E, U+2066-U+2069):
  invisible, and used to disguise text ("Trojan Source"). Other format characters stay
  (the zero-width joiner of emoji sequences, the non-joiner of Persian, bidi marks);
- normalised to NFC, trimmed (spaces, tabs, line breaks and Unicode spaces at both ends),
  runs of spaces collapsed where the rule says so (titles, names);
- length-bounded, in code points after normalisation; text with nothing visible left (only
  spaces and format characters) counts as empty.

A refusal is a ``BadInputError`` naming the field (the GraphQL argument), so nothing is
saved. ``verbatim`` rules (passwords, opaque tokens) check the characters and the length but
never change the text: a secret or a token must stay exactly what was sent.

``readable`` is the other half: text already in stored events (older code let anything in)
is cleaned the same way every time at the read-model boundary, so no read model can fail on
it and a rebuild gives the same answer.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from kino.domain.errors import BadInputError

_SURROGATE = re.compile("[\ud800-\udfff]")
_BIDI = "\u202a-\u202e\u2066-\u2069"
_LINE_BREAKS = re.compile("\r\n|[\r\u2028\u2029]")
# What single-line and multi-line text may not contain (after line endings are normalised).
_FORBIDDEN_SINGLE = re.compile(f"[\x00-\x1f\x7f-\x9f\u2028\u2029{_BIDI}]")
_FORBIDDEN_MULTI = re.compile(f"[\x00-\x08\x0b-\x1f\x7f-\x9f{_BIDI}]")
# Trimmed at both ends: spaces, tab, line breaks and the Unicode space separators (Zs, Zl, Zp).
_TRIM = (
    " \t\n\r\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u2028\u2029\u202f\u205f\u3000"
)
# Dropped by the clean-up of stored text: controls other than tab, newline and carriage return.
_UNREADABLE = re.compile(f"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f{_BIDI}]")


@dataclass(frozen=True)
class TextRule:
    """How one kind of text is checked; messages name it as ``name`` ("The title")."""

    field: str
    name: str
    max_length: int
    required: str | None = None  # the message for empty text; None: empty text is allowed
    too_long: str | None = None  # the message for over-long text; None: a standard one
    multiline: bool = False
    collapse_spaces: bool = False
    verbatim: bool = False  # check only: no line-ending change, NFC, trimming or collapsing

    def clean(self, raw: str, *, field: str | None = None) -> str:
        """The text as it is to be stored, or a ``BadInputError`` naming ``field``."""
        field = field or self.field
        if _SURROGATE.search(raw):
            raise BadInputError(
                f"{self.name} contains a broken character (an unpaired surrogate), so it is "
                "not valid text; type or paste it again.",
                field=field,
            )
        text = raw if self.verbatim else self._normalise(raw)
        self._check_characters(text, field)
        if not self.verbatim and self.collapse_spaces:
            text = " ".join(text.split())
        if not self.verbatim and is_blank(text):
            text = ""
        if not text and self.required:
            raise BadInputError(self.required, field=field)
        if len(text) > self.max_length:
            message = self.too_long or (
                f"{self.name} is too long (at most {self.max_length} characters)."
            )
            raise BadInputError(message, field=field)
        return text

    def salvage(self, raw: str) -> str:
        """Text from elsewhere (an identity provider's claims) made acceptable instead of
        refused: what the rule refuses is dropped (line breaks and tabs become spaces), then
        the text is normalised, trimmed and cut to length. May be empty."""
        text = _SURROGATE.sub("", raw)
        if not self.multiline:
            text = re.sub("[\t\n\r\u2028\u2029]", " ", text)
        text = (_FORBIDDEN_MULTI if self.multiline else _FORBIDDEN_SINGLE).sub("", text)
        text = self._normalise(text)
        if self.collapse_spaces:
            text = " ".join(text.split())
        text = text[: self.max_length].strip(_TRIM)
        return "" if is_blank(text) else text

    def _normalise(self, raw: str) -> str:
        text = _LINE_BREAKS.sub("\n", raw) if self.multiline else raw
        return unicodedata.normalize("NFC", text).strip(_TRIM)

    def _check_characters(self, text: str, field: str) -> None:
        found = (_FORBIDDEN_MULTI if self.multiline else _FORBIDDEN_SINGLE).search(text)
        if found is None:
            return
        char = found.group()
        code = f"U+{ord(char):04X}"
        if char in "\t\n\r\u2028\u2029":
            message = f"{self.name} must fit on one line (it contains a tab or a line break)."
        elif unicodedata.category(char) == "Cf":
            message = (
                f"{self.name} contains an invisible text-direction control ({code}); "
                "remove it and try again."
            )
        else:
            message = (
                f"{self.name} contains an invisible control character ({code}); "
                "remove it and try again."
            )
        raise BadInputError(message, field=field)


def is_blank(text: str) -> bool:
    """Nothing visible: only spaces and format characters (zero-width spaces and the like)."""
    return all(ch.isspace() or unicodedata.category(ch) == "Cf" for ch in text)


def opaque(raw: str, *, field: str, max_length: int) -> str:
    """A token, code, state, URI or id the client passes through: one line, no control
    characters, valid Unicode, bounded; returned unchanged."""
    rule = TextRule(field=field, name=field, max_length=max_length, verbatim=True)
    return rule.clean(raw)


def readable(text: str) -> str:
    """Stored text made safe for a read model, the same way every time: a lone surrogate
    becomes U+FFFD, NUL and the other control characters (but tab, newline and carriage
    return) and the bidi embedding/override/isolate controls are dropped."""
    if text.isascii() and text.isprintable():
        return text
    return _UNREADABLE.sub("", _SURROGATE.sub("\ufffd", text))


def title_rule(max_length: int, required: str) -> TextRule:
    """The title of a video or a stream: one line, spaces collapsed."""
    return TextRule(
        field="title",
        name="The title",
        max_length=max_length,
        required=required,
        collapse_spaces=True,
    )


def description_rule(max_length: int) -> TextRule:
    """The description of a video or a stream: optional, several lines."""
    return TextRule(
        field="description", name="The description", max_length=max_length, multiline=True
    )
