"""The person form renders fields and shows errors; the service does all validation."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from outbreakhq.core.errors import InvalidInput
from outbreakhq.core.models import Area, IdType, KeyGroup, Person, Sex


class PersonForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    sex = forms.ChoiceField(label=_("Sex"), choices=Sex.choices, initial=Sex.UNKNOWN)
    birth_date = forms.DateField(label=_("Date of birth"), required=False,
                                 widget=forms.DateInput(attrs={"type": "date"}))
    id_type = forms.ChoiceField(label=_("Identity document"), choices=IdType.choices,
                                initial=IdType.CN_RESIDENT)
    id_number = forms.CharField(label=_("Document number"), required=False,
                                widget=forms.TextInput(attrs={"autocomplete": "off",
                                                              "spellcheck": "false"}))
    phone = forms.CharField(label=_("Phone"), required=False,
                            widget=forms.TextInput(attrs={"type": "tel"}))
    home_area = forms.CharField(label=_("Home area code"),
                                help_text=_("The code of the compound or community the person "
                                            "lives in, e.g. 990101001001001."))
    address = forms.CharField(label=_("Address"), required=False)
    key_groups = forms.MultipleChoiceField(label=_("Key groups"), required=False,
                                           widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["key_groups"].choices = [(g.code, g.name_en) for g in KeyGroup.objects.all()]

    @classmethod
    def for_person(cls, person: Person | None, *, default_area: Area | None) -> PersonForm:
        if person is None:
            return cls(initial={"home_area": default_area.code if default_area else ""})
        return cls(initial={
            "name": person.name, "sex": person.sex, "birth_date": person.birth_date,
            "id_type": person.id_type, "id_number": person.id_number, "phone": person.phone,
            "home_area": person.home_area.code, "address": person.address,
            "key_groups": [g.code for g in person.key_groups.all()],
        })

    def show_errors(self, exc: InvalidInput) -> None:
        """Attach the service's field errors to the bound form (no second validation)."""
        self.is_valid()
        self._errors = forms.utils.ErrorDict()
        for error in exc.errors:
            field = error.field if error.field in self.fields else None
            self.add_error(field, str(error.message))
        if not exc.errors:
            self.add_error(None, str(exc.message))
