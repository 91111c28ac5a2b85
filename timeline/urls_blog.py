"""timeline URLs on blog hosts."""

urlpatterns: list = []
