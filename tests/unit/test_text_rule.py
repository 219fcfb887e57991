"""The one rule for user text (kino.domain.text) and the rules built on it."""

from __future__ import annotations

import pytest

from kino.domain import chat, comments, identity, live, video_rules
from kino.domain.errors import BadInputError
from kino.domain.oauth import display_name_from_claims, usable_subject
from kino.domain.text import TextRule, opaque, readable

SINGLE_LINE = [
    video_rules.TITLE,
    video_rules.FILENAME,
    video_rules.SEARCH,
    video_rules.CONTENT_TYPE,
    live.TITLE,
    chat.BODY,
    identity.EMAIL,
    identity.HANDLE,
    identity.DISPLAY_NAME,
    identity.LOGIN,
    identity.PASSWORD,
]
MULTI_LINE = [video_rules.DESCRIPTION, live.DESCRIPTION, comments.BODY]
EVERY_RULE = SINGLE_LINE + MULTI_LINE
CONTROLS = ["\x00", "\x01", "\x07", "\x08", "\x0b", "\x0c", "\x1b", "\x1f", "\x7f", "\x85", "\x9f"]
BIDI = ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069"]


def refusal(rule: TextRule, raw: str) -> BadInputError:
    with pytest.raises(BadInputError) as refused:
        rule.clean(raw)
    assert refused.value.field == rule.field
    assert refused.value.code == "BAD_USER_INPUT"
    return refused.value


@pytest.mark.parametrize("rule", EVERY_RULE, ids=lambda r: f"{r.field}:{r.name}")
@pytest.mark.parametrize("char", CONTROLS + BIDI, ids=lambda c: f"U+{ord(c):04X}")
def test_control_and_bidi_characters_are_refused_everywhere(rule, char):
    error = refusal(rule, f"ab{char}cd")
    assert f"U+{ord(char):04X}" in error.message
    assert "remove it" in error.message


@pytest.mark.parametrize("rule", EVERY_RULE, ids=lambda r: f"{r.field}:{r.name}")
@pytest.mark.parametrize("surrogate", [chr(0xD800), chr(0xDFFF), chr(0xDC00) + "x", "x\ud83d"])
def test_lone_surrogates_are_refused_everywhere(rule, surrogate):
    assert "not valid text" in refusal(rule, f"abc{surrogate}def").message


@pytest.mark.parametrize("rule", EVERY_RULE, ids=lambda r: f"{r.field}:{r.name}")
def test_overlong_text_is_refused_by_length_after_normalisation(rule):
    refusal(rule, "x" * (rule.max_length + 1))
    if not rule.verbatim:
        # 2 code points each, 1 after NFC: the limit counts what is stored.
        decomposed = "e\u0301" * rule.max_length
        assert len(rule.clean(decomposed)) == rule.max_length


@pytest.mark.parametrize("rule", SINGLE_LINE, ids=lambda r: f"{r.field}:{r.name}")
@pytest.mark.parametrize("brk", ["\n", "\r\n", "\r", "\t", "\u2028", "\u2029"])
def test_single_line_text_takes_no_line_break_or_tab(rule, brk):
    assert "one line" in refusal(rule, f"ab{brk}cd").message


@pytest.mark.parametrize("rule", MULTI_LINE, ids=lambda r: f"{r.field}:{r.name}")
def test_multi_line_text_keeps_newlines_and_tabs_with_line_endings_normalised(rule):
    assert rule.clean("  one\r\ntwo\rthree\u2028four\n\tindented  \n") == (
        "one\ntwo\nthree\nfour\n\tindented"
    )


def test_text_is_nfc_normalised_trimmed_and_titles_collapse_spaces():
    assert video_rules.TITLE.clean("\u3000 Cafe\u0301   au\u00a0 lait \n") == "Café au lait"
    assert live.TITLE.clean("  My   stream ") == "My stream"
    assert video_rules.DESCRIPTION.clean("  a   b  ") == "a   b"  # spaces inside are kept
    assert comments.BODY.clean(" Z\u0308\n") == "Z\u0308"  # no precomposed form: as it was
    assert chat.BODY.clean("  héllo 👋  ") == "héllo 👋"


def test_format_characters_other_than_bidi_controls_are_kept_but_are_not_content():
    family = "\U0001f468\u200d\U0001f469\u200d\U0001f467"  # zero-width joiners
    assert chat.BODY.clean(f"hi {family}") == f"hi {family}"
    assert video_rules.TITLE.clean("\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645")
    assert refusal(chat.BODY, "\u200b\u200b").message == "Type a message first."
    assert video_rules.DESCRIPTION.clean("\u200b \u2060") == ""


def test_required_and_too_long_messages_are_the_contexts_own():
    assert refusal(video_rules.TITLE, "   ").message == "A video needs a title."
    assert refusal(live.TITLE, "").message == "Give the stream a title."
    assert refusal(comments.BODY, " \n\t").message == "A comment cannot be empty."
    assert refusal(chat.BODY, "x" * 501).message == (
        "The message is too long (at most 500 characters)."
    )
    assert refusal(comments.BODY, "x" * 10_001).message == "A comment is at most 10000 characters."
    assert video_rules.DESCRIPTION.clean("") == ""


def test_a_refusal_names_the_field_it_was_asked_for():
    with pytest.raises(BadInputError) as refused:
        identity.HANDLE.clean("a\x00b", field="ownerHandle")
    assert refused.value.field == "ownerHandle"


def test_verbatim_text_is_checked_but_never_changed():
    password = "  Cafe\u0301 with spaces  "
    assert identity.check_password(password) == password
    assert opaque(" state-123 ", field="state", max_length=20) == " state-123 "
    for bad in ("pass\x00word", "pass\ud800word", "pass\tword"):
        with pytest.raises(BadInputError) as refused:
            identity.check_password(bad)
        assert refused.value.field == "password"
    with pytest.raises(BadInputError, match="at most 256"):
        identity.check_password("x" * 257)


def test_cleaning_is_idempotent():
    samples = ["  Cafe\u0301  x ", "a\r\nb", "\u3000t\u00a0i  t\tle "]
    for rule in (video_rules.TITLE, video_rules.DESCRIPTION, identity.DISPLAY_NAME):
        for raw in samples:
            try:
                once = rule.clean(raw)
            except BadInputError:
                continue
            assert rule.clean(once) == once


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("video/mp4", "video/mp4"),
        ("  Video/QuickTime ", "video/quicktime"),
        ("video/webm;codecs=vp9,opus", "video/webm"),
        ("audio/mpeg", "audio/mpeg"),
        ("application/octet-stream", "application/octet-stream"),
        ("", "application/octet-stream"),
    ],
)
def test_content_types_come_from_the_allow_list(raw, expected):
    assert video_rules.check_content_type(raw) == expected
    assert expected in video_rules.CONTENT_TYPES


@pytest.mark.parametrize(
    "raw",
    [
        "video/mp4\r\nX-Injected: 1",
        "video/mp4\nX-Injected: 1",
        "video/mp4\x00",
        "video/mp4\r",
        "\tvideo/mp4",
        "text/html",
        "image/svg+xml",
        "video/",
        "video/mp4x",
        "application/x-sh",
        "video/\ud800",
        "video/mp4;" + "a" * 200,
    ],
)
def test_other_content_types_are_refused(raw):
    with pytest.raises(BadInputError) as refused:
        video_rules.check_content_type(raw)
    assert refused.value.field == "contentType"


def test_a_stored_content_type_is_served_only_when_allowed():
    assert video_rules.stored_content_type("video/mp4") == "video/mp4"
    bad = "video/mp4\r\nX-Injected: 1"
    assert video_rules.stored_content_type(bad) == "application/octet-stream"


def test_filenames():
    assert video_rules.clean_filename(" a/b\\c.mp4 ") == "a_b_c.mp4"
    assert video_rules.clean_filename("  ") == "upload"
    for bad in ("a\x00.mp4", "a\ud800.mp4", "a\n.mp4", "x" * 256):
        with pytest.raises(BadInputError) as refused:
            video_rules.clean_filename(bad)
        assert refused.value.field == "filename"


def test_search_and_lookups():
    assert video_rules.search_text(None) is None
    assert video_rules.search_text("   ") is None
    assert video_rules.search_text(" cats  dogs ") == "cats  dogs"
    assert identity.handle_to_find(" Alice_99 ") == "alice_99"
    assert identity.handle_to_find("no such-handle") == "no such-handle"  # finds nobody
    assert identity.login_to_find(" ANN@Example.com ") == "ann@example.com"
    for lookup in (video_rules.search_text, identity.handle_to_find, identity.login_to_find):
        with pytest.raises(BadInputError):
            lookup("a\x00b")
        with pytest.raises(BadInputError):
            lookup("a\ud800b")


def test_identity_rules_keep_their_behaviour():
    assert identity.normalize_email(" Ann@Example.COM ") == "ann@example.com"
    with pytest.raises(BadInputError, match="not a valid email"):
        identity.normalize_email("a\u200b@b.co")  # an invisible character in an address
    with pytest.raises(BadInputError, match="3 to 30"):
        identity.normalize_handle("x" * 31)
    assert identity.normalize_display_name("  Zoë   Q ", fallback="x") == "Zoë Q"
    assert identity.normalize_display_name("\u200b", fallback="x") == "x"


@pytest.mark.parametrize(
    ("claim", "expected"),
    [
        ("Ada\x00 Lovelace\ud800", "Ada Lovelace"),
        ("Line\nbreak\tand\u2028more", "Line break and more"),
        ("\u202eevil", "evil"),
        ("\ud800\x00", "fallback"),
        ("Cafe\u0301", "Café"),
    ],
)
def test_claimed_names_are_cleaned_so_sign_in_goes_on(claim, expected):
    assert display_name_from_claims(claim, fallback="fallback") == expected
    identity.DISPLAY_NAME.clean(expected)  # what is kept passes the rule


def test_subjects_are_refused_not_cleaned():
    assert usable_subject("248289761001")
    for bad in ("", "a\x00b", "a\ud800", "x" * 256, "a\nb"):
        assert not usable_subject(bad)


@pytest.mark.parametrize(
    ("stored", "shown"),
    [
        ("plain", "plain"),
        ("a\x00.mp4", "a.mp4"),
        ("half \ud800 pair", "half \ufffd pair"),
        ("keep\nlines\tand\r\nreturns", "keep\nlines\tand\r\nreturns"),
        ("bell\x07 esc\x1b[31m del\x7f c1\x85", "bell esc[31m del c1"),
        ("\u202eevil", "evil"),
        ("Zoë 👋", "Zoë 👋"),
    ],
)
def test_stored_text_is_made_readable_the_same_way_every_time(stored, shown):
    assert readable(stored) == shown
    assert readable(readable(stored)) == shown
    shown.encode("utf-8")  # storable as UTF-8, and no NUL for PostgreSQL
    assert "\x00" not in shown
