"""What every page form shares: accessible error wiring and turning a service's
ValidationError into messages next to the fields they name."""

from dataclasses import dataclass

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from timebank.common.languages import language_choices, language_name

# Widgets that render one input per option; the field's first input is the one to link to.
GROUPED_WIDGETS = (forms.CheckboxSelectMultiple, forms.RadioSelect)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%H:%M")


class AccessibleForm(forms.Form):
    """Points each input at its hint and its error message (aria-describedby) and
    marks it invalid (aria-invalid), so screen readers announce the rule that failed."""

    # Label optional fields "(optional)"; off for forms where every field is optional.
    mark_optional = True

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._describe()

    def _describe(self) -> None:
        for name, field in self.fields.items():
            bound = self[name]
            described_by = []
            if field.help_text:
                described_by.append(f"{bound.auto_id}-hint")
            if self.is_bound and self._errors is not None and name in self._errors:
                described_by.append(f"{bound.auto_id}-error")
                field.widget.attrs["aria-invalid"] = "true"
            if described_by and not isinstance(field.widget, GROUPED_WIDGETS):
                field.widget.attrs["aria-describedby"] = " ".join(described_by)

    def full_clean(self):
        super().full_clean()
        self._describe()

    def add_error(self, field, error):
        super().add_error(field, error)
        self._describe()


def apply_service_errors(form: forms.Form, exc: ValidationError, aliases: dict[str, str] | None = None) -> None:
    """Put a service's ValidationError on the form: each message next to the field it
    names (through `aliases` when the service and the form name it differently), and
    messages about anything the form has no field for at the top."""
    aliases = aliases or {}
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc.messages)
        return
    for key, messages in exc.message_dict.items():
        name = aliases.get(key, key)
        form.add_error(name if name in form.fields else None, messages)


@dataclass
class SummaryItem:
    target: str  # the id of the input to jump to; empty for errors about the whole form
    label: str
    message: str


def error_summary(*forms_to_summarise) -> list[SummaryItem]:
    """Every error of the given forms (and formsets), in field order, for the summary
    at the top of the page; each links to its input."""
    items: list[SummaryItem] = []
    for form in forms_to_summarise:
        if form is None:
            continue
        if isinstance(form, forms.BaseFormSet):
            items.extend(SummaryItem("", "", str(message)) for message in form.non_form_errors())
            for index, subform in enumerate(form.forms, start=1):
                for item in error_summary(subform):
                    if item.label:
                        item.label = _("Slot %(number)s, %(field)s") % {"number": index, "field": item.label}
                    items.append(item)
            continue
        if not form.is_bound:
            continue
        items.extend(SummaryItem("", "", str(message)) for message in form.non_field_errors())
        for name, field in form.fields.items():
            if name not in form.errors:
                continue
            bound = form[name]
            target = bound.auto_id
            if isinstance(field.widget, GROUPED_WIDGETS):
                target = f"{bound.auto_id}_0"
            target = getattr(form, "summary_targets", {}).get(name, target)
            items.extend(SummaryItem(target, str(bound.label), str(message)) for message in form.errors[name])
    return items


def language_label(code: str) -> str:
    """A language's name in the active language, where Django's catalogue knows it ('cy' -> 'gallois')."""
    return gettext(language_name(code))


def translated_language_choices() -> list[tuple[str, str]]:
    return sorted(((code, gettext(name)) for code, name in language_choices()), key=lambda choice: choice[1].lower())


def split_tags(text: str) -> list[str]:
    """'Gardening, DIY ,  ' -> ['Gardening', 'DIY']."""
    return [part.strip() for part in (text or "").replace(";", ",").split(",") if part.strip()]
