"""URLs served on blog hosts (alice.<domain> and verified custom domains)."""

from django.urls import path

from posts.views import blog, media

urlpatterns = [
    path("", blog.home, name="blog_home"),
    path("<int:year>/<int:month>/<int:day>/<str:slug>/", blog.permalink, name="blog_permalink"),
    path("<int:year>/<int:month>/", blog.month, name="blog_month"),
    path("archive/", blog.archive, name="blog_archive"),
    path("category/<str:slug>/", blog.category, name="blog_category"),
    path("media/<path:path>", media.blog_media, name="blog_media"),
]

handler404 = "microhost.errors.not_found"
