"""The base class of every form: Flask-WTF with CSRF, plus the input rules that hold everywhere.

- Text and choice fields (not passwords) are stripped, so a value of only spaces counts as empty (``DataRequired``
  then says so).
- Only file fields receive uploaded files: a file part sent where text is expected never reaches the
  field (no ``TypeError`` and a 500); validation fails with "A file is not allowed here" on that field.
- Values arrive without NUL bytes already (``agency.web.AgencyRequest``).

Every form in the code base derives from ``Form`` (tests/foundations/test_input_edges.py checks it).
"""

from __future__ import annotations

from flask import has_request_context, request
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from werkzeug.datastructures import CombinedMultiDict, MultiDict
from wtforms import PasswordField, SelectField, StringField


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class Form(FlaskForm):
    """Flask-WTF's form with stripped text and files only for file fields."""

    class Meta(FlaskForm.Meta):
        def bind_field(self, form, unbound_field, options):
            field_class = unbound_field.field_class
            # Passwords keep their spaces: they are the user's secret, not display text.
            if (issubclass(field_class, StringField | SelectField)
                    and not issubclass(field_class, PasswordField)):
                options["filters"] = [_strip, *options.get("filters", ())]
            return super().bind_field(form, unbound_field, options)

        def wrap_formdata(self, form, formdata):
            wrapped = super().wrap_formdata(form, formdata)
            if isinstance(wrapped, CombinedMultiDict) and request.files:
                file_fields = {name for name, field in form._fields.items() if isinstance(field, FileField)}
                files = MultiDict([(k, v) for k, v in request.files.items(multi=True) if k in file_fields])
                return CombinedMultiDict((files, request.form)) if files else request.form
            return wrapped

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        stray = self._files_where_text_belongs()
        for field in stray:
            field.errors = [*list(field.errors or []), _l("A file is not allowed here; type the text instead.")]
        return valid and not stray

    def _files_where_text_belongs(self) -> list:
        if not has_request_context() or not request.files:
            return []
        return [field for name, field in self._fields.items()
                if name in request.files and not isinstance(field, FileField)]
