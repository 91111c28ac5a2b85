"""Django's Redis cache backend, minus a per-call cost.

Django's RedisCacheClient builds a new `redis.Redis` for every cache call, and redis-py fills a table
of ~170 response callbacks in each constructor: a third of a cached page's cost. This client builds one
per connection pool and reuses it (redis.Redis is safe to share; the pool hands out connections).
"""

from __future__ import annotations

from django.core.cache.backends.redis import RedisCache, RedisCacheClient


class ReusingRedisCacheClient(RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            client = self._clients[index] = self._client(connection_pool=self._get_connection_pool(write))
        return client


class ReusingRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ReusingRedisCacheClient
