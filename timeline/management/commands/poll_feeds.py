"""`manage.py poll_feeds [--all]`: poll due (or all) feeds now, in this process (the contract)."""

from __future__ import annotations

from collections import Counter

from django.core.management.base import BaseCommand

from timeline.polling import claim_due_feeds, poll_feed


class Command(BaseCommand):
    help = "Poll the feeds that are due (all of them with --all) now, in this process."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--all", action="store_true", help="poll every live feed, due or not")

    def handle(self, *args, **options) -> None:
        counts: Counter[str] = Counter()
        new = 0
        for feed_id in claim_due_feeds(every=options["all"], limit=10**9):
            outcome = poll_feed(feed_id)
            counts[outcome.status] += 1
            new += outcome.new
        summary = ", ".join(f"{n} {status}" for status, n in sorted(counts.items())) or "no feeds due"
        self.stdout.write(f"Polled {sum(counts.values())} feeds: {summary}; {new} new entries.")
