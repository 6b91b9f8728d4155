"""Limits of the parser: a hostile message must not cost more than a normal one by much."""


# ---------------------------------------------------------------------------------------------
# Limits. A hostile message must not cost more than a normal one by orders of magnitude.

MAX_DEPTH = 24  # MIME nesting walked; deeper parts are ignored (real mail rarely passes 6)
MAX_PARTS = 500  # MIME parts walked per message
MAX_FILENAME_BYTES = 200  # UTF-8 bytes of a sanitised attachment name
# policy.default's address parser is quadratic in the header's length (2.7 s for 170 KB); a
# longer address header goes to email.utils.getaddresses, which is linear. 8 KB is ~400 recipients.
MAX_STRUCTURED_HEADER = 8192
# html5ever (inside nh3) is quadratic in the nesting depth of block containers; deeper HTML has
# its containers flattened first. Long real threads of nested blockquotes stay in the hundreds.
MAX_HTML_NESTING = 1000
# A leaf body at least this long is not handed to the stdlib parser: it keeps one line object per
# line (~3× the body in memory, and most of the parse time of a message with an attachment). It
# is read by byte offsets into the raw message instead (spans.py). Smaller bodies take the
# stdlib's own path; the parsed result is the same either way (tests run every fixture both ways).
SPAN_MIN_BYTES = 16 * 1024
# Decoded attachments stay in memory up to this size, then spill to an anonymous temporary file.
SPOOL_MAX_MEMORY = 1024 * 1024
# Bytes of encoded body decoded at a time: bounds the memory a large attachment costs.
DECODE_CHUNK = 256 * 1024
