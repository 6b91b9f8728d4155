"""django-prometheus's request middleware, made safe for a hostile Content-Length.

Its process_request does `int(request.headers["content-length"])` to observe the body size, so
"Content-Length: abc" was a 500 there before any view could answer the 400 the request earns
(tests/security/test_upload_limits.py). Here a length that is not a byte count is observed as 0
and the request goes on to be refused where it always was.
"""
from django_prometheus.middleware import PrometheusAfterMiddleware as _After
from django_prometheus.utils import Time


class PrometheusAfterMiddleware(_After):
    def process_request(self, request):
        transport, method = self._transport(request), self._method(request)
        self.label_metric(self.metrics.requests_by_method, request, method=method).inc()
        self.label_metric(self.metrics.requests_by_transport, request, transport=transport).inc()
        if request.headers.get("x-requested-with") == "XMLHttpRequest":
            self.label_metric(self.metrics.requests_ajax, request).inc()
        raw = (request.headers.get("content-length") or "").strip()
        self.label_metric(self.metrics.requests_body_bytes, request).observe(int(raw) if raw.isdigit() else 0)
        request.prometheus_after_middleware_event = Time()
