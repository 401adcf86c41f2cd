"""Dutch for text the libraries show in the admin but their own Dutch catalogues lack.

Django's admin (the headings of the index's model tables, read by screen readers),
django-simple-history (the history pages) and django-axes (the sign-in logs) leave
these in English. Listed here so `makemessages` puts them in our catalogue
(locale/nl), which Django consults before the libraries' own; nothing calls this module.
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
)
PLURAL_MESSAGES = (
    # django-simple-history: the count under the history list
    ngettext_lazy("entry", "entries"),
)
