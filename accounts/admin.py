from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from accounts.models import Blog, Domain, User
from accounts.services import ensure_blog


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    fieldsets = BaseUserAdmin.fieldsets + (("Profile", {"fields": ("display_name", "bio", "avatar")}),)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        ensure_blog(user=obj)


class DomainInline(admin.TabularInline):
    model = Domain
    extra = 0
    readonly_fields = ("token", "verified_at", "last_checked_at", "last_error")


@admin.register(Blog)
class BlogAdmin(admin.ModelAdmin):
    list_display = ("subdomain", "title", "custom_domain", "changed_at")
    search_fields = ("subdomain", "title", "custom_domain")
    # Serving a domain needs proof of control: only verification (accounts/domains.py) sets it.
    readonly_fields = ("subdomain", "custom_domain", "changed_at")
    inlines = [DomainInline]
