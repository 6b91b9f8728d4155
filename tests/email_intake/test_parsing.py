"""parse_email against real-world messages (tests/email_intake/fixtures/*.eml).

Each fixture is one case of what customers' mail clients and mail systems actually send; the test
named for it pins what the portal must read out of it. No database: the parser is pure.
"""
import re
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from email_intake.parsing import Attachment, EmailParseError, ParsedEmail, parse_email

from .mutations import mutated_messages

FIXTURES = Path(__file__).parent / "fixtures"
ALL_FIXTURES = sorted(FIXTURES.glob("*.eml"))
SURROGATE = re.compile("[\ud800-\udfff]")


@pytest.fixture(autouse=True, params=["stdlib bodies", "bodies by reference"])
def _body_path(request, monkeypatch):
    """Every test runs twice: bodies parsed by the stdlib, and every body read by reference
    (parsing/spans.py, used for large bodies). Both must give the same result."""
    if request.param == "bodies by reference":
        monkeypatch.setattr("email_intake.parsing.limits.SPAN_MIN_BYTES", 1)


def load(name: str) -> bytes:
    return (FIXTURES / f"{name}.eml").read_bytes()


def parse(name: str, **kwargs) -> ParsedEmail:
    return parse_email(load(name), **kwargs)


def _strings(parsed: ParsedEmail):
    for value in (parsed.message_id or "", *parsed.in_reply_to, *parsed.references, parsed.from_address,
                  parsed.from_name, *parsed.to, parsed.subject, parsed.text, parsed.html or "",
                  parsed.reply_text, parsed.auto_reason or "", *parsed.fields.values(),
                  *(a.filename for a in parsed.attachments), *(name for name, _ in parsed.skipped_attachments),
                  *parsed.from_addresses, *parsed.authentication_results):
        yield value


# --- invariants over every fixture ------------------------------------------------------------

@pytest.mark.parametrize("path", ALL_FIXTURES, ids=lambda p: p.stem)
def test_every_fixture_gives_storable_strings_and_normalised_ids(path):
    parsed = parse_email(path.read_bytes())
    for value in _strings(parsed):
        assert "\x00" not in value and not SURROGATE.search(value)  # PostgreSQL stores them as is
    assert parsed.message_id and re.fullmatch(r"<[^<>\s]+>", parsed.message_id)
    assert all(re.fullmatch(r"<[^<>\s]+>", i) for i in (*parsed.in_reply_to, *parsed.references))
    assert parsed.date is not None and parsed.date.tzinfo is not None
    assert parsed.from_address == parsed.from_address.lower() and "@" in parsed.from_address
    assert all(t == t.lower() for t in parsed.to)
    for attachment in parsed.attachments:
        assert isinstance(attachment, Attachment)
        assert attachment.filename and "/" not in attachment.filename and "\\" not in attachment.filename
        assert not attachment.filename.startswith(".")


# --- bodies ---------------------------------------------------------------------------------

def test_plain_text_in_the_guide_format_fills_every_field():
    parsed = parse("plain_text")
    assert parsed.from_address == "dana.reyes@initech.example"
    assert parsed.from_name == "Dana Reyes"
    assert parsed.to == ("support@aragora.ai",)
    assert parsed.subject == "[P2] Webhook deliveries delayed by 20 minutes"
    assert parsed.severity == "P2"
    assert parsed.date == datetime(2025, 3, 3, 9, 14, 2, tzinfo=timezone.utc)
    assert parsed.html is None
    assert parsed.auto_reason is None and parsed.ticket_token is None
    assert parsed.fields == {
        "organization": "Initech",
        "account_id": "ara_7f3k2q9",  # written ARA_7F3K2Q9-style upper case; ids are lower case
        "environment": "production",
        "affected_users": "~1,200 (about 30%)",
        "description": (
            "- What happened: webhook deliveries to our endpoint arrive 15-20 minutes late\n"
            "- When it started: today around 08:40 CET\n"
            "- Steps to reproduce:\n"
            "  1. Create an order in the dashboard\n"
            "  2. Watch the webhook log: the event is sent 20 minutes later"),
        "business_impact": "- Customers do not get order confirmations; our call centre is flooded",
        "already_tried": "- Rotated the webhook secret\n- Checked our endpoint latency (p99 120 ms)",
    }
    assert "Platform Engineering" in parsed.text  # the full text keeps the signature
    assert "Platform Engineering" not in parsed.reply_text
    assert parsed.reply_text.endswith("Thanks,\nDana")


def test_html_only_mail_is_sanitised_and_its_text_extracted():
    parsed = parse("html_only")
    html = parsed.html
    for dangerous in ("<script", "document.cookie", "<style", "font-family", "onload", "onclick", "javascript:",
                      "<iframe", "<img", "tracker.example", "<title", "Internal ticket template"):
        assert dangerous not in html
    assert "<strong>Organization:</strong> Umbrella Corp" in html
    assert 'href="https://status.umbrella.example/incidents/991"' in html
    text = parsed.text
    assert "document.cookie" not in text and "font-family" not in text and "Internal ticket template" not in text
    assert "- Checkout API returns 503 for every request" in text
    assert "No sales in the EU store — roughly €40k per hour." in text  # entities decoded
    assert "incident 991 <https://status.umbrella.example/incidents/991>" in text
    assert parsed.severity == "P1"  # "P1: Checkout API returning 503"
    assert parsed.fields["organization"] == "Umbrella Corp"
    assert parsed.fields["account_id"] == "ara_um8rella01"
    assert parsed.fields["environment"] == "production"  # "prod"
    assert parsed.fields["affected_users"] == "all EU customers"
    assert parsed.fields["description"].splitlines() == [
        "- Checkout API returns 503 for every request", "- Started at 09:02 PST",
        "- Steps: POST /v2/checkout with any cart"]
    assert parsed.fields["business_impact"] == "No sales in the EU store — roughly €40k per hour."


def test_multipart_alternative_gives_text_from_the_plain_part_and_html_from_the_html_part():
    parsed = parse("multipart_alternative")
    assert parsed.text.startswith("Hi team,\n\n**Organization:** Acme Inc")  # the plain part, verbatim
    assert parsed.html.startswith("<div><p>Hi team,</p>")
    assert "<head" not in parsed.html and "<meta" not in parsed.html
    assert parsed.severity == "P3"  # "(P3) SSO login loop on staging"
    # Markdown bold labels and "### Heading" sections, "*" bullets kept as text.
    assert parsed.fields == {
        "organization": "Acme Inc",
        "account_id": "ara_acme42",
        "environment": "staging",
        "affected_users": "12 internal testers",
        "description": ("SSO login loops back to the sign-in page.\n"
                        "* when it started: after your release on Friday\n"
                        '* steps: open https://acme.aragora.ai, click "Sign in with Okta"'),
        "business_impact": "Our release candidate cannot be verified; launch is blocked.",
        "already_tried": "* cleared cookies\n* re-uploaded the SAML metadata",  # "Regards, Priya" is not
    }


def test_quoted_printable_body_and_encoded_word_subject_decode():
    parsed = parse("quoted_printable")
    assert parsed.from_name == "Klaus Müller"
    assert parsed.subject == "[P3] Export bricht ab – Dateien über 2 GB"
    assert parsed.text.startswith("Grüße aus München!")
    # A soft line break (=\n) joins; a literal "=3D" in the text is an "=".
    assert 'the job log says "size=2147483648 exceeded" and the formula a=b+c is shown as a=3Db' in parsed.text
    assert parsed.fields["organization"] == "Müller & Söhne GmbH"
    assert parsed.fields["environment"] == "Produktion"  # not a value we know: kept raw


def test_base64_body_decodes():
    parsed = parse("base64_body")
    assert parsed.fields["description"] == "The CSV export adds a BOM — Excel is fine, our parser is not."
    assert parsed.fields["environment"] == "staging"
    assert parsed.severity == "P4"


def test_koi8r_body_subject_and_from_name_decode():
    parsed = parse("koi8r")
    assert parsed.from_name == "Иван Петров"
    assert parsed.subject == "[P1] Не работает авторизация"
    assert parsed.severity == "P1"
    assert parsed.fields["organization"] == "ООО Ромашка"
    assert parsed.fields["description"] == "После обновления пользователи не могут войти в систему."
    assert parsed.fields["business_impact"] == "Остановлены продажи."
    assert parsed.reply_text.endswith("Остановлены продажи.")  # "-- \nИван Петров" is the signature


def test_raw_8bit_koi8r_header_decodes_with_the_body_charset_as_hint():
    raw = ("From: Иван <ivan@romashka.example>\nSubject: [P2] Ошибка входа\nMessage-ID: <raw8@x>\n"
           "Content-Type: text/plain; charset=koi8-r\n\nТекст\n").encode("koi8-r")
    parsed = parse_email(raw)
    assert parsed.subject == "[P2] Ошибка входа"
    assert parsed.from_name == "Иван"
    assert parsed.text == "Текст"


def test_iso2022jp_body_subject_and_from_name_decode():
    parsed = parse("iso2022jp")
    assert parsed.from_name == "山田 太郎"
    assert parsed.subject == "【P2】ログインできません"
    assert parsed.severity == "P2"  # Japanese lenticular brackets around the severity
    assert parsed.text.startswith("お世話になっております。")
    assert parsed.fields["organization"] == "株式会社サンプル"
    assert parsed.fields["account_id"] == "ara_sample88"
    assert parsed.fields["environment"] == "本番"


def test_windows1252_labelled_iso_8859_1_decodes_smart_quotes_and_euro():
    parsed = parse("windows1252")
    assert parsed.from_name == "Zoë O’Brien"
    assert parsed.subject == "[P2] “Invalid token” errors – orders failing"
    assert parsed.text.startswith("We’re seeing “Invalid token” errors – about €2,000 of orders failed.")
    assert parsed.fields == {"organization": "Café Olé Ltd", "environment": "production"}


def test_utf8_encoded_words_split_across_folded_lines_join_without_the_gap():
    parsed = parse("utf8_encoded_words")
    assert parsed.subject == "[P3] Les exports échouent 😞 depuis la mise à jour"
    assert parsed.from_name == "Noémie Lévêque"
    assert parsed.from_address == "noemie@exemple.example"
    assert parsed.to == ("support@aragora.ai", "ops@exemple.example")


def test_unknown_and_wrong_charset_declarations_decode_with_a_fallback():
    parsed = parse("wrong_charset_header")
    assert parsed.from_name == "Björn Bob"  # x-mac-klingon does not exist: the bytes are UTF-8
    assert parsed.subject == "[P4] Café menu broken"  # declared us-ascii, written in Latin-1
    assert parsed.text.startswith("The café page shows garbage")  # body charset "x-totally-unknown"
    assert parsed.severity == "P4"


def test_undecodable_bytes_become_replacement_characters_not_errors():
    raw = b"From: a@b.example\nSubject: =?utf-8?B?/w==?= ok\nContent-Type: text/plain; charset=utf-8\n\nbad \x81\x8d\n"
    parsed = parse_email(raw)
    assert parsed.subject.endswith("ok")
    assert parsed.text.startswith("bad ")


def test_backslashes_in_headers_and_body_survive_unchanged():
    parsed = parse("backslashes")
    assert parsed.from_name == "CORP\\jsmith"  # a quoted-pair "\\" in the display name
    assert parsed.subject == r"[P3] Agent fails in C:\Program Files\Aragora\agent.exe"
    assert parsed.message_id == r"<back\slash-11@corp.example>"
    assert r"""ERROR pattern '\d+\s*\\' did not match "\n" in \\?\C:\temp""" in parsed.text
    assert parsed.fields["already_tried"] == (
        "- reg add HKLM\\Software\\Aragora /v Debug /d 1\n- \\1 and \\g<0> are literal text here")
    assert parsed.fields["description"].startswith(r"The agent at C:\Program Files\Aragora\agent.exe crashes")


def test_broken_headers_missing_colon_and_overlong_lines_keep_the_headers_after_them():
    parsed = parse("broken_headers")
    # The wrapped subject and the line without a colon fold into the subject ...
    assert parsed.subject.startswith("[P2] Sync job failing (café export) with a very long subject line")
    assert parsed.subject.endswith("continuation This line has no colon at all")
    # ... and Date, the raw 8-bit header and Content-Type after them are still headers.
    assert parsed.date == datetime(2025, 3, 11, 14, 0, tzinfo=timezone.utc)
    assert parsed.text == "Our nightly sync fails since Monday."
    assert parsed.severity == "P2"


def test_message_without_a_blank_line_before_its_body_keeps_the_body():
    parsed = parse_email(b"From: a@b.example\nSubject: hi\nThe body starts here, no blank line.\nSecond line\n")
    assert parsed.subject == "hi"
    assert parsed.text == "The body starts here, no blank line.\nSecond line"


def test_smime_multipart_signed_takes_the_signed_content_and_ignores_the_signature():
    parsed = parse("smime_signed")
    assert parsed.text.startswith("Organization: First Bank")
    assert parsed.attachments == ()  # smime.p7s is not the customer's file
    assert parsed.fields["account_id"] == "ara_bank001"
    assert parsed.severity == "P1"


def test_pgp_multipart_signed_takes_the_signed_content_and_joins_format_flowed_lines():
    parsed = parse("pgp_signed")
    assert parsed.text == ("Please export all audit logs for account ara_privacy5 from the last 90 days; "
                           "our auditors need them by Friday.")
    assert parsed.attachments == ()
    assert parsed.fields == {"account_id": "ara_privacy5"}  # named in prose, once


def test_inline_pgp_signed_text_loses_its_armour():
    raw = (b"From: a@b.example\nSubject: s\n\n-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA256\n\n"
           b"Organization: Acme\n- -- dash-escaped line\n-----BEGIN PGP SIGNATURE-----\n\nabc\n"
           b"-----END PGP SIGNATURE-----\n")
    parsed = parse_email(raw)
    assert parsed.text == "Organization: Acme\n-- dash-escaped line"


def test_forwarded_message_rfc822_attachment_keeps_its_text_and_attachments():
    parsed = parse("forwarded_rfc822")
    assert parsed.text.startswith("Forwarding my colleague's report, see attached.\n\n"
                                  "---------- Forwarded message ---------\n"
                                  "From: Dev Person <dev@fwdcorp.example>\n")
    assert "Subject: Quota errors in production" in parsed.text
    assert 'Issue Description: every write fails with "quota exceeded" since 09:00.' in parsed.text
    assert parsed.reply_text == parsed.text  # forwarded content is new to us, not quoted history
    assert [(a.filename, a.content_type) for a in parsed.attachments] == [("worker.log", "text/plain")]
    assert parsed.attachments[0].data.startswith(b"2025-03-12T10:00:01Z ERROR quota exceeded")
    assert parsed.fields["account_id"] == "ara_fwd123"
    assert parsed.fields["environment"] == "production"
    assert parsed.severity == "P2"  # "Fwd: [P2] ..."


def test_inline_forwarded_block_is_kept_in_text_and_reply():
    parsed = parse("forwarded_inline")
    assert "---------- Forwarded message ---------\nFrom: Analyst <analyst@inline.example>" in parsed.text
    assert "double-counts refunds" in parsed.reply_text
    assert parsed.fields == {"organization": "Inline Ltd", "account_id": "ara_inline16",
                             "description": "The revenue dashboard double-counts refunds since March 1."}


def test_nested_multipart_related_in_alternative_in_mixed():
    parsed = parse("nested_multipart")
    assert parsed.text == "The PDF report layout is broken (screenshot inline, report attached)."
    assert parsed.html.startswith("<p>The <b>PDF report</b> layout is broken")
    assert "cid:" not in parsed.html
    assert [(a.filename, a.content_type) for a in parsed.attachments] == [
        ("screenshot.png", "image/png"), ("report-march.pdf", "application/pdf")]
    assert parsed.attachments[0].data.startswith(b"\x89PNG\r\n\x1a\n")
    assert parsed.attachments[1].data.startswith(b"%PDF-1.4")


def test_attachment_filenames_from_disposition_name_rfc2231_rfc2047_with_paths_stripped():
    parsed = parse("attachments")
    assert parsed.text == "Logs attached."
    assert [(a.filename, a.content_type) for a in parsed.attachments] == [
        ("server.log", "text/plain"),  # Content-Disposition filename
        ("dump.bin", "application/octet-stream"),  # only Content-Type name=
        ("Rechnung März 2025.pdf", "application/pdf"),  # RFC 2231, continued and percent-encoded
        ("отчёт.csv", "text/csv"),  # RFC 2047 inside the parameter (Outlook, Gmail)
        ("notes.txt", "text/plain"),  # C:\Users\dana\Desktop\notes.txt
        ("passwd", "text/plain"),  # ../../etc/passwd
        ("attachment", "image/png"),  # no name at all
    ]
    assert parsed.attachments[0].data == b"line one\r\nline two\r\n"
    assert parsed.attachments[1].data == bytes(range(64))


def test_attachments_over_the_limit_are_skipped_with_their_size():
    parsed = parse("nested_multipart", max_attachment_bytes=60)
    assert [a.filename for a in parsed.attachments] == ["report-march.pdf"]  # 45 bytes
    assert parsed.skipped_attachments == (("screenshot.png", 70),)
    assert parse("nested_multipart").skipped_attachments == ()


def test_a_30_mb_attachment_is_skipped_and_measured_without_decoding():
    size = 30 * 1024 * 1024
    line = b"QUJD" * 19 + b"\r\n"  # 76 base64 characters: 57 bytes
    body = line * (size // 57)
    raw = (b"From: a@b.example\r\nSubject: big\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n"
           b"--b\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n"
           b"--b\r\nContent-Type: application/zip\r\nContent-Disposition: attachment; filename=dump.zip\r\n"
           b"Content-Transfer-Encoding: base64\r\n\r\n" + body + b"--b--\r\n")
    parsed = parse_email(raw, max_attachment_bytes=25 * 1024 * 1024)
    assert parsed.text == "see attached"
    assert parsed.attachments == ()
    assert parsed.skipped_attachments == (("dump.zip", (size // 57) * 57),)


# --- auto-replies and bounces -------------------------------------------------------------------

def test_dsn_bounce_is_an_auto_message_and_its_returned_message_is_not_text():
    parsed = parse("dsn_bounce")
    assert parsed.auto_reason.startswith("Delivery or read report")
    assert "550 5.1.1 User unknown" in parsed.text
    assert "Your ticket was updated" not in parsed.text
    assert parsed.ticket_token is None  # the bounced message's token is not this message's


def test_out_of_office_auto_submitted_is_an_auto_message():
    parsed = parse("out_of_office")
    assert parsed.auto_reason == "Auto-Submitted: auto-replied"
    assert parsed.ticket_token == "ARA-42-ab12cd34ef"
    assert parsed.in_reply_to == ("<ticket-42-reply@aragora.ai>",)


HUMAN = "From: Dana <dana@initech.example>\nTo: support@aragora.ai\nSubject: hello\nMessage-ID: <h@x>\n"


@pytest.mark.parametrize("extra, reason", [
    ("Auto-Submitted: auto-generated\n", "Auto-Submitted: auto-generated"),
    ("Auto-Submitted: auto-replied; owner-email=x@y\n", "Auto-Submitted: auto-replied"),
    ("Precedence: bulk\n", "Precedence: bulk"),
    ("Precedence: JUNK\n", "Precedence: junk"),
    ("Precedence: list\n", "Precedence: list"),
    ("X-Autoreply: yes\n", "X-Autoreply: yes"),
    ("X-Autorespond: Out of office\n", "X-Autorespond: out of office"),
    ("Return-Path: <>\n", "Return-Path: <> (null sender: bounce or auto-reply)"),
])
def test_auto_reply_headers_set_the_auto_reason(extra, reason):
    assert parse_email((extra + HUMAN + "\nI am away.\n").encode()).auto_reason == reason


@pytest.mark.parametrize("sender", ["MAILER-DAEMON@mx.example", "postmaster@initech.example", "MAILER-DAEMON"])
def test_mail_system_senders_are_auto(sender):
    raw = f"From: {sender}\nTo: support@aragora.ai\nSubject: failure\n\nx\n".encode()
    assert parse_email(raw).auto_reason.startswith("Sent by a mail system")


@pytest.mark.parametrize("extra", ["", "Auto-Submitted: no\n", "Precedence: first-class\n", "X-Autoreply: no\n",
                                   "Return-Path: <dana@initech.example>\n"])
def test_human_mail_has_no_auto_reason(extra):
    assert parse_email((extra + HUMAN + "\nPlease help.\n").encode()).auto_reason is None


# --- replies --------------------------------------------------------------------------------------

def test_gmail_reply_is_trimmed_and_the_full_text_kept():
    parsed = parse("gmail_reply")
    assert parsed.reply_text == "Thanks, the delay is gone since 09:00. You can close the ticket.\n\nDana"
    assert "> We deployed a fix for the webhook queue." in parsed.text
    assert parsed.ticket_token == "ARA-42-ab12cd34ef"
    assert parsed.severity == "P2"  # "Re: [ARA-42-...] [P2] ..."
    assert parsed.in_reply_to == ("<ticket-42-reply@aragora.ai>",)
    assert parsed.references == ("<ticket-42-created@aragora.ai>", "<ticket-42-reply@aragora.ai>")
    assert parsed.fields == {}


def test_gmail_html_only_reply_is_trimmed_through_its_blockquote():
    raw = load("gmail_reply")
    start = raw.index(b"--000000000000gmail21\r\nContent-Type: text/plain")
    end = raw.index(b"--000000000000gmail21\r\nContent-Type: text/html")
    parsed = parse_email(raw[:start] + raw[end:])
    assert parsed.reply_text == "Thanks, the delay is gone since 09:00. You can close the ticket.\n\nDana"
    assert "> We deployed a fix for the webhook queue. Could you confirm?" in parsed.text


def test_outlook_reply_is_trimmed_and_the_full_text_kept():
    parsed = parse("outlook_reply")
    assert parsed.reply_text == ("We uploaded the new certificate chain at 13:50 UTC. Please verify on your side."
                                 "\n\nKind regards,\nIT Manager")
    assert "Hello, your certificate expires in 3 days." in parsed.text
    assert parsed.from_name == "Manager, IT"
    assert parsed.from_address == "it.manager@contoso.example"
    assert parsed.ticket_token == "ARA-77-0a1b2c3d4e"
    assert parsed.severity is None


def test_outlook_html_only_reply_is_trimmed_at_its_from_sent_block():
    raw = load("outlook_reply")
    start = raw.index(b"--_000_DM6PR11MB4321_\r\nContent-Type: text/plain")
    end = raw.index(b"--_000_DM6PR11MB4321_\r\nContent-Type: text/html")
    parsed = parse_email(raw[:start] + raw[end:])
    assert parsed.reply_text == ("We uploaded the new certificate chain at 13:50 UTC. Please verify on your side."
                                 "\n\nKind regards,\nIT Manager")
    assert "Hello, your certificate expires in 3 days." in parsed.text
    assert "urn:schemas-microsoft-com" not in parsed.text and "MsoNormal" not in parsed.text


def test_outlook_original_message_and_mobile_signature_are_trimmed():
    parsed = parse("outlook_original_message")
    assert parsed.reply_text == "Still slow this morning: 45 s for the monthly report."
    assert "-----Original Message-----" in parsed.text
    assert parsed.ticket_token == "ARA-88-abcdefghij"
    assert parsed.severity == "P2"  # "AW: [ARA-88-...] [P2] Slow reports"


# --- headers ------------------------------------------------------------------------------------------

def test_message_ids_are_normalised_and_deduplicated():
    raw = (b"From: a@b.example\nMessage-ID:  bare-id@host.example \n"
           b"In-Reply-To: <x1@h> (Dana's message of Mon, 3 Mar)\n"
           b"References: <r1@h>\n <r2@h>\t<r1@h> <r3\n @h>\n\nx\n")
    parsed = parse_email(raw)
    assert parsed.message_id == "<bare-id@host.example>"
    assert parsed.in_reply_to == ("<x1@h>",)
    assert parsed.references == ("<r1@h>", "<r2@h>", "<r3@h>")


def test_missing_headers_give_empty_values():
    parsed = parse_email(b"Subject: only a subject\n\nbody\n")
    assert (parsed.message_id, parsed.from_address, parsed.from_name, parsed.to, parsed.date) == (
        None, "", "", (), None)
    assert parsed.in_reply_to == () and parsed.references == ()


@pytest.mark.parametrize("value, expected", [
    ("Mon, 3 Mar 2025 10:00:00 -0000", datetime(2025, 3, 3, 10, 0, tzinfo=timezone.utc)),
    ("Mon, 3 Mar 2025 10:00:00 +0530", datetime(2025, 3, 3, 10, 0, tzinfo=timezone(timedelta(hours=5, minutes=30)))),
    ("3 Mar 2025 10:00 EST", datetime(2025, 3, 3, 15, 0, tzinfo=timezone.utc)),
    ("yesterday-ish", None),
    ("Mon, 99 Foo 2025 99:99:99 +9999", None),
])
def test_dates_are_aware_or_none(value, expected):
    parsed = parse_email(f"From: a@b.example\nDate: {value}\n\nx\n".encode())
    assert parsed.date == expected
    assert parsed.date is None or parsed.date.tzinfo is not None


def test_from_without_an_address_gives_an_empty_address():
    parsed = parse_email(b"From: Just A Name\nSubject: s\n\nx\n")
    assert parsed.from_address == ""


def test_ticket_token_from_a_plus_address_wins_over_the_subject():
    raw = (b"From: a@b.example\nTo: Support <support+ara-7-AAAAAAAAAA@aragora.ai>\n"
           b"Subject: Re: [ARA-42-ab12cd34ef] also see ARA-43-bbbbbbbbbb\n\nx\n")
    assert parse_email(raw).ticket_token == "ARA-7-aaaaaaaaaa"
    raw = b"From: a@b.example\nTo: support@aragora.ai\nCc: support+ARA-9-0123456789@aragora.ai\nSubject: x\n\nx\n"
    assert parse_email(raw).ticket_token == "ARA-9-0123456789"  # reply-all puts our address in Cc


# --- what is not a message ------------------------------------------------------------------------------

@pytest.mark.parametrize("raw", [
    b"", b"   \r\n\r\n\t", bytes(range(256)) * 8, b"\x00" * 100,
    b"Hello there, this is just text\nwith no headers at all\n",
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00",
], ids=["empty", "whitespace", "binary", "nuls", "no-headers", "png", "jpeg"])
def test_bytes_that_are_not_a_message_raise_email_parse_error(raw):
    with pytest.raises(EmailParseError):
        parse_email(raw)


def test_a_stray_nul_in_the_headers_is_damage_not_garbage():
    parsed = parse_email(b"From: a@b.example\nSubject: bro\x00ken\n\nbo\x00dy\n")
    assert parsed.subject == "broken" and parsed.text == "body"


def test_mbox_from_line_bom_and_leading_blank_lines_are_tolerated():
    raw = b"\xef\xbb\xbf\r\nFrom MAILER-DAEMON Mon Mar  3 10:00:00 2025\nFrom: a@b.example\nSubject: s\n\nbody\n"
    parsed = parse_email(raw)
    assert parsed.from_address == "a@b.example" and parsed.text == "body"


def test_mime_nested_past_the_depth_limit_is_cut_off_not_followed():
    raw = b"From: a@b.example\nContent-Type: multipart/mixed; boundary=b0\n\n"
    for i in range(400):
        raw += b"--b%d\nContent-Type: multipart/mixed; boundary=b%d\n\n" % (i, i + 1)
    try:
        parsed = parse_email(raw)
    except EmailParseError:
        return
    assert parsed.text == ""


# --- property -------------------------------------------------------------------------------------------

@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.binary(max_size=512), mutated_messages()))
def test_parse_email_raises_nothing_but_email_parse_error(raw):
    try:
        parsed = parse_email(raw)
    except EmailParseError:
        return
    for value in _strings(parsed):
        assert "\x00" not in value and not SURROGATE.search(value)


# --- performance ----------------------------------------------------------------------------------------
# Timed in this process's CPU time (time.process_time), not wall-clock time: a busy machine makes
# the wall clock run on while this process waits for a core, and the bound is about the work.

def test_typical_messages_parse_in_well_under_two_milliseconds():
    # The ingest target is 200 messages/s end to end; parsing must be a small part of 5 ms.
    # Each round varies From and Message-ID so no per-message header parse is cached.
    seeds = [path.read_bytes() for path in ALL_FIXTURES]
    for raw in seeds:
        parse_email(raw)
    best = float("inf")
    for round_ in range(3):
        batch = [raw.replace(b"From: ", b"From: r%d " % round_, 1) for raw in seeds]
        start = time.process_time()
        for raw in batch:
            parse_email(raw)
        best = min(best, (time.process_time() - start) / len(batch))
    assert best < 0.002, f"{best * 1000:.2f} ms per message"


@pytest.mark.parametrize("name, raw", [
    ("nested divs", b"From: a@b.example\nContent-Type: text/html\n\n" + b"<div>x" * 20000),
    ("nested blockquotes", b"From: a@b.example\nContent-Type: text/html\n\n" + b"<blockquote>x<br>" * 20000),
    ("10k recipients", b"From: a@b.example\nTo: " + b", ".join(b"u%d@x.example" % i for i in range(10000)) + b"\n\nx"),
    ("nested comments", b"From: a@b.example\nCc: " + b"(" * 50000 + b"\n\nx"),
    ("quoted names", b"From: a@b.example\nCc: " + b'"a" ' * 20000 + b"<x@y>\n\nx"),
    ("100k quoted lines", b"From: a@b.example\n\n" + b"> quoted\n" * 100000),
    ("attributions", b"From: a@b.example\n\n" + b"On Mon, Mar 3 John wrote:\nreply\n" * 20000),
    ("1 MB subject", b"From: a@b.example\nSubject: " + b"=?utf-8?q?a?= " * 70000 + b"\n\nx"),
], ids=lambda v: v if isinstance(v, str) else "")
def test_hostile_messages_parse_in_linear_time(name, raw):
    start = time.process_time()
    try:
        parse_email(raw)
    except EmailParseError:
        pass
    assert time.process_time() - start < 1.0, name


def test_body_declared_utf8_but_written_in_latin1_reads_as_windows_1252():
    raw = b"From: a@b.example\nContent-Type: text/plain; charset=utf-8\n\nCaf\xe9 cr\xe8me \x80 5\n"
    assert parse_email(raw).text == "Café crème € 5"


def test_damaged_utf8_keeps_its_good_characters():
    raw = "From: a@b.example\nContent-Type: text/plain; charset=utf-8\n\nGrüße ".encode() + b"\xff ok\n"
    assert parse_email(raw).text == "Grüße \ufffd ok"


def test_raw_8bit_utf8_attachment_name():
    raw = ("From: a@b.example\nContent-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain\n\nx\n"
           '--b\nContent-Type: application/pdf\nContent-Disposition: attachment; filename="Отчёт.pdf"\n\n%PDF\n'
           "--b--\n").encode()
    assert [a.filename for a in parse_email(raw).attachments] == ["Отчёт.pdf"]
