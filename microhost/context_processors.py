from django.conf import settings


def platform(request):
    """The platform's own base URL, for links from blog pages back to the platform."""
    from accounts.urls_util import platform_url

    return {"platform_url": platform_url(""), "MICROHOST_DOMAIN": settings.MICROHOST_DOMAIN}
