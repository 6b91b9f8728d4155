from django.core.exceptions import ValidationError


def clean_score(score, *, low: int, high: int) -> int:
    """An integer score within low..high, or a ValidationError that says so."""
    if isinstance(score, str):
        score = score.strip()
        if score.lstrip("-").isdigit():
            score = int(score)
    if isinstance(score, bool) or not isinstance(score, int) or not low <= score <= high:
        raise ValidationError({"score": f"Choose a score from {low} to {high}."})
    return score


def clean_comment(comment) -> str:
    comment = (comment or "").strip()
    if len(comment) > 5000:
        raise ValidationError({"comment": "Please keep the comment under 5,000 characters."})
    return comment
