"""Dutch for text the libraries show but their own Dutch catalogues lack.

Django's admin (the headings of the index's model tables, read by screen readers),
django-simple-history (the history pages) and django-axes (the sign-in logs) leave
these in English, Django REST framework some of the API's validation errors. Listed
here so `makemessages` puts them in our catalogue (locale/nl), which Django consults
before the libraries' own; nothing calls this module.
"""

from django.utils.translation import gettext_noop, ngettext_lazy

MESSAGES = (
    # django.contrib.admin: admin/app_list.html
    gettext_noop("Model name"),
    gettext_noop("Add link"),
    gettext_noop("Change or view list link"),
    # django-simple-history: admin.py and simple_history/*.html
    gettext_noop("View history: %s"),
    gettext_noop("View %s"),
    gettext_noop("Revert %s"),
    gettext_noop('The %(name)s "%(obj)s" was changed successfully.'),
    gettext_noop("You may edit it again below"),
    gettext_noop(
        "Choose a date from the list below to revert to a previous version of this "
        "object."
    ),
    gettext_noop("This object doesn't have a change history."),
    gettext_noop("View %(verbose_name)s"),
    gettext_noop("Revert %(verbose_name)s"),
    gettext_noop(
        "Press the 'Revert' button below to revert to this version of the object."
    ),
    gettext_noop("Press the 'Change History' button below to edit the history."),
    gettext_noop("Revert"),
    gettext_noop("Change History"),
    gettext_noop("Object"),
    gettext_noop("Comment"),
    gettext_noop("Changed by"),
    gettext_noop("Change reason"),
    gettext_noop("Changes"),
    # django-axes: the beheerder's sign-in logs
    gettext_noop("access attempt"),
    gettext_noop("access attempts"),
    gettext_noop("access failure"),
    gettext_noop("access failures"),
    gettext_noop("access log"),
    gettext_noop("access logs"),
    # Django REST framework: validation errors of the API that its Dutch catalogue
    # leaves in English or half English ("Date heeft het verkeerde formaat").
    # The Dutch names the format itself ("JJJJ-MM-DD"): {format} is DRF's English
    # "YYYY-MM-DD", so the translation leaves it out.
    # xgettext:no-python-brace-format
    gettext_noop("Date has wrong format. Use one of these formats instead: {format}."),
    gettext_noop(
        # xgettext:no-python-brace-format
        "Datetime has wrong format. Use one of these formats instead: {format}."
    ),
    # xgettext:no-python-brace-format
    gettext_noop("Time has wrong format. Use one of these formats instead: {format}."),
    gettext_noop(
        # xgettext:no-python-brace-format
        "Duration has wrong format. Use one of these formats instead: {format}."
    ),
    gettext_noop("Expected a date but got a datetime."),
    gettext_noop("Expected a datetime but got a date."),
    gettext_noop("Datetime value out of range."),
    gettext_noop('Invalid datetime for the timezone "{timezone}".'),
    gettext_noop('Invalid pk "{pk_value}" - object does not exist.'),
    gettext_noop("Incorrect type. Expected pk value, received {data_type}."),
    gettext_noop('Expected a list of items but got type "{input_type}".'),
    gettext_noop('Expected a dictionary of items but got type "{input_type}".'),
    gettext_noop("Invalid data. Expected a dictionary, but got {datatype}."),
    gettext_noop("Object with {slug_name}={value} does not exist."),
    gettext_noop("A valid number is required."),
    gettext_noop("A valid biginteger is required."),
    gettext_noop("Must be a valid boolean."),
    gettext_noop("Not a valid string."),
    gettext_noop("Ensure this field has at least {min_length} elements."),
    gettext_noop("Ensure this field has no more than {max_length} elements."),
    gettext_noop("This dictionary may not be empty."),
    gettext_noop("Integer value too large to convert to float"),
)
PLURAL_MESSAGES = (
    # django-simple-history: the count under the history list
    ngettext_lazy("entry", "entries"),
)
