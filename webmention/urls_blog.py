"""webmention URLs on blog hosts."""

urlpatterns: list = []
