"""Django's Redis cache, counted in django-prometheus's cache metrics.

django-prometheus ships this class (NativeRedisCache) in a module that imports django-redis, which
this project does not use; the counters are the library's, so the metric names are its own.
"""
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django_prometheus.cache.metrics import (
    django_cache_get_fail_total,
    django_cache_get_total,
    django_cache_hits_total,
    django_cache_misses_total,
)

LABEL = "native_redis"  # django-prometheus's label for this backend


class RedisCache(DjangoRedisCache):
    def get(self, key, default=None, version=None):
        django_cache_get_total.labels(backend=LABEL).inc()
        sentinel = object()  # a cached falsy value (0, "", []) is a hit, not a miss
        try:
            value = super().get(key, sentinel, version)
        except Exception:
            django_cache_get_fail_total.labels(backend=LABEL).inc()
            raise
        if value is sentinel:
            django_cache_misses_total.labels(backend=LABEL).inc()
            return default
        django_cache_hits_total.labels(backend=LABEL).inc()
        return value
