"""Comments on the watch page: post, reply, edit and delete in the page, seen by another
person; newest first with "load more"; replies one level deep; the video's owner deletes
anyone's comment; refusals are shown next to the form in words."""

from __future__ import annotations

import re

from playwright.sync_api import Locator, Page, expect

from tests.browser.conftest import unique
from tests.browser.pages.conftest import PAGING_COMMENTS, Library, settled, visit
from tests.browser.seed import comment, person
from tests.browser.site import Site
from tests.browser.test_accounts import register, sign_in


def comment_by_text(page: Page, text: str) -> Locator:
    """The list item of the comment whose own body is ``text`` (not one of its replies)."""
    return page.locator("li.comment").filter(
        has=page.locator(":scope > .comment-body", has_text=re.compile(f"^{re.escape(text)}$"))
    )


def count_shown(page: Page) -> int:
    return int(page.locator("#comment-count").inner_text().split()[0].replace(",", ""))


def signed_in_as(page: Page, site: Site, handle: str) -> None:
    sign_in(page, site, handle)
    page.wait_for_url(f"{site.url}/")
    settled(page)


def registered(page: Page, site: Site, name: str) -> None:
    register(page, site, unique(), name)
    page.wait_for_url(f"{site.url}/")
    settled(page)


def test_post_reply_edit_and_delete_seen_by_another_person(
    page: Page, site: Site, library: Library, other_person, dialogs
) -> None:
    watch = f"{site.url}/watch/{library.thread}"
    registered(page, site, "Ann Author")
    visit(page, watch)
    start = count_shown(page)

    page.get_by_label("Add a comment").fill("First thoughts\non two lines")
    page.get_by_role("button", name="Comment", exact=True).click()
    first = comment_by_text(page, "First thoughts\non two lines")
    expect(first).to_be_visible()
    expect(page.get_by_label("Add a comment")).to_have_value("")
    page.get_by_label("Add a comment").fill("A newer comment")
    page.get_by_role("button", name="Comment", exact=True).click()
    expect(page.locator("#comment-list > li").first).to_contain_text("A newer comment")
    expect(page.locator("#comment-count")).to_have_text(f"{start + 2} comments")

    # Another person sees both, newest first, and replies to the first.
    bob = other_person().new_page()
    registered(bob, site, "Bob Replier")
    visit(bob, watch)
    texts = bob.locator("#comment-list > li > .comment-body").all_inner_texts()
    assert texts[:2] == ["A newer comment", "First thoughts\non two lines"]
    theirs = comment_by_text(bob, "First thoughts\non two lines")
    expect(theirs.get_by_role("button", name="Edit")).to_have_count(0)  # not the author
    expect(theirs.get_by_role("button", name="Delete")).to_have_count(0)  # nor the owner
    theirs.get_by_role("button", name="Reply").click()
    bob.get_by_label("Reply to Ann Author").fill("A reply from Bob")
    bob.get_by_role("button", name="Post reply").click()
    expect(theirs.locator(".reply-list")).to_contain_text("A reply from Bob")
    expect(theirs.get_by_role("button", name="1 reply")).to_have_attribute("aria-expanded", "true")
    expect(bob.locator("#comment-count")).to_have_text(f"{start + 3} comments")

    # The author sees the reply after a reload, edits and deletes their own comments.
    page.reload()
    settled(page)
    first = comment_by_text(page, "First thoughts\non two lines")
    first.get_by_role("button", name="1 reply").click()
    reply = comment_by_text(page, "A reply from Bob")
    expect(reply).to_be_visible()
    expect(reply.get_by_role("button", name="Delete")).to_have_count(0)
    expect(reply.get_by_role("button", name="Reply")).to_have_count(0)  # one level deep

    first.locator(":scope > .comment-actions").get_by_role("button", name="Edit").click()
    editor = page.get_by_label("Edit your comment")
    expect(editor).to_have_value("First thoughts\non two lines")
    editor.fill("Second thoughts")
    page.get_by_role("button", name="Save").click()
    edited = comment_by_text(page, "Second thoughts")
    expect(edited.locator(":scope > .comment-meta")).to_contain_text("(edited)")

    newer = comment_by_text(page, "A newer comment")
    newer.get_by_role("button", name="Delete").click()
    newer.get_by_role("button", name="Yes, delete").click()
    expect(newer).to_have_count(0)
    expect(page.locator("#comment-count")).to_have_text(f"{start + 2} comments")

    # A comment with a reply stays as a placeholder until its last reply goes.
    edited.locator(":scope > .comment-actions").get_by_role("button", name="Delete").click()
    edited.get_by_role("button", name="Yes, delete").click()
    placeholder = page.locator(f"#{edited.get_attribute('id')}")
    expect(placeholder.locator(":scope > .comment-body")).to_have_text("This comment was deleted.")
    expect(placeholder.locator(":scope > .comment-actions button")).to_have_count(0)
    expect(page.locator("#comment-count")).to_have_text(
        f"{start + 1} comment" + ("s" * (start != 0))
    )

    bob.reload()
    settled(bob)
    gone = comment_by_text(bob, "A reply from Bob")
    bob.locator(f"#{placeholder.get_attribute('id')} .show-replies").click()
    gone.get_by_role("button", name="Delete").click()
    gone.get_by_role("button", name="Yes, delete").click()
    expect(bob.locator(f"#{placeholder.get_attribute('id')}")).to_have_count(0)
    expect(bob.locator("#comment-count")).to_have_text(
        f"{start} comment" + ("" if start == 1 else "s")
    )
    page.reload()
    settled(page)
    expect(page.get_by_text("Second thoughts")).to_have_count(0)
    expect(page.get_by_text("A newer comment")).to_have_count(0)


def test_the_video_owner_deletes_anyones_comment(page: Page, site: Site, library: Library) -> None:
    guest = person(site, "Gina Guest")
    posted = comment(site, guest, library.thread, "Please delete me, owner")
    signed_in_as(page, site, library.owner.handle)
    visit(page, f"{site.url}/watch/{library.thread}")
    theirs = page.locator(f"#comment-{posted['id']}")
    expect(theirs.get_by_role("button", name="Edit")).to_have_count(0)  # only the author edits
    theirs.get_by_role("button", name="Delete").click()
    theirs.get_by_role("button", name="Yes, delete").click()
    expect(theirs).to_have_count(0)
    page.reload()
    settled(page)
    expect(page.get_by_text("Please delete me, owner")).to_have_count(0)


def test_newest_first_and_load_more(page: Page, site: Site, library: Library) -> None:
    page.goto(f"{site.url}/watch/{library.paging}")
    bodies = page.locator("#comment-list > li > .comment-body")
    expect(bodies).to_have_count(20)
    expect(bodies.first).to_have_text(f"Comment number {PAGING_COMMENTS}")
    page.get_by_role("button", name="Load more comments").click()
    expect(bodies).to_have_count(PAGING_COMMENTS)
    expected = [f"Comment number {n}" for n in range(PAGING_COMMENTS, 0, -1)]
    assert bodies.all_inner_texts() == expected
    expect(page.get_by_role("button", name="Load more comments")).to_be_hidden()
    expect(page.locator("#comment-count")).to_have_text(f"{PAGING_COMMENTS} comments")


def test_replies_open_and_close_for_anyone(page: Page, site: Site, library: Library) -> None:
    page.goto(f"{site.url}/watch/{library.public}")
    thread = comment_by_text(page, "Lovely light on the water.")
    toggle = thread.get_by_role("button", name="2 replies")
    expect(toggle).to_have_attribute("aria-expanded", "false")
    toggle.click()
    replies = thread.locator(".reply-list > li > .comment-body")
    expect(replies).to_have_count(2)
    assert replies.first.inner_text() == "Thank you!"  # oldest first
    expect(toggle).to_have_attribute("aria-expanded", "true")
    toggle.click()
    expect(thread.locator(".reply-list")).to_be_hidden()
    expect(page.get_by_role("button", name="Reply")).to_have_count(0)  # signed out
    expect(page.get_by_role("link", name="Sign in", exact=True).last).to_be_visible()


def test_refusals_are_shown_next_to_the_form(page: Page, site: Site, library: Library) -> None:
    chatty = person(site, "Chatty Cathy")
    for number in range(10):  # KINO_COMMENTS_PER_MINUTE's default
        comment(site, chatty, library.thread, f"chatter {number}")
    signed_in_as(page, site, chatty.handle)
    visit(page, f"{site.url}/watch/{library.thread}")
    form = page.locator("#comment-form")
    field = page.get_by_label("Add a comment")

    field.fill("   ")
    page.get_by_role("button", name="Comment", exact=True).click()
    expect(form.get_by_role("alert")).to_have_text("A comment cannot be empty.")

    field.fill("\u200b")  # nothing visible: the api refuses it, naming the field
    page.get_by_role("button", name="Comment", exact=True).click()
    expect(form.get_by_role("alert")).to_have_text("A comment cannot be empty.")
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(field).to_be_focused()

    field.fill("One more, please")
    page.get_by_role("button", name="Comment", exact=True).click()
    expect(form.get_by_role("alert")).to_have_text(
        re.compile(r"^You are commenting too fast: wait \d+ seconds?, then try again\.$")
    )
    expect(field).to_have_value("One more, please")  # kept for when the wait is over
    expect(page.get_by_text("One more, please", exact=True)).to_have_count(0)
