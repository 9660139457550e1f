"""Each platform's credentials counted by health, and its oldest overdue refresh; a failure when refreshes
are overdue beyond a threshold (for monitoring)."""

import math
from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from credentials.health import count_by_health
from credentials.models import Health
from credentials.mongo import connected_database
from credentials.platforms import REGISTRY


def minutes(text):
    value = float(text)
    if not math.isfinite(value) or value < 0:
        raise ValueError(text)
    return value


def lateness(delta):
    """A short "how late": 47 min, 2 h 5 min, 3 d 4 h."""
    total = int(delta.total_seconds() // 60)
    days, hours, mins = total // 1440, total // 60 % 24, total % 60
    if days:
        return f"{days} d {hours} h"
    return f"{hours} h {mins} min" if hours else f"{mins} min"


class Command(BaseCommand):
    help = (
        "Print, per platform, the credentials counted by health and the oldest overdue refresh; "
        "exit 1 when a refresh is overdue beyond --threshold-minutes."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--overdue-minutes", type=minutes, default=15.0, help="a refresh this late is overdue (default 15)"
        )
        parser.add_argument(
            "--threshold-minutes",
            type=minutes,
            default=60.0,
            help="fail when a refresh is overdue by more than this (default 60)",
        )

    def handle(self, *args, overdue_minutes, threshold_minutes, **options):
        connected_database()  # a database that does not answer fails here, in one line
        now = timezone.now()
        overdue_since = now - timedelta(minutes=overdue_minutes)
        too_late_since = now - timedelta(minutes=threshold_minutes)
        rows, too_late, oldest_too_late = [], 0, None  # (platform, when it was due)
        for platform in REGISTRY.values():
            credentials = platform.model._default_manager
            counts = count_by_health(credentials.all(), platform, now)
            first_due = (
                credentials.filter(next_refresh_at__isnull=False)
                .order_by("next_refresh_at")
                .values_list("next_refresh_at", flat=True)
                .first()
            )
            if first_due is not None and first_due <= too_late_since:
                too_late += credentials.filter(next_refresh_at__lte=too_late_since).count()
                if oldest_too_late is None or first_due < oldest_too_late[1]:
                    oldest_too_late = (platform.label, first_due)
            overdue = first_due is not None and first_due <= overdue_since
            shown = f"{first_due:%Y-%m-%d %H:%M} UTC ({lateness(now - first_due)} late)" if overdue else "-"
            rows.append([platform.label, counts["total"], *(counts[health.value] for health in Health), shown])
        header = ["platform", "total", *(health.label.lower() for health in Health), "oldest overdue refresh"]
        self.stdout.write(table(header, rows))
        if too_late:
            label, since = oldest_too_late
            raise CommandError(
                f"{too_late} refresh(es) overdue by more than {threshold_minutes:g} minutes; the oldest ({label}) "
                f"is {lateness(now - since)} late: is a refresh_tokens worker running?"
            )


def table(header, rows):
    """Plain text in aligned columns: the first and last to the left, the counts to the right."""
    lines = [header, *([str(cell) for cell in row] for row in rows)]
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    last = len(header) - 1

    def aligned(line):
        cells = [cell.ljust(widths[i]) if i in (0, last) else cell.rjust(widths[i]) for i, cell in enumerate(line)]
        return "  ".join(cells).rstrip()

    return "\n".join(aligned(line) for line in lines)
