"""Large bodies are read by reference and decoded a chunk at a time (parsing/spans.py,
parsing/decode.py): the result must be what the stdlib parser gives, byte for byte, without the
message ever being held twice. No database: the parser is pure."""
import base64
import binascii
import email
import os
import quopri
import random
import time
import tracemalloc
from contextlib import contextmanager
from email.message import EmailMessage

import pytest
from hypothesis import HealthCheck, given, settings

from email_intake.parsing import limits, parse_email
from email_intake.parsing.decode import base64_size, decoded

from .mutations import FIXTURES, TOKENS, mutated_messages

MB = 1024 * 1024


@contextmanager
def span_min_bytes(value: int):
    saved = limits.SPAN_MIN_BYTES
    limits.SPAN_MIN_BYTES = value
    try:
        yield
    finally:
        limits.SPAN_MIN_BYTES = saved


def summary(raw: bytes, **kwargs):
    """Everything parse_email reads out of a message, attachment bytes included."""
    try:
        parsed = parse_email(raw, **kwargs)
    except Exception as exc:  # noqa: BLE001 - compared, not hidden
        return type(exc).__name__
    with parsed:
        read = {name: getattr(parsed, name) for name in (
            "message_id", "from_address", "to", "subject", "date", "text", "html", "reply_text", "auto_reason",
            "fields", "skipped_attachments")}
        read["attachments"] = [(a.filename, a.content_type, a.size, a.data) for a in parsed.attachments]
        return read


def both_ways(raw: bytes, **kwargs):
    """(every body through the stdlib parser, every body by reference)."""
    with span_min_bytes(len(raw) + 1):
        stdlib = summary(raw, **kwargs)
    with span_min_bytes(1):
        by_reference = summary(raw, **kwargs)
    return stdlib, by_reference


def mail_with(payload: bytes, *, maintype="application", subtype="octet-stream", cte=None, filename="dump.bin",
              text="See the attached file.") -> bytes:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = "dana@initech.example", "support@aragora.ai", "[P3] Dump"
    message["Message-ID"] = "<dump-1@initech.example>"
    message.set_content(text)
    message.add_attachment(payload, maintype=maintype, subtype=subtype, filename=filename,
                           **({"cte": cte} if cte else {}))
    return bytes(message)


def stdlib_attachment(raw: bytes) -> bytes:
    (part,) = [part for part in email.message_from_bytes(raw).walk() if part.get_filename()]
    return part.get_payload(decode=True)


# --- large attachments ------------------------------------------------------------------------------

def test_a_5_mb_base64_attachment_is_byte_identical_and_never_held_whole():
    payload = os.urandom(5 * MB)
    raw = mail_with(payload)
    tracemalloc.start()
    try:
        parsed = parse_email(raw, max_attachment_bytes=25 * MB)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    with parsed:
        (attachment,) = parsed.attachments
        assert attachment.size == len(payload) and attachment.data == payload
        assert parsed.text == "See the attached file."
    # The stdlib parser alone holds ~3 copies; decoded a chunk at a time it is a fraction of one.
    assert peak < len(raw) / 2, f"peak {peak / MB:.1f} MB for a {len(raw) / MB:.1f} MB message"


def test_a_large_quoted_printable_attachment_is_byte_identical():
    rng = random.Random(4)
    lines = ["".join(rng.choice("aé=ü \t.-xyz0") for _ in range(rng.randint(0, 120))) for _ in range(40000)]
    payload = "\r\n".join(lines).encode("utf-8")
    raw = mail_with(payload, maintype="text", subtype="plain", cte="quoted-printable", filename="trace.txt")
    assert len(raw) > limits.SPAN_MIN_BYTES
    with parse_email(raw) as parsed:
        assert parsed.attachments[0].data == stdlib_attachment(raw) == payload


def test_a_base64_body_cut_short_keeps_every_byte_that_decodes():
    payload = os.urandom(300_000)
    encoded = base64.encodebytes(payload)
    for cut in (len(encoded) // 2, len(encoded) // 2 + 1, len(encoded) // 2 + 2, len(encoded) // 2 + 3):
        head = encoded[:cut]
        raw = (b"From: a@b.example\nSubject: cut\nContent-Type: multipart/mixed; boundary=b\n\n"
               b"--b\nContent-Type: text/plain\n\nsee attached\n"
               b"--b\nContent-Type: application/octet-stream\nContent-Transfer-Encoding: base64\n"
               b"Content-Disposition: attachment; filename=cut.bin\n\n" + head)  # no closing boundary
        characters = len(head.replace(b"\n", b""))
        whole = characters // 4 * 3 + max(0, characters % 4 - 1)  # a lone last character is no byte
        with parse_email(raw) as parsed:
            assert parsed.text == "see attached"
            assert parsed.attachments[0].data == payload[:whole]


@pytest.mark.parametrize("cte", ["base64", "quoted-printable"])
def test_an_attachment_over_the_limit_is_skipped_with_its_size_and_the_text_kept(cte):
    payload = b"0123456789abcdef" * (3 * MB // 16) if cte == "quoted-printable" else os.urandom(3 * MB)
    maintype, subtype = ("text", "plain") if cte == "quoted-printable" else ("application", "octet-stream")
    raw = mail_with(payload, maintype=maintype, subtype=subtype, cte=cte)
    with parse_email(raw, max_attachment_bytes=2 * MB) as parsed:
        assert parsed.attachments == ()
        assert parsed.skipped_attachments == (("dump.bin", len(payload)),)
        assert parsed.text == "See the attached file."


def test_a_forwarded_message_keeps_its_large_attachment():
    inner = EmailMessage()
    inner["From"], inner["Subject"] = "dev@fwdcorp.example", "Heap dump"
    inner.set_content("Dump attached.")
    payload = os.urandom(200_000)
    inner.add_attachment(payload, maintype="application", subtype="octet-stream", filename="heap.bin")
    outer = EmailMessage()
    outer["From"], outer["Subject"] = "lead@fwdcorp.example", "Fwd: Heap dump"
    outer.set_content("Forwarding.")
    outer.add_attachment(inner)
    stdlib, by_reference = both_ways(bytes(outer))
    assert stdlib == by_reference
    assert by_reference["attachments"] == [("heap.bin", "application/octet-stream", len(payload), payload)]


# --- the skeleton reads the same message the stdlib parser reads ------------------------------------

@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.stem)
def test_every_fixture_reads_the_same_with_its_bodies_by_reference(path):
    raw = path.read_bytes()
    stdlib, by_reference = both_ways(raw, max_attachment_bytes=60)
    assert stdlib == by_reference


def test_a_marker_written_by_the_sender_is_text():
    # The signature line ends the cut, so the sender's "marker" shares a payload with ours.
    body = b"x" * 40_000 + b"\n-- \nARAGORA-SPAN-0123456789abcdef-0 is what I typed\n"
    raw = b"From: a@b.example\nContent-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain\n\n" + \
        body + b"--b--\n"
    stdlib, by_reference = both_ways(raw)
    assert stdlib == by_reference
    assert by_reference["text"].endswith("-- \nARAGORA-SPAN-0123456789abcdef-0 is what I typed")


@pytest.mark.parametrize("newline", [b"\n", b"\r\n", b"\r"], ids=["lf", "crlf", "cr"])
def test_signature_lines_and_line_endings_in_a_large_text_body(newline):
    lines = [b"Hello,", b"", b"the log follows", *[b"line %d of the log" % i for i in range(3000)], b"-- ",
             b"Dana", b"--not a boundary", b""]
    raw = newline.join([b"From: a@b.example", b"Content-Type: multipart/mixed; boundary=zz", b"",
                        b"--zz", b"Content-Type: text/plain", b"", *lines, b"--zz--", b""])
    stdlib, by_reference = both_ways(raw)
    assert stdlib == by_reference and "line 2999 of the log" in by_reference["text"]


def test_a_digest_of_messages_reads_the_same():
    parts = [b"--d\n\nFrom: x%d@b.example\nContent-Type: multipart/mixed; boundary=i%d\n\n--i%d\n"
             b"Content-Type: text/plain\n\nhello %d\n--i%d\nContent-Type: application/octet-stream\n"
             b"Content-Transfer-Encoding: base64\nContent-Disposition: attachment; filename=f%d.bin\n\n%s--i%d--\n"
             % (n, n, n, n, n, n, base64.encodebytes(os.urandom(30_000)), n) for n in range(3)]
    raw = b"From: a@b.example\nContent-Type: multipart/digest; boundary=d\n\n" + b"".join(parts) + b"--d--\n"
    stdlib, by_reference = both_ways(raw)
    assert stdlib == by_reference and len(by_reference["attachments"]) == 3


# Tokens that move the skeleton's cuts: line ends, dash lines, boundaries, types, padding.
SKELETON_TOKENS = (*TOKENS, b"\r", b"\n--", b"Content-Type: message/rfc822\n", b"=",
                   b"Content-Transfer-Encoding: base64\n")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_messages(SKELETON_TOKENS))
def test_damaged_messages_read_the_same_with_their_bodies_by_reference(raw):
    stdlib, by_reference = both_ways(raw, max_attachment_bytes=60)
    assert stdlib == by_reference


# --- decoders --------------------------------------------------------------------------------------

def stdlib_decoded(encoded: bytes, cte: str) -> bytes:
    part = email.message_from_bytes(b"Content-Transfer-Encoding: " + cte.encode() + b"\n\n" + encoded)
    return part.get_payload(decode=True)


def chunked(data: bytes, size: int) -> list[bytes]:
    return [data[at:at + size] for at in range(0, len(data), size)] or [b""]


BASE64_SAMPLES = {
    "valid": base64.encodebytes(bytes(range(256)) * 3),
    "unpadded": base64.b64encode(b"hello world!!").rstrip(b"="),
    "junk between lines": b"aGVs bG8g\r\nd29y*bGQh\n",
    "two padded blocks": base64.b64encode(b"first") + b"\n" + base64.b64encode(b"second"),
    "stray = early": b"=aGVsbG8=\n",
}


@pytest.mark.parametrize("size", [1, 2, 3, 4, 5, 7, 64])
@pytest.mark.parametrize("name", BASE64_SAMPLES)
def test_base64_in_any_chunks_decodes_as_the_stdlib_does(name, size):
    encoded = BASE64_SAMPLES[name]
    assert b"".join(decoded(chunked(encoded, size), "base64")) == stdlib_decoded(encoded, "base64")


def test_base64_with_a_lone_last_character_drops_it_instead_of_giving_the_text():
    assert b"".join(decoded([b"aGVsbG8h", b"Q"], "base64")) == b"hello!"
    assert base64_size([b"aGVsbG8h", b"Q"]) == 6


def test_base64_size_is_counted_without_decoding():
    for payload in (b"", b"a", b"ab", b"abc", os.urandom(1000)):
        assert base64_size(chunked(base64.encodebytes(payload), 7)) == len(payload)


@pytest.mark.parametrize("size", [1, 3, 10, 1000])
def test_quoted_printable_in_any_chunks_decodes_as_the_stdlib_does(size):
    encoded = quopri.encodestring("Grüße = ünd\ttabs \nsoft break ".encode() * 50 + b"=\nend=41=4", quotetabs=False)
    assert b"".join(decoded(chunked(encoded, size), "quoted-printable")) == stdlib_decoded(encoded,
                                                                                          "quoted-printable")


def test_a_quoted_printable_line_without_end_is_decoded_in_bounded_pieces():
    rng = random.Random(7)
    encoded = bytes(rng.choice(b"ab =41\t.=3D") for _ in range(300_000))  # one 300 kB line
    assert b"".join(decoded(chunked(encoded, 4096), "quoted-printable")) == binascii.a2b_qp(encoded)


@pytest.mark.parametrize("cte", ["7bit", "8bit", "binary", "x-unknown", ""])
def test_identity_encodings_pass_bytes_through(cte):
    assert b"".join(decoded([b"a\x00b", b"\xffc"], cte)) == b"a\x00b\xffc"


def test_uuencoded_bodies_decode_as_the_stdlib_does():
    encoded = b"begin 644 x.bin\n" + binascii.b2a_uu(b"hello uuencode") + b"`\nend\n"
    assert b"".join(decoded(chunked(encoded, 5), "x-uuencode")) == stdlib_decoded(encoded, "x-uuencode")


def test_a_body_of_stray_padding_decodes_in_linear_time():
    encoded = b"=QUJD" * 1_000_000  # every "=" starts a quantum: a stray, skipped (so does the stdlib)
    started = time.process_time()  # CPU time: the bound is about the work, not about a busy machine
    assert b"".join(decoded(chunked(encoded, 256 * 1024), "base64")) == b"ABC" * 1_000_000
    assert time.process_time() - started < 1.0
