"""Error pages: blog hosts get the blog's own 404, the platform a plain one."""

from django.shortcuts import render


def not_found(request, exception=None):
    blog = getattr(request, "blog", None)
    template = "posts/not_found.html" if blog is not None else "404.html"
    return render(request, template, {"blog": blog}, status=404)
