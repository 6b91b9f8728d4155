"""email_intake.batches: messages cut into batches by count and by bytes, read lazily."""
from email_intake.batches import batches


def sizes(groups):
    return [[len(raw) for _, raw in group] for group in groups]


def test_a_batch_holds_at_most_the_given_number_of_messages():
    messages = [(n, b"x") for n in range(7)]
    assert [[key for key, _ in group] for group in batches(messages, max_messages=3)] == [[0, 1, 2], [3, 4, 5], [6]]


def test_a_batch_holds_at_most_the_given_bytes():
    messages = [(n, b"x" * 40) for n in range(5)]
    assert sizes(batches(messages, max_messages=10, max_bytes=100)) == [[40, 40], [40, 40], [40]]


def test_a_message_larger_than_the_byte_limit_is_a_batch_of_its_own():
    messages = [(0, b"x" * 10), (1, b"x" * 500), (2, b"x" * 10)]
    assert sizes(batches(messages, max_messages=10, max_bytes=100)) == [[10], [500], [10]]


def test_nothing_in_gives_no_batch():
    assert list(batches([])) == []


def test_messages_are_read_only_as_batches_are_needed():
    read = []

    def source():
        for n in range(10):
            read.append(n)
            yield n, b"x"

    first = next(batches(source(), max_messages=4))
    assert [key for key, _ in first] == [0, 1, 2, 3] and read == [0, 1, 2, 3, 4]  # one batch and one message
