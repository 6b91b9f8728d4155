from django import forms

from .models import ServiceOffering


class EngagementRequestForm(forms.Form):
    offering = forms.ModelChoiceField(queryset=ServiceOffering.objects.filter(is_active=True), label="Service",
                                      empty_label=None)
    summary = forms.CharField(max_length=200, label="Title", help_text="A short name for the engagement.")
    details = forms.CharField(widget=forms.Textarea(attrs={"rows": 6}), label="What do you need?",
                              help_text="Goals, systems involved, deadlines: what we need to scope and price it.")


class ProposalAnswerForm(forms.Form):
    decision = forms.ChoiceField(choices=[("accepted", "Accept"), ("declined", "Decline")])
    note = forms.CharField(required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}),
                           label="Note for your account manager")
