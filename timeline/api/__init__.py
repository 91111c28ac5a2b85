"""The platform's JSON API (what micro.blog's own apps use): Django REST framework, token auth with
scopes, cursor pagination, an OpenAPI schema from drf-spectacular at /api/v1/schema/."""
