"""The owner's moderation: blocked domains, holding first-time senders, trusted sources, approving
and deleting. By default verified mentions show at once (webmention.md §5, R39)."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Q, QuerySet

from accounts.models import Blog
from accounts.selectors import blog_for_host
from posts.models import Post
from webmention.local import served_at
from webmention.models import BlockedDomain, Preferences, Received, host_of


def parent_domains(host: str) -> list[str]:
    """spam.example.com → [spam.example.com, example.com, com]: blocking a domain blocks its subdomains."""
    labels = host.split(".")
    return [".".join(labels[i:]) for i in range(len(labels))]


def blocks_of(blog: Blog, host: str) -> QuerySet[BlockedDomain]:
    """The owner's blocks that cover host: itself or a parent domain (receipt folds it into a query)."""
    return BlockedDomain.objects.filter(blog=blog, domain__in=parent_domains(host))


def is_blocked(blog: Blog, host: str) -> bool:
    return blocks_of(blog, host).exists()


def preferences_for(blog: Blog) -> Preferences:
    """The blog's preferences (loaded already when the blog came with select_related); made on first use."""
    try:
        return blog.webmention_preferences
    except Preferences.DoesNotExist:
        return Preferences.objects.get_or_create(blog=blog)[0]


def is_trusted_source(blog: Blog, source_url: str) -> bool:
    """Sources the owner vouches for by their own actions: the blog itself, hosts the owner has
    replied to (their posts' in-reply-to), and sites the owner follows (timeline follows)."""
    host = host_of(source_url)
    if not host or served_at(blog, source_url):
        return True
    return _replied_to(blog, host) or _follows_host(blog, host)


def _on_host(field: str, host: str) -> Q:
    """URLs in `field` on this host, with or without a port."""
    found = Q()
    for scheme in ("http", "https"):
        found |= Q(**{f"{field}__istartswith": f"{scheme}://{host}/"})
        found |= Q(**{f"{field}__istartswith": f"{scheme}://{host}:"})
    return found


def _replied_to(blog: Blog, host: str) -> bool:
    return Post.objects.for_blog(blog).live().filter(_on_host("in_reply_to", host)).exists()


def _follows_host(blog: Blog, host: str) -> bool:
    """The owner follows a feed on this host, or the platform blog served at it."""
    from timeline.models import Follow

    followed = (
        _on_host("feed__site_url", host) | _on_host("feed__url", host) | _on_host("feed__final_url", host)
    )
    local = blog_for_host(host)
    if local is not None:
        followed |= Q(blog=local[0])
    return Follow.objects.filter(user_id=blog.user_id).filter(followed).exists()


def is_known_sender(blog: Blog, host: str) -> bool:
    """A host with a mention already shown on this blog (approved once, trusted after)."""
    return Received.objects.filter(blog=blog, source_host=host, approved=True).exists()


def needs_approval(received: Received) -> bool:
    """Hold a verified mention only when the owner asked for it and the sender is new and untrusted."""
    if received.approved:
        return False  # an update of a mention already shown
    if not preferences_for(received.blog).hold_first_time_senders:
        return False
    if is_known_sender(received.blog, received.source_host):
        return False
    return not is_trusted_source(received.blog, received.source)


def approve(*, received: Received) -> Received:
    with transaction.atomic():
        received.state, received.approved = Received.State.ACCEPTED, True
        received.save(update_fields=["state", "approved"])
        received.blog.touch_responses()
    return received


def delete_mention(*, received: Received) -> None:
    """The owner removes a mention; a later re-send from the source is treated as new."""
    with transaction.atomic():
        received.delete()
        received.blog.touch_responses()


def block_domain(*, blog: Blog, domain: str) -> BlockedDomain:
    """Refuse future mentions from domain (and its subdomains) and hide the ones already here."""
    domain = domain.strip().lower().rstrip(".")
    with transaction.atomic():
        blocked, _ = BlockedDomain.objects.get_or_create(blog=blog, domain=domain)
        hosts = Q(source_host=domain) | Q(source_host__endswith=f".{domain}")
        Received.objects.filter(hosts, blog=blog).delete()
        blog.touch_responses()
    return blocked


def unblock_domain(*, blog: Blog, domain_id: int) -> bool:
    return BlockedDomain.objects.filter(blog=blog, pk=domain_id).delete()[0] > 0
