"""Authentication-Results (RFC 8601) read from real receiving servers' headers, and the verdict
on the From address. No database: the parser is pure."""
from pathlib import Path

import pytest
from hypothesis import given, strategies as st

from email_intake.parsing import parse_email, sender_check
from email_intake.parsing.authresults import aligned, parse_authentication_results

FIXTURES = Path(__file__).parent / "fixtures"
OURS = ["mx.aragora.ai"]

GMAIL = ("mx.google.com; dkim=pass header.i=@acme.example header.s=sel1 header.b=Xb7dK2pQ; "
         "spf=pass (google.com: domain of priya@acme.example designates 203.0.113.25 as permitted sender) "
         "smtp.mailfrom=priya@acme.example; dmarc=pass (p=REJECT sp=REJECT dis=NONE) header.from=acme.example")
MICROSOFT = ("spf=pass (sender IP is 203.0.113.25) smtp.mailfrom=acme.example; dkim=pass (signature was verified) "
             "header.d=acme.example;dmarc=pass action=none header.from=acme.example;compauth=pass reason=100")


def check(*values, from_address="priya@acme.example", ours=OURS):
    return sender_check(values, authserv_ids=ours, from_address=from_address)


def load(name: str):
    return parse_email((FIXTURES / f"{name}.eml").read_bytes())


# --- reading the header --------------------------------------------------------------------------

def test_gmail_header_gives_each_method_its_result_and_properties():
    parsed = parse_authentication_results(GMAIL)
    assert parsed.authserv_id == "mx.google.com"
    assert [(r.method, r.result) for r in parsed.results] == [("dkim", "pass"), ("spf", "pass"), ("dmarc", "pass")]
    assert parsed.results[0].get("header.i") == "@acme.example"
    assert parsed.results[1].get("smtp.mailfrom") == "priya@acme.example"  # the comment is not a property
    assert parsed.results[2].get("header.from") == "acme.example"


def test_microsoft_365_header_without_spaces_and_with_bare_keys_reads_the_same():
    parsed = parse_authentication_results("mx.microsoft.com; " + MICROSOFT)
    assert [(r.method, r.result) for r in parsed.results] == [
        ("spf", "pass"), ("dkim", "pass"), ("dmarc", "pass"), ("compauth", "pass")]
    assert parsed.results[2].get("header.from") == "acme.example"  # after "action=none"


def test_semicolons_and_results_inside_comments_and_quoted_strings_are_text_not_results():
    value = ('mx.aragora.ai; spf=fail (domain of "x; dmarc=pass"@evil (nested; dkim=pass) \\) dmarc=pass) '
             'smtp.mailfrom=evil.example; dkim=fail reason="bad; sig (dmarc=pass)" header.d=acme.example')
    parsed = parse_authentication_results(value)
    assert [(r.method, r.result) for r in parsed.results] == [("spf", "fail"), ("dkim", "fail")]
    assert parsed.results[0].get("smtp.mailfrom") == "evil.example"
    assert parsed.results[1].get("header.d") == "acme.example"


def test_version_quoted_authserv_id_spaces_and_none_are_read():
    assert parse_authentication_results("mx.aragora.ai 1; none").results == ()
    parsed = parse_authentication_results('"MX.Aragora.AI" ; dkim / 1 = pass header . d = acme.example')
    assert parsed.authserv_id == "mx.aragora.ai"
    assert (parsed.results[0].method, parsed.results[0].get("header.d")) == ("dkim", "acme.example")


@pytest.mark.parametrize("value", ["", "   ", "(only a comment)", "x" * 9000 + "; dmarc=pass"])
def test_a_header_without_an_authserv_id_is_unreadable(value):
    assert parse_authentication_results(value) is None and not check(value).authenticated


def test_an_overlong_header_is_not_read_even_under_our_id():
    assert not check("mx.aragora.ai; dmarc=pass header.from=acme.example (" + "x" * 9000 + ")").authenticated


@given(st.text(max_size=300))
def test_reading_any_text_raises_nothing(value):
    parse_authentication_results(value)
    sender_check([value, f"mx.aragora.ai; {value}"], authserv_ids=OURS, from_address="priya@acme.example")


# --- the verdict ------------------------------------------------------------------------------------

def test_dmarc_pass_from_our_server_authenticates():
    assert check("mx.aragora.ai; dmarc=pass header.from=acme.example").authenticated


def test_dmarc_fail_is_not_authenticated_whatever_spf_says():
    result = check("mx.aragora.ai; spf=pass smtp.mailfrom=acme.example; dmarc=fail header.from=acme.example")
    assert not result.authenticated and result.reason == "DMARC fail for acme.example (mx.aragora.ai)"


def test_a_pass_written_by_another_server_is_ignored_as_forgeable():
    result = check(GMAIL, "mx.aragora.ai.evil.example; dmarc=pass header.from=acme.example")
    assert not result.authenticated and result.reason == "no Authentication-Results from mx.aragora.ai"


def test_a_forged_pass_under_our_id_does_not_outvote_our_fail():
    result = check("mx.aragora.ai; dmarc=fail header.from=acme.example",
                   "mx.aragora.ai; dmarc=pass header.from=acme.example")
    assert not result.authenticated and "conflicting" in result.reason


def test_dmarc_about_another_domain_does_not_count_for_this_from():
    assert not check("mx.aragora.ai; dmarc=pass header.from=evil.example").authenticated


def test_without_dmarc_an_aligned_dkim_pass_authenticates():
    assert check("mx.aragora.ai; dmarc=none header.from=acme.example; dkim=pass header.d=acme.example").authenticated
    assert check("mx.aragora.ai; dkim=pass header.i=@mail.acme.example").authenticated


def test_without_dmarc_an_aligned_spf_pass_authenticates():
    assert check("mx.aragora.ai; spf=pass smtp.mailfrom=bounces@acme.example").authenticated


def test_without_dmarc_passes_for_other_domains_do_not_authenticate():
    result = check("mx.aragora.ai; spf=pass smtp.mailfrom=bounce@mailer.evil.example; "
                   "dkim=pass header.d=evil.example; dkim=fail header.d=acme.example")
    assert not result.authenticated
    assert result.reason == ("no SPF or DKIM pass aligned with acme.example "
                             "(mx.aragora.ai: spf=pass, dkim=pass, dkim=fail)")


def test_without_dmarc_spf_and_dkim_failing_is_not_authenticated():
    assert not check("mx.aragora.ai; spf=softfail smtp.mailfrom=acme.example; dkim=fail header.d=acme.example"
                     ).authenticated


def test_two_spf_verdicts_that_differ_are_not_believed():
    assert not check("mx.aragora.ai; spf=fail smtp.mailfrom=acme.example",
                     "mx.aragora.ai; spf=pass smtp.mailfrom=acme.example").authenticated


def test_our_header_without_any_result_is_not_authenticated():
    assert not check("mx.aragora.ai; none").authenticated
    assert not check("mx.aragora.ai; dmarc=pass header.from=acme.example", from_address="").authenticated


@pytest.mark.parametrize(("domain", "from_domain", "expected"), [
    ("acme.example", "acme.example", True),
    ("mail.acme.example", "acme.example", True),
    ("acme.example", "eu.acme.example", True),
    ("eu.acme.example", "us.acme.example", False),  # siblings: held rather than guessed
    ("notacme.example", "acme.example", False),
    ("", "acme.example", False),
])
def test_alignment_is_the_same_domain_or_a_subdomain(domain, from_domain, expected):
    assert aligned(domain, from_domain) is expected


# --- real messages ----------------------------------------------------------------------------------

def test_mail_our_server_passed_through_three_milters_is_authenticated():
    parsed = load("dmarc_pass_relayed")
    assert len(parsed.authentication_results) == 4  # ours three times, the sender's own server once
    assert check(*parsed.authentication_results, from_address=parsed.from_address).authenticated


def test_spoofed_mail_with_our_fail_and_forged_passes_is_not_authenticated():
    parsed = load("spoofed_dmarc_fail")
    result = check(*parsed.authentication_results, from_address=parsed.from_address)
    assert not result.authenticated and result.reason == "DMARC fail for acme.example (mx.aragora.ai)"


def test_every_from_address_is_read_not_only_the_first():
    assert load("multiple_from").from_addresses == ("priya@acme.example", "mallory@evil.example")
    assert load("plain_text").from_addresses == ("dana.reyes@initech.example",)
