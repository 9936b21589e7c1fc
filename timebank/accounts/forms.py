from django import forms
from django.utils.translation import gettext_lazy as _

from timebank.common.forms import AccessibleForm


class ApiTokenForm(AccessibleForm):
    name = forms.CharField(
        label=_("Token name"),
        max_length=100,
        help_text=_("Say what will use it, for example: monthly report script."),
    )
