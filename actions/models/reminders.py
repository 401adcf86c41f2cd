import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


def new_feed_token() -> str:
    return secrets.token_urlsafe(24)


class ReminderSettings(models.Model):
    """How often a user wants reminder mail, and the secret of their agenda (iCal) feed."""

    class Frequency(models.TextChoices):
        DAILY = "daily", _("daily digest")
        WEEKLY = "weekly", _("weekly digest (Mondays)")
        NEVER = "never", _("no reminders")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        related_name="reminder_settings",
        on_delete=models.CASCADE,
    )
    frequency = models.CharField(
        _("reminder frequency"),
        max_length=10,
        choices=Frequency.choices,
        default=Frequency.DAILY,
    )
    feed_token = models.CharField(
        _("agenda feed secret"), max_length=64, unique=True, default=new_feed_token
    )

    class Meta:
        verbose_name = _("reminder settings")
        verbose_name_plural = _("reminder settings")

    def __str__(self):
        return f"{self.user}: {self.get_frequency_display()}"


class ReminderMail(models.Model):
    """One digest mail to one user on one day: the row that makes sending idempotent."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        related_name="reminder_mails",
        on_delete=models.CASCADE,
    )
    date = models.DateField(_("date"))
    sent_at = models.DateTimeField(_("sent at"), auto_now_add=True)

    class Meta:
        verbose_name = _("reminder mail")
        verbose_name_plural = _("reminder mails")
        ordering = ["-date", "user"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "date"],
                name="remindermail_one_per_user_per_day",
                violation_error_message=_(
                    "This user already got a reminder mail that day."
                ),
            ),
        ]

    def __str__(self):
        return f"{self.user} {self.date:%Y-%m-%d}"


class ReminderItem(models.Model):
    """One action in a digest, with the reason it was mentioned."""

    class Reason(models.TextChoices):
        PREPARATION = "preparation", _("on the agenda of a coming meeting")
        DUE_14 = "due_14", _("due in 14 days")
        DUE_7 = "due_7", _("due in 7 days")
        DUE_1 = "due_1", _("due tomorrow")
        OVERDUE = "overdue", _("overdue")
        STALE = "stale", _("not updated for a long time")
        ESCALATION = "escalation", _("overdue without reaction from the owner")

    mail = models.ForeignKey(
        ReminderMail,
        verbose_name=_("mail"),
        related_name="items",
        on_delete=models.CASCADE,
    )
    action = models.ForeignKey(
        "actions.Action",
        verbose_name=_("action"),
        related_name="reminder_items",
        on_delete=models.CASCADE,
    )
    reason = models.CharField(_("reason"), max_length=20, choices=Reason.choices)
    meeting = models.ForeignKey(
        "actions.Meeting",
        verbose_name=_("meeting"),
        related_name="reminder_items",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
    )

    class Meta:
        verbose_name = _("reminder item")
        verbose_name_plural = _("reminder items")
        constraints = [
            models.UniqueConstraint(
                fields=["mail", "action", "reason"], name="reminderitem_once_per_mail"
            ),
        ]

    def __str__(self):
        return f"{self.action} ({self.get_reason_display()})"


class ProgressRound(models.Model):
    """A request to the owners of a meeting's agenda items to report progress in time."""

    meeting = models.OneToOneField(
        "actions.Meeting",
        verbose_name=_("meeting"),
        related_name="progress_round",
        on_delete=models.CASCADE,
    )
    opened_at = models.DateTimeField(_("opened at"), auto_now_add=True)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("opened by"),
        related_name="+",
        on_delete=models.SET_NULL,
        null=True,
    )
    deadline = models.DateField(_("update before"))

    class Meta:
        verbose_name = _("progress round")
        verbose_name_plural = _("progress rounds")

    def __str__(self):
        return f"{self.meeting}: {self.deadline:%Y-%m-%d}"
