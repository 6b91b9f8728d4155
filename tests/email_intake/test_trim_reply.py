"""trim_reply: the new words of a reply, without quoted history and signatures."""
import pytest

from email_intake.parsing import html_to_text, trim_reply


def test_gmail_attribution_wrapped_over_two_lines():
    text = ("Works now, thanks.\n\nOn Mon, Mar 17, 2025 at 8:55 AM Aragora Support <\n"
            "support@aragora.ai> wrote:\n\n> Could you confirm?\n>\n")
    assert trim_reply(text) == "Works now, thanks."


@pytest.mark.parametrize("attribution", [
    "On 17/03/2025 08:55, Aragora Support wrote:",
    "Le lun. 17 mars 2025 à 08:55, Aragora Support <support@aragora.ai> a écrit :",
    "Am Mo., 17. März 2025 um 08:55 Uhr schrieb Aragora Support <support@aragora.ai>:",
    "El lun, 17 mar 2025 a las 8:55, Aragora Support (<support@aragora.ai>) escribió:",
    "2025年3月17日(月) 8:55 Aragora Support <support@aragora.ai>:",
])
def test_attributions_in_several_languages(attribution):
    assert trim_reply(f"New text.\n\n{attribution}\n> old text\n") == "New text."


def test_outlook_from_sent_block_after_an_underscore_rule():
    text = ("Uploaded.\n\nRegards,\nIT\n\n________________________________\nFrom: Aragora Support <s@a.ai>\n"
            "Sent: Tuesday, March 18, 2025 1:30 PM\nTo: IT <it@c.example>\nSubject: Cert\n\nOld text")
    assert trim_reply(text) == "Uploaded.\n\nRegards,\nIT"


def test_outlook_bold_header_block_in_plain_text_and_localised_labels():
    text = "Done.\n\n*From:* Support <s@a.ai>\n*Sent:* Monday\n*To:* me\n*Subject:* x\n\nold"
    assert trim_reply(text) == "Done."
    text = "Erledigt.\n\nVon: Support <s@a.ai>\nGesendet: Montag\nAn: ich\nBetreff: x\n\nalt"
    assert trim_reply(text) == "Erledigt."


def test_original_message_marker():
    assert trim_reply("Yes.\n\n-----Original Message-----\nFrom: x\nold") == "Yes."
    assert trim_reply("Ja.\n\n-----Ursprüngliche Nachricht-----\nVon: x\nalt") == "Ja."


@pytest.mark.parametrize("signature", ["-- \nDana", "--\nDana", "Sent from my iPhone", "Sent from my Galaxy",
                                       "Get Outlook for iOS", "Von meinem iPhone gesendet"])
def test_signatures_are_trimmed(signature):
    assert trim_reply(f"Still broken.\n\n{signature}\n") == "Still broken."


def test_inline_replies_keep_the_writers_lines_and_drop_the_quotes():
    text = ("On Mon, Support wrote:\n> Which region?\nEU-west.\n\n> Since when?\nSince 09:00 UTC.\n\n"
            "-- \nDana")
    assert trim_reply(text) == "EU-west.\n\nSince 09:00 UTC."


def test_a_gmail_forward_is_content_not_history():
    text = ("FYI\n\n---------- Forwarded message ---------\nFrom: A <a@x>\nDate: Mon\nSubject: s\nTo: B <b@x>\n\n"
            "The original report.")
    assert trim_reply(text) == text


def test_an_apple_mail_forward_is_content_not_history():
    text = "See below.\n\nBegin forwarded message:\n\nFrom: A <a@x>\nSubject: s\nDate: Mon\nTo: B <b@x>\n\nReport."
    assert trim_reply(text) == text


def test_a_message_that_is_all_quote_is_returned_whole():
    assert trim_reply("> only quoted\n> text") == "> only quoted\n> text"
    assert trim_reply("") == ""


def test_text_without_history_is_unchanged_apart_from_line_ends_and_outer_blank_lines():
    assert trim_reply("\r\nLine one\r\n\r\nLine two\r\n") == "Line one\n\nLine two"


def test_a_from_line_alone_is_not_a_header_block():
    text = "From: my side everything works.\nTo be sure I restarted twice."
    assert trim_reply(text) == text


def test_html_to_text_renders_blockquotes_as_quotes_and_lists_as_bullets():
    html = ("<div>Reply<br></div><div class=gmail_quote>On Mon, X wrote:<blockquote><p>Old</p>"
            "<blockquote>Older</blockquote></blockquote></div><ul><li>a</li><li>b</li></ul>")
    assert html_to_text(html) == "Reply\nOn Mon, X wrote:\n\n> Old\n>\n> > Older\n\n- a\n- b"
    assert trim_reply(html_to_text(html)) == "Reply\n\n- a\n- b"
