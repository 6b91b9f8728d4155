"""The guide's "Email Format for Faster Response": sections, severity and ticket tokens."""
import pytest

from email_intake.parsing import parse_support_format, severity_from_subject, ticket_token_from

GUIDE_TEMPLATE = """Organization: Your Company Name
Account ID: ara_xxx...
Environment: Production / Staging
Affected Users: Number or percentage
Issue Description:
- What happened
- When it started
- Steps to reproduce
Business Impact:
- How this affects operations
Already Tried:
- List troubleshooting steps taken
"""


def test_the_guides_template_left_unfilled_gives_no_fields():
    assert parse_support_format(GUIDE_TEMPLATE) == {}


def test_values_on_the_same_line_or_on_the_following_lines():
    text = "Organization:\n  Initech\nAccount ID: ara_1a2b\nIssue Description:\n\nLine one\n  - sub\nBusiness Impact: big"
    assert parse_support_format(text) == {
        "organization": "Initech", "account_id": "ara_1a2b",
        "description": "Line one\n  - sub", "business_impact": "big"}


@pytest.mark.parametrize("line", [
    "Business Impact: orders lost",
    "business impact: orders lost",
    "BUSINESS IMPACT : orders lost",
    "Business   Impact:orders lost",
    "  - Business Impact: orders lost",
    "* Business Impact: orders lost",
    "• Business Impact: orders lost",
    "1. Business Impact: orders lost",
    "**Business Impact:** orders lost",
    "**Business Impact**: orders lost",
    "__Business Impact:__ orders lost",
    "- **Business Impact:** orders lost",
    "### Business Impact\norders lost",
    "## Business Impact:\norders lost",
    "**Business Impact**\norders lost",
    "Business Impact\norders lost",
    "Business Impact：orders lost",
])
def test_labels_tolerate_case_spacing_bullets_and_markdown(line):
    assert parse_support_format(line + "\nAlready Tried: nothing") == {
        "business_impact": "orders lost", "already_tried": "nothing"}


def test_a_label_word_inside_a_sentence_is_not_a_section():
    text = "Issue Description: the Environment variable APP_ENV is ignored\nEnvironment variables were changed"
    assert parse_support_format(text) == {
        "description": "the Environment variable APP_ENV is ignored\nEnvironment variables were changed"}


def test_issue_description_keeps_its_sub_bullets_as_text():
    text = ("Issue Description:\n- What happened: 500s on /login\n- When it started: 09:00 UTC\n"
            "- Steps to reproduce:\n  1. open /login\n  2. submit\nBusiness Impact: none")
    assert parse_support_format(text)["description"] == (
        "- What happened: 500s on /login\n- When it started: 09:00 UTC\n"
        "- Steps to reproduce:\n  1. open /login\n  2. submit")


@pytest.mark.parametrize("value, expected", [
    ("ara_AbC123", "ara_abc123"),
    ("ARA_9", "ara_9"),
    ("our id is ara_x9y8 (prod)", "ara_x9y8"),
    ("12345", None),
    ("ara-123", None),
    ("ara_", None),
    ("ara_xxx...", None),  # the guide's placeholder
    ("aara_123", None),
])
def test_account_id_must_look_like_ara_and_is_lower_cased(value, expected):
    assert parse_support_format(f"Account ID: {value}").get("account_id") == expected


@pytest.mark.parametrize("value, expected", [
    ("Production", "production"), ("PRODUCTION", "production"), ("prod", "production"),
    ("Production (EU cluster)", "production"), ("- production", "production"),
    ("Staging", "staging"), ("stage", "staging"), ("staging-2", "staging"),
    ("Production and staging", "Production and staging"), ("dev", "dev"), ("QA sandbox", "QA sandbox"),
])
def test_environment_is_normalised_to_production_or_staging_else_kept_raw(value, expected):
    assert parse_support_format(f"Environment: {value}")["environment"] == expected


def test_single_value_sections_on_one_line_are_split():
    text = "Organization: Acme, Account ID: ara_acme1, Environment: prod, Affected Users: 40%"
    assert parse_support_format(text) == {
        "organization": "Acme", "account_id": "ara_acme1", "environment": "production", "affected_users": "40%"}


def test_missing_sections_are_absent_and_empty_ones_too():
    assert parse_support_format("Organization: Acme\nBusiness Impact:\n\nAlready Tried:") == {"organization": "Acme"}


def test_first_occurrence_of_a_section_wins():
    text = "Environment: staging\nIssue Description: broken\nEnvironment: production\nmore"
    assert parse_support_format(text) == {"environment": "staging", "description": "broken"}


def test_signature_and_sign_off_end_the_last_section():
    assert parse_support_format("Already Tried: restarted\n\nThanks,\nDana")["already_tried"] == "restarted"
    assert parse_support_format("Already Tried: restarted\n-- \nDana | Initech")["already_tried"] == "restarted"
    assert parse_support_format("Already Tried: restarted\nMit freundlichen Grüßen\nK.")["already_tried"] == "restarted"


def test_one_account_id_in_prose_is_taken_two_different_ones_are_not():
    assert parse_support_format("Hi, our account ara_9k2 cannot log in.") == {"account_id": "ara_9k2"}
    assert parse_support_format("ara_1 and ara_2 both fail") == {}
    assert parse_support_format("> quoted ara_1\nnew text") == {}


def test_text_without_the_format_gives_no_fields():
    assert parse_support_format("Hello, our dashboard is slow since this morning. Can you help?") == {}
    assert parse_support_format("") == {}


# --- severity -----------------------------------------------------------------------------------

@pytest.mark.parametrize("subject, expected", [
    ("[P1] API down", "P1"),
    ("[p2] API slow", "P2"),
    ("P2: API slow", "P2"),
    ("p3: question", "P3"),
    ("(P3) SSO loop", "P3"),
    ("P4 - docs typo", "P4"),
    ("P4 – docs typo", "P4"),
    ("[ P1 ] spaces", "P1"),
    ("P1 outage in EU", "P1"),
    ("Re: [P1] API down", "P1"),
    ("RE: Fwd: FW: [P2] x", "P2"),
    ("AW: WG: P3: x", "P3"),
    ("Re[2]: [P2] x", "P2"),
    ("Re: [ARA-42-ab12cd34ef] [P2] x", "P2"),
    ("[EXTERNAL] [P1] prod down", "P1"),
    ("【P2】ログインできません", "P2"),
    ("Sev1: database down", "P1"),
    ("SEV-2 latency", "P2"),
    ("Priority 1 - outage", "P1"),
    ("Outage in checkout [P1]", "P1"),
    ("API down (p2)", "P2"),
])
def test_severity_from_the_subject(subject, expected):
    assert severity_from_subject(subject) == expected


@pytest.mark.parametrize("subject", [
    "", "API down", "[P1/P2/P3/P4] Brief description of issue", "P5: x", "P0: x", "P2P sync broken",
    "P12 rollout", "Update on the P1 incident", "APP1: x", "[ARA-42-ab12cd34ef] hello",
])
def test_no_severity_in_the_subject_gives_none(subject):
    assert severity_from_subject(subject) is None


# --- ticket token ------------------------------------------------------------------------------

@pytest.mark.parametrize("subject, addresses, expected", [
    ("Re: [ARA-42-ab12cd34ef] Webhooks", (), "ARA-42-ab12cd34ef"),
    ("Re: ara-42-AB12CD34EF Webhooks", (), "ARA-42-ab12cd34ef"),
    ("Re: Webhooks", ("support+ARA-42-ab12cd34ef@aragora.ai",), "ARA-42-ab12cd34ef"),
    ("Re: [ARA-1-aaaaaaaaaa]", ("support+ara-2-bbbbbbbbbb@aragora.ai",), "ARA-2-bbbbbbbbbb"),
    ("Re: Webhooks", ("support@aragora.ai",), None),
    ("Re: [ARA-42-ab12cd34e] too short", (), None),
    ("Re: [ARA-42-ab12cd34efg] too long", (), None),
    ("Re: XARA-42-ab12cd34ef", (), None),
    ("Re: [ARA-1234567890123-ab12cd34ef] id too long", (), None),
])
def test_ticket_token_from_subject_or_plus_address(subject, addresses, expected):
    assert ticket_token_from(subject, addresses) == expected
