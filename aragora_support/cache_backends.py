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
# Bound once: labels() per call cost ~15 µs of every cached token lookup.
_GETS, _FAILS, _HITS, _MISSES = (metric.labels(backend=LABEL) for metric in (
    django_cache_get_total, django_cache_get_fail_total, django_cache_hits_total, django_cache_misses_total))


class RedisCache(DjangoRedisCache):
    def get(self, key, default=None, version=None):
        _GETS.inc()
        sentinel = object()  # a cached falsy value (0, "", []) is a hit, not a miss
        try:
            value = super().get(key, sentinel, version)
        except Exception:
            _FAILS.inc()
            raise
        if value is sentinel:
            _MISSES.inc()
            return default
        _HITS.inc()
        return value
