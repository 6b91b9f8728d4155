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
