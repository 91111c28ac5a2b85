"""URLs served on blog hosts (alice.<domain> and verified custom domains)."""

from django.urls import include, path

from posts.micropub import views as micropub
from posts.views import blog, feeds, media

urlpatterns = [
    path("", blog.home, name="blog_home"),
    path("<int:year>/<int:month>/<int:day>/<str:slug>/", blog.permalink, name="blog_permalink"),
    path("<int:year>/<int:month>/", blog.month, name="blog_month"),
    path("archive/", blog.archive, name="blog_archive"),
    path("category/<str:slug>/", blog.category, name="blog_category"),
    path("feed.xml", feeds.rss, name="blog_feed_rss"),
    path("feed.atom", feeds.atom, name="blog_feed_atom"),
    path("feed.json", feeds.json_feed, name="blog_feed_json"),
    path("category/<str:slug>/feed.xml", feeds.rss, name="category_feed_rss"),
    path("category/<str:slug>/feed.atom", feeds.atom, name="category_feed_atom"),
    path("category/<str:slug>/feed.json", feeds.json_feed, name="category_feed_json"),
    path("media/<path:path>", media.blog_media, name="blog_media"),
    path("micropub", micropub.micropub, name="micropub"),
    path("micropub/media", micropub.media_endpoint, name="micropub_media"),
    path("", include("webmention.urls_blog")),
    path("", include("timeline.urls_blog")),
    path("", include("syndication.urls_blog")),
]

handler404 = "microhost.errors.not_found"
