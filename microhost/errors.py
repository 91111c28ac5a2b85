"""Error pages: blog hosts get the blog's own 404, the platform a plain one."""

from django.shortcuts import render


def not_found(request, exception=None):
    blog = getattr(request, "blog", None)
    if blog is not None:
        from posts.blog_pages import render_page

        return render_page("posts/not_found.html", {"blog": blog}, status=404)
    return render(request, "404.html", {"blog": None}, status=404)
