"""syndication URLs on the platform host."""

urlpatterns: list = []
