from django import forms
from django.forms.boundfield import BoundField
from django.forms.renderers import TemplatesSetting


def form_errors_id(form):
    """Id of the block that holds a form's own (non-field) errors; unique per
    form on a page thanks to the form's prefix ("form-errors", "account-form-errors")."""
    return form.add_prefix("form-errors")


def error_summary_id(form):
    """Id of the error summary a form shows above its fields when it has errors."""
    return form.add_prefix("error-summary")


class AccessibleBoundField(BoundField):
    """Django already marks a field in error with aria-invalid and describes it
    by its own error list. A form may also name, in `fields_described_by_form_errors`,
    the fields its non-field errors are about (the login's "wrong e-mail or
    password"): those fields are then invalid and described by that error too."""

    def _described_by_form_errors(self):
        return (
            self.name in getattr(self.form, "fields_described_by_form_errors", ())
            and self.form.is_bound and bool(self.form.non_field_errors())
        )

    @property
    def aria_describedby(self):
        describedby = super().aria_describedby
        if self._described_by_form_errors():
            describedby = " ".join(filter(None, [describedby, form_errors_id(self.form)]))
        return describedby

    def build_widget_attrs(self, attrs, widget=None):
        attrs = super().build_widget_attrs(attrs, widget)
        if self._described_by_form_errors():
            attrs["aria-invalid"] = "true"
        return attrs


class FormRenderer(TemplatesSetting):
    form_template_name = "includes/form.html"
    field_template_name = "includes/field.html"
    bound_field_class = AccessibleBoundField


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input (Django's documented recipe)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single_clean = super().clean
        if isinstance(data, list | tuple) and data:
            return [single_clean(item, initial) for item in data]
        cleaned = single_clean(data, initial)  # says "required" when nothing came
        return [cleaned] if cleaned else []
