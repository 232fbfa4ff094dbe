"""Consent, cookie and subscription notices are never the body (issue 17, trafilatura#569):
each kind has its own small page, and so has each case where the rule must not fire."""
from __future__ import annotations

from archive.extract import extract
from archive.extract.body import is_notice, recover_body

URL = "https://radio.example.org/2024/04/17/country-music/"
HEADLINE = "Beyonce is bringing her fans of colour to country music"
STORY = "".join(
    f"<p>Paragraph {n}: Beyonce is bringing her fans of colour to country music, and radio programmers "
    "across the country are asking whether listeners will welcome them on the air this spring.</p>"
    for n in range(1, 7))
COOKIE = ('<div class="cookie-consent"><p>We use cookies on this website to give you the most relevant experience '
          "by remembering your preferences and repeat visits. By clicking Accept All, you consent to the use of "
          "ALL the cookies. However, you may visit Cookie Settings to provide a controlled consent.</p>"
          "<p>Cookie Settings Accept All Reject All</p></div>")
PAYWALL = ('<div class="paywall"><p>Subscribe now to continue reading. Already a subscriber? '
           "Sign in to continue with your account.</p></div>")


def page(body: str) -> bytes:
    return (f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>{HEADLINE}</title></head><body>"
            f"<header><nav><a href='/'>Home</a></nav></header>{body}</body></html>").encode("utf-8")


def text_of(body: str) -> str:
    return extract(page(body), URL).text or ""


def test_story_inside_an_aside_next_to_a_cookie_notice_is_the_body() -> None:
    text = text_of(f"{COOKIE}<main><aside class='main-content'><h1>{HEADLINE}</h1>{STORY}</aside></main>")
    assert "Paragraph 1: Beyonce" in text and "Paragraph 6: Beyonce" in text
    assert "We use cookies" not in text and "Accept All" not in text


def test_story_inside_an_aside_next_to_a_paywall_notice_is_the_body() -> None:
    text = text_of(f"{PAYWALL}<aside><h1>{HEADLINE}</h1>{STORY}</aside>")
    assert "Paragraph 1: Beyonce" in text and "Paragraph 6: Beyonce" in text
    assert "Subscribe now" not in text


def test_body_much_shorter_than_the_longest_block_is_asked_again() -> None:
    text = text_of(f"<main><aside class='main-content'><h1>{HEADLINE}</h1>{STORY}</aside></main>")
    assert "Paragraph 1: Beyonce" in text and "Paragraph 6: Beyonce" in text


# ----------------------------------------------------------------------------- must not fire

def test_a_story_about_cookie_consent_is_kept_as_the_body() -> None:
    story = "".join(
        f"<p>Paragraph {n}: regulators said banners that read “We use cookies” and offer only “Accept all” "
        "break the consent rules, and sites must now show a “Reject all” button of the same size.</p>"
        for n in range(1, 7))
    body = f"<article><h1>Regulators tighten the cookie consent rules</h1>{story}</article>"
    text = text_of(body)
    assert text.count("Paragraph") == 6 and text.startswith("Paragraph 1: regulators")


def test_a_short_brief_beside_a_cookie_notice_keeps_its_text_and_drops_the_notice() -> None:
    brief = ("<p>The harbour ferry will not run on Sunday because of the storm warning, the operator said "
             "on Saturday evening; the service resumes on Monday morning.</p>")
    text = text_of(f"{COOKIE}<article><h1>Ferry cancelled on Sunday</h1>{brief}</article>")
    assert text.startswith("The harbour ferry will not run on Sunday")
    assert "We use cookies" not in text


def test_a_notice_is_never_swapped_for_another_notice() -> None:
    calls = []

    def extract_stub(source: object, **options: object) -> object:
        calls.append(options)
        return type("Doc", (), {"text": "Accept all cookies or manage preferences. We use cookies."})()

    import lxml.html
    tree = lxml.html.fromstring(f"<html><body>{COOKIE}</body></html>")
    assert recover_body(tree, "We use cookies on this website. Accept All", 300, extract_stub) is None
    assert calls  # it was asked, and the answers were notices too


def test_a_full_body_is_not_asked_again() -> None:
    import lxml.html
    tree = lxml.html.fromstring(f"<html><body><article>{STORY}</article></body></html>")

    def extract_stub(source: object, **options: object) -> object:
        raise AssertionError("no retry expected")

    text = lxml.html.fromstring(STORY.join(["<div>", "</div>"])).text_content()
    assert recover_body(tree, text, len(text), extract_stub) is None


def test_is_notice() -> None:
    assert is_notice("We use cookies to improve your experience.\nAccept all | Reject all")
    assert is_notice("Wir verwenden Cookies. Alle akzeptieren")
    assert is_notice("Subscribe now to continue reading.")
    assert not is_notice("The council approved the harbour works on Tuesday.")
    assert not is_notice("The authority fined the shop for collecting data without your consent.")
    assert not is_notice("")
    long_story = " ".join(["We use cookies, the minister said, and the court agreed."] * 20)
    assert not is_notice(long_story)  # 200 words: a story that quotes the phrase
