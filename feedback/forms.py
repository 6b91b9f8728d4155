from django import forms

from .models import FeatureRequest


class RatingForm(forms.Form):
    score = forms.TypedChoiceField(
        label="Your rating", coerce=int, widget=forms.RadioSelect,
        choices=[(5, "5 · Very good"), (4, "4 · Good"), (3, "3 · OK"), (2, "2 · Poor"), (1, "1 · Very poor")],
        error_messages={"invalid_choice": "Choose a score from 1 to 5.", "required": "Choose a score from 1 to 5."})
    comment = forms.CharField(label="Anything you would like to tell us? (optional)", required=False,
                              max_length=5000, widget=forms.Textarea(attrs={"rows": 4}))


class NpsForm(forms.Form):
    score = forms.TypedChoiceField(
        label="How likely are you to recommend Aragora to a friend or colleague?", coerce=int,
        widget=forms.RadioSelect, choices=[(n, str(n)) for n in range(11)],
        error_messages={"invalid_choice": "Choose a score from 0 to 10.", "required": "Choose a score from 0 to 10."})
    comment = forms.CharField(label="What is the main reason for your score? (optional)", required=False,
                              max_length=5000, widget=forms.Textarea(attrs={"rows": 4}))


class FeatureRequestForm(forms.ModelForm):
    class Meta:
        model = FeatureRequest
        fields = ["title", "description"]
        labels = {"title": "What would you like Aragora to do?", "description": "Why it matters to you"}
        widgets = {"description": forms.Textarea(attrs={"rows": 5})}
        help_texts = {"description": "The problem it solves, who needs it, how you work around it today."}
