"""Damaged mail for property tests: a real fixture with tokens inserted, bytes cut, noise added."""
from pathlib import Path

from hypothesis import strategies as st

FIXTURES = sorted((Path(__file__).parent / "fixtures").glob("*.eml"))
SEEDS = [path.read_bytes() for path in FIXTURES]
# What breaks parsers: encoded-word and parameter syntax, quoting, line ends, boundaries, NULs.
TOKENS = [b"=?", b"?=", b"=?utf-8?q?", b"=?x?b?", b"\\", b'"', b"<", b">", b"(", b")", b";", b"*0*=", b"''",
          b"\r\n", b"\n\n", b"--", b"boundary=", b"charset=", b":", b"\xff", b"\x00", b"@", b",", b"\x1b$B"]


@st.composite
def mutated_messages(draw, tokens=tuple(TOKENS)):
    data = bytearray(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(1, 12))):
        at = draw(st.integers(0, len(data)))
        action = draw(st.integers(0, 2))
        if action == 0:
            data[at:at] = draw(st.sampled_from(tokens))
        elif action == 1:
            del data[at:at + draw(st.integers(1, 40))]
        else:
            data[at:at] = draw(st.binary(max_size=8))
    return bytes(data)
