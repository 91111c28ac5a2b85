"""syndication URLs on blog hosts."""

urlpatterns: list = []
