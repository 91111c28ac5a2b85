"""`manage.py rebuild_archive_months [--blog SUBDOMAIN]`: recount the archive's months from the posts."""

from django.core.management.base import BaseCommand, CommandError

from accounts.models import Blog
from posts.archive_months import rebuild


class Command(BaseCommand):
    help = (
        "Recount every blog's (or one blog's) listed posts by month, as the archive page shows them: "
        "after posts were written past the ORM (raw SQL, loaddata) or to check the counts."
    )

    def add_arguments(self, parser):
        parser.add_argument("--blog", metavar="SUBDOMAIN", help="only this blog")

    def handle(self, *args, blog=None, **options):
        blogs = Blog.objects.order_by("pk")
        if blog is not None:
            blogs = blogs.filter(subdomain__iexact=blog)
            if not blogs.exists():
                raise CommandError(f"no blog with the subdomain {blog!r}")
        done = 0
        for one in blogs:
            rebuild(one)
            done += 1
        self.stdout.write(f"Rebuilt the archive months of {done} blog{'s' if done != 1 else ''}.")
